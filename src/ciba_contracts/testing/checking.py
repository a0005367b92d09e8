"""Checking a payload or an HTTP response inside a test, and failing it with a readable report.

:class:`ContractChecker` is what the ``ciba_contract`` pytest fixture returns;
it works the same outside pytest. Responses are duck-typed (``status_code``
plus ``content``, or httpx's ``read()``), so httpx, requests and schemathesis
responses all fit without importing any of them. A response becomes an
:class:`~ciba_contracts.exchange.Exchange` (:func:`exchange_of`) and goes to the
one exchange checker, as recorded traffic and the hooks do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ciba_contracts.check.exchange import check_exchange
from ciba_contracts.contract.apis import ISSUE_API, get_api
from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.rules import RULES, enabled_rules
from ciba_contracts.exchange import Exchange, Location, header_pairs
from ciba_contracts.redact import redact_url
from ciba_contracts.selection import api_of
from ciba_contracts.validate.engine import KINDS, get_validator, kind_of_api
from ciba_contracts.validate.finding import Finding
from ciba_contracts.violations import ContractViolation

__all__ = [
    "ContractChecker",
    "ResponseInfo",
    "answer_kind",
    "describe_exchange",
    "exchange_of",
    "is_response",
    "request_line",
    "response_info",
]

Selection = str | Iterable[str] | None

_RAW = (bytes, bytearray, memoryview, str)


@dataclass(frozen=True, slots=True)
class ResponseInfo:
    """What a check needs from an HTTP response: status, body and, when known, the request."""

    status: int
    body: bytes
    method: str | None = None
    url: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    request_headers: tuple[tuple[str, str], ...] = ()
    request_body: bytes | None = None

    def exchange(self) -> Exchange:
        """The exchange this response closes, as the one checker takes it."""
        method = self.method or ""
        url = self.url or ""
        return Exchange(
            location=Location(describe_exchange(self.method, self.url, self.status)),
            method=method,
            url=url,
            status=self.status,
            request_headers=self.request_headers,
            response_headers=self.headers,
            body=self.body,
            request_body=self.request_body,
        )

    def describe(self) -> str:
        """``POST https://host/path -> 200`` (or just the status when the request is unknown)."""
        return describe_exchange(self.method, self.url, self.status)


def describe_exchange(method: str | None, url: str | None, status: int) -> str:
    """``POST https://host/path -> 200``, or ``HTTP 200`` when the request is unknown.

    The URL is shown through :func:`~ciba_contracts.redact.redact_url`:
    the description ends up in test output and CI logs, where credentials in
    the user information or the query must not.
    """
    request = " ".join(part for part in (method, url and redact_url(url)) if part)
    return f"{request} -> {status}" if request else f"HTTP {status}"


def is_response(obj: object) -> bool:
    """Whether ``obj`` looks like an HTTP response (httpx, requests, schemathesis...)."""
    return (
        not isinstance(obj, (*_RAW, Mapping))
        and hasattr(obj, "status_code")
        and (hasattr(obj, "content") or hasattr(obj, "read"))
    )


def response_info(response: Any) -> ResponseInfo:
    """Status, headers, body bytes and request of a duck-typed response.

    An httpx response that was streamed and not read yet is read here (sync
    clients); an ``AsyncClient`` response must be read by the caller first
    (``await response.aread()``), since reading it needs the event loop.
    """
    body = _body(response)
    method, url = request_line(response)
    if url is None:
        try:
            url = _text(getattr(response, "url", None))
        except RuntimeError:  # httpx: the URL is the request's, and there is none
            url = None
    request = _request(response)
    return ResponseInfo(
        int(response.status_code),
        body,
        method,
        url,
        _headers(getattr(response, "headers", None)),
        _headers(getattr(request, "headers", None)),
        _request_body(request),
    )


def exchange_of(response: Any) -> Exchange:
    """A duck-typed HTTP response (httpx, requests, schemathesis) as an :class:`Exchange`."""
    return response_info(response).exchange()


def answer_kind(exchange: Exchange, api: str | None = None) -> str:
    """How a report names the checked answer: its payload kind, or ``answer``."""
    name = api or api_of(exchange.method, exchange.url) or ISSUE_API
    answer = None if exchange.status is None else get_api(name).answer(exchange.status)
    return answer.kind if answer is not None and answer.kind is not None else "answer"


def _request(response: Any) -> Any:
    try:
        return response.request
    except (AttributeError, RuntimeError):
        return None


def _headers(raw: Any) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    multi = getattr(raw, "multi_items", None)
    if callable(multi):
        # httpx keeps repeated headers apart; items() would join them.
        return header_pairs(list(multi()))
    try:
        return header_pairs(dict(raw.items()) if hasattr(raw, "items") else raw)
    except (TypeError, ValueError):
        return ()


def _request_body(request: Any) -> bytes | None:
    if request is None:
        return None
    try:
        content = getattr(request, "content", None)  # httpx
    except Exception:  # httpx.RequestNotRead: a streamed request body is not kept
        content = None
    if content is None:
        content = getattr(request, "body", None)  # requests, schemathesis
    if isinstance(content, str):
        return content.encode("utf-8", "surrogatepass")
    if isinstance(content, bytes | bytearray | memoryview):
        return bytes(content)
    return None


def request_line(response: Any) -> tuple[str | None, str | None]:
    """Method and URL of the request a duck-typed response answers (None where unknown).

    Reads the request only, never the body: a streamed response stays streamed.
    """
    try:
        request = response.request
    except (AttributeError, RuntimeError):
        # httpx raises RuntimeError for a Response built without a request.
        return None, None
    if request is None:
        return None, None
    return _text(getattr(request, "method", None)), _text(getattr(request, "url", None))


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return text or None


def _body(response: Any) -> bytes:
    read = getattr(response, "read", None)
    if hasattr(response, "aread") and callable(read):
        # httpx: read() loads a streamed body once and returns the cached bytes after.
        try:
            return bytes(read())
        except RuntimeError as exc:
            raise TypeError(
                "this httpx response comes from an AsyncClient stream and was not read; "
                "`await response.aread()` before checking it"
            ) from exc
    content = response.content
    if content is None:
        return b""
    return bytes(content)


class ContractChecker:
    """Holds payloads and responses to the contract at one level (the pytest fixture's object).

    ``profile``, ``select`` and ``ignore`` are the defaults of every call; each
    call may override them. Validators are shared and cached, so creating a
    checker per test costs nothing.
    """

    def __init__(
        self,
        profile: Profile | str = Profile.AUTHLETE,
        select: Selection = None,
        ignore: Selection = None,
    ) -> None:
        self.profile = Profile.parse(profile)
        self.select = select
        self.ignore = ignore
        # Fail on a misspelled rule here, not at the first assertion.
        enabled_rules(self.profile, select, ignore)

    def __repr__(self) -> str:
        parts = [f"profile={self.profile.value!r}"]
        if self.select is not None:
            parts.append(f"select={self.select!r}")
        if self.ignore is not None:
            parts.append(f"ignore={self.ignore!r}")
        return f"ContractChecker({', '.join(parts)})"

    def check(
        self,
        payload_or_response: Any,
        *,
        kind: str | None = None,
        api: str | None = None,
        profile: Profile | str | None = None,
        select: Selection = None,
        ignore: Selection = None,
    ) -> list[Finding]:
        """Every finding on a payload or response, without asserting anything.

        Accepts a parsed payload (dict), the raw body (bytes or str) or an HTTP
        response. A response is checked as an exchange, as recorded traffic and
        the hooks check it: documented status (H301 otherwise, never an
        exception), media type, then the body as its status says (200: issue
        response; 400, 401, 403, 429, 500: ``result`` object). ``kind``
        (``"issue-response"`` or ``"result"``) checks the body alone as that
        kind; a bare payload is an issue response unless ``kind`` says otherwise.
        ``api`` names the API (``issue``, ``authentication``...): a bare payload is
        then its 200 answer, and a response is held to that API's answers
        whatever its URL (by default the URL says which API it is).
        """
        __tracebackhide__ = True
        findings, _, _, _ = self._run(payload_or_response, kind, profile, select, ignore, api)
        return findings

    def assert_valid(
        self,
        payload_or_response: Any,
        *,
        kind: str | None = None,
        api: str | None = None,
        profile: Profile | str | None = None,
        select: Selection = None,
        ignore: Selection = None,
    ) -> list[Finding]:
        """Fail unless the payload or response keeps the contract; return its warnings.

        Raises :class:`~ciba_contracts.violations.ContractViolation` (an
        ``AssertionError``) listing every finding when any error-severity rule
        fires. Arguments as for :meth:`check`.
        """
        __tracebackhide__ = True
        findings, used_kind, level, subject = self._run(
            payload_or_response, kind, profile, select, ignore, api
        )
        if any(f.is_error for f in findings):
            raise ContractViolation(findings, kind=used_kind, profile=level, subject=subject)
        return findings

    def assert_valid_result(
        self,
        payload_or_response: Any,
        *,
        profile: Profile | str | None = None,
        select: Selection = None,
        ignore: Selection = None,
    ) -> list[Finding]:
        """:meth:`assert_valid` for Authlete's ``result`` object, whatever the status."""
        __tracebackhide__ = True
        return self.assert_valid(
            payload_or_response, kind="result", profile=profile, select=select, ignore=ignore
        )

    def assert_violates(
        self,
        payload_or_response: Any,
        *rules: str,
        kind: str | None = None,
        api: str | None = None,
        profile: Profile | str | None = None,
        select: Selection = None,
        ignore: Selection = None,
    ) -> list[Finding]:
        """Fail unless every rule in ``rules`` fires (others may fire too); return the findings.

        For negative tests: a server or fixture that must produce a given fault.
        With no ``rules``, any error-severity finding will do.
        """
        __tracebackhide__ = True
        unknown = [code for code in rules if code not in RULES]
        if unknown:
            raise ValueError(f"unknown rule code(s): {', '.join(unknown)}")
        findings, _, level, subject = self._run(
            payload_or_response, kind, profile, select, ignore, api
        )
        fired = {f.rule for f in findings}
        missing = [code for code in rules if code not in fired]
        if missing or (not rules and not any(f.is_error for f in findings)):
            wanted = ", ".join(missing) if missing else "any error rule"
            got = "\n".join(f"  - {f}" for f in findings) or "  (no findings)"
            where = f" ({subject})" if subject else ""
            raise AssertionError(
                f"expected {wanted} to fire at profile {level}{where}, but got:\n{got}"
            )
        return findings

    def check_relay(
        self,
        authlete_answer: Any,
        client_answer: Any,
        *,
        api: str | None = None,
        profile: Profile | str | None = None,
        select: Selection = None,
        ignore: Selection = None,
    ) -> list[Finding]:
        """The relay findings (R5xx) on the AS's answer to its client, without asserting.

        ``authlete_answer`` is what Authlete (or the stand-in) answered the AS: a
        dict, bytes, str, HTTP response or Exchange; ``client_answer`` is the AS's
        HTTP response to its client. ``api`` (``issue``, ``authentication``)
        names the API called when the Authlete answer cannot say. The verdict is
        that of ``relay-test`` and of ``validate`` on recordings.
        """
        # Imported here: the relay adapters build on this module's response readers.
        from ciba_contracts.check.relay import check_relay
        from ciba_contracts.testing.relaying import authlete_exchange, client_exchange

        level = self.profile if profile is None else Profile.parse(profile)
        return check_relay(
            authlete_exchange(authlete_answer),
            client_exchange(client_answer),
            level,
            self.select if select is None else select,
            self.ignore if ignore is None else ignore,
            api=api,
        )

    def assert_relayed(
        self,
        authlete_answer: Any,
        client_answer: Any,
        *,
        api: str | None = None,
        profile: Profile | str | None = None,
        select: Selection = None,
        ignore: Selection = None,
    ) -> list[Finding]:
        """Fail unless the AS returned to its client what Authlete's ``action`` says.

        Raises :class:`~ciba_contracts.violations.ContractViolation` listing every
        relay finding; arguments as for :meth:`check_relay`.
        """
        __tracebackhide__ = True
        from ciba_contracts.testing.relaying import client_exchange

        # Read once: the exchange is both checked and named in the failure.
        client = client_exchange(client_answer)
        findings = self.check_relay(
            authlete_answer, client, api=api, profile=profile, select=select, ignore=ignore
        )
        if any(f.is_error for f in findings):
            level = self.profile if profile is None else Profile.parse(profile)
            subject = describe_exchange(client.method, client.url, client.status or 0)
            raise ContractViolation(findings, kind="relay", profile=level.value, subject=subject)
        return findings

    def _run(
        self,
        target: Any,
        kind: str | None,
        profile: Profile | str | None,
        select: Selection,
        ignore: Selection,
        api: str | None = None,
    ) -> tuple[list[Finding], str, str, str | None]:
        __tracebackhide__ = True
        if kind is not None and kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
        level = self.profile if profile is None else Profile.parse(profile)
        chosen_select = self.select if select is None else select
        chosen_ignore = self.ignore if ignore is None else ignore
        if is_response(target):
            info = response_info(target)
            subject = info.describe()
            if kind is None:
                exchange = info.exchange()
                findings = check_exchange(exchange, level, chosen_select, chosen_ignore, api=api)
                return findings, answer_kind(exchange, api), level.value, subject
            validator = get_validator(level, chosen_select, chosen_ignore, kind=kind)
            return validator.validate(info.body), kind, level.value, subject
        used_kind = kind or kind_of_api(api or ISSUE_API)
        validator = get_validator(level, chosen_select, chosen_ignore, kind=used_kind)
        return validator.validate(target), used_kind, level.value, None
