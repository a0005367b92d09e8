"""Pending relay legs as bytes, for the process that joins the slices of a recording.

A slice of a large recording ends with the relay legs still waiting for a
partner, and the process joining the slices pairs them across slices
(:meth:`~ciba_contracts.check.relay_pairs.RelayPairer.adopt`). A recording of
Authlete calls alone pairs none, so every slice ends with thousands of them
(as many as the limit of pending legs), and handing them over runs once per
slice, in the slice's process and in the joining one while the others read on.
So they travel as columns (:class:`Handover`) in msgspec's msgpack: a slice
writes them out of its pending legs without a step per leg, and the joining
side reads at first only the columns that counting and placing legs needs
(which are client legs, the keys, the findings indexes). The answers and the
client legs are decoded when one leg of the slice is paired or offered whole.
A relay is named by API and action: the joining side looks it up in its own
table, so workers and the joining process must run the same version (a
cluster's must).
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence

import msgspec

from ciba_contracts.check.relay import RelayCase
from ciba_contracts.contract.relay import relay_for
from ciba_contracts.exchange import Exchange

__all__ = [
    "Answer",
    "Drained",
    "Handover",
    "Heads",
    "Key",
    "LegRef",
    "answer_case",
    "encode_handover",
]

#: What pairs two legs: ``id:`` and the auth_req_id, ``trace:`` and the trace id, or
#: ``corr:`` and the correlation header's value. One string (a kind never holds the
#: colon): hashed once, and a slice's thousands hand over and decode four times as fast
#: as pairs.
Key = str
#: An Authlete leg's relay as it travels: the table's API and action, and the answer's
#: ``responseContent``.
Answer = tuple[str, str, str | None]


class Heads(msgspec.Struct, array_like=True):
    """The columns of handed-over legs the join reads first; legs in arrival order.

    ``clients`` lists the places of client legs among them (none in a recording of
    Authlete calls alone), ``keys`` each leg's keys and ``at`` how many findings its
    slice had reported when it arrived, which is where the findings of a pair it
    completes belong.
    """

    clients: Sequence[int]
    keys: Sequence[tuple[Key, ...]]
    at: Sequence[int]


class Handover(Heads, array_like=True):
    """Handed-over legs whole: :class:`Heads`, each Authlete leg's answer (None at a
    client leg's place) and the client legs, whole, in order (their pairs' findings
    name their answers)."""

    answers: Sequence[Answer | None] = ()
    exchanges: Sequence[Exchange] = ()


def answer_case(answer: Answer) -> RelayCase:
    """The case an answer makes: its relay (the table's own) and ``responseContent``."""
    api, action, content = answer
    relay = relay_for(api, action)
    if relay is None:
        raise ValueError(f"a pending Authlete leg names no relay of the table: {api} {action}")
    return RelayCase(relay, content)


_ENCODER = msgspec.msgpack.Encoder()
_HEADS = msgspec.msgpack.Decoder(Heads)
_WHOLE = msgspec.msgpack.Decoder(Handover)


#: The first byte of encoded legs: how the rest is written.
_MSGPACK = b"m"
_PICKLE = b"p"


def encode_handover(legs: Handover) -> bytes:
    """``legs`` as bytes for :class:`Drained`; no legs, no bytes."""
    if not legs.keys:
        return b""
    try:
        return _MSGPACK + _ENCODER.encode(legs)
    except (UnicodeEncodeError, OverflowError):
        # A recording can hold what msgpack cannot: a lone surrogate (a JSON escape of
        # half a character) in a URL or header, a status beyond 64 bits. Pickle takes
        # anything; these bytes go only from a run's own workers (its processes, or its
        # cluster's) to the process that joins their slices.
        return _PICKLE + pickle.dumps(legs, protocol=pickle.HIGHEST_PROTOCOL)


class Drained:
    """The legs one pairer handed over: their heads read first, the rest when needed."""

    __slots__ = ("_client_rank", "_data", "_heads", "_whole")

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)[1:]
        self._heads: Heads | None = None
        self._whole: Handover | None = None
        self._client_rank: dict[int, int] | None = None
        if data[:1] == _PICKLE:
            self._whole = self._heads = pickle.loads(self._data)

    def heads(self) -> Heads:
        """The columns of every leg's place, keys and findings index."""
        if self._heads is None:
            self._heads = _HEADS.decode(self._data) if self._data else Heads((), (), ())
        return self._heads

    def _read(self) -> Handover:
        if self._whole is None:
            self._whole = _WHOLE.decode(self._data)
        return self._whole

    def client(self, index: int) -> Exchange:
        """The client leg at place ``index``, whole."""
        whole = self._read()
        if self._client_rank is None:
            self._client_rank = {place: rank for rank, place in enumerate(whole.clients)}
        return whole.exchanges[self._client_rank[index]]

    def answer(self, index: int) -> Answer:
        """The answer of the Authlete leg at place ``index``."""
        answer = self._read().answers[index]
        if answer is None:
            raise ValueError(f"the handed-over leg at {index} is a client leg")
        return answer

    def case(self, index: int) -> RelayCase:
        """The case of the Authlete leg at place ``index``."""
        return answer_case(self.answer(index))


class LegRef:
    """A drained Authlete leg, waiting in a pairer until its case is asked for."""

    __slots__ = ("drained", "index")

    def __init__(self, drained: Drained, index: int) -> None:
        self.drained = drained
        self.index = index

    def case(self) -> RelayCase:
        """The leg's case: its relay (the table's own) and ``responseContent``."""
        return self.drained.case(self.index)

    def answer(self) -> Answer:
        """The leg's answer as it travels."""
        return self.drained.answer(self.index)
