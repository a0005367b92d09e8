"""HTTP client hooks that hold every issue-API response passing through a client to the contract.

For code that calls Authlete (or a stand-in) through httpx or requests: install
a hook and every ``POST .../backchannel/authentication/issue`` answer is checked
by the one exchange checker, as recorded traffic is: a documented status
(H301 otherwise), the media type (H302), then the body of a 200 as an issue
response and the body of a 400/401/403/429/500 as Authlete's ``result``
object. Other requests pass untouched.

>>> import httpx
>>> from ciba_contracts.testing.hooks import httpx_hook
>>> hook = httpx_hook(policy="collect")
>>> client = httpx.Client(event_hooks={"response": [hook]})  # doctest: +SKIP

``policy`` says what a violation does: ``"raise"`` (default) raises
:class:`~ciba_contracts.violations.ContractViolation` from the client call,
``"warn"`` emits a :class:`~ciba_contracts.violations.ContractWarning`,
``"collect"`` only records it. Every policy records each checked response on
the hook (``records``, ``findings``, ``assert_clean()``, ``reset()``).
"""

from __future__ import annotations

import re
import threading
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ciba_contracts.check.exchange import check_exchange
from ciba_contracts.contract.apis import ISSUE_API, get_api
from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.rules import enabled_rules
from ciba_contracts.selection import api_of, is_issue_call
from ciba_contracts.testing.checking import (
    ResponseInfo,
    Selection,
    answer_kind,
    describe_exchange,
    request_line,
    response_info,
)
from ciba_contracts.validate.finding import Finding
from ciba_contracts.violations import ContractViolation, ContractWarning, format_findings

if TYPE_CHECKING:
    import httpx
    import requests

__all__ = [
    "AsyncHttpxHook",
    "ContractHook",
    "HttpxHook",
    "Policy",
    "RequestsHook",
    "ResponseRecord",
    "async_httpx_hook",
    "httpx_hook",
    "requests_hook",
]

Policy = Literal["raise", "warn", "collect"]
_POLICIES: tuple[str, ...] = ("raise", "warn", "collect")


@dataclass(frozen=True, slots=True)
class ResponseRecord:
    """One checked response: the exchange and its findings (empty when it kept the contract)."""

    method: str
    url: str
    status: int
    kind: str
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The error-severity findings."""
        return tuple(f for f in self.findings if f.is_error)

    @property
    def ok(self) -> bool:
        """Whether the response kept the contract (warnings allowed)."""
        return not self.errors

    def describe(self) -> str:
        """``POST https://host/path -> 200``."""
        return describe_exchange(self.method, self.url, self.status)

    def __str__(self) -> str:
        return "\n".join([self.describe(), *(f"  - {f}" for f in self.findings)])


class ContractHook:
    """What the three client hooks share: selection, checking, the policy and the records.

    Use :func:`httpx_hook`, :func:`async_httpx_hook` or :func:`requests_hook` to
    make one. Safe to share between threads.

    By default the issue API's calls are picked by their path (v2 and v3), as
    ``validate`` picks them in recordings; ``api`` (``authentication``, ``fail``,
    ``complete``) picks that API's calls instead. ``path_pattern`` replaces the
    path selection (it is searched in the URL path of POST requests), whose
    answers are then ``api``'s (by default the issue API's).
    """

    def __init__(
        self,
        profile: Profile | str = Profile.AUTHLETE,
        policy: Policy = "raise",
        *,
        select: Selection = None,
        ignore: Selection = None,
        path_pattern: re.Pattern[str] | str | None = None,
        api: str | None = None,
    ) -> None:
        if policy not in _POLICIES:
            raise ValueError(f"unknown policy {policy!r}; expected one of {', '.join(_POLICIES)}")
        self.profile = Profile.parse(profile)
        self.policy: Policy = policy
        self.select = select
        self.ignore = ignore
        enabled_rules(self.profile, select, ignore)  # a misspelled rule fails here
        self.path_pattern = (
            re.compile(path_pattern) if isinstance(path_pattern, str) else path_pattern
        )
        if api is not None:
            get_api(api)  # an unknown API fails here
        #: The API checked (by default the issue API, as recorded traffic is checked).
        self.api = api
        self._apis = frozenset((api or ISSUE_API,))
        self._lock = threading.Lock()
        self._records: list[ResponseRecord] = []

    # -- what users assert on ---------------------------------------------------

    @property
    def records(self) -> list[ResponseRecord]:
        """Every checked response since the last :meth:`reset`, in arrival order (a copy)."""
        with self._lock:
            return list(self._records)

    @property
    def violations(self) -> list[ResponseRecord]:
        """The checked responses that broke the contract."""
        return [r for r in self.records if not r.ok]

    @property
    def findings(self) -> list[Finding]:
        """Every finding of every checked response, in arrival order."""
        return [f for r in self.records for f in r.findings]

    def reset(self) -> None:
        """Forget the records (between tests sharing one client)."""
        with self._lock:
            self._records.clear()

    def assert_clean(self) -> None:
        """Raise :class:`ContractViolation` listing every response that broke the contract."""
        __tracebackhide__ = True
        bad = self.violations
        if not bad:
            return
        findings = [f for r in bad for f in r.findings]
        parts = [
            f"{len(bad)} issue API response{'s' if len(bad) != 1 else ''} broke the CIBA "
            f"contract at profile {self.profile.value}:"
        ]
        for record in bad:
            parts.append(
                format_findings(
                    record.findings,
                    kind=record.kind,
                    profile=self.profile.value,
                    subject=record.describe(),
                )
            )
        raise ContractViolation(
            findings, kind=bad[0].kind, profile=self.profile.value, message="\n".join(parts)
        )

    # -- the check --------------------------------------------------------------

    def api_of(self, method: str, url: str) -> str | None:
        """The API a response to ``method url`` answers, or None when it is not checked.

        ``path_pattern`` picks the requests itself; they answer ``api`` (by default
        the issue API).
        """
        if self.path_pattern is not None:
            return (
                (self.api or ISSUE_API) if is_issue_call(method, url, self.path_pattern) else None
            )
        found = api_of(method, url)
        return found if found in self._apis else None

    def selects(self, method: str, url: str) -> bool:
        """Whether this hook checks a response to ``method url``."""
        return self.api_of(method, url) is not None

    def check_info(self, info: ResponseInfo) -> ResponseRecord | None:
        """Check one response and apply the policy; None when the response is not checked."""
        __tracebackhide__ = True
        method, url = info.method or "", info.url or ""
        api = self.api_of(method, url)
        if api is None:
            return None
        exchange = info.exchange()
        findings = check_exchange(exchange, self.profile, self.select, self.ignore, api=api)
        record = ResponseRecord(
            method, url, info.status, answer_kind(exchange, api), tuple(findings)
        )
        with self._lock:
            self._records.append(record)
        if record.findings:
            self._apply_policy(record)
        return record

    def _apply_policy(self, record: ResponseRecord) -> None:
        __tracebackhide__ = True
        if self.policy == "collect":
            return
        message = format_findings(
            record.findings, kind=record.kind, profile=self.profile.value, subject=record.describe()
        )
        if self.policy == "raise" and record.errors:
            raise ContractViolation(
                record.findings,
                kind=record.kind,
                profile=self.profile.value,
                subject=record.describe(),
                message=message,
            )
        # Warnings only, or policy "warn". stacklevel points past the client library
        # into user code as well as it can; the message carries the exchange anyway.
        warnings.warn(ContractWarning(message, record.findings), stacklevel=4)

    def _selects_response(self, response: Any) -> bool:
        # Decided from the request and status alone, so an unrelated response is
        # never read here: a streamed download stays streamed.
        method, url = request_line(response)
        return method is not None and url is not None and self.selects(method, url)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(profile={self.profile.value!r}, policy={self.policy!r}, "
            f"records={len(self._records)})"
        )


class HttpxHook(ContractHook):
    """A response event hook for a sync ``httpx.Client`` checking Authlete's CIBA answers
    (``event_hooks={"response": [hook]}``)."""

    def __call__(self, response: httpx.Response) -> None:
        __tracebackhide__ = True
        if not self._selects_response(response):
            return
        response.read()
        self.check_info(response_info(response))


class AsyncHttpxHook(ContractHook):
    """The hook of :class:`HttpxHook` for ``httpx.AsyncClient`` (a coroutine function that
    reads the body with ``aread``)."""

    async def __call__(self, response: httpx.Response) -> None:
        __tracebackhide__ = True
        if not self._selects_response(response):
            return
        await response.aread()
        self.check_info(response_info(response))


class RequestsHook(ContractHook):
    """A ``requests`` response hook (``session.hooks["response"].append(hook)``)."""

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        # requests passes the send() keyword arguments (timeout, verify...); they do
        # not matter here. Returning None keeps the response as it is.
        __tracebackhide__ = True
        if not self._selects_response(response):
            return
        self.check_info(response_info(response))


#: The hooks are made by calling their classes; these names are the documented way.
httpx_hook = HttpxHook
async_httpx_hook = AsyncHttpxHook
requests_hook = RequestsHook
