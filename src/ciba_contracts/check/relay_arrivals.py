"""Placing drained Authlete legs adopted while no client leg waited, all at once.

The process joining the slices of a recording of Authlete calls alone adopts
thousands of waiting answers from each slice, and a client leg never comes:
one by one, each was indexed, then dropped past the limit of pending legs by
the next slice's. Such legs can pair with nothing as they arrive, so
:meth:`~ciba_contracts.check.relay_pairs.RelayPairer.adopt` defers them and
:func:`walk` works out, in one pass, what taking them one by one would have
done: which pending leg each replaces (one holding one of its keys), which are
dropped past the limit (the oldest first, legs pending before them first), and
which still wait at the end. Only those are then indexed, if at all.

Most often not even that is needed (see :mod:`.relay_blocks`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from ciba_contracts.check.relay_wire import Drained, Key

__all__ = ["Arrival", "Walk", "walk"]

#: A drained Authlete leg to place among the pending ones: its keys, the drained legs it
#: is among, its index there, its findings index.
Arrival = tuple[tuple[Key, ...], Drained, int, int]


class Walk(NamedTuple):
    """What taking the deferred legs one by one would have done."""

    #: Legs pending at the end, those pending before included.
    live: int
    #: Legs replaced by a later one holding one of their keys (counted unpaired).
    replaced: int
    #: Legs dropped past the limit (counted unpaired and dropped).
    dropped: int
    #: Of the legs pending before: how many were dropped (the oldest), and which replaced.
    older_dropped: int
    older_taken: set[int]
    #: Of the deferred legs: the first that may still wait, and which were replaced.
    front: int
    arrivals_taken: set[int]

    def waiting(self, count: int) -> Iterable[int]:
        """The numbers of the deferred legs (of ``count``) still waiting at the end."""
        taken = self.arrivals_taken
        return (number for number in range(self.front, count) if number not in taken)


def walk(
    arrivals: Sequence[Arrival],
    pending: Iterable[int],
    pending_count: int,
    index: Mapping[Key, int],
    limit: int,
) -> Walk:
    """Take ``arrivals`` (each with its keys first, none without one) as one by one.

    ``pending`` gives the ids of the legs pending before them, oldest first and
    rising, ``pending_count`` how many there are, and ``index`` the pending leg
    holding each key. Nothing is changed: the caller removes and indexes.
    """
    live = pending_count
    older = iter(pending)
    # Past the limit the legs pending before go first, in their order: those up to
    # ``dropped_id`` are gone, and so are those ``older_taken`` (replaced).
    dropped_id = -1
    older_dropped = 0
    older_taken: set[int] = set()
    front = 0  # the oldest arrival not dropped, or one replaced
    arrivals_taken: set[int] = set()
    holder: dict[Key, int] = {}  # the last arrival to hold a key
    replaced = dropped = 0
    for number, arrival in enumerate(arrivals):
        for key in arrival[0]:
            earlier = holder.get(key)
            if earlier is None:
                # No arrival held it: a leg pending before them may.
                waiting = index.get(key) if index else None
                if waiting is not None and waiting > dropped_id and waiting not in older_taken:
                    older_taken.add(waiting)
                    live -= 1
                    replaced += 1
            elif earlier >= front and earlier not in arrivals_taken:
                arrivals_taken.add(earlier)
                live -= 1
                replaced += 1
            holder[key] = number
        if live < limit:
            live += 1
            continue
        # Past the limit: the oldest goes, a leg pending before them first.
        dropped += 1
        for leg_id in older:
            if leg_id not in older_taken:
                dropped_id = leg_id
                older_dropped += 1
                break
        else:
            while front in arrivals_taken:
                front += 1
            front += 1
    return Walk(live, replaced, dropped, older_dropped, older_taken, front, arrivals_taken)
