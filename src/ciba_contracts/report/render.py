"""Choosing a reporter by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from ciba_contracts.report.github import write_github
from ciba_contracts.report.gitlab import write_gitlab
from ciba_contracts.report.json_report import write_json
from ciba_contracts.report.junit import write_junit
from ciba_contracts.report.model import RunReport
from ciba_contracts.report.sarif import write_sarif
from ciba_contracts.report.text import write_text

Reporter = Callable[..., None]

#: Reporter functions by ``--format`` name; each takes (report, out, *, color).
REPORTERS: dict[str, Reporter] = {
    "text": write_text,
    "json": write_json,
    "junit": write_junit,
    "github": write_github,
    "sarif": write_sarif,
    "gitlab": write_gitlab,
}


def write_report(report: RunReport, fmt: str, out: TextIO, *, color: bool = False) -> None:
    """Render ``report`` in format ``fmt`` to ``out``."""
    try:
        reporter = REPORTERS[fmt]
    except KeyError:
        raise ValueError(
            f"unknown report format {fmt!r}; expected one of {', '.join(REPORTERS)}"
        ) from None
    reporter(report, out, color=color)
