"""docs/rules.md is generated from the catalog and must not drift from it."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from ciba_contracts.cli import main
from ciba_contracts.contract.catalog_doc import catalog_markdown
from ciba_contracts.contract.rules import RULES
from ciba_contracts.validate.rule_apis import EXCHANGE_PREFIXES, rules_by_api

DOC = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def test_rules_md_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == catalog_markdown(None, rules_by_api()), (
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
    assert result.output == catalog_markdown(None, rules_by_api())


def test_every_payload_rule_holds_for_some_api_and_each_api_has_its_own() -> None:
    by_api = rules_by_api()
    assert set(by_api) == {"authentication", "issue", "fail", "complete"}
    everywhere = {code for codes in by_api.values() for code in codes}
    payload_rules = {c for c in RULES if not c.startswith(EXCHANGE_PREFIXES)}
    assert payload_rules - everywhere == set()
    assert "A109" in by_api["issue"]
    assert "A109" not in by_api["fail"]
    result = CliRunner().invoke(main, ["rules", "--api", "fail"])
    assert result.exit_code == 0
    listed = {line.split()[0] for line in result.output.splitlines() if line.strip()}
    assert "A140" in listed
    assert "A109" not in listed
    assert "H301" in listed
