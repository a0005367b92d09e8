"""Relay legs left waiting by slices of a recording: drained as bytes, adopted by the join.

The slices of a large recording each pair their own legs and hand over the rest
(:meth:`RelayPairer.drain`); the join offers them, slice by slice, to one pairer
(:meth:`RelayPairer.adopt`). Whatever the cuts, the pairs, their findings and the
counts must be those of one pairer fed the whole recording.
"""

from __future__ import annotations

import itertools
import json

import msgspec
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ciba_contracts.check.relay import RelayChecker
from ciba_contracts.check.relay_pairs import RelayCounts, RelayPairer
from ciba_contracts.check.relay_side import Side
from ciba_contracts.check.relay_wire import Drained, Handover, encode_handover
from ciba_contracts.exchange import Exchange, Location
from ciba_contracts.validate.finding import Finding

ISSUE = "https://us.authlete.com/api/1/backchannel/authentication/issue"
AUTH = "https://us.authlete.com/api/1/backchannel/authentication"
CLIENT = "https://as.example/bc-authorize"
JSON = (("Content-Type", "application/json"), ("Cache-Control", "no-store"))

#: (kind, number, variant): an Authlete answer (OK for an even number, BAD_REQUEST for an
#: odd one) or a client leg, right or wrong by its variant.
Leg = tuple[str, int, int]


def _issue(entry: int, number: int) -> Exchange:
    auth_req_id = f"req-{number:04d}-abcdefghijklmnop"
    content = {"auth_req_id": auth_req_id, "expires_in": 600, "interval": 5}
    body = {
        "resultCode": "A183001",
        "resultMessage": "[A183001] ok",
        "action": "OK",
        "authReqId": auth_req_id,
        "expiresIn": 600,
        "interval": 5,
        "responseContent": json.dumps(content),
    }
    return Exchange(Location("t", entry), "POST", ISSUE, 200, body=orjson.dumps(body))


def _bad_request(entry: int, number: int) -> Exchange:
    trace = (("traceparent", f"00-{number:032x}-{1:016x}-01"),)
    body = {"action": "BAD_REQUEST", "responseContent": '{"error":"invalid_request"}'}
    return Exchange(Location("t", entry), "POST", AUTH, 200, trace, body=orjson.dumps(body))


def _client(entry: int, number: int, variant: int) -> Exchange:
    trace = (("traceparent", f"00-{number:032x}-{1:016x}-01"),)
    if variant % 2:
        # The answer to a BAD_REQUEST, right or with the wrong status.
        status = 400 if variant % 4 == 1 else 200
        body = b'{"error":"invalid_request"}'
    else:
        # The answer to an OK, its expires_in relayed or changed.
        status = 200
        content = {
            "auth_req_id": f"req-{number:04d}-abcdefghijklmnop",
            "expires_in": 600 if variant % 4 == 0 else 60,
            "interval": 5,
        }
        body = orjson.dumps(content)
    return Exchange(Location("t", entry), "POST", CLIENT, status, trace, JSON, body)


def _exchange(entry: int, leg: Leg) -> Exchange:
    kind, number, variant = leg
    if kind == "authlete":
        # One kind of answer per number: a client leg matches at most one pending answer
        # by its id and its trace. (One that two answers match by different keys, an OK by
        # its id and a BAD_REQUEST by its trace, can pair with the other one when a cut
        # falls between the two: a slice pairs what it holds before the join sees the rest.)
        return _issue(entry, number) if number % 2 == 0 else _bad_request(entry, number)
    return _client(entry, number, variant)


Result = tuple[list[tuple[int | None, list[Finding]]], RelayCounts]


def _whole(exchanges: list[Exchange], limit: int) -> Result:
    pairer = RelayPairer(RelayChecker(), limit=limit)
    pairs = [
        (client.location.entry, found)
        for exchange in exchanges
        for client, found in pairer.feed(exchange)
    ]
    return pairs, pairer.finish()


def _sliced(exchanges: list[Exchange], cuts: list[int], limit: int, live: bool = False) -> Result:
    """Slices paired apart, then joined; with ``live``, the first slice's pairer goes on
    as the join's (as where the process that joins read that slice)."""
    bounds = [0, *cuts, len(exchanges)]
    join = RelayPairer(RelayChecker(), limit=limit)
    counts = RelayCounts()
    pairs: list[tuple[int | None, list[Finding]]] = []
    for start, stop in itertools.pairwise(bounds):
        slice_pairer = RelayPairer(RelayChecker(), limit=limit)
        # A slice counts its entries from its cut: the join moves its client legs back.
        own = [
            (client.location.entry, found)
            for exchange in exchanges[start:stop]
            for client, found in slice_pairer.feed(
                msgspec.structs.replace(exchange, location=exchange.location.moved(-start, 0))
            )
        ]
        pairs.extend((entry + start if entry is not None else None, found) for entry, found in own)
        if live and start == 0:
            counts.absorb(slice_pairer.take_counts())
            join = slice_pairer
            continue
        drained = slice_pairer.drain()
        counts.absorb(slice_pairer.counts)
        adopted = join.adopt(drained, start, 0)
        pairs.extend((client.location.entry, found) for _, client, found in adopted)
    counts.absorb(join.finish())
    return pairs, counts


#: Each number at most once per side: a key that repeats on one side replaces the earlier
#: leg, which a slice does before the join sees the legs before it, so where a cut falls
#: between two such legs the pair can be made with the other one.
legs = st.lists(
    st.tuples(
        st.sampled_from(["authlete", "client"]),
        st.integers(0, 8),
        st.integers(0, 3),
    ),
    max_size=18,
    unique_by=lambda leg: (leg[0], leg[1]),
)


@settings(max_examples=150, deadline=None)
@given(legs=legs, cuts=st.lists(st.integers(1, 17), max_size=4), live=st.booleans())
def test_sliced_pairing_is_one_pairing(legs: list[Leg], cuts: list[int], live: bool) -> None:
    exchanges = [_exchange(entry, leg) for entry, leg in enumerate(legs)]
    cut_at = sorted({cut for cut in cuts if 0 < cut < len(exchanges)})
    whole_pairs, whole_counts = _whole(exchanges, limit=10_000)
    sliced_pairs, sliced_counts = _sliced(exchanges, cut_at, limit=10_000, live=live)
    assert sorted(sliced_pairs, key=repr) == sorted(whole_pairs, key=repr)
    assert sliced_counts == whole_counts


@settings(max_examples=300, deadline=None)
@given(
    legs=st.lists(
        st.tuples(
            st.sampled_from(["authlete", "authlete", "client"]),
            st.integers(0, 12),
            st.integers(0, 3),
        ),
        max_size=30,
    ),
    cuts=st.lists(st.integers(1, 29), max_size=4),
    limit=st.integers(0, 6),
)
def test_a_join_going_on_from_the_first_slices_pairer_is_the_same_join(
    legs: list[Leg], cuts: list[int], limit: int
) -> None:
    # Keys repeating and legs past small limits included, where slices may pair otherwise
    # than one pairer: going on from the first slice's pairer changes nothing even there.
    exchanges = [_exchange(entry, leg) for entry, leg in enumerate(legs)]
    cut_at = sorted({cut for cut in cuts if 0 < cut < len(exchanges)})
    drained_pairs, drained_counts = _sliced(exchanges, cut_at, limit)
    live_pairs, live_counts = _sliced(exchanges, cut_at, limit, live=True)
    assert live_pairs == drained_pairs
    assert live_counts == drained_counts


def test_client_legs_past_the_budget_of_bytes_are_dropped_oldest_first() -> None:
    # Client legs are kept whole: a recording of the authorization server's endpoint
    # alone must not keep 10 000 of them. Each weighs its recorded bytes and 1 KiB.
    clients = [_client(entry, entry, 0) for entry in range(6)]
    weight = (
        1024
        + len(CLIENT)
        + len(clients[0].body or b"")
        + sum(len(name) + len(value) for name, value in (*clients[0].request_headers, *JSON))
    )
    pairer = RelayPairer(RelayChecker(), max_bytes=3 * weight)
    for client in clients:
        assert pairer.feed(client) == []
    assert pairer.counts.dropped == 3
    # The three oldest are gone: an answer for one of them pairs with nothing.
    assert pairer.feed(_issue(10, 1)) == []
    (client, _), *rest = pairer.feed(_issue(11, 4))
    assert rest == []
    assert client.location.entry == 4
    counts = pairer.finish()
    assert (counts.pairs, counts.unpaired_client, counts.unpaired_authlete) == (1, 5, 1)


def test_one_client_leg_past_the_budget_still_waits_for_its_answer() -> None:
    pairer = RelayPairer(RelayChecker(), max_bytes=10)
    assert pairer.feed(_client(0, 3, 0)) == []
    (client, _), *rest = pairer.feed(_issue(1, 3))
    assert rest == []
    assert client.location.entry == 0
    assert pairer.finish().dropped == 0


def test_an_authlete_leg_is_read_whole_only_when_it_is_paired() -> None:
    # A recording of Authlete calls alone: thousands of legs wait, none is ever paired.
    pairer = RelayPairer(RelayChecker())
    for entry in range(2000):
        pairer.feed(_issue(entry, entry))
    drained = pairer.drain()
    assert Drained(drained).heads().keys[-1] == ("id:req-1999-abcdefghijklmnop",)
    join = RelayPairer(RelayChecker())
    assert join.adopt(drained, 10, 10) == []
    assert join.finish().unpaired_authlete == 2000
    # Once one is paired, its case is the table's and its pair is checked.
    join = RelayPairer(RelayChecker())
    join.adopt(drained)
    (client, found), *rest = join.feed(_client(5000, 7, 2))
    assert rest == []
    assert client.location.entry == 5000
    # Its expires_in is not the one Authlete gave: the drained answer's content was read.
    assert [(f.rule, f.message.split(": ", 1)[1]) for f in found] == [
        ("R505", "the body the client got is not `responseContent`: `/expires_in` is 60, not 600")
    ]
    assert join.finish().unpaired_authlete == 1999


def test_a_client_leg_moves_by_its_slice_start_when_adopted() -> None:
    pairer = RelayPairer(RelayChecker())
    pairer.feed(_client(3, 9, 0))
    drained = pairer.drain()
    join = RelayPairer(RelayChecker())
    join.feed(_issue(1, 9))
    (at, client, found), *rest = join.adopt(drained, 100, 7)
    assert rest == []
    assert (at, client.location.entry, found) == (0, 103, [])


def test_nothing_waiting_drains_to_no_bytes() -> None:
    pairer = RelayPairer(RelayChecker())
    assert pairer.drain() == b""
    assert RelayPairer(RelayChecker()).adopt(b"") == []


@pytest.mark.parametrize("limit", [1, 3])
def test_the_join_keeps_the_limit_of_pending_legs(limit: int) -> None:
    exchanges = [_issue(entry, entry) for entry in range(8)]
    _, whole = _whole(exchanges, limit)
    _, sliced = _sliced(exchanges, [4], limit)
    assert sliced.unpaired_authlete == whole.unpaired_authlete == 8
    assert sliced.dropped == whole.dropped


def test_legs_msgpack_cannot_hold_travel_all_the_same() -> None:
    # A JSON escape of half a character leaves a lone surrogate in a URL; a status can be
    # any integer a recording writes. Neither may cost the run its slices.
    trace = (("traceparent", f"00-{5:032x}-{1:016x}-01"),)
    odd = Exchange(Location("t", 2), "POST", CLIENT + "?x=\ud800", 10**30, trace, JSON, b"{}")
    pairer = RelayPairer(RelayChecker())
    pairer.feed(odd)
    drained = pairer.drain()
    join = RelayPairer(RelayChecker())
    join.feed(_bad_request(1, 5))
    (at, client, found), *rest = join.adopt(drained, 10, 0)
    assert rest == []
    assert (at, client.url, client.status, client.location.entry) == (0, odd.url, 10**30, 12)
    assert "R501" in {f.rule for f in found}


def test_handed_over_legs_are_read_by_their_place() -> None:
    # The join reads the heads' columns first, the answers and client legs by place.
    pairer = RelayPairer(RelayChecker())
    pairer.feed(_issue(0, 2))
    pairer.feed(_client(1, 3, 0))
    pairer.feed(_bad_request(2, 5))
    drained = Drained(pairer.drain())
    heads = drained.heads()
    assert list(heads.clients) == [1]
    assert list(heads.at) == [0, 0, 0]
    assert heads.keys[0] == ("id:req-0002-abcdefghijklmnop",)
    assert drained.client(1).location.entry == 1
    assert drained.case(2).relay.action == "BAD_REQUEST"
    assert drained.answer(0)[:2] == ("issue", "OK")
    with pytest.raises(ValueError, match="client leg"):
        drained.answer(1)


#: A drawn Authlete leg as the join gets it: the numbers of its keys (an ``auth_req_id``
#: for an even one, a trace for an odd one), none for a leg with no key.
waiting_legs = st.lists(
    st.lists(st.integers(0, 11), max_size=2, unique_by=lambda n: n % 2), max_size=12
)


def _blob(drawn: list[list[int]]) -> bytes:
    def keys(numbers: list[int]) -> tuple[str, ...]:
        return tuple(
            f"id:req-{n:04d}-abcdefghijklmnop" if n % 2 == 0 else f"trace:{n:032x}" for n in numbers
        )

    answer = ("issue", "OK", '{"expires_in": 600}')
    return encode_handover(
        Handover(
            [],
            [keys(numbers) for numbers in drawn],
            list(range(len(drawn))),
            [answer] * len(drawn),
        )
    )


def _adopted_then_met(
    before: list[Leg], blobs: list[bytes], limit: int, one_by_one: bool
) -> tuple[list[tuple[int, int | None]], list[tuple[int | None, str]], RelayCounts]:
    join = RelayPairer(RelayChecker(), limit=limit)
    if one_by_one:
        join._deferring = False
    for entry, leg in enumerate(before):
        join.feed(_exchange(entry, leg))
    adopted = [(at, client.location.entry) for blob in blobs for at, client, _ in join.adopt(blob)]
    # What waits now, asked of every key a leg could hold: which pairs, and with what.
    met = [
        (client.location.entry, found[0].rule if found else "")
        for number in range(12)
        for client, found in join.feed(_client(100 + number, number, number % 2))
    ]
    return adopted, met, join.finish()


@settings(max_examples=200, deadline=None)
@given(
    before=legs,
    blobs=st.lists(waiting_legs, max_size=3),
    limit=st.integers(0, 6),
)
def test_legs_taken_at_once_are_taken_as_one_by_one(
    before: list[Leg], blobs: list[list[list[int]]], limit: int
) -> None:
    # The join places the Authlete legs that come while no client leg waits together:
    # the pairs, what still waits (and so pairs later) and the counts are those of
    # taking them one by one, whatever repeats, lacks a key or passes the limit.
    encoded = [_blob(drawn) for drawn in blobs]
    assert _adopted_then_met(before, encoded, limit, False) == _adopted_then_met(
        before, encoded, limit, True
    )


@settings(max_examples=200, deadline=None)
@given(
    keys=st.lists(
        st.tuples(st.lists(st.integers(0, 40), max_size=3, unique=True), st.booleans()),
        max_size=20,
    ),
    count=st.integers(0, 22),
)
def test_dropping_many_oldest_legs_at_once_is_dropping_them_one_by_one(
    keys: list[tuple[list[int], bool]], count: int
) -> None:
    # Client legs weigh against the budget of bytes: what the few left weigh is kept too.
    at_once, one_by_one = Side(), Side()
    for side in (at_once, one_by_one):
        for leg_id, (held, whole) in enumerate(keys):
            leg_keys = tuple(f"id:{key}" for key in held)
            exchange = _client(leg_id, leg_id, leg_id % 3) if whole else None
            answer = None if whole else ("issue", "OK", "{}")
            # A key names one waiting leg: a later leg holding it replaces the earlier.
            side.keep(leg_id, (exchange, leg_keys, answer, leg_id), 10**6, 10**9)
    at_once.drop_oldest(count)
    for _ in range(min(count, len(one_by_one.legs))):
        one_by_one.drop_oldest()
    assert list(at_once.legs.items()) == list(one_by_one.legs.items())
    assert at_once.index == one_by_one.index
    assert (at_once.size, at_once.weights) == (one_by_one.size, one_by_one.weights)
