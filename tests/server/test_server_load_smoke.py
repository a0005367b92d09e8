"""The load test of the reference server runs as documented. No timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "load_server.py"


@pytest.mark.skipif(not SCRIPT.is_file(), reason="benchmarks/ is not in this tree")
def test_json_output_names_both_configurations() -> None:
    command = [sys.executable, str(SCRIPT), "--seconds", "1", "--clients", "4", "--json"]
    command += ["--race-every", "2"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = json.loads(done.stdout)["results"]
    assert [r["configuration"] for r in rows] == ["memory, 1 worker", "sqlite, 2 workers"]
    for row in rows:
        assert row["requests"] > 0
        assert row["tickets_raced"] > 0
        assert row["tickets_redeemed_more_than_once"] == 0
        assert row["errors"] == {}
