"""The throughput benchmark runs as documented. No timing is asserted, only that it works."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "throughput.py"
TINY = ["--count", "300", "--rounds", "1", "--min-time", "0.01", "--openapi-sample", "60"]

pytestmark = pytest.mark.skipif(not SCRIPT.is_file(), reason="benchmarks/ is not in this tree")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *TINY, *args],
        cwd=SCRIPT.parents[1],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_table_prints_the_ratio_and_sanity_lines() -> None:
    done = _run()
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    for line_start in (
        "validate(ciba) / jsonschema(iter_errors+json)",
        "validate(ciba) / orjson",
        "ciba / jsonschema",
        "ciba / openapi-core",
        "ciba / orjson",
        "least work (accept path) / orjson",
    ):
        assert f"  {line_start}" in out, out
    assert "target >= 25x" in out
    assert "target >= 0.4x" in out
    assert "payloads with error findings: sdk" in out
    assert "jsonschema vs sdk level: 0 disagreements" in out
    assert "openapi-core: rejects ill-typed bodies (yes)" in out
    assert "Peak RSS:" in out


def test_json_output_honours_the_mix_flags() -> None:
    done = _run("--json", "--ok-share", "0.5", "--error-share", "0.2", "--violation-share", "0.3")
    assert done.returncode == 0, done.stdout + done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    categories = {row[0]: row[2] for row in report["mix"] if not row[1]}
    assert categories == {"ok": 150, "error": 60, "violation": 90}
    assert report["sanity"]["ok"] is True
    assert report["sanity"]["invalid"]["ciba"] == 90
    keys = {(r["numerator"], r["denominator"]) for r in report["ratios"] if r["target"]}
    assert keys == {("validate-ciba", "jsonschema-iter-errors-json"), ("validate-ciba", "orjson")}
    assert all(c["best_per_s"] > 0 for c in report["contenders"].values())
