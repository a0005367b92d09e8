"""The hot path: one validator behind every entry point, for every payload kind.

A payload is parsed with orjson, checked against the compiled schema of its
kind and level (jsonschema-rs), then for the relations JSON Schema cannot
state (:mod:`ciba_contracts.validate.relations`). A valid payload costs one
parse, one compiled ``is_valid`` and a few dictionary look-ups. A failing
payload has its failing keywords named by
:mod:`ciba_contracts.validate.keywords`. What a kind holds (its files, its
actions, what ``responseContent`` holds) is read from its schema files
(:mod:`ciba_contracts.validate.kinds`); the code names no kind but the default.

That is the exact path. In front of it, a bytes body meets the accept path
(:mod:`ciba_contracts.validate.accept`: msgspec structs take a body that keeps the
contract) and, when refused, the direct path (:mod:`ciba_contracts.validate.direct`:
the usual violations named from what msgspec decodes); both give what the exact
path gives, or hand the body on to it.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from orjson import JSONDecodeError
from orjson import loads as _loads

from ciba_contracts.contract.apis import ISSUE_API, get_api
from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.result_codes import api_codes
from ciba_contracts.contract.rules import RULES, enabled_rules, rule_named, split_codes
from ciba_contracts.jsondoc.parse import NotJson, clamp_big_ints, parse_exact, parse_refused
from ciba_contracts.jsondoc.render import json_type, render
from ciba_contracts.validate.accept import acceptor
from ciba_contracts.validate.direct import DirectHooks
from ciba_contracts.validate.fast import fast_validators
from ciba_contracts.validate.finding import Finding
from ciba_contracts.validate.keywords import KeywordFindings
from ciba_contracts.validate.kinds import KINDS, facts_of
from ciba_contracts.validate.messages import article, finding_order
from ciba_contracts.validate.plan import planner
from ciba_contracts.validate.relations import Relations
from ciba_contracts.validate.schema_map import compiled

__all__ = [
    "KINDS",
    "Payload",
    "Validator",
    "get_validator",
    "kind_of_api",
    "validate",
    "validate_result",
]

Payload = bytes | bytearray | memoryview | str | Mapping[str, Any] | list[Any] | int | float | None

#: The kind a payload is unless told otherwise: the issue response.
DEFAULT_KIND = "issue-response"
_TEXT = (bytes, bytearray, memoryview, str)
_NOT_JSON = rule_named("payload-not-json")
_NOT_OBJECT = rule_named("payload-not-object")


class Validator:
    """Checks payloads of one kind at one level with one rule selection.

    ``kind`` is a payload kind the OpenAPI document names (:data:`KINDS`):
    ``"issue-response"`` (a ``BackchannelAuthenticationIssueResponse``),
    ``"result"`` (Authlete's ``result`` object of its 400/401/403/429/500
    answers), and the other APIs' responses. Instances never change their
    verdicts and are safe to share between threads (the caches they fill as
    they go are filled the same way by any thread).
    """

    def __init__(
        self,
        profile: Profile | str = Profile.AUTHLETE,
        select: str | Iterable[str] | None = None,
        ignore: str | Iterable[str] | None = None,
        *,
        kind: str = DEFAULT_KIND,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown payload kind {kind!r}; expected one of {', '.join(KINDS)}")
        self.profile = Profile.parse(profile)
        self.kind = kind
        self.enabled = enabled_rules(self.profile, select, ignore)
        # rule -> enabled rules whose finding at the same place makes it redundant
        self._implications = {
            code: tuple(c for c in rule.implied_by if c in self.enabled)
            for code, rule in RULES.items()
            if code in self.enabled and any(c in self.enabled for c in rule.implied_by)
        }
        facts = facts_of(kind)
        file = facts.files[self.profile]
        self._schema = compiled(file)
        self._relations = self.profile.includes(Profile.AUTHLETE)
        contents = dict(facts.content_schemas)
        self._content = {action: compiled(name) for action, name in contents.items()}
        plans = {id(self._content[action]): planner(name) for action, name in contents.items()}
        variants = {
            action: tuple((member, value, compiled(name)) for member, value, name in found)
            for action, found in facts.content_variants.items()
        }
        for found in facts.content_variants.values():
            for _, _, name in found:
                plans[id(compiled(name))] = planner(name)
        plans[id(self._schema)] = planner(file)
        self._keywords = KeywordFindings(self._schema, plans)
        codes_api = _result_codes_of(kind)
        self._relation_rules = Relations(facts, self._content, self._keywords, codes_api, variants)
        self._relations_hold = self._relation_rules.build_test()
        # Compiled once per schema file: validators with other rule selections share them.
        fast = fast_validators(file, facts.actions)
        self._fast = fast if facts.has_action else {}
        self._any_action_fast = None if facts.has_action else fast.get("")
        self._hot = self._build_hot_path() if facts.has_action else self._validate
        #: The checks without the accept path (what it is held to).
        self.exact = self._hot
        # None for a kind whose documents vary with another member than the action
        # (the push notification of a PUSH delivery): it keeps the exact path alone.
        accept = acceptor(kind, self.profile, self._relations)
        if accept is not None:
            codes = self._code_findings if codes_api is not None else None
            self._hot = accept.bind(self._hot, codes, self._direct_hooks())
        # Calls go straight to the closure; the method below documents the API.
        self.validate = self._hot  # type: ignore[method-assign,assignment]

    def is_valid(self, payload: Payload) -> bool:
        """Whether the payload has no error-severity finding."""
        return not any(f.is_error for f in self.validate(payload))

    def validate(self, payload: Payload) -> list[Finding]:
        """Every finding of the enabled rules on one payload, in a stable order.

        ``payload`` is the raw body (bytes or str) or an already parsed object.
        Never raises for bad input: a payload that is not JSON, or not an
        object, is itself a finding.
        """
        return self._hot(payload)

    def _direct_hooks(self) -> DirectHooks:
        """The exact path's own steps, as the direct path calls them."""
        relations = self._relation_rules
        return DirectHooks(
            self._keywords.maker_of,
            self._raw_codes,
            self._finish,
            relations.not_json,
            relations.known_not_json,
        )

    def _build_hot_path(self) -> Callable[[Payload], list[Finding]]:
        """The common case as a closure: a bytes body that keeps the contract.

        Local names instead of attribute look-ups, and no call per check: this
        is where throughput is won. Anything unusual, or any doubt, goes to the
        general path, which gives the same answer for these payloads.
        """
        fast_get = self._fast.get
        relations = self._relations
        relations_hold = self._relations_hold
        general = self._validate
        refused = self._refused
        check = self._check
        loads = _loads

        def hot(payload: Payload) -> list[Finding]:
            if type(payload) is not bytes:
                return general(payload)
            try:
                obj = loads(payload)
            except JSONDecodeError as exc:
                return refused(payload, exc)
            try:
                action: Any = obj.get("action")
            except AttributeError:
                # Not an object.
                return general(payload)
            try:
                fast = fast_get(action)
            except TypeError:
                # An action that cannot even be looked up (an object, a list): the general
                # path's answer on the object already read, without reading it again.
                return check(obj, True, None)
            if fast is None:
                return check(obj, True, None)
            try:
                if not fast.is_valid(obj):
                    return check(obj, True, False)
            except (ValueError, TypeError, OverflowError, RecursionError):
                return check(obj, True, None)
            try:
                if not relations or relations_hold(obj, action):
                    return []
            except (TypeError, AttributeError, KeyError, ValueError):
                pass
            return check(obj, True, True)

        return hot

    def _validate(self, payload: Payload) -> list[Finding]:
        kind = type(payload)
        if kind is bytes or kind is str or isinstance(payload, _TEXT):
            try:
                obj, exact = parse_exact(payload)  # type: ignore[arg-type]
            except NotJson as exc:
                return self._finish([self._payload_not_json(payload, str(exc))])  # type: ignore[arg-type]
        else:
            obj = payload
            exact = False
            if isinstance(obj, Mapping) and not isinstance(obj, dict):
                obj = dict(obj)
        return self._parsed(obj, exact)

    def _refused(self, payload: bytes, error: JSONDecodeError) -> list[Finding]:
        """:meth:`_validate` of a body orjson has refused already, without asking it again."""
        try:
            obj = parse_refused(payload, str(error))
        except NotJson as exc:
            return self._finish([self._payload_not_json(payload, str(exc))])
        return self._parsed(obj, False)

    def _parsed(self, obj: Any, exact: bool) -> list[Finding]:
        if not isinstance(obj, dict):
            is_json = obj is None or isinstance(obj, str | int | float | list | tuple)
            actual = article(json_type(obj)) if is_json else f"a Python {type(obj).__name__}"
            return self._finish([Finding.of(_NOT_OBJECT, "", value=render(obj), actual=actual)])
        return self._check(obj, exact)

    def _check(
        self, obj: dict[str, Any], exact: bool, fast_ok: bool | None = None
    ) -> list[Finding]:
        """Findings on a parsed object; ``fast_ok`` is the fast schema's verdict if known."""
        # orjson never yields numbers the compiled validator misjudges; other sources may.
        checked = obj if exact else clamp_big_ints(obj)
        if fast_ok is not None:
            # The hot path already ran the fast checks; only the full one is left.
            return self._full(obj, checked, fast_ok)
        action = obj.get("action")
        fast = self._any_action_fast
        if fast is None and isinstance(action, str):
            fast = self._fast.get(action)
        schema_ok = False
        try:
            if fast is not None and fast.is_valid(checked):
                if not self._relations or self._relations_hold(obj, action):
                    return []
                schema_ok = True
        except (ValueError, TypeError, OverflowError):
            pass
        return self._full(obj, checked, schema_ok)

    def _full(
        self, obj: dict[str, Any], checked: dict[str, Any], schema_ok: bool = False
    ) -> list[Finding]:
        found: list[Finding] | None = None
        if not schema_ok:
            found = self._keywords.findings(checked, original=obj)
        if self._relations:
            related = self._relation_rules.findings(obj)
            if related:
                found = related if found is None else found + related
        if not found:
            return []
        return self._finish(found)

    def _payload_not_json(self, payload: bytes | bytearray | memoryview | str, why: str) -> Finding:
        text = payload if isinstance(payload, str) else bytes(payload).decode("utf-8", "replace")
        return Finding.of(_NOT_JSON, "", value=render(text) if text else None, detail=why)

    def _code_findings(self, action: str, code: str, message: str) -> tuple[Finding, ...]:
        """The findings of a payload whose only possible findings are the result-code table's.

        What the exact path gives such a payload, from the three members the table's
        rules read (the accept path keeps them per pair, since traffic repeats its pairs).
        """
        found = self._raw_codes(action, code, message)
        return tuple(self._finish(found)) if found else ()

    # The direct path's steps, the exact path's own (ciba_contracts.validate.direct).

    def _raw_codes(self, action: str, code: str, message: str) -> list[Finding]:
        return self._relation_rules.code_findings(
            {"action": action, "resultCode": code, "resultMessage": message}
        )

    # -- output -------------------------------------------------------------

    def _finish(self, found: list[Finding]) -> list[Finding]:
        enabled = self.enabled
        if len(found) == 1:
            # One finding implies nothing away and is its own order.
            first = found[0]
            return [first] if first.rule in enabled else []
        kept = [f for f in found if f.rule in enabled]
        if len(kept) < 2:
            return kept
        implications = self._implications
        if len(kept) == 2:
            # The usual case of a violation that is no lone one: what the general way below
            # makes of two findings, without building a set, a dictionary and a sort.
            a, b = kept
            if a.pointer != b.pointer:
                # At two places nothing is implied away (no rule implies itself: the
                # catalog's loader sees to it) and nothing is a duplicate; finding_order
                # compares the pointers first.
                return kept if a.pointer < b.pointer else [b, a]
            if a.content_pointer == b.content_pointer:
                by_a = implications.get(a.rule, ())
                by_b = implications.get(b.rule, ())
                drop_a = b.rule in by_a
                drop_b = a.rule in by_b
                if drop_a or drop_b:
                    return [f for f, drop in ((a, drop_a), (b, drop_b)) if not drop]
                if a.rule == b.rule and a.message == b.message and a.value == b.value:
                    return [b]
            return [b, a] if finding_order(b) < finding_order(a) else kept
        return ordered_findings(kept, implications)


def ordered_findings(
    kept: list[Finding], implications: Mapping[str, tuple[str, ...]]
) -> list[Finding]:
    """``kept`` without the findings another implies at the same place and without
    duplicates, in a stable order (what ``Validator`` does with two findings, at length)."""
    for f in kept:
        if f.rule in implications:
            kept = _unimplied(kept, implications)
            break
    # Duplicates go by their fields as plain strings: hashing a Finding (and its
    # Severity enum) runs Python code, several times slower. The severity follows the rule.
    unique = {(f.rule, f.pointer, f.content_pointer, f.message, f.value): f for f in kept}
    return sorted(unique.values(), key=finding_order)


def _unimplied(kept: list[Finding], implications: Mapping[str, tuple[str, ...]]) -> list[Finding]:
    """``kept`` without the findings another of them implies at the same place."""
    places = {(g.rule, g.pointer, g.content_pointer) for g in kept}
    unimplied: list[Finding] = []
    for f in kept:
        for code in implications.get(f.rule, ()):
            if (code, f.pointer, f.content_pointer) in places:
                break
        else:
            unimplied.append(f)
    return unimplied


# -- module-level API -------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _cached(
    profile: Profile, select: tuple[str, ...], ignore: tuple[str, ...], kind: str
) -> Validator:
    return Validator(profile, select or None, ignore or None, kind=kind)


def get_validator(
    profile: Profile | str = Profile.AUTHLETE,
    select: str | Iterable[str] | None = None,
    ignore: str | Iterable[str] | None = None,
    *,
    kind: str = DEFAULT_KIND,
) -> Validator:
    """A shared, cached :class:`Validator` for these settings."""
    return _cached(Profile.parse(profile), split_codes(select), split_codes(ignore), kind)


def _result_codes_of(kind: str) -> str | None:
    """The API whose 200 answer is ``kind``, when its codes are held to the table
    (an API ``result-code-families.yaml`` names)."""
    for name in api_codes():
        answer = get_api(name).answer(200)
        if answer is not None and answer.kind == kind:
            return name
    return None


def kind_of_api(api: str) -> str:
    """The payload kind of ``api``'s 200 answer (``issue`` -> ``issue-response``)."""
    answer = get_api(api).answer(200)
    if answer is None or answer.kind is None:
        raise ValueError(f"the {api} API has no payload the project checks yet")
    return answer.kind


# The options may be given by position too: defaults of keyword-only parameters are looked up
# by name on every call, which costs the common call (a valid payload) 2 % of its time.
def validate(
    payload: Payload,
    profile: Profile | str = Profile.AUTHLETE,
    select: str | Iterable[str] | None = None,
    ignore: str | Iterable[str] | None = None,
    api: str | None = None,
) -> list[Finding]:
    """Check the payload of one API's 200 answer (by default an issue response).

    ``payload`` may be the raw body (bytes or str) or an already parsed object.
    ``api`` names the API whose 200 answer it is (``issue``...; None: the issue
    API). Returns every finding of the enabled rules; an empty list means the
    payload keeps the contract at ``profile``. Never raises for bad payloads.
    """
    if select is None and ignore is None and api is None:
        # The common call: one look-up by the profile, no key to build. (Three tests
        # apart are half the steps of one chained test.)
        try:
            check = _ISSUE_CHECKS[profile]
        except (KeyError, TypeError):
            pass
        else:
            return check(payload)
    if api is None:
        api = ISSUE_API
    try:
        check = _CHECKS[profile, select, ignore, api]
    except (KeyError, TypeError):
        # TypeError: a list of codes is no dictionary key; such calls take the long way.
        check = get_validator(profile, select, ignore, kind=kind_of_api(api)).validate
        with contextlib.suppress(TypeError):
            if len(_CHECKS) >= _CHECKS_KEPT:
                _CHECKS.clear()
                _ISSUE_CHECKS.clear()
            _CHECKS[profile, select, ignore, api] = check
            if select is None and ignore is None and api == ISSUE_API:
                _ISSUE_CHECKS[profile] = check
    return check(payload)


# The validate function of each argument combination seen (as given): parsing the profile and
# the rule selection, and finding the API's kind, cost more than checking a valid payload.
_CHECKS: dict[tuple[Any, Any, Any, str], Callable[[Payload], list[Finding]]] = {}
#: The same for the issue API without a rule selection, by profile alone.
_ISSUE_CHECKS: dict[Any, Callable[[Payload], list[Finding]]] = {}
_CHECKS_KEPT = 256


def validate_result(
    payload: Payload,
    *,
    profile: Profile | str = Profile.AUTHLETE,
    select: str | Iterable[str] | None = None,
    ignore: str | Iterable[str] | None = None,
) -> list[Finding]:
    """Check Authlete's ``result`` object (the body of its 400/401/403/429/500 answers)."""
    return get_validator(profile, select, ignore, kind="result").validate(payload)
