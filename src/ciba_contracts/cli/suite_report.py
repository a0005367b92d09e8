"""What ``test`` and ``relay-test`` share: their rule and report options, and output.

Both commands hold answers to the rules at a profile and end in a
:class:`SuiteReport`; it is written the same way whichever of them ran, so the
``--profile``/``--select``/``--ignore`` and ``--format``/``--output`` options
are stated here once.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO, TypeVar
from xml.sax.saxutils import escape, quoteattr

import click

from ciba_contracts.contract.profiles import Profile
from ciba_contracts.suite.findings import SuiteReport

__all__ = ["FORMATS", "emit_report", "junit_text", "report_options", "rule_options"]

#: Report formats of a live run; sarif and gitlab are written by suite.ci_reports.
FORMATS = ("text", "json", "junit", "sarif", "gitlab")

_Command = TypeVar("_Command", bound=Callable[..., object])


def rule_options(default: Profile, *, env: bool = False) -> Callable[[_Command], _Command]:
    """``--profile``, ``--select`` and ``--ignore``; with ``env``, the help names the
    ``CIBA_*`` variables the command also reads them from."""

    def note(name: str) -> str:
        return f" [env: CIBA_{name}]" if env else ""

    def decorate(command: _Command) -> _Command:
        command = click.option(
            "--ignore", metavar="CODES", help="Leave these rules out." + note("IGNORE")
        )(command)
        command = click.option(
            "--select",
            metavar="CODES",
            help="Only these rules (codes, prefixes or names, comma-separated); opt-in rules "
            "by code." + note("SELECT"),
        )(command)
        return click.option(
            "--profile",
            type=click.Choice([p.value for p in Profile]),
            envvar="CIBA_PROFILE" if env else None,
            default=default.value,
            show_default=True,
            help="Strictness level of the rules." + note("PROFILE"),
        )(command)

    return decorate


def report_options(command: _Command) -> _Command:
    """``--format`` and ``--output``, as every command ending in a suite report takes them."""
    command = click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write the report to FILE instead of standard output.",
    )(command)
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="text",
        show_default=True,
        help="Report format: sarif (code scanning) and gitlab (Code Quality) place each failure "
        "on the contract file and operation, with its curl line.",
    )(command)


def junit_text(report: SuiteReport) -> str:
    """The report as a JUnit XML document: one test case per failure (one passing if none)."""
    cases: list[str] = []
    if report.ok:
        cases.append('<testcase classname="ciba-contracts" name="contract"/>')
    for failure in report.failures:
        message = report.shown_message(failure)
        curl = report.shown_curl(failure) or ""
        cases.append(
            f'<testcase classname="ciba-contracts" name={quoteattr(failure.check)}>'
            f"<failure message={quoteattr(message.splitlines()[0] if message else '')}>"
            f"{escape(message)}\n{escape(curl)}</failure></testcase>"
        )
    failures = len(report.failures)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuite name="ciba-contracts" tests="{max(failures, 1)}" failures="{failures}">'
        + "".join(cases)
        + "</testsuite>\n"
    )


def _render(report: SuiteReport, fmt: str, out: TextIO) -> None:
    if fmt == "text":
        out.write(report.render() + "\n")
    elif fmt == "json":
        out.write(json.dumps(report.to_dict(), indent=2) + "\n")
    elif fmt == "junit":
        out.write(junit_text(report))
    else:
        from ciba_contracts.suite.ci_reports import write_suite_report

        write_suite_report(report, fmt, out)


def emit_report(report: SuiteReport, fmt: str, output: Path | None) -> None:
    """Write ``report`` in ``fmt`` to ``output`` (standard output when None)."""
    if output is None:
        _render(report, fmt, sys.stdout)
        return
    try:
        with output.open("w", encoding="utf-8") as handle:
            _render(report, fmt, handle)
    except OSError as exc:
        raise click.FileError(str(output), hint=exc.strerror) from None
    if fmt != "text":
        # The file is for the CI platform; the person watching the job still reads the verdict.
        click.echo(report.render())
