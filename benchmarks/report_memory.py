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
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from ciba_contracts.config import FORMATS  # noqa: E402
from payloads import Mix, generate  # noqa: E402
from traffic import measure  # noqa: E402

CLI = [sys.executable, "-c", "from ciba_contracts.cli import run; run()"]


def write_payloads(path: Path, count: int, seed: int = 11) -> None:
    """``count`` payloads, one per line; a fifth of them break the contract."""
    samples = generate(min(count, 20_000), seed, Mix(ok=0.7, error=0.1, violation=0.2))
    with path.open("wb") as out:
        for i in range(count):
            out.write(samples[i % len(samples)].body + b"\n")


def measure_formats(sizes: list[int], folder: Path) -> list[dict[str, Any]]:
    """One row per format and size."""
    rows = []
    for size in sizes:
        inputs = folder / f"payloads-{size}.jsonl"
        write_payloads(inputs, size)
        for fmt in FORMATS:
            report = folder / f"report-{size}.{fmt}"
            command = [*CLI, "validate", str(inputs), "--format", fmt]
            command += ["--output", str(report), "--jobs", "1"]
            # The child's own high-water mark, as traffic.py reads it (the whole tree's is
            # the same here: --jobs 1 starts no worker).
            run = measure(fmt, command, inputs.stat().st_size / 1e6)
            rows.append(
                {
                    "format": fmt,
                    "entries": size,
                    "input_mb": round(run.megabytes, 1),
                    "report_mb": round(report.stat().st_size / 1e6, 1),
                    "peak_rss_mb": round(run.peak_rss_mb, 1),
                    "seconds": round(run.seconds, 1),
                    "exit": run.exit_code,
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
        rows = measure_formats(sorted(args.sizes), Path(folder))
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
