"""What ``/backchannel/authentication/fail`` and ``/complete`` answer, with their payload faults.

Pure functions from (request fields, the flow of the ticket, config) to a
payload, so every fault can be tested without a socket. The app looks the flow
up and records how it moved on.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import orjson

from ciba_contracts.server.config import ServerConfig
from ciba_contracts.server.flows import Flow, FlowState
from ciba_contracts.server.results import Result

__all__ = [
    "NOTIFICATION_ENDPOINT",
    "CompleteOutcome",
    "complete_payload",
    "fail_payload",
]

#: Where the stand-in says ping and push clients take notifications (it has no registry).
NOTIFICATION_ENDPOINT: Final = "https://client.example.com/ciba/notify"
#: Lifetime of the tokens the push mode delivers, seconds.
TOKEN_LIFETIME: Final = 3600

_REASONS: Final = {
    "ACCESS_DENIED": ("FORBIDDEN", "access_denied"),
    "SERVER_ERROR": ("INTERNAL_SERVER_ERROR", "server_error"),
    **{
        reason: ("BAD_REQUEST", reason.lower())
        for reason in (
            "EXPIRED_LOGIN_HINT_TOKEN",
            "INVALID_BINDING_MESSAGE",
            "INVALID_TARGET",
            "INVALID_USER_CODE",
            "MISSING_USER_CODE",
            "UNAUTHORIZED_CLIENT",
            "UNKNOWN_USER_ID",
        )
    },
}
_RESULTS: Final = ("AUTHORIZED", "ACCESS_DENIED", "TRANSACTION_FAILED")
# The secret of the stand-in's ID tokens: fresh per process, the tokens are never verified.
_SIGNING_KEY: Final = secrets.token_bytes(32)


def _content(body: Mapping[str, Any]) -> str:
    return orjson.dumps(body).decode()


def fail_payload(fields: Mapping[str, Any], config: ServerConfig) -> dict[str, Any]:
    """The answer of ``/fail`` to ``fields`` (the ticket, when valid, is the app's to delete)."""
    reason = fields.get("reason", "SERVER_ERROR")
    wrong = [
        name
        for name in ("ticket", "errorDescription", "errorUri")
        if name in fields and not isinstance(fields[name], str)
    ]
    if not isinstance(reason, str) or reason not in _REASONS:
        wrong.append("reason")
    if wrong:
        # "the request parameters of the API call were wrong": INTERNAL_SERVER_ERROR.
        result, action, error = Result.CLIENT_ERROR, "INTERNAL_SERVER_ERROR", "server_error"
        detail = f"'{wrong[0]}' has a wrong type or value"
        body: dict[str, Any] = {**result.body(detail=detail), "action": action}
        body["responseContent"] = _content({"error": error})
        return _fail_faults(body, config)
    action, error = _REASONS[reason]
    content: dict[str, Any] = {"error": error}
    for source, member in (("errorDescription", "error_description"), ("errorUri", "error_uri")):
        if fields.get(source):
            content[member] = fields[source]
    body = {**Result.FAIL_OK.body(), "action": action, "responseContent": _content(content)}
    return _fail_faults(body, config)


def _fail_faults(body: dict[str, Any], config: ServerConfig) -> dict[str, Any]:
    if config.has_fault("fail-without-content"):
        body.pop("responseContent", None)
    elif config.has_fault("fail-wrong-error-code") and body["action"] != "INTERNAL_SERVER_ERROR":
        body["responseContent"] = _content({"error": "invalid_request"})
    return body


@dataclass(frozen=True)
class CompleteOutcome:
    """The answer of ``/complete``, and the state the flow moves to (None: it stays)."""

    body: dict[str, Any]
    state: FlowState | None = None


def _server_error(result: Result, detail: str = "") -> CompleteOutcome:
    return CompleteOutcome({**result.body(detail=detail), "action": "SERVER_ERROR"})


def _request_problem(fields: Mapping[str, Any]) -> CompleteOutcome | None:
    ticket = fields.get("ticket")
    if not isinstance(ticket, str) or not ticket:
        return _server_error(Result.COMPLETE_TICKET_MISSING)
    result = fields.get("result")
    if result is None:
        return _server_error(Result.COMPLETE_RESULT_MISSING)
    if result not in _RESULTS:
        return _server_error(Result.CLIENT_ERROR, "'result' is not one of " + ", ".join(_RESULTS))
    subject = fields.get("subject")
    if result == "AUTHORIZED" and (not isinstance(subject, str) or not subject):
        return _server_error(
            Result.CLIENT_ERROR, "'subject' is mandatory when 'result' is AUTHORIZED"
        )
    for name in ("subject", "sub", "acr", "claims", "errorDescription", "errorUri"):
        if name in fields and fields[name] is not None and not isinstance(fields[name], str):
            return _server_error(Result.CLIENT_ERROR, f"'{name}' must be a string")
    return None


def complete_payload(
    fields: Mapping[str, Any], flow: Flow | None, now: float, config: ServerConfig
) -> CompleteOutcome:
    """The answer of ``/complete`` to ``fields`` for the flow of its ticket."""
    problem = _request_problem(fields)
    if problem is not None:
        return problem
    if flow is None or flow.state is FlowState.FAILED:
        return _server_error(Result.COMPLETE_TICKET_UNKNOWN)
    if flow.state is FlowState.COMPLETED:
        return _server_error(Result.COMPLETE_TICKET_CONSUMED)
    if now >= flow.expires_at:
        return _server_error(Result.COMPLETE_TICKET_EXPIRED)
    forgot = config.has_fault("issued-ticket-not-completed")
    if flow.state is not FlowState.ISSUED or flow.auth_req_id is None or forgot:
        return _server_error(Result.COMPLETE_NOT_ISSUED)
    result = str(fields["result"])
    mode = flow.delivery_mode
    # The documented messages of A198001-A198004 name the delivery mode and the result.
    filled = {"mode": mode.lower(), "result": result}
    body: dict[str, Any] = {
        "clientId": flow.client_id,
        "clientIdAliasUsed": False,
        "clientName": flow.client_name,
        "deliveryMode": mode,
        "authReqId": flow.auth_req_id,
    }
    authorized = result == "AUTHORIZED"
    if mode == "POLL" and not config.has_fault("notification-in-poll-mode"):
        code = Result.COMPLETE_TOKENS_LATER if authorized else Result.COMPLETE_ERROR_LATER
        body.update(code.body(**filled), action="NO_ACTION")
        return CompleteOutcome(_complete_faults(body, config), FlowState.COMPLETED)
    body.update(
        action="NOTIFICATION",
        clientNotificationEndpoint=NOTIFICATION_ENDPOINT,
        clientNotificationToken=flow.notification_token or secrets.token_urlsafe(16),
    )
    if mode == "PUSH" and authorized:
        tokens = _push_tokens(flow, str(fields["subject"]), now)
        body.update(Result.COMPLETE_TOKENS_PUSHED.body(**filled))
        body.update(
            accessToken=tokens["access_token"],
            idToken=tokens["id_token"],
            accessTokenDuration=TOKEN_LIFETIME,
            idTokenDuration=TOKEN_LIFETIME,
        )
        content: dict[str, Any] = {"auth_req_id": flow.auth_req_id, **tokens}
    elif mode == "PUSH":
        body.update(Result.COMPLETE_ERROR_PUSHED.body(**filled))
        error = "access_denied" if result == "ACCESS_DENIED" else "expired_token"
        content = {"auth_req_id": flow.auth_req_id, "error": error}
        if isinstance(fields.get("errorDescription"), str):
            content["error_description"] = fields["errorDescription"]
    else:
        code = Result.COMPLETE_TOKENS_LATER if authorized else Result.COMPLETE_ERROR_LATER
        body.update(code.body(**filled))
        content = {"auth_req_id": flow.auth_req_id}
    body["responseContent"] = _content(content)
    return CompleteOutcome(_complete_faults(body, config), FlowState.COMPLETED)


def _push_tokens(flow: Flow, subject: str, now: float) -> dict[str, Any]:
    access_token = secrets.token_urlsafe(32)
    claims = {
        "iss": "https://as.example.com",
        "sub": subject,
        "aud": str(flow.client_id),
        "iat": int(now),
        "exp": int(now) + TOKEN_LIFETIME,
        "urn:openid:params:jwt:claim:auth_req_id": flow.auth_req_id,
    }
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME,
        "id_token": _jwt(claims),
    }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(claims: Mapping[str, Any]) -> str:
    signing_input = (
        _b64(orjson.dumps({"alg": "HS256", "typ": "JWT"})) + "." + _b64(orjson.dumps(claims))
    )
    signature = hmac.new(_SIGNING_KEY, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64(signature)


def _complete_faults(body: dict[str, Any], config: ServerConfig) -> dict[str, Any]:
    notification = body.get("action") == "NOTIFICATION"
    if notification and config.has_fault("notification-without-endpoint"):
        body.pop("clientNotificationEndpoint", None)
    if notification and config.has_fault("notification-over-http"):
        body["clientNotificationEndpoint"] = NOTIFICATION_ENDPOINT.replace("https:", "http:", 1)
    if notification and body.get("deliveryMode") == "PUSH" and "accessToken" in body:
        content = orjson.loads(body["responseContent"])
        if config.has_fault("push-without-tokens"):
            for member in ("access_token", "id_token", "expires_in"):
                content.pop(member, None)
            for member in ("accessToken", "idToken"):
                body.pop(member, None)
        elif config.has_fault("push-without-token-type"):
            content.pop("token_type", None)
        elif config.has_fault("push-token-mismatch"):
            # A well-formed token, but not the one the answer reports.
            signed, _ = content["id_token"].rsplit(".", 1)
            content["id_token"] = signed + "." + _b64(b"another signature")
        body["responseContent"] = _content(content)
    if notification and body.get("deliveryMode") == "PING":
        content = orjson.loads(body["responseContent"])
        if config.has_fault("ping-notification-with-error"):
            content["error"] = "access_denied"
        body["responseContent"] = _content(content)
    if config.has_fault("undocumented-result-code") and body["resultCode"].startswith("A198"):
        code = "A198009"
        body["resultMessage"] = body["resultMessage"].replace(body["resultCode"], code, 1)
        body["resultCode"] = code
    return body
