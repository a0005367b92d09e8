"""What ``/backchannel/authentication/issue`` answers, with the payload faults applied.

Pure functions from (ticket status, config) to a payload, so every fault can be
tested without a socket. HTTP-level and ticket-state faults live in the app.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

import orjson

from ciba_contracts.contract.actions import Action
from ciba_contracts.server.config import ServerConfig
from ciba_contracts.server.results import ISSUE_API, Result
from ciba_contracts.server.tickets import new_ticket

__all__ = ["error_payload", "ok_payload", "render_payload"]


def _auth_req_id(config: ServerConfig) -> str:
    if config.has_fault("auth-req-id-charset"):
        # Standard base64 of 32 bytes always ends in one '=' pad, outside CIBA's alphabet.
        return base64.b64encode(secrets.token_bytes(32)).decode()
    if config.has_fault("short-auth-req-id"):
        return secrets.token_urlsafe(12)
    return secrets.token_urlsafe(32)


def _apply_envelope_faults(payload: dict[str, Any], config: ServerConfig) -> dict[str, Any]:
    if config.has_fault("malformed-result-code"):
        # Keep the message prefixed with the (malformed) code so only the code's format is wrong.
        bad = payload["resultCode"][:-1]
        payload["resultMessage"] = payload["resultMessage"].replace(
            f"[{payload['resultCode']}]", f"[{bad}]", 1
        )
        payload["resultCode"] = bad
    if config.has_fault("unprefixed-result-message"):
        payload["resultMessage"] = payload["resultMessage"].split("] ", 1)[1]
    if config.has_fault("unknown-action"):
        payload["action"] = "ISSUED"
    for fault, member in (
        ("missing-action", "action"),
        ("missing-result-code", "resultCode"),
        ("missing-result-message", "resultMessage"),
    ):
        if config.has_fault(fault):
            payload.pop(member, None)
    return payload


def ok_payload(config: ServerConfig) -> dict[str, Any]:
    """The ``action: OK`` payload for a freshly redeemed ticket."""
    auth_req_id = _auth_req_id(config)
    expires_in: int = config.expires_in
    if config.has_fault("zero-expires-in"):
        expires_in = 0
    elif config.has_fault("expires-in-int32-overflow"):
        expires_in = 2**31
    interval = config.interval
    if config.has_fault("negative-interval"):
        interval = -1
    elif config.has_fault("zero-interval"):
        interval = 0

    content: dict[str, Any] = {
        "auth_req_id": auth_req_id,
        "expires_in": expires_in,
        "interval": interval,
    }
    if config.has_fault("expires-in-string"):
        # Stringified on both sides, as a serialiser bug would, so the two still agree.
        content["expires_in"] = str(expires_in)
    if config.has_fault("response-content-mismatch"):
        content["auth_req_id"] = new_ticket()
    if config.has_fault("acknowledgement-missing-expires-in"):
        del content["expires_in"]
    response_content = orjson.dumps(content).decode()
    if config.has_fault("response-content-backslashes"):
        response_content = response_content.replace('"', '\\"')

    payload: dict[str, Any] = {
        **Result.ISSUE_OK.body(ISSUE_API),
        "action": Action.OK,
        "authReqId": auth_req_id,
        "expiresIn": expires_in,
        "interval": interval,
        "responseContent": response_content,
    }
    if config.has_fault("expires-in-string"):
        payload["expiresIn"] = str(expires_in)
    for fault, member in (
        ("missing-auth-req-id", "authReqId"),
        ("missing-expires-in", "expiresIn"),
        ("missing-response-content", "responseContent"),
    ):
        if config.has_fault(fault):
            del payload[member]
    return _apply_envelope_faults(payload, config)


def error_payload(config: ServerConfig, result: Result, action: Action) -> dict[str, Any]:
    """An ``INVALID_TICKET`` or ``INTERNAL_SERVER_ERROR`` payload."""
    if action is Action.INVALID_TICKET and config.has_fault("internal-error-without-content"):
        # With a code that goes with the action, so that only the missing content is wrong.
        action, result = Action.INTERNAL_SERVER_ERROR, Result.ISSUE_STORE_FAILED
    # The client of the authorization server sees this body with a 500, and it
    # must not learn why the AS's own ticket was bad.
    content: dict[str, str] = {
        "error": "server_error",
        "error_description": "The authorization server could not issue an auth_req_id.",
    }
    if action is Action.INVALID_TICKET and config.has_fault("result-code-action-mismatch"):
        # The success code with an error action: the two halves of the answer disagree.
        result = Result.ISSUE_OK
    payload: dict[str, Any] = {**result.body(ISSUE_API), "action": action}
    if config.has_fault("error-content-not-oauth"):
        payload["responseContent"] = orjson.dumps(
            {"message": content["error_description"]}
        ).decode()
    elif not (
        action is Action.INTERNAL_SERVER_ERROR
        and config.has_fault("internal-error-without-content")
    ):
        payload["responseContent"] = orjson.dumps(content).decode()
    return _apply_envelope_faults(payload, config)


def render_payload(payload: dict[str, Any], config: ServerConfig) -> bytes:
    """Serialise a 200 payload, applying the faults that break the body as a whole."""
    if config.has_fault("payload-not-object"):
        return orjson.dumps([payload])
    body = orjson.dumps(payload)
    if config.has_fault("payload-not-json"):
        return body[: len(body) // 2]
    return body
