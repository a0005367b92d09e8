"""A call forked into its own process hands back its value or its error, and a child
that ends without one is reported, never waited for in vain."""

from __future__ import annotations

import os
import signal
import time
from typing import Any, NoReturn

import pytest

from ciba_contracts.run.forked import Forked, WorkerLost, WorkerTraceback, can_fork

pytestmark = pytest.mark.skipif(not can_fork(), reason="processes are not forked here")


def _big() -> list[bytes]:
    # More than a pipe holds: the child must not wait for this process to read it.
    return [bytes([n % 256]) * 100_000 for n in range(40)]


def test_the_value_comes_back_from_the_child() -> None:
    child = Forked(lambda: (os.getpid(), _big()))
    pid, value = child.result()
    assert pid == child.pid != os.getpid()
    assert value == _big()
    assert child.close() == "exit code 0"


def test_an_error_in_the_child_is_raised_here_with_its_traceback() -> None:
    def broken() -> None:
        raise ValueError("no entry at 1234")

    child = Forked(broken)
    with pytest.raises(ValueError, match="no entry at 1234") as raised:
        child.result()
    assert isinstance(raised.value.__cause__, WorkerTraceback)
    assert "broken" in str(raised.value.__cause__)
    assert child.close() == "exit code 1"


def test_a_child_holds_none_of_its_earlier_siblings_files() -> None:
    # A child forked while another is still out holds none of that one's files (its
    # outcome would stay in memory until both had ended).
    first = Forked(lambda: time.sleep(30))
    try:
        siblings = {_file_of(first._pipe), _file_of(first._outcome)}
        second = Forked(lambda: {_file_of(int(fd)) for fd in os.listdir("/proc/self/fd")})
        held = second.result()
        assert second.close() == "exit code 0"
    finally:
        ended = first.close()
    assert ended == "killed by signal 9"
    assert len(siblings) == 2
    assert (-1, -1) not in siblings
    assert not siblings & held


def _file_of(fd: int | None) -> tuple[int, int]:
    """Which file (a pipe, a file in memory...) a descriptor of this process is open on."""
    try:
        found = os.fstat(fd) if fd is not None else None
    except OSError:
        found = None  # the descriptor of the listing itself, closed by then
    return (-1, -1) if found is None else (found.st_dev, found.st_ino)


def test_a_child_killed_before_it_answers_is_reported() -> None:
    child = Forked(lambda: time.sleep(30))
    os.kill(child.pid, signal.SIGKILL)
    with pytest.raises(WorkerLost, match=f"worker process {child.pid}.*signal 9"):
        child.result()


def test_an_outcome_that_cannot_be_handed_back_is_reported() -> None:
    child = Forked(lambda: lambda: None)  # a lambda does not pickle
    with pytest.raises(WorkerLost, match="could not hand back its result"):
        child.result()
    assert child.close() == "exit code 1"


def _refuse(message: str) -> NoReturn:
    raise TypeError(f"cannot be made again: {message}")


class _TwoPartError(Exception):
    # As an error whose class takes other arguments than its message: it pickles, and
    # cannot be made again from what was pickled.
    def __reduce__(self) -> tuple[Any, ...]:
        return (_refuse, (str(self),))


def test_an_error_that_cannot_be_made_again_here_keeps_the_childs_traceback() -> None:
    def broken() -> None:
        raise _TwoPartError("entry 7: 3")

    child = Forked(broken)
    with pytest.raises(WorkerLost, match="could not be read back") as raised:
        child.result()
    assert isinstance(raised.value.__cause__, WorkerTraceback)
    assert "_TwoPartError: entry 7: 3" in str(raised.value.__cause__)
    assert child.close() == "ended"  # reaped already, as the message said how it ended


def test_a_fork_that_fails_leaves_no_descriptor_open(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork() -> int:
        raise BlockingIOError("no more processes")

    monkeypatch.setattr(os, "fork", no_fork)
    before = sorted(os.listdir("/proc/self/fd"))
    for _ in range(3):
        with pytest.raises(BlockingIOError):
            Forked(lambda: None)
    assert sorted(os.listdir("/proc/self/fd")) == before


def test_closing_ends_a_child_whose_outcome_is_not_wanted() -> None:
    child = Forked(lambda: time.sleep(30))
    assert not child.ready(0.01)
    assert child.close() == "killed by signal 9"
    with pytest.raises(WorkerLost, match="taken already"):
        child.result()
