"""Breaking one schema keyword: a :class:`Plan` per constraint site, and the rules that come along.

Each keyword (``type``, ``enum``, ``const``, ``required``, bounds, patterns,
lengths, ``contains``, ``additionalProperties: false``) has a maker that
builds, from a valid payload, one that fails that site and meets every other
site of the value, except the rules the catalog lets the broken rule imply. A
site that holds only under conditions (an action, ``deliveryMode: PUSH``, no
``error`` in the document) is broken in a payload drawn to meet them. A site
inside the mirrored document can only be reported where the document disagrees
with the fields, so its plan names the mismatch rule as a companion.

Names without a leading underscore are shared within :mod:`ciba_contracts.strategies`;
they are not public API.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from hypothesis import strategies as st

from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.rules import RULES
from ciba_contracts.strategies.breaking_values import (
    breaking_enum,
    breaking_int,
    breaking_string,
    unforgiven_enum,
)
from ciba_contracts.strategies.schema_facts import MIRROR_MISMATCH, Contract
from ciba_contracts.strategies.schema_walk import (
    ACTION_MEMBER,
    ITEMS,
    NUMERIC_KEYWORDS,
    STRING_KEYWORDS,
    Condition,
    Given,
    JsonValue,
    Missing,
    Payload,
    Site,
    split,
)
from ciba_contracts.strategies.valid import (
    body_of,
    drop_path,
    set_path,
    valid_payloads,
)
from ciba_contracts.strategies.values import (
    TEXT,
    StringRules,
    dump,
    json_values,
    serialize,
    wrong_type,
)


@dataclass(frozen=True)
class Plan:
    """One way of breaking a rule, and the error rules that necessarily come with it."""

    strategy: st.SearchStrategy[Payload]
    companions: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Context:
    """What a payload must be for a site to hold: its action, members, document members."""

    action: str | Missing
    given: Mapping[str, Given] = field(default_factory=dict)
    doc_given: Mapping[str, Given] = field(default_factory=dict)

    @property
    def act(self) -> str | None:
        return self.action if isinstance(self.action, str) else None


def _forcing(conditions: Sequence[Condition]) -> dict[str, Given] | None:
    """What the members of the tested object must be for every condition to hold."""
    out: dict[str, Given] = {}
    for condition in conditions:
        forced = condition.forcing() if condition.at is None else None
        if forced is None:
            return None
        for name, wanted in forced.items():
            if out.setdefault(name, wanted) != wanted:
                return None
    return out


def contexts(contract: Contract, level: Profile, site: Site) -> list[Context]:
    """Every way to draw a payload in which ``site`` holds."""
    forced = _forcing(site.when)
    if forced is None:
        return []
    if site.content is not None:
        return [Context(a, g, forced) for a, g in contract.content_choices(site.content)]
    if site.action is not None:
        return [Context(site.action, forced)]
    return [Context(action, forced) for action in contract.action_choices(level)]


def _mirror_companions(contract: Contract, site: Site, rule: str) -> frozenset[str]:
    # Inside the mirrored document a fault is reported only where the document
    # disagrees with the fields (else the field's own rule says it), and the
    # disagreement is MIRROR_MISMATCH unless the catalog lets the rule imply it.
    if (
        site.content is not None
        and site.content in contract.mirrored_docs
        and site.member is not None
        and contract.field_for(site.member) is not None
        and rule not in RULES[MIRROR_MISMATCH].implied_by
    ):
        return frozenset({MIRROR_MISMATCH})
    return frozenset()


@st.composite
def _with_document(
    draw: st.DrawFn,
    contract: Contract,
    level: Profile,
    choices: Sequence[Context],
    edit: Callable[[st.DrawFn, dict[str, Any], dict[str, Any]], JsonValue],
) -> dict[str, Any]:
    """A valid payload whose ``responseContent`` document becomes ``edit(draw, payload, body)``."""
    ctx = draw(st.sampled_from(list(choices)))
    payload = draw(
        valid_payloads(
            contract,
            level,
            ctx.action,
            with_content=True,
            given=ctx.given,
            doc_given=ctx.doc_given,
        )
    )
    member = contract.content_member
    assert member is not None
    body = body_of(payload, member)
    assert body is not None, "a valid payload with a content document"
    payload[member] = draw(serialize(edit(draw, payload, body)))
    return payload


def _document_plan(
    contract: Contract,
    level: Profile,
    site: Site,
    edit: Callable[[st.DrawFn, dict[str, Any], dict[str, Any]], JsonValue],
    companions: frozenset[str] = frozenset(),
) -> Plan | None:
    choices = contexts(contract, level, site)
    if not choices:
        return None
    return Plan(_with_document(contract, level, choices, edit), companions)


def _document_member_plan(
    contract: Contract, level: Profile, site: Site, values: st.SearchStrategy[JsonValue] | None
) -> Plan | None:
    """Break ``site`` inside the ``responseContent`` document: its member drawn from ``values``."""
    member = site.member
    if member is None or "/" in member or values is None:
        return None

    def edit(draw: st.DrawFn, payload: dict[str, Any], body: dict[str, Any]) -> JsonValue:
        body[member] = draw(values)
        return body

    return _document_plan(
        contract, level, site, edit, _mirror_companions(contract, site, site.rule)
    )


def _field_plan(
    contract: Contract,
    level: Profile,
    site: Site,
    values_for: Callable[[Context], st.SearchStrategy[JsonValue] | None],
) -> Plan | None:
    """Break a payload value: a valid payload for a context of ``site``, the value drawn.

    ``values_for`` gives, per context, the strategy of the breaking value (None
    where none breaks this site alone); the value is set with :func:`set_path`,
    so the relations stay in step.
    """
    member = site.member
    assert member is not None
    choices = []
    for ctx in contexts(contract, level, site):
        values = values_for(ctx)
        if values is not None:
            choices.append((ctx, values))
    if not choices:
        return None

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        ctx, values = draw(st.sampled_from(choices))
        payload = draw(
            valid_payloads(contract, level, ctx.action, given=ctx.given, ensure=frozenset({member}))
        )
        set_path(draw, contract, level, payload, member, draw(values))
        return payload

    return Plan(build())


#: Values of a member that fail the broken site and meet the member's other sites.
Breaker = Callable[[Sequence[Site], Site], st.SearchStrategy[JsonValue] | None]


def _member_value_plan(
    contract: Contract, level: Profile, site: Site, breaking: Breaker
) -> Plan | None:
    """A member given a value from ``breaking``, in the fields or in the mirrored document."""
    if site.member is None:
        return None
    member = site.member
    if site.content is not None:
        sites = contract.static_sites(level, None, member, site.content)
        return _document_member_plan(contract, level, site, breaking(sites, site))
    return _field_plan(
        contract,
        level,
        site,
        lambda ctx: breaking(contract.static_sites(level, ctx.act, member), site),
    )


def _types(site: Site) -> tuple[str, ...]:
    return (site.value,) if isinstance(site.value, str) else tuple(site.value)


def _type_plan(contract: Contract, level: Profile, site: Site) -> Plan | None:
    if site.member is None and site.content is None:
        return Plan(_not_an_object())
    if site.member is None:

        def replace(draw: st.DrawFn, payload: dict[str, Any], body: dict[str, Any]) -> JsonValue:
            return draw(wrong_type(_types(site), ()))

        return _document_plan(contract, level, site, replace)
    return _member_value_plan(contract, level, site, _breaking_type)


def _breaking_type(sites: Sequence[Site], broken: Site) -> st.SearchStrategy[JsonValue] | None:
    # A value of the wrong type fails the member's enum too, which only the
    # catalog can forgive (unknown-action implied by wrong-type).
    if unforgiven_enum(sites, broken):
        return None
    return wrong_type(_types(broken), tuple(s for s in sites if s is not broken))


def _enum_plan(contract: Contract, level: Profile, site: Site) -> Plan | None:
    return _member_value_plan(contract, level, site, breaking_enum)


def _required_plan(contract: Contract, level: Profile, site: Site) -> Plan | None:
    names = [str(n) for n in site.value]
    if site.content is not None:
        if site.member is not None:
            return None

        def drop(draw: st.DrawFn, payload: dict[str, Any], body: dict[str, Any]) -> JsonValue:
            body.pop(draw(st.sampled_from(names)), None)
            return body

        return _document_plan(contract, level, site, drop)
    choices = contexts(contract, level, site)
    if site.member is None and site.action is None and ACTION_MEMBER in names:
        # Leaving `action` out: draw a payload shaped for one action, then drop it.
        choices = [c for c in choices if c.act is not None] or choices
    if not choices:
        return None
    where = site.member

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        ctx = draw(st.sampled_from(choices))
        name = draw(st.sampled_from(names))
        path = name if where is None else f"{where}/{name}"
        ensure = frozenset() if where is None else frozenset({path})
        payload = draw(valid_payloads(contract, level, ctx.action, given=ctx.given, ensure=ensure))
        drop_path(draw, contract, level, payload, path)
        return payload

    return Plan(build())


def _bound_plan(contract: Contract, level: Profile, site: Site) -> Plan | None:
    return _member_value_plan(contract, level, site, breaking_int)


def _breaking_text(sites: Sequence[Site], broken: Site) -> st.SearchStrategy[JsonValue]:
    return breaking_string(StringRules.of([s for s in sites if s != broken]), broken)


def _string_plan(contract: Contract, level: Profile, site: Site) -> Plan | None:
    return _member_value_plan(contract, level, site, _breaking_text)


def _contains_plan(contract: Contract, level: Profile, site: Site) -> Plan | None:
    """An array none of whose items meets the ``contains`` schema (perhaps an empty one)."""
    member = site.member
    if member is None or site.content is not None or ITEMS in member.split("/"):
        return None
    choices = contexts(contract, level, site)
    if not choices:
        return None
    schema = site.value

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        ctx = draw(st.sampled_from(choices))
        payload = draw(
            valid_payloads(contract, level, ctx.action, given=ctx.given, ensure=frozenset({member}))
        )
        parent, leaf = split(member)
        holder: Any = payload
        for token in () if parent is None else parent.split("/"):
            holder = holder[token]
        holder[leaf] = [item for item in holder[leaf] if not schema.matches(item)]
        return payload

    return Plan(build())


def _closed_plan(contract: Contract, level: Profile, site: Site) -> Plan | None:
    """A document holding a member its schema does not name."""
    if site.content is None or site.member is not None:
        return None
    known = set(contract.document_members(site.content))
    names = TEXT.filter(lambda n: n not in known)

    def add(draw: st.DrawFn, payload: dict[str, Any], body: dict[str, Any]) -> JsonValue:
        body[draw(names)] = draw(json_values(3))
        return body

    return _document_plan(contract, level, site, add)


SITE_PLANS: Final[dict[str, Callable[[Contract, Profile, Site], Plan | None]]] = {
    "type": _type_plan,
    "enum": _enum_plan,
    "const": _enum_plan,
    "required": _required_plan,
    "contains": _contains_plan,
    "additionalProperties": _closed_plan,
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
