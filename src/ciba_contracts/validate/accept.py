"""The accept path: typed decoding with msgspec, generated from the schema files.

For a kind and level, each action's flat schema (:mod:`ciba_contracts.validate.fast`)
is turned into a msgspec ``Struct`` whose constraints msgspec checks in C while
it decodes: types, ``Literal`` enums, ``Meta(ge=, le=, min_length=, pattern=)``.
The structs of a kind's actions form one union tagged by ``action``; what
``responseContent`` holds per action becomes a struct too. A body is accepted
when it decodes and the relations hold (the ``resultMessage`` prefix, the
embedded document, the mirrored members); that is the same test the compiled
schemas and :meth:`Relations.build_test` make, done without building a dict.

It only ever says "no finding": anything it rejects, and any schema keyword it
cannot state exactly, leaves the payload to the exact path, so findings never
depend on it. Bodies that are not ASCII go to the exact path too: msgspec does
not check the UTF-8 of the members it skips, and a body with bad UTF-8 is a
finding.
"""

from __future__ import annotations

import functools
import keyword
import math
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import jsonschema_rs
import msgspec

from ciba_contracts.contract.profiles import Profile
from ciba_contracts.validate.fast import fast_schema
from ciba_contracts.validate.kinds import KindFacts, facts_of

__all__ = ["CODES_KEPT", "AcceptPath", "acceptor", "struct_of", "translate_pattern"]

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


def _pattern_test(schema: dict[str, Any]) -> Callable[[str], object] | None:
    pattern = schema.get("pattern")
    if pattern is None:
        return None
    if not isinstance(pattern, str):
        raise Unexpressible("pattern")
    return re.compile(translate_pattern(pattern)).search


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


Patterns = tuple[tuple[str, Callable[[str], object]], ...]


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
    patterns: list[tuple[str, Callable[[str], object]]] = []
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


def _types_only(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with each member reduced to its type."""
    properties = {
        member: {"type": sub["type"]} if isinstance(sub, dict) and "type" in sub else sub
        for member, sub in schema.get("properties", {}).items()
    }
    return {**schema, "properties": properties}


def _attr(struct: type[msgspec.Struct], member: str) -> str:
    encoded = dict(zip(struct.__struct_fields__, struct.__struct_encode_fields__, strict=True))
    return next(attr for attr, name in encoded.items() if name == member)


_R = TypeVar("_R")
#: (action, resultCode, resultMessage) -> the findings of the result-code table on a payload
#: whose other members keep every rule (they depend on these three members alone).
Codes = Callable[[str, str, str], tuple[Any, ...]]

#: Most ``resultMessage`` values whose verdicts a bound accept path keeps per action.
CODES_KEPT = 4096


class AcceptPath:
    """The accept test of a kind at a level, as the source of one function.

    :meth:`bind` compiles it in front of an exact checker: a bytes body that
    decodes into its action's struct and keeps every stated constraint and
    relation costs no more than that; anything else goes to the exact checker.
    """

    def __init__(self, name: str, source: str, names: Mapping[str, Any]) -> None:
        self._name = name
        self._source = compile(source, f"<accept {name}>", "exec")
        self._names = dict(names)
        self._probe = self.bind(_refused, lambda *_: ())

    def bind(
        self, exact: Callable[[Any], _R], codes: Codes | None = None
    ) -> Callable[[Any], _R | list[Any]]:
        """``exact`` behind the accept path.

        ``codes`` gives the findings of the result-code rules, which depend on
        ``action``, ``resultCode`` and ``resultMessage`` alone; they are cached per
        action and pair (bounded). Without it (a level or kind without the table),
        an accepted body has no finding.
        """
        names = dict(self._names)
        names["_exact"] = exact
        names["_codes"] = _pair_cache(codes)
        for key in [k for k in names if k.startswith("_k")]:
            names[key] = {}
        exec(self._source, names)
        checker: Callable[[Any], _R | list[Any]] = names["accept"]
        return checker

    def accepts(self, body: bytes) -> bool:
        """Whether ``body`` keeps every constraint the structs state (result codes aside)."""
        return self._probe(body) is not None


def _refused(_body: Any) -> None:
    return None


Entry = tuple[str, tuple[Any, ...]]


def _pair_cache(codes: Codes | None) -> Callable[[str, str, str, dict[str, Entry]], Entry]:
    """What the accept path calls for a (code, message) pair it has not seen for an action:
    (code, findings), kept in the action's cache under the message (bounded)."""

    def remember(action: str, code: str, message: str, cache: dict[str, Entry]) -> Entry:
        entry = (code, codes(action, code, message) if codes is not None else ())
        if len(cache) >= CODES_KEPT:
            cache.clear()
        cache[message] = entry
        return entry

    return remember


@functools.cache
def acceptor(kind: str, profile: Profile, relations: bool) -> AcceptPath | None:
    """The accept path of a kind at a level, or None when its schemas cannot be stated.

    ``relations``: whether the level checks the relations (``authlete`` and up).
    """
    facts = facts_of(kind)
    file = facts.files[profile]
    ok_action = facts.mirror_action
    try:
        structs: dict[str, tuple[type[msgspec.Struct], Patterns]] = {}
        if facts.has_action:
            if len(facts.actions) < 2:
                # A lone tagged struct is no union: msgspec would not insist on its tag.
                raise Unexpressible("a kind with one action")
            for action in facts.actions:
                schema = fast_schema(file, action)
                structs[action] = struct_of(
                    schema, f"Accept_{action}", tag=action, tag_field="action"
                )
        else:
            structs[""] = struct_of(fast_schema(file, ""), "Accept")
        contents: dict[str, tuple[type[msgspec.Struct], Patterns]] = {}
        for action, name in facts.content_schemas.items():
            content_schema = fast_schema(name, "")
            if action == ok_action and facts.mirror_only:
                # Members equal to fields the struct already checked cannot break the
                # document's schema (the exact path's shortcut too): only types are left.
                content_schema = _types_only(content_schema)
            contents[action] = struct_of(content_schema, f"Content_{action}")
    except (Unexpressible, ValueError):
        # ValueError: a schema the specialisation cannot state (a fragment reference).
        return None
    try:
        return _compiled(facts, structs, contents, relations)
    except Unexpressible:
        return None


_FAIL = "return _exact(body)"


def _compiled(
    facts: KindFacts,
    structs: Mapping[str, tuple[type[msgspec.Struct], Patterns]],
    contents: Mapping[str, tuple[type[msgspec.Struct], Patterns]],
    relations: bool,
) -> AcceptPath:
    """The accept path as the source of one function.

    The same steps as the compiled schemas and :meth:`Relations.build_test`,
    but as straight-line code per struct: attribute reads, no look-ups by name
    and no call per step, which is a third of the cost of the general form.
    """
    union = [struct for struct, _ in structs.values()]
    decoder = msgspec.json.Decoder(union[0] if len(union) == 1 else Union[tuple(union)])  # noqa: UP007
    names: dict[str, Any] = {
        "_decode": decoder.decode,
        "_errors": (msgspec.ValidationError, msgspec.DecodeError, RecursionError),
        "_UNSET": _UNSET,
    }
    lines = [
        "def accept(body):",
        # msgspec does not check the UTF-8 of members it skips; bad UTF-8 is a finding.
        "    if type(body) is not bytes or not body.isascii():",
        f"        {_FAIL}",
        "    try:",
        "        obj = _decode(body)",
        "    except _errors:",
        f"        {_FAIL}",
        "    kind = type(obj)",
    ]
    for number, (action, (struct, patterns)) in enumerate(structs.items()):
        names[f"_S{number}"] = struct
        lines.append(f"    if kind is _S{number}:")
        if relations:
            content = contents.get(action)
            mirror = facts.mirror if action == facts.mirror_action else {}
            body = _relation_lines(struct, patterns, content, mirror, (action, number), names)
        else:
            body = _pattern_lines(struct, patterns, "obj", f"_p{number}_", names)
            body.append("return []")
        lines += ["        " + line for line in body]
    lines.append(f"    {_FAIL}")
    return AcceptPath(facts.name, "\n".join(lines), names)


def _pattern_lines(
    struct: type[msgspec.Struct], patterns: Patterns, obj: str, prefix: str, names: dict[str, Any]
) -> list[str]:
    """Lines that leave the body to the exact path when a member of ``obj`` breaks its pattern."""
    required = set(struct.__struct_fields__) - set(_defaults(struct))
    lines = []
    for index, (attr, test) in enumerate(patterns):
        name = f"{prefix}{index}"
        names[name] = test
        if attr in required:
            lines.append(f"if {name}({obj}.{attr}) is None:")
        else:
            lines.append(f"if {obj}.{attr} is not _UNSET and {name}({obj}.{attr}) is None:")
        lines.append(f"    {_FAIL}")
    return lines


def _relation_lines(
    struct: type[msgspec.Struct],
    patterns: Patterns,
    content: tuple[type[msgspec.Struct], Patterns] | None,
    mirror: Mapping[str, str],
    where: tuple[str, int],
    names: dict[str, Any],
) -> list[str]:
    """Lines for one decoded struct at a level that checks the relations, ending in a return.

    ``resultCode`` and ``resultMessage`` repeat from payload to payload: a message
    seen before with the same code passed their patterns and the prefix rule, and
    its result-code findings are known, so one look-up by the message replaces them.
    """
    action, number = where
    encoded = struct.__struct_encode_fields__
    if "resultCode" not in encoded or "resultMessage" not in encoded:
        raise Unexpressible("no resultCode or resultMessage")
    code, message = _attr(struct, "resultCode"), _attr(struct, "resultMessage")
    paired = [(attr, test) for attr, test in patterns if attr in (code, message)]
    others = tuple((attr, test) for attr, test in patterns if attr not in (code, message))
    cache = f"_k{number}"
    names[cache] = {}
    lines = _pattern_lines(struct, others, "obj", f"_p{number}_", names)
    lines += [
        f"code = obj.{code}",
        f"message = obj.{message}",
        f"entry = {cache}.get(message)",
        "if entry is None or entry[0] != code:",
        "    if code is _UNSET or message is _UNSET:",
        f"        {_FAIL}",
    ]
    lines += [
        "    " + line
        for line in _pattern_lines(struct, tuple(paired), "obj", f"_q{number}_", names)
    ]
    lines += [
        "    if not message.startswith('[' + code + ']'):",
        f"        {_FAIL}",
        f"    entry = _codes({action!r}, code, message, {cache})",
    ]
    closing = ["found = entry[1]", "return list(found) if found else []"]
    if content is None or "responseContent" not in encoded:
        return lines + closing
    content_struct, content_patterns = content
    prefix = f"_c{number}"
    names[prefix] = msgspec.json.Decoder(content_struct).decode
    inner = [
        "try:",
        f"    document = {prefix}(text)",
        "except _errors:",
        f"    {_FAIL}",
    ]
    inner += _pattern_lines(content_struct, content_patterns, "document", f"{prefix}_p", names)
    inner_names = content_struct.__struct_encode_fields__
    if not set(mirror) <= set(inner_names) or not set(mirror.values()) <= set(encoded):
        raise Unexpressible("mirrored members the structs do not hold")
    inner_types = dict(zip(inner_names, content_struct.__annotations__.values(), strict=False))
    outer_types = dict(zip(encoded, struct.__annotations__.values(), strict=False))
    checks = []
    for member, field in mirror.items():
        # Both sides decode to the same plain type (msgspec never gives a bool for an int),
        # so == is JSON's equality; UNSET on both sides is the member absent on both.
        kind = _plain(inner_types.get(member))
        if kind is None or kind != _plain(outer_types.get(field)):
            raise Unexpressible(f"mirrored {member} and {field} differ in type")
        checks.append(f"document.{_attr(content_struct, member)} == obj.{_attr(struct, field)}")
    if checks:
        inner += [f"if not ({' and '.join(checks)}):", f"    {_FAIL}"]
    lines.append(f"text = obj.{_attr(struct, 'responseContent')}")
    lines.append("if text is not _UNSET:")
    lines += ["    " + line for line in inner]
    return lines + closing


def _defaults(struct: type[msgspec.Struct]) -> tuple[str, ...]:
    """The fields of ``struct`` that have a default (the optional members)."""
    fields = struct.__struct_fields__
    return fields[len(fields) - len(struct.__struct_defaults__) :]


def _plain(annotation: Any) -> Any:
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
