"""The text report: findings grouped by source and entry, for a person."""

from __future__ import annotations

from itertools import groupby
from typing import TextIO

import click

from ciba_contracts.report.model import RunReport, entry_label, finding_place
from ciba_contracts.report.safe import printable

#: Rule groups whose findings are about the HTTP layer or the input, not a payload member.
_NOT_IN_PAYLOAD = ("H", "I")


def _style(text: str, color: bool, **kwargs: object) -> str:
    return click.style(text, **kwargs) if color else text  # type: ignore[arg-type]


def write_text(report: RunReport, out: TextIO, *, color: bool = False) -> None:
    """Write findings grouped by source, then entry, then a summary line."""
    for source, by_source in groupby(report.findings, key=lambda f: f.source):
        out.write(_style(printable(source), color, bold=True) + "\n")
        for _, by_entry in groupby(by_source, key=lambda f: (f.entry, f.line, f.offset)):
            items = list(by_entry)
            label = _style(entry_label(items[0]), color, fg="cyan")
            # An input finding (bytes that are not UTF-8) may come before the exchange's own.
            exchange = next((i.exchange for i in items if i.exchange), None)
            if exchange:
                label += ": " + printable(exchange)
            out.write("  " + label + "\n")
            for located in items:
                f = located.finding
                sev = _style(
                    f.severity.value, color, fg="red" if f.is_error else "yellow", bold=True
                )
                where = finding_place(f, "/")
                if f.rule[:1] in _NOT_IN_PAYLOAD and not f.pointer:
                    # HTTP-layer and input findings are about no member of a payload.
                    where = ""
                place = f" {where}" if where else ""
                out.write(
                    f"    {_style(f.rule, color, bold=True)} {sev}{place}: {printable(f.message)}\n"
                )
                if f.value is not None:
                    out.write(
                        _style(f"        value: {printable(f.value)}", color, dim=True) + "\n"
                    )
    s = report.summary
    noun = "payload" if s.checked == 1 else "payloads"
    line = (
        f"Checked {s.checked} {noun} from {s.inputs} input{'s' if s.inputs != 1 else ''} "
        f"at profile {report.profile.value}: {s.errors} error{'s' if s.errors != 1 else ''}, "
        f"{s.warnings} warning{'s' if s.warnings != 1 else ''}"
    )
    if s.skipped:
        line += f", {s.skipped} skipped"
    if s.relay_pairs or s.relay_unpaired:
        line += f", {s.relay_pairs} relay pair(s) checked, {s.relay_unpaired} leg(s) unpaired"
    line += "."
    fg = "red" if s.errors or report.unreadable else "green"
    out.write(_style(line, color, fg=fg, bold=True) + "\n")
    for note in s.notes:
        out.write(f"note: {printable(note)}\n")
