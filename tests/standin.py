"""An independent stand-in for Authlete's four CIBA APIs (QA tests).

Written from the vendor's OpenAPI documents, not from the bundled reference
server, on the standard library's ``http.server``: it answers differently from
the reference server wherever the documents leave room (message texts, member
order, header spellings, no ``interval``...), so a check that only passes the
reference server shows up as a false positive. ``faults`` switches on one way
of breaking the contract at a time (see :data:`FAULTS`).
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from loopback import serve_handler

TOKEN = "standin-token"
BASIC = ("standin-key", "standin-secret")

#: Fault names this stand-in knows (each breaks the contract in one way).
FAULTS = frozenset(
    {
        "form-ignored",  # the issue API reads JSON bodies only; a form ticket is "missing"
        "same-auth-req-id",  # every ticket gives the same authReqId
        "float-expires-in",  # expiresIn (and expires_in) is 600.5
        "content-without-interval",  # interval in the field, not in responseContent
        "lowercase-result-code",  # resultCode a183001
        "html-500-on-empty-body",  # an empty body answers 500 text/html
        "bom",  # 200 answers start with a UTF-8 byte order mark
        "401-without-body",  # 401 answers have an empty body
        "401-not-result",  # 401 answers are {"error": "unauthorized"}
        "any-ticket",  # every ticket string, even empty, gives OK
        "v2-only",  # the v3 paths answer 404
        "v3-only",  # the v2 paths answer 404
        "slow",  # every answer takes `delay` seconds
        "hang",  # the issue API never answers a redeemed ticket in time
        "reset",  # the issue API drops the connection on a body that is not JSON
        "reset-on-bad-ticket",  # ... and on a JSON body whose ticket is no string
        "needs-client-id-param",  # the authentication API wants client_id in parameters too
        "string-interval",  # interval is "5"
        "issue-500-html",  # the issue API answers every ticket with 500 HTML
        "no-ticket-on-auth",  # authentication answers USER_IDENTIFICATION without a ticket
        "expires-in-zero-content",  # responseContent expires_in 0 (fields 600)
        "content-type-text",  # every answer is text/plain
        "ok-on-second-issue-different-id",  # a reused ticket gives OK with a new id
        "short-id",  # authReqId of 12 characters
        "id-with-plus",  # authReqId holds '+' and '/'
        "negative-expires-in",  # expiresIn -1
        "result-code-7-digits",  # resultCode A1830010
        "ok-without-content",  # OK without responseContent
        "invalid-ticket-ok-status-content",  # INVALID_TICKET responseContent not JSON
        "no-cache-headers",  # no Cache-Control/Pragma
        "accepts-wrong-token",  # any Bearer/Basic value is accepted (missing one still 401)
        "forms-only",  # JSON bodies are refused with 400; only forms work
        "wrong-status-400-on-unknown",  # unknown ticket answers 404
        "null-interval",  # interval: null
        "bool-expires-in",  # expiresIn: true
        "content-not-string",  # responseContent is an object, not a string
        "extra-members",  # unknown members everywhere (not a fault: tolerant reader)
        "reissue-after-complete",  # a ticket /complete took is redeemable again
        "complete-refuses",  # /complete answers SERVER_ERROR to every ticket
        "fail-keeps-ticket",  # /fail does not delete the ticket
        "complete-after-fail",  # /fail does not end the flow of an issued ticket
    }
)


@dataclass
class StandIn:
    """Configuration and state of one stand-in server."""

    faults: frozenset[str] = frozenset()
    delay: float = 0.0
    expires_in: int = 600
    interval: int | None = 5
    pretty: bool = False
    tickets: dict[str, float] = field(default_factory=dict)
    #: ticket -> its auth_req_id, for the tickets /issue redeemed and nothing ended yet.
    flows: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    fixed_id: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    #: How a request without a usable ticket is refused: "400" (a result object), or a
    #: 200 with this action. Authlete documents the fault (A182201), not the status.
    bad_request: str = "400"

    def __post_init__(self) -> None:
        unknown = set(self.faults) - FAULTS
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}")


_APIS = tuple(
    "backchannel/authentication" + suffix for suffix in ("", "/issue", "/fail", "/complete")
)
#: The fail API's reasons -> (action, error); the others are BAD_REQUEST with the reason.
_FAIL_REASONS = {
    "ACCESS_DENIED": ("FORBIDDEN", "access_denied"),
    "SERVER_ERROR": ("INTERNAL_SERVER_ERROR", "server_error"),
}


def _result(code: str, text: str) -> dict[str, Any]:
    return {"resultCode": code, "resultMessage": f"[{code}] {text}"}


class _Handler(BaseHTTPRequestHandler):
    server_version = "standin/1"
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes; with Nagle's algorithm on, every keep-alive
    # answer would wait for the client's delayed ACK (~40 ms).
    disable_nagle_algorithm = True
    state: StandIn

    def log_message(self, format: str, *args: Any) -> None:
        return

    # -- plumbing ---------------------------------------------------------------------

    def _send(
        self,
        status: int,
        payload: Any,
        *,
        content_type: str = "application/json; charset=utf-8",
        raw: bytes | None = None,
        extra: dict[str, str] | None = None,
    ) -> None:
        faults = self.state.faults
        if raw is None:
            body = json.dumps(payload, indent=2 if self.state.pretty else None).encode()
        else:
            body = raw
        if "bom" in faults and status == 200:
            body = b"\xef\xbb\xbf" + body
        if "content-type-text" in faults:
            content_type = "text/plain"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if "no-cache-headers" not in faults:
            self.send_header("Cache-Control", "no-cache, no-store")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _read(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:
        self._read()
        self._send(405, _result("A001207", "Method not allowed."), extra={"Allow": "POST"})

    def do_POST(self) -> None:
        state = self.state
        raw = self._read()
        if "slow" in state.faults and state.delay:
            time.sleep(state.delay)
        path = urllib.parse.urlsplit(self.path).path
        parts = path.strip("/").split("/")
        # /api/{sid}/backchannel/authentication[/issue] or /api/backchannel/authentication[/issue]
        version: int | None = None
        rest: list[str] = []
        if len(parts) >= 3 and parts[0] == "api" and parts[1] == "backchannel":
            version, rest = 2, parts[1:]
        elif len(parts) >= 4 and parts[0] == "api" and parts[2] == "backchannel":
            version, rest = 3, parts[2:]
        api = "/".join(rest)
        if (
            version is None
            or api not in _APIS
            or (version == 3 and "v2-only" in state.faults)
            or (version == 2 and "v3-only" in state.faults)
        ):
            self._send(404, _result("A001404", "No such API."))
            return
        if not self._authorized(version):
            return
        body = self._parse(raw, is_issue=api.endswith("issue"))
        if body is None:
            return
        if api.endswith("issue"):
            self._issue(body)
        elif api.endswith("fail"):
            self._fail(body)
        elif api.endswith("complete"):
            self._complete(body)
        else:
            self._authentication(body)

    def _authorized(self, version: int) -> bool:
        faults = self.state.faults
        header = self.headers.get("Authorization")
        if version == 3:
            expected = f"Bearer {TOKEN}"
        else:
            expected = "Basic " + base64.b64encode(":".join(BASIC).encode()).decode()
        if header == expected or (header and "accepts-wrong-token" in faults):
            return True
        if "401-without-body" in faults:
            self._send(401, None, raw=b"")
        elif "401-not-result" in faults:
            self._send(401, {"error": "unauthorized"})
        else:
            scheme = "Bearer" if version == 3 else "Basic"
            self._send(
                401,
                _result("A001202" if header is None else "A001203", "Authentication failed."),
                extra={"WWW-Authenticate": f'{scheme} realm="standin"'},
            )
        return False

    def _parse(self, raw: bytes, *, is_issue: bool) -> dict[str, Any] | None:
        faults = self.state.faults
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if not raw and "html-500-on-empty-body" in faults:
            self._send(500, None, raw=b"<html>oops</html>", content_type="text/html")
            return None
        if media == "application/x-www-form-urlencoded":
            if is_issue and "form-ignored" in faults:
                return {}
            try:
                pairs = urllib.parse.parse_qsl(
                    raw.decode("utf-8"), keep_blank_values=True, strict_parsing=True
                )
            except (UnicodeDecodeError, ValueError):
                pairs = None
            if pairs is None or len({k for k, _ in pairs}) != len(pairs):
                self._bad_request("A999201", "The form is malformed.", is_issue=is_issue)
                return None
            return dict(pairs)
        if "forms-only" in faults:
            self._send(400, _result("A999201", "Only forms are read."))
            return None
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, ValueError):
            if "reset" in faults and is_issue:
                self.close_connection = True
                self.connection.shutdown(2)
                return None
            self._bad_request("A999202", "The body is not JSON.", is_issue=is_issue)
            return None
        if not isinstance(body, dict):
            self._bad_request("A999203", "The body is not a JSON object.", is_issue=is_issue)
            return None
        return body

    def _bad_request(self, code: str, text: str, *, is_issue: bool = True) -> None:
        """Refuse a request without a usable ticket, the way this stand-in is set to."""
        action = self.state.bad_request
        if not is_issue or action == "400":
            self._send(400, _result(code, text))
            return
        self._refuse(
            _result("A182201", "The request does not contain a usable 'ticket'."),
            action,
            {"error": "server_error", "error_description": text},
        )

    def _refuse(self, result: dict[str, Any], action: str, error: dict[str, str]) -> None:
        """A 200 answer whose action refuses the request, with ``error`` as its body."""
        self._send(200, {**result, "action": action, "responseContent": json.dumps(error)})

    # -- the APIs ---------------------------------------------------------------------

    def _authentication(self, body: dict[str, Any]) -> None:
        state = self.state
        parameters = body.get("parameters")
        client_id = body.get("clientId")
        if not isinstance(parameters, str) or (
            client_id is not None and not isinstance(client_id, str)
        ):
            self._send(400, _result("A179201", "parameters is missing or not a string."))
            return
        params = dict(urllib.parse.parse_qsl(parameters))
        if "needs-client-id-param" in state.faults and "client_id" not in params:
            self._refuse(
                _result("A179303", "Client authentication failed."),
                "UNAUTHORIZED",
                {"error": "invalid_client", "error_description": "client_id is required"},
            )
            return
        if "openid" not in params.get("scope", "").split() or not params.get("login_hint"):
            self._refuse(
                _result("A179301", "Bad request."),
                "BAD_REQUEST",
                {"error": "invalid_request", "error_description": "bad request"},
            )
            return
        ticket = secrets.token_urlsafe(24)
        with state.lock:
            state.tickets[ticket] = time.time() + 600
        answer: dict[str, Any] = {
            **_result("A179001", "Processed."),
            "action": "USER_IDENTIFICATION",
            "hintType": "LOGIN_HINT",
            "hint": params["login_hint"],
            "deliveryMode": "POLL",
            "ticket": ticket,
        }
        if "no-ticket-on-auth" in state.faults:
            del answer["ticket"]
        self._send(200, answer)

    def _issue(self, body: dict[str, Any]) -> None:
        state = self.state
        faults = state.faults
        ticket = body.get("ticket")
        if "reset-on-bad-ticket" in faults and not isinstance(ticket, str):
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if "any-ticket" in faults and isinstance(ticket, str):
            self._ok(ticket)
            return
        if not isinstance(ticket, str) or not ticket:
            self._bad_request("A183201", "The request has no valid 'ticket'.")
            return
        if "issue-500-html" in faults:
            self._send(500, None, raw=b"<h1>Internal error</h1>", content_type="text/html")
            return
        with state.lock:
            known = ticket in state.tickets
            if known and "ok-on-second-issue-different-id" not in faults:
                del state.tickets[ticket]
        if not known:
            if "wrong-status-400-on-unknown" in faults:
                self._send(404, _result("A183404", "No such ticket."))
                return
            content = (
                "{error: server_error}"
                if "invalid-ticket-ok-status-content" in faults
                else json.dumps({"error": "server_error", "error_description": "bad ticket"})
            )
            self._send(
                200,
                {
                    "action": "INVALID_TICKET",
                    **_result("A181201", "The ticket does not exist."),
                    "responseContent": content,
                },
            )
            return
        if "hang" in faults:
            time.sleep(state.delay or 30)
        self._ok(ticket)

    def _fail(self, body: dict[str, Any]) -> None:
        state = self.state
        ticket = body.get("ticket")
        reason = body.get("reason") or "SERVER_ERROR"
        action, error = _FAIL_REASONS.get(str(reason), ("BAD_REQUEST", str(reason).lower()))
        if isinstance(ticket, str):
            # The vendor: a given ticket of the service is deleted.
            with state.lock:
                if "fail-keeps-ticket" not in state.faults:
                    state.tickets.pop(ticket, None)
                if "complete-after-fail" not in state.faults:
                    state.flows.pop(ticket, None)
        content: dict[str, Any] = {"error": error}
        if isinstance(body.get("errorDescription"), str):
            content["error_description"] = body["errorDescription"]
        self._send(
            200,
            {
                "action": action,
                "responseContent": json.dumps(content),
                **_result("A185001", "Error response built."),
            },
        )

    def _complete(self, body: dict[str, Any]) -> None:
        state = self.state
        ticket = body.get("ticket")
        result = body.get("result")
        with state.lock:
            auth_req_id = state.flows.pop(ticket, None) if isinstance(ticket, str) else None
            if auth_req_id is not None and "reissue-after-complete" in state.faults:
                state.tickets[str(ticket)] = time.time() + 600
        if (
            auth_req_id is None
            or "complete-refuses" in state.faults
            or result
            not in (
                "AUTHORIZED",
                "ACCESS_DENIED",
                "TRANSACTION_FAILED",
            )
        ):
            self._send(200, {**_result("A196201", "No such ticket."), "action": "SERVER_ERROR"})
            return
        code = "A198001" if result == "AUTHORIZED" else "A198002"
        self._send(
            200,
            {
                **_result(code, f"Recorded (mode = poll, result = {result})."),
                "action": "NO_ACTION",
                "authReqId": auth_req_id,
                "deliveryMode": "POLL",
                "clientId": 4711,
            },
        )

    def _ok(self, ticket: str) -> None:
        state = self.state
        faults = state.faults
        auth_req_id = state.fixed_id if "same-auth-req-id" in faults else secrets.token_urlsafe(32)
        if "short-id" in faults:
            auth_req_id = auth_req_id[:12]
        if "id-with-plus" in faults:
            auth_req_id = base64.b64encode(secrets.token_bytes(32)).decode()[:-2] + "+/"
        expires_in: Any = state.expires_in
        if "float-expires-in" in faults:
            expires_in = 600.5
        if "negative-expires-in" in faults:
            expires_in = -1
        if "bool-expires-in" in faults:
            expires_in = True
        content: dict[str, Any] = {"expires_in": expires_in, "auth_req_id": auth_req_id}
        interval: Any = state.interval
        if interval is not None and "content-without-interval" not in faults:
            content["interval"] = interval
        if "string-interval" in faults:
            interval = content["interval"] = "5"
        if "null-interval" in faults:
            interval = None
        if "expires-in-zero-content" in faults:
            content["expires_in"] = 0
        code = "A183001"
        if "lowercase-result-code" in faults:
            code = "a183001"
        if "result-code-7-digits" in faults:
            code = "A1830010"
        answer: dict[str, Any] = {
            "responseContent": json.dumps(content, separators=(", ", ": ")),
            "authReqId": auth_req_id,
            "action": "OK",
            **_result(code, "Issued."),
            "expiresIn": expires_in,
        }
        if "content-not-string" in faults:
            answer["responseContent"] = content
        if "ok-without-content" in faults:
            del answer["responseContent"]
        if state.interval is not None or "null-interval" in faults:
            answer["interval"] = interval
        if "extra-members" in faults:
            answer["serviceAttributes"] = [{"key": "k", "value": "v"}]
            answer["x-trace"] = ticket[:4]
        with state.lock:
            state.flows[ticket] = auth_req_id
        self._send(200, answer)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client that gave up on a hanging answer (BrokenPipeError) is expected


@contextlib.contextmanager
def serve(state: StandIn | None = None, **kwargs: Any) -> Iterator[str]:
    """Run a stand-in on a free loopback port; yields its base URL."""
    state = state or StandIn(**kwargs)
    handler = type("Handler", (_Handler,), {"state": state})
    with serve_handler(handler, _QuietServer) as url:
        yield url
