"""``ciba-contracts test --format sarif|gitlab``: failures placed on the contract file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft4Validator  # type: ignore[import-untyped]

from ciba_contracts.cli import main
from ciba_contracts.server.config import DEFAULT_TOKEN, ServerConfig
from ciba_contracts.server.runner import running_server
from ciba_contracts.suite.ci_reports import CONTRACT_FILE
from ciba_contracts.suite.findings import ContractFailure, RecordedRequest, SuiteReport

ROOT = Path(__file__).resolve().parent.parent
SARIF = Draft4Validator(
    json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
)
FAULTS = frozenset({"ticket-reuse", "zero-interval"})


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One run against a faulty reference server, written in both formats."""
    folder = tmp_path_factory.mktemp("live")
    out: dict[str, Any] = {}
    with running_server(ServerConfig(faults=FAULTS)) as url:
        for fmt in ("sarif", "gitlab"):
            target = folder / f"report.{fmt}"
            result = CliRunner().invoke(
                main,
                [
                    "test",
                    "--base-url",
                    url,
                    "--token",
                    DEFAULT_TOKEN,
                    "--max-examples",
                    "0",
                    "--format",
                    fmt,
                    "--output",
                    str(target),
                ],
            )
            assert result.exit_code == 1, result.output
            # The verdict is still shown to the person reading the job log.
            assert "distinct failure(s)" in result.output
            out[fmt] = json.loads(target.read_text(encoding="utf-8"))
    return out


def test_live_sarif_is_valid_and_points_at_the_operation(reports: dict[str, Any]) -> None:
    log = reports["sarif"]
    SARIF.validate(log)
    (run,) = log["runs"]
    declared = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    results = run["results"]
    assert {"L402", "C203"} <= {r["ruleId"] for r in results}
    lines = (ROOT / CONTRACT_FILE).read_text().splitlines()
    for result in results:
        assert declared[result["ruleIndex"]] == result["ruleId"]
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == CONTRACT_FILE
        line = physical["region"]["startLine"]
        # The line of the operation (its method key) under the issue API's path.
        assert lines[line - 1].strip() == "post:"
        assert lines[line - 2].strip().endswith("/backchannel/authentication/issue:")
        logical = result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
        assert logical.startswith("backchannel_authentication_issue_api")
        text = result["message"]["text"]
        assert "Reproduce with: curl " in text
        assert DEFAULT_TOKEN not in text
        assert "Bearer [REDACTED]" in text
    reuse = next(r for r in results if r["ruleId"] == "L402")
    # A live rule is a catalog rule like the others: its help is its catalog section.
    assert run["tool"]["driver"]["rules"][reuse["ruleIndex"]]["helpUri"].endswith(
        "docs/rules.md#l402-ticket-redeemed-twice"
    )
    assert run["invocations"][0] == {"exitCode": 1, "executionSuccessful": True}


def test_live_gitlab_report_is_well_formed(reports: dict[str, Any]) -> None:
    issues = reports["gitlab"]
    assert {"L402", "C203"} <= {i["check_name"] for i in issues}
    prints = [i["fingerprint"] for i in issues]
    assert len(prints) == len(set(prints))
    for issue in issues:
        assert issue["location"]["path"] == CONTRACT_FILE
        assert issue["location"]["lines"]["begin"] > 1
        assert issue["severity"] == "major"
        assert "curl " in issue["description"]
        assert DEFAULT_TOKEN not in issue["description"]


def test_live_fingerprints_ignore_generated_values() -> None:
    def report(status: int) -> SuiteReport:
        suite = SuiteReport(secrets=("s3cret",))
        request = RecordedRequest(
            "POST",
            "http://127.0.0.1:1/api/1/backchannel/authentication/issue",
            (("Authorization", "Bearer s3cret"),),
            b'{"ticket": "x"}',
        )
        suite.add(
            ContractFailure(
                "auth", f"a request with no token answered {status}, not 401", request, status
            )
        )
        suite.add(ContractFailure("status", "'[]' answered 500, not 400", request, 500))
        return suite

    from ciba_contracts.report.ci import fingerprinted
    from ciba_contracts.suite.ci_reports import suite_issues

    first = [p for _, p in fingerprinted(suite_issues(report(200)))]
    second = [p for _, p in fingerprinted(suite_issues(report(204)))]
    assert first == second
    assert len(set(first)) == 2
    (issue, _), _ = fingerprinted(suite_issues(report(200)))
    assert "s3cret" not in issue.message
    assert issue.line is not None
