"""The rule catalog: every check has a stable code, a name, a severity and a level.

The catalog itself is data (``schemas/rules.yaml``) so that it has one home; this
module turns it into typed objects and answers which rules a run enables.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.schemas import rules_document


class Severity(StrEnum):
    """How much a finding matters: only errors make a payload invalid."""

    ERROR = "error"
    WARNING = "warning"


# Rule and Reference are public (``ciba_contracts.Rule``): they stay dataclasses, so
# ``dataclasses.asdict``, ``fields`` and ``replace`` keep working on them.
@dataclass(frozen=True, slots=True)
class Reference:
    """A document a rule rests on."""

    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Rule:
    """One check of the contract."""

    code: str
    name: str
    severity: Severity
    level: Profile
    message: str
    summary: str
    doc: str
    references: tuple[Reference, ...]
    #: Codes of rules whose finding at the same place already says what this one would.
    implied_by: tuple[str, ...] = ()
    #: The project's own opinion: enabled only when selected by code or name.
    opt_in: bool = False

    def format(self, **context: object) -> str:
        """The message template filled in; placeholders without a value render as ``?``."""
        return self.render(context)

    def render(self, context: Mapping[str, object]) -> str:
        """:meth:`format` taking the values as one mapping."""
        fill = _FILLERS.get(self.message)
        if fill is None:
            fill = _FILLERS[self.message] = template_filler(self.message, "?")
        return fill(context)

    @property
    def fields(self) -> tuple[str, ...]:
        """The placeholders the message template uses."""
        names = _FIELDS.get(self.message)
        if names is None:
            names = _FIELDS[self.message] = tuple(
                name for _, name, _, _ in string.Formatter().parse(self.message) if name
            )
        return names


_FIELDS: dict[str, tuple[str, ...]] = {}
_FILLERS: dict[str, Callable[[Mapping[str, object]], str]] = {}


def template_filler(
    template: str, missing: str | None = None
) -> Callable[[Mapping[str, object]], str]:
    """``template.format_map`` as a compiled function of the mapping, a quarter of its cost.

    Fields are plain names (``{value}``); a field the mapping lacks reads ``missing``
    (KeyError when None). Any other template (a format spec, a conversion, an index)
    is filled by ``format_map`` itself.
    """
    pieces = list(string.Formatter().parse(template))
    if not all(
        field is None or (field.isidentifier() and not spec and conversion is None)
        for _, field, spec, conversion in pieces
    ):
        return template.format_map
    fields = [field for _, field, _, _ in pieces if field is not None]
    text = "".join(
        literal.replace("{", "{{").replace("}", "}}") + ("" if field is None else f"{{_{i}}}")
        for i, (literal, field, _, _) in enumerate(pieces)
    )
    lines = ["def fill(context):"]
    for i, (_, field, _, _) in enumerate(pieces):
        if field is not None:
            read = (
                f"context[{field!r}]" if missing is None else f"context.get({field!r}, {missing!r})"
            )
            lines.append(f"    _{i} = {read}")
    lines.append(f"    return f{text!r}" if fields else f"    return {template!r}")
    names: dict[str, Any] = {}
    exec("\n".join(lines), names)
    fill: Callable[[Mapping[str, object]], str] = names["fill"]
    return fill


class UnknownRuleError(ValueError):
    """A ``select`` or ``ignore`` entry names no rule of the catalog."""


_CODE = re.compile(r"^[A-Z][0-9]{3}$")


def _load(doc: Mapping[str, Any]) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for raw in doc["rules"]:
        code = str(raw["code"])
        if not _CODE.match(code) or code in rules:
            raise ValueError(f"rules.yaml: bad or duplicate rule code {code!r}")
        rules[code] = Rule(
            code=code,
            name=str(raw["name"]),
            severity=Severity(raw["severity"]),
            level=Profile(raw["level"]),
            message=str(raw["message"]),
            summary=str(raw["summary"]),
            doc=str(raw["doc"]).strip(),
            references=tuple(Reference(str(r["title"]), str(r["url"])) for r in raw["references"]),
            implied_by=tuple(str(c) for c in raw.get("implied_by", ())),
            opt_in=bool(raw.get("opt_in", False)),
        )
        if code in rules[code].implied_by:
            # A finding is implied away by another at its place: its own would drop it
            # everywhere, and the validator's two-finding shortcut relies on there being none.
            raise ValueError(f"rules.yaml: rule {code} names itself in implied_by")
    return rules


#: Every rule, by code, in catalog order.
RULES: Mapping[str, Rule] = _load(rules_document())


def rule_named(name: str) -> Rule:
    """The rule called ``name`` (code prefixes and codes are not names)."""
    rule = _BY_NAME.get(name)
    if rule is None:
        raise UnknownRuleError(f"no rule is named {name!r} (see `ciba-contracts rules`)")
    return rule


_BY_NAME: Mapping[str, Rule] = {rule.name: rule for rule in RULES.values()}


def _named_exactly(selector: str) -> set[str]:
    key = selector.strip()
    if key.upper() in RULES:
        return {key.upper()}
    return {r.code for r in RULES.values() if r.name == key.lower()}


def _matches(selector: str) -> list[str]:
    key = selector.strip()
    if not key:
        return []
    by_name = [r.code for r in RULES.values() if r.name == key.lower()]
    if by_name:
        return by_name
    prefix = key.upper()
    found = [code for code in RULES if code.startswith(prefix)]
    if not found:
        raise UnknownRuleError(f"no rule matches {selector!r} (see `ciba-contracts rules`)")
    return found


def catalog_rules(
    profile: Profile | str = Profile.CIBA, select: str | Iterable[str] | None = None
) -> frozenset[str]:
    """Codes the catalog lists for ``profile`` and ``select``: opt-in rules included."""
    level = Profile.parse(profile)
    codes = {code for code, rule in RULES.items() if level.includes(rule.level)}
    selected = split_codes(select)
    if selected:
        wanted: set[str] = set()
        for s in selected:
            wanted.update(_matches(s))
        codes &= wanted
    return frozenset(codes)


def split_codes(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Normalise ``"A101, C2"`` or ``["A101", "C2"]`` into a tuple of selectors."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(s.strip() for s in items if s and s.strip())


def enabled_rules(
    profile: Profile | str = Profile.AUTHLETE,
    select: str | Iterable[str] | None = None,
    ignore: str | Iterable[str] | None = None,
) -> frozenset[str]:
    """Codes a run reports.

    The profile bounds the set (rules of its level and below); ``select`` narrows
    it to the given codes, code prefixes (``A1``) or names; ``ignore`` removes.
    Opt-in rules join only when ``select`` names them by code or name.
    """
    level = Profile.parse(profile)
    selected = split_codes(select)
    # Opt-in rules (the project's own opinions) need their code or name; a prefix
    # such as "H" selects the vendor's rules of that group only.
    explicit: set[str] = set()
    for s in selected:
        explicit |= _named_exactly(s)
    codes = {
        code
        for code, rule in RULES.items()
        if level.includes(rule.level) and (not rule.opt_in or code in explicit)
    }
    if selected:
        wanted: set[str] = set()
        for s in selected:
            wanted.update(_matches(s))
        codes &= wanted
    for s in split_codes(ignore):
        codes.difference_update(_matches(s))
    return frozenset(codes)
