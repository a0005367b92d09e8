"""Processes reading one large HAR file take the end of each other's slice as they finish.

However unevenly they run, the report is the one a single process gives.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jobs_support import (
    corrupt_middle,
    mixed_entries,
    one_and_two_processes,
    relay_entries,
    write_har_lines,
)
from traffic_support import write_har

from ciba_contracts.cli import main
from ciba_contracts.config import Settings
from ciba_contracts.report import store
from ciba_contracts.report.store import SpillingList
from ciba_contracts.run import forked as forked_module
from ciba_contracts.run import joining, one_file, parallel, run, runner, taking, tasks, workers
from ciba_contracts.run.cuts import Layout, entry_layout, next_entry
from ciba_contracts.traffic import jsonstream


@pytest.fixture
def uneven(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Two processes reading in small blocks, the first of them slow, taking from each
    other down to small slices while they read; the number of slices each run joined,
    each having stopped where the next began (else the join reads the rest again, to the
    same report)."""
    monkeypatch.setattr(parallel, "SPLIT_MIN", 1)
    monkeypatch.setattr(jsonstream, "CHUNK", 4096)
    monkeypatch.setattr(taking, "_MARGIN", 4096)
    monkeypatch.setattr(taking, "MIN_LEFT", 32768)
    reading = taking.Board.reading

    def slow_first(board: taking.Board, start: int, stop: int) -> Any:
        watch = reading(board, start, stop)
        if board._place:
            return watch

        def slow(read_to: int) -> int | None:
            time.sleep(0.001)
            return watch(read_to)

        return slow

    joined: list[int] = []
    join = joining.join_slices

    def counted(task: Any, parts: Any, *rest: Any) -> Any:
        parts = list(parts)
        for before, after in itertools.pairwise(parts):
            assert before.slice.next_start == after.slice.start
        joined.append(len(parts))
        return join(task, parts, *rest)

    # Set before the workers fork, so they have them too.
    monkeypatch.setattr(taking.Board, "reading", slow_first)
    monkeypatch.setattr(one_file, "join_slices", counted)
    return joined


@pytest.mark.parametrize("layout", ["pretty", "one a line"])
def test_a_process_that_finishes_first_takes_from_the_other(
    tmp_path: Path, uneven: list[int], layout: str
) -> None:
    entries = mixed_entries(2000)
    if layout == "pretty":
        path = write_har(tmp_path / "big.har", entries)
        corrupt_middle(path)
    else:
        path = write_har_lines(tmp_path / "big.har", entries)
    single, multi = one_and_two_processes([str(path)])
    assert multi == single
    # The halves, and at least one slice taken from the slow process's.
    assert uneven
    assert uneven[-1] > 2
    report = json.loads(single)
    assert max(f["entry"] for f in report["findings"]) > 1900


def test_relays_pair_across_taken_slices(tmp_path: Path, uneven: list[int]) -> None:
    path = write_har(tmp_path / "relays.har", relay_entries(400))
    single, multi = one_and_two_processes([str(path)])
    assert multi == single
    assert uneven[-1] > 2
    assert json.loads(single)["summary"]["relay_pairs"] == 400


def _boards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, places: int
) -> tuple[Path, int, Layout, list[taking.Board]]:
    """A file to take slices of in small pieces, its size and layout, and one board as
    each of ``places`` processes sees it (taken by hand, each in its place)."""
    monkeypatch.setattr(taking, "MIN_LEFT", 4096)
    monkeypatch.setattr(taking, "_MARGIN", 1024)
    path = write_har(tmp_path / "board.har", mixed_entries(400))
    layout = entry_layout(str(path))
    assert layout is not None
    boards = [taking.Board(places) for _ in range(places)]
    for place, board in enumerate(boards):
        board._shared = boards[0]._shared
        board.sit(place)
    return path, path.stat().st_size, layout, boards


def test_a_stop_is_moved_only_to_an_entry_past_what_was_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two places on one board: place 1 reads the second half of the file, place 0 has
    # finished and takes from it.
    path, size, layout, (board, other) = _boards(tmp_path, monkeypatch, 2)
    start, marker = layout
    watch = other.reading(size // 2, size)
    assert watch(size // 2 + 2048) == size  # nothing taken yet
    taken = board.take(str(path), marker)
    assert taken is not None
    cut, stop = taken
    assert stop == size
    assert cut >= size // 2 + 2048 + 1024
    with path.open("rb") as handle:
        assert next_entry(handle, cut - len(marker) + 1, marker) == cut  # an entry's start
    # The reader learns its new stop with its next read.
    assert watch(size // 2 + 4096) == cut
    # Read past where a cut could go: nothing is taken.
    board.done()
    other.done()
    watch = other.reading(start, size)
    watch(size - 2048)
    assert board.take(str(path), marker) is None


def test_a_slice_taken_and_split_before_it_is_read_stays_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three places: the second takes from the first, and the third from the second
    # before it has read a byte. The second learns the stop the third left it; reading
    # its slice never moves that stop back (both would read the same entries).
    path, size, layout, (first, second, third) = _boards(tmp_path, monkeypatch, 3)
    marker = layout[1]
    first_watch = first.reading(0, size)
    first_watch(2048)
    taken = second.take(str(path), marker)
    assert taken is not None
    assert first_watch(taken[0] - 1024) == taken[0]  # the first has little left now
    split = third.take(str(path), marker)
    assert split is not None
    assert taken[0] < split[0] < split[1] == taken[1] == size
    # The second process reads what it took (its reading stubbed: only the board counts).
    monkeypatch.setattr(one_file, "check_task", lambda task, *rest, **options: tasks.Partial())
    monkeypatch.setattr(second, "take", lambda name, marker: taken)
    file = one_file.OneFile(tasks.Task(str(path)), [], layout, size)
    reader = one_file.Reader(tasks.Checks(Settings()), workers.ReadCount(), second, file)
    reader.take(report=False)
    assert second.watch()(taken[0]) == split[0]


def test_runs_over_one_file_leave_no_descriptor_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A process that runs many times (a test suite, a server) keeps no file of a run open.
    monkeypatch.setattr(parallel, "SPLIT_MIN", 1)
    path = write_har(tmp_path / "big.har", mixed_entries(400))
    run([str(path)], Settings(jobs=2, format="json"))
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(3):
        run([str(path)], Settings(jobs=2, format="json"))
    assert len(os.listdir("/proc/self/fd")) == before


def test_a_worker_killed_mid_run_is_said_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Killed (as the kernel kills a process out of memory): no traceback, exit status 2.
    monkeypatch.setattr(parallel, "SPLIT_MIN", 1)
    path = write_har(tmp_path / "big.har", mixed_entries(400))
    monkeypatch.setattr(one_file, "_worker", lambda *args: os.kill(os.getpid(), signal.SIGKILL))
    result = CliRunner().invoke(main, ["validate", str(path), "--jobs", "2"])
    assert result.exit_code == 2
    assert "ended without its result (killed by signal 9)" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_no_worker_forked_for_one_file_falls_back_or_is_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No process can be forked: chosen automatically, one process reads the file; asked
    # for, the run says so. An error a worker meets while reading is not taken for that.
    monkeypatch.setattr(parallel, "SPLIT_MIN", 1)
    monkeypatch.setattr(runner, "AUTO_MIN_MB", 0)
    monkeypatch.setattr(runner, "auto_jobs", lambda tasks: 2)
    path = write_har(tmp_path / "big.har", mixed_entries(400))
    alone = run([str(path)], Settings(jobs=1, format="json"))

    def no_fork(call: Any) -> Any:
        raise BlockingIOError(11, "no more processes")

    monkeypatch.setattr(one_file, "Forked", no_fork)
    assert run([str(path)], Settings(format="json")).summary == alone.summary
    with pytest.raises(runner.WorkersUnavailable, match="cannot start 2 worker processes"):
        run([str(path)], Settings(jobs=2, format="json"))

    def unreadable(*args: Any, **options: Any) -> Any:
        raise OSError(5, "input/output error")

    monkeypatch.setattr(one_file, "Forked", forked_module.Forked)
    monkeypatch.setattr(one_file, "_worker", unreadable)
    with pytest.raises(OSError, match="input/output error") as raised:
        run([str(path)], Settings(format="json"))
    assert not isinstance(raised.value, runner.WorkersUnavailable)


def test_a_worker_killed_after_spilling_findings_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A worker with more findings than it keeps in memory writes them to a file; killed,
    # it cannot delete it: the run's own directory goes, with that file, at the end.
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    monkeypatch.setattr(parallel, "SPLIT_MIN", 1)
    path = write_har(tmp_path / "big.har", mixed_entries(400))

    def spill_and_die(*args: Any) -> None:
        findings = SpillingList(range(50), limit=10)
        findings._flush()  # the file is there now
        assert findings._path is not None
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(one_file, "_worker", spill_and_die)
    result = CliRunner().invoke(main, ["validate", str(path), "--jobs", "2"])
    assert result.exit_code == 2
    assert list(temporary.iterdir()) == []
    # The file was written where the run's directory is (this process saw it made).
    unkilled = SpillingList(range(50), limit=10)
    with store.spill_directory():
        unkilled._flush()
        assert Path(str(unkilled._path)).parent.parent == temporary
    assert list(temporary.iterdir()) == []


@pytest.mark.parametrize("failing", ["this process", "the worker"])
def test_an_error_in_either_reader_ends_the_run_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    # This process reads the first slice, the worker the second: whichever fails, the run
    # ends with its error, the other told to stop reading (not waited for to the end), and
    # no worker is left behind.
    monkeypatch.setattr(parallel, "SPLIT_MIN", 1)
    monkeypatch.setattr(jsonstream, "CHUNK", 4096)
    path = write_har(tmp_path / "big.har", mixed_entries(2000))
    parent = os.getpid()
    check = tasks.check_task
    halted: list[int] = []
    stops: list[int | None] = []
    pids: list[int] = []

    def failing_check(task: Any, *rest: Any, **options: Any) -> Any:
        # The first slice is this process's, the others the worker's.
        in_parent = os.getpid() == parent
        if failing == "this process" and in_parent and task.start is None:
            raise RuntimeError(f"broken reader in {failing}")
        if failing == "the worker" and not in_parent:
            raise RuntimeError(f"broken reader in {failing}")
        return check(task, *rest, **options)

    halt = taking.Board.halt

    def counted_halt(board: taking.Board) -> None:
        halted.append(os.getpid())
        halt(board)

    reading = taking.Board.reading

    def told_to_stop(board: taking.Board, start: int, stop: int) -> Any:
        watch = reading(board, start, stop)
        if failing != "the worker" or os.getpid() != parent:
            return watch

        def waiting(read_to: int) -> int | None:
            # This process reads on only once the failing worker has told it to stop (or
            # long after it should have).
            seen = watch(read_to)
            deadline = time.monotonic() + 30
            while not stops and seen != 0 and time.monotonic() < deadline:
                time.sleep(0.001)
                seen = watch(read_to)
            stops.append(seen)
            return seen

        return waiting

    forked = forked_module.Forked

    def counted_fork(call: Any) -> Any:
        child = forked(call)
        pids.append(child.pid)
        return child

    monkeypatch.setattr(one_file, "check_task", failing_check)
    monkeypatch.setattr(one_file, "Forked", counted_fork)
    monkeypatch.setattr(taking.Board, "halt", counted_halt)
    monkeypatch.setattr(taking.Board, "reading", told_to_stop)
    with pytest.raises(RuntimeError, match=f"broken reader in {failing}"):
        run([str(path)], Settings(jobs=2, format="json"))
    if failing == "this process":
        assert halted == [parent]
    else:
        assert stops[0] == 0
    assert pids
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reaped already
