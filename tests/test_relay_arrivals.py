"""Drained Authlete legs adopted while no client leg waits are placed together, as one by one.

The join of a sliced recording defers the Authlete legs it adopts while no
client leg waits (they can pair with nothing yet) and places them among the
pending ones when a client leg comes, when the legs are handed over or
counted, or when too many wait (:mod:`ciba_contracts.check.relay_arrivals`).
Whatever repeats a key, holds several, holds none or passes the limit, the
pairs, their findings, what is handed over and the counts must be those of
taking each leg as it comes.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from ciba_contracts.check.relay import RelayChecker
from ciba_contracts.check.relay_arrivals import Arrival, walk
from ciba_contracts.check.relay_pairs import RelayCounts, RelayPairer
from ciba_contracts.check.relay_wire import Drained
from ciba_contracts.exchange import Exchange, Location

ISSUE = "https://us.authlete.com/api/1/backchannel/authentication/issue"
AUTH = "https://us.authlete.com/api/1/backchannel/authentication"
CLIENT = "https://as.example/backchannel"
JSON = (("Content-Type", "application/json"), ("Cache-Control", "no-store"))

#: (kind, auth_req_id number, trace number, correlation number, variant); a None names
#: no such key, so a leg may hold none, one or three.
Drawn = tuple[str, int | None, int | None, int | None, int]

drawn_legs = st.lists(
    st.tuples(
        st.sampled_from(["ok", "bad", "client"]),
        st.none() | st.integers(0, 4),
        st.none() | st.integers(0, 3),
        st.none() | st.integers(0, 2),
        st.integers(0, 3),
    ),
    max_size=30,
)


def _headers(trace: int | None, corr: int | None) -> tuple[tuple[str, str], ...]:
    headers: list[tuple[str, str]] = []
    if trace is not None:
        headers.append(("traceparent", f"00-{trace + 1:032x}-{1:016x}-01"))
    if corr is not None:
        headers.append(("X-Request-ID", f"r-{corr}"))
    return tuple(headers)


def _exchange(entry: int, leg: Drawn) -> Exchange:
    kind, number, trace, corr, variant = leg
    headers = _headers(trace, corr)
    place = Location("t", entry)
    auth_req_id = None if number is None else f"req-{number:04d}-abcdefghijklmnop"
    if kind == "ok":
        content = {"auth_req_id": auth_req_id or "x", "expires_in": 600, "interval": 5}
        body = {
            "resultCode": "A183001",
            "resultMessage": "[A183001] ok",
            "action": "OK",
            "expiresIn": 600,
            "responseContent": orjson.dumps(content).decode(),
        }
        if auth_req_id is not None:
            body["authReqId"] = auth_req_id
        return Exchange(place, "POST", ISSUE, 200, headers, body=orjson.dumps(body))
    if kind == "bad":
        body = {"action": "BAD_REQUEST", "responseContent": '{"error":"invalid_request"}'}
        return Exchange(place, "POST", AUTH, 200, headers, body=orjson.dumps(body))
    if variant % 2:
        status, answer = (400 if variant == 1 else 200), b'{"error":"invalid_request"}'
    else:
        expires = 600 if variant == 0 else 60
        answer = orjson.dumps({"auth_req_id": auth_req_id, "expires_in": expires, "interval": 5})
        status = 200
    return Exchange(place, "POST", CLIENT, status, headers, JSON, answer)


def _joined(
    legs: list[Drawn],
    cuts: list[int],
    limit: int,
    deferred: bool,
    end: str,
    slice_limit: int = 10_000,
    before: Sequence[Drawn] = (),
) -> tuple[list[tuple[int | None, list[str]]], bytes, RelayCounts]:
    """Slices of ``legs`` read apart (each keeping ``slice_limit`` legs waiting), each
    handing over what waits, and one join adopting them in order, with ``limit`` (deferring,
    or taking each leg as it comes); then its end."""
    join = RelayPairer(RelayChecker(), correlate="X-Request-ID", limit=limit)
    join._deferring = deferred
    pairs: list[tuple[int | None, list[str]]] = []
    for entry, leg in enumerate(before):
        # Legs the join itself read: they wait indexed, older than every slice's.
        for client, found in join.feed(_exchange(-1 - entry, leg)):
            pairs.append((client.location.entry, [f.rule for f in found]))
    bounds = [0, *sorted({cut for cut in cuts if 0 < cut < len(legs)}), len(legs)]
    for start, stop in itertools.pairwise(bounds):
        piece = RelayPairer(RelayChecker(), correlate="X-Request-ID", limit=slice_limit)
        for entry in range(start, stop):
            for client, found in piece.feed(_exchange(entry, legs[entry]), at=entry):
                pairs.append((client.location.entry, [f.rule for f in found]))
        for _, client, found in join.adopt(piece.drain()):
            pairs.append((client.location.entry, [f.rule for f in found]))
    if end == "met":
        # What waits, asked of every key a leg could hold: which pairs, and with what.
        for number in range(5):
            client = _exchange(100 + number, ("client", number, number % 4, number % 3, 0))
            for paired, found in join.feed(client):
                pairs.append((paired.location.entry, [f.rule for f in found]))
    if end == "drain":
        return pairs, join.drain(), join.counts
    return pairs, b"", join.finish()


def _as_one_by_one(
    legs: list[Drawn],
    cuts: list[int],
    limit: int,
    end: str,
    slice_limit: int = 10_000,
    before: Sequence[Drawn] = (),
) -> None:
    """The deferring join gives what taking each leg as it comes gives."""
    deferred = _joined(legs, cuts, limit, True, end, slice_limit, before)
    assert deferred == _joined(legs, cuts, limit, False, end, slice_limit, before)


#: How a join ends: handing its legs over, counting them, or meeting client legs.
ends = st.sampled_from(["drain", "finish", "met"])


@settings(max_examples=400, deadline=None)
@given(
    legs=drawn_legs,
    cuts=st.lists(st.integers(1, 29), max_size=4),
    limit=st.integers(0, 6),
    slice_limit=st.sampled_from([2, 10_000]),
    end=ends,
)
def test_deferred_legs_are_placed_as_one_by_one(
    legs: list[Drawn], cuts: list[int], limit: int, slice_limit: int, end: str
) -> None:
    _as_one_by_one(legs, cuts, limit, end, slice_limit)


@settings(max_examples=300, deadline=None)
@given(
    ids=st.lists(st.integers(0, 3), max_size=16),
    cuts=st.lists(st.integers(1, 15), max_size=5),
    limit=st.integers(0, 3),
    end=ends,
)
def test_repeated_ids_past_a_small_limit_are_placed_as_one_by_one(
    ids: list[int], cuts: list[int], limit: int, end: str
) -> None:
    # A recording of Authlete calls alone, a few ids repeating: legs are replaced,
    # dropped, and replaced again after being dropped, across slices.
    _as_one_by_one([("ok", number, None, None, 0) for number in ids], cuts, limit, end)


def test_a_run_of_authlete_legs_past_the_limit_is_counted_as_one_by_one() -> None:
    # Three slices of four answers, a limit of three: each slice hands over its last
    # three. The third slice's second answer repeats the id of the second slice's second:
    # it replaces it (unpaired, not dropped), so past the limit the join drops five of
    # the nine it adopts, not six; the three left pair with the client legs that come.
    ids = [0, 1, 2, 3, 5, 6, 7, 8, 9, 6, 10, 11]
    legs: list[Drawn] = [("ok", number, None, None, 0) for number in ids]
    legs += [("client", number, None, None, 0) for number in (6, 10, 11)]
    pairs, _, counts = _joined(legs, [4, 8, 12], 3, True, "finish", slice_limit=3)
    assert [entry for entry, _ in pairs] == [12, 13, 14]
    assert counts == RelayCounts(pairs=3, unpaired_authlete=6, unpaired_client=0, dropped=5)
    assert _joined(legs, [4, 8, 12], 3, False, "finish", 3) == (pairs, b"", counts)


#: Authlete legs only, a few ids and traces repeating: the slices hand over legs the
#: join takes whole (no client leg waits), replacing and dropping what waited.
authlete_legs = st.lists(
    st.tuples(
        st.sampled_from(["ok", "bad"]),
        st.none() | st.integers(0, 9),
        st.none() | st.integers(0, 5),
        st.none(),
        st.just(0),
    ),
    max_size=30,
)


@settings(max_examples=400, deadline=None)
@given(
    before=authlete_legs,
    legs=authlete_legs,
    cuts=st.lists(st.integers(1, 29), max_size=5),
    limit=st.integers(0, 8),
    slice_limit=st.sampled_from([3, 10_000]),
    end=ends,
)
def test_slices_taken_whole_after_indexed_legs_are_taken_as_one_by_one(
    before: list[Drawn],
    legs: list[Drawn],
    cuts: list[int],
    limit: int,
    slice_limit: int,
    end: str,
) -> None:
    _as_one_by_one(legs, cuts, limit, end, slice_limit, before)


def test_slices_whose_legs_are_all_replaced_are_let_go() -> None:
    # Each slice hands over one answer of the same trace, which replaces the last one's:
    # the join keeps one slice's legs, not one block per slice it ever adopted.
    join = RelayPairer(RelayChecker())
    for entry in range(200):
        piece = RelayPairer(RelayChecker())
        piece.feed(_exchange(entry, ("bad", None, 1, None, 0)))
        assert join.adopt(piece.drain()) == []
    assert len(join._blocks._blocks) == 1
    assert join.finish() == RelayCounts(unpaired_authlete=200)


def _keys_of(leg: Drawn) -> tuple[str, ...]:
    """The keys an Authlete leg drawn so holds (see ``Key``): its ``authReqId`` if it is an
    ``OK`` answer with one, then its trace."""
    kind, number, trace, _, _ = leg
    keys = (f"id:req-{number:04d}-abcdefghijklmnop",) if kind == "ok" and number is not None else ()
    return keys + ((f"trace:{trace + 1:032x}",) if trace is not None else ())


@settings(max_examples=400, deadline=None)
@given(legs=authlete_legs, limit=st.integers(0, 6))
def test_authlete_legs_waiting_alone_are_kept_as_the_walk_works_out(
    legs: list[Drawn], limit: int
) -> None:
    # A recording of Authlete calls alone: every leg waits, replacing one holding a key it
    # holds, and past the limit the oldest goes. What still waits (handed over in order),
    # and the counts, are what the walk over the same legs works out.
    pairer = RelayPairer(RelayChecker(), limit=limit)
    arrivals: list[Arrival] = []
    nothing = Drained(b"")  # the walk reads only the keys
    keyless = 0
    for entry, leg in enumerate(legs):
        assert pairer.feed(_exchange(entry, leg), at=entry) == []
        keys = _keys_of(leg)
        if keys:
            arrivals.append((keys, nothing, entry, entry))
        else:
            keyless += 1
    done = walk(arrivals, (), 0, {}, limit)
    unpaired = keyless + done.replaced + done.dropped
    assert pairer.counts == RelayCounts(unpaired_authlete=unpaired, dropped=done.dropped)
    waiting = [arrivals[number] for number in done.waiting(len(arrivals))]
    heads = Drained(pairer.drain()).heads()
    assert [tuple(keys) for keys in heads.keys] == [keys for keys, _, _, _ in waiting]
    assert list(heads.at) == [at for _, _, _, at in waiting]
