"""Payloads of the authentication, fail and complete APIs: correct ones, and per rule one that
breaks it and a near miss that keeps it.

Shared data of the family's tests. ``ROWS`` has a row for every schema rule of
these three APIs; ``test_family_schemas`` holds the level files to them with the
reference validator, and the engine's own rule tests take them over once the
validator is told the API.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

ABSENT: Any = object()
AUTH_REQ_ID = "_mzc-ZQdAhSPuMxTlO-MC_oqaOqYCrdNQ39PVxisaiE"
TICKET = "Y1qeCf0A-JUz6caceaBfd2AaBYNZ-X-WGTP5Qv47cQI"
ENDPOINT = "https://rp.example.com/ciba/notify"
NOTIFICATION_TOKEN = "8d67dc78-7faa-4d41-aabd-67707b374255"
ACCESS_TOKEN = "Ppj9zKPzGZSaFDMEbW_9mRgG5rEPqEC4C6rW-5Wwf9w"
ID_TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJqb2huIn0.c2lnbmF0dXJl"


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"))


def _apply(payload: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not ABSENT}


def user_identification(**changes: Any) -> dict[str, Any]:
    """A correct USER_IDENTIFICATION answer (the vendor's example, trimmed)."""
    return _apply(
        {
            "resultCode": "A179001",
            "resultMessage": "[A179001] The backchannel authentication request was processed "
            "successfully.",
            "action": "USER_IDENTIFICATION",
            "clientId": 26862190133482,
            "clientIdAliasUsed": False,
            "clientName": "My CIBA Client",
            "deliveryMode": "POLL",
            "hint": "john",
            "hintType": "LOGIN_HINT",
            "requestedExpiry": 0,
            "scopes": [{"defaultEntry": False, "name": "openid"}],
            "ticket": TICKET,
            "userCodeRequired": False,
        },
        changes,
    )


def authentication_error(action: str, error: str, **changes: Any) -> dict[str, Any]:
    """A correct BAD_REQUEST, UNAUTHORIZED or INTERNAL_SERVER_ERROR answer."""
    code = {"BAD_REQUEST": "A176301", "UNAUTHORIZED": "A168309"}.get(action, "A178101")
    return _apply(
        {
            "resultCode": code,
            "resultMessage": f"[{code}] The request failed.",
            "action": action,
            "responseContent": _json({"error": error, "error_description": "The request failed."}),
        },
        changes,
    )


def fail_answer(action: str = "FORBIDDEN", error: str = "access_denied", **changes: Any) -> Any:
    """A correct answer of the fail API."""
    return _apply(
        {
            "resultCode": "A185001",
            "resultMessage": "[A185001] Successfully generated an error response for the "
            "backchannel authentication request.",
            "action": action,
            "responseContent": _json({"error": error}),
        },
        changes,
    )


def no_action(**changes: Any) -> dict[str, Any]:
    """The vendor's NO_ACTION example of the complete API (poll mode)."""
    return _apply(
        {
            "accessTokenDuration": 0,
            "action": "NO_ACTION",
            "authReqId": AUTH_REQ_ID,
            "clientId": 26862190133482,
            "clientIdAliasUsed": False,
            "clientName": "My CIBA Client",
            "deliveryMode": "POLL",
            "idTokenDuration": 0,
            "refreshTokenDuration": 0,
            "resultCode": "A198001",
            "resultMessage": "[A198001] Successfully updated the database so that the token "
            "endpoint can generate tokens (mode = poll, result = AUTHORIZED).",
            "serviceAttributes": [{"key": "attribute1-key", "value": "attribute1-value"}],
        },
        changes,
    )


def push_content(**changes: Any) -> str:
    """A push notification carrying tokens (ABSENT removes a member)."""
    body = _apply(
        {
            "auth_req_id": AUTH_REQ_ID,
            "access_token": ACCESS_TOKEN,
            "token_type": "Bearer",
            "expires_in": 3600,
            "id_token": ID_TOKEN,
        },
        changes,
    )
    return _json(body)


def notification(mode: str = "PING", content: str | None = None, **changes: Any) -> Any:
    """A correct NOTIFICATION answer in ping or push mode."""
    payload: dict[str, Any] = {
        "resultCode": "A198001" if mode == "PING" else "A198003",
        "resultMessage": (
            "[A198001] Successfully updated the database so that the token endpoint can "
            "generate tokens (mode = ping, result = AUTHORIZED)."
            if mode == "PING"
            else "[A198003] Successfully generated tokens that are to be delivered to the "
            "client notification endpoint (mode = push, result = AUTHORIZED)."
        ),
        "action": "NOTIFICATION",
        "authReqId": AUTH_REQ_ID,
        "clientId": 26862190133482,
        "deliveryMode": mode,
        "clientNotificationEndpoint": ENDPOINT,
        "clientNotificationToken": NOTIFICATION_TOKEN,
        "responseContent": _json({"auth_req_id": AUTH_REQ_ID}),
    }
    if mode == "PUSH":
        payload.update(accessToken=ACCESS_TOKEN, idToken=ID_TOKEN, accessTokenDuration=3600)
        payload["responseContent"] = push_content()
    if content is not None:
        payload["responseContent"] = content
    return _apply(payload, changes)


def _push_error(error: str) -> Any:
    """A push NOTIFICATION reporting ``error``: no tokens on either side."""
    content = _json({"auth_req_id": AUTH_REQ_ID, "error": error})
    return notification(
        "PUSH",
        content,
        accessToken=ABSENT,
        idToken=ABSENT,
        accessTokenDuration=ABSENT,
        resultCode="A198004",
        resultMessage="[A198004] Successfully prepared an error content that is to be reported "
        "to the client notification endpoint (mode = push, result = ACCESS_DENIED).",
    )


@dataclass(frozen=True)
class Row:
    """One rule of one API: a payload that fires it at ``level``, and a near miss."""

    api: str
    code: str
    level: str
    fire: dict[str, Any]
    quiet: dict[str, Any]
    #: Where the finding points (the member; ``/responseContent`` for content faults).
    pointer: str
    #: Inside ``responseContent``, the member at fault (None outside it).
    content_pointer: str | None = None


_PING = notification("PING")
_TOKEN_1024 = "a" * 1024

ROWS: tuple[Row, ...] = (
    # -- sdk (new sdk rules, shown on the APIs whose schemas hold them) -----------------
    Row(
        "complete",
        "S006",
        "sdk",
        no_action(clientId=2**63),
        no_action(clientId=2**63 - 1),
        "/clientId",
    ),
    Row(
        "authentication",
        "S007",
        "sdk",
        user_identification(deliveryMode="poll"),
        user_identification(),
        "/deliveryMode",
    ),
    Row(
        "authentication",
        "S008",
        "sdk",
        user_identification(authorizationDetails={"elements": [{"locations": ["https://rs"]}]}),
        user_identification(
            authorizationDetails={"elements": [{"type": "payment", "locations": None}]}
        ),
        "/authorizationDetails/elements/0/type",
    ),
    # -- authentication, authlete ----------------------------------------------------------
    Row(
        "authentication",
        "A120",
        "authlete",
        user_identification(ticket=ABSENT),
        user_identification(),
        "/ticket",
    ),
    Row(
        "authentication",
        "A121",
        "authlete",
        user_identification(hint=ABSENT),
        user_identification(),
        "/hint",
    ),
    Row(
        "authentication",
        "A122",
        "authlete",
        user_identification(hintType="EMAIL"),
        user_identification(hintType="LOGIN_HINT_TOKEN"),
        "/hintType",
    ),
    Row(
        "authentication",
        "A123",
        "authlete",
        user_identification(requestedExpiry=-1),
        user_identification(requestedExpiry=0),
        "/requestedExpiry",
    ),
    Row(
        "authentication",
        "A124",
        "authlete",
        user_identification(scopes=[{"name": "profile"}]),
        user_identification(scopes=[{"name": "profile"}, {"name": "openid"}]),
        "/scopes",
    ),
    Row(
        "authentication",
        "A125",
        "authlete",
        user_identification(deliveryMode="PING"),
        user_identification(deliveryMode="PING", clientNotificationToken=NOTIFICATION_TOKEN),
        "/clientNotificationToken",
    ),
    Row(
        "authentication",
        "A126",
        "authlete",
        user_identification(userCodeRequired=True),
        user_identification(userCodeRequired=True, userCode="1234"),
        "/userCode",
    ),
    Row(
        "authentication",
        "A127",
        "authlete",
        user_identification(hintType="ID_TOKEN_HINT", hint=ID_TOKEN),
        user_identification(hintType="ID_TOKEN_HINT", hint=ID_TOKEN, sub="john"),
        "/sub",
    ),
    Row(
        "authentication",
        "A128",
        "authlete",
        authentication_error("UNAUTHORIZED", "invalid_client", responseContent=ABSENT),
        authentication_error("UNAUTHORIZED", "invalid_client"),
        "/responseContent",
    ),
    # -- authentication, ciba -----------------------------------------------------------
    Row(
        "authentication",
        "C210",
        "ciba",
        user_identification(deliveryMode="PING", clientNotificationToken=_TOKEN_1024 + "a"),
        user_identification(deliveryMode="PING", clientNotificationToken=_TOKEN_1024),
        "/clientNotificationToken",
    ),
    Row(
        "authentication",
        "C211",
        "ciba",
        user_identification(deliveryMode="PUSH", clientNotificationToken="not a token"),
        user_identification(deliveryMode="PUSH", clientNotificationToken="a.b-c_d~e+f/g=="),
        "/clientNotificationToken",
    ),
    Row(
        "authentication",
        "C212",
        "ciba",
        user_identification(bindingMessage="Pay 10 EUR\nto Mallory"),
        user_identification(bindingMessage="Pay 10 EUR to Alice (W4SCT)"),
        "/bindingMessage",
    ),
    Row(
        "authentication",
        "C213",
        "ciba",
        authentication_error("BAD_REQUEST", "server_error"),
        authentication_error("BAD_REQUEST", "invalid_binding_message"),
        "/responseContent",
        "/error",
    ),
    Row(
        "authentication",
        "C214",
        "ciba",
        authentication_error("UNAUTHORIZED", "invalid_request"),
        authentication_error("UNAUTHORIZED", "invalid_client"),
        "/responseContent",
        "/error",
    ),
    # -- fail -------------------------------------------------------------------------
    Row(
        "fail",
        "A140",
        "authlete",
        fail_answer(responseContent=ABSENT),
        fail_answer(),
        "/responseContent",
    ),
    Row(
        "fail",
        "A141",
        "authlete",
        fail_answer("BAD_REQUEST", "access_denied"),
        fail_answer("BAD_REQUEST", "invalid_target"),
        "/responseContent",
        "/error",
    ),
    # -- complete, authlete -----------------------------------------------------------
    Row(
        "complete",
        "A160",
        "authlete",
        notification(clientNotificationEndpoint=ABSENT),
        notification(),
        "/clientNotificationEndpoint",
    ),
    Row(
        "complete",
        "A161",
        "authlete",
        no_action(deliveryMode="PING"),
        no_action(deliveryMode="POLL"),
        "/deliveryMode",
    ),
    Row(
        "complete",
        "A162",
        "authlete",
        notification(content=_json({"authReqId": AUTH_REQ_ID})),
        notification(content=_json({"auth_req_id": AUTH_REQ_ID})),
        "/responseContent",
        "/auth_req_id",
    ),
    Row(
        "complete",
        "A163",
        "authlete",
        notification("PUSH", push_content(id_token=ABSENT), idToken=ABSENT),
        notification("PUSH", push_content(refresh_token="r1"), refreshToken="r1"),
        "/responseContent",
        "/id_token",
    ),
    Row(
        "complete",
        "A164",
        "authlete",
        notification("PING", _json({"auth_req_id": AUTH_REQ_ID, "error": "access_denied"})),
        _PING,
        "/responseContent",
        "/error",
    ),
    Row(
        "complete",
        "A165",
        "authlete",
        _push_error("server_error"),
        _push_error("expired_token"),
        "/responseContent",
        "/error",
    ),
    # -- complete, ciba ----------------------------------------------------------------
    Row(
        "complete",
        "C210",
        "ciba",
        notification(clientNotificationToken=_TOKEN_1024 + "a"),
        notification(clientNotificationToken=_TOKEN_1024),
        "/clientNotificationToken",
    ),
    Row(
        "complete",
        "C211",
        "ciba",
        notification(clientNotificationToken="tok\u00e9n"),
        notification(clientNotificationToken="token=="),
        "/clientNotificationToken",
    ),
    Row(
        "complete",
        "C220",
        "ciba",
        notification(clientNotificationEndpoint="http://rp.example.com/notify"),
        notification(clientNotificationEndpoint="HTTPS://rp.example.com/notify"),
        "/clientNotificationEndpoint",
    ),
    Row(
        "complete",
        "C221",
        "ciba",
        notification("PUSH", push_content(token_type=ABSENT)),
        notification("PUSH", push_content(token_type="bearer")),
        "/responseContent",
        "/token_type",
    ),
)

#: Codes with a row here: the rules of these three APIs' schemas.
FAMILY_SCHEMA_RULES = frozenset(row.code for row in ROWS)

#: Correct answers of each API, every action: no rule of any level fires on them.
CORRECT: tuple[tuple[str, dict[str, Any]], ...] = (
    ("authentication", user_identification()),
    (
        "authentication",
        user_identification(deliveryMode="PUSH", clientNotificationToken=NOTIFICATION_TOKEN),
    ),
    ("authentication", authentication_error("BAD_REQUEST", "invalid_request")),
    ("authentication", authentication_error("UNAUTHORIZED", "invalid_client")),
    ("authentication", authentication_error("INTERNAL_SERVER_ERROR", "server_error")),
    ("fail", fail_answer()),
    ("fail", fail_answer("BAD_REQUEST", "unknown_user_id")),
    ("fail", fail_answer("INTERNAL_SERVER_ERROR", "server_error")),
    ("complete", no_action()),
    ("complete", notification("PING")),
    ("complete", notification("PUSH")),
    ("complete", _push_error("access_denied")),
    (
        "complete",
        {
            "resultCode": "A186201",
            "resultMessage": "[A186201] The 'ticket' request parameter is missing or its value "
            "is empty.",
            "action": "SERVER_ERROR",
        },
    ),
)
