"""Ticket stores: single use, expiry, thread and process safety, failure handling."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from server_support import V3_ISSUE, AsgiClient, FakeClock, content_of, json_of

from ciba_contracts.server import (
    MemoryTicketStore,
    ServerConfig,
    SqliteTicketStore,
    TicketStatus,
    TicketStore,
    create_app,
    make_store,
)

TTL = 30.0


@pytest.fixture(params=["memory", "sqlite"])
def kind(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(kind: str, clock: FakeClock, tmp_path: Path) -> Iterator[TicketStore]:
    made: TicketStore
    if kind == "memory":
        made = MemoryTicketStore(TTL, clock)
    else:
        made = SqliteTicketStore(str(tmp_path / "tickets.sqlite3"), TTL, clock)
    yield made
    made.close()


def test_ticket_redeems_once(store: TicketStore) -> None:
    ticket = store.issue()
    assert store.redeem(ticket) is TicketStatus.VALID
    assert store.redeem(ticket) is TicketStatus.UNKNOWN


def test_tickets_are_fresh_base64url(store: TicketStore) -> None:
    tickets = {store.issue() for _ in range(100)}
    assert len(tickets) == 100
    assert all(len(t) == 43 and t.replace("-", "").replace("_", "").isalnum() for t in tickets)


def test_peek_does_not_consume(store: TicketStore) -> None:
    ticket = store.issue()
    assert store.redeem(ticket, consume=False) is TicketStatus.VALID
    assert store.redeem(ticket, consume=False) is TicketStatus.VALID
    assert store.redeem(ticket) is TicketStatus.VALID
    assert store.redeem(ticket, consume=False) is TicketStatus.UNKNOWN


@pytest.mark.parametrize("bad", ["", "nope", "é", "\ud800", "x" * 100_000, "a\x00b"])
def test_never_issued_tickets_are_unknown(store: TicketStore, bad: str) -> None:
    store.issue()
    assert store.redeem(bad) is TicketStatus.UNKNOWN
    assert store.redeem(bad, consume=False) is TicketStatus.UNKNOWN


def test_expiry_follows_the_injected_clock(store: TicketStore, clock: FakeClock) -> None:
    early, late, peeked = store.issue(), store.issue(), store.issue()
    clock.advance(TTL - 0.001)
    assert store.redeem(early) is TicketStatus.VALID
    clock.advance(0.001)
    assert store.redeem(peeked, consume=False) is TicketStatus.EXPIRED
    assert store.redeem(late) is TicketStatus.EXPIRED
    # An expired ticket is gone after the attempt: it is not "expired" twice.
    assert store.redeem(late) is TicketStatus.UNKNOWN


def test_expired_tickets_are_swept(store: TicketStore, clock: FakeClock) -> None:
    for _ in range(300):
        store.issue()
    clock.advance(TTL)
    keep = [store.issue() for _ in range(300)]
    assert isinstance(store, MemoryTicketStore | SqliteTicketStore)
    assert len(store) <= 300 + 256
    assert all(store.redeem(t) is TicketStatus.VALID for t in keep)


def test_threads_racing_for_tickets_win_each_once(store: TicketStore) -> None:
    tickets = [store.issue() for _ in range(40)]
    barrier = threading.Barrier(16)

    def redeem_all(_: int) -> list[str]:
        barrier.wait()
        return [t for t in tickets if store.redeem(t) is TicketStatus.VALID]

    with ThreadPoolExecutor(max_workers=16) as pool:
        won = [t for batch in pool.map(redeem_all, range(16)) for t in batch]
    assert sorted(won) == sorted(tickets)


_REDEEMER = textwrap.dedent(
    """
    import random, sys
    from ciba_contracts.server.tickets import SqliteTicketStore, TicketStatus
    store = SqliteTicketStore(sys.argv[1], 600)
    tickets = open(sys.argv[2]).read().split()
    random.shuffle(tickets)
    sys.stdin.readline()  # start together
    for ticket in tickets:
        if store.redeem(ticket) is TicketStatus.VALID:
            print(ticket)
    """
)


def test_sqlite_store_is_single_use_across_processes(tmp_path: Path) -> None:
    db = str(tmp_path / "tickets.sqlite3")
    store = SqliteTicketStore(db, 600)
    tickets = [store.issue() for _ in range(1500)]
    store.close()
    listing = tmp_path / "tickets.txt"
    listing.write_text("\n".join(tickets))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _REDEEMER, db, str(listing)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(4)
    ]
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    won: list[str] = []
    for proc in procs:
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0
        won += out.split()
    assert sorted(won) == sorted(tickets)


def test_sqlite_file_is_shared_between_stores(tmp_path: Path) -> None:
    db = str(tmp_path / "tickets.sqlite3")
    first, second = SqliteTicketStore(db, TTL), SqliteTicketStore(db, TTL)
    ticket = first.issue()
    assert second.redeem(ticket) is TicketStatus.VALID
    assert first.redeem(ticket) is TicketStatus.UNKNOWN
    first.close()
    second.close()


def test_closed_sqlite_store_refuses_new_threads(tmp_path: Path) -> None:
    store = SqliteTicketStore(str(tmp_path / "t.sqlite3"), TTL)
    store.close()
    errors: list[BaseException] = []

    def use() -> None:
        try:
            store.issue()
        except RuntimeError as exc:
            errors.append(exc)

    thread = threading.Thread(target=use)
    thread.start()
    thread.join()
    assert len(errors) == 1


def test_make_store_follows_the_config(tmp_path: Path) -> None:
    memory = make_store(ServerConfig())
    assert isinstance(memory, MemoryTicketStore)
    sqlite = make_store(ServerConfig(ticket_db=str(tmp_path / "t.sqlite3")))
    assert isinstance(sqlite, SqliteTicketStore)
    sqlite.close()


def test_app_over_sqlite_store(tmp_path: Path) -> None:
    client = AsgiClient(create_app(ServerConfig(ticket_db=str(tmp_path / "t.sqlite3"))))
    ticket = client.ticket()
    assert json_of(client.post(V3_ISSUE, json={"ticket": ticket}))["action"] == "OK"
    assert json_of(client.post(V3_ISSUE, json={"ticket": ticket}))["action"] == "INVALID_TICKET"


class _BrokenStore:
    def issue(self) -> str:
        return "t" * 43

    def redeem(self, ticket: str, *, consume: bool = True) -> TicketStatus:
        raise OSError("disk on fire")

    def close(self) -> None:
        pass


def test_store_failure_is_internal_server_error_not_a_crash() -> None:
    client = AsgiClient(create_app(store=_BrokenStore()))
    response = client.post(V3_ISSUE, json={"ticket": "t" * 43})
    assert response.status_code == 200
    body = json_of(response)
    assert body["action"] == "INTERNAL_SERVER_ERROR"
    assert body["resultCode"] == "A182101"
    assert body["resultMessage"].startswith("[A182101] ")
    assert content_of(body)["error"] == "server_error"
    assert "fire" not in response.text
