"""SARIF 2.1.0, the format of GitHub code scanning and other static-analysis viewers.

:func:`write_sarif_log` writes one run from :class:`~ciba_contracts.report.ci.Issue`
objects, whoever found them; :func:`write_sarif` is the ``--format sarif``
reporter of ``validate``. The file keeps to what GitHub code scanning accepts:
every result names a rule declared in ``tool.driver.rules`` (by ``ruleId`` and
``ruleIndex``), has a physical location with a line, and carries
``partialFingerprints`` that stay the same while the finding does. GitHub
rejects a run of more than :data:`MAX_RESULTS` results; past that, errors are
kept before warnings and a notification says how many were left out.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import orjson

from ciba_contracts.report.ci import (
    TOOL_NAME,
    TOOL_VERSION,
    Issue,
    RuleInfo,
    artifact_uri,
    clean_text,
    fingerprinted,
    fired_rules,
    located_issue,
    project_url,
)
from ciba_contracts.report.model import RunReport

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
VERSION = "2.1.0"
#: GitHub code scanning rejects a run with more results than this.
MAX_RESULTS = 25_000
#: The key of our fingerprint in ``partialFingerprints`` (versioned: a new recipe, a new key).
FINGERPRINT_KEY = "cibaContractsFinding/v1"
SRCROOT = "%SRCROOT%"


@dataclass(slots=True)
class Invocation:
    """How the run ended, for ``invocations[0]``."""

    exit_code: int
    successful: bool
    #: (level, text) notes about the run itself: unreadable inputs, results left out.
    notes: list[tuple[str, str]] = field(default_factory=list)


def write_sarif_log(
    out: TextIO,
    rules: Sequence[RuleInfo],
    issues: Callable[[], Iterable[Issue]],
    invocation: Invocation,
    *,
    total: int | None = None,
) -> None:
    """Write a SARIF log of one run.

    ``rules`` are the rules that fired; ``issues`` gives the results each time it
    is called (twice when there are more than :data:`MAX_RESULTS`: errors first,
    then warnings). ``total`` is the number of issues, when known up front.
    Results are written one at a time.
    """
    index = {rule.id: number for number, rule in enumerate(rules)}
    chosen: Iterable[Issue] = issues()
    if total is not None and total > MAX_RESULTS:
        chosen = _errors_first(issues, MAX_RESULTS)
        invocation.notes.append(
            (
                "warning",
                f"{total - MAX_RESULTS} of {total} results were left out: GitHub code scanning "
                f"accepts at most {MAX_RESULTS} results per run (errors were kept first)",
            )
        )
    run: dict[str, Any] = {
        "tool": {"driver": _driver(rules)},
        "invocations": [_invocation(invocation)],
        "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": [],
    }
    head = {"$schema": SCHEMA_URI, "version": VERSION, "runs": [run]}
    text = orjson.dumps(head, option=orjson.OPT_INDENT_2).decode()
    cut = text.rindex("[]")
    out.write(text[:cut] + "[")
    separator = "\n        "
    # Asked once: every result's path is made relative to it.
    here = os.getcwd()
    for issue, print_ in fingerprinted(chosen, here):
        item = orjson.dumps(
            _result(issue, print_, index, here), option=orjson.OPT_INDENT_2
        ).decode()
        out.write(separator + item.replace("\n", "\n        "))
        separator = ",\n        "
    out.write(("\n      " if separator != "\n        " else "") + "]" + text[cut + 2 :] + "\n")


def _errors_first(issues: Callable[[], Iterable[Issue]], limit: int) -> Iterator[Issue]:
    left = limit
    for wanted in (True, False):
        for issue in issues():
            if (issue.level == "error") is wanted:
                if left == 0:
                    return
                left -= 1
                yield issue


def _driver(rules: Sequence[RuleInfo]) -> dict[str, Any]:
    return {
        "name": TOOL_NAME,
        "version": TOOL_VERSION,
        "semanticVersion": TOOL_VERSION,
        "informationUri": project_url(),
        "rules": [_descriptor(rule) for rule in rules],
    }


def _descriptor(rule: RuleInfo) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.short},
        "fullDescription": {"text": rule.full},
        "help": {
            "text": f"{rule.full}\n\nSee {rule.help_uri}",
            "markdown": rule.help_markdown or rule.full,
        },
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": rule.level},
    }


def _invocation(invocation: Invocation) -> dict[str, Any]:
    item: dict[str, Any] = {
        "exitCode": invocation.exit_code,
        "executionSuccessful": invocation.successful,
    }
    if invocation.notes:
        item["toolExecutionNotifications"] = [
            {"level": level, "message": {"text": clean_text(text)}}
            for level, text in invocation.notes
        ]
    return item


def _result(issue: Issue, print_: str, index: dict[str, int], cwd: str) -> dict[str, Any]:
    uri, relative = artifact_uri(issue.path, cwd)
    artifact: dict[str, Any] = {"uri": uri}
    if relative:
        artifact["uriBaseId"] = SRCROOT
    # Every result has a line: GitHub places an alert by it. Line 1 stands for "the file".
    region: dict[str, Any] = {"startLine": issue.line if issue.line else 1}
    if issue.offset is not None:
        region["byteOffset"] = issue.offset
    location: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": artifact, "region": region}
    }
    if issue.logical:
        location["logicalLocations"] = [
            {"fullyQualifiedName": clean_text(issue.logical, 1_000), "kind": issue.logical_kind}
        ]
    result: dict[str, Any] = {
        "ruleId": issue.rule_id,
        "level": issue.level,
        "message": {"text": clean_text(issue.message, redact=not issue.redacted)},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: print_},
    }
    if issue.rule_id in index:
        result["ruleIndex"] = index[issue.rule_id]
    if issue.extra:
        result["properties"] = {
            k: clean_text(v, redact=not issue.redacted) for k, v in issue.extra.items()
        }
    return result


# The ``validate`` reporter.


def run_invocation(report: RunReport) -> Invocation:
    """The exit code of ``validate`` and its notes on the run."""
    notes: list[tuple[str, str]] = [
        ("error", f"cannot read {path}: {cause}") for path, cause in report.unreadable
    ]
    notes.extend(("note", note) for note in report.summary.notes)
    code = report.exit_code
    return Invocation(exit_code=code, successful=code != 2, notes=notes)


def write_sarif(report: RunReport, out: TextIO, *, color: bool = False) -> None:
    """Write ``report`` as a SARIF 2.1.0 log (the ``--format sarif`` of ``validate``)."""
    del color
    write_sarif_log(
        out,
        fired_rules(report),
        lambda: map(located_issue, report.findings),
        run_invocation(report),
        total=len(report.findings),
    )
