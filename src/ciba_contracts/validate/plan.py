"""Schema files as lists of one-keyword checks, for naming the rules a payload breaks.

When a payload fails the fast-path schema, its findings name the failing
keywords. ``iter_errors`` on the full schema says which they are, but it walks
the whole schema and builds an error object per failing keyword, which costs
several times what the rest of a violation's check does. The schema files of
this project are flat: they constrain the members of one object with simple
keywords, combined through ``allOf``, ``$ref`` and ``if``/``then``. So each
file is turned, once per outcome of its conditions, into a :class:`Plan`: for
every member, the keywords that apply to it, each compiled on its own, with the
absolute keyword location ``iter_errors`` would report (which is what names the
rule). Running a plan costs one compiled ``is_valid`` per member, and one per
keyword of a member that fails.

A schema using anything else gets no plan, and ``iter_errors`` goes on naming
the rules; a test holds the two ways to the same findings.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jsonschema_rs
import msgspec

from ciba_contracts.contract.schemas import load_schema
from ciba_contracts.jsondoc.render import pointer
from ciba_contracts.validate.fast import is_annotation, only_tests_action, resolve_ref
from ciba_contracts.validate.plan_code import compile_failures

_DRAFT = "https://json-schema.org/draft/2020-12/schema"
# Keywords checked on one value whose verdict depends on nothing else in the schema.
_VALUE_KEYWORDS = frozenset(
    {
        "type",
        "enum",
        "const",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    }
)

#: How many distinct ``action`` values a planner remembers the plan of.
_ACTIONS_KEPT = 64


class Unplannable(ValueError):
    """The schema uses something a plan cannot state; ``iter_errors`` has to judge."""


class KeywordCheck(msgspec.Struct, frozen=True):
    """One keyword of the schema, on its own.

    ``member`` is the member it applies to (None: the object itself). For
    ``required``, ``member`` is the member that must be present and ``holds``
    is not used. ``location`` is the keyword's absolute location
    (``uri#/json/pointer``).
    """

    member: str | None
    keyword: str
    location: str
    #: The schema holding only this keyword (what ``validator`` was compiled from).
    schema: dict[str, Any]
    holds: Callable[[Any], bool]
    validator: Any
    #: The instance path a finding of this check points at: the member, if any.
    path: tuple[str, ...] = ()

    def message(self, instance: Any) -> str:
        """What jsonschema-rs says about ``instance`` failing this keyword."""
        if self.keyword == "required":
            # The message names only the missing member: an empty object fails the same
            # way, and a walk of a large object (and its copy in the error) is spared.
            instance = {}
        for error in self.validator.iter_errors(instance):
            return str(error.message)
        return ""


class MemberChecks(msgspec.Struct, frozen=True):
    """The checks on one member: all of them at once, then each one to name the failure."""

    member: str
    holds: Callable[[Any], bool]
    checks: tuple[KeywordCheck, ...]


class Plan:
    """The checks a schema file makes of one object, for one outcome of its conditions."""

    __slots__ = ("_groups", "_required", "failures", "members", "required", "root")

    def __init__(
        self,
        root: tuple[KeywordCheck, ...],
        required: tuple[KeywordCheck, ...],
        members: tuple[MemberChecks, ...],
    ) -> None:
        self.root = root
        self.required = required
        self.members = members
        # Plain tuples: this runs for every payload that breaks the contract.
        self._required = tuple((c.member, c) for c in required)
        self._groups = tuple((g.member, g.holds, g.checks) for g in members)
        #: Each failing check with the value it judged (for ``required``: the object), in
        #: the order of :meth:`checked_failures`, with strings and integers judged in Python
        #: (:mod:`ciba_contracts.validate.plan_code`). May raise what jsonschema-rs raises for
        #: values it cannot read.
        self.failures: Callable[[dict[str, Any]], list[tuple[KeywordCheck, Any]]] = (
            compile_failures(root, required, members)
        )

    def checked_failures(self, instance: dict[str, Any]) -> list[tuple[KeywordCheck, Any]]:
        """:attr:`failures`, every keyword judged by its compiled validator.

        May raise what jsonschema-rs raises for values it cannot read.
        """
        failed: list[tuple[KeywordCheck, Any]] = []
        for check in self.root:
            if not check.holds(instance):
                failed.append((check, instance))
        for name, check in self._required:
            if name not in instance:
                failed.append((check, instance))
        for member, holds, checks in self._groups:
            if member in instance:
                value = instance[member]
                if not holds(value):
                    for check in checks:
                        if not check.holds(value):
                            failed.append((check, value))
        return failed


class _Condition(msgspec.Struct, frozen=True):
    location: str
    holds: Callable[[Any], bool]
    #: Whether it tests ``action`` alone, so that its outcome follows from that value.
    on_action: bool


class Planner:
    """The plans of one schema document, built on first use for each outcome of its conditions.

    The document needs an ``$id``; its ``$ref`` resolve among the project's schema files.
    """

    def __init__(self, doc: dict[str, Any]) -> None:
        self._uri = str(doc["$id"])
        self._doc = doc
        conditions: list[_Condition] = []
        _collect_conditions(doc, self._uri, "", conditions, set())
        self._conditions = tuple(conditions)
        self._by_action_ok = all(c.on_action for c in conditions)
        self._plans: dict[tuple[bool, ...], Plan | None] = {}
        self._by_action: dict[str, Plan | None] = {}

    @property
    def by_action(self) -> bool:
        """Whether the plan of an object follows from its ``action`` alone."""
        return self._by_action_ok

    def plan_for(self, instance: dict[str, Any]) -> Plan | None:
        """The plan for this object, or None when the schema cannot be planned."""
        action = instance.get("action")
        if self._by_action_ok and type(action) is str:
            if action in self._by_action:
                return self._by_action[action]
            plan = self._plan({"action": action})
            # Hostile or fuzzed input brings endless made-up actions: remember a few.
            if len(self._by_action) < _ACTIONS_KEPT:
                self._by_action[action] = plan
            return plan
        return self._plan(instance)

    def _plan(self, instance: dict[str, Any]) -> Plan | None:
        outcomes = tuple(bool(c.holds(instance)) for c in self._conditions)
        if outcomes not in self._plans:
            decided = {
                c.location: taken for c, taken in zip(self._conditions, outcomes, strict=True)
            }
            try:
                self._plans[outcomes] = _build(self._doc, self._uri, decided)
            except Unplannable:
                self._plans[outcomes] = None
        return self._plans[outcomes]


@functools.cache
def planner(name: str) -> Planner:
    """The shared :class:`Planner` of a schema file (by file name)."""
    return Planner(load_schema(name))


def _target(ref: str, uri: str, visiting: tuple[str, ...] = ()) -> tuple[dict[str, Any], str]:
    """The file a ``$ref`` names; a reference back into ``visiting`` cannot be planned."""
    try:
        target, target_uri = resolve_ref(ref, uri)
    except ValueError as exc:
        raise Unplannable(str(exc)) from None
    if target_uri in visiting:
        raise Unplannable(f"recursive reference {ref!r}")
    return target, target_uri


def _collect_conditions(
    node: Any, uri: str, where: str, out: list[_Condition], seen: set[str]
) -> None:
    """Every ``if`` that applies to the object itself, in document order."""
    if not isinstance(node, dict):
        return
    if "$ref" in node and isinstance(node["$ref"], str):
        target, target_uri = _target(node["$ref"], uri)
        if target_uri not in seen:
            _collect_conditions(target, target_uri, "", out, seen | {target_uri})
    for i, part in enumerate(node.get("allOf", ())):
        _collect_conditions(part, uri, f"{where}/allOf/{i}", out, seen)
    condition = node.get("if")
    if isinstance(condition, dict | bool):
        schema = condition if isinstance(condition, bool) else {"$schema": _DRAFT, **condition}
        validator = jsonschema_rs.validator_for(schema)
        out.append(
            _Condition(f"{uri}#{where}/if", validator.is_valid, only_tests_action(condition))
        )
    for branch in ("then", "else"):
        _collect_conditions(node.get(branch), uri, f"{where}/{branch}", out, seen)


def _build(doc: dict[str, Any], uri: str, decided: dict[str, bool]) -> Plan:
    found = _Gathered(decided)
    _walk(doc, uri, "", None, found, ())
    groups = []
    for member, checks in found.members.items():
        if not checks:
            # Only annotated (or ``true``): nothing to judge, and an empty allOf does not compile.
            continue
        combined = {"$schema": _DRAFT, "allOf": [c.schema for c in checks]}
        holds = jsonschema_rs.validator_for(combined).is_valid
        groups.append(MemberChecks(member, holds, tuple(checks)))
    return Plan(tuple(found.root), tuple(found.required), tuple(groups))


class _Gathered(msgspec.Struct):
    """The checks of one schema document found so far, for one outcome of its conditions."""

    decided: dict[str, bool]
    root: list[KeywordCheck] = msgspec.field(default_factory=list)
    required: list[KeywordCheck] = msgspec.field(default_factory=list)
    members: dict[str, list[KeywordCheck]] = msgspec.field(default_factory=dict)


def _walk(
    node: Any,
    uri: str,
    where: str,
    member: str | None,
    found: _Gathered,
    visiting: tuple[str, ...],
) -> None:
    """Gather the checks of a schema on one member's value, or (``member`` None) on the object.

    Only on the object may ``required``, ``properties`` and conditions appear.
    """
    if node is True:
        return
    if not isinstance(node, dict):
        raise Unplannable(f"schema {node!r} at {uri}#{where}")
    on_object = member is None
    out = found.root if member is None else found.members[member]
    for key, value in node.items():
        here = f"{where}/{key}"
        if is_annotation(key) or (on_object and key in ("then", "else")):
            continue
        if key in _VALUE_KEYWORDS:
            out.append(_check(member, key, value, f"{uri}#{here}"))
        elif key == "allOf":
            for i, part in enumerate(value):
                _walk(part, uri, f"{here}/{i}", member, found, visiting)
        elif key == "$ref":
            target, target_uri = _target(value, uri, visiting)
            _walk(target, target_uri, "", member, found, (*visiting, target_uri))
        elif on_object and key == "required":
            for name in value:
                found.required.append(_required(str(name), f"{uri}#{here}"))
        elif on_object and key == "properties":
            for name, sub in value.items():
                found.members.setdefault(str(name), [])
                _walk(sub, uri, f"{here}/{pointer([name])[1:]}", str(name), found, visiting)
        elif on_object and key == "if":
            taken = found.decided.get(f"{uri}#{here}")
            if taken is None:
                raise Unplannable(f"condition at {uri}#{here} applies to no known instance")
            branch = node.get("then" if taken else "else")
            if branch is not None:
                branch_where = f"{where}/{'then' if taken else 'else'}"
                _walk(branch, uri, branch_where, None, found, visiting)
        else:
            raise Unplannable(f"keyword {key!r} at {uri}#{here}")


def _check(member: str | None, keyword: str, value: Any, location: str) -> KeywordCheck:
    schema = {keyword: value}
    validator = jsonschema_rs.validator_for({"$schema": _DRAFT, **schema})
    path = () if member is None else (member,)
    return KeywordCheck(member, keyword, location, schema, validator.is_valid, validator, path)


def _required(member: str, location: str) -> KeywordCheck:
    return _check(member, "required", [member], location)
