"""Where a run keeps its findings: in memory up to a limit, then in a temporary file.

A recording of a server that breaks the contract on every answer gives a
finding per exchange, and a large one gives millions. Reports are written
after the run (their summaries come first), so the findings have to be kept;
past :data:`MEMORY_LIMIT` they are pickled to a temporary file in batches and
read back, in order, when a reporter iterates. Memory then depends on the
limit, not on the input.

A store handed to another process (the result of a ``--jobs`` worker) passes
its file by name; the receiving store owns it from then on and deletes it.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO, Generic, TypeVar

#: Items kept in memory before the rest goes to disk.
MEMORY_LIMIT = 10_000
#: Items pickled together (one write, one read).
BATCH = 2_048

#: Where spill files go (see :func:`spill_directory`); None: the system's temporary directory.
_spill_dir: str | None = None


@contextlib.contextmanager
def spill_directory() -> Iterator[None]:
    """Put the spill files made meanwhile, by this process and the workers it forks
    (``--jobs`` where processes are forked), in a directory of their own, removed with
    all it holds at the end. For one run at a time in a process (the command line's).

    A worker killed by the kernel, or one whose result is never read, cannot delete its
    files itself; for a recording with millions of findings they are gigabytes. The
    reports must be written before the end: their findings may be read from there.
    Workers started otherwise (a pool's on macOS) spill to the system's temporary
    directory, as does a run where no directory can be made (it fails only if it spills).
    """
    global _spill_dir
    import shutil
    import tempfile

    try:
        path = tempfile.mkdtemp(prefix="ciba-contracts-run-")
    except OSError:
        yield
        return
    previous, _spill_dir = _spill_dir, path
    try:
        yield
    finally:
        _spill_dir = previous
        shutil.rmtree(path, ignore_errors=True)


T = TypeVar("T")


class SpillingList(Generic[T]):
    """An append-only sequence, iterated in insertion order, that spills to disk when long."""

    def __init__(
        self,
        items: Iterable[T] = (),
        limit: int | None = None,
        *,
        encode: Callable[[T], Any] | None = None,
        decode: Callable[[Any], T] | None = None,
    ) -> None:
        """``encode``/``decode`` turn an item into plain data for the file and back.

        (Pickling plain tuples is several times faster than pickling objects.)
        """
        self._limit = MEMORY_LIMIT if limit is None else limit
        self._encode = encode
        self._decode = decode
        self._head: list[T] = []
        self._pending: list[T] = []
        self._path: str | None = None
        self._file: BinaryIO | None = None
        self._spilled = 0
        self._cleanup: Any = None  # a weakref.finalize that deletes the file
        self.extend(items)

    def append(self, item: T) -> None:
        """Add one item at the end."""
        if len(self._head) < self._limit and self._path is None:
            self._head.append(item)
            return
        self._pending.append(item)
        if len(self._pending) >= BATCH:
            self._flush()

    def extend(self, items: Iterable[T]) -> None:
        """Add items at the end, in order."""
        for item in items:
            self.append(item)

    def adopt(self, other: SpillingList[T]) -> None:
        """Add ``other``'s items at the end, taking its file over when this list is empty.

        ``other`` is left empty. The usual run has one large input: its findings
        move to the report without being read back and written again.
        """
        if len(self) or self._encode is not other._encode or self._decode is not other._decode:
            self.extend(other)
        else:
            # The file changes hands: other must not delete it when it goes.
            self._take_over({**other._hand_over(), "limit": self._limit})
        other._empty()

    def _empty(self) -> None:
        if self._file is not None:
            self._file.close()
        if self._cleanup is not None:
            self._cleanup()
        self._head, self._pending = [], []
        self._path, self._file, self._cleanup = None, None, None
        self._spilled = 0

    def __len__(self) -> int:
        return len(self._head) + self._spilled + len(self._pending)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Iterator[T]:
        yield from self._head
        if self._path is not None:
            self._flush()
            if self._file is not None:
                self._file.flush()
            with open(self._path, "rb") as handle:
                left = self._spilled
                decode = self._decode
                while left > 0:
                    batch: list[Any] = pickle.load(handle)
                    left -= len(batch)
                    if decode is None:
                        yield from batch
                    else:
                        for row in batch:
                            yield decode(row)
        yield from self._pending

    def _flush(self) -> None:
        if not self._pending:
            return
        if self._file is None:
            if self._path is None:
                import tempfile  # only a run with very many findings spills them

                handle, self._path = tempfile.mkstemp(
                    prefix="ciba-contracts-", suffix=".findings", dir=_spill_dir
                )
                os.close(handle)
                self._cleanup = weakref.finalize(self, _remove, self._path)
            self._file = open(self._path, "ab")  # noqa: SIM115 (kept open while the run appends)
        batch = self._pending if self._encode is None else [self._encode(i) for i in self._pending]
        pickle.dump(batch, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._spilled += len(self._pending)
        self._pending = []

    def _hand_over(self) -> dict[str, Any]:
        """This list's state, for another list to take over: its file, if any, is then
        that one's to delete."""
        self._flush()
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._cleanup is not None:
            self._cleanup.detach()
            self._cleanup = None
        return {
            "encode": self._encode,
            "decode": self._decode,
            "limit": self._limit,
            "head": self._head,
            "path": self._path,
            "spilled": self._spilled,
        }

    def _take_over(self, state: dict[str, Any]) -> None:
        self._encode = state["encode"]
        self._decode = state["decode"]
        self._limit = state["limit"]
        self._head = state["head"]
        self._pending = []  # flushed before it was handed over
        self._path = state["path"]
        self._spilled = state["spilled"]
        self._file = None
        self._cleanup = None
        if self._path is not None:
            self._cleanup = weakref.finalize(self, _remove, self._path)

    def __getstate__(self) -> dict[str, Any]:
        # Another process takes the file over: this one must not delete it when it goes.
        state = self._hand_over()  # flushed: nothing is pending
        if self._encode is not None and self._decode is not None:
            # Plain rows pickle several times faster than the objects: a --jobs worker
            # hands its findings over as they are kept on disk.
            state["head"] = [self._encode(item) for item in state["head"]]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if state["encode"] is not None and state["decode"] is not None:
            state["head"] = [state["decode"](row) for row in state["head"]]
        self._take_over(state)

    def __repr__(self) -> str:
        return f"SpillingList({len(self)} items, {self._spilled} on disk)"


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
