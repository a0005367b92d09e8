"""What was read before an input stops being readable is still checked and reported.

The run reads a few dozen records before it checks them (see
``ciba_contracts.run.tasks._CHUNK``); an error reading the input must not take
those records with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jobs_support import mixed_entries
from traffic_support import write_har

from ciba_contracts.config import Settings
from ciba_contracts.run import tasks
from ciba_contracts.run.tasks import Checks, Task, check_task
from ciba_contracts.traffic import jsonstream, streambuffer


def _read_until_failing(path: Path, monkeypatch: pytest.MonkeyPatch, blocks: int) -> Any:
    """check_task on ``path``, its reads failing after ``blocks`` blocks."""
    more = streambuffer.Buffer._more
    done = [0]

    def failing(self: streambuffer.Buffer, keep_from: int) -> int | None:
        done[0] += 1
        if done[0] > blocks:
            raise OSError(5, "input/output error")
        return more(self, keep_from)

    with monkeypatch.context() as patch:
        patch.setattr(streambuffer.Buffer, "_more", failing)
        return check_task(Task(str(path)), Checks(Settings(format="json")))


@pytest.mark.parametrize("blocks", [2, 5, 9])
def test_entries_read_before_an_input_error_are_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, blocks: int
) -> None:
    monkeypatch.setattr(jsonstream, "CHUNK", 4096)  # many small blocks
    path = write_har(tmp_path / "t.har", mixed_entries(300))
    chunked = _read_until_failing(path, monkeypatch, blocks)
    monkeypatch.setattr(tasks, "_CHUNK", 1)  # each record checked as it is read
    one_by_one = _read_until_failing(path, monkeypatch, blocks)
    assert chunked.unreadable == [(str(path), "input/output error")]
    assert chunked.summary.checked > 0
    assert chunked.summary == one_by_one.summary
    assert list(chunked.findings) == list(one_by_one.findings)
