"""Fast-path schemas derived from the level schemas, per value of ``action``.

The level schemas are written for people: ``$ref`` between files, ``allOf`` of
small annotated parts and ``if``/``then`` on ``action``. Evaluating that
structure costs about twice a flat schema. Since a payload's ``action`` is
known before validation, each level schema is partially evaluated for each
action: references inlined, conditions on ``action`` decided, annotations
dropped and ``allOf`` merged. The result accepts exactly the same payloads (a
property test holds it to that); it only answers valid/invalid, and any
payload it rejects is re-checked with the full schema to name the rules.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import jsonschema_rs

from ciba_contracts.contract.schemas import load_schema, schemas_by_uri
from ciba_contracts.validate.schema_map import compiled

#: Keywords that only annotate; they never change whether an instance is valid (``format``
#: is an annotation in 2020-12 by default).
ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "$comment",
        "examples",
        "default",
        "format",
        "contentMediaType",
        "contentEncoding",
        "contentSchema",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$id",
        "$schema",
    }
)
# Keywords whose meaning depends on siblings: a schema holding one is never merged.
_ENTANGLED = frozenset(
    {
        "additionalProperties",
        "patternProperties",
        "unevaluatedProperties",
        "unevaluatedItems",
        "items",
        "prefixItems",
        "contains",
        "minContains",
        "maxContains",
        "if",
        "then",
        "else",
        "$ref",
        "$dynamicRef",
        "$anchor",
        "$dynamicAnchor",
        "$defs",
        "dependentSchemas",
    }
)


def is_annotation(key: str) -> bool:
    """Whether a schema keyword only annotates (the ``x-`` ones of this project too)."""
    return key in ANNOTATIONS or key.startswith("x-")


def resolve_ref(ref: str, base: str) -> tuple[dict[str, Any], str]:
    """The schema file a ``$ref`` in the file ``base`` names, and its URI.

    Raises ValueError for a fragment reference or one to no bundled file.
    """
    if "#" in ref:
        raise ValueError(f"fragment reference {ref!r} is not supported")
    uri = base.rsplit("/", 1)[0] + "/" + ref
    target = schemas_by_uri().get(uri)
    if not isinstance(target, dict):
        raise ValueError(f"unresolved reference {ref!r}")
    return target, uri


def only_tests_action(condition: Any) -> bool:
    """Whether an ``if`` schema tests the ``action`` member and nothing else."""
    if not isinstance(condition, dict):
        return False
    keys = {k for k in condition if not is_annotation(k)}
    props = condition.get("properties", {})
    return (
        keys <= {"required", "properties"}
        and isinstance(props, dict)
        and set(props) <= {"action"}
        and set(condition.get("required", [])) <= {"action"}
    )


def inline_refs(node: Any, base: str) -> Any:
    """``node`` with every ``$ref`` to a sibling schema file replaced by its content."""
    if isinstance(node, list):
        return [inline_refs(item, base) for item in node]
    if not isinstance(node, dict):
        return node
    here = node.get("$id", base)
    out = {k: inline_refs(v, here) for k, v in node.items() if k != "$ref"}
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return out
    target, uri = resolve_ref(ref, here)
    resolved = inline_refs(target, uri)
    return {"allOf": [resolved, out]} if out else resolved


def decide_conditions(node: Any, action: str) -> Any:
    """Replace ``if``/``then``/``else`` that test only ``action`` by the branch taken."""
    if isinstance(node, list):
        return [decide_conditions(item, action) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: decide_conditions(v, action) for k, v in node.items()}
    condition = out.get("if")
    if isinstance(condition, dict) and only_tests_action(condition):
        taken = jsonschema_rs.validator_for(condition).is_valid({"action": action})
        branch = out.get("then" if taken else "else")
        for key in ("if", "then", "else"):
            out.pop(key, None)
        if isinstance(branch, dict | bool):
            out.setdefault("allOf", []).append(branch)
    return out


def simplify(node: Any) -> Any:
    """Drop annotations and merge ``allOf`` parts into their parent where that is exact."""
    if isinstance(node, list):
        return [simplify(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if is_annotation(key):
            continue
        if key in ("properties", "$defs", "dependentSchemas", "patternProperties"):
            out[key] = {name: simplify(sub) for name, sub in value.items()}
        else:
            out[key] = simplify(value)
    parts = out.pop("allOf", None)
    if parts is None:
        return out
    kept: list[Any] = []
    for part in parts:
        if isinstance(part, dict) and "allOf" in part:
            part = simplify(part)
        merged = _merge(out, part) if isinstance(part, dict) else None
        if merged is None:
            kept.append(part)
        else:
            out = merged
    if kept:
        out["allOf"] = kept
    return out


_TIGHTEST = {
    "minimum": max,
    "exclusiveMinimum": max,
    "minLength": max,
    "minProperties": max,
    "maximum": min,
    "exclusiveMaximum": min,
    "maxLength": min,
    "maxProperties": min,
}


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any] | None:
    if _ENTANGLED & (a.keys() | b.keys()):
        return None
    out = copy.copy(a)
    for key, value in b.items():
        if key not in out:
            out[key] = value
        elif key == "required":
            out[key] = list(dict.fromkeys([*out[key], *value]))
        elif key == "properties":
            props = dict(out[key])
            for name, sub in value.items():
                if name not in props:
                    props[name] = sub
                else:
                    both = _merge(props[name], sub) if isinstance(sub, dict) else None
                    props[name] = both if both is not None else {"allOf": [props[name], sub]}
            out[key] = props
        elif key == "allOf":
            out[key] = [*out[key], *value]
        elif key in _TIGHTEST and _is_number(out[key]) and _is_number(value):
            # Both bounds must hold, so the tighter one alone says the same.
            out[key] = _TIGHTEST[key](out[key], value)
        elif out[key] != value:
            return None
    return out


def fast_schema(name: str, action: str) -> dict[str, Any]:
    """The level schema ``name`` specialised for payloads whose action is ``action``."""
    doc = load_schema(name)
    inlined = inline_refs(doc, str(doc["$id"]))
    decided = decide_conditions(inlined, action)
    flat = simplify(decided)
    flat["$schema"] = doc.get("$schema", "https://json-schema.org/draft/2020-12/schema")
    return dict(flat)


@functools.cache
def fast_validators(name: str, actions: tuple[str, ...]) -> dict[str, Any]:
    """Compiled fast-path validators of ``name``, one per action value (shared, do not mutate).

    A schema the specialisation cannot state (a ``#/$defs/...`` reference, say) is
    compiled whole instead: it accepts exactly the same payloads, only less quickly.
    """
    try:
        return {
            action: jsonschema_rs.validator_for(fast_schema(name, action)) for action in actions
        }
    except ValueError:
        whole = compiled(name)
        return dict.fromkeys(actions, whole)
