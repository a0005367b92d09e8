"""Payload builders, and the JSON report's shape, shared by the tests."""

from __future__ import annotations

import json
from typing import Any

ID = "_mzc-ZQdAhSPuMxTlO-MC_oqaOqYCrdNQ39PVxisaiE"
OK_MESSAGE = "[A183001] An auth_req_id was issued successfully."
#: Passed as a member's value, removes the member.
ABSENT: Any = object()
#: The members of every finding in a ``--format json`` report.
JSON_FINDING_KEYS = frozenset(
    {
        "rule",
        "severity",
        "message",
        "source",
        "entry",
        "line",
        "offset",
        "exchange",
        "pointer",
        "content_pointer",
        "value",
    }
)


def ack(auth_req_id: Any = ID, expires_in: Any = 3600, interval: Any = 5) -> str:
    """The acknowledgement as Authlete puts it in responseContent (ABSENT removes a member)."""
    body = {"auth_req_id": auth_req_id, "expires_in": expires_in, "interval": interval}
    return json.dumps({k: v for k, v in body.items() if v is not ABSENT}, separators=(",", ":"))


def ok(**changes: Any) -> dict[str, Any]:
    """A correct OK response, with members changed (ABSENT removes one)."""
    payload: dict[str, Any] = {
        "resultCode": "A183001",
        "resultMessage": OK_MESSAGE,
        "action": "OK",
        "authReqId": ID,
        "expiresIn": 3600,
        "interval": 5,
        "responseContent": ack(),
    }
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not ABSENT}


#: A result code Authlete documents for each error action of the issue API, with its message.
ERROR_RESULTS = {
    "INVALID_TICKET": ("A181201", "The ticket does not exist."),
    "INTERNAL_SERVER_ERROR": (
        "A182101",
        "Failed to issue an 'auth_req_id' due to a database error.",
    ),
}


def error(
    action: str,
    code: str | None = None,
    text: str | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """An error answer as Authlete sends it, with expiresIn and interval 0 (ABSENT removes one).

    The result code and message are the documented ones of ``action`` (of
    ``INTERNAL_SERVER_ERROR`` for any other action) unless given.
    """
    documented = ERROR_RESULTS.get(action, ERROR_RESULTS["INTERNAL_SERVER_ERROR"])
    code = documented[0] if code is None else code
    text = documented[1] if text is None else text
    payload: dict[str, Any] = {
        "resultCode": code,
        "resultMessage": f"[{code}] {text}",
        "action": action,
        "expiresIn": 0,
        "interval": 0,
    }
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not ABSENT}
