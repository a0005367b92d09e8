"""Integers in memory shared by a process and those it forks after, behind one lock.

The processes reading one large file (:mod:`.one_file`) keep their board (where
each reads, where each must stop) and their count of bytes read here. They are
forked, so a file in memory mapped before the fork is shared as it is; the lock
is the kernel's record lock on that file, which a process that dies releases.
Setting these up takes well under a millisecond, where the shared values of
:mod:`multiprocessing` (which a pool's workers, however they start, can be
handed) cost about 5 ms of a run's start, loading ``ctypes`` and a heap.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import weakref
from types import TracebackType

__all__ = ["SharedCells", "memory_file"]


def memory_file() -> int:
    """A file descriptor of a new file held in memory, with no name."""
    if hasattr(os, "memfd_create"):
        return os.memfd_create("ciba-contracts", os.MFD_CLOEXEC)
    import tempfile

    handle, path = tempfile.mkstemp(prefix="ciba-contracts-")
    os.unlink(path)
    return handle


class SharedCells:
    """``count`` 64-bit integers (:attr:`cells`, zero at first), shared with the
    processes forked after; ``with`` holds the lock on them."""

    def __init__(self, count: int) -> None:
        self._file = memory_file()
        # Closed at the latest with these cells: a process that runs many times over (a
        # test suite, a server) would otherwise keep it open.
        self._closed = weakref.finalize(self, os.close, self._file)
        os.ftruncate(self._file, 8 * count)
        self._map = mmap.mmap(self._file, 8 * count)
        #: The integers, read and written in place.
        self.cells = memoryview(self._map).cast("q")

    def close(self) -> None:
        """Let the cells go in this process (the map holds a descriptor of its own)."""
        self.cells.release()
        self._map.close()
        self._closed()

    def __enter__(self) -> memoryview:
        fcntl.lockf(self._file, fcntl.LOCK_EX)
        return self.cells

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        fcntl.lockf(self._file, fcntl.LOCK_UN)

    # The interface of a value shared by ``multiprocessing`` (its first cell), so a count
    # can be kept in either.

    def get_lock(self) -> SharedCells:
        """The lock (this object, used with ``with``)."""
        return self

    @property
    def value(self) -> int:
        """The first cell."""
        return int(self.cells[0])

    @value.setter
    def value(self, value: int) -> None:
        self.cells[0] = value
