"""Authlete legs that come while no client leg waits are placed together, as one by one.

:class:`RelayPairer` defers such legs (they can pair with nothing yet) and
places them among the pending ones when a client leg comes, when the legs are
handed over or counted, or when too many wait. Whatever repeats a key, holds
several, holds none or passes the limit, the pairs, their findings, what is
handed over and the counts must be those of taking each leg as it comes.
"""

from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from ciba_contracts.check.relay import RelayChecker
from ciba_contracts.check.relay_pairs import RelayCounts, RelayPairer
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


def _fed(
    legs: list[Drawn], limit: int, deferred: bool, end: str
) -> tuple[list[tuple[int | None, list[str]]], bytes, RelayCounts]:
    pairer = RelayPairer(RelayChecker(), correlate="X-Request-ID", limit=limit)
    pairer._defer = deferred
    pairs = [
        (client.location.entry, [finding.rule for finding in found])
        for entry, leg in enumerate(legs)
        for client, found in pairer.feed(_exchange(entry, leg), at=entry)
    ]
    if end == "drain":
        return pairs, pairer.drain(), pairer.counts
    return pairs, b"", pairer.finish()


@settings(max_examples=300, deadline=None)
@given(
    legs=drawn_legs,
    limit=st.integers(0, 6),
    end=st.sampled_from(["drain", "finish"]),
)
def test_deferred_legs_are_placed_as_one_by_one(legs: list[Drawn], limit: int, end: str) -> None:
    assert _fed(legs, limit, True, end) == _fed(legs, limit, False, end)


def test_a_run_of_authlete_legs_past_the_limit_is_counted_as_one_by_one() -> None:
    # Twelve answers, the fourth repeating the first's id: it replaces it (unpaired, not
    # dropped); past the limit of three, the oldest go, and the last three wait, then
    # pair with the client legs that come.
    legs: list[Drawn] = [("ok", n % 3 if n == 3 else n, None, None, 0) for n in range(12)]
    legs += [("client", n, None, None, 0) for n in (9, 10, 11, 0)]
    pairs, _, counts = _fed(legs, 3, True, "finish")
    assert [entry for entry, _ in pairs] == [12, 13, 14]
    assert counts == RelayCounts(pairs=3, unpaired_authlete=9, unpaired_client=1, dropped=8)
    assert _fed(legs, 3, False, "finish") == (pairs, b"", counts)
