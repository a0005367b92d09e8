"""The reference server's fail and complete APIs, and the whole flow through the four APIs.

Every answer here is held to the level files (``family_schema_check``) and to the
result-code rules: the stand-in keeps the contract it serves, at the ciba level.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from family_support import (
    V2_COMPLETE,
    V2_FAIL,
    V3_COMPLETE,
    V3_FAIL,
    authenticate,
    client_with,
    complete,
    fail,
    issued_ticket,
    rules_of,
)
from server_support import V2_ISSUE, V3_ISSUE, AsgiClient, FakeClock, json_of

from ciba_contracts.server import ServerConfig, create_app
from ciba_contracts.server.flows import Flow, FlowLog, FlowState


def clean(api: str, answer: dict[str, Any]) -> None:
    assert rules_of(api, "ciba", answer) == set(), answer


def content(answer: dict[str, Any]) -> Any:
    return orjson.loads(answer["responseContent"])


@pytest.mark.parametrize(
    ("result", "code"), [("AUTHORIZED", "A198001"), ("ACCESS_DENIED", "A198002")]
)
def test_poll_mode_completes_with_no_action(result: str, code: str) -> None:
    client = client_with()
    ticket, issued = issued_ticket(client, "POLL")
    answer = complete(client, ticket, result)
    assert (answer["action"], answer["resultCode"]) == ("NO_ACTION", code)
    assert answer["authReqId"] == issued["authReqId"]
    assert answer["deliveryMode"] == "POLL"
    clean("complete", answer)


def test_ping_mode_notifies_the_auth_req_id_only() -> None:
    client = client_with()
    ticket, issued = issued_ticket(client, "PING")
    answer = complete(client, ticket, "ACCESS_DENIED")
    assert answer["action"] == "NOTIFICATION"
    assert answer["clientNotificationEndpoint"].startswith("https://")
    assert content(answer) == {"auth_req_id": issued["authReqId"]}
    clean("complete", answer)


def test_push_mode_notifies_the_tokens() -> None:
    client = client_with()
    ticket, issued = issued_ticket(client, "PUSH")
    answer = complete(client, ticket)
    assert (answer["action"], answer["resultCode"]) == ("NOTIFICATION", "A198003")
    body = content(answer)
    assert body["auth_req_id"] == answer["authReqId"] == issued["authReqId"]
    assert body["access_token"] == answer["accessToken"]
    assert body["id_token"] == answer["idToken"]
    assert body["token_type"] == "Bearer"
    assert answer["idToken"].count(".") == 2
    clean("complete", answer)


@pytest.mark.parametrize(
    ("result", "error"),
    [("ACCESS_DENIED", "access_denied"), ("TRANSACTION_FAILED", "expired_token")],
)
def test_push_mode_notifies_the_error(result: str, error: str) -> None:
    client = client_with()
    ticket, _ = issued_ticket(client, "PUSH")
    answer = complete(client, ticket, result)
    assert answer["resultCode"] == "A198004"
    assert content(answer)["error"] == error
    assert "accessToken" not in answer
    clean("complete", answer)


def test_a_ticket_used_by_complete_cannot_be_issued_again() -> None:
    client = client_with()
    ticket, _ = issued_ticket(client)
    complete(client, ticket)
    again = json_of(client.post(V3_ISSUE, json={"ticket": ticket}))
    assert (again["action"], again["resultCode"]) == ("INVALID_TICKET", "A181204")
    clean("issue", again)
    twice = complete(client, ticket)
    assert (twice["action"], twice["resultCode"]) == ("SERVER_ERROR", "A196203")
    clean("complete", twice)


def test_a_ticket_issued_twice_is_used() -> None:
    client = client_with()
    ticket, _ = issued_ticket(client)
    again = json_of(client.post(V3_ISSUE, json={"ticket": ticket}))
    assert again["resultCode"] == "A181205"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"result": "AUTHORIZED", "subject": "john"}, "A186201"),
        ({"ticket": "", "result": "AUTHORIZED", "subject": "john"}, "A186201"),
        ({"ticket": "t", "subject": "john"}, "A187201"),
        ({"ticket": "t", "result": "MAYBE", "subject": "john"}, "A000201"),
        ({"ticket": "t", "result": "AUTHORIZED"}, "A000201"),
        ({"ticket": "t", "result": "AUTHORIZED", "subject": 7}, "A000201"),
        ({"ticket": "never-issued", "result": "AUTHORIZED", "subject": "john"}, "A196201"),
    ],
)
def test_wrong_complete_calls_are_server_errors(fields: dict[str, Any], code: str) -> None:
    answer = json_of(client_with().post(V3_COMPLETE, json=fields))
    assert (answer["action"], answer["resultCode"]) == ("SERVER_ERROR", code)
    clean("complete", answer)


def test_complete_before_issue_and_after_expiry() -> None:
    clock = FakeClock()
    client = AsgiClient(create_app(ServerConfig(clock=clock, ticket_ttl=60.0)))
    early = str(authenticate(client)["ticket"])
    assert complete(client, early)["resultCode"] == "A196204"
    ticket, _ = issued_ticket(client)
    clock.advance(60)
    assert complete(client, ticket)["resultCode"] == "A196202"


@pytest.mark.parametrize(
    ("reason", "action", "error"),
    [
        ("ACCESS_DENIED", "FORBIDDEN", "access_denied"),
        ("SERVER_ERROR", "INTERNAL_SERVER_ERROR", "server_error"),
        ("UNKNOWN_USER_ID", "BAD_REQUEST", "unknown_user_id"),
        ("EXPIRED_LOGIN_HINT_TOKEN", "BAD_REQUEST", "expired_login_hint_token"),
        ("INVALID_TARGET", "BAD_REQUEST", "invalid_target"),
    ],
)
def test_fail_builds_the_documented_error(reason: str, action: str, error: str) -> None:
    client = client_with()
    ticket = str(authenticate(client)["ticket"])
    answer = fail(client, ticket, reason)
    assert (answer["action"], answer["resultCode"]) == (action, "A185001")
    assert content(answer) == {"error": error}
    clean("fail", answer)
    # The ticket is deleted: it issues nothing any more.
    gone = json_of(client.post(V3_ISSUE, json={"ticket": ticket}))
    assert (gone["action"], gone["resultCode"]) == ("INVALID_TICKET", "A181201")


def test_fail_after_issue_builds_the_error_and_ends_the_flow() -> None:
    client = client_with()
    ticket, _ = issued_ticket(client)
    answer = fail(client, ticket, "ACCESS_DENIED")
    assert answer["action"] == "FORBIDDEN"
    clean("fail", answer)
    assert complete(client, ticket)["resultCode"] == "A196201"


def test_fail_passes_the_description_and_defaults_the_reason() -> None:
    client = client_with()
    fields = {"ticket": "t", "reason": "INVALID_USER_CODE", "errorDescription": "Wrong code."}
    answer = json_of(client.post(V3_FAIL, json=fields))
    assert content(answer) == {"error": "invalid_user_code", "error_description": "Wrong code."}
    default = json_of(client.post(V3_FAIL, json={"ticket": "t"}))
    assert (default["action"], content(default)) == (
        "INTERNAL_SERVER_ERROR",
        {"error": "server_error"},
    )


@pytest.mark.parametrize(
    "fields", [{"ticket": "t", "reason": "NOPE"}, {"ticket": 3, "reason": "ACCESS_DENIED"}]
)
def test_wrong_fail_calls_are_internal_server_errors(fields: dict[str, Any]) -> None:
    answer = json_of(client_with().post(V3_FAIL, json=fields))
    assert (answer["action"], answer["resultCode"]) == ("INTERNAL_SERVER_ERROR", "A000201")
    clean("fail", answer)


@pytest.mark.parametrize("path", [V3_FAIL, V3_COMPLETE, V2_FAIL, V2_COMPLETE])
def test_a_body_that_is_not_json_is_400(path: str) -> None:
    response = client_with().post(path, content=b"{")
    assert response.status_code == 400
    assert json_of(response)["resultCode"] == "A000201"


def test_v2_paths_and_forms_work_too() -> None:
    client = client_with()
    ticket = str(authenticate(client)["ticket"])
    issued = json_of(client.post(V2_ISSUE, json={"ticket": ticket}))
    assert issued["action"] == "OK"
    answer = json_of(
        client.post(V2_COMPLETE, data={"ticket": ticket, "result": "AUTHORIZED", "subject": "j"})
    )
    assert answer["action"] == "NO_ACTION"
    assert fail(client, "x", "ACCESS_DENIED", V2_FAIL)["action"] == "FORBIDDEN"


def test_credentials_are_required() -> None:
    client = client_with()
    assert client.post(V3_COMPLETE, json={}, headers={}).status_code == 401
    assert client.post(V2_FAIL, json={}, headers={}).status_code == 401


def test_the_flow_log_is_bounded() -> None:
    log = FlowLog(limit=3)
    for i in range(5):
        log.open(f"t{i}", Flow(1, "c", "POLL", None, 10.0))
    assert len(log) == 3
    assert log.get("t0") is None
    log.advance("t4", FlowState.ISSUED, "id")
    flow = log.get("t4")
    assert flow is not None
    assert (flow.state, flow.auth_req_id) == (FlowState.ISSUED, "id")
    log.advance("gone", FlowState.FAILED)
    assert log.get("gone") is None
