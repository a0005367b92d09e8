"""What a finding says: the fixed part of a keyword's message, and how values are named.

A failing keyword's finding is mostly the same whatever the value: the rule,
its template with the member and expected value filled in, the pointers.
:class:`KnownPart` keeps that part per keyword location and place, so a
violation costs a dictionary look-up and a format call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ciba_contracts.contract.rules import RULES, Severity, rule_named, template_filler
from ciba_contracts.jsondoc.render import json_type, pointer, render
from ciba_contracts.validate.finding import Finding
from ciba_contracts.validate.kinds import CONTENT_POINTER
from ciba_contracts.validate.schema_map import rule_at

__all__ = [
    "KNOWN_LIMIT",
    "KnownPart",
    "actual_text",
    "article",
    "expected_text",
    "finding_order",
]

#: The rule of a failing keyword whose schema names none (a type mismatch).
_WRONG_TYPE = rule_named("wrong-type")

#: Most distinct (keyword location, member) places whose findings' fixed parts are kept.
KNOWN_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class KnownPart:
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
    #: ``template.format_map``, compiled (:func:`template_filler`).
    fill: Callable[[Mapping[str, object]], str] = field(compare=False, repr=False)

    @classmethod
    def of(cls, path: tuple[str | int, ...], location: str, content: bool) -> KnownPart:
        keyword = location.rsplit("/", 1)[-1]
        code, holder = rule_at(location)
        rule = RULES.get(code, _WRONG_TYPE) if code else _WRONG_TYPE
        required = keyword == "required"
        member = str(path[-1]) if path else ("?" if required else "")
        fixed: dict[str, object] = {"member": member or "payload"}
        if required:
            fixed["actual"] = "missing"
            fixed["value"] = None
        if "expected" in rule.fields:
            fixed["expected"] = expected_text(keyword, holder.get(keyword, ""))
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
            CONTENT_POINTER if content else where,
            where if content else None,
            member,
            keyword,
            required,
            template,
            "value" in later and "value" in rule.fields,
            "actual" in later and "actual" in rule.fields,
            "detail" in rule.fields,
            template_filler(template),
        )


def finding_order(f: Finding) -> tuple[str, str, str, str]:
    return (f.pointer, f.content_pointer or "", f.rule, f.message)


def article(type_name: str) -> str:
    if type_name == "null":
        return type_name
    return ("an " if type_name[:1] in "aeiou" else "a ") + type_name


def actual_text(keyword: str, instance: object) -> str:
    if keyword in ("minLength", "maxLength") and isinstance(instance, str):
        return str(len(instance))
    return article(json_type(instance))


def expected_text(keyword: str, expected: object) -> str:
    if keyword == "type":
        names = expected if isinstance(expected, list) else [expected]
        return " or ".join(article(str(n)) for n in names)
    if keyword == "enum" and isinstance(expected, list):
        return ", ".join(str(v) for v in expected)
    return render(expected)
