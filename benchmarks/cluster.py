"""Throughput of ``validate --scheduler`` on a Dask LocalCluster against ``--jobs``.

For 1 and 2 worker processes, each workload is checked with ``--jobs N`` and
with ``--scheduler ADDRESS`` on a LocalCluster of N single-threaded worker
processes started once by this script (as an existing cluster is: its start is
not part of a run), every run in its own ``ciba-contracts`` process:

* many files: ``--files`` copies of a ``--file-mb`` MB HAR recording, one task each;
* one large file: a ``--large-mb`` MB HAR recording, cut into byte ranges;
* many tiny files: ``--tiny-files`` recordings of about 20 kB (what a task costs);
* one small file: a ``--file-mb`` MB recording (what a run costs).

It prints MB/s and HAR entries/s per configuration, the ratio of Dask to
``--jobs`` at the same number of processes, the fixed and per-task costs of a
cluster run, and what ``--scheduler local`` (which also starts the cluster)
adds. Recordings are those of ``traffic.py`` (the same generator and mix),
cached in ``benchmarks/data/``.

    python benchmarks/cluster.py                   # about three minutes on 2 cores
    python benchmarks/cluster.py --large-mb 400 --files 80
    python benchmarks/cluster.py --json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from distributed import LocalCluster  # noqa: E402

from traffic import (  # noqa: E402
    DATA,
    MB,
    Measure,
    _cli,
    best_of,
    check_exits,
    generate_har,
    har_file,
    interleaved,
)


@dataclass
class Workload:
    """A set of recordings to check, and what they hold."""

    name: str
    paths: list[str]
    megabytes: float
    entries: int
    tasks: int


@dataclass
class Row:
    """One workload checked one way."""

    workload: str
    route: str
    processes: int
    seconds: float
    mb_per_s: float
    entries_per_s: float
    exit_code: int


def _copies(source: Path, folder: Path, count: int) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(count):
        target = folder / f"part-{k:04}.har"
        if not target.exists() or target.stat().st_size != source.stat().st_size:
            shutil.copyfile(source, target)
        paths.append(str(target))
    return paths


def _small(size: int, data: Path, name: str) -> tuple[Path, int]:
    path = data / f"cluster-{name}.har"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        return path, int(json.loads(meta.read_text())["entries"])
    counts = generate_har(path, size, seed=11)
    meta.write_text(json.dumps({"entries": sum(counts.values())}))
    return path, sum(counts.values())


def workloads(args: argparse.Namespace) -> list[Workload]:
    """Generate (or reuse) the recordings."""
    data = Path(args.data_dir)
    data.mkdir(parents=True, exist_ok=True)
    one, one_entries = _small(args.file_mb * MB, data, f"{args.file_mb}mb")
    tiny, tiny_entries = _small(20_000, data, "20kb")
    large, counts = har_file(args.large_mb, 7, data)
    many = _copies(one, data / f"cluster-many-{args.file_mb}mb", args.files)
    tinies = _copies(tiny, data / "cluster-tiny", args.tiny_files)
    size = one.stat().st_size / MB
    return [
        Workload("many files", many, size * args.files, one_entries * args.files, args.files),
        Workload(
            "one large file",
            [str(large)],
            large.stat().st_size / MB,
            sum(counts.values()),
            0,
        ),
        Workload(
            "many tiny files",
            tinies,
            tiny.stat().st_size / MB * args.tiny_files,
            tiny_entries * args.tiny_files,
            args.tiny_files,
        ),
        Workload("one small file", [str(one)], size, one_entries, 1),
    ]


def _row(work: Workload, route: str, processes: int, m: Measure) -> Row:
    return Row(
        work.name,
        route,
        processes,
        m.seconds,
        work.megabytes / m.seconds,
        work.entries / m.seconds,
        m.exit_code,
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Measure every workload with --jobs and --scheduler at 1 and 2 processes."""
    loads = workloads(args)
    cli = _cli()
    rows: list[Row] = []
    for processes in (1, 2):
        with LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=processes,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
        ) as cluster:
            address = str(cluster.scheduler_address)
            for work in loads:
                base = [*cli, "validate", *work.paths, "--format", "json", "-o", os.devnull]
                routes = {
                    "--jobs": ["--jobs", str(processes)],
                    "--scheduler": ["--scheduler", address],
                }
                # Round after round, so a busy spell of the machine weighs on both alike.
                measured = interleaved(
                    args.repeat,
                    [
                        (f"{work.name} {route} {processes}", [*base, *extra], work.megabytes)
                        for route, extra in routes.items()
                    ],
                )
                check_exits(dict(zip(routes, measured, strict=True)))
                for route, m in zip(routes, measured, strict=True):
                    rows.append(_row(work, route, processes, m))
    small = loads[-1]
    base = [*cli, "validate", *small.paths, "--format", "json", "-o", os.devnull]
    local = best_of(args.repeat, "local", [*base, "--scheduler", "local"], small.megabytes)
    check_exits({"local": local})
    return {
        "workloads": [
            {k: v for k, v in asdict(w).items() if k != "paths"} | {"files": len(w.paths)}
            for w in loads
        ],
        "rows": [asdict(r) for r in rows],
        "scheduler_local_small_file_s": local.seconds,
        "cpu_count": os.cpu_count(),
    }


def _find(rows: list[dict[str, Any]], workload: str, route: str, n: int) -> dict[str, Any]:
    return next(
        r for r in rows if (r["workload"], r["route"], r["processes"]) == (workload, route, n)
    )


def report(result: dict[str, Any]) -> str:
    """The measurements as a table, with the ratios."""
    rows = result["rows"]
    lines = []
    for w in result["workloads"]:
        lines.append(
            f"{w['name']}: {w['files']} file(s), {w['megabytes']:.0f} MB, {w['entries']} entries"
        )
    lines += ["", f"{'workload':16} {'route':12} {'N':>2} {'s':>7} {'MB/s':>7} {'entries/s':>10}"]
    for r in rows:
        lines.append(
            f"{r['workload']:16} {r['route']:12} {r['processes']:>2} {r['seconds']:7.2f} "
            f"{r['mb_per_s']:7.1f} {r['entries_per_s']:10.0f}"
        )
    lines += ["", "Dask / --jobs, throughput at the same number of processes:"]
    for w in result["workloads"]:
        parts = []
        for n in (1, 2):
            dask = _find(rows, w["name"], "--scheduler", n)
            jobs = _find(rows, w["name"], "--jobs", n)
            parts.append(f"N={n}: {jobs['seconds'] / dask['seconds']:.2f}x")
        lines.append(f"  {w['name']:16} " + ", ".join(parts))
    lines += ["", "Dask with 2 workers / with 1 worker:"]
    for w in result["workloads"]:
        one = _find(rows, w["name"], "--scheduler", 1)
        two = _find(rows, w["name"], "--scheduler", 2)
        lines.append(f"  {w['name']:16} {one['seconds'] / two['seconds']:.2f}x")
    small = result["workloads"][-1]["name"]
    tiny = next(w for w in result["workloads"] if w["name"] == "many tiny files")
    fixed = (
        _find(rows, small, "--scheduler", 1)["seconds"] - _find(rows, small, "--jobs", 1)["seconds"]
    )
    per_task = (
        _find(rows, tiny["name"], "--scheduler", 1)["seconds"]
        - _find(rows, tiny["name"], "--jobs", 1)["seconds"]
        - fixed
    ) / max(1, tiny["tasks"])
    one_worker = _find(rows, result["workloads"][0]["name"], "--scheduler", 1)
    lines += [
        "",
        f"cost of a run on a running cluster: {fixed:+.2f} s over --jobs 1",
        f"cost of a task on the cluster: {per_task * 1000:+.1f} ms over --jobs 1",
        f"--scheduler local on the small file (starts a cluster): "
        f"{result['scheduler_local_small_file_s']:.2f} s",
        f"one worker checks {one_worker['mb_per_s']:.0f} MB/s, "
        f"{one_worker['entries_per_s']:.0f} HAR entries/s (many files)",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--files", type=int, default=40, help="files of the many-files load")
    parser.add_argument("--file-mb", type=int, default=4, help="size of each of them, MB")
    parser.add_argument("--large-mb", type=int, default=160, help="size of the large file, MB")
    parser.add_argument("--tiny-files", type=int, default=200, help="files of 20 kB")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the best counts")
    parser.add_argument("--data-dir", default=str(DATA), help="where recordings are cached")
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    args = parser.parse_args(argv)
    result = run(args)
    print(json.dumps(result, indent=2) if args.json else report(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
