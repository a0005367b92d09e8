"""GitHub Actions workflow commands: one annotation per finding.

``::error file=F,line=L,title=T::message`` shows the finding on the file (and
line, where known) in the pull request's "Files changed" view and in the run
summary. Properties and message are escaped as the workflow-command syntax
requires, so a value holding ``%``, ``:``, ``,`` or a newline cannot end the
command early or start another one.
"""

from __future__ import annotations

from typing import TextIO

from ciba_contracts.report.model import Located, RunReport, finding_text
from ciba_contracts.report.safe import printable


def write_github(report: RunReport, out: TextIO, *, color: bool = False) -> None:
    """Write ``report`` as GitHub Actions annotations plus a summary notice."""
    del color
    for located in report.findings:
        out.write(_annotation(located) + "\n")
    s = report.summary
    summary = (
        f"Checked {s.checked} payloads and exchanges from {s.inputs} inputs at profile "
        f"{report.profile.value}: {s.errors} errors, {s.warnings} warnings, {s.skipped} skipped."
    )
    level = "error" if s.errors else "notice"
    out.write(f"::{level} title=ciba-contracts::{_data(summary)}\n")
    for note in s.notes:
        out.write(f"::notice title=ciba-contracts::{_data(note)}\n")
    for path, cause in report.unreadable:
        out.write(f"::error file={_prop(path)},title=ciba-contracts::{_data(cause)}\n")


def _annotation(located: Located) -> str:
    f = located.finding
    level = "error" if f.is_error else "warning"
    props = [f"file={_prop(located.source)}"]
    if located.line is not None:
        props.append(f"line={located.line}")
    props.append(f"title={_prop(f'{f.rule} ({f.severity.value})')}")
    # The line is a property of the annotation, not part of its text.
    return f"::{level} {','.join(props)}::{_data(finding_text(located))}"


def _data(text: str) -> str:
    return printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
