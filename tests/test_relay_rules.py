"""The relay rules (R5xx): each fires on a wrong relay and stays quiet on a near miss.

Every row pairs an Authlete answer with the authorization server's answer to
its client; ``check_relay`` is the one checker ``relay-test``, ``validate`` and
``assert_relayed`` share. A relay rule added to the catalog without a row fails
``test_every_relay_rule_has_a_row``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import msgspec
import pytest

from ciba_contracts.check.relay import check_relay, json_difference, relay_case
from ciba_contracts.contract import RULES
from ciba_contracts.contract.relay import relays
from ciba_contracts.exchange import Exchange, Location

ISSUE_URL = "https://us.authlete.com/api/1/backchannel/authentication/issue"
AUTH_URL = "https://us.authlete.com/api/1/backchannel/authentication"
ACK = '{"auth_req_id":"abcdefghijklmnopqrstuvwxyz","expires_in":600,"interval":5}'
ERROR = '{"error":"invalid_request","error_description":"no hint"}'
JSON = (("Content-Type", "application/json"), ("Cache-Control", "no-store"))
BASIC = (("Authorization", "Basic MTIzNDpzM2NyZXQ="),)


def authlete(action: str, content: str | None = ACK, url: str = ISSUE_URL) -> Exchange:
    payload: dict[str, Any] = {"resultCode": "A183001", "resultMessage": "[A183001] x"}
    payload["action"] = action
    if content is not None:
        payload["responseContent"] = content
    return Exchange(Location("t"), "POST", url, 200, body=json.dumps(payload).encode())


def client(
    status: int | None = 200,
    body: bytes | None = ACK.encode(),
    headers: tuple[tuple[str, str], ...] = JSON,
    request: tuple[tuple[str, str], ...] = (),
) -> Exchange:
    return Exchange(
        Location("t"),
        "POST",
        "https://as.example/bc-authorize",
        status,
        request_headers=request,
        response_headers=headers,
        body=body,
    )


@dataclass(frozen=True)
class Row:
    authlete: Exchange
    fire: Exchange
    quiet: Exchange


UNAUTHORIZED = authlete("UNAUTHORIZED", ERROR, AUTH_URL)
TABLE = {
    "R501": Row(authlete("OK"), client(201), client(200)),
    "R502": Row(
        authlete("OK"),
        client(headers=(("Content-Type", "text/html"), ("Cache-Control", "no-store"))),
        client(headers=(("Content-Type", "Application/JSON; charset=UTF-8"), JSON[1])),
    ),
    "R503": Row(
        authlete("OK"),
        client(headers=(JSON[0], ("Pragma", "no-cache"))),
        client(headers=(JSON[0], ("Cache-Control", "private, no-store"))),
    ),
    "R504": Row(authlete("OK"), client(body=b"<html>"), client()),
    "R505": Row(
        authlete("OK"),
        client(body=b'{"auth_req_id":"abcdefghijklmnopqrstuvwxyz","expires_in":600}'),
        client(
            body=b'{ "interval": 5.0, "expires_in": 600, '
            b'"auth_req_id": "abcdefghijklmnopqrstuvwxyz"}'
        ),
    ),
    "R506": Row(
        authlete("INVALID_TICKET", None),
        client(500, b'{"message":"bad ticket"}'),
        client(500, b'{"error":"server_error"}'),
    ),
    "R507": Row(
        UNAUTHORIZED,
        client(401, ERROR.encode(), request=BASIC),
        client(401, ERROR.encode(), (*JSON, ("WWW-Authenticate", "Basic")), BASIC),
    ),
    "R508": Row(authlete("OK"), client(None, None), client()),
    "R509": Row(
        Exchange(
            Location("t"),
            "POST",
            AUTH_URL,
            200,
            body=b'{"action":"USER_IDENTIFICATION","ticket":"t"}',
        ),
        client(),
        client(),
    ),
}


def test_every_relay_rule_has_a_row() -> None:
    assert {code for code in RULES if code.startswith("R")} == set(TABLE)


@pytest.mark.parametrize("code", sorted(TABLE))
def test_relay_rule_fires(code: str) -> None:
    row = TABLE[code]
    findings = check_relay(row.authlete, row.fire)
    assert code in {f.rule for f in findings}
    action = json.loads(row.authlete.body or b"{}")["action"]
    # Each finding names the action that decided it.
    assert all(action in f.message for f in findings)


@pytest.mark.parametrize("code", sorted(set(TABLE) - {"R509"}))
def test_relay_rule_stays_quiet_on_a_near_miss(code: str) -> None:
    row = TABLE[code]
    assert check_relay(row.authlete, row.quiet) == []


def test_next_call_quiet_once_the_issue_api_answered() -> None:
    # R509 is quiet when the leg that answers the client is the issue API's.
    assert check_relay(authlete("OK"), client()) == []


def test_relay_rules_follow_select_and_ignore() -> None:
    row = TABLE["R501"]
    assert check_relay(row.authlete, row.fire, ignore="R501") == []
    assert {f.rule for f in check_relay(row.authlete, row.fire, select="relay-status")} == {"R501"}


def test_double_encoding_is_named() -> None:
    body = json.dumps(ACK).encode()
    (finding,) = check_relay(authlete("OK"), client(body=body))
    assert finding.rule == "R505"
    assert "encoded a second time" in finding.message


def test_error_relays_use_the_authentication_table() -> None:
    bad = authlete("BAD_REQUEST", ERROR, AUTH_URL)
    assert check_relay(bad, client(400, ERROR.encode())) == []
    assert {f.rule for f in check_relay(bad, client(200, ERROR.encode()))} == {"R501"}


def test_a_bare_payload_finds_its_api_by_action() -> None:
    bare = msgspec.structs.replace(authlete("INVALID_TICKET", None), url="", method="")
    assert [f.rule for f in check_relay(bare, client(200, b'{"error":"x"}'))] == ["R501"]


def test_an_answer_without_action_has_no_relay() -> None:
    result = Exchange(Location("t"), "POST", ISSUE_URL, 401, body=b'{"resultCode":"A001202"}')
    assert isinstance(relay_case(result), str)
    with pytest.raises(ValueError, match="no `action`"):
        check_relay(result, client())


def test_the_table_covers_every_action_of_both_apis() -> None:
    table = relays()
    assert set(table["issue"]) == {"OK", "INVALID_TICKET", "INTERNAL_SERVER_ERROR"}
    assert set(table["authentication"]) == {
        "BAD_REQUEST",
        "UNAUTHORIZED",
        "INTERNAL_SERVER_ERROR",
        "USER_IDENTIFICATION",
    }


@pytest.mark.parametrize(
    ("got", "wanted", "same"),
    [({"a": 1}, {"a": 1.0}, True), ({"a": True}, {"a": 1}, False), ([1, 2], [2, 1], False)],
)
def test_json_values_compare_as_json(got: Any, wanted: Any, same: bool) -> None:
    assert (json_difference(got, wanted) is None) is same
