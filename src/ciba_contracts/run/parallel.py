"""``--jobs N``: spreading a run over processes, with the report of a single process.

Many inputs are shared out one per task. A large HAR file is cut into byte
ranges of its entries (:mod:`.cuts`): alone, one per process, this one
among them, the processes taking the ends of each other's ranges as they
finish (:mod:`.one_file`, :mod:`.taking`); among other inputs, or where
processes cannot be forked, in rounds of shrinking ranges, one per task. Each range
is read from its cut and says where it stopped; the slices are joined
(:mod:`.joining`) only if each stopped exactly where the next began, and the
rest of the file is read again in this process otherwise. Entry indexes and
line numbers of a slice count from its cut and are shifted when joined, so
findings, their order and their locations are those of a one-process run.
"""

from __future__ import annotations

import functools
import itertools
import sys
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import msgspec

from ciba_contracts.config import Settings
from ciba_contracts.run.cuts import Layout, cut_points, entry_layout
from ciba_contracts.run.errors import WorkersUnavailable
from ciba_contracts.run.forked import can_fork
from ciba_contracts.run.joining import join_slices
from ciba_contracts.run.one_file import OneFile, read_one_file
from ciba_contracts.run.tasks import (
    Checks,
    Partial,
    Progress,
    Task,
    check_task,
)
from ciba_contracts.run.workers import ReadCount, size_of, start_worker
from ciba_contracts.traffic import storage

#: Files smaller than this are not cut: starting a slice costs more than it saves.
SPLIT_MIN = 48 * 1024 * 1024
#: How a file among other inputs is cut (one alone is taken from, see :mod:`.taking`), in
#: rounds of one slice per process, each round's slices smaller
#: than the last's (by these weights). Slices are handed out in file order, so a process
#: that ran slower (a busy core, a costlier part of the file) takes fewer of the small
#: ones at the end, and the processes finish close together: with equal slices, the last
#: one alone could keep one process busy while the other waits.
ROUNDS = (4, 2, 1)

_checks: Checks | None = None
_count: ReadCount | None = None
#: The cut search the plan uses, looked up when called.
_cut_points = cut_points


def run_tasks(
    tasks: Sequence[Task], settings: Settings, progress: Progress | None
) -> list[Partial]:
    """Partial results of ``tasks``, in task order, computed by ``settings.jobs`` processes."""
    if len(tasks) == 1 and can_fork():
        cut = _cut(tasks[0], settings.jobs, (1,))
        if len(cut.slices) == settings.jobs and cut.layout is not None:
            # One file cut in as many slices as processes, which take from each other.
            file = OneFile(tasks[0], cut.slices, cut.layout, cut.size)
            return [read_one_file(file, settings, progress)]
    # Loaded only here: a large file read alone (above) needs no pool.
    from concurrent.futures import ProcessPoolExecutor

    groups = plan(tasks, settings.jobs)
    flat = [piece for group in groups for piece in group]
    total = sum(size_of(task.name) for task in tasks)
    count = ReadCount()
    try:
        pool = ProcessPoolExecutor(
            max_workers=settings.jobs, initializer=_start, initargs=(settings, count)
        )
    except (OSError, NotImplementedError) as exc:
        raise WorkersUnavailable(str(exc)) from exc  # no semaphores here
    with pool:
        try:
            futures = [pool.submit(_work, piece, progress is not None) for piece in flat]
        except OSError as exc:
            raise WorkersUnavailable(str(exc)) from exc  # no process could be started
        # Slices are joined as they come in, while the workers read on: a file whose
        # slices leave thousands of relay legs waiting (a recording of Authlete calls
        # alone) no longer pays the whole join after its last slice.
        joined = assemble(tasks, groups, count.results(futures, progress, total), settings)
    if progress is not None:
        progress("", total, total or None)
    return joined


def plan(tasks: Sequence[Task], jobs: int) -> list[list[Task]]:
    """For each task, the pieces ``jobs`` workers share: the task, or slices of it."""
    return [_slices(task, jobs) for task in tasks]


def assemble(
    tasks: Sequence[Task],
    groups: Sequence[Sequence[Task]],
    results: Iterable[Partial],
    settings: Settings,
) -> list[Partial]:
    """The partial results of ``tasks`` from those of their pieces (``results``, in the
    order of the flattened ``groups``), slices joined as one read would give them.

    ``results`` is read in order, one piece at a time, so each may still be computed.
    """
    out: list[Partial] = []
    pending = iter(results)
    # Built only if a slice has to be read again here: it loads every schema and the
    # OpenAPI document, which the workers have done and this process has not.
    checks = functools.cache(lambda: Checks(settings))
    for task, group in zip(tasks, groups, strict=True):
        parts = itertools.islice(pending, len(group))
        if len(group) == 1 and group[0].start is None and group[0].stop is None:
            out.append(next(parts))
            continue
        out.append(join_slices(task, parts, checks, settings))
        for _ in parts:
            # Slices the join did not take (after one read again here, one unreadable or
            # one that found the file's end): waited for, so the next task's come next.
            pass
    return out


def pieces(task: Task, jobs: int) -> int:
    """How many slices ``jobs`` processes would read ``task`` in, were it the run's only
    input: more than one only for a large HAR file written one entry a line or
    pretty-printed. (The cuts are those :func:`run_tasks` then finds again, cached.)"""
    return len(_slices(task, jobs, (1,)))


def _start(settings: Settings, count: ReadCount) -> None:
    global _checks, _count
    _checks = start_worker(settings)
    _count = count


def _work(task: Task, report_progress: bool) -> Partial:
    assert _checks is not None
    assert _count is not None
    tick = None
    if report_progress:
        tick = _count.ticker(task.start or 0, [sys.maxsize if task.stop is None else task.stop])
    return check_task(task, _checks, None, tick)


# -- cutting a HAR file -------------------------------------------------------------------


class _Cut(NamedTuple):
    """A task's slices (the task itself if it is not cut), with what cutting it found:
    the file's entry layout and size."""

    slices: list[Task]
    layout: Layout | None = None
    size: int = 0


def _slices(task: Task, jobs: int, rounds: Sequence[int] = ROUNDS) -> list[Task]:
    """The task itself, or slices of a large HAR file (in ``rounds``, see :data:`ROUNDS`)."""
    return _cut(task, jobs, rounds).slices


def _cut(task: Task, jobs: int, rounds: Sequence[int] = ROUNDS) -> _Cut:
    try:
        size, version = storage.stat(task.name)
    except OSError:
        return _Cut([task])
    if size < SPLIT_MIN:
        return _Cut([task])
    weights = tuple(weight for weight in rounds for _ in range(jobs))
    try:
        layout, cuts = _known_cuts(task.name, size, version, weights)
    except OSError:
        return _Cut([task])
    if not cuts:
        return _Cut([task])
    bounds: list[int | None] = [None, *cuts, None]
    slices = [
        msgspec.structs.replace(task, start=bounds[i], stop=bounds[i + 1])
        for i in range(len(bounds) - 1)
    ]
    return _Cut(slices, layout, size)


@functools.lru_cache(maxsize=16)
def _known_cuts(
    name: str, size: int, version: object, weights: tuple[int, ...]
) -> tuple[Layout | None, list[int]]:
    # --jobs auto asks whether a file can be cut before the run cuts it: search once. The
    # size and modification time in the key keep a changed file from reusing old cuts.
    layout = entry_layout(name)
    return layout, [] if layout is None else _cut_points(name, size, weights, layout)
