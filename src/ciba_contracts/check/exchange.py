"""The one exchange checker: an HTTP exchange in, every finding out.

Every entry point (recorded traffic, the pytest fixture, the HTTP client
hooks, the schemathesis checks, the live suite) builds an
:class:`~ciba_contracts.exchange.Exchange` and calls :func:`check_exchange`
(or an :class:`ExchangeChecker` it keeps), so the same answer gets the same
findings wherever it is met. What the API may answer (documented statuses, the
media types of each, which schema its body has) is read from the OpenAPI
document through :mod:`ciba_contracts.contract.apis`; the body goes to the one
payload validator. Rules are named here by their catalog names, never codes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from ciba_contracts.contract.apis import ISSUE_API, Answer, Api, get_api
from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.rules import RULES, enabled_rules, rule_named, split_codes
from ciba_contracts.exchange import Exchange
from ciba_contracts.selection import api_of
from ciba_contracts.validate.engine import Validator, get_validator
from ciba_contracts.validate.finding import Finding

__all__ = ["ExchangeChecker", "check_exchange", "input_finding", "media_type"]

Selection = str | Iterable[str] | None

_STATUS = rule_named("status-undocumented").code
_MEDIA = rule_named("content-type-not-json").code
_NO_STORE = rule_named("no-store-missing").code
_NOT_JSON = rule_named("payload-not-json").code
_NO_BODY = rule_named("body-not-recorded").code


def media_type(content_type: str) -> str:
    """``Application/JSON; charset=UTF-8`` -> ``application/json`` (RFC 9110: case-insensitive)."""
    return content_type.split(";", 1)[0].strip().lower()


class ExchangeChecker:
    """Checks exchanges of one API at one level with one rule selection.

    Payload and HTTP rules follow ``select`` and ``ignore``; input rules
    (``I...``) say what could not be checked, so only ``ignore`` removes them.
    ``api`` is the API an exchange calls when :meth:`check` is not told.
    """

    def __init__(
        self,
        profile: Profile | str = Profile.AUTHLETE,
        select: Selection = None,
        ignore: Selection = None,
        api: str = ISSUE_API,
    ) -> None:
        self.profile = Profile.parse(profile)
        selected = split_codes(select) or None
        ignored = split_codes(ignore) or None
        self.enabled = enabled_rules(self.profile, selected, ignored)
        self.inputs_enabled = frozenset(
            c for c in enabled_rules(self.profile, None, ignored) if c.startswith("I")
        )
        self.api = get_api(api)
        self._selected = selected
        self._ignored = ignored
        # Looked up for every exchange: parsing the selection again each time costs more
        # than checking a valid body.
        self._validators: dict[str, Validator] = {}
        self._no_store_on = self.reports(_NO_STORE)

    def reports(self, code: str) -> bool:
        """Whether a finding of rule ``code`` is reported by this checker."""
        if code.startswith("I"):
            return code in self.inputs_enabled
        return code in self.enabled

    def validator(self, kind: str) -> Validator:
        """The payload validator of ``kind`` at this checker's level and selection."""
        found = self._validators.get(kind)
        if found is None:
            found = get_validator(self.profile, self._selected, self._ignored, kind=kind)
            self._validators[kind] = found
        return found

    def answer(self, exchange: Exchange, api: str | None = None) -> Answer | None:
        """The documented answer the exchange's status stands for, or None."""
        if exchange.status is None:
            return None
        return self._api(api).answer(exchange.status)

    def check(self, exchange: Exchange, api: str | None = None) -> list[Finding]:
        """Every finding on one exchange: the HTTP layer first, then the body."""
        found: list[Finding] = []
        status = exchange.status
        if status is None:
            self._add(found, _NO_BODY, detail=exchange.body_note or "the request got no answer")
            return found
        contract = self._api(api)
        answer = contract.answer(status)
        if answer is None:
            documented = ", ".join(str(code) for code in contract.statuses)
            self._add(found, _STATUS, value=str(status), actual=status, expected=documented)
            return found
        label = self._media_problem(exchange, answer)
        if exchange.response_headers and self._no_store_on and not _no_store(exchange):
            self._add(found, _NO_STORE, actual=status)
        body = exchange.body
        if body is None:
            if label is not None:
                self._add(found, _MEDIA, **label, detail="the body is not recorded")
            self._add(found, _NO_BODY, detail=exchange.body_note or "no body")
            return found
        payload = [] if answer.kind is None else self.validator(answer.kind).validate(body)
        if label is not None:
            not_json = [f for f in payload if f.rule == _NOT_JSON]
            if not_json:
                # One fault, one finding: a body that is not JSON under a label that is not
                # JSON is what the media-type rule says.
                payload = [f for f in payload if f.rule != _NOT_JSON]
                detail = "the body is not JSON either"
            else:
                detail = "the body is JSON"
            self._add(found, _MEDIA, **label, detail=detail)
        found.extend(payload)
        return found

    def _api(self, name: str | None) -> Api:
        return self.api if name is None or name == self.api.name else get_api(name)

    def _media_problem(self, exchange: Exchange, answer: Answer) -> dict[str, Any] | None:
        if not exchange.response_headers:
            # Nothing known about headers (some logs keep bodies only): nothing to judge.
            return None
        raw = exchange.response_header("content-type")
        if raw is not None and media_type(raw) in answer.media_types:
            return None
        allowed = " or ".join(sorted(answer.media_types))
        if raw is None:
            return {"actual": "absent", "expected": allowed, "value": None}
        return {"actual": raw.strip(), "expected": allowed, "value": raw.strip()}

    def _add(
        self, found: list[Finding], code: str, value: str | None = None, **context: Any
    ) -> None:
        if self.reports(code):
            found.append(Finding.of(RULES[code], value=value, **context))


def _no_store(exchange: Exchange) -> bool:
    cache = (exchange.response_header("cache-control") or "").lower()
    if "no-store" in cache:
        return True  # the usual answer: Pragma need not be looked for
    pragma = (exchange.response_header("pragma") or "").lower()
    return "no-cache" in pragma


@functools.lru_cache(maxsize=64)
def _checker(
    profile: Profile, select: tuple[str, ...], ignore: tuple[str, ...], api: str
) -> ExchangeChecker:
    return ExchangeChecker(profile, select or None, ignore or None, api)


def check_exchange(
    exchange: Exchange,
    profile: Profile | str = Profile.AUTHLETE,
    select: Selection = None,
    ignore: Selection = None,
    *,
    api: str | None = None,
) -> list[Finding]:
    """Every finding on one exchange, as every entry point of the package reports it.

    ``api`` names the API the exchange calls; by default it is read from the
    request's method and URL, and an exchange whose URL names none of the
    contract's APIs (a gateway path chosen with ``--path-pattern``, a fixture
    given a bare response) is checked as an issue-API call. Checkers are cached
    per level, selection and API.
    """
    if api is None:
        api = api_of(exchange.method, exchange.url) or ISSUE_API
    checker = _checker(Profile.parse(profile), split_codes(select), split_codes(ignore), api)
    return checker.check(exchange)


def input_finding(code: str, detail: str, value: str | None = None) -> Finding:
    """The finding an input problem becomes."""
    return Finding.of(RULES[code], value=value, detail=detail)
