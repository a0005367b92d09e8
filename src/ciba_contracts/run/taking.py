"""Processes taking the end of each other's slice of one large HAR file.

With one large file to read, each of ``--jobs`` processes reads one of its equal
slices. One that finishes first takes the second half of what another has left:
it moves that one's stop back to the start of an entry, and reads from there to
where the other was to stop. Then it may take again, and so may the others,
until what is left is too little to share. So the processes finish together,
however fast each runs (the two cores of a virtual machine often run at
different speeds), without cutting the file into many slices, each handed over
and joined.

The :class:`Board`, shared by the processes, holds where each reads up to and
where it must stop. A process tells it each time it reads a block, and learns
its stop then (:data:`~ciba_contracts.traffic.jsonstream.StopWatch`), so a stop
is only ever moved to an entry past what its process has read, by more than a
block: the entries before it are that process's, those from it on the taker's.
"""

from __future__ import annotations

import contextlib
from typing import BinaryIO

from ciba_contracts.run.cuts import next_entry
from ciba_contracts.run.shared import SharedCells
from ciba_contracts.traffic import storage
from ciba_contracts.traffic.jsonstream import CHUNK, StopWatch

__all__ = ["MIN_LEFT", "Board"]

#: A stop is moved only this far past what its process has read. The reader tells the
#: board what it has read before it looks at the new bytes, and again before it looks at
#: more: so far it has looked at none past that, and a read's worth more is kept free.
_MARGIN = CHUNK
#: Less than this left to read in a slice is not shared: taking it costs a slice's start,
#: its hand-over and its join (a few milliseconds; reading 3 MB takes 10-20).
MIN_LEFT = 3 * 1024 * 1024

# The board's cells, three a process: where it has read up to, where it must stop, and
# whether it is reading a slice (1) or not (0).
_READ, _STOP, _BUSY = 0, 1, 2


class Board:
    """Where each process of a run reads up to and must stop, behind one lock; shared
    with the processes forked after it is made."""

    def __init__(self, processes: int) -> None:
        self._shared = SharedCells(3 * processes)
        self._processes = processes
        self._place = -1

    def close(self) -> None:
        """Let the board go in this process, once the run is done with it."""
        self._shared.close()

    def sit(self, place: int) -> None:
        """Take this process's place on the board, one of ``range(processes)`` (once, as it
        starts: this process's, 0, and each worker's, its slice's)."""
        self._place = place

    def reading(self, start: int, stop: int) -> StopWatch:
        """Say this process reads the slice from ``start`` to ``stop``; the stop watch
        its reader tells what it has read, and learns its stop from."""
        me = 3 * self._place
        with self._shared as cells:
            cells[me + _READ] = start
            cells[me + _STOP] = stop
            cells[me + _BUSY] = 1
        return self.watch()

    def watch(self) -> StopWatch:
        """The stop watch of the slice this process reads, as the board has it (one
        :meth:`take` gave it, which another may have split since)."""
        shared, me = self._shared, 3 * self._place

        def watch(read_to: int) -> int | None:
            with shared as cells:
                cells[me + _READ] = read_to
                return int(cells[me + _STOP])

        return watch

    def done(self) -> None:
        """Say this process reads no slice now."""
        with self._shared as cells:
            cells[3 * self._place + _BUSY] = 0

    def halt(self) -> None:
        """Have every process stop at its next read (the run ends on an error)."""
        with self._shared as cells:
            for place in range(self._processes):
                cells[3 * place + _STOP] = 0

    def take(self, name: str, marker: bytes) -> tuple[int, int] | None:
        """The second half of what the process with the most left has to read, as a slice
        (start, stop) this process now reads (said on the board); None when every slice
        has less than :data:`MIN_LEFT` left, or the file cannot be read again here (the
        slice is then read by the process it was given to: taking only shares work)."""
        try:
            with contextlib.ExitStack() as stack:
                return self._take(name, marker, stack)
        except OSError:
            return None

    def _take(
        self, name: str, marker: bytes, stack: contextlib.ExitStack
    ) -> tuple[int, int] | None:
        handle: BinaryIO | None = None  # opened once, if a slice has enough left
        for _ in range(4):
            with self._shared as cells:
                found = self._most_left(cells)
            if found is None:
                return None
            other, read_to, stop = found
            target = read_to + max(_MARGIN, (stop - read_to) // 2)
            if handle is None:
                handle = stack.enter_context(storage.open_binary(name)[0])
            cut = next_entry(handle, target, marker)
            if cut is None or cut >= stop:
                return None
            at = 3 * other
            with self._shared as cells:
                # Taken only if that process has not read on too far, nor been taken from.
                if (
                    cells[at + _BUSY]
                    and cells[at + _STOP] == stop
                    and cells[at + _READ] + _MARGIN <= cut
                ):
                    cells[at + _STOP] = cut
                    me = 3 * self._place
                    cells[me + _READ] = cut
                    cells[me + _STOP] = stop
                    cells[me + _BUSY] = 1
                    return cut, stop
        return None

    def _most_left(self, cells: memoryview) -> tuple[int, int, int] | None:
        """The process with the most left to read (its place, where it has read up to,
        its stop), if that is at least :data:`MIN_LEFT`; the lock on ``cells`` is held."""
        best: tuple[int, int, int] | None = None
        for other in range(self._processes):
            at = 3 * other
            if other == self._place or not cells[at + _BUSY]:
                continue
            read_to, stop = int(cells[at + _READ]), int(cells[at + _STOP])
            if stop - read_to >= MIN_LEFT and (best is None or stop - read_to > best[2] - best[1]):
                best = (other, read_to, stop)
        return best
