"""``ciba-contracts serve``: options, --list-faults, and a real process on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest
from click.testing import CliRunner
from server_support import BASIC, BEARER, GOOD_REQUEST, V2_ISSUE, V3_AUTH, V3_ISSUE

from ciba_contracts.cli.serve import _is_loopback, format_fault_table, serve
from ciba_contracts.server import fault_names, iter_faults


def test_list_faults_names_every_fault_and_its_rule() -> None:
    result = CliRunner().invoke(serve, ["--list-faults"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["NAME", "RULE", "BREAKS"]
    assert len(lines) == 1 + len(fault_names())
    for line, fault in zip(lines[1:], iter_faults(), strict=True):
        assert line.split()[:2] == [fault.name, fault.rule]
    assert result.output.strip() == format_fault_table()


def test_list_faults_wins_over_other_options() -> None:
    result = CliRunner().invoke(serve, ["--port", "1", "--list-faults"])
    assert result.exit_code == 0
    assert "zero-interval" in result.output


def test_help_mentions_the_options() -> None:
    result = CliRunner().invoke(serve, ["--help"])
    assert result.exit_code == 0
    for option in (
        "--host",
        "--port",
        "--token",
        "--basic",
        "--expires-in",
        "--interval",
        "--fault",
        "--list-faults",
        "--ticket-db",
        "--workers",
    ):
        assert option in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["--fault", "no-such-fault"],
        ["--basic", "no-colon"],
        ["--basic", ":secret"],
        ["--basic", "key:"],
        ["--expires-in", "0"],
        ["--interval", "0"],
        ["--port", "70000"],
        ["--token", "has space"],
        ["--workers", "0"],
    ],
)
def test_bad_options_are_usage_errors(args: list[str]) -> None:
    result = CliRunner().invoke(serve, args)
    assert result.exit_code == 2, result.output


def test_busy_port_is_a_usage_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(serve, ["--port", str(port)])
    assert result.exit_code == 2
    assert "cannot listen" in result.output


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("::1", True), ("localhost", True), ("0.0.0.0", False), ("h", False)],
)
def test_loopback_detection(host: str, loopback: bool) -> None:
    assert _is_loopback(host) is loopback


@contextmanager
def serve_process(*args: str) -> Iterator[str]:
    """Run ``serve`` in a child process and yield the URL it prints."""
    code = "from ciba_contracts.cli.serve import serve; serve()"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "--port", "0", "--log-level", "warning", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        timer = threading.Timer(20, proc.kill)  # a hung startup must not hang the suite
        timer.start()
        first = proc.stdout.readline()
        timer.cancel()
        assert first.startswith("ciba-contracts reference server listening on http://127.0.0.1:")
        yield first.split()[-1]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0


def test_serve_prints_its_url_and_serves_with_options() -> None:
    with (
        serve_process(
            "--token",
            "tok",
            "--basic",
            "k:s",
            "--expires-in",
            "30",
            "--interval",
            "2",
            "--fault",
            "zero-interval",
            "--fault",
            "ticket-reuse",
        ) as url,
        httpx.Client(base_url=url, timeout=10) as client,
    ):
        auth = client.post(V3_AUTH, json=GOOD_REQUEST, headers={"Authorization": "Bearer tok"})
        ticket = auth.json()["ticket"]
        for _ in range(2):  # ticket-reuse
            issued = client.post(V2_ISSUE, json={"ticket": ticket}, auth=("k", "s")).json()
            assert issued["action"] == "OK"
            assert (issued["expiresIn"], issued["interval"]) == (30, 0)  # zero-interval
        assert client.post(V3_ISSUE, json={"ticket": ticket}, headers=BEARER).status_code == 401
        assert client.post(V2_ISSUE, json={"ticket": ticket}, headers=BASIC).status_code == 401


def test_workers_share_single_use_tickets() -> None:
    with (
        serve_process("--workers", "2") as url,
        httpx.Client(base_url=url, timeout=20, limits=httpx.Limits(max_connections=40)) as c,
    ):
        tickets = [
            c.post(V3_AUTH, json=GOOD_REQUEST, headers=BEARER).json()["ticket"] for _ in range(3)
        ]
        barrier = threading.Barrier(20)

        def redeem(_: int) -> list[str]:
            barrier.wait()
            # A fresh connection per thread lets the kernel spread them over both workers.
            with httpx.Client(base_url=url, timeout=20) as own:
                return [
                    own.post(V3_ISSUE, json={"ticket": t}, headers=BEARER).json()["action"]
                    for t in tickets
                ]

        with ThreadPoolExecutor(max_workers=20) as pool:
            results = list(pool.map(redeem, range(20)))
    for index in range(len(tickets)):
        actions = [result[index] for result in results]
        assert actions.count("OK") == 1
        assert actions.count("INVALID_TICKET") == 19
