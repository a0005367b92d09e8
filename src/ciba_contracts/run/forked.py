"""A call run in a process forked for it, its outcome read back over a pipe.

The processes that read one large file with this one are forked by hand, not by a
process pool. A pool's machinery (its modules, shared-memory queues, a thread that
manages it) cost the run about 10 ms before its workers started, all of it before any
byte was read, and its thread took turns with the reading one as results came back. A
forked call needs a file in memory, where the child writes its pickled outcome before
it ends (without waiting for this process to read it, as through a pipe), and a pipe
that says it has ended.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import sys
from collections.abc import Callable
from typing import Generic, NoReturn, TypeVar

from ciba_contracts.run.errors import WorkerLost
from ciba_contracts.run.shared import memory_file

__all__ = ["Forked", "WorkerLost", "can_fork"]

T = TypeVar("T")

#: This process's ends of the children it forked and has not heard back from. A child
#: forked later closes them: holding a sibling's outcome file would keep its memory until
#: both had ended.
_held: set[int] = set()


class WorkerTraceback(Exception):
    """Where an error raised in a forked process was raised: its traceback, as text (set
    as the cause of the error raised again here)."""


def can_fork() -> bool:
    """Whether calls can be forked here: a POSIX system other than macOS (where a process
    that has loaded the system's frameworks is not safe to fork)."""
    return hasattr(os, "fork") and sys.platform != "darwin"


class Forked(Generic[T]):
    """``call()``, run in a child process forked now; :meth:`result` waits for it, and
    :meth:`close` for the child to end."""

    def __init__(self, call: Callable[[], T]) -> None:
        outcome = memory_file()
        made = [outcome]
        try:
            read_end, write_end = os.pipe()
            made += [read_end, write_end]
            # What is buffered would otherwise be written by both processes.
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
        except BaseException:
            for fd in made:
                os.close(fd)
            raise
        if pid == 0:
            _run_child(call, outcome, write_end, (read_end, *_held))
        os.close(write_end)
        _held.update((read_end, outcome))
        #: The child's process id.
        self.pid = pid
        self._pipe: int | None = read_end
        self._outcome: int | None = outcome

    def ready(self, timeout: float) -> bool:
        """Whether the outcome is there (or the child has ended without it), waiting up
        to ``timeout`` seconds for it."""
        if self._pipe is None:
            return True
        return bool(select.select([self._pipe], [], [], timeout)[0])

    def result(self) -> T:
        """The call's value, once the child has handed it back; the error it raised is
        raised here, with the child's traceback as its cause. :class:`WorkerLost` when the
        child ended without its outcome or it cannot be read back."""
        if self._pipe is None or self._outcome is None:
            raise WorkerLost(f"the outcome of worker process {self.pid} was taken already")
        # Nothing is written: the pipe ends when the child has written its outcome (before
        # it ends, which takes a while for a process holding much memory). Until then the
        # child is this object's to kill (see close), should the wait be interrupted.
        with open(self._pipe, "rb", closefd=False) as pipe:
            pipe.read()
        _held.difference_update((self._pipe, self._outcome))
        os.close(self._pipe)
        self._pipe = None
        with open(self._outcome, "rb") as outcome:
            self._outcome = None
            if not os.fstat(outcome.fileno()).st_size:
                raise WorkerLost(
                    f"worker process {self.pid} ended without its result ({self.close()})"
                )
            # The child's writes moved the file's offset, which the two processes share.
            outcome.seek(0)
            where: str = ""
            try:
                # Read from the file as it goes: the bytes are never all held at once.
                where = pickle.load(outcome)
                ok, value = pickle.load(outcome)
            except Exception as exc:
                # Cut short (killed while writing), or an error that cannot be made again
                # here (its class takes other arguments).
                lost = WorkerLost(
                    f"the outcome of worker process {self.pid} could not be read back "
                    f"({self.close()}): {exc!r}"
                )
                raise lost from (WorkerTraceback(where) if where else exc)
        if ok:
            return value  # type: ignore[no-any-return]
        raise value from WorkerTraceback(where)

    def close(self) -> str:
        """Wait for the child to end, killing it first if its outcome was not taken (the
        run ends without it); how it ended, in words."""
        if self._pipe is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            _held.discard(self._pipe)
            os.close(self._pipe)
            self._pipe = None
        if self._outcome is not None:
            _held.discard(self._outcome)
            os.close(self._outcome)
            self._outcome = None
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            return "ended"
        if os.WIFSIGNALED(status):
            return f"killed by signal {os.WTERMSIG(status)}"
        return f"exit code {os.waitstatus_to_exitcode(status)}"


def _run_child(
    call: Callable[[], object], outcome_file: int, done: int, others: tuple[int, ...]
) -> NoReturn:
    # The child never returns into the caller's frames: they belong to the parent's run
    # (not even for an interrupt while it starts). It ends with 0 only once a value it was
    # asked for is handed back whole. ``others``: the parent's ends, this child's and its
    # earlier siblings', which it must not hold.
    code = 1
    try:
        for fd in others:
            with contextlib.suppress(OSError):
                os.close(fd)
        _held.clear()
        where = ""  # the traceback of an error, as text, written first: it always reads back
        try:
            ok, value = True, call()
        except BaseException as exc:
            import traceback

            ok, value, where = False, exc, "".join(traceback.format_exception(exc))
        try:
            data = pickle.dumps((ok, value), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            what = "its result" if ok else "its error"
            lost = WorkerLost(f"worker process {os.getpid()} could not hand back {what}: {exc!r}")
            ok, data = False, pickle.dumps((False, lost), protocol=pickle.HIGHEST_PROTOCOL)
        _write_all(outcome_file, pickle.dumps(where, protocol=pickle.HIGHEST_PROTOCOL))
        _write_all(outcome_file, data)
        os.close(done)
        code = 0 if ok else 1
    finally:
        os._exit(code)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
