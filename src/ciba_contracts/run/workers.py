"""What the processes of a ``--jobs`` run share: how each starts, the count of bytes they
have read, and the wait for their results with the run's progress shown."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from ciba_contracts.config import Settings
from ciba_contracts.run.errors import WorkerLost
from ciba_contracts.run.shared import SharedCells
from ciba_contracts.run.tasks import Checks, Progress
from ciba_contracts.traffic import storage

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = ["SHOW_EVERY", "ReadCount", "size_of", "start_worker"]

#: How often the bytes the run has read are shown while it waits or reads (seconds).
SHOW_EVERY = 0.2

T = TypeVar("T")


def start_worker(settings: Settings, checks: Checks | None = None) -> Checks:
    """Start a worker process of the run: its storage configured, and the run's checks:
    ``checks`` (built by the process it was forked from), else built here."""
    storage.configure(settings.storage_options)
    if checks is None:
        checks = Checks(settings)
    # What the worker holds from here on (modules, schemas, compiled checks) lives as
    # long as it does: out of the collector's reach, a full collection walks only what
    # the slices make, and pages shared with the process it was forked from stay shared.
    # The process ends with the run (forked for it, or a pool's): nothing a caller made is
    # kept past it.
    gc.freeze()
    return checks


class ReadCount:
    """A count of bytes read, shared by the processes of a run (handed to each as it
    starts)."""

    def __init__(self, forked: bool = False) -> None:
        """``forked``: shared only with the processes this one forks after (cheaper to
        set up); else with a process pool's workers, however they start."""
        if forked:
            self._value: Any = SharedCells(1)
        else:
            import multiprocessing

            self._value = multiprocessing.Value("q", 0)

    def close(self) -> None:
        """Let the count go in this process, once the run is done with it."""
        if isinstance(self._value, SharedCells):
            self._value.close()

    def add(self, read: int) -> None:
        """Count ``read`` more bytes."""
        with self._value.get_lock():
            self._value.value += read

    @property
    def read(self) -> int:
        """The bytes counted so far."""
        return int(self._value.value)

    def show(self, progress: Progress, total: int) -> None:
        """Show the bytes read so far: never past ``total``; as read, with no total (a size
        unknown)."""
        done = self.read
        progress("", min(done, total) if total else done, total or None)

    def ticker(
        self, start: int, bound: Sequence[int], show: Callable[[], None] | None = None
    ) -> Progress:
        """A progress callback for a slice read from ``start``, adding its bytes read to
        this count up to ``bound[0]``, its stop (a slice reads a block past its stop to
        finish its last entry: those bytes are the next slice's to count); calling
        ``show`` now and then."""
        last = start
        shown = time.monotonic()

        def tick(_source: str, done: int, _total: int | None) -> None:
            nonlocal last, shown
            done = min(done, bound[0])
            if done > last:
                self.add(done - last)
                last = done
            if show is not None and time.monotonic() - shown >= SHOW_EVERY:
                shown = time.monotonic()
                show()

        return tick

    def results(
        self, futures: Sequence[Future[T]], progress: Progress | None, total: int
    ) -> Iterator[T]:
        """Each future's result in order, as it comes; the bytes read so far shown
        meanwhile."""
        from concurrent.futures import wait
        from concurrent.futures.process import BrokenProcessPool

        for future in futures:
            while progress is not None and not future.done():
                self.show(progress, total)
                wait([future], timeout=SHOW_EVERY)
            try:
                result = future.result()
            except BrokenProcessPool as exc:
                raise WorkerLost(f"a worker process ended without its result ({exc})") from exc
            yield result


def size_of(name: str) -> int:
    """The size of the input ``name``; 0 when it cannot be told."""
    try:
        return storage.stat(name)[0]
    except OSError:
        return 0
