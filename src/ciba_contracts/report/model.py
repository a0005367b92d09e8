"""What a run found, located in its inputs."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.rules import Severity
from ciba_contracts.redact import redact_finding, redact_optional, redact_text
from ciba_contracts.report.store import SpillingList
from ciba_contracts.validate.finding import Finding


@functools.lru_cache(maxsize=1024)
def _masked_name(name: str) -> str:
    # A source name repeats for every entry of its file.
    return redact_text(name)


def _mask_place(item: Located | Checked) -> None:
    """Mask where ``item`` was found (its source name and exchange), in place.

    Set only when masking changed something: a frozen instance's setattr is slow,
    and this runs per finding and per checked item.
    """
    source = _masked_name(item.source)
    if source is not item.source:
        object.__setattr__(item, "source", source)
    exchange = redact_optional(item.exchange)
    if exchange is not item.exchange:
        object.__setattr__(item, "exchange", exchange)


@dataclass(frozen=True, slots=True)
class Located:
    """A finding and where it came from.

    ``entry`` is the 0-based index of the payload or exchange in its source;
    ``line`` the 1-based line where known; ``offset`` a byte offset where known.
    """

    finding: Finding
    source: str
    entry: int | None = None
    line: int | None = None
    offset: int | None = None
    #: The recorded exchange the finding is about, as ``METHOD URL -> STATUS`` (redacted).
    exchange: str | None = None

    def __post_init__(self) -> None:
        # The one place credentials are masked: every string a reporter shows of a
        # finding, or of where it was found, passes here first. (Set only when masking
        # changed something: a frozen instance's setattr is slow, and this runs per finding.)
        finding = redact_finding(self.finding)
        if finding is not self.finding:
            object.__setattr__(self, "finding", finding)
        _mask_place(self)

    def to_dict(self) -> dict[str, Any]:
        """The JSON report's shape of one finding."""
        f = self.finding
        return {
            "rule": f.rule,
            "severity": f.severity.value,
            "message": f.message,
            "source": self.source,
            "entry": self.entry,
            "line": self.line,
            "offset": self.offset,
            "exchange": self.exchange,
            "pointer": f.pointer,
            "content_pointer": f.content_pointer,
            "value": f.value,
        }


def located_row(located: Located) -> tuple[Any, ...]:
    """``located`` as plain data, for keeping it on disk."""
    f = located.finding
    return (
        f.rule,
        f.severity.value,
        f.message,
        f.pointer,
        f.content_pointer,
        f.value,
        located.source,
        located.entry,
        located.line,
        located.offset,
        located.exchange,
    )


def located_from_row(row: tuple[Any, ...]) -> Located:
    """The inverse of :func:`located_row`."""
    rule, severity, message, pointer, content_pointer, value, *where = row
    finding = Finding(rule, Severity(severity), message, pointer, content_pointer, value)
    return Located(finding, *where)


_SEVERITIES = {severity.value: severity for severity in Severity}


def _restored(row: tuple[Any, ...]) -> Located:
    """:func:`located_from_row` of a row this run wrote to its own store.

    The row holds a Located's fields, masked when it was made: read back for every
    report format, it is not masked again (nor checked by ``__init__``).
    """
    rule, severity, message, pointer, content_pointer, value, source, *where = row
    located = _new(Located)
    _set(
        located,
        "finding",
        Finding(rule, _SEVERITIES[severity], message, pointer, content_pointer, value),
    )
    _set(located, "source", source)
    _set(located, "entry", where[0])
    _set(located, "line", where[1])
    _set(located, "offset", where[2])
    _set(located, "exchange", where[3])
    return located


_new = object.__new__
_set = object.__setattr__


def findings_store() -> SpillingList[Located]:
    """An empty store of located findings, spilling to disk past its memory limit."""
    return SpillingList(encode=located_row, decode=_restored)


@dataclass(frozen=True, slots=True)
class Checked:
    """A payload or exchange that was checked (kept only for reports that list each one)."""

    source: str
    entry: int | None = None
    line: int | None = None
    offset: int | None = None
    exchange: str | None = None

    def __post_init__(self) -> None:
        # Masked as Located is, for the reports that list every checked item.
        _mask_place(self)


_Placed = TypeVar("_Placed", Located, Checked)


def moved(item: _Placed, entries: int, lines: int) -> _Placed:
    """``item`` with its entry index and line counted ``entries`` and ``lines`` further on
    (a slice's findings, when the slices of a file are joined).

    Its strings were masked when it was made: the copy is not masked again, which is
    most of what remaking it would cost.
    """
    copy = _new(type(item))
    for name in item.__slots__:
        _set(copy, name, getattr(item, name))
    if item.entry is not None:
        _set(copy, "entry", item.entry + entries)
    if item.line is not None:
        _set(copy, "line", item.line + lines)
    return copy


def checked_store() -> SpillingList[Checked]:
    """An empty store of checked items, spilling to disk past its memory limit."""
    return SpillingList(encode=_checked_row, decode=_checked_from_row)


def _checked_row(item: Checked) -> tuple[Any, ...]:
    return (item.source, item.entry, item.line, item.offset, item.exchange)


def _checked_from_row(row: tuple[Any, ...]) -> Checked:
    return Checked(*row)


def mask_notes(report: RunReport) -> None:
    """Mask the run-level texts of ``report`` (unreadable inputs and their causes, notes).

    Findings and checked items are masked as they are made (:class:`Located`,
    :class:`Checked`); these are the report's only other strings from its inputs.
    """
    report.unreadable[:] = [(_masked_name(p), redact_text(c)) for p, c in report.unreadable]
    report.summary.notes[:] = [redact_text(note) for note in report.summary.notes]


def place_parts(item: Located | Checked) -> list[str]:
    """``["entry 3", "line 40", "byte 1200"]``, the parts known."""
    parts = []
    if item.entry is not None:
        parts.append(f"entry {item.entry}")
    if item.line is not None:
        parts.append(f"line {item.line}")
    if item.offset is not None:
        parts.append(f"byte {item.offset}")
    return parts


def entry_label(item: Located | Checked) -> str:
    """``entry 3, line 40, byte 1200`` (the parts known), or ``input`` for the whole input."""
    return ", ".join(place_parts(item)) or "input"


def finding_place(finding: Finding, root: str = "") -> str:
    """Where in the payload ``finding`` points: ``/expiresIn``, ``/responseContent -> /interval``.

    ``root`` stands for the pointer when it is empty (the payload as a whole).
    """
    where = finding.pointer or root
    if finding.content_pointer is not None:
        where += " -> " + (finding.content_pointer or "/")
    return where


def finding_text(located: Located) -> str:
    """A finding in one line, for formats that show its file and line apart:
    ``entry 3, byte 1200: POST ... -> 200: /expiresIn: message (value: ...)``."""
    # Runs for every finding of a CI report: the place is built without place_parts.
    f = located.finding
    entry = located.entry
    offset = located.offset
    if entry is not None:
        text = f"entry {entry}, byte {offset}: " if offset is not None else f"entry {entry}: "
    else:
        text = f"byte {offset}: " if offset is not None else ""
    if located.exchange:
        text += f"{located.exchange}: "
    pointer = finding_place(f)
    if pointer:
        text += f"{pointer}: "
    text += f.message
    if f.value is not None:
        text += f" (value: {f.value})"
    return text


@dataclass(slots=True)
class Summary:
    """Counts of a run."""

    inputs: int = 0
    checked: int = 0
    errors: int = 0
    warnings: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)
    #: Relays in recordings: pairs of legs checked, and legs that could not be paired.
    relay_pairs: int = 0
    relay_unpaired: int = 0

    def count(self, finding: Finding) -> None:
        """Count one finding as an error or a warning."""
        if finding.is_error:
            self.errors += 1
        else:
            self.warnings += 1

    def absorb(self, other: Summary) -> None:
        """Add the counts and notes of another part of the run."""
        self.inputs += other.inputs
        self.checked += other.checked
        self.errors += other.errors
        self.warnings += other.warnings
        self.skipped += other.skipped
        self.notes.extend(other.notes)
        self.relay_pairs += other.relay_pairs
        self.relay_unpaired += other.relay_unpaired


@dataclass(slots=True)
class RunReport:
    """Everything a reporter needs: settings echo, counts and located findings."""

    profile: Profile
    summary: Summary = field(default_factory=Summary)
    #: In memory up to a limit, then on disk: a run can find more than memory should hold.
    findings: SpillingList[Located] = field(default_factory=lambda: findings_store())
    #: Inputs that could not be read at all (path, cause): exit status 2.
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    #: Inputs were given but not one payload or exchange could be read from them: exit 2.
    nothing_read: bool = False
    #: Every checked payload and exchange, in order, when the report format lists them
    #: (JUnit: one test case each), spilling to disk as the findings do; None otherwise.
    checked_items: SpillingList[Checked] | None = None

    def add(self, located: Located) -> None:
        """Record one finding and count it."""
        self.findings.append(located)
        self.summary.count(located.finding)

    @property
    def exit_code(self) -> int:
        """0 clean, 1 error findings, 2 an input could not be read."""
        if self.unreadable or self.nothing_read:
            return 2
        return 1 if self.summary.errors else 0
