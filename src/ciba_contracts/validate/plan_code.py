"""A plan's checks as Python source: strings and integers judged without a call into Rust.

:meth:`Plan.failures <ciba_contracts.validate.plan.Plan.failures>` asks the
compiled validator of each member whether the member holds; a payload that
breaks the contract pays one such call per member, each converting the value
to Rust. The keywords of this project's schemas are simple enough to state in
Python for the values members usually hold (a string, an integer), so each
plan is also written out as one function: per member, one branch for a string
(ASCII, where ECMA-262 and Python read patterns and lengths alike), one for an
integer, each keyword a comparison in source order; any other value, and any
keyword not stated here, goes through the compiled checks as before. The
failures come out in the same order with the same values, so the findings
named from them are the same; a property test holds the two to that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ciba_contracts.validate.structs import Unexpressible, pattern_test

if TYPE_CHECKING:
    from ciba_contracts.validate.plan import KeywordCheck, MemberChecks

__all__ = ["compile_failures", "int_failure", "string_failure"]

Failures = Callable[[dict[str, Any]], list[tuple["KeywordCheck", Any]]]

_MISSING = object()
_NUMBER_BOUNDS = {
    "minimum": ">=",
    "maximum": "<=",
    "exclusiveMinimum": ">",
    "exclusiveMaximum": "<",
}


def compile_failures(
    root: tuple[KeywordCheck, ...],
    required: tuple[KeywordCheck, ...],
    members: tuple[MemberChecks, ...],
) -> Failures:
    """The failures of a plan as one generated function (see the module's docstring)."""
    names: dict[str, Any] = {"_MISSING": _MISSING}
    lines = ["def failures(instance):", "    failed = []", "    append = failed.append"]
    for index, check in enumerate(root):
        names[f"_r{index}"] = check
        # Mostly "type": "object", which a dict keeps without being copied into Rust.
        is_object = check.keyword == "type" and "object" in _types(check.schema["type"])
        guard = "type(instance) is not dict and " if is_object else ""
        lines += [
            f"    if {guard}not _r{index}.holds(instance):",
            f"        append((_r{index}, instance))",
        ]
    for index, check in enumerate(required):
        names[f"_q{index}"] = check
        lines += [
            f"    if {check.member!r} not in instance:",
            f"        append((_q{index}, instance))",
        ]
    for number, group in enumerate(members):
        lines += [f"    v = instance.get({group.member!r}, _MISSING)", "    if v is not _MISSING:"]
        lines += ["        " + line for line in _group_lines(group, number, names)]
    lines.append("    return failed")
    exec(compile("\n".join(lines), "<plan>", "exec"), names)
    failures: Failures = names["failures"]
    return failures


def _group_lines(group: MemberChecks, number: int, names: dict[str, Any]) -> list[str]:
    prefix = f"_g{number}_"
    names[f"{prefix}holds"] = group.holds
    names[f"{prefix}checks"] = group.checks
    for index, check in enumerate(group.checks):
        names[f"{prefix}{index}"] = check
    lines: list[str] = []
    branches = (
        ("type(v) is str and v.isascii()", "s", string_failure),
        ("type(v) is int", "i", int_failure),
    )
    for test, tag, stater in branches:
        try:
            body = _branch(group, prefix, tag, stater, names)
        except Unexpressible:
            continue
        lines += [f"{'elif' if lines else 'if'} {test}:", *("    " + line for line in body)]
    fallback = [
        f"if not {prefix}holds(v):",
        f"    for check in {prefix}checks:",
        "        if not check.holds(v):",
        "            append((check, v))",
    ]
    if not lines:
        return fallback
    return [*lines, "else:", *("    " + line for line in fallback)]


Stater = Callable[[str, Any, str, dict[str, Any]], str | None]


def _branch(
    group: MemberChecks, prefix: str, tag: str, stater: Stater, names: dict[str, Any]
) -> list[str]:
    """One line pair per keyword: a condition under which it fails, then the append."""
    lines: list[str] = []
    for index, check in enumerate(group.checks):
        value = check.schema[check.keyword]
        fails = stater(check.keyword, value, f"{prefix}{index}_{tag}", names)
        if fails is None:
            continue
        lines += [f"if {fails}:", f"    append(({prefix}{index}, v))"]
    return lines or ["pass"]


def _types(value: Any) -> set[str]:
    types = value if isinstance(value, list) else [value]
    if not all(isinstance(t, str) for t in types):
        raise Unexpressible(f"type {value!r}")
    return set(types)


def string_failure(keyword: str, value: Any, name: str, names: dict[str, Any]) -> str | None:
    """When a string breaks the keyword (None: never), for ASCII strings."""
    if keyword == "type":
        return None if "string" in _types(value) else "True"
    if keyword in ("enum", "const"):
        values = value if keyword == "enum" else [value]
        if not isinstance(values, list):
            raise Unexpressible(keyword)
        names[f"{name}_in"] = frozenset(v for v in values if type(v) is str)
        return f"v not in {name}_in"
    if keyword == "pattern":
        if not isinstance(value, str):
            raise Unexpressible(keyword)
        test = pattern_test(value)
        names[f"{name}_re"] = test.test
        return test.condition("v", f"{name}_re")
    if keyword in ("minLength", "maxLength"):
        if type(value) is not int:
            raise Unexpressible(keyword)
        return f"len(v) {'<' if keyword == 'minLength' else '>'} {value}"
    if keyword in _NUMBER_BOUNDS or keyword == "multipleOf":
        return None
    raise Unexpressible(keyword)


def int_failure(keyword: str, value: Any, name: str, names: dict[str, Any]) -> str | None:
    """When an integer (never a boolean) breaks the keyword (None: never)."""
    if keyword == "type":
        return None if _types(value) & {"integer", "number"} else "True"
    if keyword in ("enum", "const"):
        values = value if keyword == "enum" else [value]
        if not isinstance(values, list):
            raise Unexpressible(keyword)
        # JSON numbers compare by value (1 == 1.0); a boolean is never a number.
        names[f"{name}_in"] = tuple(v for v in values if type(v) in (int, float))
        return f"v not in {name}_in"
    if keyword in _NUMBER_BOUNDS:
        if type(value) not in (int, float):
            raise Unexpressible(keyword)
        names[f"{name}_bound"] = value
        return f"not (v {_NUMBER_BOUNDS[keyword]} {name}_bound)"
    if keyword == "multipleOf":
        if type(value) is not int or value <= 0:
            raise Unexpressible(keyword)
        return f"v % {value}"
    if keyword in ("pattern", "minLength", "maxLength"):
        return None
    raise Unexpressible(keyword)
