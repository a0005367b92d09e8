"""Pending relay legs as bytes, for the process that joins the slices of a recording.

A slice of a large recording ends with the relay legs still waiting for a
partner, and the process joining the slices pairs them across slices
(:meth:`~ciba_contracts.check.relay_pairs.RelayPairer.adopt`). A recording of
Authlete calls alone pairs none, so a slice can end with thousands of them;
pickled and rebuilt as objects they cost more than the entries the slice
read, and the join, which runs after every slice, paid for all of them. So
they travel as msgspec's msgpack, each relay by its name in the table, and the
joining side reads at first only what counting a leg needs (its side, keys
and findings index). The rest of one slice's legs is decoded when one of them
is paired, or when a client leg is among them (it is offered whole). A relay
is named by API and action: the joining side looks it up in its own table, so
workers and the joining process must run the same version (a cluster's must).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Sequence

import msgspec

from ciba_contracts.check.relay import RelayCase
from ciba_contracts.contract.relay import relay_for
from ciba_contracts.exchange import Exchange

__all__ = ["Drained", "Key", "LegHead", "LegRef", "WireLeg", "encode_legs"]

#: What pairs two legs: ``("id", auth_req_id)``, ``("trace", trace id)`` or
#: ``("corr", correlation header value)``.
Key = tuple[str, str]


class WireLeg(msgspec.Struct, frozen=True, array_like=True):
    """One pending leg as it travels. ``order`` is its place among its slice's legs;
    ``at`` how many findings the slice had reported when it arrived, which is where the
    findings of a pair it completes belong."""

    order: int
    authlete: bool
    keys: tuple[Key, ...]
    at: int
    #: An Authlete leg's relay, by the table's API and action, and its ``responseContent``.
    relay: tuple[str, str] | None = None
    content: str | None = None
    #: A client leg, whole: the findings of its pair name its answer.
    client: Exchange | None = None


class _Head(msgspec.Struct, frozen=True, array_like=True, gc=False):
    # The first members of a WireLeg: decoding stops making objects after them. It holds
    # numbers and strings only, so it is left out of the garbage collector's count, and
    # reading thousands of heads does not start collections.
    order: int
    authlete: bool
    keys: tuple[Key, ...]
    at: int


#: What :meth:`Drained.heads` gives of a leg: its order, side, keys and findings index.
LegHead = _Head | WireLeg

_ENCODER = msgspec.msgpack.Encoder()
_HEADS = msgspec.msgpack.Decoder(list[_Head])
_LEGS = msgspec.msgpack.Decoder(list[WireLeg])


#: The first byte of encoded legs: how the rest is written.
_MSGPACK = b"m"
_PICKLE = b"p"


def encode_legs(legs: Iterable[WireLeg]) -> bytes:
    """``legs`` as bytes for :class:`Drained`; no legs, no bytes."""
    listed = list(legs)
    if not listed:
        return b""
    try:
        return _MSGPACK + _ENCODER.encode(listed)
    except (UnicodeEncodeError, OverflowError):
        # A recording can hold what msgpack cannot: a lone surrogate (a JSON escape of
        # half a character) in a URL or header, a status beyond 64 bits. Pickle takes
        # anything; these bytes go only from a run's own workers (its processes, or its
        # cluster's) to the process that joins their slices.
        return _PICKLE + pickle.dumps(listed, protocol=pickle.HIGHEST_PROTOCOL)


class Drained:
    """The legs one pairer handed over: their heads read first, the rest when needed."""

    __slots__ = ("_data", "_legs")

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)[1:]
        self._legs: list[WireLeg] | None = None
        if data[:1] == _PICKLE:
            self._legs = pickle.loads(self._data)

    def heads(self) -> Sequence[LegHead]:
        """Each leg's order, side, keys and findings index (not kept: a pairer keeps the
        keys of the legs it keeps)."""
        if self._legs is not None:
            return self._legs
        return _HEADS.decode(self._data) if self._data else []

    def leg(self, index: int) -> WireLeg:
        """The whole leg at ``index`` (every leg is decoded the first time one is asked for)."""
        if self._legs is None:
            self._legs = _LEGS.decode(self._data)
        return self._legs[index]


class LegRef:
    """A drained Authlete leg, waiting in a pairer until its case is asked for."""

    __slots__ = ("drained", "index")

    def __init__(self, drained: Drained, index: int) -> None:
        self.drained = drained
        self.index = index

    def case(self) -> RelayCase:
        """The leg's case: its relay (the table's own) and ``responseContent``."""
        leg = self.drained.leg(self.index)
        relay = None if leg.relay is None else relay_for(*leg.relay)
        if relay is None:
            raise ValueError(f"a pending Authlete leg names no relay of the table: {leg.relay}")
        return RelayCase(relay, leg.content)
