"""What ``/backchannel/authentication`` makes of a CIBA request (CIBA Core 1.0 §7.1).

The reference server has no client registry: any client that presents an ID and
a secret is authenticated, because the API under test is the issue API and this
one only has to hand out tickets the way Authlete does.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl

import orjson

from ciba_contracts.server.config import ServerConfig
from ciba_contracts.server.results import AUTHENTICATION_API, Result

__all__ = ["AuthenticationOutcome", "apply_authentication_faults", "process_authentication_request"]

_HINTS: Final = (
    ("login_hint", "LOGIN_HINT"),
    ("id_token_hint", "ID_TOKEN_HINT"),
    ("login_hint_token", "LOGIN_HINT_TOKEN"),
)
# OpenID Connect Core 1.0 §5.4: scopes that stand for sets of claims.
_SCOPE_CLAIMS: Final[dict[str, tuple[str, ...]]] = {
    "profile": (
        "name",
        "family_name",
        "given_name",
        "middle_name",
        "nickname",
        "preferred_username",
        "profile",
        "picture",
        "website",
        "gender",
        "birthdate",
        "zoneinfo",
        "locale",
        "updated_at",
    ),
    "email": ("email", "email_verified"),
    "address": ("address",),
    "phone": ("phone_number", "phone_number_verified"),
}
_MAX_PARAMETERS: Final = 100


@dataclass(frozen=True)
class AuthenticationOutcome:
    """The API's answer, before a ticket is attached.

    ``body`` is the 200 payload; when ``needs_ticket`` the caller issues a ticket
    and adds it as ``ticket``.
    """

    body: dict[str, Any]
    needs_ticket: bool


class _Rejected(Exception):
    def __init__(
        self, action: str, result: Result, error: str, description: str, detail: str = ""
    ) -> None:
        super().__init__(description)
        self.action = action
        self.result = result
        self.error = error
        self.description = description
        # What the result message's placeholder takes (the description when not given).
        self.detail = detail or description


def _invalid_request(description: str, result: Result, detail: str = "") -> _Rejected:
    return _Rejected("BAD_REQUEST", result, "invalid_request", description, detail)


def _malformed_parameters(description: str) -> _Rejected:
    # Authlete's code for it (A166202) blames the calling service, whose `parameters`
    # they are: the vendor's INTERNAL_SERVER_ERROR ("the request from the authorization
    # server implementation was wrong").
    return _Rejected(
        "INTERNAL_SERVER_ERROR",
        Result.AUTHENTICATION_PARAMETERS_MALFORMED,
        "server_error",
        description,
    )


def _parse_parameters(parameters: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(
            parameters, keep_blank_values=True, errors="strict", max_num_fields=_MAX_PARAMETERS
        )
    except UnicodeDecodeError:
        raise _malformed_parameters("the parameters are not UTF-8") from None
    except ValueError:
        raise _malformed_parameters("too many parameters") from None
    params: dict[str, str] = {}
    for name, value in pairs:
        # RFC 6749 §3.1: parameters must not repeat, and empty ones count as absent.
        if name in params:
            raise _invalid_request(
                f"the parameter '{_printable(name)}' is included more than once",
                Result.AUTHENTICATION_PARAMETER_REPEATED,
                _printable(name),
            )
        if value:
            params[name] = value
    return params


def _printable(text: str, limit: int = 40) -> str:
    # Echoed names end up in an OAuth error_description, which RFC 6749 limits to
    # printable ASCII without '"' and '\'.
    cleaned = "".join(ch if " " <= ch <= "~" and ch not in '"\\' else "?" for ch in text)
    return cleaned[:limit]


def _id_token_subject(token: str) -> str:
    # Authlete verifies the hint's signature against its own keys; the stand-in
    # only checks it is a JWT and reads the subject.
    parts = token.split(".")
    if len(parts) != 3:
        raise _invalid_request("id_token_hint is not a JWT", Result.AUTHENTICATION_HINT_NOT_JOSE)
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError):
        raise _invalid_request(
            "id_token_hint is not a JWT", Result.AUTHENTICATION_HINT_NOT_JOSE
        ) from None
    sub = payload.get("sub") if isinstance(payload, dict) else None
    if not isinstance(sub, str) or not sub:
        raise _invalid_request(
            "id_token_hint has no 'sub' claim", Result.AUTHENTICATION_HINT_NO_SUB
        )
    return sub


def _delivery_mode(client_id: str, params: dict[str, str]) -> str:
    # No client registry: a client whose ID starts with "push" is registered for the
    # push mode; any other that sends a notification token for ping, the rest for poll.
    if "client_notification_token" not in params:
        return "POLL"
    return "PUSH" if client_id.lower().startswith("push") else "PING"


def _client_fields(client_id: str) -> dict[str, Any]:
    if client_id.isascii() and client_id.isdigit() and 0 < int(client_id) < 2**63:
        return {"clientId": int(client_id), "clientIdAliasUsed": False}
    # clientId is an int64 in the API; an alias maps to a stable number.
    number = zlib.crc32(client_id.encode("utf-8", "surrogatepass")) + 1_000_000_000_000
    return {"clientId": number, "clientIdAlias": client_id, "clientIdAliasUsed": True}


def _identify(
    params: dict[str, str], client_id: str | None, client_secret: str | None
) -> dict[str, Any]:
    if "request" in params or "request_uri" in params:
        raise _invalid_request(
            "request objects are not supported by the reference server",
            Result.AUTHENTICATION_REQUEST_OBJECT,
        )
    auth_method = "CLIENT_SECRET_BASIC"
    if not client_id:
        client_id = params.get("client_id")
        client_secret = client_secret or params.get("client_secret")
        auth_method = "CLIENT_SECRET_POST"
    if not client_id:
        raise _Rejected(
            "UNAUTHORIZED",
            Result.AUTHENTICATION_NO_CLIENT,
            "invalid_client",
            "no client ID was presented",
        )
    if not client_secret:
        # CIBA §7.1: the backchannel endpoint always authenticates the client.
        raise _Rejected(
            "UNAUTHORIZED",
            Result.AUTHENTICATION_NO_SECRET,
            "invalid_client",
            "no client secret was presented",
            auth_method,
        )

    scope = params.get("scope")
    if scope is None:
        raise _invalid_request("the 'scope' parameter is missing", Result.AUTHENTICATION_NO_SCOPE)
    scopes = list(dict.fromkeys(scope.split()))
    if "openid" not in scopes:
        raise _Rejected(
            "BAD_REQUEST",
            Result.AUTHENTICATION_MANDATORY_SCOPE,
            "invalid_scope",
            "the scope must include openid",
            "openid",
        )

    present = [(name, kind) for name, kind in _HINTS if name in params]
    if not present:
        raise _invalid_request(
            "one of login_hint, id_token_hint and login_hint_token is required",
            Result.AUTHENTICATION_NO_HINT,
        )
    if len(present) > 1:
        raise _invalid_request(
            "only one of login_hint, id_token_hint and login_hint_token is allowed",
            Result.AUTHENTICATION_HINTS,
        )
    hint_name, hint_type = present[0]
    hint = params[hint_name]

    requested_expiry = 0
    if "requested_expiry" in params:
        raw = params["requested_expiry"]
        whole = raw.isascii() and raw.lstrip("-").isdigit() and raw.count("-") <= 1
        if not whole:
            raise _invalid_request(
                "requested_expiry must be a positive integer", Result.AUTHENTICATION_EXPIRY_TYPE
            )
        # The length test first: int() refuses strings of thousands of digits.
        if len(raw) > 12 or not 0 < int(raw) < 2**31:
            raise _invalid_request(
                "requested_expiry must be a positive integer", Result.AUTHENTICATION_EXPIRY_RANGE
            )
        requested_expiry = int(raw)

    body: dict[str, Any] = {
        **_client_fields(client_id),
        "clientName": "Reference CIBA Client",
        "clientAuthMethod": auth_method,
        "scopes": [{"name": name, "defaultEntry": False} for name in scopes],
        "deliveryMode": _delivery_mode(client_id, params),
        "hintType": hint_type,
        "hint": hint,
        "requestedExpiry": requested_expiry,
        "userCodeRequired": False,
    }
    claims = [claim for name in scopes for claim in _SCOPE_CLAIMS.get(name, ())]
    if claims:
        body["claimNames"] = claims
    if hint_type == "ID_TOKEN_HINT":
        body["sub"] = _id_token_subject(hint)
    if "acr_values" in params:
        body["acrs"] = params["acr_values"].split()
    for param, member in (
        ("client_notification_token", "clientNotificationToken"),
        ("binding_message", "bindingMessage"),
        ("user_code", "userCode"),
    ):
        if param in params:
            body[member] = params[param]
    return body


def process_authentication_request(
    parameters: str, client_id: str | None, client_secret: str | None
) -> AuthenticationOutcome:
    """Judge a backchannel authentication request the way Authlete's API does.

    ``parameters`` is the client's form-encoded request body; ``client_id`` and
    ``client_secret`` come from its Authorization header, if it used basic auth.
    """
    try:
        params = _parse_parameters(parameters)
        fields = _identify(params, client_id, client_secret)
    except _Rejected as rejected:
        content = {"error": rejected.error, "error_description": rejected.description}
        return AuthenticationOutcome(
            body={
                **rejected.result.body(AUTHENTICATION_API, rejected.detail),
                "action": rejected.action,
                "responseContent": orjson.dumps(content).decode(),
            },
            needs_ticket=False,
        )
    return AuthenticationOutcome(
        body={**Result.AUTHENTICATION_OK.body(), "action": "USER_IDENTIFICATION", **fields},
        needs_ticket=True,
    )


def apply_authentication_faults(body: dict[str, Any], config: ServerConfig) -> dict[str, Any]:
    """The answer with the authentication API's payload faults applied."""
    action = body.get("action")
    if action == "USER_IDENTIFICATION":
        if config.has_fault("missing-ticket"):
            body.pop("ticket", None)
        if config.has_fault("scopes-without-openid"):
            body["scopes"] = [s for s in body.get("scopes", []) if s.get("name") != "openid"]
        return body
    if config.has_fault("authentication-error-without-content"):
        body.pop("responseContent", None)
    elif action == "UNAUTHORIZED" and config.has_fault("unauthorized-error-code"):
        body["responseContent"] = _with_error(body["responseContent"], "unauthorized_client")
    elif action == "BAD_REQUEST" and config.has_fault("bad-request-error-code"):
        body["responseContent"] = _with_error(body["responseContent"], "access_denied")
    return body


def _with_error(content: str, error: str) -> str:
    body = orjson.loads(content)
    body["error"] = error
    return orjson.dumps(body).decode()
