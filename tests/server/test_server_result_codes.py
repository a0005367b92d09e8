"""The reference server answers only the result codes Authlete documents, with their messages.

Every 200 answer of the four APIs, whatever its action, keeps the result-code rules
(A190-A194: a documented code, its documented message, a code that fits the action,
the party and the API), the issue API's included, whether or not the validator holds
that API to the table yet. Every ``result`` object of the other answers carries a
documented code with its documented message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
    issue,
    issued_ticket,
)
from server_support import (
    V2_AUTH,
    V2_ISSUE,
    V3_AUTH,
    V3_ISSUE,
    AsgiClient,
    FakeClock,
    basic_auth,
    json_of,
)

from ciba_contracts.contract.result_codes import check_result_code, message_matches
from ciba_contracts.server.tickets import MemoryTicketStore

#: (API, a way to make the server give one of its answers, the action it must have).
Answer = Callable[[AsgiClient], dict[str, Any]]


def _auth(parameters: str, client_id: str | None = "1001", secret: str | None = "s") -> Answer:
    def answer(client: AsgiClient) -> dict[str, Any]:
        body = {"parameters": parameters, "clientId": client_id, "clientSecret": secret}
        return json_of(client.post(V3_AUTH, json={k: v for k, v in body.items() if v}))

    return answer


def _issue_twice(client: AsgiClient) -> dict[str, Any]:
    ticket, _ = issued_ticket(client)
    return issue(client, ticket)


def _issue_completed(client: AsgiClient) -> dict[str, Any]:
    ticket, _ = issued_ticket(client)
    complete(client, ticket)
    return issue(client, ticket)


def _issue_expired(client: AsgiClient) -> dict[str, Any]:
    clock = FakeClock()
    late = client_with(clock=clock)
    ticket = late.ticket()
    clock.advance(3600)
    return issue(late, ticket)


class _BrokenStore(MemoryTicketStore):
    def redeem(self, ticket: str, *, consume: bool = True) -> Any:
        raise OSError("the disk is gone")


def _issue_store_failed(client: AsgiClient) -> dict[str, Any]:
    from ciba_contracts.server import ServerConfig, create_app

    config = ServerConfig()
    broken = AsgiClient(create_app(config, store=_BrokenStore(config.ticket_ttl, config.clock)))
    return issue(broken, "any")


def _complete_with(fields: dict[str, Any]) -> Answer:
    def answer(client: AsgiClient) -> dict[str, Any]:
        return json_of(client.post(V3_COMPLETE, json=fields))

    return answer


def _complete_issued(mode: str, result: str = "AUTHORIZED") -> Answer:
    def answer(client: AsgiClient) -> dict[str, Any]:
        ticket, _ = issued_ticket(client, mode)
        return complete(client, ticket, result)

    return answer


def _complete_unissued(client: AsgiClient) -> dict[str, Any]:
    return complete(client, str(authenticate(client)["ticket"]))


def _complete_twice(client: AsgiClient) -> dict[str, Any]:
    ticket, _ = issued_ticket(client)
    complete(client, ticket)
    return complete(client, ticket)


def _fail_with(reason: Any) -> Answer:
    def answer(client: AsgiClient) -> dict[str, Any]:
        return fail(client, str(authenticate(client)["ticket"]), reason)

    return answer


ANSWERS: dict[str, tuple[str, Answer, str]] = {
    "auth-ok": ("authentication", _auth("scope=openid&login_hint=a"), "USER_IDENTIFICATION"),
    "auth-no-openid": ("authentication", _auth("scope=email&login_hint=a"), "BAD_REQUEST"),
    "auth-no-scope": ("authentication", _auth("login_hint=a"), "BAD_REQUEST"),
    "auth-no-hint": ("authentication", _auth("scope=openid"), "BAD_REQUEST"),
    "auth-bad-expiry": (
        "authentication",
        _auth("scope=openid&login_hint=a&requested_expiry=-1"),
        "BAD_REQUEST",
    ),
    "auth-not-utf8": (
        "authentication",
        _auth("scope=openid&login_hint=%ff"),
        "INTERNAL_SERVER_ERROR",
    ),
    "auth-no-secret": (
        "authentication",
        _auth("scope=openid&login_hint=a", "1", None),
        "UNAUTHORIZED",
    ),
    "auth-no-client": (
        "authentication",
        _auth("scope=openid&login_hint=a", None, None),
        "UNAUTHORIZED",
    ),
    "issue-ok": ("issue", lambda c: issued_ticket(c)[1], "OK"),
    "issue-unknown": (
        "issue",
        lambda c: issue(c, "never-issued"),
        "INVALID_TICKET",
    ),
    "issue-used": ("issue", _issue_twice, "INVALID_TICKET"),
    "issue-consumed": ("issue", _issue_completed, "INVALID_TICKET"),
    "issue-expired": ("issue", _issue_expired, "INVALID_TICKET"),
    "issue-store-failed": ("issue", _issue_store_failed, "INTERNAL_SERVER_ERROR"),
    "fail-denied": ("fail", _fail_with("ACCESS_DENIED"), "FORBIDDEN"),
    "fail-unknown-user": ("fail", _fail_with("UNKNOWN_USER_ID"), "BAD_REQUEST"),
    "fail-server-error": ("fail", _fail_with("SERVER_ERROR"), "INTERNAL_SERVER_ERROR"),
    "fail-bad-reason": ("fail", _fail_with("NOPE"), "INTERNAL_SERVER_ERROR"),
    "complete-poll": ("complete", _complete_issued("POLL"), "NO_ACTION"),
    "complete-poll-denied": ("complete", _complete_issued("POLL", "ACCESS_DENIED"), "NO_ACTION"),
    "complete-ping": ("complete", _complete_issued("PING"), "NOTIFICATION"),
    "complete-push": ("complete", _complete_issued("PUSH"), "NOTIFICATION"),
    "complete-push-failed": (
        "complete",
        _complete_issued("PUSH", "TRANSACTION_FAILED"),
        "NOTIFICATION",
    ),
    "complete-no-ticket": ("complete", _complete_with({"result": "AUTHORIZED"}), "SERVER_ERROR"),
    "complete-no-result": ("complete", _complete_with({"ticket": "t"}), "SERVER_ERROR"),
    "complete-bad-result": (
        "complete",
        _complete_with({"ticket": "t", "result": "MAYBE"}),
        "SERVER_ERROR",
    ),
    "complete-unknown": (
        "complete",
        _complete_with({"ticket": "t", "result": "AUTHORIZED", "subject": "u"}),
        "SERVER_ERROR",
    ),
    "complete-unissued": ("complete", _complete_unissued, "SERVER_ERROR"),
    "complete-twice": ("complete", _complete_twice, "SERVER_ERROR"),
}


@pytest.fixture(scope="module")
def client() -> AsgiClient:
    return client_with()


@pytest.mark.parametrize("case", sorted(ANSWERS))
def test_every_answer_keeps_the_result_code_rules(client: AsgiClient, case: str) -> None:
    api, make, action = ANSWERS[case]
    answer = make(client)
    assert answer["action"] == action, answer
    assert check_result_code(api, answer) == [], answer


RESULT_OBJECTS = [
    pytest.param(V3_ISSUE, {}, b"{}", 401, id="no-credentials"),
    pytest.param(V3_ISSUE, {"Authorization": "Bearer wrong"}, b"{}", 401, id="wrong-token"),
    pytest.param(V3_FAIL, {"Authorization": "Basic abc"}, b"{}", 401, id="wrong-scheme"),
    pytest.param(V2_ISSUE, basic_auth("key:wrong"), b"{}", 401, id="wrong-secret"),
    pytest.param(V2_COMPLETE, basic_auth("no-colon"), b"{}", 401, id="no-colon"),
    pytest.param(V2_AUTH, None, b"{oops", 400, id="auth-not-json"),
    pytest.param(V2_AUTH, None, b"{}", 400, id="auth-no-parameters"),
    pytest.param(V2_AUTH, None, b'{"parameters": 1}', 400, id="auth-parameters-type"),
    pytest.param(V2_ISSUE, None, b"[]", 400, id="issue-array"),
    pytest.param(V2_ISSUE, None, b'{"ticket": ""}', 400, id="issue-empty-ticket"),
    pytest.param(V2_FAIL, None, b"", 400, id="fail-empty"),
    pytest.param(V3_COMPLETE, None, b"{", 400, id="complete-not-json"),
    pytest.param(V3_ISSUE, None, b'{"ticket": "' + b"x" * 70_000 + b'"}', 413, id="too-large"),
    pytest.param("/api/1/nothing", None, b"{}", 404, id="no-api"),
]


@pytest.mark.parametrize(("path", "headers", "body", "status"), RESULT_OBJECTS)
def test_every_result_object_carries_a_documented_code(
    client: AsgiClient, path: str, headers: dict[str, str] | None, body: bytes, status: int
) -> None:
    kwargs: dict[str, Any] = {"content": body}
    if headers is not None:
        kwargs["headers"] = {**headers, "Content-Type": "application/json"}
    response = client.post(path, **kwargs)
    assert response.status_code == status, response.text
    result = json_of(response)
    assert message_matches(result["resultCode"], result["resultMessage"]), result
    if headers:
        # The credentials never reach the answer, not even as A001203's header value.
        credentials = headers["Authorization"].partition(" ")[2]
        assert credentials not in result["resultMessage"]
        assert "wrong" not in result["resultMessage"]


def test_a_wrong_method_carries_a_documented_code(client: AsgiClient) -> None:
    result = json_of(client.request("GET", V3_ISSUE))
    assert message_matches(result["resultCode"], result["resultMessage"]), result
