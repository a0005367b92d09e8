"""docs/rules.md is generated from the catalog and must not drift from it."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from ciba_contracts.cli import main
from ciba_contracts.contract.catalog_doc import catalog_markdown
from ciba_contracts.contract.rules import RULES

DOC = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def test_rules_md_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == catalog_markdown(), (
        "docs/rules.md is stale: run `make docs` "
        "(ciba-contracts rules --format markdown > docs/rules.md)"
    )


def test_every_rule_has_a_section() -> None:
    text = DOC.read_text(encoding="utf-8")
    for code, rule in RULES.items():
        assert f"### {code} `{rule.name}`" in text


def test_cli_prints_the_same_markdown() -> None:
    result = CliRunner().invoke(main, ["rules", "--format", "markdown"])
    assert result.exit_code == 0
    assert result.output == catalog_markdown()
