"""Every named fault changes the answer in the promised way, and only where promised."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest
from family_support import FAMILY_CHECKS, complete, fail, issued_ticket
from server_support import (
    GOOD_REQUEST,
    V2_AUTH,
    V2_ISSUE,
    V3_AUTH,
    V3_ISSUE,
    AsgiClient,
    FakeClock,
    content_of,
    json_of,
)

from ciba_contracts.contract.rules import RULES
from ciba_contracts.server import (
    FAULTS,
    Fault,
    ServerConfig,
    UnknownFaultError,
    create_app,
    fault_names,
    get_fault,
    iter_faults,
)

CIBA_ALPHABET = re.compile(r"^[A-Za-z0-9._-]*$")
RULE = re.compile(r"^[SACHL][0-9]{3}$")


def client_with(*faults: str, clock: FakeClock | None = None) -> AsgiClient:
    config = ServerConfig(faults=frozenset(faults), clock=clock or FakeClock())
    return AsgiClient(create_app(config))


def redeem_fresh(client: AsgiClient, path: str = V3_ISSUE) -> httpx.Response:
    return client.post(path, json={"ticket": client.ticket()})


def redeem_unknown(client: AsgiClient) -> httpx.Response:
    return client.post(V3_ISSUE, json={"ticket": "never-issued"})


def ok(name: str) -> dict[str, Any]:
    """The OK payload of a server running only fault ``name``."""
    return json_of(redeem_fresh(client_with(name)))


# -- payload faults on OK ------------------------------------------------------


def check_payload_not_json(name: str) -> None:
    response = redeem_fresh(client_with(name))
    assert response.headers["content-type"].startswith("application/json")
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(response.content)


def check_payload_not_object(name: str) -> None:
    body = orjson.loads(redeem_fresh(client_with(name)).content)
    assert isinstance(body, list)
    assert body[0]["action"] == "OK"


def check_expires_in_string(name: str) -> None:
    body = ok(name)
    assert body["expiresIn"] == "600"
    assert content_of(body)["expires_in"] == "600"


def check_int32_overflow(name: str) -> None:
    body = ok(name)
    assert body["expiresIn"] == content_of(body)["expires_in"] == 2**31


def check_missing_member(member: str) -> Callable[[str], None]:
    def check(name: str) -> None:
        body = ok(name)
        assert member not in body
        assert body["action" if member != "action" else "resultCode"]

    return check


def check_malformed_result_code(name: str) -> None:
    body = ok(name)
    assert not re.fullmatch(r"[A-Z][0-9]{6}", body["resultCode"])
    assert body["resultMessage"].startswith(f"[{body['resultCode']}] ")


def check_unprefixed_result_message(name: str) -> None:
    body = ok(name)
    assert body["resultMessage"] == "An auth_req_id was issued successfully."
    assert body["resultCode"] == "A183001"


def check_unknown_action(name: str) -> None:
    assert ok(name)["action"] == "ISSUED"


def check_missing_auth_req_id(name: str) -> None:
    body = ok(name)
    assert "authReqId" not in body
    assert CIBA_ALPHABET.match(content_of(body)["auth_req_id"])


def check_missing_expires_in(name: str) -> None:
    body = ok(name)
    assert "expiresIn" not in body
    assert content_of(body)["expires_in"] == 600


def check_same_on_both_sides(field: str, member: str, value: int) -> Callable[[str], None]:
    def check(name: str) -> None:
        body = ok(name)
        assert body[field] == content_of(body)[member] == value

    return check


def check_backslashes(name: str) -> None:
    body = ok(name)
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(body["responseContent"])
    assert '\\"auth_req_id\\"' in body["responseContent"]
    unescaped = orjson.loads(body["responseContent"].replace('\\"', '"'))
    assert unescaped["auth_req_id"] == body["authReqId"]


def check_content_mismatch(name: str) -> None:
    body = ok(name)
    content = content_of(body)
    assert content["auth_req_id"] != body["authReqId"]
    assert (content["expires_in"], content["interval"]) == (body["expiresIn"], body["interval"])


def check_acknowledgement_malformed(name: str) -> None:
    body = ok(name)
    assert content_of(body) == {"auth_req_id": body["authReqId"], "interval": body["interval"]}


def check_charset(name: str) -> None:
    body = ok(name)
    assert not CIBA_ALPHABET.match(body["authReqId"])
    assert len(body["authReqId"]) >= 22
    assert content_of(body)["auth_req_id"] == body["authReqId"]


def check_short(name: str) -> None:
    body = ok(name)
    assert len(body["authReqId"]) == 16
    assert CIBA_ALPHABET.match(body["authReqId"])


# -- payload faults on errors --------------------------------------------------


def check_internal_error_without_content(name: str) -> None:
    client = client_with(name)
    body = json_of(redeem_unknown(client))
    assert body["action"] == "INTERNAL_SERVER_ERROR"
    assert "responseContent" not in body
    assert json_of(redeem_fresh(client))["action"] == "OK"


def check_error_content_not_oauth(name: str) -> None:
    content = content_of(json_of(redeem_unknown(client_with(name))))
    assert isinstance(content, dict)
    assert "error" not in content


# -- HTTP faults ---------------------------------------------------------------


def check_crash(name: str) -> None:
    client = client_with(name)
    for path in (V3_ISSUE, V3_AUTH):
        response = client.post(path, content=b"{oops", headers={"Authorization": "x"})
        assert response.status_code == 401  # credentials still come first
        response = client.post(path, content=b"{oops")
        assert response.status_code == 500
        assert response.headers["content-type"].startswith("text/plain")
        assert response.text.startswith("Traceback")
    assert json_of(redeem_fresh(client))["action"] == "OK"


def check_422(name: str) -> None:
    client = client_with(name)
    for path in (V3_ISSUE, V2_AUTH):
        response = client.post(path, json={"nothing": True})
        assert response.status_code == 422
        assert json_of(response)["resultCode"] in {"A182201", "A166201"}


def check_html(name: str) -> None:
    client = client_with(name)
    ok_response = redeem_fresh(client)
    assert ok_response.headers["content-type"] == "text/html;charset=UTF-8"
    assert json_of(ok_response)["action"] == "OK"
    auth = client.post(V2_AUTH, json=GOOD_REQUEST)
    assert auth.headers["content-type"] == "text/html;charset=UTF-8"
    error = client.post(V3_ISSUE, json={})
    assert error.status_code == 400
    assert error.headers["content-type"] == "application/json"


def check_no_store(name: str) -> None:
    client = client_with(name)
    for response in (redeem_fresh(client), client.post(V3_ISSUE, json={})):
        assert "cache-control" not in response.headers
        assert "pragma" not in response.headers


def check_ignore_credentials(name: str) -> None:
    client = client_with(name)
    for path in (V3_AUTH, V2_AUTH):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic eDp5"}):
            response = client.post(path, json=GOOD_REQUEST, headers=headers)
            assert response.status_code == 200
            ticket = json_of(response)["ticket"]
        issued = client.post(V2_ISSUE, json={"ticket": ticket}, headers={})
        assert json_of(issued)["action"] == "OK"


# -- ticket-state faults -------------------------------------------------------


def check_reuse(name: str) -> None:
    client = client_with(name)
    ticket = client.ticket()
    actions = [json_of(client.post(V3_ISSUE, json={"ticket": ticket}))["action"] for _ in "abc"]
    assert actions == ["OK", "OK", "OK"]


def check_accept_unknown(name: str) -> None:
    assert json_of(redeem_unknown(client_with(name)))["action"] == "OK"


def check_accept_expired(name: str) -> None:
    for faults, expected in (((name,), "OK"), ((), "INVALID_TICKET")):
        clock = FakeClock()
        client = client_with(*faults, clock=clock)
        ticket = client.ticket()
        clock.advance(601)
        assert json_of(client.post(V3_ISSUE, json={"ticket": ticket}))["action"] == expected


# -- flow faults: what /complete and /fail do to a ticket ------------------------------


def _issue(client: AsgiClient, ticket: str) -> str:
    return str(json_of(client.post(V3_ISSUE, json={"ticket": ticket}))["action"])


def check_completed_ticket_issued(name: str) -> None:
    for faults, expected in (((name,), "OK"), ((), "INVALID_TICKET")):
        client = client_with(*faults)
        ticket, issued = issued_ticket(client)
        assert issued["action"] == "OK"
        assert complete(client, ticket)["action"] == "NO_ACTION"
        assert _issue(client, ticket) == expected
    # Only /complete's consumption is forgotten: a ticket issued once stays refused.
    client = client_with(name)
    ticket, _ = issued_ticket(client)
    assert _issue(client, ticket) == "INVALID_TICKET"


def check_issued_ticket_not_completed(name: str) -> None:
    for faults, expected in (((name,), "SERVER_ERROR"), ((), "NO_ACTION")):
        client = client_with(*faults)
        ticket, _ = issued_ticket(client)
        answer = complete(client, ticket)
        assert answer["action"] == expected
    assert answer["resultCode"] == "A198001"
    client = client_with(name)
    ticket, _ = issued_ticket(client)
    assert complete(client, ticket)["resultCode"] == "A196204"


def check_failed_ticket_issued(name: str) -> None:
    for faults, expected in (((name,), "OK"), ((), "INVALID_TICKET")):
        client = client_with(*faults)
        ticket = client.ticket()
        assert fail(client, ticket, "ACCESS_DENIED")["action"] == "FORBIDDEN"
        assert _issue(client, ticket) == expected
    # After /issue, /fail still ends the flow: /complete refuses the ticket.
    client = client_with(name)
    ticket, _ = issued_ticket(client)
    fail(client, ticket, "ACCESS_DENIED")
    assert complete(client, ticket)["action"] == "SERVER_ERROR"


def check_failed_ticket_completed(name: str) -> None:
    for faults, expected in (((name,), "NO_ACTION"), ((), "SERVER_ERROR")):
        client = client_with(*faults)
        ticket, _ = issued_ticket(client)
        assert fail(client, ticket, "ACCESS_DENIED")["action"] == "FORBIDDEN"
        assert complete(client, ticket)["action"] == expected
    # Before /issue, /fail still deletes the ticket.
    client = client_with(name)
    ticket = client.ticket()
    fail(client, ticket, "ACCESS_DENIED")
    assert _issue(client, ticket) == "INVALID_TICKET"


CHECKS: dict[str, Callable[[str], None]] = {
    "payload-not-json": check_payload_not_json,
    "payload-not-object": check_payload_not_object,
    "expires-in-string": check_expires_in_string,
    "expires-in-int32-overflow": check_int32_overflow,
    "unknown-action": check_unknown_action,
    "missing-action": check_missing_member("action"),
    "missing-result-code": check_missing_member("resultCode"),
    "missing-result-message": check_missing_member("resultMessage"),
    "malformed-result-code": check_malformed_result_code,
    "unprefixed-result-message": check_unprefixed_result_message,
    "missing-auth-req-id": check_missing_auth_req_id,
    "missing-expires-in": check_missing_expires_in,
    "missing-response-content": check_missing_member("responseContent"),
    "zero-expires-in": check_same_on_both_sides("expiresIn", "expires_in", 0),
    "negative-interval": check_same_on_both_sides("interval", "interval", -1),
    "response-content-backslashes": check_backslashes,
    "response-content-mismatch": check_content_mismatch,
    "acknowledgement-missing-expires-in": check_acknowledgement_malformed,
    "internal-error-without-content": check_internal_error_without_content,
    "error-content-not-oauth": check_error_content_not_oauth,
    "auth-req-id-charset": check_charset,
    "short-auth-req-id": check_short,
    "zero-interval": check_same_on_both_sides("interval", "interval", 0),
    "crash-on-bad-body": check_crash,
    "status-422": check_422,
    "html-content-type": check_html,
    "missing-no-store": check_no_store,
    "ignore-credentials": check_ignore_credentials,
    "ticket-reuse": check_reuse,
    "accept-unknown-ticket": check_accept_unknown,
    "accept-expired-ticket": check_accept_expired,
    "completed-ticket-issued": check_completed_ticket_issued,
    "issued-ticket-not-completed": check_issued_ticket_not_completed,
    "failed-ticket-issued": check_failed_ticket_issued,
    "failed-ticket-completed": check_failed_ticket_completed,
}


CHECKS.update(FAMILY_CHECKS)


def test_every_fault_has_a_check() -> None:
    assert set(CHECKS) == set(FAULTS)


@pytest.mark.parametrize("name", fault_names())
def test_fault_changes_the_answer(name: str) -> None:
    CHECKS[name](name)


def test_clean_server_passes_every_check_negatively() -> None:
    """Without faults, the OK payload is the one every check above departs from."""
    body = json_of(redeem_fresh(client_with()))
    assert body["action"] == "OK"
    assert body["resultMessage"] == "[A183001] An auth_req_id was issued successfully."
    assert content_of(body) == {
        "auth_req_id": body["authReqId"],
        "expires_in": body["expiresIn"],
        "interval": body["interval"],
    }
    assert CIBA_ALPHABET.match(body["authReqId"])
    assert len(body["authReqId"]) == 43


#: Payload faults of the issue API (the other APIs' faults are checked in family_support).
#: The result-code faults too, until the validator runs the result-code rules.
PAYLOAD_FAULTS = [
    f.name
    for f in iter_faults()
    if f.rule[0] in "SAC" and f.api == "issue" and f.name not in FAMILY_CHECKS
]


@pytest.mark.parametrize("name", PAYLOAD_FAULTS)
def test_payload_faults_leave_the_authentication_api_alone(name: str) -> None:
    response = client_with(name).post(V3_AUTH, json=GOOD_REQUEST)
    body = json_of(response)
    assert response.headers["content-type"] == "application/json"
    assert body["action"] == "USER_IDENTIFICATION"
    assert body["resultMessage"].startswith("[A179001] ")


@pytest.mark.parametrize("name", fault_names())
def test_catalog_entries_are_well_formed(name: str) -> None:
    fault = get_fault(name)
    assert fault.name == name
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name)
    assert RULE.match(fault.rule), fault.rule
    assert fault.breaks
    assert fault.scope
    assert fault.level in {"sdk", "authlete", "ciba"}
    assert RULES[fault.rule].name == fault.rule_name


def test_brief_rules_are_all_covered() -> None:
    rules = {f.rule for f in iter_faults()}
    expected = {f"S00{i}" for i in range(1, 6)} | {f"A1{i:02d}" for i in range(1, 16)}
    expected |= {"C201", "C202", "C203"}
    assert expected <= rules


def test_unknown_fault_is_refused() -> None:
    with pytest.raises(UnknownFaultError, match="zero-intervall"):
        get_fault("zero-intervall")
    with pytest.raises(UnknownFaultError):
        ServerConfig(faults=frozenset({"nope"}))


# -- against the project's own validator, when it is importable -----------------


def _payload_for(fault: Fault) -> bytes:
    client = client_with(fault.name)
    if fault.rule in {"A114", "A115"}:
        return redeem_unknown(client).content
    return redeem_fresh(client).content


@pytest.mark.parametrize("name", PAYLOAD_FAULTS)
def test_validator_reports_exactly_the_named_rule(name: str) -> None:
    validate = pytest.importorskip("ciba_contracts.validate")
    fault = get_fault(name)
    payload = _payload_for(fault)
    levels = ["sdk", "authlete", "ciba"]
    for level in levels:
        found = {f.rule for f in validate.Validator(level).validate(payload)}
        if levels.index(level) < levels.index(fault.level):
            assert found == set(), (level, found)
        else:
            assert found == {fault.rule}, (level, found)


def test_validator_finds_nothing_on_clean_answers() -> None:
    validate = pytest.importorskip("ciba_contracts.validate")
    client = client_with()
    strict = validate.Validator("ciba")
    assert strict.validate(redeem_fresh(client).content) == []
    assert strict.validate(redeem_unknown(client).content) == []
    result = validate.Validator("ciba", kind="result")
    assert result.validate(client.post(V3_ISSUE, json={}).content) == []
