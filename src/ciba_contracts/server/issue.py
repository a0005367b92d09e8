"""What ``/backchannel/authentication/issue`` answers, with the payload faults applied.

Pure functions from (ticket status, config) to a payload, so every fault can be
tested without a socket. HTTP-level and ticket-state faults live in the app.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Collection
from typing import Any

import orjson

from ciba_contracts.contract.actions import Action
from ciba_contracts.server.config import ServerConfig
from ciba_contracts.server.results import ISSUE_API, Result
from ciba_contracts.server.tickets import new_ticket

__all__ = ["error_payload", "ok_payload", "render_payload"]


def _auth_req_id(faults: Collection[str]) -> str:
    if "auth-req-id-charset" in faults:
        # Standard base64 of 32 bytes always ends in one '=' pad, outside CIBA's alphabet.
        return base64.b64encode(secrets.token_bytes(32)).decode()
    if "short-auth-req-id" in faults:
        return secrets.token_urlsafe(12)
    return secrets.token_urlsafe(32)


def _apply_envelope_faults(payload: dict[str, Any], faults: Collection[str]) -> dict[str, Any]:
    if "malformed-result-code" in faults:
        # Keep the message prefixed with the (malformed) code so only the code's format is wrong.
        bad = payload["resultCode"][:-1]
        payload["resultMessage"] = payload["resultMessage"].replace(
            f"[{payload['resultCode']}]", f"[{bad}]", 1
        )
        payload["resultCode"] = bad
    if "unprefixed-result-message" in faults:
        payload["resultMessage"] = payload["resultMessage"].split("] ", 1)[1]
    if "unknown-action" in faults:
        payload["action"] = "ISSUED"
    for fault, member in (
        ("missing-action", "action"),
        ("missing-result-code", "resultCode"),
        ("missing-result-message", "resultMessage"),
    ):
        if fault in faults:
            payload.pop(member, None)
    return payload


def ok_payload(config: ServerConfig) -> dict[str, Any]:
    """The ``action: OK`` payload for a freshly redeemed ticket."""
    faults = config.faults
    auth_req_id = _auth_req_id(faults)
    expires_in: int = config.expires_in
    if "zero-expires-in" in faults:
        expires_in = 0
    elif "expires-in-int32-overflow" in faults:
        expires_in = 2**31
    interval = config.interval
    if "negative-interval" in faults:
        interval = -1
    elif "zero-interval" in faults:
        interval = 0

    content: dict[str, Any] = {
        "auth_req_id": auth_req_id,
        "expires_in": expires_in,
        "interval": interval,
    }
    if "expires-in-string" in faults:
        # Stringified on both sides, as a serialiser bug would, so the two still agree.
        content["expires_in"] = str(expires_in)
    if "response-content-mismatch" in faults:
        content["auth_req_id"] = new_ticket()
    if "acknowledgement-missing-expires-in" in faults:
        del content["expires_in"]
    response_content = orjson.dumps(content).decode()
    if "response-content-backslashes" in faults:
        response_content = response_content.replace('"', '\\"')

    payload: dict[str, Any] = {
        **Result.ISSUE_OK.body(ISSUE_API),
        "action": Action.OK,
        "authReqId": auth_req_id,
        "expiresIn": expires_in,
        "interval": interval,
        "responseContent": response_content,
    }
    if "expires-in-string" in faults:
        payload["expiresIn"] = str(expires_in)
    for fault, member in (
        ("missing-auth-req-id", "authReqId"),
        ("missing-expires-in", "expiresIn"),
        ("missing-response-content", "responseContent"),
    ):
        if fault in faults:
            del payload[member]
    return _apply_envelope_faults(payload, faults)


def error_payload(config: ServerConfig, result: Result, action: Action) -> dict[str, Any]:
    """An ``INVALID_TICKET`` or ``INTERNAL_SERVER_ERROR`` payload."""
    faults = config.faults
    if action is Action.INVALID_TICKET and "internal-error-without-content" in faults:
        # With a code that goes with the action, so that only the missing content is wrong.
        action, result = Action.INTERNAL_SERVER_ERROR, Result.ISSUE_STORE_FAILED
    # The client of the authorization server sees this body with a 500, and it
    # must not learn why the AS's own ticket was bad.
    content: dict[str, str] = {
        "error": "server_error",
        "error_description": "The authorization server could not issue an auth_req_id.",
    }
    if action is Action.INVALID_TICKET and "result-code-action-mismatch" in faults:
        # The success code with an error action: the two halves of the answer disagree.
        result = Result.ISSUE_OK
    payload: dict[str, Any] = {**result.body(ISSUE_API), "action": action}
    if "error-content-not-oauth" in faults:
        payload["responseContent"] = orjson.dumps(
            {"message": content["error_description"]}
        ).decode()
    elif not (
        action is Action.INTERNAL_SERVER_ERROR and "internal-error-without-content" in faults
    ):
        payload["responseContent"] = orjson.dumps(content).decode()
    return _apply_envelope_faults(payload, faults)


def render_payload(payload: dict[str, Any], faults: Collection[str]) -> bytes:
    """Serialise a 200 payload, applying the faults that break the body as a whole."""
    if "payload-not-object" in faults:
        return orjson.dumps([payload])
    body = orjson.dumps(payload)
    if "payload-not-json" in faults:
        return body[: len(body) // 2]
    return body
