"""The JSON report: a stable, versioned interface for machines."""

from __future__ import annotations

from typing import Any, TextIO

import orjson

from ciba_contracts.report.model import RunReport
from ciba_contracts.report.safe import encodable

VERSION = 1


def write_json(report: RunReport, out: TextIO, *, color: bool = False) -> None:
    """Write ``report`` as one JSON document (see README, "JSON report").

    Findings are serialised one at a time, so a recording with a great many
    findings does not need the whole document in memory twice over; the text
    is the same as serialising the document at once with two-space indents.
    """
    s = report.summary
    head: dict[str, Any] = {
        "version": VERSION,
        "profile": report.profile.value,
        "summary": {
            "inputs": s.inputs,
            "checked": s.checked,
            "errors": s.errors,
            "warnings": s.warnings,
            "skipped": s.skipped,
            "relay_pairs": s.relay_pairs,
            "relay_unpaired": s.relay_unpaired,
        },
        "findings": [],
    }
    if not report.findings:
        out.write(orjson.dumps(head, option=orjson.OPT_INDENT_2).decode())
        out.write("\n")
        return
    text = orjson.dumps(head, option=orjson.OPT_INDENT_2).decode()
    out.write(text[: text.rindex("[]")] + "[")
    separator = "\n    "
    for located in report.findings:
        item = _dumps(located.to_dict())
        out.write(separator + item.replace("\n", "\n    "))
        separator = ",\n    "
    out.write("\n  ]\n}\n")


def summary_document(report: RunReport) -> dict[str, Any]:
    """The counts of a run and its exit status, for CI steps (``validate --summary-file``)."""
    s = report.summary
    return {
        "version": VERSION,
        "profile": report.profile.value,
        "inputs": s.inputs,
        "checked": s.checked,
        "errors": s.errors,
        "warnings": s.warnings,
        "skipped": s.skipped,
        "relay_pairs": s.relay_pairs,
        "relay_unpaired": s.relay_unpaired,
        "unreadable": len(report.unreadable),
        "exit_code": report.exit_code,
    }


def _dumps(item: dict[str, Any]) -> str:
    try:
        return orjson.dumps(item, option=orjson.OPT_INDENT_2).decode()
    except TypeError:
        # A lone surrogate (a file name that is not UTF-8) cannot be written as UTF-8.
        clean = {k: encodable(v) if isinstance(v, str) else v for k, v in item.items()}
        return orjson.dumps(clean, option=orjson.OPT_INDENT_2).decode()
