"""Configuration of the reference server."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final

import orjson

from ciba_contracts.server.faults import validate_fault_names

__all__ = [
    "DEFAULT_BASIC",
    "DEFAULT_TOKEN",
    "INT32_MAX",
    "MAX_BODY_BYTES",
    "ServerConfig",
]

DEFAULT_TOKEN: Final = "reference-token"
DEFAULT_BASIC: Final = ("reference-key", "reference-secret")
MAX_BODY_BYTES: Final = 64 * 1024
INT32_MAX: Final = 2**31 - 1


@dataclass(frozen=True, kw_only=True)
class ServerConfig:
    """Everything the reference server needs; immutable so one config can serve many apps.

    Attributes:
        token: bearer token the v3 paths (``/api/{serviceId}/...``) accept.
        basic: ``(key, secret)`` the v2 paths (``/api/...``) accept with HTTP basic auth.
        expires_in: ``expiresIn`` of issued ``auth_req_id`` values, seconds (1..2**31-1).
        interval: ``interval`` of issued ``auth_req_id`` values, seconds (1..2**31-1).
        faults: names of catalog faults to switch on (see :mod:`.faults`).
        ticket_ttl: seconds a ticket from ``/backchannel/authentication`` stays redeemable.
        ticket_db: SQLite file shared by worker processes; ``None`` keeps tickets in memory.
        max_body_bytes: request bodies larger than this answer 413.
        clock: seconds since an epoch; injectable so tests can expire tickets without sleeping.
            With ``ticket_db`` every process must share the epoch, hence wall-clock time.
    """

    token: str = DEFAULT_TOKEN
    basic: tuple[str, str] = DEFAULT_BASIC
    expires_in: int = 600
    interval: int = 5
    faults: frozenset[str] = frozenset()
    ticket_ttl: float = 600.0
    ticket_db: str | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    clock: Callable[[], float] = field(default=time.time, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Callers naturally pass lists or tuples of names; store a frozenset so the
        # config stays hashable and membership tests are cheap.
        object.__setattr__(self, "faults", validate_fault_names(self.faults))
        if self.ticket_db is not None:
            object.__setattr__(self, "ticket_db", os.fspath(self.ticket_db))
        if not self.token or any(ch.isspace() for ch in self.token):
            raise ValueError("token must be non-empty and contain no whitespace")
        key, secret = self.basic
        if not key or ":" in key:
            raise ValueError("basic key must be non-empty and contain no ':'")
        if not secret:
            raise ValueError("basic secret must be non-empty")
        # Out-of-contract values are what faults are for; the config itself keeps the contract.
        for name in ("expires_in", "interval"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an integer")
            if not 1 <= value <= INT32_MAX:
                raise ValueError(f"{name} must be between 1 and {INT32_MAX}")
        if not self.ticket_ttl > 0:
            raise ValueError("ticket_ttl must be positive")
        if self.max_body_bytes < 1:
            raise ValueError("max_body_bytes must be positive")

    def with_faults(self, *names: str) -> ServerConfig:
        """A copy with ``names`` added to the active faults."""
        return dataclasses.replace(self, faults=self.faults | frozenset(names))

    def has_fault(self, name: str) -> bool:
        """Whether the fault called ``name`` is switched on."""
        return name in self.faults

    def to_json(self) -> str:
        """Serialise everything but ``clock``, to hand the config to worker processes."""
        data: dict[str, Any] = {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "clock"
        }
        data["faults"] = sorted(self.faults)
        data["basic"] = list(self.basic)
        return orjson.dumps(data).decode()

    @classmethod
    def from_json(cls, text: str | bytes) -> ServerConfig:
        """Inverse of :meth:`to_json`."""
        data = orjson.loads(text)
        if not isinstance(data, dict):
            raise ValueError("server config must be a JSON object")
        basic = data.pop("basic", list(DEFAULT_BASIC))
        faults: Iterable[str] = data.pop("faults", ())
        return cls(basic=(basic[0], basic[1]), faults=frozenset(faults), **data)
