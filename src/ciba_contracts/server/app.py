"""The Starlette application: Authlete's four CIBA APIs, v3 and v2 paths."""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import parse_qsl

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from ciba_contracts.contract.actions import Action
from ciba_contracts.contract.apis import request_schema
from ciba_contracts.server.authentication import (
    apply_authentication_faults,
    process_authentication_request,
)
from ciba_contracts.server.completion import complete_payload, fail_payload
from ciba_contracts.server.config import ServerConfig
from ciba_contracts.server.flows import Flow, FlowLog, FlowState
from ciba_contracts.server.issue import error_payload, ok_payload, render_payload
from ciba_contracts.server.results import (
    AUTHENTICATION_API,
    COMPLETE_API,
    FAIL_API,
    ISSUE_API,
    Result,
)
from ciba_contracts.server.script import AnswerScript, RecordingMiddleware
from ciba_contracts.server.tickets import (
    MemoryTicketStore,
    SqliteTicketStore,
    TicketStatus,
    TicketStore,
)

__all__ = ["CONFIG_ENV", "create_app", "create_app_from_env", "make_store"]

CONFIG_ENV: Final = "CIBA_CONTRACTS_SERVER_CONFIG"
"""Environment variable through which worker processes receive the config as JSON."""

logger = logging.getLogger("ciba_contracts.server")

Scheme = Literal["Bearer", "Basic"]
_NO_STORE: Final = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_FORM: Final = "application/x-www-form-urlencoded"
_MAX_FORM_FIELDS: Final = 100


class _BodyError(Exception):
    """The request body is not something the API can read; answers 400."""

    def __init__(self, result: Result, detail: str = "") -> None:
        super().__init__(detail)
        self.result = result
        self.detail = detail


class _BodyTooLarge(Exception):
    pass


@dataclass(frozen=True)
class _Api:
    name: str
    scheme: Scheme
    malformed: Result


def make_store(config: ServerConfig) -> TicketStore:
    """The ticket store ``config`` asks for: SQLite if ``ticket_db`` is set, else memory."""
    if config.ticket_db is not None:
        return SqliteTicketStore(config.ticket_db, config.ticket_ttl, config.clock)
    return MemoryTicketStore(config.ticket_ttl, config.clock)


class _Responder:
    """Builds every answer, so the no-store headers and HTTP faults apply uniformly."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config

    def _headers(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {} if self.config.has_fault("missing-no-store") else dict(_NO_STORE)
        if extra:
            headers.update(extra)
        return headers

    def payload(self, body: bytes) -> Response:
        """A 200 answer carrying an API payload."""
        media_type = "application/json"
        if self.config.has_fault("html-content-type"):
            media_type = "text/html;charset=UTF-8"
        return Response(body, 200, headers=self._headers(None), media_type=media_type)

    def result(
        self,
        status: int,
        result: Result,
        api: str = "",
        detail: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """A non-200 answer carrying a ``result`` object."""
        return Response(
            orjson.dumps(result.body(api, detail)),
            status,
            headers=self._headers(headers),
            media_type="application/json",
        )

    def bad_body(self, api: _Api, error: _BodyError) -> Response:
        """The answer to a body the API cannot read (400, unless a fault says otherwise)."""
        if self.config.has_fault("crash-on-bad-body"):
            return PlainTextResponse(
                "Traceback (most recent call last):\n"
                '  File "app.py", line 1, in handle\n'
                f"ValueError: {error.result.message(api.name, error.detail)}\n",
                500,
            )
        status = 422 if self.config.has_fault("status-422") else 400
        return self.result(status, error.result, api.name, error.detail)


def _constant_time_equal(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))


def _check_credentials(
    request: Request, api: _Api, config: ServerConfig
) -> tuple[Result, str] | None:
    """None when the credentials are right, else the result and the detail its message takes."""
    header = request.headers.get("authorization")
    if header is None or not header.strip():
        return Result.AUTHORIZATION_MISSING, ""
    scheme, _, credentials = header.strip().partition(" ")
    credentials = credentials.strip()
    malformed = Result.AUTHORIZATION_MALFORMED, _masked(scheme, credentials)
    if scheme.lower() != api.scheme.lower() or not credentials:
        return malformed
    if api.scheme == "Bearer":
        if _constant_time_equal(credentials, config.token):
            return None
        # v3: the service is the one the path names.
        return Result.CREDENTIALS_INVALID, _printable(request.path_params.get("serviceId", ""))
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return malformed
    key, sep, secret = decoded.partition(":")
    if not sep:
        return malformed
    expected_key, expected_secret = config.basic
    # Compare both halves even when the first differs, so timing says nothing.
    key_ok = _constant_time_equal(key, expected_key)
    secret_ok = _constant_time_equal(secret, expected_secret)
    # v2: the service is the one whose API key the credentials name.
    return None if key_ok and secret_ok else (Result.CREDENTIALS_INVALID, _printable(key))


def _printable(text: str, limit: int = 40) -> str:
    return "".join(ch if " " <= ch <= "~" else "?" for ch in text[:limit])


def _masked(scheme: str, credentials: str) -> str:
    # The header's value as Authlete's message shows it, with the credentials left out:
    # answers end up in logs and reports.
    return _printable(scheme, 20) + (" ***" if credentials else "")


def _challenge(api: _Api, result: Result) -> str:
    if api.scheme == "Basic":
        return 'Basic realm="authlete", charset="UTF-8"'
    if result is Result.CREDENTIALS_INVALID:
        return 'Bearer realm="authlete", error="invalid_token"'
    return 'Bearer realm="authlete"'


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise _BodyTooLarge
    # Content-Length can be absent (chunked) or lie, so count what actually arrives.
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _BodyTooLarge
    return bytes(body)


def _parse_fields(request: Request, body: bytes, api: _Api) -> dict[str, Any]:
    if not body.strip():
        raise _BodyError(api.malformed, "the body is empty")
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type == _FORM:
        try:
            pairs = parse_qsl(
                body.decode("utf-8"),
                keep_blank_values=True,
                strict_parsing=True,
                errors="strict",
                max_num_fields=_MAX_FORM_FIELDS,
            )
        except (UnicodeDecodeError, ValueError):
            raise _BodyError(api.malformed, "the form is not valid UTF-8 form data") from None
        fields: dict[str, Any] = {}
        for name, value in pairs:
            if name in fields:
                raise _BodyError(api.malformed, "a form field is repeated")
            fields[name] = value
        return fields
    # No Content-Type is read as JSON, the API's primary format.
    if media_type and media_type != "application/json" and not media_type.endswith("+json"):
        raise _BodyError(api.malformed, "the content type is not JSON or a form")
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise _BodyError(api.malformed, "the body is not JSON") from None
    if not isinstance(data, dict):
        raise _BodyError(api.malformed, "the body is not a JSON object")
    return data


Handler = Callable[[Request, dict[str, Any]], Awaitable[Response]]


def _endpoint(
    api: _Api, config: ServerConfig, respond: _Responder, handler: Handler
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            if not config.has_fault("ignore-credentials"):
                failure = _check_credentials(request, api, config)
                if failure is not None:
                    result, detail = failure
                    return respond.result(
                        401,
                        result,
                        api.name,
                        detail,
                        headers={"WWW-Authenticate": _challenge(api, result)},
                    )
            try:
                body = await _read_body(request, config.max_body_bytes)
            except _BodyTooLarge:
                return respond.result(
                    413,
                    Result.BODY_TOO_LARGE,
                    api.name,
                    str(config.max_body_bytes),
                    headers={"Connection": "close"},
                )
            try:
                fields = _parse_fields(request, body, api)
                return await handler(request, fields)
            except _BodyError as error:
                return respond.bad_body(api, error)
        except Exception:
            # A stand-in must never answer with a bare traceback: the contract
            # promises a result object even for Authlete's own failures.
            logger.exception("unexpected error in %s", api.name)
            return respond.result(500, Result.SERVER_ERROR, api.name)

    return endpoint


def _has_type(value: Any, member: Mapping[str, Any]) -> bool:
    """Whether ``value`` has the JSON type ``member`` states (strings, arrays of strings)."""
    kind = member.get("type")
    if kind == "string":
        return isinstance(value, str)
    if kind == "array":
        items = member.get("items", {})
        return isinstance(value, list) and all(_has_type(item, items) for item in value)
    return True


def create_app(
    config: ServerConfig | None = None,
    *,
    store: TicketStore | None = None,
    script: AnswerScript | None = None,
) -> Starlette:
    """Build the reference server.

    ``store`` overrides the ticket store ``config`` would create (the app then
    leaves closing it to the caller). The store is reachable as
    ``app.state.tickets``, the log of flows (what ``/complete`` and ``/fail``
    know of each ticket) as ``app.state.flows`` and the config as
    ``app.state.config``. ``script``
    forces the action of chosen answers and records every call (``relay-test``).
    """
    config = config or ServerConfig()
    owns_store = store is None
    tickets: TicketStore = store if store is not None else make_store(config)
    respond = _Responder(config)
    flows = FlowLog()

    def forced(api: str) -> Response | None:
        payload = None if script is None else script.forced_payload(api, config)
        return None if payload is None else respond.payload(orjson.dumps(payload))

    async def authenticate(request: Request, fields: dict[str, Any]) -> Response:
        scripted = forced(AUTHENTICATION_API)
        if scripted is not None:
            return scripted
        # The members and their types are the OpenAPI document's request schema.
        schema = request_schema("authentication")
        required = schema.get("required", ())
        if any(name not in fields for name in required):
            raise _BodyError(Result.AUTHENTICATION_PARAMETERS_MISSING)
        for name, member in schema.get("properties", {}).items():
            # An optional member sent as null is read as absent, as Authlete reads it.
            absent = fields.get(name) is None and name not in required
            if name in fields and not absent and not _has_type(fields[name], member):
                raise _BodyError(Result.AUTHENTICATION_FIELD_TYPE, name)
        outcome = process_authentication_request(
            fields["parameters"], fields.get("clientId"), fields.get("clientSecret")
        )
        payload = outcome.body
        if outcome.needs_ticket:
            payload["ticket"] = ticket = await run_in_threadpool(tickets.issue)
            flow = Flow(
                client_id=int(payload["clientId"]),
                client_name=str(payload.get("clientName", "")),
                delivery_mode=str(payload["deliveryMode"]),
                notification_token=payload.get("clientNotificationToken"),
                expires_at=config.clock() + config.ticket_ttl,
            )
            flows.open(ticket, flow)
        return respond.payload(orjson.dumps(apply_authentication_faults(payload, config)))

    async def issue(request: Request, fields: dict[str, Any]) -> Response:
        if "ticket" not in fields:
            raise _BodyError(Result.ISSUE_TICKET_MISSING)
        ticket = fields["ticket"]
        if not isinstance(ticket, str) or not ticket:
            raise _BodyError(Result.ISSUE_TICKET_MISSING)
        scripted = forced(ISSUE_API)
        if scripted is not None:
            return scripted
        consume = not config.has_fault("ticket-reuse")
        try:
            status = await run_in_threadpool(tickets.redeem, ticket, consume=consume)
        except Exception:
            # Authlete reports its own storage trouble inside a 200, as
            # INTERNAL_SERVER_ERROR, so the AS can relay a proper OAuth error.
            logger.exception("ticket store failed")
            payload = error_payload(config, Result.ISSUE_STORE_FAILED, Action.INTERNAL_SERVER_ERROR)
            return respond.payload(render_payload(payload, config))
        if status is TicketStatus.UNKNOWN and config.has_fault("accept-unknown-ticket"):
            status = TicketStatus.VALID
        if status is TicketStatus.EXPIRED and config.has_fault("accept-expired-ticket"):
            status = TicketStatus.VALID
        if status is TicketStatus.UNKNOWN and config.has_fault("completed-ticket-issued"):
            flow = flows.get(ticket)
            if flow is not None and flow.state is FlowState.COMPLETED:
                status = TicketStatus.VALID
        if status is TicketStatus.VALID:
            payload = ok_payload(config)
            flows.advance(ticket, FlowState.ISSUED, payload.get("authReqId"))
        elif status is TicketStatus.EXPIRED:
            payload = error_payload(config, Result.ISSUE_TICKET_EXPIRED, Action.INVALID_TICKET)
        else:
            payload = error_payload(config, _spent(flows.get(ticket)), Action.INVALID_TICKET)
        return respond.payload(render_payload(payload, config))

    async def fail(request: Request, fields: dict[str, Any]) -> Response:
        payload = fail_payload(fields, config)
        ticket = fields.get("ticket")
        if isinstance(ticket, str) and ticket:
            # The vendor: a given ticket of the service is deleted.
            if not config.has_fault("failed-ticket-issued"):
                await run_in_threadpool(tickets.redeem, ticket, consume=True)
            flow = flows.get(ticket)
            issued = flow is not None and flow.state is FlowState.ISSUED
            if not (issued and config.has_fault("failed-ticket-completed")):
                flows.advance(ticket, FlowState.FAILED)
        return respond.payload(orjson.dumps(payload))

    async def complete(request: Request, fields: dict[str, Any]) -> Response:
        ticket = fields.get("ticket")
        flow = flows.get(ticket) if isinstance(ticket, str) else None
        outcome = complete_payload(fields, flow, config.clock(), config)
        if outcome.state is not None and isinstance(ticket, str):
            flows.advance(ticket, outcome.state)
        return respond.payload(orjson.dumps(outcome.body))

    # v3 paths take a bearer token, v2 paths HTTP basic credentials.
    versions: tuple[tuple[str, Scheme], ...] = (("/api/{serviceId}", "Bearer"), ("/api", "Basic"))
    routes = [
        Route(
            prefix + name,
            _endpoint(_Api(name, scheme, malformed), config, respond, handler),
            methods=["POST"],
        )
        for prefix, scheme in versions
        for name, malformed, handler in (
            (AUTHENTICATION_API, Result.BODY_MALFORMED, authenticate),
            (ISSUE_API, Result.BODY_MALFORMED, issue),
            (FAIL_API, Result.CLIENT_ERROR, fail),
            (COMPLETE_API, Result.CLIENT_ERROR, complete),
        )
    ]

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            return respond.result(
                405, Result.METHOD_NOT_ALLOWED, request.url.path, "POST", headers=exc.headers
            )
        if exc.status_code == 404:
            return respond.result(404, Result.NOT_FOUND, detail=_printable(request.url.path))
        return respond.result(exc.status_code, Result.SERVER_ERROR, request.url.path)

    async def server_error(request: Request, exc: Exception) -> Response:
        return respond.result(500, Result.SERVER_ERROR, request.url.path)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if owns_store:
                tickets.close()

    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: http_error, Exception: server_error},
        lifespan=lifespan,
    )
    # Trailing-slash redirects would answer 307, a status the API never documents.
    app.router.redirect_slashes = False
    app.state.config = config
    app.state.tickets = tickets
    app.state.flows = flows
    if script is not None:
        app.add_middleware(RecordingMiddleware, script=script)
    return app


def _spent(flow: Flow | None) -> Result:
    """Why a ticket the store no longer holds is refused, from what its flow went through."""
    if flow is not None and flow.state is FlowState.ISSUED:
        return Result.ISSUE_TICKET_USED
    if flow is not None and flow.state is FlowState.COMPLETED:
        return Result.ISSUE_TICKET_CONSUMED
    return Result.ISSUE_TICKET_UNKNOWN


def create_app_from_env() -> Starlette:
    """App factory for uvicorn worker processes.

    Reads the config, as JSON, from ``$CIBA_CONTRACTS_SERVER_CONFIG`` (:data:`CONFIG_ENV`).
    """
    raw = os.environ.get(CONFIG_ENV)
    return create_app(ServerConfig.from_json(raw) if raw else ServerConfig())
