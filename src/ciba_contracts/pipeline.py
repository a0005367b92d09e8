"""One run of ``validate``: inputs -> readers -> validator -> report.

The pipeline owns the order of the report (inputs in the order given,
directories walked in sorted order, entries in file order), so every
reporter sees the same sequence.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from ciba_contracts.config import Settings
from ciba_contracts.report.model import Located, RunReport
from ciba_contracts.traffic.payloads import STDIN, is_payload_file, read_payloads
from ciba_contracts.validate.engine import get_validator


def expand(inputs: Sequence[str], report: RunReport) -> Iterator[str]:
    """Inputs with directories replaced by the payload files under them."""
    for name in inputs:
        if name != STDIN and os.path.isdir(name):
            found = False
            for path in sorted(Path(name).rglob("*")):
                if not path.is_file():
                    continue
                if is_payload_file(path):
                    found = True
                    yield str(path)
                else:
                    report.summary.notes.append(f"skipped {path}: not a known input format")
            if not found:
                report.summary.notes.append(f"{name}: no payload files found")
        else:
            yield name


def run(inputs: Sequence[str], settings: Settings, stdin: BinaryIO | None = None) -> RunReport:
    """Check every payload of ``inputs`` and return the report."""
    validator = get_validator(settings.profile, settings.select or None, settings.ignore or None)
    report = RunReport(settings.profile)
    for name in expand(inputs, report):
        report.summary.inputs += 1
        try:
            for entry in read_payloads(name, stdin):
                report.summary.checked += 1
                for finding in validator.validate(entry.body):
                    report.add(Located(finding, entry.source, entry.entry, entry.line))
        except OSError as exc:
            report.unreadable.append((name, exc.strerror or str(exc)))
    return report
