"""A progress bar for long runs, on a terminal only.

It appears on standard error after a run has gone on for a moment, and only
when standard error is a terminal and no CI system is detected (``CI`` set,
as GitHub Actions, GitLab, Jenkins and others do), so CI logs and pipes
never get control sequences.
"""

from __future__ import annotations

import os
import sys
import time
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    # rich is imported when a bar is drawn: most runs (CI, pipes, short runs) never draw one.
    from rich.progress import Progress, TaskID

#: Seconds a run must last before the bar appears.
DELAY = 1.0


def wanted(stream: TextIO | None = None) -> bool:
    """Whether a progress bar belongs on ``stream`` (standard error by default)."""
    stream = stream if stream is not None else sys.stderr
    if os.environ.get("CI") or os.environ.get("CIBA_CONTRACTS_NO_PROGRESS"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class ProgressBar:
    """Callable as a run's progress callback: (source, bytes done, bytes total)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._began = time.monotonic()
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._source: str | None = None
        self._total: int | None = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, source: str, done: int, total: int | None) -> None:
        if self._progress is None:
            if time.monotonic() - self._began < DELAY:
                return
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=Console(file=self._stream),
                transient=True,
            )
            self._progress.start()
        if self._task is not None and source != self._source and total == self._total:
            # The same run under a new label (a cluster run counts its tasks in it): keep
            # the bar, so its speed and time left stay.
            self._progress.update(self._task, description=source or "recordings")
            self._source = source
        elif self._task is None or source != self._source:
            if self._task is not None:
                self._progress.remove_task(self._task)
            self._task = self._progress.add_task(source or "recordings", total=total)
            self._source = source
        self._total = total
        self._progress.update(self._task, completed=done, total=total)
