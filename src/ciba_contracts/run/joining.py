"""Joining the slices of one file, read apart, into the partial result of one read.

Entry indexes and line numbers of a slice count from its cut and are shifted
when joined; relay legs a slice left waiting are paired across the slices, in
file order. A slice that did not start where the previous one stopped is not
trusted: the rest of the file is read again here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

import msgspec

from ciba_contracts.check.relay_pairs import RelayCounts, RelayPairer
from ciba_contracts.config import Settings
from ciba_contracts.report.model import Checked, Located, checked_store, moved
from ciba_contracts.report.store import SpillingList
from ciba_contracts.run.tasks import (
    Checks,
    Partial,
    Task,
    add_relay_counts,
    check_task,
    relay_located,
    relay_pairer,
)
from ciba_contracts.traffic import storage

#: What a slice keeps with its place in the file: findings, checked items.
M = TypeVar("M", Located, Checked)

__all__ = ["join_slices"]


def join_slices(
    task: Task, parts: Iterable[Partial], checks: Callable[[], Checks], settings: Settings
) -> Partial:
    """One file's slices as the partial result of reading it whole.

    ``checks`` gives the checks for reading again what the slices did not cover.
    Relay legs a slice left waiting are paired here, across slices, in file order.
    """
    out = Partial()
    relays = _Relays(settings)
    entries = 0
    lines = 0
    expected: int | None = None
    for k, part in enumerate(parts):
        state = part.slice
        if k and (state is None or state.start != expected):
            # A cut that was not where the previous slice stopped: read the rest here.
            rest = check_task(msgspec.structs.replace(task, start=expected, stop=None), checks())
            _absorb(out, rest, entries, lines, relays.adopt(rest, entries, lines))
            break
        _absorb(out, part, entries, lines, relays.adopt(part, entries, lines))
        if state is None or part.unreadable or state.next_start is None:
            break
        entries += state.elements
        lines += state.newlines
        expected = state.next_start
    relays.finish(out, task)
    return out


class _Relays:
    """The relay legs the slices of one file left waiting, paired across the slices."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._pairer: RelayPairer | None = None
        self._counts: RelayCounts | None = None

    def adopt(self, part: Partial, entries: int, lines: int) -> dict[int, list[Located]]:
        """Offer a slice's waiting legs; the findings of the pairs they complete, by the
        index among the slice's findings where one read would have reported them."""
        if part.relay_counts is None:
            return {}
        if self._counts is None:
            self._counts = RelayCounts()
        self._counts.absorb(part.relay_counts)
        live = part.relay_live
        if live is not None:
            # The file's first slice, read here: its pairer goes on as the join's, its legs
            # never encoded nor decoded (only the first may keep it, see check_task).
            assert self._pairer is None, "a live pairer is kept only by a file's first slice"
            self._pairer = live
            return {}
        if self._pairer is None:
            self._pairer = relay_pairer(self._settings)
        inserts: dict[int, list[Located]] = {}
        # Findings of a pair are placed at its client leg, moved by the slice's start.
        for at, client, found in self._pairer.adopt(part.relay_pending, entries, lines):
            inserts.setdefault(at, []).extend(relay_located(client, found))
        return inserts

    def finish(self, out: Partial, task: Task) -> None:
        """Count what is still waiting, and say what the relay pairing of the file did."""
        if self._pairer is None or self._counts is None:
            return
        across = self._pairer.finish()
        add_relay_counts(out, across)
        self._counts.absorb(across)
        note = self._counts.describe(storage.display_name(task.name))
        if note is not None:
            out.summary.notes.append(note)


def _absorb(
    out: Partial,
    part: Partial,
    entries: int,
    lines: int,
    inserts: dict[int, list[Located]] | None = None,
) -> None:
    # Counted already: the counts come with the summary below, except the findings of
    # relay pairs made across slices (``inserts``, already placed in the whole file).
    if inserts:
        for index, located in enumerate(part.findings):
            for extra in inserts.pop(index, ()):
                out.add(extra)
            out.findings.append(moved(located, entries, lines))
        for index in sorted(inserts):
            for extra in inserts[index]:
                out.add(extra)
    else:
        _take_moved(out.findings, part.findings, entries, lines)
    if part.items is not None:
        if out.items is None:
            out.items = checked_store()
        _take_moved(out.items, part.items, entries, lines)
    out.summary.absorb(part.summary)
    out.unreadable.extend(part.unreadable)
    out.read_anything = out.read_anything or part.read_anything
    out.input_problems += part.input_problems


def _take_moved(into: SpillingList[M], items: SpillingList[M], entries: int, lines: int) -> None:
    """``items`` of a slice added to ``into``, moved by the slice's start; the file's first
    slice's taken over as they are (nothing moves)."""
    if entries or lines:
        into.extend(moved(item, entries, lines) for item in items)
    else:
        into.adopt(items)
