"""A notification repeats the fields its delivery mode's document names (``x-ciba-mirror``).

The complete API's ``NOTIFICATION`` states per delivery mode which members of
the notification body repeat which fields: the ``auth_req_id`` always, the
tokens too in push mode. A disagreement is A112 on every path the validator
takes (the accept and direct paths leave such payloads to the exact one).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ciba_contracts import Profile, get_validator, validate
from ciba_contracts.contract.schemas import load_schema
from ciba_contracts.validate.accept import acceptor
from ciba_contracts.validate.kinds import facts_of, walk

KIND = "complete-response"
LEVELS = ("authlete", "ciba")
_PUSH = {
    "action": "NOTIFICATION",
    "resultCode": "A198003",
    "resultMessage": "[A198003] Successfully generated tokens that are to be delivered to the "
    "client notification endpoint (mode = push, result = AUTHORIZED).",
    "authReqId": "_mzc-ZQdAhSPuMxTlO-MC_oqaOqYCrdNQ39PVxisaiE",
    "deliveryMode": "PUSH",
    "clientNotificationEndpoint": "https://rp.example.com/ciba/notify",
    "clientNotificationToken": "8d67dc78-7faa-4d41-aabd-67707b374255",
    "accessToken": "Ppj9zKPzGZSaFDMEbW_9mRgG5rEPqEC4C6rW-5Wwf9w",
    "refreshToken": "tY4Lw0rQ2bVt6XyZ1aBcDeFgHiJkLmNoPqRsTuVwXyZ",
    "idToken": "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJqb2huIn0.c2lnbmF0dXJl",
    "accessTokenDuration": 3600,
}
_ERROR_PUSH = {
    "action": "NOTIFICATION",
    "resultCode": "A198004",
    "resultMessage": "[A198004] Successfully prepared an error content that is to be reported "
    "to the client notification endpoint (mode = push, result = ACCESS_DENIED).",
    "authReqId": _PUSH["authReqId"],
    "deliveryMode": "PUSH",
    "clientNotificationEndpoint": _PUSH["clientNotificationEndpoint"],
    "clientNotificationToken": _PUSH["clientNotificationToken"],
}


def _push_mirror() -> dict[str, str]:
    """The push document's ``x-ciba-mirror``, as the schema file states it."""
    for node in walk(load_schema("complete-response.authlete.json")):
        content = node.get("properties", {}).get("responseContent", {})
        ref = content.get("contentSchema", {}).get("$ref", "")
        if ref.endswith("ciba-push-notification.json"):
            return dict(content["x-ciba-mirror"])
    raise AssertionError("no push document in the complete schema")


def _body(payload: dict[str, Any]) -> dict[str, Any]:
    """The notification a correct push answer carries: its fields repeated."""
    body = {member: payload[field] for member, field in _push_mirror().items() if field in payload}
    # Not mirrored (see the schema's $comment), but the push document requires it.
    return body | {
        "access_token": payload["accessToken"],
        "token_type": "Bearer",
        "expires_in": 3600,
    }


def _with(payload: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    return dict(payload, responseContent=json.dumps(body))


def _errors(payload: dict[str, Any], level: str = "authlete") -> set[tuple[str, str | None]]:
    """The error findings (rule, place in the document), the same on every path."""
    validator = get_validator(level, kind=KIND)
    raw = json.dumps(payload).encode()
    found = validator.validate(raw)
    # Parsed or raw, through the hot path or the exact one: one verdict.
    assert validator.exact(raw) == found
    assert validate(payload, api="complete", profile=level) == found
    return {(f.rule, f.content_pointer) for f in found if f.is_error}


def test_the_push_mirror_is_read_from_the_schema() -> None:
    mirrors = facts_of(KIND).variant_mirrors["NOTIFICATION"]
    push = next(m for m in mirrors if m.value == "PUSH")
    assert push.member == "deliveryMode"
    assert dict(push.mirror) == _push_mirror()
    assert {"refresh_token", "id_token"} <= set(push.mirror)
    # With JWT access tokens the notification may carry jwtAccessToken: no mirror is stated.
    assert "access_token" not in push.mirror


@pytest.mark.parametrize("level", LEVELS)
def test_a_correct_push_notification_is_quiet(level: str) -> None:
    assert _errors(_with(_PUSH, _body(_PUSH)), level) == set()


@pytest.mark.parametrize("member", sorted(set(_push_mirror()) - {"auth_req_id"}))
@pytest.mark.parametrize("level", LEVELS)
def test_a_token_that_differs_from_its_field_is_a_mismatch(member: str, level: str) -> None:
    body = _body(_PUSH) | {member: "another-token"}
    assert _errors(_with(_PUSH, body), level) == {("A112", f"/{member}")}


def test_a_refresh_token_missing_from_the_body_is_a_mismatch() -> None:
    body = _body(_PUSH)
    del body["refresh_token"]
    found = validate(_with(_PUSH, body), api="complete", profile="authlete")
    assert [(f.rule, f.content_pointer) for f in found] == [("A112", "/refresh_token")]
    assert "`refresh_token` is absent but `refreshToken` is" in found[0].message


def test_a_token_missing_from_the_fields_is_a_mismatch() -> None:
    payload = dict(_PUSH)
    del payload["idToken"]
    body = _body(_PUSH)
    assert _errors(_with(payload, body)) == {("A112", "/id_token")}


def test_a_required_token_missing_from_the_body_is_the_required_rule_alone() -> None:
    # A163 already says the access token is missing: A112 would repeat it.
    body = _body(_PUSH)
    del body["access_token"]
    assert _errors(_with(_PUSH, body)) == {("A163", "/access_token")}


def test_an_error_push_notification_without_tokens_is_quiet() -> None:
    body = {"auth_req_id": _ERROR_PUSH["authReqId"], "error": "access_denied"}
    assert _errors(_with(_ERROR_PUSH, body)) == set()


def test_an_error_push_notification_beside_token_fields_is_a_mismatch() -> None:
    body = {"auth_req_id": _ERROR_PUSH["authReqId"], "error": "access_denied"}
    payload = _with(dict(_ERROR_PUSH, refreshToken=_PUSH["refreshToken"]), body)
    assert _errors(payload) == {("A112", "/refresh_token")}


def test_a_ping_notification_does_not_repeat_the_tokens() -> None:
    # The ping document's mirror holds the auth_req_id only: token fields are no concern.
    payload = dict(_PUSH, deliveryMode="PING")
    assert _errors(_with(payload, {"auth_req_id": _PUSH["authReqId"]})) == set()
    other = _with(payload, {"auth_req_id": "another-request-id"})
    assert _errors(other) == {("A112", "/auth_req_id")}


@pytest.mark.parametrize("level", ["sdk", *LEVELS])
def test_the_fast_paths_leave_notifications_to_the_exact_path(level: str) -> None:
    # Their structs state one document and one mirror per action; a push notification's
    # depend on deliveryMode.
    assert acceptor(KIND, Profile.parse(level), level != "sdk") is None
