"""Slices' handed-over Authlete legs taken whole, in columns, by the join.

The process joining the slices of a recording of Authlete calls alone adopts
up to the limit of pending legs from every slice, and a client leg never
comes. A slice's legs never share a key (a later leg replaces an earlier one
holding one of its keys before the slice hands them over), so taking them one
by one does little: a leg whose key a leg still waiting holds replaces it
(counted unpaired), and past the limit the oldest is dropped (counted
dropped). :class:`Blocks` does the same with the slice's columns as they came:
the keys shared with waiting legs are found with set operations, and only
those legs are stepped to. No leg is indexed or visited otherwise.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterator, Sequence

from ciba_contracts.check.relay_arrivals import Arrival
from ciba_contracts.check.relay_side import Side
from ciba_contracts.check.relay_wire import Drained, Key

__all__ = ["Blocks"]


class _Block:
    """One slice's handed-over Authlete legs; those from ``front`` on, but ``gone``, wait."""

    __slots__ = ("at", "drained", "front", "gone", "holder", "keys")

    def __init__(
        self,
        drained: Drained,
        keys: Sequence[tuple[Key, ...]],
        at: Sequence[int],
        holder: dict[Key, int],
    ) -> None:
        self.drained = drained
        self.keys = keys
        self.at = at
        #: The place of the leg holding each key (legs since dropped or replaced included).
        self.holder = holder
        self.front = 0
        #: Places past ``front`` of legs replaced by a later one.
        self.gone: set[int] = set()

    def waits(self, place: int) -> bool:
        return place >= self.front and place not in self.gone

    @property
    def empty(self) -> bool:
        """Whether none of its legs waits any more."""
        return self.front + len(self.gone) >= len(self.keys)


#: Where a key an arriving leg holds was held: a leg indexed before the blocks (None, its
#: id) or a block's (the block, the place).
_Met = tuple[_Block | None, int]


class Blocks:
    """Slices' handed-over Authlete legs, taken whole while no client leg waits, oldest
    first, after the legs the pairer indexed before them (its Authlete side)."""

    __slots__ = ("_blocks", "live")

    def __init__(self) -> None:
        self._blocks: deque[_Block] = deque()
        #: How many of the blocks' legs still wait.
        self.live = 0

    def __bool__(self) -> bool:
        return bool(self._blocks)

    def take(self, drained: Drained, older: Side, limit: int) -> tuple[int, int] | None:
        """Take the legs of ``drained`` (Authlete legs all) as one by one: how many legs
        were replaced and how many dropped past ``limit``; None, taking nothing, when they
        must be taken one by one (a leg with no key, or a key two of them hold)."""
        heads = drained.heads()
        keys = heads.keys
        if () in keys:
            return None
        flat = list(itertools.chain.from_iterable(keys))
        if len(flat) == len(keys):
            places: Sequence[int] = range(len(keys))
        else:
            places = [place for place, held in enumerate(keys) for _ in held]
        holder = dict(zip(flat, places, strict=True))
        if len(holder) != len(flat):
            return None
        meets: dict[int, list[_Met]] = {}
        index = older.index
        for key in index.keys() & holder.keys():
            meets.setdefault(holder[key], []).append((None, index[key]))
        for block in self._blocks:
            for key in block.holder.keys() & holder.keys():
                meets.setdefault(holder[key], []).append((block, block.holder[key]))
        self._blocks.append(_Block(drained, keys, heads.at, holder))
        replaced = dropped = 0
        arrived = 0
        emptied = False
        # Between two legs that meet a waiting one, legs only arrive; at such a leg, what
        # it meets is replaced if it still waits (it may have been dropped since).
        for place in sorted(meets):
            dropped += self._arrive(older, place - arrived, limit)
            for owner, spot in meets[place]:
                if owner is None:
                    if spot in older.legs:
                        older.remove(spot)
                        replaced += 1
                elif owner.waits(spot):
                    owner.gone.add(spot)
                    self.live -= 1
                    replaced += 1
                    emptied = emptied or owner.empty
            dropped += self._arrive(older, 1, limit)
            arrived = place + 1
        dropped += self._arrive(older, len(keys) - arrived, limit)
        if emptied:
            # A block none of whose legs waits any more is let go at once, wherever it is:
            # slices that each replace the last one's legs would otherwise pile up.
            self._blocks = deque(block for block in self._blocks if not block.empty)
        return replaced, dropped

    def _arrive(self, older: Side, count: int, limit: int) -> int:
        """``count`` legs arrive: how many of the oldest are dropped past ``limit``."""
        self.live += count
        excess = len(older.legs) + self.live - limit
        if excess <= 0:
            return 0
        first = min(excess, len(older.legs))
        older.drop_oldest(first)
        self._drop(excess - first)
        return excess

    def _drop(self, count: int) -> None:
        """Drop the ``count`` oldest waiting legs of the blocks."""
        self.live -= count
        blocks = self._blocks
        while count:
            block = blocks[0]
            end = len(block.keys)
            while count and block.front < end:
                # Legs replaced are stepped over: they wait no more, so are not dropped.
                upto = min(block.gone) if block.gone else end
                run = min(count, upto - block.front)
                block.front += run
                count -= run
                if block.front == upto < end:
                    block.gone.discard(upto)
                    block.front += 1
            if block.front >= end:
                blocks.popleft()

    def arrivals(self) -> Iterator[Arrival]:
        """Each waiting leg, oldest first, as an arrival to place (see
        :func:`~.relay_arrivals.walk`); the blocks are emptied."""
        blocks, self._blocks, self.live = self._blocks, deque(), 0
        for block in blocks:
            drained, keys, at, gone = block.drained, block.keys, block.at, block.gone
            for place in range(block.front, len(keys)):
                if place not in gone:
                    yield keys[place], drained, place, at[place]
