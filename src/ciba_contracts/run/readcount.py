"""The bytes a run's processes have read, counted together for its progress display."""

from __future__ import annotations

import multiprocessing
from typing import Any

from ciba_contracts.run.tasks import Progress
from ciba_contracts.traffic import storage

__all__ = ["ReadCount", "size_of"]


class ReadCount:
    """A count of bytes read, shared by the processes of a run (handed to each as it
    starts)."""

    def __init__(self) -> None:
        self._value: Any = multiprocessing.Value("q", 0)

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


def size_of(name: str) -> int:
    """The size of the input ``name``; 0 when it cannot be told."""
    try:
        return storage.stat(name)[0]
    except OSError:
        return 0
