"""What the validator needs to know about a payload kind, read from its schema files.

A kind (``issue-response``, ``result``...) is named in the OpenAPI document
with its schema file per level (:func:`ciba_contracts.contract.schemas.kinds`).
Its ``action`` values come from the sdk schema's enum; what ``responseContent``
holds per action comes from ``contentSchema`` under the authlete schema's
``if action == X`` branches; the members ``responseContent`` repeats come from
the ``x-ciba-mirror`` annotation. A kind without those simply has none: the
validator asks these facts, never a kind's name.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.schemas import kind_files, kinds, load_schema, schemas_by_uri
from ciba_contracts.validate.fast import is_annotation

__all__ = ["CONTENT_POINTER", "KINDS", "KindFacts", "facts_of", "known_members", "walk"]

#: Where a fault inside the embedded document points.
CONTENT_POINTER = "/responseContent"
_MIRROR_KEYWORD = "x-ciba-mirror"


@dataclass(frozen=True)
class KindFacts:
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
    for action, member, value, file in _variant_branches(files[Profile.AUTHLETE]):
        if action in contents and file != contents[action]:
            variants.setdefault(action, []).append((member, value, file))
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


def _variant_branches(file: str) -> Iterator[tuple[str, str, Any, str]]:
    """(action, member, value, content file) of an ``if member == value`` inside an action's
    ``then`` whose ``then`` states what ``responseContent`` holds."""
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
                yield action, member, value, ref.rsplit("/", 1)[-1]
                break


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
