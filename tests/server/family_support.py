"""Flows through the reference server's four APIs, and the checks of the family's faults.

A plain module shared by ``test_server_family`` and ``test_server_faults`` (whose
``CHECKS`` it extends): each check runs the server with one fault and asserts,
with the level files read by the reference validator (``family_schema_check``)
or the result-code checker, that exactly the fault's rule breaks, at its level.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from server_support import SERVICE, V3_AUTH, V3_ISSUE, AsgiClient, FakeClock, json_of

from ciba_contracts import validate
from ciba_contracts.contract import RULES, Profile
from ciba_contracts.contract.result_codes import check_result_code
from ciba_contracts.server import ServerConfig, create_app, get_fault
from family_schema_check import findings

V3_FAIL: Final = f"/api/{SERVICE}/backchannel/authentication/fail"
V3_COMPLETE: Final = f"/api/{SERVICE}/backchannel/authentication/complete"
V2_FAIL: Final = "/api/backchannel/authentication/fail"
V2_COMPLETE: Final = "/api/backchannel/authentication/complete"
NOTIFICATION_TOKEN: Final = "8d67dc78-7faa-4d41-aabd-67707b374255"
#: Client IDs of each delivery mode (the stand-in has no registry: see docs/server.md).
CLIENTS: Final = {"POLL": "26862190133482", "PING": "26862190133482", "PUSH": "push-client"}


def client_with(*faults: str, clock: FakeClock | None = None) -> AsgiClient:
    config = ServerConfig(faults=frozenset(faults), clock=clock or FakeClock())
    return AsgiClient(create_app(config))


def authenticate(client: AsgiClient, mode: str = "POLL", **extra: str) -> dict[str, Any]:
    """The authentication API's answer for a client of ``mode``."""
    parameters = "scope=openid&login_hint=john"
    if mode != "POLL":
        parameters += f"&client_notification_token={NOTIFICATION_TOKEN}"
    for name, value in extra.items():
        parameters += f"&{name}={value}"
    request = {"parameters": parameters, "clientId": CLIENTS[mode], "clientSecret": "s3cret"}
    return json_of(client.post(V3_AUTH, json=request))


def issue(client: AsgiClient, ticket: str, path: str = V3_ISSUE) -> dict[str, Any]:
    """The issue API's answer for ``ticket``."""
    return json_of(client.post(path, json={"ticket": ticket}))


def issued_ticket(client: AsgiClient, mode: str = "POLL") -> tuple[str, dict[str, Any]]:
    """A ticket whose auth_req_id was issued, and the issue API's answer."""
    ticket = str(authenticate(client, mode)["ticket"])
    return ticket, issue(client, ticket)


def complete(
    client: AsgiClient, ticket: str, result: str = "AUTHORIZED", path: str = V3_COMPLETE
) -> dict[str, Any]:
    return json_of(client.post(path, json={"ticket": ticket, "result": result, "subject": "john"}))


def fail(client: AsgiClient, ticket: str, reason: str, path: str = V3_FAIL) -> dict[str, Any]:
    return json_of(client.post(path, json={"ticket": ticket, "reason": reason}))


def _answer_of(name: str, faults: tuple[str, ...] | None = None) -> tuple[str, dict[str, Any]]:
    """(API, the answer fault ``name`` changes) of a server running ``faults`` (default: it)."""
    client = client_with(*((name,) if faults is None else faults))
    fault = get_fault(name)
    if fault.api == "authentication":
        if name in {"missing-ticket", "scopes-without-openid"}:
            return "authentication", authenticate(client)
        request = {"parameters": "scope=openid&login_hint=john", "clientId": "26862190133482"}
        if name == "bad-request-error-code":
            request.update(parameters="login_hint=john", clientSecret="s3cret")
        return "authentication", json_of(client.post(V3_AUTH, json=request))
    if fault.api == "fail":
        return "fail", fail(client, "unknown", "ACCESS_DENIED")
    if fault.api == "issue":
        return "issue", issue(client, "never-issued")
    mode = {"notification-in-poll-mode": "POLL", "undocumented-result-code": "POLL"}.get(name)
    if mode is None:
        mode = "PING" if name == "ping-notification-with-error" else "PUSH"
    ticket, _ = issued_ticket(client, mode)
    return "complete", complete(client, ticket)


def rules_of(api: str, level: str, answer: dict[str, Any]) -> set[str]:
    """The codes of the rules of ``level`` and below that ``answer`` breaks."""
    found = {code for code, *_ in findings(api, level, answer)}
    named = {name for name, _, _ in check_result_code(api, answer)}
    profile = Profile.parse(level)
    found |= {
        code for code, rule in RULES.items() if rule.name in named and profile.includes(rule.level)
    }
    return found


def validator_rules(api: str, level: str, answer: dict[str, Any]) -> set[str]:
    """The codes of the error rules the project's validator finds in ``answer`` at ``level``."""
    return {f.rule for f in validate(answer, api=api, profile=level) if f.is_error}


def check_family_fault(
    name: str, rules: Callable[[str, str, dict[str, Any]], set[str]] = rules_of
) -> None:
    """The fault breaks exactly its rule, from its level on, and nothing below it.

    Compared with the same answer of a server without faults, so warnings the
    stand-in's own answer carries (an undocumented result code) are not the fault's.
    ``rules`` judges an answer (by default the schema-only reference).
    """
    fault = get_fault(name)
    api, answer = _answer_of(name)
    _, clean = _answer_of(name, faults=())
    levels = ("sdk", "authlete", "ciba")
    for level in levels:
        found = rules(api, level, answer) - rules(api, level, clean)
        below = levels.index(level) < levels.index(fault.level)
        assert found == (set() if below else {fault.rule}), (level, found, answer)


def check_relation_fault(name: str) -> None:
    """:func:`check_family_fault` for a fault of a relation no schema states (a mirrored
    token), which the project's validator judges and the schema-only reference cannot."""
    check_family_fault(name, validator_rules)


#: Fault name -> its check (merged into test_server_faults.CHECKS).
FAMILY_CHECKS: Final[dict[str, Callable[[str], None]]] = dict.fromkeys(
    (
        "missing-ticket",
        "scopes-without-openid",
        "authentication-error-without-content",
        "bad-request-error-code",
        "unauthorized-error-code",
        "fail-without-content",
        "fail-wrong-error-code",
        "notification-without-endpoint",
        "notification-in-poll-mode",
        "push-without-tokens",
        "ping-notification-with-error",
        "notification-over-http",
        "push-without-token-type",
        "undocumented-result-code",
        "result-code-action-mismatch",
    ),
    check_family_fault,
) | {"push-token-mismatch": check_relation_fault}
