"""The reference reading of the family's level files: jsonschema plus the content schemas.

Validates a payload against ``<api>-response.<level>.json`` with jsonschema's
Draft 2020-12 validator, parses ``responseContent`` and validates it against the
content schemas the applicable branches name (``contentSchema``), and names the
rule of each failing keyword from its ``x-ciba-rule`` annotation, keeping the
rules of the level and below. What the engine will do, stated plainly.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from ciba_contracts.contract import RULES, Profile

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas"
#: (rule code, pointer, content pointer or None).
Named = tuple[str, str, str | None]


@functools.cache
def load(name: str) -> dict[str, Any]:
    data = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@functools.cache
def registry() -> Registry[Any]:
    docs = [load(p.name) for p in sorted(SCHEMA_DIR.glob("*.json"))]
    return Registry().with_resources(
        (str(doc["$id"]), DRAFT202012.create_resource(doc)) for doc in docs
    )


def validator(name: str) -> Any:
    return Draft202012Validator(load(name), registry=registry())


def content_refs(node: Any, payload: dict[str, Any]) -> list[str]:
    """The content schema files the branches applying to ``payload`` name."""
    if not isinstance(node, dict):
        return []
    found: list[str] = []
    ref = node.get("$ref")
    if isinstance(ref, str) and not ref.startswith("#"):
        found += content_refs(load(ref), payload)
    for sub in node.get("allOf", []):
        found += content_refs(sub, payload)
    if "if" in node:
        holds = Draft202012Validator(node["if"]).is_valid(payload)
        found += content_refs(node.get("then" if holds else "else"), payload)
    content = node.get("properties", {}).get("responseContent", {})
    target = content.get("contentSchema", {}).get("$ref") if isinstance(content, dict) else None
    if isinstance(target, str):
        found.append(target)
    return found


def _name(error: Any) -> tuple[str, str]:
    annotation = error.schema.get("x-ciba-rule") if isinstance(error.schema, dict) else None
    code = annotation if isinstance(annotation, str) else (annotation or {}).get(error.validator)
    where = "".join(f"/{part}" for part in error.absolute_path)
    instance = error.instance
    if error.validator == "required" and isinstance(instance, dict):
        missing = [m for m in error.validator_value if m not in instance]
        where += f"/{missing[0]}"
    elif error.validator == "additionalProperties" and isinstance(instance, dict):
        known = error.schema.get("properties", {})
        where += f"/{sorted(set(instance) - set(known))[0]}"
    return str(code or "?"), where


def findings(api: str, level: str, payload: dict[str, Any]) -> set[Named]:
    """Every rule of ``level`` and below the payload breaks, by the level files alone."""
    name = f"{api}-response.{level}.json"
    out: set[Named] = {(*_name(e), None) for e in validator(name).iter_errors(payload)}
    refs = dict.fromkeys(content_refs(load(name), payload))
    text = payload.get("responseContent")
    if refs and isinstance(text, str):
        try:
            content = json.loads(text)
        except ValueError:
            out.add(("A111", "/responseContent", None))
        else:
            for ref in refs:
                for error in validator(ref).iter_errors(content):
                    code, inner = _name(error)
                    out.add((code, "/responseContent", inner))
    profile = Profile.parse(level)
    return {f for f in out if f[0] == "?" or profile.includes(RULES[f[0]].level)}
