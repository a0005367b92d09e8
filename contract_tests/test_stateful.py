"""Stateful runs through the OpenAPI links: authentication -> issue, fail, complete."""

from __future__ import annotations

from ciba_contracts.suite.stateful import run_stateful
from ciba_contracts.suite.target import Target


def test_links_keep_the_contract(target: Target, max_examples: int) -> None:
    failures, sent = run_stateful(target, max_examples=max_examples)
    assert sent > 0
    assert not failures, "\n".join(f"[{f.check}] {f.message}" for f in failures)
