"""GitLab Code Quality: a JSON array of issues, shown in merge requests and pipelines.

Each issue has ``description``, ``check_name`` (the rule), a ``fingerprint``
unique in the report and the same in the next run while the finding stays,
``severity`` and ``location.path``/``location.lines.begin``; ``type`` and
``categories`` make it a Code Climate issue as well. :func:`write_gitlab_issues`
takes :class:`~ciba_contracts.report.ci.Issue` objects from any command;
:func:`write_gitlab` is the ``--format gitlab`` reporter of ``validate``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, TextIO

import orjson

from ciba_contracts.report.ci import (
    TOOL_NAME,
    Issue,
    clean_text,
    fingerprinted,
    located_issue,
    relative_path,
)
from ciba_contracts.report.model import RunReport

#: Rule level -> Code Quality severity. A broken contract fails the merge request
#: (major); a warning is worth a look (minor); an input that cannot be read at all
#: stops the check (blocker).
SEVERITIES = {"error": "major", "warning": "minor", "note": "info"}
UNREADABLE_SEVERITY = "blocker"
UNREADABLE_CHECK = "input-unreadable"


def gitlab_issue(issue: Issue, fingerprint: str, cwd: str | None = None) -> dict[str, Any]:
    """One Code Quality issue (``cwd``: the working directory, when the caller has it)."""
    return {
        "type": "issue",
        "engine_name": TOOL_NAME,
        "check_name": issue.rule_id,
        "description": clean_text(f"{issue.rule_id}: {issue.message}", redact=not issue.redacted),
        "categories": ["Compatibility"],
        "fingerprint": fingerprint,
        "severity": UNREADABLE_SEVERITY
        if issue.rule_id == UNREADABLE_CHECK
        else SEVERITIES.get(issue.level, "major"),
        "location": {
            "path": clean_text(relative_path(issue.path, cwd), 1_000),
            "lines": {"begin": issue.line if issue.line else 1},
        },
    }


def write_gitlab_issues(out: TextIO, issues: Iterable[Issue]) -> None:
    """Write a Code Quality report, one issue at a time."""
    separator = "[\n  "
    # Asked once: every issue's path is made relative to it.
    here = os.getcwd()
    for issue, print_ in fingerprinted(issues, here):
        text = orjson.dumps(gitlab_issue(issue, print_, here), option=orjson.OPT_INDENT_2).decode()
        out.write(separator + text.replace("\n", "\n  "))
        separator = ",\n  "
    out.write("[]\n" if separator == "[\n  " else "\n]\n")


def _run_issues(report: RunReport) -> Iterable[Issue]:
    for path, cause in report.unreadable:
        yield Issue(
            UNREADABLE_CHECK,
            "error",
            f"cannot read {path}: {cause}",
            path,
            identity=(None, "unreadable"),
        )
    for located in report.findings:
        yield located_issue(located)


def write_gitlab(report: RunReport, out: TextIO, *, color: bool = False) -> None:
    """Write ``report`` as a GitLab Code Quality report (``--format gitlab``)."""
    del color
    write_gitlab_issues(out, _run_issues(report))
