"""The JUnit report keeps its checked items as the findings are kept: on disk past a limit.

Its XML is the same whether the items stay in memory or spill, and the memory
benchmark runs for every format the CLI offers.
"""

from __future__ import annotations

import io
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from traffic_support import ok_body

from ciba_contracts.config import FORMATS, Settings
from ciba_contracts.report import store
from ciba_contracts.report.junit import write_junit
from ciba_contracts.run import run

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "report_memory.py"


def _inputs(folder: Path) -> list[str]:
    lines = []
    for i in range(60):
        if i % 5 == 0:
            lines.append(ok_body(expiresIn=0))
        elif i % 7 == 0:
            lines.append(b"{not json")
        else:
            lines.append(ok_body())
    (folder / "a.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    (folder / "b.json").write_bytes(ok_body())
    (folder / "c.json").write_bytes(b"\xff\xfe not json")
    return [str(folder)]


def _junit(inputs: list[str]) -> tuple[str, bool]:
    report = run(inputs, Settings(jobs=1, format="junit"))
    assert report.checked_items is not None
    spilled = "0 on disk" not in repr(report.checked_items)
    out = io.StringIO()
    write_junit(report, out)
    return out.getvalue(), spilled


def test_items_on_disk_give_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = _inputs(tmp_path)
    in_memory, spilled = _junit(inputs)
    assert not spilled
    monkeypatch.setattr(store, "MEMORY_LIMIT", 5)
    monkeypatch.setattr(store, "BATCH", 4)
    on_disk, spilled = _junit(inputs)
    assert spilled
    assert on_disk == in_memory
    root = ET.fromstring(on_disk)
    suites = {s.get("name", "").rsplit("/", 1)[-1]: s for s in root.findall("testsuite")}
    assert sorted(suites) == ["a.jsonl", "b.json", "c.json"]
    # 60 lines: 12 with expiresIn 0 and 7 not JSON (i % 7 == 0 and not i % 5 == 0) fail.
    assert suites["a.jsonl"].get("tests") == "60"
    assert suites["a.jsonl"].get("failures") == str(12 + 7)
    assert suites["b.json"].get("failures") == "0"
    assert root.get("tests") == str(sum(int(s.get("tests", "0")) for s in suites.values()))
    assert len(root.findall("./testsuite/testcase")) == int(root.get("tests", "0"))


@pytest.mark.skipif(not BENCHMARK.is_file(), reason="benchmarks/ is not in this tree")
def test_memory_benchmark_measures_every_format() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARK), "--sizes", "20", "40"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for fmt in FORMATS:
        assert f"\n  {fmt} " in done.stdout
