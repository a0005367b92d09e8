"""Peak memory of ``ciba-contracts validate`` on recordings whose relay legs never pair.

A relay leg waits for its partner, and a recording may hold one side only: a
gateway's recording of Authlete calls alone (every ``OK`` answer waits for a
client leg), or a recording of the authorization server's own endpoint alone
(every client answer, kept whole, waits for an Authlete answer). Pending legs
are bounded (10 000 a side, 4 MiB of client legs), so peak memory must not
grow with the recording. This writes one compact HAR file of client legs
alone, of ``--size-mb`` MB, each leg with a 600-byte cookie as browsers and
apps send one, and measures ``validate`` on it in one process and in two
(``--jobs 2``), polling the process tree's RSS (``traffic.measure``). The
recording of Authlete calls alone is ``traffic.py``'s dense files.

    python benchmarks/relay_memory.py                    # 200 MB
    python benchmarks/relay_memory.py --size-mb 1000 --json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from traffic import (  # noqa: E402
    DATA,
    MB,
    TARGET_RSS_MB,
    Measure,
    _cli,
    check_exits,
    interleaved,
    warm_up,
)

NO_RELAY = "validate --jobs 1 --no-relay"

#: Bumped when what is written changes, so that cached files are written again.
VERSION = 1


def client_legs_har(path: Path, size: int, seed: int = 3) -> int:
    """Write a compact HAR file of about ``size`` bytes of client legs alone; their count."""
    rng = random.Random(seed)
    count = 0
    written = 0
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="ascii") as out:
        out.write('{"log": {"version": "1.2", "entries": [\n')
        while written < size:
            auth_req_id = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789-_", k=43))
            trace = f"00-{rng.getrandbits(128):032x}-{rng.getrandbits(64):016x}-01"
            cookie = "session=" + "".join(rng.choices("abcdef0123456789", k=600))
            answer = {"auth_req_id": auth_req_id, "expires_in": 600, "interval": 5}
            entry = {
                "request": {
                    "method": "POST",
                    "url": "https://as.example/backchannel",
                    "headers": [
                        {"name": "Content-Type", "value": "application/x-www-form-urlencoded"},
                        {"name": "Cookie", "value": cookie},
                        {"name": "traceparent", "value": trace},
                    ],
                    "postData": {
                        "mimeType": "application/x-www-form-urlencoded",
                        "text": "scope=openid&login_hint=" + "x" * 80,
                    },
                },
                "response": {
                    "status": 200,
                    "headers": [
                        {"name": "Content-Type", "value": "application/json"},
                        {"name": "Cache-Control", "value": "no-store"},
                    ],
                    "content": {"mimeType": "application/json", "text": json.dumps(answer)},
                },
            }
            text = json.dumps(entry)
            out.write(("" if count == 0 else ",\n") + text)
            written += len(text) + 2
            count += 1
        out.write("\n]}}\n")
    tmp.replace(path)
    return count


def run(size_mb: int, data: Path) -> tuple[int, list[Measure]]:
    """The file's leg count, and the measures of one process and two on it."""
    data.mkdir(parents=True, exist_ok=True)
    path = data / f"relay-clients-v{VERSION}-{size_mb}mb.har"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        legs = int(json.loads(meta.read_text())["legs"])
    else:
        legs = client_legs_har(path, size_mb * MB)
        meta.write_text(json.dumps({"legs": legs}))
    base = [*_cli(), "validate", str(path), "--format", "json", "--output", os.devnull]
    size = path.stat().st_size / MB
    warm_up([*base, "--jobs", "1"])
    routes = [(f"validate --jobs {jobs}", [*base, "--jobs", jobs], size) for jobs in ("1", "2")]
    # The baseline: the same run with nothing paired, so nothing waiting.
    routes.append((NO_RELAY, [*base, "--jobs", "1", "--no-relay"], size))
    measured = interleaved(1, routes)
    check_exits({m.name: m for m in measured})
    return legs, measured


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size-mb", type=int, default=200, help="size of the file (200)")
    parser.add_argument("--data-dir", default=str(DATA), help="where the file is cached")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    legs, measured = run(args.size_mb, Path(args.data_dir))
    baseline = next(m for m in measured if m.name == NO_RELAY)
    if args.json:
        rows = [
            {"route": m.name, "seconds": m.seconds, "peak_rss_mb": m.peak_rss_mb}
            for m in measured
            if m is not baseline
        ]
        found = {"legs": legs, "runs": rows, "target_rss_mb": TARGET_RSS_MB}
        found["no_relay_peak_rss_mb"] = baseline.peak_rss_mb
        print(json.dumps(found))
        return 0
    print(f"client legs alone: {legs} in {args.size_mb} MB")
    for m in measured:
        met = "met" if m.peak_rss_mb < TARGET_RSS_MB else "NOT MET"
        print(
            f"  {m.name:30} {m.seconds:6.2f} s  peak RSS {m.peak_rss_mb:6.1f} MB "
            f"(target < {TARGET_RSS_MB:g}: {met})"
        )
    one = next(m for m in measured if m.name == "validate --jobs 1")
    print(
        f"  waiting legs, one process: peak RSS {one.peak_rss_mb / baseline.peak_rss_mb:.2f}x "
        f"that of --no-relay (+{one.peak_rss_mb - baseline.peak_rss_mb:.1f} MB)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
