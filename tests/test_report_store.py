"""Findings past the memory limit go to a temporary file and come back in order."""

from __future__ import annotations

import io
import json
import os
import pickle
import tempfile
from pathlib import Path

import pytest

from ciba_contracts.config import Settings
from ciba_contracts.contract.profiles import Profile
from ciba_contracts.report import store
from ciba_contracts.report.json_report import write_json
from ciba_contracts.report.store import SpillingList
from ciba_contracts.run import run


def test_order_and_length_survive_spilling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "BATCH", 7)
    items = SpillingList[int](limit=10)
    items.extend(range(5000))
    assert len(items) == 5000
    assert list(items) == list(range(5000))
    # Appending after reading goes on where it stopped, and reading again gives all of it.
    items.append(5000)
    assert list(items) == list(range(5001))
    assert bool(SpillingList[int]()) is False


def test_a_store_handed_to_another_process_keeps_its_file_until_read(tmp_path: Path) -> None:
    items = SpillingList[str](limit=3)
    items.extend(f"finding {n}" for n in range(10_000))
    path = items._path
    assert path is not None
    assert os.path.exists(path)
    received = pickle.loads(pickle.dumps(items))
    del items  # the sender's copy goes; the file must stay for the receiver
    assert os.path.exists(path)
    assert list(received) == [f"finding {n}" for n in range(10_000)]
    del received
    assert not os.path.exists(path)


def test_a_run_with_more_findings_than_memory_holds_reports_all_of_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        json.dumps(
            {
                "action": "OK",
                "resultCode": "A183001",
                "resultMessage": "[A183001] An auth_req_id was issued successfully.",
                "authReqId": f"short{n}",
                "expiresIn": 0,
                "responseContent": "{}",
            }
        )
        for n in range(3000)
    ]
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines) + "\n")
    reports = []
    for limit in (store.MEMORY_LIMIT, 7):
        monkeypatch.setattr(store, "MEMORY_LIMIT", limit)
        report = run([str(path)], Settings(format="json", profile=Profile.CIBA, jobs=1))
        buffer = io.StringIO()
        write_json(report, buffer)
        reports.append(buffer.getvalue())
    assert reports[0] == reports[1]
    document = json.loads(reports[1])
    assert document["summary"]["errors"] == len(document["findings"]) > 3000
    assert [f["entry"] for f in document["findings"]] == sorted(
        f["entry"] for f in document["findings"]
    )


def test_adopting_takes_the_file_over_or_copies_and_empties_the_source(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(store, "BATCH", 4)
    source = SpillingList[int](limit=2)
    source.extend(range(100))
    path = source._path
    target = SpillingList[int](limit=2)
    target.adopt(source)
    assert list(target) == list(range(100))
    assert len(source) == 0
    assert list(source) == []
    assert path is not None
    assert os.path.exists(path)  # now the target's file
    more = SpillingList[int](limit=2)
    more.extend(range(100, 150))
    more_path = more._path
    target.adopt(more)  # not empty any more: copied
    assert list(target) == list(range(150))
    assert more_path is not None
    assert not os.path.exists(more_path)


def test_a_run_spills_to_its_own_directory_or_where_it_can(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command line's run spills to a directory of its own, gone at its end; where none
    # can be made, it runs anyway and spills where it would have without one.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    findings = SpillingList(range(30), limit=10)
    with store.spill_directory():
        findings._flush()
        assert findings._path is not None
        assert Path(findings._path).parent.parent == tmp_path
        assert list(findings) == list(range(30))
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    with store.spill_directory():
        pass  # no directory, no error
    assert not (tmp_path / "missing").exists()
