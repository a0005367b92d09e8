"""``--jobs N``: spreading a run over processes, with the report of a single process.

Many inputs are shared out one per task. A large HAR file is cut into byte
ranges of its entries (:mod:`.cuts`): alone, one per process, the processes
taking the ends of each other's ranges as they finish (:mod:`.taking`);
among other inputs, in rounds of shrinking ranges, one per task. Each range
is read from its cut and says where it stopped; the slices are joined
(:mod:`.joining`) only if each stopped exactly where the next began, and the
rest of the file is read again in this process otherwise. Entry indexes and
line numbers of a slice count from its cut and are shifted when joined, so
findings, their order and their locations are those of a one-process run.
"""

from __future__ import annotations

import functools
import gc
import itertools
import multiprocessing
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

import msgspec

from ciba_contracts.config import Settings
from ciba_contracts.run.cuts import cut_points, entry_layout
from ciba_contracts.run.joining import join_slices
from ciba_contracts.run.taking import Board
from ciba_contracts.run.tasks import (
    Checks,
    Partial,
    Progress,
    Task,
    check_task,
)
from ciba_contracts.traffic import storage
from ciba_contracts.traffic.jsonstream import StopWatch

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
_counter: Any = None
_board: Board | None = None
#: The cut search the plan uses, looked up when called.
_cut_points = cut_points
T = TypeVar("T")


def run_tasks(
    tasks: Sequence[Task], settings: Settings, progress: Progress | None
) -> list[Partial]:
    """Partial results of ``tasks``, in task order, computed by ``settings.jobs`` processes."""
    if len(tasks) == 1:
        halves = _slices(tasks[0], settings.jobs, (1,))
        if len(halves) == settings.jobs:
            # One file cut in as many slices as processes, which take from each other.
            return [_run_taking(tasks[0], halves, settings, progress)]
    groups = plan(tasks, settings.jobs)
    flat = [piece for group in groups for piece in group]
    total = sum(_size(task.name) for task in tasks)
    counter = multiprocessing.Value("q", 0)
    with ProcessPoolExecutor(
        max_workers=settings.jobs, initializer=_start, initargs=(settings, counter)
    ) as pool:
        futures = [pool.submit(_work, piece, progress is not None) for piece in flat]
        # Slices are joined as they come in, while the workers read on: a file whose
        # slices leave thousands of relay legs waiting (a recording of Authlete calls
        # alone) no longer pays the whole join after its last slice.
        joined = assemble(tasks, groups, _results(futures, counter, total, progress), settings)
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
    """How many tasks ``jobs`` processes would share for this one: more than one only for
    a large pretty-printed HAR file."""
    return len(_slices(task, jobs))


def _size(name: str) -> int:
    try:
        return storage.stat(name)[0]
    except OSError:
        return 0


def _start(settings: Settings, counter: Any, board: Board | None = None) -> None:
    global _checks, _counter, _board
    storage.configure(settings.storage_options)
    _checks = Checks(settings)
    _counter = counter
    _board = board
    if board is not None:
        board.sit()
    # What the worker holds from here on (modules, schemas, compiled checks) lives as
    # long as it does: out of the collector's reach, a full collection walks only what
    # the slices make. This process is the pool's own, so no caller's objects are kept.
    gc.freeze()


def _work(task: Task, report_progress: bool) -> Partial:
    assert _checks is not None
    last = task.start or 0

    def tick(_source: str, done: int, _total: int | None) -> None:
        nonlocal last
        # A slice reads a block past its end to finish its last entry: those bytes are
        # the next slice's to count.
        if task.stop is not None:
            done = min(done, task.stop)
        if done > last:
            with _counter.get_lock():
                _counter.value += done - last
            last = done

    return check_task(task, _checks, None, tick if report_progress else None)


def _run_taking(
    task: Task, halves: list[Task], settings: Settings, progress: Progress | None
) -> Partial:
    """One file read by ``settings.jobs`` processes, each from one of ``halves`` on, taking
    from the others as it finishes (:mod:`.taking`); the slices read, joined in order.

    A process that has read a slice is asked to take one more, until it finds none: so
    each slice comes back as soon as it is read, and is joined as soon as the slices
    before it are, while the processes read on.
    """
    total = _size(task.name)
    counter = multiprocessing.Value("q", 0)
    board = Board(settings.jobs)
    report = progress is not None
    with ProcessPoolExecutor(
        max_workers=settings.jobs, initializer=_start, initargs=(settings, counter, board)
    ) as pool:

        def arrivals() -> Iterator[Partial]:
            pending: set[Future[Any]] = {pool.submit(_read_slice, h, report) for h in halves}
            while pending:
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                if progress is not None:
                    _show(progress, counter, total)
                for future in done:
                    part: Partial | None = future.result()
                    if part is None:
                        continue
                    if part.slice is not None and not part.unreadable:
                        pending.add(pool.submit(_take_slice, task, report))
                    yield part

        parts = _in_file_order(arrivals())
        joined = join_slices(task, parts, functools.cache(lambda: Checks(settings)), settings)
        for _ in parts:
            pass  # slices the join did not take (the rest read again here): waited for
    if progress is not None:
        progress("", total, total or None)
    return joined


#: Where the slice after the file's last one would start.
_END = -2


def _in_file_order(parts: Iterable[Partial]) -> Iterator[Partial]:
    """``parts``, slices of one file come in any order, in the file's order: each as soon
    as the one ending where it starts has come. Any left when all have come (a slice that
    stopped elsewhere, which the join reads again) follow in the order of their starts."""
    waiting: dict[int, Partial] = {}
    expected = -1  # the first slice starts at the file's start (None)
    for part in parts:
        waiting[_start_of(part)] = part
        while expected in waiting:
            ready = waiting.pop(expected)
            yield ready
            following = None if ready.slice is None else ready.slice.next_start
            expected = _END if following is None else following
    for start in sorted(waiting):
        yield waiting[start]


def _start_of(part: Partial) -> int:
    start = None if part.slice is None else part.slice.start
    return -1 if start is None else start


def _read_slice(piece: Task, report_progress: bool) -> Partial:
    """Read the slice ``piece``, telling the board what is read (so others may take its
    end); read as a plain slice where the file's entries cannot be found again."""
    assert _checks is not None
    assert _board is not None
    if _layout(piece.name) is None:
        return _work(piece, report_progress)
    stop = _size(piece.name) if piece.stop is None else piece.stop
    bound = [stop]
    watch = _bounded(_board.reading(piece.start or 0, stop), bound)
    tick = _ticker(piece.start or 0, bound) if report_progress else None
    try:
        return check_task(piece, _checks, None, tick, watch)
    finally:
        _board.done()


def _take_slice(task: Task, report_progress: bool) -> Partial | None:
    """Take the end of another process's slice of ``task``'s file and read it; None when
    no slice has enough left."""
    assert _board is not None
    layout = _layout(task.name)
    if layout is None:
        return None
    taken = _board.take(task.name, layout[1])
    if taken is None:
        return None
    # The board has this process reading the slice already (the others may split it at
    # once); reading it says so again, and says when it is done.
    return _read_slice(
        msgspec.structs.replace(task, start=taken[0], stop=taken[1]), report_progress
    )


@functools.lru_cache(maxsize=4)
def _layout(name: str) -> tuple[int, bytes] | None:
    # Found once per file in each process; only a process with a place may take.
    return entry_layout(name) if _board is not None and _board.seated else None


def _bounded(watch: StopWatch, bound: list[int]) -> StopWatch:
    """``watch``, keeping the stop it answers in ``bound`` (where progress counts up to)."""

    def watched(read_to: int) -> int | None:
        stop = watch(read_to)
        if stop is not None:
            bound[0] = stop
        return stop

    return watched


def _ticker(start: int, bound: list[int]) -> Progress:
    """A progress callback adding a slice's bytes read to the run's, up to its stop now."""
    last = start

    def tick(_source: str, done: int, _total: int | None) -> None:
        nonlocal last
        done = min(done, bound[0])
        if done > last:
            with _counter.get_lock():
                _counter.value += done - last
            last = done

    return tick


def _results(
    futures: list[Future[T]], counter: Any, total: int, progress: Progress | None
) -> Iterator[T]:
    """Each piece's result in order, as it comes; the bytes read so far shown meanwhile."""
    for future in futures:
        if progress is not None:
            while not future.done():
                _show(progress, counter, total)
                wait([future], timeout=0.2)
        yield future.result()


def _show(progress: Progress, counter: Any, total: int) -> None:
    """Show the bytes the processes have read so far."""
    done = int(counter.value)
    # Never past the total; with no total (a size unknown), the bytes as read.
    progress("", min(done, total) if total else done, total or None)


# -- cutting a HAR file -------------------------------------------------------------------


def _slices(task: Task, jobs: int, rounds: Sequence[int] = ROUNDS) -> list[Task]:
    """The task itself, or slices of a large HAR file (in ``rounds``, see :data:`ROUNDS`)."""
    try:
        size, version = storage.stat(task.name)
    except OSError:
        return [task]
    if size < SPLIT_MIN:
        return [task]
    weights = tuple(weight for weight in rounds for _ in range(jobs))
    try:
        cuts = _known_cut_points(task.name, size, version, weights)
    except OSError:
        return [task]
    if not cuts:
        return [task]
    bounds: list[int | None] = [None, *cuts, None]
    return [
        msgspec.structs.replace(task, start=bounds[i], stop=bounds[i + 1])
        for i in range(len(bounds) - 1)
    ]


@functools.lru_cache(maxsize=16)
def _known_cut_points(name: str, size: int, version: object, weights: tuple[int, ...]) -> list[int]:
    # --jobs auto asks whether a file can be cut before the run cuts it: search once. The
    # size and modification time in the key keep a changed file from reusing old cuts.
    return _cut_points(name, size, weights)
