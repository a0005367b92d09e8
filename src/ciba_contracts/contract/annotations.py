"""The ``x-ciba-rule`` annotation of the schema files: which rule a failing keyword belongs to.

A schema node names the rule of its failing keywords with ``x-ciba-rule``: a
code for every keyword of the node and the nodes below it, or a mapping from
keyword to code. The validator reads it to name a finding's rule, the
strategies to know which rule a value breaks, the catalog to know which rules
an API's files name; all three read it here.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["RULE_KEYWORD", "annotated_codes", "keyword_rule"]

#: The annotation naming the rule of a failing keyword.
RULE_KEYWORD: Final = "x-ciba-rule"


def keyword_rule(annotation: Any, keyword: str) -> str | None:
    """The rule code one annotation gives a failing ``keyword``, or None if it names none."""
    if isinstance(annotation, str):
        return annotation
    if isinstance(annotation, dict):
        code = annotation.get(keyword)
        return code if isinstance(code, str) else None
    return None


def annotated_codes(annotation: Any) -> set[str]:
    """Every rule code one annotation names (empty for a node without one)."""
    if isinstance(annotation, str):
        return {annotation}
    if isinstance(annotation, dict):
        return {str(code) for code in annotation.values()}
    return set()
