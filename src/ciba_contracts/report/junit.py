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
from collections.abc import Iterable, Iterator
from typing import Generic, TextIO, TypeVar
from xml.sax.saxutils import escape, quoteattr

from ciba_contracts.report.model import (
    Checked,
    Located,
    RunReport,
    entry_label,
    finding_place,
)

_Key = tuple[str, int | None, int | None, int | None]
_T = TypeVar("_T")


def write_junit(report: RunReport, out: TextIO, *, color: bool = False) -> None:
    """Write ``report`` as a JUnit XML document.

    Checked items and findings are kept in the run's order (items on disk past a
    limit, as findings are), so they are joined as they stream: a finding
    belongs to the test case of the item at its place, and findings on a place
    no item was checked at (input problems) make a test case of their own.
    Counts go in the opening tags, so the join runs twice: once to count, once
    to write. Memory holds one test case and a count per source.
    """
    del color  # XML has no colour
    with_items = {item.source for item in report.checked_items or ()}
    with_findings = {located.source for located in report.findings}
    counts: dict[str, list[int]] = {}
    for source, _, found in _cases(report, with_items, with_findings):
        count = counts.setdefault(source, [0, 0])
        count[0] += 1
        count[1] += any(f.finding.is_error for f in found)
    tests = sum(c[0] for c in counts.values())
    failures = sum(c[1] for c in counts.values())
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(
        f'<testsuites name="ciba-contracts" tests="{tests}" failures="{failures}"'
        f' errors="0" time="0">\n'
    )
    current: str | None = None
    classname = ""
    for source, item, found in _cases(report, with_items, with_findings):
        if source != current:
            if current is not None:
                out.write("  </testsuite>\n")
            current = source
            classname = _attr(source)
            total, failing = counts[source]
            out.write(
                f'  <testsuite name={classname} tests="{total}"'
                f' failures="{failing}" errors="0" skipped="0" time="0">\n'
            )
        if item is None:
            # Findings on a place no item was checked at: a test case of their own.
            item = Checked(*_key(found[0]), exchange=found[0].exchange)
        out.write(_testcase(classname, item, found))
    if current is not None:
        out.write("  </testsuite>\n")
    out.write("</testsuites>\n")


def _key(item: Located | Checked) -> _Key:
    return (item.source, item.entry, item.line, item.offset)


class _Peek(Generic[_T]):
    """An iterator whose next item can be looked at first."""

    def __init__(self, items: Iterable[_T]) -> None:
        self._items = iter(items)
        self.next: _T | None = next(self._items, None)

    def take(self) -> _T:
        taken = self.next
        assert taken is not None
        self.next = next(self._items, None)
        return taken


def _cases(
    report: RunReport, with_items: set[str], with_findings: set[str]
) -> Iterator[tuple[str, Checked | None, list[Located]]]:
    """(source, item, its findings) for every test case, sources kept together; the
    item is None for findings on a place no item was checked at."""
    items = _Peek(report.checked_items or ())
    found = _Peek(report.findings)
    while items.next is not None or found.next is not None:
        item, finding = items.next, found.next
        # Both streams follow the run's order of sources; a source missing from one of
        # them may come before or after the other's next one.
        if item is not None and (
            finding is None or item.source == finding.source or item.source not in with_findings
        ):
            source = item.source
        else:
            assert finding is not None
            source = finding.source
            if source in with_items and item is not None:
                source = item.source
        yield from ((source, i, f) for i, f in _source_cases(source, items, found))


def _source_cases(
    source: str, items: _Peek[Checked], found: _Peek[Located]
) -> Iterator[tuple[Checked | None, list[Located]]]:
    while True:
        item = items.next if items.next is not None and items.next.source == source else None
        finding = found.next if found.next is not None and found.next.source == source else None
        if item is None and finding is None:
            return
        if finding is not None and (item is None or _before(finding, item)):
            # Findings on a place no item was checked at: a test case of their own.
            key = _key(finding)
            group = [found.take()]
            while found.next is not None and _key(found.next) == key:
                group.append(found.take())
            yield None, group
            continue
        assert item is not None
        items.take()
        key = _key(item)
        group = []
        while found.next is not None and _key(found.next) == key:
            group.append(found.take())
        yield item, group


def _before(finding: Located, item: Checked) -> bool:
    """Whether ``finding`` comes before ``item`` and is not one of its findings."""
    if finding.entry is None or item.entry is None:
        return finding.entry is None and _key(finding) != _key(item)
    if finding.entry != item.entry:
        return finding.entry < item.entry
    return _key(finding) != _key(item)


def _testcase(classname: str, item: Checked, items: list[Located]) -> str:
    """One ``<testcase>``; ``classname`` is its source as an attribute value."""
    name = entry_label(item)
    if item.exchange:
        name += f": {item.exchange}"
    head = f'    <testcase classname={classname} name={_attr(name)} time="0"'
    if not items:
        return head + "/>\n"
    errors = [f for f in items if f.finding.is_error]
    warnings = [f for f in items if not f.finding.is_error] if len(errors) < len(items) else []
    lines = [head + ">\n"]
    if errors:
        rules = ", ".join(dict.fromkeys(f.finding.rule for f in errors))
        message = f"{len(errors)} error finding{'s' if len(errors) != 1 else ''}: {rules}"
        details = "\n".join(_finding_line(f) for f in errors)
        lines.append(
            f'      <failure message={_attr(message)} type="contract">'
            f"{_content(details)}</failure>\n"
        )
    if warnings:
        details = "\n".join(_finding_line(f) for f in warnings)
        lines.append(f"      <system-out>{_content(details)}</system-out>\n")
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


def _attr(value: str) -> str:
    """``value`` as a quoted attribute value (``quoteattr`` of :func:`_text`)."""
    if _PLAIN_ATTR.fullmatch(value):
        # Nothing to escape or drop: the common case, without quoteattr's six replaces.
        return f'"{value}"'
    return quoteattr(_text(value))


def _content(value: str) -> str:
    """``value`` as element content (``escape`` of :func:`_text`)."""
    if _PLAIN_CONTENT.fullmatch(value):
        return value
    return escape(_text(value))


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Texts XML holds as they are: no character to escape (& < >; in an attribute also " and
# the blanks quoteattr writes as references) and none XML 1.0 cannot hold.
_PLAIN_CONTENT = re.compile(
    "[\t\n\r\x20-\x25\x27-\x3b\x3d\x3f-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*"
)
_PLAIN_ATTR = re.compile(
    "[\x20\x21\x23-\x25\x27-\x3b\x3d\x3f-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*"
)
