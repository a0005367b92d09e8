"""The JUnit XML report, for CI tools that show test results (GitLab, Jenkins, Azure...).

One ``<testsuite>`` per source, one ``<testcase>`` per checked payload or
exchange: error findings make its ``<failure>``, warnings go to its
``<system-out>``. An input problem that is no checked item of its own (a
corrupt entry, a truncated file) is a failing test case too. The layout is
the common subset that Jenkins, GitLab, Azure Pipelines and ``junitparser``
read: ``testsuites > testsuite > testcase > failure``.
"""

from __future__ import annotations

import re
from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

from ciba_contracts.report.model import (
    Checked,
    Located,
    RunReport,
    entry_label,
    finding_place,
)

_Key = tuple[str, int | None, int | None, int | None]


def write_junit(report: RunReport, out: TextIO, *, color: bool = False) -> None:
    """Write ``report`` as a JUnit XML document.

    The test cases are planned first (which item, which findings, in which
    order) and rendered one at a time while writing, so memory holds the plan,
    not the XML.
    """
    del color  # XML has no colour
    by_key: dict[_Key, list[Located]] = {}
    for located in report.findings:
        by_key.setdefault(_key(located), []).append(located)
    plan: dict[str, list[tuple[Checked, list[Located]]]] = {}
    for item in report.checked_items or ():
        plan.setdefault(item.source, []).append((item, by_key.pop(_key(item), [])))
    for key, found in by_key.items():
        # Findings on something that was not checked (input problems), and every finding
        # of a report built without its list of checked items: one test case per group.
        item = Checked(*key, exchange=found[0].exchange)
        plan.setdefault(item.source, []).append((item, found))
    tests = 0
    failures = 0
    counts: dict[str, tuple[int, int]] = {}
    for source, cases in plan.items():
        cases.sort(key=lambda c: _order(c[0]))
        failing = sum(1 for _, found in cases if any(f.finding.is_error for f in found))
        counts[source] = (len(cases), failing)
        tests += len(cases)
        failures += failing
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(
        f'<testsuites name="ciba-contracts" tests="{tests}" failures="{failures}"'
        f' errors="0" time="0">\n'
    )
    for source, cases in plan.items():
        total, failing = counts[source]
        out.write(
            f'  <testsuite name={quoteattr(_text(source))} tests="{total}"'
            f' failures="{failing}" errors="0" skipped="0" time="0">\n'
        )
        for item, found in cases:
            out.write(_testcase(item, found))
        out.write("  </testsuite>\n")
    out.write("</testsuites>\n")


def _key(item: Located | Checked) -> _Key:
    return (item.source, item.entry, item.line, item.offset)


def _order(item: Checked) -> tuple[int, int, int]:
    # Whole-input problems first, then entries in file order; stable sort keeps the rest.
    return (
        0 if item.entry is None else 1,
        -1 if item.entry is None else item.entry,
        item.offset if item.offset is not None else -1,
    )


def _testcase(item: Checked, items: list[Located]) -> str:
    name = entry_label(item)
    if item.exchange:
        name += f": {item.exchange}"
    errors = [f for f in items if f.finding.is_error]
    warnings = [f for f in items if not f.finding.is_error]
    head = (
        f"    <testcase classname={quoteattr(_text(item.source))}"
        f' name={quoteattr(_text(name))} time="0"'
    )
    if not items:
        return head + "/>\n"
    lines = [head + ">\n"]
    if errors:
        rules = ", ".join(dict.fromkeys(f.finding.rule for f in errors))
        message = f"{len(errors)} error finding{'s' if len(errors) != 1 else ''}: {rules}"
        details = "\n".join(_finding_line(f) for f in errors)
        lines.append(
            f'      <failure message={quoteattr(_text(message))} type="contract">'
            f"{escape(_text(details))}</failure>\n"
        )
    if warnings:
        details = "\n".join(_finding_line(f) for f in warnings)
        lines.append(f"      <system-out>{escape(_text(details))}</system-out>\n")
    lines.append("    </testcase>\n")
    return "".join(lines)


def _finding_line(located: Located) -> str:
    f = located.finding
    where = finding_place(f)
    text = f"{f.rule} [{f.severity.value}]"
    if where:
        text += f" {where}"
    text += f": {f.message}"
    if f.value is not None:
        text += f" (value: {f.value})"
    return text


def _text(value: str) -> str:
    """Without the characters XML 1.0 cannot hold at all (credentials are already masked)."""
    return _NOT_XML.sub("\ufffd", value)


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
