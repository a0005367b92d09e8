"""What the stand-in remembers of each backchannel authentication flow, by ticket.

A ticket's redemption is the ticket store's business (single use, shared by
worker processes); what happens around it is this log's: the delivery mode and
notification token the authentication API saw, the ``auth_req_id`` the issue
API gave, and whether ``/complete`` or ``/fail`` has ended the flow. The issue
API reads it to tell a ticket used twice (``A181205``) or consumed by
``/complete`` (``A181204``) from one that never existed (``A181201``).

The log is kept in memory per process and bounded: past :data:`MAX_FLOWS` the
oldest flows are forgotten, so memory stays flat under load. With several
worker processes, ``/complete`` and ``/fail`` know only the flows of their own
process.
"""

from __future__ import annotations

import enum
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Final

__all__ = ["MAX_FLOWS", "Flow", "FlowLog", "FlowState"]

MAX_FLOWS: Final = 100_000


class FlowState(enum.Enum):
    """How far a flow went."""

    IDENTIFYING = "identifying"
    """The ticket was handed out; no ``auth_req_id`` yet."""
    ISSUED = "issued"
    """``/issue`` gave an ``auth_req_id`` for the ticket."""
    COMPLETED = "completed"
    """``/complete`` consumed the ticket."""
    FAILED = "failed"
    """``/fail`` deleted the ticket."""


@dataclass(frozen=True, slots=True)
class Flow:
    """One flow: the facts of its authentication request and how far it went."""

    client_id: int
    client_name: str
    delivery_mode: str
    notification_token: str | None
    expires_at: float
    state: FlowState = FlowState.IDENTIFYING
    auth_req_id: str | None = None


class FlowLog:
    """Flows by ticket, behind a lock (the app's handlers run in threads)."""

    def __init__(self, limit: int = MAX_FLOWS) -> None:
        self._limit = limit
        self._flows: OrderedDict[str, Flow] = OrderedDict()
        self._lock = threading.Lock()

    def open(self, ticket: str, flow: Flow) -> None:
        """Remember the flow of a ticket just handed out."""
        with self._lock:
            self._flows[ticket] = flow
            while len(self._flows) > self._limit:
                self._flows.popitem(last=False)

    def get(self, ticket: str) -> Flow | None:
        """The flow of ``ticket``, if this process remembers it."""
        with self._lock:
            return self._flows.get(ticket)

    def advance(self, ticket: str, state: FlowState, auth_req_id: str | None = None) -> None:
        """Move the flow of ``ticket`` to ``state`` (nothing if it is not remembered)."""
        with self._lock:
            flow = self._flows.get(ticket)
            if flow is not None:
                self._flows[ticket] = replace(
                    flow, state=state, auth_req_id=auth_req_id or flow.auth_req_id
                )

    def __len__(self) -> int:
        with self._lock:
            return len(self._flows)
