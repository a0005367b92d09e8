"""msgspec structs that decode exactly what a flat schema accepts, built from the schema files.

A flat schema (:mod:`ciba_contracts.validate.fast`) constrains the members of one
object with a few keywords; each member becomes a field whose type msgspec checks
in C while it decodes: ``Literal`` enums, ``Meta(ge=, le=, min_length=)``. Patterns
are returned beside the struct, since calling the compiled pattern directly costs
half of what msgspec's call does. Anything a struct cannot state exactly raises
:class:`Unexpressible`, and the caller keeps to the exact path.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import jsonschema_rs
import msgspec

__all__ = [
    "PatternTest",
    "Patterns",
    "Unexpressible",
    "attr_of",
    "content_lines",
    "defaults_of",
    "fresh_caches",
    "new_cache",
    "pattern_lines",
    "pattern_test",
    "plain_type",
    "struct_of",
    "translate_pattern",
    "types_only",
]

_INT64 = (-(2**63), 2**63 - 1)
_UNSET = msgspec.UNSET

# The regex subset whose meaning is the same in ECMA-262 (JSON Schema) and Python's re:
# anchors, literal ASCII letters and digits, bracket classes of literal characters, ranges
# and \xHH escapes, and quantifiers. No \d, \w or \s (Unicode-aware in Python), no dot.
_CLASS_ITEM = r"(?:[A-Za-z0-9._ ]|\\x[0-9A-Fa-f]{2}|\\[-.\]\\]|-)"
_PIECE = re.compile(rf"(?:\[\^?{_CLASS_ITEM}+\]|[A-Za-z0-9_ ]|\\[-.])(?:[*+?]|\{{\d+(?:,\d*)?\}})?")
_STRING_KEYS = frozenset({"type", "pattern", "minLength", "maxLength", "enum", "const"})
_INTEGER_KEYS = frozenset(
    {"type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum", "const"}
)


class Unexpressible(ValueError):
    """A schema keyword the struct cannot state exactly."""


def translate_pattern(pattern: str) -> str:
    """``pattern`` as a Python regex with the same matches under ``re.search``.

    Only the subset both dialects read alike is accepted (:class:`Unexpressible`
    otherwise); a closing ``$`` becomes ``\\Z``, since Python's ``$`` also
    matches before a final newline and ECMA-262's does not.
    """
    body = pattern
    head = body.startswith("^")
    tail = body.endswith("$") and not body.endswith("\\$")
    body = body[1 if head else 0 : len(body) - 1 if tail else len(body)]
    at = 0
    while at < len(body):
        match = _PIECE.match(body, at)
        if match is None:
            raise Unexpressible(f"pattern {pattern!r}")
        at = match.end()
    return ("^" if head else "") + body + ("\\Z" if tail else "")


def _number_bound(value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unexpressible(f"bound {value!r}")
    return value


def _integer_type(schema: dict[str, Any]) -> Any:
    lo, hi = _INT64
    if "minimum" in schema:
        lo = max(lo, math.ceil(_number_bound(schema["minimum"])))
    if "exclusiveMinimum" in schema:
        lo = max(lo, math.floor(_number_bound(schema["exclusiveMinimum"])) + 1)
    if "maximum" in schema:
        hi = min(hi, math.floor(_number_bound(schema["maximum"])))
    if "exclusiveMaximum" in schema:
        hi = min(hi, math.ceil(_number_bound(schema["exclusiveMaximum"])) - 1)
    return Annotated[int, msgspec.Meta(ge=lo, le=hi)]


def _string_type(schema: dict[str, Any]) -> Any:
    meta: dict[str, Any] = {}
    for key, name in (("minLength", "min_length"), ("maxLength", "max_length")):
        if key in schema:
            value = schema[key]
            if isinstance(value, bool) or not isinstance(value, int):
                raise Unexpressible(key)
            meta[name] = value
    return Annotated[str, msgspec.Meta(**meta)] if meta else str


class PatternTest(msgspec.Struct, frozen=True):
    """A ``pattern`` keyword as generated code.

    ``fails`` is the condition under which the string ``{value}`` breaks it, with
    ``test`` bound under the name ``{test}``: the compiled pattern's ``search``, or,
    for a pattern that only says which ASCII characters a string is made of, a table
    for ``bytes.translate`` that marks every other byte, whose mark is then looked for
    (a table with deletions is built anew on each call: a mark costs half of that, and
    a search twice that).
    """

    test: object
    fails: str

    def condition(self, value: str, test: str) -> str:
        """``fails`` for the expression ``value`` and the name ``test``."""
        return self.fails.format(value=value, test=test)


# What the table of a character class makes of a byte in the class, and of any other.
_KEPT, _MARKED = ord("a"), ord("!")
_WHOLE_CLASS = re.compile(r"\^\[(?!\^)(.+)\]([*+])\$")


def pattern_test(pattern: str) -> PatternTest:
    """The test of ``pattern`` (outside :func:`translate_pattern`'s subset: Unexpressible)."""
    translated = translate_pattern(pattern)
    whole = _WHOLE_CLASS.fullmatch(pattern)
    if whole is not None:
        member = re.compile(f"[{whole.group(1)}]").fullmatch
        # Read as Python reads the class, which is how ECMA-262 reads it in this subset.
        allowed = {c for c in range(128) if member(chr(c))}
        if not any(member(chr(c)) for c in range(128, 256)):
            table = bytes(_KEPT if c in allowed else _MARKED for c in range(256))
            fails = f"{_MARKED} in {{value}}.encode().translate({{test}})"
            if whole.group(2) == "+":
                fails = "not {value} or " + fails
            return PatternTest(table, fails)
    return PatternTest(re.compile(translated).search, "{test}({value}) is None")


def _pattern_test(schema: dict[str, Any]) -> PatternTest | None:
    pattern = schema.get("pattern")
    if pattern is None:
        return None
    if not isinstance(pattern, str):
        raise Unexpressible("pattern")
    return pattern_test(pattern)


def _member_type(schema: Any) -> Any:
    if not isinstance(schema, dict):
        raise Unexpressible(f"member schema {schema!r}")
    kind = schema.get("type")
    values = schema.get("enum", [schema["const"]] if "const" in schema else None)
    if values is not None:
        # An enum of strings alone is a Literal; with other keywords the enum must hold strings
        # that the other keywords accept, which is not worth stating here.
        if kind != "string" or set(schema) - {"type", "enum", "const"}:
            raise Unexpressible("enum with other keywords")
        if not values or not all(type(v) is str for v in values):
            raise Unexpressible("enum of non-strings")
        if "const" in schema and "enum" in schema:
            values = [v for v in values if v == schema["const"]]
            if not values:
                raise Unexpressible("const outside enum")
        return Literal[tuple(values)]
    if kind == "string" and set(schema) <= _STRING_KEYS:
        return _string_type(schema)
    if kind == "integer" and set(schema) <= _INTEGER_KEYS:
        return _integer_type(schema)
    raise Unexpressible(f"member schema {schema!r}")


Patterns = tuple[tuple[str, PatternTest], ...]


def struct_of(
    schema: dict[str, Any], name: str, *, tag: str | None = None, tag_field: str | None = None
) -> tuple[type[msgspec.Struct], Patterns]:
    """A struct that decodes exactly the objects ``schema`` (a flat schema) accepts,
    but for its ``pattern`` keywords, returned beside it as (attribute, test).

    msgspec runs a pattern through a Python call per value (about 0.4 µs), twice
    what a compiled test called directly costs, so patterns are left to the caller.
    ``tag_field``/``tag``: the member that tells the union's structs apart, and
    its value for this one (the schema must accept it there). Raises
    :class:`Unexpressible` for any keyword it cannot state.
    """
    if set(schema) - {"type", "properties", "required", "$schema"} or schema.get("type") not in (
        "object",
        None,
    ):
        raise Unexpressible(f"object keywords {sorted(schema)}")
    if schema.get("type") != "object":
        # Without "type": "object" a non-object is valid; a struct rejects it.
        raise Unexpressible("schema without type object")
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    if not isinstance(properties, dict) or not required <= set(properties) | required:
        raise Unexpressible("properties")
    if tag_field is not None:
        sub = properties.get(tag_field, True)
        if not jsonschema_rs.validator_for({"properties": {tag_field: sub}}).is_valid(
            {tag_field: tag}
        ):
            raise Unexpressible(f"{tag_field} {tag!r} is refused by its own schema")
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    patterns: list[tuple[str, PatternTest]] = []
    rename: dict[str, str] = {}
    for index, member in enumerate(list(properties) + sorted(required - set(properties))):
        if member == tag_field:
            continue
        attr = member
        if not member.isidentifier() or keyword.iskeyword(member) or member.startswith("_"):
            attr = f"m{index}"
            rename[attr] = member
        if member not in properties:
            raise Unexpressible(f"required {member!r} without a schema")
        typ = _member_type(properties[member])
        test = _pattern_test(properties[member])
        if test is not None:
            patterns.append((attr, test))
        if member in required:
            fields.append((attr, typ))
        else:
            fields.append((attr, Union[typ, msgspec.UnsetType], _UNSET))  # noqa: UP007
    # Required members first: a struct's fields without defaults must come first.
    fields.sort(key=lambda f: len(f) == 3)
    # Members are strings and numbers: no reference cycle, so the collector need not track them.
    options: dict[str, Any] = {"rename": rename or None, "gc": False}
    if tag_field is not None:
        options.update(tag_field=tag_field, tag=tag)
    return msgspec.defstruct(name, fields, **options), tuple(patterns)


def types_only(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with each member reduced to its type."""
    properties = {
        member: {"type": sub["type"]} if isinstance(sub, dict) and "type" in sub else sub
        for member, sub in schema.get("properties", {}).items()
    }
    return {**schema, "properties": properties}


#: The generated source's names that hold caches (see :func:`new_cache`).
_CACHES = "__caches__"


def new_cache(names: dict[str, Any], name: str) -> str:
    """``name``, made a cache of the generated source whose globals are ``names``:
    :func:`fresh_caches` empties it for each checker bound from that source."""
    names[name] = {}
    names.setdefault(_CACHES, []).append(name)
    return name


def fresh_caches(names: dict[str, Any]) -> None:
    """Give every cache :func:`new_cache` named in ``names`` a new, empty dictionary."""
    for name in names.get(_CACHES, ()):
        names[name] = {}


def attr_of(struct: type[msgspec.Struct], member: str) -> str:
    encoded = dict(zip(struct.__struct_fields__, struct.__struct_encode_fields__, strict=True))
    return next(attr for attr, name in encoded.items() if name == member)


def defaults_of(struct: type[msgspec.Struct]) -> tuple[str, ...]:
    """The fields of ``struct`` that have a default (the optional members)."""
    fields = struct.__struct_fields__
    return fields[len(fields) - len(struct.__struct_defaults__) :]


def plain_type(annotation: Any) -> Any:
    """The Python type a struct member decodes to (``int`` for ``Annotated[int, ...]``)."""
    base = annotation
    if get_origin(base) is Union:
        args = [a for a in get_args(base) if a is not msgspec.UnsetType]
        if len(args) != 1:
            return None
        base = args[0]
    while get_origin(base) is Annotated:
        base = get_args(base)[0]
    return base if base in (str, int) else None


# -- generated code ------------------------------------------------------------


def pattern_lines(
    struct: type[msgspec.Struct],
    patterns: Patterns,
    obj: str,
    prefix: str,
    names: dict[str, Any],
    fail: str,
) -> list[str]:
    """Lines that run ``fail`` when a member of ``obj`` (a decoded ``struct``) breaks its pattern;
    each test goes into ``names``, under ``prefix`` and a number."""
    required = set(struct.__struct_fields__) - set(defaults_of(struct))
    lines = []
    for index, (attr, test) in enumerate(patterns):
        name = f"{prefix}{index}"
        names[name] = test.test
        fails = test.condition(f"{obj}.{attr}", name)
        if attr in required:
            lines.append(f"if {fails}:")
        else:
            lines.append(f"if {obj}.{attr} is not _UNSET and ({fails}):")
        lines.append(f"    {fail}")
    return lines


def content_lines(
    struct: type[msgspec.Struct],
    content: tuple[type[msgspec.Struct], Patterns],
    mirror: Mapping[str, str],
    prefix: str,
    names: dict[str, Any],
    fail: str,
) -> tuple[str, list[str]]:
    """The name of the decoder of what ``responseContent`` holds (``document``), and lines
    that run ``fail`` when the decoded document breaks a pattern or a mirrored member differs
    from its field of ``obj``."""
    content_struct, content_patterns = content
    names[prefix] = msgspec.json.Decoder(content_struct).decode
    encoded = struct.__struct_encode_fields__
    lines = pattern_lines(content_struct, content_patterns, "document", f"{prefix}_p", names, fail)
    inner_names = content_struct.__struct_encode_fields__
    if not set(mirror) <= set(inner_names) or not set(mirror.values()) <= set(encoded):
        raise Unexpressible("mirrored members the structs do not hold")
    checks = []
    for member, field in mirror.items():
        # Both sides decode to the same plain type (msgspec never gives a bool for an int),
        # so == is JSON's equality; UNSET on both sides is the member absent on both.
        inner, outer = attr_of(content_struct, member), attr_of(struct, field)
        kind = plain_type(content_struct.__annotations__[inner])
        if kind is None or kind != plain_type(struct.__annotations__[outer]):
            raise Unexpressible(f"mirrored {member} and {field} differ in type")
        checks.append(f"document.{inner} == obj.{outer}")
    if checks:
        lines += [f"if not ({' and '.join(checks)}):", f"    {fail}"]
    return prefix, lines
