"""One large HAR file read by the run's processes, this one among them.

The file is cut in one slice per process. This process reads the first slice
and forked workers the others; one that finishes takes the end of another's
slice (:mod:`.taking`), and again, until none has enough left. The slices read
are joined (:mod:`.joining`) in file order.

This process reads rather than waits for the workers: it builds the checks,
which the workers forked after it (:mod:`.forked`) share instead of building their
own, so every process starts reading as soon as one would alone; and the slices it
reads are not handed from one process to another.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import NamedTuple

import msgspec

from ciba_contracts.config import Settings
from ciba_contracts.run.cuts import Layout
from ciba_contracts.run.errors import WorkersUnavailable
from ciba_contracts.run.forked import Forked
from ciba_contracts.run.joining import join_slices
from ciba_contracts.run.taking import Board
from ciba_contracts.run.tasks import Checks, Partial, Progress, Task, check_task
from ciba_contracts.run.workers import SHOW_EVERY, ReadCount, start_worker
from ciba_contracts.traffic.jsonstream import StopWatch

__all__ = ["OneFile", "Reader", "read_one_file"]

#: What a forked worker keeps until it ends.
_kept: list[object] = []


class OneFile(NamedTuple):
    """A large HAR file read by several processes: its task, its slices (one a process,
    in file order), where its entries start and its size, as cutting it found them."""

    task: Task
    slices: Sequence[Task]
    layout: Layout
    size: int


class Reader:
    """One process's part in reading a file with others: its checks, the run's count of
    bytes read, and the board the processes take from each other on."""

    def __init__(
        self,
        checks: Checks,
        count: ReadCount,
        board: Board,
        file: OneFile,
        show: Callable[[], None] | None = None,
        joins: bool = False,
    ) -> None:
        """``show``: called now and then while reading, to show the run's progress;
        ``joins``: this process joins the slices read (they are not handed over)."""
        self.joins = joins
        self.checks = checks
        self.count = count
        self.board = board
        self.file = file
        self._show = show
        self._spent: object = None

    def read_all(self, piece: Task, report: bool) -> list[Partial]:
        """Read the slice ``piece`` of the file, then take from the others' slices until
        none has enough left; the slices read, in the order read."""
        parts = [self.read(piece, report)]
        while parts[-1].slice is not None and not parts[-1].unreadable:
            taken = self.take(report)
            if taken is None:
                break
            parts.append(taken)
        return parts

    def read(self, piece: Task, report: bool, taken: bool = False) -> Partial:
        """Read the slice ``piece``, telling the board what is read (so others may take
        its end). ``taken``: the board has this process reading it already (see
        :meth:`take`)."""
        start = piece.start or 0
        stop = self.file.size if piece.stop is None else piece.stop
        bound = [stop]
        tick = self.count.ticker(start, bound, self._show) if report else None
        board = self.board
        watch = _bounded(board.watch() if taken else board.reading(start, stop), bound)
        self._spent = None  # the last slice's relay legs, freed now (see below)
        try:
            part = check_task(piece, self.checks, None, tick, watch, keep_pairer=True)
        finally:
            board.done()
        # The process that joins the slices keeps the first one's relay pairer, to go on
        # as the join's. Other slices hand their legs over encoded; the pairer, holding
        # them, is kept until the next slice, so a worker's last slice is handed over
        # before they are freed (milliseconds for thousands, the last thing it does).
        live = part.relay_live
        if live is not None and not (self.joins and piece.start is None):
            part.relay_pending = live.drain()
            part.relay_live = None
            self._spent = live
        return part

    def take(self, report: bool) -> Partial | None:
        """Take the end of another process's slice of the file and read it; None when no
        slice has enough left."""
        task = self.file.task
        taken = self.board.take(task.name, self.file.layout[1])
        if taken is None:
            return None
        # The board has this process reading the slice already, and another may take its
        # end before a byte is read: the stop is learnt from the board, not said again.
        piece = msgspec.structs.replace(task, start=taken[0], stop=taken[1])
        return self.read(piece, report, taken=True)


def read_one_file(file: OneFile, settings: Settings, progress: Progress | None) -> Partial:
    """``file`` read by as many processes as it has slices, this one reading the first,
    the others forked for the rest; the slices read, joined."""
    total = file.size
    count = ReadCount(forked=True)
    board = Board(len(file.slices))
    board.sit(0)
    checks = Checks(settings)
    show = None if progress is None else functools.partial(count.show, progress, total)
    here = Reader(checks, count, board, file, show, joins=True)
    report = progress is not None
    workers: list[Forked[list[Partial]]] = []
    try:
        for place in range(1, len(file.slices)):
            # Forked now, each worker has this process's checks: it need not build them.
            call = functools.partial(_worker, settings, checks, count, board, file, place, report)
            try:
                workers.append(Forked(call))
            except OSError as exc:
                raise WorkersUnavailable(str(exc)) from exc

        def arrivals() -> Iterator[Partial]:
            yield from here.read_all(file.slices[0], report)
            for worker in workers:
                while show is not None and not worker.ready(SHOW_EVERY):
                    show()
                yield from worker.result()

        # This process's slices come first in the file: joined while the workers finish.
        joined = join_slices(file.task, in_file_order(arrivals()), lambda: checks, settings)
    except BaseException:
        # The run ends with this error: the others need not read on.
        board.halt()
        raise
    finally:
        for worker in workers:
            worker.close()
        board.close()
        count.close()
    if progress is not None:
        progress("", total, total or None)
    return joined


def _worker(
    settings: Settings,
    checks: Checks,
    count: ReadCount,
    board: Board,
    file: OneFile,
    place: int,
    report: bool,
) -> list[Partial]:
    """A forked worker's part in the run: the slice at ``place``, then what it takes from
    the others."""
    start_worker(settings, checks)
    board.sit(place)
    reader = Reader(checks, count, board, file)
    # Freed with the process: the relay legs of its last slice (thousands) are not freed
    # one by one before its outcome is handed back.
    _kept.append(reader)
    try:
        return reader.read_all(file.slices[place], report)
    except BaseException:
        # The run ends with this error: the others need not read on.
        board.halt()
        raise


#: Where the slice after the file's last one would start.
_END = -2


def in_file_order(parts: Iterable[Partial]) -> Iterator[Partial]:
    """``parts``, slices of one file in any order, in the file's order: each as soon as
    the one ending where it starts has come. Any left when all have come (a slice that
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


def _bounded(watch: StopWatch, bound: list[int]) -> StopWatch:
    """``watch``, keeping the stop it answers in ``bound`` (where progress counts up to)."""

    def watched(read_to: int) -> int | None:
        stop = watch(read_to)
        if stop is not None:
            bound[0] = stop
        return stop

    return watched
