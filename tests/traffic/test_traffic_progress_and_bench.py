"""The progress bar's manners, and the traffic benchmark at a tiny size."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ciba_contracts.cli import progress

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "traffic.py"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("CIBA_CONTRACTS_NO_PROGRESS", raising=False)
    assert progress.wanted(_Terminal())
    assert not progress.wanted(io.StringIO())
    monkeypatch.setenv("CI", "true")
    assert not progress.wanted(_Terminal())


def test_progress_bar_waits_then_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = _Terminal()
    with progress.ProgressBar(screen) as bar:
        bar("a.har", 10, 100)
    assert screen.getvalue() == ""  # a short run shows nothing
    monkeypatch.setattr(progress, "DELAY", 0.0)
    with progress.ProgressBar(screen) as bar:
        bar("a.har", 10, 100)
        bar("b.har", 5, None)
        bar("b.har", 50, None)


def _benchmark(script: Path, *args: str) -> dict[str, Any]:
    """The JSON document a benchmark script prints, run with ``args`` and ``--json``."""
    done = subprocess.run(
        [sys.executable, str(script), *args, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.mark.skipif(not SCRIPT.is_file(), reason="benchmarks/ is not in this tree")
def test_traffic_benchmark_runs_at_a_tiny_size(tmp_path: Path) -> None:
    args = ["--size-mb", "2", "--openapi-mb", "1", "--jobs", "2", "--repeat", "1"]
    files = ["--files", "sparse-pretty", "dense-compact"]
    results = _benchmark(SCRIPT, *args, "--data-dir", str(tmp_path), *files)["files"]
    assert [r["kind"] for r in results] == ["sparse-pretty", "dense-compact"]
    for result in results:
        assert result["size_mb"] >= 2
        assert result["entries"]["issue"] > 0
        for key in ("ciba", "ciba_jobs", "ijson", "openapi"):
            assert result[key]["rate_mb_s"] > 0
            assert result[key]["peak_rss_mb"] > 0
        assert result["ciba"]["exit_code"] == 1  # the mix holds contract violations
        assert {"openapi-core", "ijson", "openapi-core-default", "ijson-default"} <= set(
            result["ratios"]
        )
        assert all(isinstance(t["met"], bool) for t in result["targets"])
        # With two processes, the file's two halves are read at once beside them: two HAR
        # files holding its entries between them.
        assert {"halves-over-one", "jobs-over-halves"} <= set(result["ratios"])
        whole = Path(result["file"])
        halves = [whole.with_name(f"{whole.stem}-half{n}.har") for n in (1, 2)]
        counts = [len(json.loads(half.read_bytes())["log"]["entries"]) for half in halves]
        assert all(counts)
        assert sum(counts) == len(json.loads(whole.read_bytes())["log"]["entries"])


RELAY_MEMORY = SCRIPT.with_name("relay_memory.py")


@pytest.mark.skipif(not RELAY_MEMORY.is_file(), reason="benchmarks/ is not in this tree")
def test_relay_memory_benchmark_runs_at_a_tiny_size(tmp_path: Path) -> None:
    result = _benchmark(RELAY_MEMORY, "--size-mb", "1", "--data-dir", str(tmp_path))
    assert result["legs"] > 100
    assert [run["route"] for run in result["runs"]] == ["validate --jobs 1", "validate --jobs 2"]
    assert all(run["peak_rss_mb"] > 0 and run["seconds"] > 0 for run in result["runs"])
