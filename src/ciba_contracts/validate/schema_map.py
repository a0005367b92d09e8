"""Compiled schemas, and the mapping from a failing keyword to its rule.

Each schema file names, with the ``x-ciba-rule`` annotation, the rule a failing
keyword belongs to: a code for the whole subschema, or a mapping from keyword to
code. An error's absolute keyword location leads to the annotation, so the
schema files stay the single place that says which check is which rule.
"""

from __future__ import annotations

import functools
from typing import Any

import jsonschema_rs

from ciba_contracts.contract.annotations import RULE_KEYWORD, keyword_rule
from ciba_contracts.contract.schemas import load_schema, schemas_by_uri
from ciba_contracts.jsondoc.render import pointer_tokens

__all__ = ["RULE_KEYWORD", "compiled", "registry", "rule_at"]


@functools.cache
def registry() -> jsonschema_rs.Registry:
    """Every schema file, by ``$id``, for compiling and bundling."""
    return jsonschema_rs.Registry(list(schemas_by_uri().items()))


@functools.cache
def compiled(name: str) -> Any:
    """A compiled jsonschema-rs validator of one schema file (by file name)."""
    return jsonschema_rs.validator_for(load_schema(name), registry=registry())


@functools.cache
def rule_at(location: str) -> tuple[str | None, dict[str, Any]]:
    """The rule code for a failing keyword at ``location`` (``uri#/json/pointer``).

    Also returns the subschema holding the keyword, for messages that quote it.
    """
    uri, _, fragment = location.partition("#")
    doc: Any = schemas_by_uri().get(uri)
    if doc is None:
        return None, {}
    tokens = pointer_tokens(fragment)
    if not tokens:
        return None, {}
    keyword = tokens[-1]
    node: Any = doc
    holder: dict[str, Any] = doc
    found = keyword_rule(doc.get(RULE_KEYWORD), keyword)
    for token in tokens[:-1]:
        node = _annotated_step(node, token)
        if node is None:
            break
        if isinstance(node, dict):
            holder = node
            code = keyword_rule(node.get(RULE_KEYWORD), keyword)
            if code is not None:
                found = code
    return found, holder


def _annotated_step(node: Any, token: str) -> Any:
    if isinstance(node, dict):
        return node.get(token)
    if isinstance(node, list) and token.isdigit() and int(token) < len(node):
        return node[int(token)]
    return None
