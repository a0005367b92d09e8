"""Several worker processes opening one fresh ticket database at the same moment all succeed.

``serve --workers N --ticket-db FILE`` starts N processes that each open the
file; the first to open a fresh one switches it to WAL while the others may be
doing the same. Here a few processes wait on a barrier, open a new file at the
same instant, issue and redeem a ticket, many times over.
"""

from __future__ import annotations

import multiprocessing
import traceback
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pytest

from ciba_contracts.server import SqliteTicketStore, TicketStatus

PROCESSES = 6
ROUNDS = 40


def _open_at_once(barrier: Barrier, folder: str, rounds: int, results: Any) -> None:
    for number in range(rounds):
        path = str(Path(folder) / f"tickets-{number}.db")
        try:
            barrier.wait(timeout=30)
            store = SqliteTicketStore(path, ttl=30.0)
            try:
                ticket = store.issue()
                status = store.redeem(ticket)
            finally:
                store.close()
            results.put(None if status is TicketStatus.VALID else f"redeemed as {status}")
        except Exception:
            results.put(traceback.format_exc(limit=3))


@pytest.mark.timeout(120)
def test_processes_opening_a_fresh_database_at_once_all_succeed(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [
        context.Process(target=_open_at_once, args=(barrier, str(tmp_path), ROUNDS, results))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=60) for _ in range(PROCESSES * ROUNDS)]
    for worker in workers:
        worker.join(timeout=30)
    failures = [o for o in outcomes if o is not None]
    assert not failures, f"{len(failures)} of {len(outcomes)} openings failed:\n{failures[0]}"
    assert all(worker.exitcode == 0 for worker in workers)
