"""Peak memory of ``ciba-contracts validate`` by report format, against the number of entries.

Findings and, for the formats that list every checked item (JUnit), the
checked items are kept in memory up to a limit and on disk past it, and every
reporter streams them; so peak RSS must not grow with the number of entries.
For each size this writes a JSON-lines file of payloads from ``payloads.py``
(one in five breaks the contract, so findings grow with the entries too), then
runs ``ciba-contracts validate FILE --format F --output FILE --jobs 1`` for
every format the CLI offers (read from its own list, so a new format is
measured without a change here), each in its own process, and prints the
child's peak RSS (its ``VmHWM``) and the ratio largest /
smallest.

    python benchmarks/report_memory.py                       # 20 000 and 200 000 entries
    python benchmarks/report_memory.py --sizes 10000 1000000
    python benchmarks/report_memory.py --json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from ciba_contracts.config import FORMATS  # noqa: E402
from payloads import Mix, generate  # noqa: E402

CLI = [sys.executable, "-c", "from ciba_contracts.cli import run; run()"]


def write_payloads(path: Path, count: int, seed: int = 11) -> None:
    """``count`` payloads, one per line; a fifth of them break the contract."""
    samples = generate(min(count, 20_000), seed, Mix(ok=0.7, error=0.1, violation=0.2))
    with path.open("wb") as out:
        for i in range(count):
            out.write(samples[i % len(samples)].body + b"\n")


def _high_water(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def peak_rss(command: list[str]) -> tuple[int, float, int]:
    """(peak RSS in bytes, seconds, exit status) of ``command`` run in its own process.

    The peak is the kernel's high-water mark of the program, read until it ends:
    ``ru_maxrss`` would also count the pages of this process, which the child
    shares between fork and exec.
    """
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while child.poll() is None:
        peak = max(peak, _high_water(child.pid))
        time.sleep(0.005)
    seconds = time.perf_counter() - start
    return peak, seconds, child.returncode


def measure(sizes: list[int], folder: Path) -> list[dict[str, Any]]:
    """One row per format and size."""
    rows = []
    for size in sizes:
        inputs = folder / f"payloads-{size}.jsonl"
        write_payloads(inputs, size)
        for fmt in FORMATS:
            report = folder / f"report-{size}.{fmt}"
            command = [*CLI, "validate", str(inputs), "--format", fmt]
            command += ["--output", str(report), "--jobs", "1"]
            rss, seconds, status = peak_rss(command)
            rows.append(
                {
                    "format": fmt,
                    "entries": size,
                    "input_mb": round(inputs.stat().st_size / 1e6, 1),
                    "report_mb": round(report.stat().st_size / 1e6, 1),
                    "peak_rss_mb": round(rss / 1e6, 1),
                    "seconds": round(seconds, 1),
                    "exit": status,
                }
            )
            report.unlink()
        inputs.unlink()
    return rows


def main(argv: list[str] | None = None) -> int:
    """Print the table (or ``--json``); exit 1 if a run failed to report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ciba-memory-") as folder:
        rows = measure(sorted(args.sizes), Path(folder))
    failed = [r for r in rows if r["exit"] not in (0, 1)]
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        print()
        return 1 if failed else 0
    print(f"{'format':8} {'entries':>9} {'input MB':>9} {'report MB':>10} {'peak RSS MB':>12}")
    for row in rows:
        print(
            f"{row['format']:8} {row['entries']:>9} {row['input_mb']:>9} {row['report_mb']:>10}"
            f" {row['peak_rss_mb']:>12}"
        )
    print("\npeak RSS, largest / smallest input:")
    for fmt in FORMATS:
        mine = [r for r in rows if r["format"] == fmt]
        print(f"  {fmt:8} {mine[-1]['peak_rss_mb'] / mine[0]['peak_rss_mb']:.2f}x")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
