"""The JSON report: a stable, versioned interface for machines."""

from __future__ import annotations

from typing import TextIO

import orjson

from ciba_contracts.report.model import RunReport

VERSION = 1


def write_json(report: RunReport, out: TextIO, *, color: bool = False) -> None:
    """Write ``report`` as one JSON document (see README, "JSON report")."""
    s = report.summary
    document = {
        "version": VERSION,
        "profile": report.profile.value,
        "summary": {
            "inputs": s.inputs,
            "checked": s.checked,
            "errors": s.errors,
            "warnings": s.warnings,
            "skipped": s.skipped,
        },
        "findings": [located.to_dict() for located in report.findings],
    }
    out.write(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())
    out.write("\n")
