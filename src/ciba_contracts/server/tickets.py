"""Single-use tickets with expiry, in memory or in a SQLite file shared by processes.

A ticket is what ``/backchannel/authentication`` hands out and
``/backchannel/authentication/issue`` redeems. Redemption must be atomic: when
many requests race to redeem one ticket, exactly one wins.
"""

from __future__ import annotations

import enum
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Final, Protocol

__all__ = [
    "MemoryTicketStore",
    "SqliteTicketStore",
    "TicketStatus",
    "TicketStore",
    "new_ticket",
]

# Expired tickets are swept on issue, at most this often, so the sweep costs
# O(1) amortised and a store that only issues still stays bounded.
_SWEEP_EVERY: Final = 256


def new_ticket() -> str:
    """A fresh ticket: 256 random bits, base64url without padding (43 characters)."""
    return secrets.token_urlsafe(32)


class TicketStatus(enum.Enum):
    """What redeeming a ticket found."""

    VALID = "valid"
    UNKNOWN = "unknown"
    """Never issued, or already redeemed."""
    EXPIRED = "expired"


class TicketStore(Protocol):
    """Where tickets live between the two API calls."""

    def issue(self) -> str:
        """Create, remember and return a fresh ticket."""
        ...

    def redeem(self, ticket: str, *, consume: bool = True) -> TicketStatus:
        """Look ``ticket`` up and, if ``consume``, forget it in the same atomic step."""
        ...

    def close(self) -> None:
        """Release resources; the store is unusable afterwards."""
        ...


def _cannot_exist(ticket: str) -> bool:
    # Issued tickets are short ASCII; anything else is unknown without a lookup,
    # which also keeps lone surrogates and huge strings away from SQLite.
    return not ticket.isascii() or len(ticket) > 512


class MemoryTicketStore:
    """Tickets in a dict behind a lock: safe across threads of one process."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.time) -> None:
        self._ttl = ttl
        self._clock = clock
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()
        self._issued_since_sweep = 0

    def issue(self) -> str:
        """Create, remember and return a fresh ticket."""
        ticket = new_ticket()
        now = self._clock()
        with self._lock:
            self._issued_since_sweep += 1
            if self._issued_since_sweep >= _SWEEP_EVERY:
                self._issued_since_sweep = 0
                for stale in [t for t, exp in self._expiry.items() if exp <= now]:
                    del self._expiry[stale]
            self._expiry[ticket] = now + self._ttl
        return ticket

    def redeem(self, ticket: str, *, consume: bool = True) -> TicketStatus:
        """Look ``ticket`` up and, if ``consume``, remove it under the same lock."""
        if _cannot_exist(ticket):
            return TicketStatus.UNKNOWN
        now = self._clock()
        with self._lock:
            expires_at = self._expiry.pop(ticket, None) if consume else self._expiry.get(ticket)
        if expires_at is None:
            return TicketStatus.UNKNOWN
        return TicketStatus.VALID if now < expires_at else TicketStatus.EXPIRED

    def __len__(self) -> int:
        with self._lock:
            return len(self._expiry)

    def close(self) -> None:
        """Forget every ticket."""
        with self._lock:
            self._expiry.clear()


class SqliteTicketStore:
    """Tickets in a SQLite file: safe across threads and across worker processes.

    Each thread gets its own connection. Redemption is a single
    ``DELETE ... WHERE ticket = ? AND expires_at > ?``, which SQLite executes
    atomically under its write lock, so only one redeemer sees a changed row.
    """

    def __init__(
        self,
        path: str,
        ttl: float,
        clock: Callable[[], float] = time.time,
        *,
        busy_timeout: float = 10.0,
    ) -> None:
        self._path = path
        self._ttl = ttl
        self._clock = clock
        self._busy_timeout = busy_timeout
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._issued_since_sweep = 0
        self._closed = False
        self._prepare(self._connection())

    def _prepare(self, conn: sqlite3.Connection) -> None:
        """Switch the file to WAL and create the table, whoever else is doing the same.

        Changing the journal mode needs the file to itself, and SQLite answers
        "database is locked" at once, without its busy handler, while another
        process is opening it too: every worker of ``serve --workers N`` starts
        at the same moment on the same fresh file. So this step is retried
        until ``busy_timeout`` runs out.
        """
        deadline = time.monotonic() + self._busy_timeout
        pause = 0.001
        while True:
            try:
                # WAL lets readers and the single writer overlap, which matters once
                # several worker processes share the file.
                mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
                if str(mode).lower() != "wal":
                    conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS tickets ("
                    " ticket TEXT PRIMARY KEY NOT NULL,"
                    " expires_at REAL NOT NULL"
                    ") WITHOUT ROWID"
                )
                return
            except sqlite3.OperationalError as exc:
                code = getattr(exc, "sqlite_errorcode", None) or 0
                busy = code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
                if not busy or time.monotonic() + pause > deadline:
                    raise
            # Jittered, so processes that collided do not collide again in step.
            time.sleep(pause * (0.5 + secrets.randbelow(1000) / 1000))
            pause = min(pause * 2, 0.05)

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise RuntimeError("ticket store is closed")
            # Autocommit mode: every statement is its own transaction, which is
            # exactly the atomicity redemption needs. check_same_thread is off
            # only so close() may close connections other threads opened.
            conn = sqlite3.connect(
                self._path,
                timeout=self._busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
            # Tickets live minutes; surviving a power cut is not worth an fsync
            # per commit, and in WAL mode NORMAL still never corrupts the file.
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def issue(self) -> str:
        """Create, remember and return a fresh ticket."""
        ticket = new_ticket()
        now = self._clock()
        conn = self._connection()
        conn.execute(
            "INSERT INTO tickets (ticket, expires_at) VALUES (?, ?)", (ticket, now + self._ttl)
        )
        with self._lock:
            self._issued_since_sweep += 1
            sweep = self._issued_since_sweep >= _SWEEP_EVERY
            if sweep:
                self._issued_since_sweep = 0
        if sweep:
            conn.execute("DELETE FROM tickets WHERE expires_at <= ?", (now,))
        return ticket

    def redeem(self, ticket: str, *, consume: bool = True) -> TicketStatus:
        """Look ``ticket`` up and, if ``consume``, delete it in the same statement."""
        if _cannot_exist(ticket):
            return TicketStatus.UNKNOWN
        now = self._clock()
        conn = self._connection()
        if not consume:
            row = conn.execute(
                "SELECT expires_at FROM tickets WHERE ticket = ?", (ticket,)
            ).fetchone()
            if row is None:
                return TicketStatus.UNKNOWN
            return TicketStatus.VALID if now < row[0] else TicketStatus.EXPIRED
        cur = conn.execute("DELETE FROM tickets WHERE ticket = ? AND expires_at > ?", (ticket, now))
        if cur.rowcount == 1:
            return TicketStatus.VALID
        # Not redeemable: tell "expired" from "unknown", and drop the dead row.
        cur = conn.execute("DELETE FROM tickets WHERE ticket = ?", (ticket,))
        return TicketStatus.EXPIRED if cur.rowcount == 1 else TicketStatus.UNKNOWN

    def __len__(self) -> int:
        row = self._connection().execute("SELECT count(*) FROM tickets").fetchone()
        count: int = row[0]
        return count

    def close(self) -> None:
        """Close every connection this store opened; the file stays."""
        with self._lock:
            self._closed = True
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()
