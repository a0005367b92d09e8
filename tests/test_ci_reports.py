"""SARIF and GitLab Code Quality reports of ``validate``: valid, complete, stable."""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft4Validator  # type: ignore[import-untyped]

from builders import ok
from ciba_contracts.cli import main
from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.rules import RULES
from ciba_contracts.report import sarif
from ciba_contracts.report.ci import artifact_uri, rule_info
from ciba_contracts.report.model import Located, RunReport
from ciba_contracts.report.render import write_report
from ciba_contracts.validate.finding import Finding

ROOT = Path(__file__).resolve().parent.parent
SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
SARIF = Draft4Validator(SARIF_SCHEMA)
GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}

OK = ok()


def _payloads(folder: Path) -> list[str]:
    """A clean payload, a JSON lines file with two broken entries, and one that is not JSON."""
    folder.mkdir(exist_ok=True)
    (folder / "good.json").write_text(json.dumps(OK))
    lines = [OK, {**OK, "expiresIn": 0}, {**OK, "interval": 0, "resultMessage": "no prefix"}]
    (folder / "traffic.jsonl").write_text("".join(json.dumps(p) + "\n" for p in lines))
    (folder / "broken.json").write_text("{not json")
    return [str(folder / "good.json"), str(folder / "traffic.jsonl"), str(folder / "broken.json")]


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", *args], catch_exceptions=False)
    return result.exit_code, result.stdout


@pytest.fixture
def in_tmp(tmp_path: Path) -> Iterator[Path]:
    """The test's working directory is ``tmp_path`` (paths are reported relative to it)."""
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(here)


def _sarif(*args: str) -> tuple[int, dict[str, Any]]:
    code, out = _run(*args, "--format", "sarif", "--profile", "ciba")
    return code, json.loads(out)


def test_sarif_is_valid_and_every_result_is_declared_and_placed(in_tmp: Path) -> None:
    inputs = _payloads(in_tmp / "data")
    code, log = _sarif(*inputs)
    assert code == 1
    SARIF.validate(log)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "ciba-contracts"
    assert driver["version"]
    assert driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    declared = [rule["id"] for rule in rules]
    results = run["results"]
    fired = {r["ruleId"] for r in results}
    # One descriptor per rule that fired, and only those.
    assert sorted(declared) == sorted(fired)
    assert {"S001", "A109", "A105", "C203"} <= fired
    for rule in rules:
        catalog = RULES[rule["id"]]
        assert rule["name"] == catalog.name
        assert rule["shortDescription"]["text"] == catalog.summary
        assert rule["fullDescription"]["text"] == catalog.doc
        assert rule["defaultConfiguration"]["level"] == catalog.severity.value
        assert rule["helpUri"].endswith(f"/docs/rules.md#{rule['id'].lower()}-{catalog.name}")
    for result in results:
        assert declared[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in {"error", "warning"}
        assert result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert physical["artifactLocation"]["uri"].startswith("data/")
        assert physical["region"]["startLine"] >= 1
        assert result["partialFingerprints"][sarif.FINGERPRINT_KEY]
    by_rule = {r["ruleId"]: r for r in results}
    a109 = by_rule["A109"]["locations"][0]["physicalLocation"]
    assert a109["artifactLocation"]["uri"] == "data/traffic.jsonl"
    assert a109["region"]["startLine"] == 2
    prints = [r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in results]
    assert len(prints) == len(set(prints))
    (invocation,) = run["invocations"]
    assert invocation == {"exitCode": 1, "executionSuccessful": True}


def test_rule_links_point_at_sections_of_the_rule_catalog() -> None:
    headings = {
        re.sub(r"[^a-z0-9 -]", "", line[4:].lower()).replace(" ", "-")
        for line in (ROOT / "docs" / "rules.md").read_text().splitlines()
        if line.startswith("### ")
    }
    for code in RULES:
        info = rule_info(code)
        assert info.help_uri.rsplit("#", 1)[1] in headings, code


def test_sarif_fingerprints_survive_a_shifted_line(in_tmp: Path) -> None:
    inputs = _payloads(in_tmp / "data")
    _, first = _sarif(*inputs)
    # Blank lines are skipped: every entry keeps its index but moves down two lines.
    traffic = in_tmp / "data" / "traffic.jsonl"
    traffic.write_text("\n\n" + traffic.read_text())
    _, second = _sarif(*inputs)

    def prints(log: dict[str, Any]) -> dict[str, tuple[str, int]]:
        return {
            r["partialFingerprints"][sarif.FINGERPRINT_KEY]: (
                r["ruleId"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
            )
            for r in log["runs"][0]["results"]
        }

    before, after = prints(first), prints(second)
    assert before.keys() == after.keys()
    moved = [k for k in before if before[k][1] != after[k][1]]
    assert moved
    assert all(after[k][1] == before[k][1] + 2 for k in moved)


def test_sarif_of_an_unreadable_input_says_the_run_failed(in_tmp: Path) -> None:
    code, log = _sarif(str(in_tmp / "missing.json"))
    assert code == 2
    SARIF.validate(log)
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["exitCode"] == 2
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert "missing.json" in note["message"]["text"]


def test_sarif_of_a_clean_run_is_valid(in_tmp: Path) -> None:
    inputs = _payloads(in_tmp / "data")
    code, log = _sarif(inputs[0])
    assert code == 0
    SARIF.validate(log)
    run = log["runs"][0]
    assert run["results"] == []
    assert run["tool"]["driver"]["rules"] == []
    assert run["invocations"][0] == {"exitCode": 0, "executionSuccessful": True}


def _report(findings: list[tuple[str, int]]) -> RunReport:
    report = RunReport(Profile.AUTHLETE)
    for number, (code, line) in enumerate(findings):
        rule = RULES[code]
        finding = Finding(rule.code, rule.severity, rule.summary, "/x")
        report.add(Located(finding, "payloads.jsonl", number, line))
    return report


def test_sarif_keeps_within_code_scannings_result_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sarif, "MAX_RESULTS", 3)
    # A116 is a warning; the errors are kept first.
    report = _report([("A116", 1), ("A109", 2), ("A116", 3), ("A101", 4), ("A109", 5)])
    out = io.StringIO()
    write_report(report, "sarif", out)
    log = json.loads(out.getvalue())
    SARIF.validate(log)
    run = log["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["A109", "A101", "A109"]
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert "2 of 5 results were left out" in note["message"]["text"]


def test_repeats_of_one_finding_get_distinct_fingerprints() -> None:
    report = RunReport(Profile.AUTHLETE)
    rule = RULES["A112"]
    for message in ("first", "second"):
        report.add(Located(Finding(rule.code, rule.severity, message, "/r"), "p.json", 0, 1))
    for fmt in ("sarif", "gitlab"):
        out = io.StringIO()
        write_report(report, fmt, out)
        text = out.getvalue()
        prints = re.findall(r'"(?:fingerprint|cibaContractsFinding/v1)": "([0-9a-f]+)"', text)
        assert len(prints) == 2
        assert prints[0] != prints[1], fmt


def test_gitlab_report_is_well_formed_with_unique_stable_fingerprints(in_tmp: Path) -> None:
    inputs = _payloads(in_tmp / "data")
    code, out = _run(*inputs, "--format", "gitlab", "--profile", "ciba")
    assert code == 1
    issues = json.loads(out)
    assert isinstance(issues, list)
    assert issues
    for issue in issues:
        assert isinstance(issue["description"], str)
        assert issue["description"]
        assert issue["check_name"] in RULES
        assert re.fullmatch(r"[0-9a-f]{64}", issue["fingerprint"])
        assert issue["severity"] in GITLAB_SEVERITIES
        assert issue["location"]["path"].startswith("data/")
        assert issue["location"]["lines"]["begin"] >= 1
    prints = [i["fingerprint"] for i in issues]
    assert len(prints) == len(set(prints))
    by_rule = {i["check_name"]: i for i in issues}
    assert by_rule["A109"]["severity"] == "major"
    assert by_rule["A109"]["location"] == {"path": "data/traffic.jsonl", "lines": {"begin": 2}}
    _, again = _run(*inputs, "--format", "gitlab", "--profile", "ciba")
    assert [i["fingerprint"] for i in json.loads(again)] == prints


def test_gitlab_report_of_a_clean_run_is_an_empty_array(in_tmp: Path) -> None:
    inputs = _payloads(in_tmp / "data")
    code, out = _run(inputs[0], "--format", "gitlab")
    assert code == 0
    assert json.loads(out) == []


def test_gitlab_report_names_an_unreadable_input(in_tmp: Path) -> None:
    code, out = _run(str(in_tmp / "missing.json"), "--format", "gitlab")
    assert code == 2
    issues = json.loads(out)
    assert any(
        i["severity"] == "blocker" and i["location"]["path"] == "missing.json" for i in issues
    )


@pytest.mark.parametrize(
    ("path", "uri", "relative"),
    [
        ("data/a b.json", "data/a%20b.json", True),
        ("./data/../x.har", "x.har", True),
        ("s3://bucket/x.har", "s3://bucket/x.har", False),
    ],
)
def test_artifact_uris(in_tmp: Path, path: str, uri: str, relative: bool) -> None:
    assert artifact_uri(path) == (uri, relative)
    assert artifact_uri(str(in_tmp / "y.json")) == ("y.json", True)
    outside = artifact_uri("/elsewhere/z.json")
    assert outside == ("file:///elsewhere/z.json", False)
