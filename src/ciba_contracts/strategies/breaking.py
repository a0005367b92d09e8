"""Breaking one schema keyword: a :class:`Plan` per constraint site, and the rules that come along.

Each keyword (``type``, ``enum``, ``required``, bounds, patterns, lengths) has
a maker that builds, from a valid payload, one that fails that site and meets
every other site of the member, except the rules the catalog lets the broken
rule imply. A site inside the mirrored document can only be reported where the
document disagrees with the fields, so its plan names the mismatch rule as a
companion.

Names without a leading underscore are shared within :mod:`ciba_contracts.strategies`;
they are not public API.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from hypothesis import strategies as st

from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.rules import RULES
from ciba_contracts.strategies.schema_facts import (
    ACTION_MEMBER,
    MIRROR_MISMATCH,
    NUMERIC_KEYWORDS,
    STRING_KEYWORDS,
    Contract,
    JsonValue,
    Missing,
    Payload,
    Site,
)
from ciba_contracts.strategies.valid import body_of, drop_member, set_member, valid_payloads
from ciba_contracts.strategies.values import (
    CHAR_CLASS_STAR,
    CHARS,
    INT64_MAX,
    INT64_MIN,
    TEXT,
    IntRules,
    StringRules,
    bad_char,
    class_chars,
    dump,
    json_values,
    python_regex_matches,
    serialize,
    wrong_type,
)


@dataclass(frozen=True)
class Plan:
    """One way of breaking a rule, and the error rules that necessarily come with it."""

    strategy: st.SearchStrategy[Payload]
    companions: frozenset[str] = frozenset()


def _implied_by(rule: str) -> set[str]:
    """Rules the validator drops when ``rule`` fires at the same place."""
    return {code for code, other in RULES.items() if rule in other.implied_by}


def _mirror_companions(contract: Contract, site: Site, rule: str) -> frozenset[str]:
    # Inside the mirrored document a fault is reported only where the document
    # disagrees with the fields (else the field's own rule says it), and the
    # disagreement is MIRROR_MISMATCH unless the catalog lets the rule imply it.
    if (
        site.content is not None
        and site.content == contract.ack_file
        and site.member is not None
        and contract.field_for(site.member) is not None
        and rule not in RULES[MIRROR_MISMATCH].implied_by
    ):
        return frozenset({MIRROR_MISMATCH})
    return frozenset()


def _actions_for(contract: Contract, level: Profile, site: Site) -> list[str | Missing]:
    if site.content is not None:
        return [a for a, f in contract.content_files.items() if f == site.content]
    if site.action is not None:
        return [site.action]
    return contract.action_choices(level)


def _context(action: str | Missing) -> str | None:
    return action if isinstance(action, str) else None


@st.composite
def _with_document(
    draw: st.DrawFn,
    contract: Contract,
    level: Profile,
    actions: Sequence[str | Missing],
    edit: Callable[[st.DrawFn, dict[str, Any], dict[str, Any]], JsonValue],
) -> dict[str, Any]:
    """A valid payload whose ``responseContent`` document becomes ``edit(draw, payload, body)``."""
    action = draw(st.sampled_from(list(actions)))
    payload = draw(valid_payloads(contract, level, action, with_content=True))
    member = contract.content_member
    assert member is not None
    body = body_of(payload, member)
    assert body is not None, "a valid payload with a content document"
    payload[member] = draw(serialize(edit(draw, payload, body)))
    return payload


def _document_member_plan(
    contract: Contract, level: Profile, site: Site, values: st.SearchStrategy[JsonValue]
) -> Plan:
    """Break ``site`` inside the ``responseContent`` document: its member drawn from ``values``."""
    member = site.member
    assert member is not None

    def edit(draw: st.DrawFn, payload: dict[str, Any], body: dict[str, Any]) -> JsonValue:
        body[member] = draw(values)
        return body

    return Plan(
        _with_document(contract, level, _actions_for(contract, level, site), edit),
        _mirror_companions(contract, site, site.rule),
    )


def _field_plan(
    contract: Contract,
    level: Profile,
    member: str,
    values: Mapping[str | Missing, st.SearchStrategy[JsonValue]],
) -> Plan:
    """Break a payload member: a valid payload for an action of ``values``, the member drawn.

    ``values`` maps each usable action to the strategy of the breaking value; the
    member is set with :func:`set_member`, so the relations stay in step.
    """
    actions = list(values)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        action = draw(st.sampled_from(actions))
        payload = draw(valid_payloads(contract, level, action))
        set_member(contract, payload, member, draw(values[action]))
        return payload

    return Plan(build())


def _type_plan(contract: Contract, level: Profile, site: Site) -> Plan | None:
    if site.member is None and site.content is None:
        return Plan(_not_an_object())
    if site.member is None:
        actions = _actions_for(contract, level, site)

        def replace(draw: st.DrawFn, payload: dict[str, Any], body: dict[str, Any]) -> JsonValue:
            return draw(json_values().filter(lambda v: not isinstance(v, dict)))

        return Plan(_with_document(contract, level, actions, replace))
    member = site.member
    if site.content is not None:
        content = site.content
        json_type = contract.document_members(content).get(member, "")
        sites = tuple(
            s for s in contract.member_sites(level, None, member, content) if s is not site
        )
        if any(
            s.keyword in ("enum", "const") and s.rule not in _implied_by(site.rule) for s in sites
        ):
            return None
        return _document_member_plan(contract, level, site, wrong_type(json_type, sites))
    json_type = contract.members.get(member, "")
    implied = _implied_by(site.rule)
    values: dict[str | Missing, st.SearchStrategy[JsonValue]] = {}
    for action in _actions_for(contract, level, site):
        sites = contract.member_sites(level, _context(action), member)
        # A value of the wrong type fails the member's enum too, which only the
        # catalog can forgive (unknown-action implied by wrong-type).
        if not any(s.keyword in ("enum", "const") and s.rule not in implied for s in sites):
            values[action] = wrong_type(json_type, tuple(s for s in sites if s is not site))
    return _field_plan(contract, level, member, values) if values else None


def _enum_plan(contract: Contract, level: Profile, site: Site) -> Plan | None:
    if site.member is None or site.content is not None:
        return None
    allowed = {str(v) for v in site.value}
    near = st.sampled_from(sorted(allowed)).map(
        lambda v: v.lower() if v != v.lower() else v.upper()
    )
    value = st.one_of(near, TEXT).filter(lambda v: v not in allowed)
    actions = _actions_for(contract, level, site)
    return _field_plan(contract, level, site.member, dict.fromkeys(actions, value))


def _required_plan(contract: Contract, level: Profile, site: Site) -> Plan | None:
    names = [str(n) for n in site.value]
    actions = _actions_for(contract, level, site)
    if site.content is not None:

        def drop(draw: st.DrawFn, payload: dict[str, Any], body: dict[str, Any]) -> JsonValue:
            body.pop(draw(st.sampled_from(names)), None)
            return body

        return Plan(_with_document(contract, level, actions, drop))
    if site.action is None and ACTION_MEMBER in names:
        # Leaving `action` out: draw a payload shaped for one action, then drop it.
        actions = [a for a in actions if isinstance(a, str)] or actions

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        payload = draw(valid_payloads(contract, level, draw(st.sampled_from(actions))))
        drop_member(contract, payload, draw(st.sampled_from(names)))
        return payload

    return Plan(build())


def _violating_range(site: Site) -> IntRules:
    value = site.value
    if site.keyword == "minimum":
        return IntRules(INT64_MIN, math.ceil(value) - 1)
    if site.keyword == "exclusiveMinimum":
        return IntRules(INT64_MIN, math.floor(value))
    if site.keyword == "maximum":
        return IntRules(math.floor(value) + 1, INT64_MAX)
    return IntRules(math.ceil(value), INT64_MAX)


def _keep(sites: Sequence[Site], broken: Site) -> list[Site]:
    """The other numeric constraints a value must still meet (implied rules may break along)."""
    implied = _implied_by(broken.rule)
    return [
        s
        for s in sites
        if s is not broken and s.keyword in NUMERIC_KEYWORDS and s.rule not in implied
    ]


def _bound_plan(contract: Contract, level: Profile, site: Site) -> Plan | None:
    if site.member is None:
        return None
    member = site.member
    violating = _violating_range(site)
    if site.content is not None:
        content = site.content
        others = _keep(contract.member_sites(level, None, member, content), site)
        rules = IntRules.of(others, violating.low, violating.high)
        if rules.empty:
            return None
        return _document_member_plan(contract, level, site, rules.strategy())
    values: dict[str | Missing, st.SearchStrategy[JsonValue]] = {}
    for action in _actions_for(contract, level, site):
        others = _keep(contract.member_sites(level, _context(action), member), site)
        rules = IntRules.of(others, violating.low, violating.high)
        if not rules.empty:
            values[action] = rules.strategy()
    return _field_plan(contract, level, member, values) if values else None


@functools.cache
def _breaking_string(others: StringRules, broken: Site) -> st.SearchStrategy[str]:
    """A string that fails ``broken`` (a pattern or length) and meets ``others``.

    ``others`` are the string rules of every other site on the member, so two
    lengths from two rules (at least 1 here, at least 22 there) stay apart.
    """
    if broken.keyword == "minLength":
        short = int(broken.value) - 1
        if short < 0:
            return st.nothing()
        narrowed = StringRules(others.patterns, 0, short, None)
        return narrowed.strategy().filter(others.accepts)
    if broken.keyword == "maxLength":
        long = int(broken.value) + 1
        return StringRules(others.patterns, long, long + 16, None).strategy().filter(others.accepts)
    pattern = str(broken.value)
    star = CHAR_CLASS_STAR.match(pattern)

    def fails(text: str) -> bool:
        return not python_regex_matches(pattern, text) and others.accepts(text)

    if star:
        # Valid characters with at least one outsider inserted, as long as the
        # other rules want.
        inside, _ = class_chars(star.group(1))
        bad = bad_char(star.group(1))

        @st.composite
        def insert(draw: st.DrawFn) -> str:
            size = max(others.min_length - 1, 0)
            text = draw(st.text(st.sampled_from(inside), min_size=size, max_size=size + 32))
            for _ in range(draw(st.integers(1, 3))):
                at = draw(st.integers(0, len(text)))
                text = text[:at] + draw(bad) + text[at:]
            return text

        return insert().filter(fails)

    @st.composite
    def near_miss(draw: st.DrawFn) -> str:
        text = draw(st.from_regex(pattern, fullmatch=True))
        at = draw(st.integers(0, max(len(text) - 1, 0)))
        how = draw(st.integers(0, 3))
        if how == 0:
            return text[:at] + text[at + 1 :]
        if how == 1:
            return text[:at] + draw(CHARS) + text[at:]
        if how == 2:
            return text.swapcase()
        return text + draw(CHARS)

    return st.one_of(near_miss(), st.text(CHARS, max_size=24)).filter(fails)


def _string_plan(contract: Contract, level: Profile, site: Site) -> Plan | None:
    if site.member is None:
        return None
    member = site.member

    def breaking(sites: Sequence[Site]) -> st.SearchStrategy[str]:
        return _breaking_string(StringRules.of([s for s in sites if s != site]), site)

    if site.content is not None:
        sites = contract.member_sites(level, None, member, site.content)
        return _document_member_plan(contract, level, site, breaking(sites))
    values: dict[str | Missing, st.SearchStrategy[JsonValue]] = {
        action: breaking(contract.member_sites(level, _context(action), member))
        for action in _actions_for(contract, level, site)
    }
    return _field_plan(contract, level, member, values)


SITE_PLANS: Final[dict[str, Callable[[Contract, Profile, Site], Plan | None]]] = {
    "type": _type_plan,
    "enum": _enum_plan,
    "const": _enum_plan,
    "required": _required_plan,
    **dict.fromkeys(NUMERIC_KEYWORDS, _bound_plan),
    **dict.fromkeys(STRING_KEYWORDS, _string_plan),
}


def _not_an_object() -> st.SearchStrategy[Payload]:
    non_objects = json_values().filter(lambda v: not isinstance(v, dict))
    # A parsed value, or its JSON text (a Python str is read as JSON text).
    return st.one_of(
        non_objects.filter(lambda v: not isinstance(v, str)),
        non_objects.map(lambda v: dump(v).encode()),
        non_objects.map(dump),
    )
