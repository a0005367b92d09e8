"""The long fuzz pass: ``python -m fuzz`` (``make fuzz``).

Runs each target on inputs from :mod:`fuzz.inputs` until its count or its
share of the time is reached, and reports per target: inputs tried and their
rate, exceptions (zero allowed; each failing input is saved under
``fuzz/crashes/`` with its traceback), the slowest input per byte and the
ratio of its time per byte to the median. Per byte, an input under
:data:`FLOOR` bytes counts as ``FLOOR`` bytes (the fixed cost of a call would
otherwise make every small input look slow), and a gzip recording counts
as the bytes it inflates to. The slowest inputs are timed
again (best of five) before one is named, so that a pause of the machine is
not taken for a slow input. A watchdog stops the run, saving the input, if
one input takes longer than ``--hang`` seconds.

    python -m fuzz                                  # about 15 minutes
    python -m fuzz --minutes 2 --api 100000 --recordings 2000 --answers 20000
    python -m fuzz --json
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import traceback
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fuzz import inputs, targets

#: Inputs smaller than this count as this many bytes in the time-per-byte figures.
FLOOR = 1024
#: How many of the slowest inputs per byte are timed again.
RETIMED = 20
CRASHES = Path(__file__).resolve().parent / "crashes"
#: The slowest input per byte of each target, kept for a look.
SLOWEST = Path(__file__).resolve().parent / "slowest"


@dataclass
class Tally:
    """What one target's pass saw."""

    name: str
    tried: int = 0
    seconds: float = 0.0
    exceptions: list[str] = field(default_factory=list)
    per_byte: array[float] = field(default_factory=lambda: array("d"))
    slowest: list[tuple[float, int, int, bytes, Callable[[], object]]] = field(default_factory=list)
    largest: int = 0

    def note(self, elapsed: float, size: int, data: bytes, call: Callable[[], object]) -> None:
        cost = elapsed / max(size, FLOOR)
        self.per_byte.append(cost)
        self.largest = max(self.largest, size)
        entry = (cost, self.tried, size, data, call)
        if len(self.slowest) < RETIMED:
            heapq.heappush(self.slowest, entry)
        elif cost > self.slowest[0][0]:
            heapq.heapreplace(self.slowest, entry)

    def summary(self) -> dict[str, Any]:
        median = statistics.median(self.per_byte) if self.per_byte else 0.0
        worst: tuple[float, int, int] = (0.0, 0, -1)
        worst_data = b""
        for _, number, size, data, call in self.slowest:
            try:
                best = min(_timed(call) for _ in range(5))
            except Exception:
                # Counted among the exceptions already.
                continue
            cost = best / max(size, FLOOR)
            if (cost, size, number) > worst:
                worst, worst_data = (cost, size, number), data
        if worst_data:
            SLOWEST.mkdir(exist_ok=True)
            (SLOWEST / f"{self.name.replace(':', '-')}.bin").write_bytes(worst_data)
        return {
            "target": self.name,
            "inputs": self.tried,
            "seconds": round(self.seconds, 1),
            "inputs_per_second": round(self.tried / self.seconds) if self.seconds else 0,
            "exceptions": len(self.exceptions),
            "largest_input_bytes": self.largest,
            "median_ns_per_byte": round(median * 1e9, 2),
            "slowest_ns_per_byte": round(worst[0] * 1e9, 2),
            "slowest_input_bytes": worst[1],
            "slowest_input_number": worst[2],
            "slowest_over_median": round(worst[0] / median, 2) if median else 0.0,
        }


def _timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


class Watchdog:
    """Ends the process when one input runs longer than ``limit`` seconds."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.started = time.monotonic()
        self.current: tuple[str, bytes] | None = None
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def begin(self, name: str, data: bytes) -> None:
        self.current = (name, data)
        self.started = time.monotonic()

    def _watch(self) -> None:
        while True:
            time.sleep(1)
            current = self.current
            if current is not None and time.monotonic() - self.started > self.limit:
                path = _save(current[0], current[1], f"hang: over {self.limit} s")
                print(f"HANG in {current[0]}: input saved to {path}", file=sys.stderr, flush=True)
                os._exit(3)


def _save(name: str, data: bytes, why: str) -> Path:
    CRASHES.mkdir(exist_ok=True)
    stem = f"{name}-{int(time.time() * 1000)}-{random.randrange(10**6)}"
    (CRASHES / f"{stem}.txt").write_text(why, encoding="utf-8")
    path = CRASHES / f"{stem}.bin"
    path.write_bytes(data)
    return path


def _drive(
    tally: Tally,
    count: int,
    budget: float,
    make: Callable[[random.Random], tuple[bytes, int, Callable[[], object]]],
    rng: random.Random,
    watchdog: Watchdog,
) -> None:
    deadline = time.monotonic() + budget
    while tally.tried < count and (tally.tried % 64 or time.monotonic() < deadline):
        data, size, call = make(rng)
        watchdog.begin(tally.name, data)
        start = time.perf_counter()
        try:
            call()
        except Exception:
            why = traceback.format_exc()
            tally.exceptions.append(why)
            _save(tally.name, data, why)
        elapsed = time.perf_counter() - start
        watchdog.current = None
        tally.tried += 1
        tally.seconds += elapsed
        tally.note(elapsed, size, data, call)


def main(argv: list[str] | None = None) -> int:
    """Run the pass; exit 1 when any target raised."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=15.0, help="time for the whole pass")
    parser.add_argument("--api", type=int, default=1_000_000, help="validate() inputs")
    parser.add_argument(
        "--recordings", type=int, default=10_000, help="recordings read, over all formats"
    )
    parser.add_argument("--answers", type=int, default=100_000, help="live-suite answers")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--hang", type=float, default=60.0, help="seconds one input may take")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    budget = args.minutes * 60
    seeds = inputs.seed_payloads()
    watchdog = Watchdog(args.hang)
    tallies: list[Tally] = []

    def api_input(rng: random.Random) -> tuple[bytes, int, Callable[[], object]]:
        data = inputs.api_input(rng, seeds)
        variant = rng.randrange(12)
        return data, len(data), lambda: targets.api(data, variant)

    def answer(rng: random.Random) -> tuple[bytes, int, Callable[[], object]]:
        status, headers, body = inputs.answer(rng, seeds)
        return body, len(body), lambda: targets.live_answer(status, headers, body)

    with tempfile.TemporaryDirectory(prefix="ciba-fuzz-") as tmp:
        folder = Path(tmp)
        # Shares of the time: half for the readers, which cost the most per input.
        plan: list[tuple[str, int, float, Any]] = [
            ("validate", args.api, 0.45, api_input),
            ("live-answer", args.answers, 0.05, answer),
        ]
        for fmt in inputs.FORMATS:

            def recording(
                rng: random.Random, fmt: str = fmt
            ) -> tuple[bytes, int, Callable[[], object]]:
                suffix, data = inputs.recording(rng, fmt, seeds)
                size = inputs.read_size(data)
                return data, size, lambda: targets.reader(suffix, data, folder)

            share = 0.5 / len(inputs.FORMATS)
            each = -(-args.recordings // len(inputs.FORMATS))
            plan.append((f"reader:{fmt}", each, share, recording))
        for number, (name, count, share, make) in enumerate(plan):
            tally = Tally(name)
            rng = random.Random(args.seed * 1000 + number)
            _drive(tally, count, budget * share, make, rng, watchdog)
            tallies.append(tally)
            print(f"{name}: {tally.tried} inputs", file=sys.stderr, flush=True)
        rows = [t.summary() for t in tallies]
    failed = sum(r["exceptions"] for r in rows)
    if args.json:
        json.dump({"seed": args.seed, "targets": rows}, sys.stdout, indent=2)
        print()
        return 1 if failed else 0
    head = f"{'target':22} {'inputs':>9} {'per s':>7} {'exc':>4} {'median ns/B':>12}"
    print(head + f" {'slowest ns/B':>13} {'bytes':>8} {'ratio':>7}")
    for r in rows:
        print(
            f"{r['target']:22} {r['inputs']:>9} {r['inputs_per_second']:>7} {r['exceptions']:>4}"
            f" {r['median_ns_per_byte']:>12} {r['slowest_ns_per_byte']:>13}"
            f" {r['slowest_input_bytes']:>8} {r['slowest_over_median']:>6}x"
        )
    recordings = sum(r["inputs"] for r in rows if r["target"].startswith("reader:"))
    print(f"\nrecordings: {recordings}; exceptions: {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
