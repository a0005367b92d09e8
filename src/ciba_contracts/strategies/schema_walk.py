"""Reading the schema files as the strategies need them: value shapes and annotated constraints.

Two readings of a schema file, both following ``$ref`` (within a file and to
other files) and ``allOf``:

- a :class:`Shape` per value: its JSON types, the members of an object and
  the items of an array, from the ``type``, ``properties`` and ``items``
  keywords (the sdk schema of a payload kind gives the shape of its payloads);
- a :class:`Site` per constraint keyword annotated with a rule
  (``x-ciba-rule``), with the member it constrains (a path such as
  ``scopes/*/name``, ``*`` standing for an array's items), the ``action`` it
  holds for and the other conditions (:class:`Condition`) of the ``if`` blocks
  around it. Annotations are read as the validator reads them: the nearest
  one naming a rule for the keyword, in the file the keyword sits in.

Names without a leading underscore are shared within :mod:`ciba_contracts.strategies`;
they are not public API.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

import jsonschema_rs
import orjson

from ciba_contracts.contract.annotations import RULE_KEYWORD, keyword_rule
from ciba_contracts.contract.schemas import load_schema
from ciba_contracts.jsondoc.render import pointer_tokens

ACTION_MEMBER: Final = "action"
#: The path token standing for every item of an array.
ITEMS: Final = "*"

NUMERIC_KEYWORDS: Final = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
STRING_KEYWORDS: Final = frozenset({"pattern", "minLength", "maxLength"})
_CONSTRAINT_KEYWORDS: Final = (
    NUMERIC_KEYWORDS
    | STRING_KEYWORDS
    | {
        "type",
        "enum",
        "const",
        "required",
        "contains",
        "additionalProperties",
    }
)
# Deep enough for any schema of the contract; a guard against reference cycles.
_MAX_DEPTH: Final = 48

JsonValue: TypeAlias = Any
Payload: TypeAlias = Any


class Missing:
    """A member left out (distinct from JSON null)."""

    def __repr__(self) -> str:
        return "MISSING"


class Present:
    """A member that must be there, whatever its value."""

    def __repr__(self) -> str:
        return "PRESENT"


MISSING: Final = Missing()
PRESENT: Final = Present()

#: What a strategy is told about one member: the values it may take, or that it is
#: absent, or that it is present.
Given: TypeAlias = tuple[JsonValue, ...] | Missing | Present


def join(path: str | None, name: str) -> str:
    """The path of member ``name`` of the value at ``path`` (None: the root)."""
    return name if path is None else f"{path}/{name}"


def split(path: str) -> tuple[str | None, str]:
    """(parent path, last token) of a path."""
    parent, _, leaf = path.rpartition("/")
    return (parent or None), leaf


@dataclass(frozen=True, slots=True)
class Subschema:
    """A schema held by a keyword (``contains``), as canonical JSON so that sites hash."""

    text: str

    @property
    def schema(self) -> Any:
        return _parsed(self.text)

    def matches(self, value: JsonValue) -> bool:
        return bool(_compiled(self.text).is_valid(value))


@functools.cache
def _parsed(text: str) -> Any:
    return orjson.loads(text)


@functools.cache
def _compiled(text: str) -> Any:
    return jsonschema_rs.validator_for(_parsed(text))


def _subschema(value: Any) -> Subschema:
    return Subschema(orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode())


def value_at(root: Any, path: str | None) -> Any:
    """The value at ``path`` of ``root``, or MISSING (paths through arrays are not followed)."""
    node = root
    for token in () if path is None else path.split("/"):
        if not isinstance(node, dict) or token not in node:
            return MISSING
        node = node[token]
    return node


@dataclass(frozen=True, slots=True)
class Condition:
    """The ``if`` of a ``then`` (``holds``) or an ``else`` (not ``holds``) a site sits in."""

    #: The path of the object the ``if`` tests (None: the root).
    at: str | None
    schema: Subschema
    holds: bool

    def members(self) -> frozenset[str]:
        """The members of the tested object the ``if`` looks at."""
        schema = self.schema.schema
        if not isinstance(schema, dict):
            return frozenset()
        names = {str(n) for n in schema.get("required", [])}
        names |= {str(n) for n in schema.get("properties", {})}
        return frozenset(names)

    def test(self, root: Any) -> bool:
        """Whether the condition holds in ``root`` (False where the tested object is absent)."""
        target = value_at(root, self.at)
        if target is MISSING:
            return False
        return self.schema.matches(target) == self.holds

    def forcing(self) -> dict[str, Given] | None:
        """Member -> what it must be for the condition to hold, or None if this reading
        cannot tell (see :func:`meeting`)."""
        schema = self.schema.schema
        if self.holds:
            return meeting(schema)
        required = schema.get("required", []) if isinstance(schema, dict) else []
        # Leaving out a required member is the one sure way to fail the `if`.
        return {str(required[0]): MISSING} if required else None


def meeting(schema: Any) -> dict[str, Given] | None:
    """Member -> what it must be for an object to meet ``schema``; None when ``schema``
    says more than which members are required and which const or enum values they take."""
    if not isinstance(schema, dict) or set(schema) - {"required", "properties", "type"}:
        return None
    out: dict[str, Given] = {str(n): PRESENT for n in schema.get("required", [])}
    for name, sub in schema.get("properties", {}).items():
        if isinstance(sub, dict) and "const" in sub:
            out[str(name)] = (sub["const"],)
        elif isinstance(sub, dict) and isinstance(sub.get("enum"), list):
            out[str(name)] = tuple(sub["enum"])
        elif sub not in (True, {}):
            return None
    return out


@dataclass(frozen=True, slots=True)
class Site:
    """One constraint keyword of a schema file and the rule its failure belongs to."""

    rule: str
    keyword: str
    value: Any
    #: The ``action`` value of the enclosing ``if``, or None outside any.
    action: str | None
    #: The path of the value it constrains (``clientId``, ``scopes/*/name``); None for
    #: the payload (or document) itself.
    member: str | None
    #: The schema file of the ``responseContent`` document, or None for the payload.
    content: str | None
    #: The other ``if`` blocks it sits in.
    when: tuple[Condition, ...] = ()


@dataclass(frozen=True, eq=False)
class Shape:
    """What a schema says a value looks like: its JSON types, members and items."""

    #: The JSON types it may have; empty when the schema states none.
    types: tuple[str, ...]
    properties: Mapping[str, Shape]
    items: Shape | None


ANY_SHAPE: Final = Shape((), {}, None)


def resolve(file: str, ref: str) -> tuple[str, Any, tuple[Any, ...]]:
    """(file, node, annotations of the node's ancestors in its file) a ``$ref`` leads to."""
    target, _, fragment = ref.partition("#")
    name = target.rsplit("/", 1)[-1] if target else file
    node: Any = load_schema(name)
    chain: list[Any] = []
    for token in pointer_tokens(fragment) if fragment else []:
        if isinstance(node, dict) and RULE_KEYWORD in node:
            chain.append(node[RULE_KEYWORD])
        node = node[int(token)] if isinstance(node, list) else node[token]
    return name, node, tuple(chain)


# -- shapes ------------------------------------------------------------------------------------


def _gather(file: str, node: Any, parts: list[tuple[str, dict[str, Any]]], depth: int) -> None:
    """The schema objects that together state one value (through ``$ref`` and ``allOf``)."""
    if not isinstance(node, dict) or depth > _MAX_DEPTH:
        return
    parts.append((file, node))
    ref = node.get("$ref")
    if isinstance(ref, str):
        target_file, target, _ = resolve(file, ref)
        _gather(target_file, target, parts, depth + 1)
    for sub in node.get("allOf", []):
        _gather(file, sub, parts, depth + 1)


def _shape(parts: list[tuple[str, dict[str, Any]]], depth: int) -> Shape:
    types: tuple[str, ...] | None = None
    members: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    items: list[tuple[str, dict[str, Any]]] = []
    for file, node in parts:
        stated = node.get("type")
        if stated is not None:
            these = (stated,) if isinstance(stated, str) else tuple(str(t) for t in stated)
            types = these if types is None else tuple(t for t in types if t in these)
        for name, sub in node.get("properties", {}).items():
            found = members.setdefault(str(name), [])
            _gather(file, sub, found, depth + 1)
        if "items" in node:
            _gather(file, node["items"], items, depth + 1)
    return Shape(
        types or (),
        {name: _shape(found, depth + 1) for name, found in members.items()},
        _shape(items, depth + 1) if items and depth < _MAX_DEPTH else None,
    )


@functools.cache
def shape_of(file: str) -> Shape:
    """The shape of the values a schema file states (cached; do not mutate)."""
    parts: list[tuple[str, dict[str, Any]]] = []
    _gather(file, load_schema(file), parts, 0)
    return _shape(parts, 0)


# -- constraint sites --------------------------------------------------------------------------


def _rule_for(annotations: tuple[Any, ...], keyword: str) -> str | None:
    # As the validator reads them: the nearest annotation naming a rule for the keyword.
    for annotation in reversed(annotations):
        code = keyword_rule(annotation, keyword)
        if code is not None:
            return code
    return None


def _freeze(value: Any) -> Any:
    # Sites are hashed (strategies are cached by them).
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return _subschema(value)
    return value


def _if_action(condition: Any) -> str | None:
    if not isinstance(condition, dict):
        return None
    const = condition.get("properties", {}).get(ACTION_MEMBER, {}).get("const")
    return const if isinstance(const, str) else None


@dataclass(frozen=True, slots=True)
class _Place:
    """Where the walk is: the value's path and what holds around it."""

    path: str | None
    action: str | None
    when: tuple[Condition, ...]
    content: str | None


def _sites(
    file: str, node: Any, place: _Place, annotations: tuple[Any, ...], depth: int
) -> Iterator[Site]:
    if not isinstance(node, dict) or depth > _MAX_DEPTH:
        return
    if RULE_KEYWORD in node:
        annotations = (*annotations, node[RULE_KEYWORD])
    for key, value in node.items():
        if key in _CONSTRAINT_KEYWORDS and (key != "additionalProperties" or value is False):
            rule = _rule_for(annotations, key)
            if rule is not None:
                yield Site(
                    rule, key, _freeze(value), place.action, place.path, place.content, place.when
                )
        if key == "properties" and isinstance(value, dict):
            for name, sub in value.items():
                inner = _Place(join(place.path, name), place.action, place.when, place.content)
                yield from _sites(file, sub, inner, annotations, depth + 1)
        elif key == "items":
            inner = _Place(join(place.path, ITEMS), place.action, place.when, place.content)
            yield from _sites(file, value, inner, annotations, depth + 1)
        elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
            for sub in value:
                yield from _sites(file, sub, place, annotations, depth + 1)
        elif key == "$ref" and isinstance(value, str):
            target_file, target, chain = resolve(file, value)
            yield from _sites(target_file, target, place, chain, depth + 1)
        elif key in ("then", "else"):
            yield from _sites(
                file, value, _branch(place, node.get("if"), key), annotations, depth + 1
            )
        # "if" is a condition, "contains" a schema an item must meet, "$defs" are walked
        # through their references and "contentSchema" is another document (walked as one).


def _branch(place: _Place, condition: Any, key: str) -> _Place:
    if not isinstance(condition, dict):
        return place
    action = _if_action(condition) if place.path is None and place.content is None else None
    if action is not None and key == "then":
        return _Place(place.path, action, place.when, place.content)
    if place.path is not None and ITEMS in place.path.split("/"):
        raise ValueError(f"an if inside an array ({place.path}) is beyond the strategies")
    test = Condition(place.path, _subschema(condition), key == "then")
    return _Place(place.path, place.action, (*place.when, test), place.content)


@functools.cache
def sites_of(file: str, content: str | None) -> tuple[Site, ...]:
    """The sites of a schema file and every file it refers to, each once."""
    place = _Place(None, None, (), content)
    return tuple(dict.fromkeys(_sites(file, load_schema(file), place, (), 0)))
