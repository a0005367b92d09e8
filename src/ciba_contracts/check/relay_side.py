"""The relay legs a pairer keeps waiting, one side of it (Authlete's or the clients').

A client leg waits whole; an Authlete leg as its keys and case (see
:meth:`~ciba_contracts.check.relay_pairs.RelayPairer.feed`), or as a reference
into legs another pairer handed over (:class:`~.relay_wire.LegRef`).
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Iterable

import msgspec

from ciba_contracts.check.relay import RelayCase
from ciba_contracts.check.relay_wire import Answer, Key, LegRef, answer_case
from ciba_contracts.exchange import Exchange

__all__ = ["LEG_OVERHEAD", "Leg", "Side", "answer_of", "case_of"]

#: What a pending client leg weighs beside its recorded bytes: the objects holding them.
LEG_OVERHEAD = 1024

#: A pending leg: a client leg's exchange (None for an Authlete leg: a pair is reported
#: at its client leg), its keys, an Authlete leg's answer (or where another pairer's
#: legs hold it), its findings index.
Leg = tuple[Exchange | None, tuple[Key, ...], Answer | LegRef | None, int]


class Side(msgspec.Struct):
    """The legs waiting on one side, oldest first, and the leg holding each key."""

    legs: OrderedDict[int, Leg] = msgspec.field(default_factory=OrderedDict)
    index: dict[Key, int] = msgspec.field(default_factory=dict)
    #: What the pending client legs weigh (:func:`_weight`), in all and each; nothing on
    #: the Authlete side. The pairer drops the oldest past its budget.
    size: int = 0
    weights: dict[int, int] = msgspec.field(default_factory=dict)

    def keep(self, leg_id: int, leg: Leg, limit: int, max_bytes: int) -> tuple[int, int]:
        """Keep ``leg`` as the newest, each of its keys naming it: a pending leg holding one
        is replaced, and past ``limit`` legs or ``max_bytes`` (client legs only weigh)
        the oldest are dropped, one at least kept. Returns how many legs were replaced and
        how many dropped.

        Every leg of a recording of Authlete calls alone is kept so, and drops another.
        """
        legs = self.legs
        index = self.index
        replaced = 0
        for key in leg[1]:
            earlier = index.get(key)
            if earlier is not None and earlier in legs:
                self.remove(earlier)
                replaced += 1
            index[key] = leg_id
        legs[leg_id] = leg
        if leg[0] is not None:
            self._weigh(leg_id, leg[0])
        dropped = 0
        while len(legs) > limit or (self.size > max_bytes and len(legs) > 1):
            self._unindex(*legs.popitem(last=False))
            dropped += 1
        return replaced, dropped

    def remove(self, leg_id: int) -> Leg:
        """Take the leg ``leg_id`` out (paired or replaced)."""
        leg = self.legs.pop(leg_id)
        self._unindex(leg_id, leg)
        return leg

    def drop_oldest(self, count: int = 1) -> None:
        """Remove the ``count`` legs that have waited longest."""
        legs = self.legs
        if count >= len(legs):
            self.clear()
        elif 2 * count > len(legs):
            # Most of them (a slice's legs joined after the first slice's, past the
            # limit): the few left are kept again, each of their keys naming them only.
            kept = list(itertools.islice(legs.items(), count, None))
            self.clear()
            self.extend(kept)
        else:
            for _ in range(count):
                self._unindex(*legs.popitem(last=False))

    def extend(self, items: Iterable[tuple[int, Leg]]) -> None:
        """Keep ``items`` (id and leg) as the newest, in order: legs that replace none
        (no two of them, nor one of them and one waiting, hold a key alike)."""
        legs = self.legs
        index = self.index
        for leg_id, leg in items:
            legs[leg_id] = leg
            for key in leg[1]:
                index[key] = leg_id
            if leg[0] is not None:
                self._weigh(leg_id, leg[0])

    def clear(self) -> None:
        """Remove every leg."""
        self.legs.clear()
        self.index.clear()
        self.weights.clear()
        self.size = 0

    def _weigh(self, leg_id: int, exchange: Exchange) -> None:
        weight = _weight(exchange)
        self.weights[leg_id] = weight
        self.size += weight

    def _unindex(self, leg_id: int, leg: Leg) -> None:
        index = self.index
        for key in leg[1]:
            if index.get(key) == leg_id:
                del index[key]
        if leg[0] is not None:
            self.size -= self.weights.pop(leg_id)


def _weight(exchange: Exchange) -> int:
    """What a pending client leg weighs against the pairer's budget of bytes."""
    size = LEG_OVERHEAD + len(exchange.url)
    size += len(exchange.body or b"") + len(exchange.request_body or b"")
    for name, value in exchange.request_headers:
        size += len(name) + len(value)
    for name, value in exchange.response_headers:
        size += len(name) + len(value)
    return size


def case_of(answer: Answer | LegRef | None) -> RelayCase | None:
    """A pending leg's case, made now: a client leg's None."""
    if answer is None:
        return None
    if isinstance(answer, LegRef):
        return answer.case()
    return answer_case(answer)


def answer_of(answer: Answer | LegRef | None) -> Answer | None:
    """A pending leg's answer as it is handed over: a client leg's None."""
    return answer.answer() if isinstance(answer, LegRef) else answer
