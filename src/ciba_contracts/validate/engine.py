"""The hot path: one validator behind the CLI, the pytest plugin and the live checks.

A payload is parsed with orjson, checked against the compiled schema of its
level (jsonschema-rs), then for the relations JSON Schema cannot state:
``resultMessage`` starts with ``[resultCode]``, and ``responseContent`` is
JSON that matches its action's content schema and agrees with the fields. A
valid payload costs one parse, one compiled ``is_valid`` and a few dictionary
look-ups. A failing payload has its failing keywords named by the one-keyword
checks of :mod:`ciba_contracts.validate.plan`, or by ``iter_errors`` where a
schema cannot be planned; either way the annotation at the keyword names the rule.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from orjson import JSONDecodeError
from orjson import loads as _loads

from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.rules import RULES, Severity, enabled_rules, split_codes
from ciba_contracts.contract.schemas import (
    ISSUE_RESPONSE_FILES,
    RESULT_FILES,
    load_schema,
    schemas_by_uri,
)
from ciba_contracts.validate.fast import fast_validators, is_annotation
from ciba_contracts.validate.finding import Finding
from ciba_contracts.validate.parse import NotJson, clamp_big_ints, judgeable, parse_exact
from ciba_contracts.validate.plan import KeywordCheck, Planner, planner
from ciba_contracts.validate.render import (
    json_equal,
    json_type,
    pointer,
    pointer_tokens,
    render,
    truncate,
)
from ciba_contracts.validate.schema_map import compiled, rule_at

Payload = bytes | bytearray | memoryview | str | Mapping[str, Any] | list[Any] | int | float | None

KINDS = ("issue-response", "result")
_TEXT = (bytes, bytearray, memoryview, str)
_CONTENT = "/responseContent"
_MIRROR_KEYWORD = "x-ciba-mirror"


class Validator:
    """Checks payloads of one kind at one level with one rule selection.

    ``kind`` is ``"issue-response"`` (a ``BackchannelAuthenticationIssueResponse``)
    or ``"result"`` (Authlete's ``result`` object of 400/401/403/500 answers).
    Instances never change their verdicts and are safe to share between threads (the
    caches they fill as they go are filled the same way by any thread).
    """

    def __init__(
        self,
        profile: Profile | str = Profile.AUTHLETE,
        select: str | Iterable[str] | None = None,
        ignore: str | Iterable[str] | None = None,
        *,
        kind: str = "issue-response",
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
        files = ISSUE_RESPONSE_FILES if kind == "issue-response" else RESULT_FILES
        self._schema = compiled(files[self.profile])
        self._plans: Planner | None = planner(files[self.profile])
        self._known: dict[tuple[object, ...], _KnownPart] = {}
        self._relations = self.profile.includes(Profile.AUTHLETE)
        contents = _content_schemas() if kind == "issue-response" else {}
        self._content = {action: compiled(name) for action, name in contents.items()}
        self._content_plans = {
            id(self._content[action]): planner(name) for action, name in contents.items()
        }
        self._ok_action = _mirror_action()
        self._mirror = _mirror() if self._relations else {}
        self._ack_required = frozenset(_ack_required())
        self._mirror_items = tuple(
            (member, field, member in self._ack_required) for member, field in self._mirror.items()
        )
        self._ack_shortcut = _ack_constrains_only_mirrored()
        self._mirrors = _mirror_test(self._mirror_items)
        self._mirror_pointers = {member: pointer([member]) for member in self._mirror}
        self._relations_hold = self._build_relations_test()
        actions = tuple(_action_values()) if kind == "issue-response" else ("",)
        # Compiled once per schema file: validators with other rule selections share them.
        fast = fast_validators(files[self.profile], actions)
        self._fast = fast if kind == "issue-response" else {}
        self._any_action_fast = fast.get("") if kind == "result" else None
        self._hot = self._validate if kind == "result" else self._build_hot_path()
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

    def _build_relations_test(self) -> Callable[[dict[str, Any], Any], bool]:
        """The relation rules as one conservative yes/no, for payloads the fast schema passed.

        True only when no relation rule can fire: the fast schema made the
        result members present strings and gave each field its type. Any doubt
        answers False and the full check decides. A closure over local names,
        since the hot path calls it for every valid payload.
        """
        ok_action = self._ok_action
        mirrors = self._mirrors if self._ack_shortcut else None
        contents = self._content
        loads = _loads

        def relations_hold(obj: dict[str, Any], action: Any) -> bool:
            if not obj["resultMessage"].startswith(f"[{obj['resultCode']}]"):
                return False
            content = obj.get("responseContent")
            if content is None:
                return True
            try:
                body = loads(content)
            except JSONDecodeError:
                return False
            if action == ok_action:
                # Members equal to already-validated fields cannot break the
                # acknowledgement schema, so it need not run.
                return mirrors is not None and type(body) is dict and mirrors(obj, body)
            validator = contents.get(action)
            return validator is None or bool(validator.is_valid(body))

        return relations_hold

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
        check = self._check
        loads = _loads

        def hot(payload: Payload) -> list[Finding]:
            if type(payload) is not bytes:
                return general(payload)
            try:
                obj = loads(payload)
                action: Any = obj.get("action")
                fast = fast_get(action)
            except (JSONDecodeError, AttributeError, TypeError):
                # Not JSON, not an object, or an action that cannot even be looked up.
                return general(payload)
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
        if not isinstance(obj, dict):
            rule = RULES["S002"]
            is_json = obj is None or isinstance(obj, str | int | float | list | tuple)
            actual = _article(json_type(obj)) if is_json else f"a Python {type(obj).__name__}"
            return self._finish([Finding.of(rule, "", value=render(obj), actual=actual)])
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
            found = [*self._schema_findings(checked, "", original=obj)]
        if self._relations:
            related = self._relation_findings(obj)
            if related:
                found = related if found is None else found + related
        if not found:
            return []
        return self._finish(found)

    # -- checks -------------------------------------------------------------

    def _payload_not_json(self, payload: bytes | bytearray | memoryview | str, why: str) -> Finding:
        text = payload if isinstance(payload, str) else bytes(payload).decode("utf-8", "replace")
        return Finding.of(RULES["S001"], "", value=render(text) if text else None, detail=why)

    def _schema_findings(
        self,
        instance: dict[str, Any],
        base: str,
        validator: Any = None,
        content: bool = False,
        original: dict[str, Any] | None = None,
    ) -> list[Finding]:
        if validator is None:
            schema, plans = self._schema, self._plans
        else:
            schema, plans = validator, self._content_plans.get(id(validator))
        found: list[Finding] = []
        failures: list[tuple[KeywordCheck, Any]] | None = None
        try:
            plan = plans.plan_for(instance) if plans is not None else None
            if plan is not None:
                failures = plan.failures(instance)
        except (ValueError, TypeError, OverflowError, RecursionError):
            # Values the compiled checks cannot read: the reported way says what they are.
            failures = None
        if failures is not None:
            finding = self._finding
            try:
                for check, judged in failures:
                    found.append(
                        finding(check.path, check.location, judged, check, content, original)
                    )
            except (ValueError, TypeError, OverflowError, RecursionError):
                # A value the one-keyword check judged but cannot quote in its message (a
                # lone surrogate inside an array, say): the reported way says what it is.
                found = []
            else:
                return found
        for path, location, judged, error in self._reported_failures(
            schema, instance, content, original, found
        ):
            found.append(self._finding(path, location, judged, error, content, original))
        return found

    def _finding(
        self,
        path: tuple[str | int, ...],
        location: str,
        judged: Any,
        source: Any,
        content: bool,
        original: dict[str, Any] | None,
    ) -> Finding:
        """The finding of one failing keyword; what does not depend on the value is cached.

        ``path`` is the instance path of the failing value (for ``required``, of
        the missing member), ``judged`` the value the check saw, ``source`` the
        jsonschema-rs error or the plan's check, for the message if the rule
        quotes it.
        """
        key = (location, content, path)
        known = self._known.get(key)
        if known is None:
            known = _KnownPart.of(path, location, content)
            if len(self._known) < _KNOWN_LIMIT:
                self._known[key] = known
        value_text: str | None = None
        context: dict[str, object] = {}
        if not known.required:
            shown = judged
            if original is not None and len(path) == 1 and path[0] in original:
                # Show what the payload said, not the stand-in the check saw.
                shown = original[path[0]]
            value_text = render(shown)
            if known.wants_value:
                context["value"] = value_text
            if known.wants_actual:
                context["actual"] = _actual(known.keyword, shown)
        if known.wants_detail:
            text = source.message(judged) if isinstance(source, KeywordCheck) else source.message
            context["detail"] = f"`{known.member}`: {text}" if path else str(text)
        text = known.template.format_map(context) if context else known.template
        return Finding(
            known.code, known.severity, text, known.pointer, known.content_pointer, value_text
        )

    def _reported_failures(
        self,
        schema: Any,
        instance: dict[str, Any],
        content: bool,
        original: dict[str, Any] | None,
        found: list[Finding],
    ) -> list[tuple[tuple[str | int, ...], str, Any, Any]]:
        """The failing keywords as ``iter_errors`` reports them, for schemas without a plan.

        Members the compiled validator cannot read at all become findings of
        their own, added to ``found``.
        """
        try:
            errors = list(schema.iter_errors(instance))
        except (ValueError, TypeError, OverflowError, RecursionError):
            instance, problems = judgeable(instance, _known_members())
            for member, type_name in problems:
                where = pointer([member])
                found.append(
                    Finding.of(
                        RULES["S003"],
                        _CONTENT if content else where,
                        content_pointer=where if content else None,
                        value=truncate(repr(original.get(member) if original else None)),
                        member=member,
                        actual=f"a Python {type_name}",
                        expected="JSON data",
                    )
                )
            try:
                errors = list(schema.iter_errors(instance))
            except (ValueError, TypeError, OverflowError, RecursionError):
                errors = []
        failures = []
        for error in errors:
            location = error.absolute_keyword_location or ""
            path = tuple(error.instance_path)
            if location.endswith("/required"):
                path += (str(getattr(error.kind, "property", "")) or "?",)
            failures.append((path, location, error.instance, error))
        return failures

    def _relation_findings(self, obj: dict[str, Any]) -> list[Finding] | None:
        found: list[Finding] | None = None
        code = obj.get("resultCode")
        message = obj.get("resultMessage")
        if type(code) is str and type(message) is str and not message.startswith("[" + code + "]"):
            found = [
                Finding.of(
                    RULES["A105"],
                    "/resultMessage",
                    value=render(message),
                    expected=render(code)[1:-1],
                    member="resultMessage",
                )
            ]
        content = obj.get("responseContent")
        if type(content) is not str:
            return found
        action = obj.get("action")
        validator = self._content.get(action) if isinstance(action, str) else None
        if validator is None:
            return found
        try:
            body, exact = parse_exact(content)
        except NotJson as exc:
            bad = Finding.of(RULES["A111"], _CONTENT, value=render(content), detail=str(exc))
            return [bad] if found is None else [*found, bad]
        body_findings = self._content_findings(obj, str(action), body, validator, exact)
        if body_findings:
            return body_findings if found is None else found + body_findings
        return found

    def _content_findings(
        self, obj: dict[str, Any], action: str, body: Any, validator: Any, exact: bool = False
    ) -> list[Finding] | None:
        is_ack = action == self._ok_action
        if not isinstance(body, dict):
            rule = RULES["A113" if is_ack else "A115"]
            return [
                Finding.of(
                    rule,
                    _CONTENT,
                    content_pointer="",
                    value=render(body),
                    detail=f"it is {_article(json_type(body))}, not an object",
                )
            ]
        found: list[Finding] = []
        checked = body if exact else clamp_big_ints(body)
        mirrors = is_ack and self._mirrors(obj, body)
        if mirrors and self._ack_shortcut:
            # Every finding the schema could give would sit on a member equal to its field.
            body_ok = True
        else:
            try:
                body_ok = validator.is_valid(checked)
            except (ValueError, TypeError, OverflowError):
                body_ok = False
        if not body_ok:
            for finding in self._schema_findings(checked, _CONTENT, validator, content=True):
                if is_ack and self._mirrored_equal(obj, body, finding.content_pointer):
                    # The same value is in the field, and the field's finding says it.
                    continue
                found.append(finding)
        if is_ack and not mirrors:
            found.extend(self._mismatches(obj, body))
        return found or None

    def _mirrored_equal(self, obj: dict[str, Any], body: dict[str, Any], where: str | None) -> bool:
        tokens = pointer_tokens(where or "")
        if len(tokens) != 1:
            return False
        member = tokens[0]
        field = self._mirror.get(member)
        return (
            field is not None
            and member in body
            and field in obj
            and json_equal(body[member], obj[field])
        )

    def _mismatches(self, obj: dict[str, Any], body: dict[str, Any]) -> list[Finding]:
        rule = RULES["A112"]
        found: list[Finding] = []
        for member, field in self._mirror.items():
            in_body = member in body
            in_fields = field in obj
            if in_body and in_fields:
                a = body[member]
                b = obj[field]
                # Same type and equal is the usual case; json_equal decides the others.
                if (a == b and type(a) is type(b)) or json_equal(a, b):
                    continue
            elif in_body == in_fields or member in self._ack_required:
                # Absent on both sides, or absence is what a required-member rule reports.
                continue
            value = render(body[member]) if in_body else None
            message = rule.format(
                member=member,
                field=field,
                value=value or "absent",
                expected=render(obj[field]) if in_fields else "absent",
            )
            where = self._mirror_pointers[member]
            found.append(Finding(rule.code, rule.severity, message, _CONTENT, where, value))
        return found

    # -- output -------------------------------------------------------------

    def _finish(self, found: list[Finding]) -> list[Finding]:
        enabled = self.enabled
        kept = [f for f in found if f.rule in enabled]
        if len(kept) < 2:
            # One finding implies nothing away and is its own order.
            return kept
        implications = self._implications
        places: set[tuple[str, str, str | None]] | None = None
        unimplied: list[Finding] = []
        for f in kept:
            implied_by = implications.get(f.rule)
            if implied_by:
                if places is None:
                    places = {(g.rule, g.pointer, g.content_pointer) for g in kept}
                for code in implied_by:
                    if (code, f.pointer, f.content_pointer) in places:
                        break
                else:
                    unimplied.append(f)
            else:
                unimplied.append(f)
        kept = unimplied
        # Duplicates go by their fields as plain strings: hashing a Finding (and its
        # Severity enum) runs Python code, several times slower. The severity follows the rule.
        unique = {(f.rule, f.pointer, f.content_pointer, f.message, f.value): f for f in kept}
        return sorted(unique.values(), key=_order)


def _mirror_test(
    items: tuple[tuple[str, str, bool], ...],
) -> Callable[[dict[str, Any], dict[str, Any]], bool]:
    """A test that the acknowledgement's mirrored members equal their fields.

    Strict and conservative: equal JSON values (never a boolean for a number),
    required members present, optional ones present on both sides or neither.
    Anything it refuses is judged member by member elsewhere.
    """
    # Every member present on both sides (the usual acknowledgement): one tuple comparison.
    every_member = itemgetter(*[m for m, _, _ in items]) if len(items) > 1 else None
    every_field = itemgetter(*[f for _, f, _ in items]) if len(items) > 1 else None

    def mirrors(obj: dict[str, Any], body: dict[str, Any]) -> bool:
        if every_member is not None and every_field is not None:
            try:
                mine = every_member(body)
                theirs = every_field(obj)
            except KeyError:
                pass
            else:
                return mine == theirs and _no_booleans(mine, theirs)
        for member, field, needed in items:
            if member in body:
                if field not in obj:
                    return False
                mine, theirs = (body[member],), (obj[field],)
                if mine != theirs or not _no_booleans(mine, theirs):
                    return False
            elif needed or field in obj:
                return False
        return True

    return mirrors


def _no_booleans(mine: tuple[Any, ...], theirs: tuple[Any, ...]) -> bool:
    """Whether two equal tuples hold no boolean: True == 1 and False == 0 in Python,
    and a boolean is never a mirror of a number."""
    # Equality to True or False is quick to rule out; only 0 and 1 need their types looked at.
    if True not in mine and False not in mine:
        return True
    return bool not in map(type, mine) and bool not in map(type, theirs)


#: Most distinct (keyword location, member) places whose findings' fixed parts are kept.
_KNOWN_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class _KnownPart:
    """What the finding of a keyword failing at one place says whatever the value.

    ``template`` is the rule's message with the fixed fields filled in (braces
    in them doubled) and the value-dependent ones (``value``, ``actual``,
    ``detail``) left as placeholders; ``wants_*`` say which of those it uses.
    """

    code: str
    severity: Severity
    pointer: str
    content_pointer: str | None
    member: str
    keyword: str
    required: bool
    template: str
    wants_value: bool
    wants_actual: bool
    wants_detail: bool

    @classmethod
    def of(cls, path: tuple[str | int, ...], location: str, content: bool) -> _KnownPart:
        keyword = location.rsplit("/", 1)[-1]
        code, holder = rule_at(location)
        rule = RULES.get(code, RULES["S003"]) if code else RULES["S003"]
        required = keyword == "required"
        member = str(path[-1]) if path else ("?" if required else "")
        fixed: dict[str, object] = {"member": member or "payload"}
        if required:
            fixed["actual"] = "missing"
            fixed["value"] = None
        if "expected" in rule.fields:
            fixed["expected"] = _expected(keyword, holder.get(keyword, ""))
        later = {"value", "actual", "detail"} - fixed.keys()
        template = rule.message.format_map(
            {
                name: "{" + name + "}"
                if name in later
                else str(fixed.get(name, "?")).replace("{", "{{").replace("}", "}}")
                for name in rule.fields
            }
        )
        where = pointer(path)
        return cls(
            rule.code,
            rule.severity,
            _CONTENT if content else where,
            where if content else None,
            member,
            keyword,
            required,
            template,
            "value" in later and "value" in rule.fields,
            "actual" in later and "actual" in rule.fields,
            "detail" in rule.fields,
        )


def _order(f: Finding) -> tuple[str, str, str, str]:
    return (f.pointer, f.content_pointer or "", f.rule, f.message)


def _article(type_name: str) -> str:
    if type_name == "null":
        return type_name
    return ("an " if type_name[:1] in "aeiou" else "a ") + type_name


def _actual(keyword: str, instance: object) -> str:
    if keyword in ("minLength", "maxLength") and isinstance(instance, str):
        return str(len(instance))
    return _article(json_type(instance))


def _expected(keyword: str, expected: object) -> str:
    if keyword == "type":
        names = expected if isinstance(expected, list) else [expected]
        return " or ".join(_article(str(n)) for n in names)
    if keyword == "enum" and isinstance(expected, list):
        return ", ".join(str(v) for v in expected)
    return render(expected)


# -- facts read from the schema files -------------------------------------------


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _action_branches() -> Iterator[tuple[Any, dict[str, Any]]]:
    """(``action`` const of an ``if``, each subschema of its ``then``) in the authlete schema."""
    for node in _walk(load_schema(ISSUE_RESPONSE_FILES[Profile.AUTHLETE])):
        condition, then = node.get("if"), node.get("then")
        if isinstance(condition, dict) and isinstance(then, dict):
            action = condition.get("properties", {}).get("action", {}).get("const")
            for inner in _walk(then):
                yield action, inner


@functools.cache
def _content_schemas() -> dict[str, str]:
    """action -> schema file of what its ``responseContent`` holds, from the authlete schema."""
    out: dict[str, str] = {}
    for action, inner in _action_branches():
        content = inner.get("properties", {}).get("responseContent", {})
        ref = content.get("contentSchema", {}).get("$ref") if isinstance(content, dict) else None
        if isinstance(action, str) and isinstance(ref, str):
            out[action] = _ref_name(ref)
    return out


@functools.cache
def _mirror_and_action() -> tuple[str, dict[str, str]]:
    for action, inner in _action_branches():
        mirror = inner.get(_MIRROR_KEYWORD)
        if isinstance(mirror, dict) and isinstance(action, str):
            return action, {str(k): str(v) for k, v in mirror.items()}
    raise ValueError(f"the authlete schema has no {_MIRROR_KEYWORD} annotation")


def _mirror() -> dict[str, str]:
    return _mirror_and_action()[1]


def _mirror_action() -> str:
    return _mirror_and_action()[0]


@functools.cache
def _known_members() -> frozenset[str]:
    """Every member name some schema file constrains (the others are never judged)."""
    names: set[str] = set()
    for doc in schemas_by_uri().values():
        for node in _walk(doc):
            props = node.get("properties")
            if isinstance(props, dict):
                names.update(str(k) for k in props)
    return frozenset(names)


@functools.cache
def _action_values() -> list[str]:
    """The published values of ``action``, from the sdk schema."""
    prop = load_schema(ISSUE_RESPONSE_FILES[Profile.SDK])["properties"]["action"]
    return [str(v) for v in prop["enum"]]


@functools.cache
def _ack_constrains_only_mirrored() -> bool:
    """Whether the acknowledgement schema constrains nothing but mirrored members.

    Only then may the fast path skip it when every member equals its field.
    """
    doc = load_schema(_content_schemas()[_mirror_action()])
    plain = {k for k in doc if not is_annotation(k)} - {"type", "required", "properties"}
    return not plain and set(doc.get("properties", {})) <= set(_mirror())


def _ack_required() -> list[str]:
    name = _content_schemas()[_mirror_action()]
    return [str(m) for m in load_schema(name).get("required", [])]


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
    kind: str = "issue-response",
) -> Validator:
    """A shared, cached :class:`Validator` for these settings."""
    return _cached(Profile.parse(profile), split_codes(select), split_codes(ignore), kind)


def validate(
    payload: Payload,
    *,
    profile: Profile | str = Profile.AUTHLETE,
    select: str | Iterable[str] | None = None,
    ignore: str | Iterable[str] | None = None,
) -> list[Finding]:
    """Check a ``BackchannelAuthenticationIssueResponse`` payload.

    ``payload`` may be the raw body (bytes or str) or an already parsed object.
    Returns every finding of the enabled rules; an empty list means the payload
    keeps the contract at ``profile``. Never raises for bad payloads.
    """
    return get_validator(profile, select, ignore).validate(payload)


def validate_result(
    payload: Payload,
    *,
    profile: Profile | str = Profile.AUTHLETE,
    select: str | Iterable[str] | None = None,
    ignore: str | Iterable[str] | None = None,
) -> list[Finding]:
    """Check Authlete's ``result`` object (the body of its 400/401/403/500 answers)."""
    return get_validator(profile, select, ignore, kind="result").validate(payload)
