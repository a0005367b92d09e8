"""What the validator needs to know about a payload kind, read from its schema files.

A kind (``issue-response``, ``result``...) is named in the OpenAPI document
with its schema file per level (:func:`ciba_contracts.contract.schemas.kinds`).
Its ``action`` values come from the sdk schema's enum; what ``responseContent``
holds per action comes from ``contentSchema`` under the authlete schema's
``if action == X`` branches; the members ``responseContent`` repeats come from
the ``x-ciba-mirror`` annotation, per action and per narrower variant (a push
notification repeats the tokens a ping one does not). A kind without those
simply has none: the validator asks these facts, never a kind's name.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

import msgspec

from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.schemas import kind_files, kinds, load_schema, schemas_by_uri
from ciba_contracts.validate.fast import is_annotation

__all__ = [
    "CONTENT_POINTER",
    "KINDS",
    "KindFacts",
    "VariantMirror",
    "facts_of",
    "known_members",
    "walk",
]

#: Where a fault inside the embedded document points.
CONTENT_POINTER = "/responseContent"
_MIRROR_KEYWORD = "x-ciba-mirror"


class VariantMirror(NamedTuple):
    """The members a narrower ``responseContent`` (for payloads whose ``member`` is
    ``value``) repeats: the action's own mirror and the variant's."""

    member: str
    value: Any
    #: document member -> field.
    mirror: Mapping[str, str]
    #: Members that document holds whatever else it holds.
    required: frozenset[str]


class KindFacts(msgspec.Struct, frozen=True):
    """The schema facts of one payload kind."""

    name: str
    files: Mapping[Profile, str]
    #: The published ``action`` values; ``("",)`` for a kind without ``action``.
    actions: tuple[str, ...]
    #: action -> schema file of what its ``responseContent`` holds.
    content_schemas: Mapping[str, str]
    #: action -> (member, value, file): a narrower statement of ``responseContent`` for
    #: payloads whose ``member`` is ``value`` (a push notification's ``deliveryMode``).
    content_variants: Mapping[str, tuple[tuple[str, Any, str], ...]]
    #: The action whose ``responseContent`` repeats fields, and member -> field.
    mirror_action: str | None
    mirror: Mapping[str, str]
    #: Members the mirrored document must hold.
    mirror_required: frozenset[str]
    #: Whether that document constrains nothing but mirrored members (then a document
    #: whose members all equal their fields needs no schema run).
    mirror_only: bool
    #: action -> the mirrors of its narrower documents, in ``content_variants`` order.
    variant_mirrors: Mapping[str, tuple[VariantMirror, ...]]

    @property
    def has_action(self) -> bool:
        """Whether payloads of this kind carry ``action``."""
        return self.actions != ("",)


@functools.cache
def facts_of(kind: str) -> KindFacts:
    """The facts of payload ``kind`` (ValueError for an unknown kind)."""
    files = kind_files(kind)
    actions = _action_values(files[Profile.SDK])
    contents: dict[str, str] = {}
    mirror_action: str | None = None
    mirror: dict[str, str] = {}
    for action, inner in _action_branches(files[Profile.AUTHLETE]):
        content = inner.get("properties", {}).get("responseContent", {})
        ref = content.get("contentSchema", {}).get("$ref") if isinstance(content, dict) else None
        if isinstance(action, str) and isinstance(ref, str):
            # The outermost statement for the action holds for every payload of it; an
            # inner one that depends on another member (deliveryMode) is left to the schema.
            contents.setdefault(action, ref.rsplit("/", 1)[-1])
        annotation = inner.get(_MIRROR_KEYWORD)
        if isinstance(annotation, dict) and isinstance(action, str) and mirror_action is None:
            mirror_action = action
            mirror = {str(k): str(v) for k, v in annotation.items()}
    variants: dict[str, list[tuple[str, Any, str]]] = {}
    variant_mirrors: dict[str, list[VariantMirror]] = {}
    for action, member, value, file, stated in _variant_branches(files[Profile.AUTHLETE]):
        if action in contents and file != contents[action]:
            variants.setdefault(action, []).append((member, value, file))
            # Both statements hold for such a payload: the action's and the variant's.
            both = dict(mirror) if action == mirror_action else {}
            both.update(stated)
            if both:
                found = VariantMirror(member, value, MappingProxyType(both), _required_of(file))
                variant_mirrors.setdefault(action, []).append(found)
    required: frozenset[str] = frozenset()
    only = False
    if mirror_action is not None and mirror_action in contents:
        doc = load_schema(contents[mirror_action])
        required = frozenset(str(m) for m in doc.get("required", []))
        plain = {k for k in doc if not is_annotation(k)} - {"type", "required", "properties"}
        only = not plain and set(doc.get("properties", {})) <= set(mirror)
    return KindFacts(
        kind,
        files,
        actions,
        MappingProxyType(contents),
        MappingProxyType({action: tuple(found) for action, found in variants.items()}),
        mirror_action,
        MappingProxyType(mirror),
        required,
        only,
        MappingProxyType({action: tuple(found) for action, found in variant_mirrors.items()}),
    )


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every object of a schema document, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def _action_branches(file: str) -> Iterator[tuple[Any, dict[str, Any]]]:
    """(``action`` const of an ``if``, each subschema of its ``then``) in a schema file."""
    for node in walk(load_schema(file)):
        condition, then = node.get("if"), node.get("then")
        if isinstance(condition, dict) and isinstance(then, dict):
            action = condition.get("properties", {}).get("action", {}).get("const")
            for inner in walk(then):
                yield action, inner


def _variant_branches(file: str) -> Iterator[tuple[str, str, Any, str, dict[str, str]]]:
    """(action, member, value, content file, mirror) of an ``if member == value`` inside an
    action's ``then`` whose ``then`` states what ``responseContent`` holds (and which of
    its members repeat which fields, ``{}`` when it says none)."""
    for action, inner in _action_branches(file):
        condition, then = inner.get("if"), inner.get("then")
        if not isinstance(action, str) or not isinstance(condition, dict):
            continue
        if not isinstance(then, dict):
            continue
        tested = {
            name: prop["const"]
            for name, prop in condition.get("properties", {}).items()
            if isinstance(prop, dict) and "const" in prop and name != "action"
        }
        if len(tested) != 1:
            continue
        ((member, value),) = tested.items()
        for node in walk(then):
            content = node.get("properties", {}).get("responseContent", {})
            ref = (
                content.get("contentSchema", {}).get("$ref") if isinstance(content, dict) else None
            )
            if isinstance(ref, str):
                stated = content.get(_MIRROR_KEYWORD)
                mirror = (
                    {str(k): str(v) for k, v in stated.items()} if isinstance(stated, dict) else {}
                )
                yield action, member, value, ref.rsplit("/", 1)[-1], mirror
                break


def _required_of(file: str, depth: int = 0) -> frozenset[str]:
    """The members a schema file requires of every document, through whole-file
    ``$ref`` in ``allOf`` (a condition's ``required`` is not among them)."""
    doc = load_schema(file)
    found = {str(m) for m in doc.get("required", [])}
    for sub in doc.get("allOf", []):
        if not isinstance(sub, dict):
            continue
        found |= {str(m) for m in sub.get("required", [])}
        ref = sub.get("$ref")
        if isinstance(ref, str) and "#" not in ref and depth < 8:
            found |= _required_of(ref.rsplit("/", 1)[-1], depth + 1)
    return frozenset(found)


def _action_values(sdk_file: str) -> tuple[str, ...]:
    prop = load_schema(sdk_file).get("properties", {}).get("action")
    if not isinstance(prop, dict) or not isinstance(prop.get("enum"), list):
        return ("",)
    return tuple(str(v) for v in prop["enum"])


@functools.cache
def known_members() -> frozenset[str]:
    """Every member name some schema file constrains (the others are never judged)."""
    names: set[str] = set()
    for doc in schemas_by_uri().values():
        for node in walk(doc):
            props = node.get("properties")
            if isinstance(props, dict):
                names.update(str(k) for k in props)
    return frozenset(names)


def all_kinds() -> tuple[str, ...]:
    """Every payload kind the OpenAPI document names."""
    return tuple(kinds())


#: The payload kinds, in the OpenAPI document's order.
KINDS: tuple[str, ...] = all_kinds()
