"""Scripting the stand-in request by request, and recording what it answered.

``relay-test`` runs the stand-in in its own process and needs two things from
it: to choose the ``action`` of the next answer of each API (so every action
is exercised, not only those a well-behaved request earns), and to see every
call the authorization server made and what it got back. An
:class:`AnswerScript` given to :func:`~ciba_contracts.server.app.create_app`
does both; without one the stand-in behaves exactly as before.
"""

from __future__ import annotations

import secrets
import threading
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Final

import orjson

from ciba_contracts.contract.actions import Action
from ciba_contracts.exchange import Exchange, Location
from ciba_contracts.server.config import ServerConfig
from ciba_contracts.server.issue import error_payload
from ciba_contracts.server.results import AUTHENTICATION_API, ISSUE_API, Result

__all__ = ["AnswerScript", "RecordingMiddleware", "scriptable_actions"]

#: The stand-in's API paths -> the contract's API names.
API_NAMES: Final = {AUTHENTICATION_API: "authentication", ISSUE_API: "issue"}

#: Error actions the script can force, per API: the result code and OAuth error behind each
#: (documented codes of the blamed party, as a real refusal would carry).
_AUTHENTICATION_ERRORS: Final = {
    "BAD_REQUEST": (Result.AUTHENTICATION_NO_HINT, "invalid_request"),
    "UNAUTHORIZED": (Result.AUTHENTICATION_SECRET_MISMATCH, "invalid_client"),
    "INTERNAL_SERVER_ERROR": (Result.SERVER_ERROR, "server_error"),
}
_ISSUE_ERRORS: Final = {
    Action.INVALID_TICKET.value: Result.ISSUE_TICKET_UNKNOWN,
    Action.INTERNAL_SERVER_ERROR.value: Result.ISSUE_STORE_FAILED,
}


def scriptable_actions() -> dict[str, tuple[str, ...]]:
    """The actions :meth:`AnswerScript.force` accepts, per API (None: answer as usual)."""
    return {"authentication": tuple(_AUTHENTICATION_ERRORS), "issue": tuple(_ISSUE_ERRORS)}


class AnswerScript:
    """Forced answers of the stand-in, one queue per API, and the log of its calls.

    Thread-safe: the stand-in runs in a server thread while its user scripts it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, deque[str | None]] = {}
        self._calls: list[Exchange] = []

    def force(self, api: str, action: str | None) -> None:
        """Make the next call of ``api`` answer ``action`` (None: answer as usual)."""
        if action is not None and action not in scriptable_actions().get(api, ()):
            raise ValueError(f"the stand-in cannot be made to answer {action} on {api!r}")
        with self._lock:
            self._queues.setdefault(api, deque()).append(action)

    def reset(self) -> None:
        """Forget forced answers not used yet and every recorded call."""
        with self._lock:
            self._queues.clear()
            self._calls.clear()

    def calls(self) -> list[Exchange]:
        """The calls answered since the last :meth:`reset`, in order."""
        with self._lock:
            return list(self._calls)

    def record(self, exchange: Exchange) -> None:
        """Keep one answered call."""
        with self._lock:
            self._calls.append(exchange)

    def forced_payload(self, path_api: str, config: ServerConfig) -> dict[str, Any] | None:
        """The payload the next call of the API at ``path_api`` must answer, or None."""
        api = API_NAMES.get(path_api, path_api)
        with self._lock:
            queue = self._queues.get(api)
            action = queue.popleft() if queue else None
        if action is None:
            return None
        # A fresh value in every error body: an AS that sends a body of its own making
        # instead of responseContent cannot match it by chance.
        nonce = secrets.token_hex(4)
        if api == "issue":
            payload = error_payload(config, _ISSUE_ERRORS[action], Action(action))
            content = orjson.loads(payload["responseContent"])
            content["error_description"] += f" (ref {nonce})"
            payload["responseContent"] = orjson.dumps(content).decode()
            return payload
        result, error = _AUTHENTICATION_ERRORS[action]
        detail = f"scripted {action.lower().replace('_', ' ')} (ref {nonce})"
        description = f"[{result.code}] The request was refused: {detail}."
        return {
            **result.body(path_api),
            "action": action,
            "responseContent": orjson.dumps(
                {"error": error, "error_description": description}
            ).decode(),
        }


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class RecordingMiddleware:
    """Records every HTTP call and its answer into an :class:`AnswerScript`."""

    def __init__(self, app: App, script: AnswerScript) -> None:
        self.app = app
        self.script = script

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_body = bytearray()
        status: list[int] = []
        headers: list[tuple[str, str]] = []
        body = bytearray()
        recorded = False

        def record() -> None:
            nonlocal recorded
            if not recorded:
                recorded = True
                self.script.record(
                    _exchange(scope, bytes(request_body), status, headers, bytes(body))
                )

        async def receiving() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request_body.extend(message.get("body", b""))
            return message

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
                headers.extend(
                    (k.decode("latin-1"), v.decode("latin-1")) for k, v in message["headers"]
                )
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    # Recorded before the last byte leaves: whoever got the answer finds
                    # the call in the log.
                    record()
            await send(message)

        try:
            await self.app(scope, receiving, sending)
        finally:
            record()


def _exchange(
    scope: Scope,
    request_body: bytes,
    status: list[int],
    headers: list[tuple[str, str]],
    body: bytes,
) -> Exchange:
    query = scope.get("query_string", b"").decode("latin-1")
    host = dict(scope.get("headers", ())).get(b"host", b"").decode("latin-1")
    url = f"http://{host}{scope['path']}" + (f"?{query}" if query else "")
    return Exchange(
        location=Location("stand-in"),
        method=str(scope["method"]),
        url=url,
        status=status[0] if status else None,
        request_headers=tuple(
            (k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]
        ),
        response_headers=tuple(headers),
        body=body,
        request_body=request_body,
    )
