"""Cost per byte of unknown members inside ``responseContent`` against the same at top level.

A payload may carry any number of members nobody constrains, at the top level
or inside the document ``responseContent`` holds. Checking it must cost time
linear in its size, and about the same per byte wherever the members sit.
For each shape (a valid ``OK``, an ``OK`` whose acknowledgement lacks
required members, one with a member of the wrong type, an ``INVALID_TICKET``
whose error object lacks ``error``) this builds the payload with N unknown
members at the top level and with the same members inside ``responseContent``,
times ``validate()`` on each (best of ``--rounds``), and prints nanoseconds
per byte and the ratio nested / top. It runs every shape at two sizes, so the
ratio large / small per byte shows the cost is linear (about 1) and not
growing with the member count.

    python benchmarks/nested_members.py                # 10 000 and 100 000 members
    python benchmarks/nested_members.py --members 1000000 --rounds 3
    python benchmarks/nested_members.py --json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import orjson

from ciba_contracts import validate

ACK = {"auth_req_id": "a" * 43, "expires_in": 600, "interval": 5}
OK = {
    "resultCode": "A183001",
    "resultMessage": "[A183001] An auth_req_id was issued successfully.",
    "action": "OK",
    "authReqId": "a" * 43,
    "expiresIn": 600,
    "interval": 5,
}
TICKET = {
    "resultCode": "A181201",
    "resultMessage": "[A181201] The ticket does not exist.",
    "action": "INVALID_TICKET",
}


def _content(body: dict[str, Any]) -> str:
    return orjson.dumps(body).decode()


def _shapes() -> dict[str, Callable[[dict[str, int], bool], dict[str, Any]]]:
    """Shape name -> builder of the payload with ``extra`` members at the top or nested."""

    def ok(extra: dict[str, int], nested: bool) -> dict[str, Any]:
        if nested:
            return {**OK, "responseContent": _content({**ACK, **extra})}
        return {**OK, **extra, "responseContent": _content(ACK)}

    def ack_missing(extra: dict[str, int], nested: bool) -> dict[str, Any]:
        short = {"interval": 5}
        if nested:
            return {**OK, "responseContent": _content({**short, **extra})}
        top = {k: v for k, v in OK.items() if k not in ("authReqId", "expiresIn")}
        return {**top, **extra, "responseContent": _content(ACK)}

    def wrong_type(extra: dict[str, int], nested: bool) -> dict[str, Any]:
        if nested:
            return {**OK, "responseContent": _content({**ACK, "interval": "5", **extra})}
        return {**OK, "interval": "5", **extra, "responseContent": _content(ACK)}

    def error_missing(extra: dict[str, int], nested: bool) -> dict[str, Any]:
        if nested:
            return {**TICKET, "responseContent": _content(dict(extra))}
        return {
            **{k: v for k, v in TICKET.items() if k != "resultMessage"},
            **extra,
            "responseContent": _content({"error": "invalid_request"}),
        }

    return {
        "valid OK": ok,
        "OK, ack lacks members": ack_missing,
        "OK, member of wrong type": wrong_type,
        "INVALID_TICKET, no error": error_missing,
    }


def _best(payload: bytes, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        validate(payload)
        best = min(best, time.perf_counter() - start)
    return best


def measure(sizes: list[int], rounds: int) -> list[dict[str, Any]]:
    """One row per shape and size: bytes and ns/byte at the top and nested, and their ratio."""
    rows = []
    for name, build in _shapes().items():
        for size in sizes:
            extra = {f"member{i}": i for i in range(size)}
            top = orjson.dumps(build(extra, False))
            nested = orjson.dumps(build(extra, True))
            validate(top)
            validate(nested)
            top_ns = _best(top, rounds) * 1e9 / len(top)
            nested_ns = _best(nested, rounds) * 1e9 / len(nested)
            rows.append(
                {
                    "shape": name,
                    "members": size,
                    "top_bytes": len(top),
                    "nested_bytes": len(nested),
                    "top_ns_per_byte": round(top_ns, 2),
                    "nested_ns_per_byte": round(nested_ns, 2),
                    "nested_over_top": round(nested_ns / top_ns, 2),
                }
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Print the table (or ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000, help="the larger member count")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    sizes = [max(1, args.members // 10), args.members]
    rows = measure(sizes, args.rounds)
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        print()
        return 0
    print(f"{'shape':28} {'members':>8} {'top ns/B':>9} {'nested ns/B':>12} {'nested/top':>11}")
    for row in rows:
        print(
            f"{row['shape']:28} {row['members']:>8} {row['top_ns_per_byte']:>9.2f}"
            f" {row['nested_ns_per_byte']:>12.2f} {row['nested_over_top']:>10.2f}x"
        )
    by_shape: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_shape.setdefault(row["shape"], []).append(row)
    print("\nlarge / small, nested ns per byte (1.0 = linear):")
    for name, pair in by_shape.items():
        small, large = pair[0], pair[-1]
        growth = large["nested_ns_per_byte"] / small["nested_ns_per_byte"]
        print(f"  {name:28} {growth:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
