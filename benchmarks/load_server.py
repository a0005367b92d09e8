"""A bounded load test of the reference server (``ciba-contracts serve``) on 127.0.0.1.

For each configuration (tickets in memory with one worker; tickets in SQLite
with ``--workers N --ticket-db FILE``) this starts the server on a free port,
then runs ``--clients`` concurrent clients for ``--seconds`` seconds. Each
client loops: ``POST /backchannel/authentication`` for a ticket, then
``POST /backchannel/authentication/issue`` with it; one ticket in
``--race-every`` is redeemed by two requests sent at once, and one issue call
in ten names a ticket never issued. It reports requests per second, latency
percentiles, errors (transport failures, any 5xx, any answer the reference
server must not give) and tickets redeemed more than once (an ``OK`` answer to
more than one issue call for the same ticket), which must be 0.

    python benchmarks/load_server.py                      # 20 s per configuration
    python benchmarks/load_server.py --seconds 5 --clients 16 --json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

SERVICE = "715948317"
AUTH = f"/api/{SERVICE}/backchannel/authentication"
ISSUE = f"/api/{SERVICE}/backchannel/authentication/issue"
HEADERS = {"Authorization": "Bearer reference-token"}
AUTH_BODY = {
    "parameters": "scope=openid&login_hint=john",
    "clientId": "26862190133482",
    "clientSecret": "client-secret",
}
_LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


@dataclass
class Tally:
    """What the clients saw in one configuration."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    redeemed: Counter[str] = field(default_factory=Counter)
    raced: int = 0
    unknown: int = 0


async def _call(client: httpx.AsyncClient, tally: Tally, path: str, body: Any) -> Any:
    start = time.perf_counter()
    try:
        answer = await client.post(path, json=body, headers=HEADERS)
    except httpx.HTTPError as exc:
        tally.errors[f"transport: {type(exc).__name__}"] += 1
        return None
    tally.latencies.append(time.perf_counter() - start)
    tally.statuses[answer.status_code] += 1
    if answer.status_code >= 500:
        tally.errors[f"HTTP {answer.status_code}"] += 1
        return None
    if answer.status_code != 200:
        tally.errors[f"unexpected HTTP {answer.status_code}"] += 1
        return None
    try:
        return answer.json()
    except ValueError:
        tally.errors["answer is not JSON"] += 1
        return None


async def _issue(client: httpx.AsyncClient, tally: Tally, ticket: str, issued: bool) -> None:
    answer = await _call(client, tally, ISSUE, {"ticket": ticket})
    if answer is None:
        return
    action = answer.get("action")
    if action == "OK":
        if not issued:
            tally.errors["OK for a ticket never issued"] += 1
        tally.redeemed[ticket] += 1
    elif action != "INVALID_TICKET":
        tally.errors[f"action {action!r}"] += 1


async def _client(base: str, tally: Tally, until: float, race_every: int, number: int) -> None:
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        rounds = 0
        while time.monotonic() < until:
            rounds += 1
            if (rounds + number) % 10 == 0:
                tally.unknown += 1
                await _issue(client, tally, f"never-issued-{number}-{rounds}", issued=False)
                continue
            answer = await _call(client, tally, AUTH, AUTH_BODY)
            ticket = answer.get("ticket") if isinstance(answer, dict) else None
            if not isinstance(ticket, str):
                if answer is not None:
                    tally.errors["no ticket"] += 1
                continue
            if rounds % race_every == 0:
                tally.raced += 1
                await asyncio.gather(
                    _issue(client, tally, ticket, True), _issue(client, tally, ticket, True)
                )
            else:
                await _issue(client, tally, ticket, True)


def _start(args: list[str]) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-c", "from ciba_contracts.cli import run; run()"]
    server = subprocess.Popen(
        [*command, "serve", "--port", "0", "--log-level", "warning", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert server.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = server.stdout.readline()
        found = _LISTENING.search(line)
        if found:
            return server, found.group(1)
        if not line and server.poll() is not None:
            break
    server.kill()
    raise RuntimeError("the server did not start")


def _wait_ready(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.post(base + AUTH, json=AUTH_BODY, headers=HEADERS, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{base} does not answer")


def measure(
    name: str, server_args: list[str], seconds: float, clients: int, race: int
) -> dict[str, Any]:
    """Run one configuration; its figures as a dict."""
    server, base = _start(server_args)
    try:
        _wait_ready(base)
        tally = Tally()
        start = time.monotonic()
        until = start + seconds

        async def everyone() -> None:
            await asyncio.gather(*(_client(base, tally, until, race, n) for n in range(clients)))

        asyncio.run(everyone())
        elapsed = time.monotonic() - start
    finally:
        server.terminate()
        try:
            output, _ = server.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            output, _ = server.communicate()
    latencies = sorted(tally.latencies)

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2)

    requests = sum(tally.statuses.values()) + sum(
        n for e, n in tally.errors.items() if e.startswith("transport")
    )
    return {
        "configuration": name,
        "server": " ".join(["serve", *server_args]).replace(server_args[-1], "FILE")
        if server_args
        else "serve",
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": requests,
        "requests_per_second": round(requests / elapsed),
        "latency_ms": {
            "p50": pct(0.50),
            "p90": pct(0.90),
            "p99": pct(0.99),
            "max": round(latencies[-1] * 1000, 2) if latencies else 0,
            "mean": round(statistics.fmean(latencies) * 1000, 2) if latencies else 0,
        },
        "statuses": dict(sorted(tally.statuses.items())),
        "errors": dict(tally.errors),
        "tickets_raced": tally.raced,
        "unknown_tickets_sent": tally.unknown,
        "tickets_redeemed": len(tally.redeemed),
        "tickets_redeemed_more_than_once": sum(1 for n in tally.redeemed.values() if n > 1),
        "server_tracebacks": output.count("Traceback"),
    }


def main(argv: list[str] | None = None) -> int:
    """Run both configurations; exit 1 on errors or a ticket redeemed twice."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="per configuration")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="of the SQLite configuration")
    parser.add_argument("--race-every", type=int, default=4)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="ciba-load-") as folder:
        db = str(Path(folder) / "tickets.db")
        configurations = [
            ("memory, 1 worker", []),
            (
                f"sqlite, {args.workers} workers",
                ["--workers", str(args.workers), "--ticket-db", db],
            ),
        ]
        for name, server_args in configurations:
            rows.append(measure(name, server_args, args.seconds, args.clients, args.race_every))
    bad = any(
        r["errors"] or r["tickets_redeemed_more_than_once"] or r["server_tracebacks"] for r in rows
    )
    if args.json:
        json.dump({"cpus": os.cpu_count(), "results": rows}, sys.stdout, indent=2)
        print()
        return 1 if bad else 0
    for r in rows:
        lat = r["latency_ms"]
        print(f"{r['configuration']} ({r['server']}), {r['clients']} clients, {r['seconds']} s")
        print(f"  requests: {r['requests']} ({r['requests_per_second']}/s)")
        print(
            f"  latency ms: p50 {lat['p50']}, p90 {lat['p90']}, p99 {lat['p99']}, max {lat['max']}"
        )
        print(f"  statuses: {r['statuses']}; errors: {r['errors'] or 0}")
        print(
            f"  tickets redeemed: {r['tickets_redeemed']}, raced: {r['tickets_raced']},"
            f" redeemed more than once: {r['tickets_redeemed_more_than_once']};"
            f" server tracebacks: {r['server_tracebacks']}"
        )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
