"""Pairing the two legs of a relay in a recording, with bounded memory.

A recording made between a client, its authorization server (AS) and Authlete
may hold both legs of a relay: the AS's call of Authlete (whose answer holds
``action``) and the AS's answer to its client (a POST to its backchannel
authentication endpoint, told by ``relay_path``). :class:`RelayPairer` sees the
exchanges in recording order and pairs them:

- an ``OK`` answer with the client answer carrying the same ``auth_req_id``;
- otherwise by the trace ID of a W3C ``traceparent`` request header, or by the
  value of a correlation header (``correlate``), on both requests.

A leg it cannot pair is counted, never guessed. Only pending legs are kept, at
most ``limit`` per side, and client legs (kept whole) of at most ``max_bytes``;
beyond that the oldest is dropped and counted as unpaired, so memory stays
bounded whatever the recording's size. A later leg
with a key an earlier pending leg of the same side holds replaces it (the
earlier one is counted unpaired): two candidates are never chosen between.

A slice of a large recording read by another process ends with its pending
legs handed over (:meth:`RelayPairer.drain`, encoded by :mod:`.relay_wire`)
instead of counted; the process joining the slices offers them, in recording
order, to one pairer for the whole file (:meth:`RelayPairer.adopt`), so legs
pair across slices as one read pairs them. Except in one case: a slice pairs
and replaces what it holds before the join offers it the legs before its cut.
So where a key repeats on one side, or a client leg matches two Authlete
answers by different keys, and a cut falls between the legs concerned, the
pair can be made with the other leg; and where more legs wait than are kept, a
slice pairs a leg one read would have dropped first.
"""

from __future__ import annotations

import re

import msgspec

from ciba_contracts.check.relay import RelayChecker, relay_parts
from ciba_contracts.check.relay_arrivals import Arrival, Walk, walk
from ciba_contracts.check.relay_blocks import Blocks
from ciba_contracts.check.relay_keys import client_auth_req_id, id_key, trace_keys
from ciba_contracts.check.relay_side import Leg, Side, answer_of, case_of
from ciba_contracts.check.relay_wire import Answer, Drained, Handover, Key, LegRef, encode_handover
from ciba_contracts.exchange import Exchange
from ciba_contracts.selection import api_of, is_post_to
from ciba_contracts.validate.finding import Finding

__all__ = [
    "DEFAULT_PENDING_BYTES",
    "DEFAULT_PENDING_LIMIT",
    "DEFAULT_RELAY_MARKERS",
    "DEFAULT_RELAY_PATH",
    "RelayCounts",
    "RelayPairer",
]

#: Paths of an AS's backchannel authentication endpoint, when ``--relay-path`` is not given:
#: ``/bc-authorize`` (a common name), ``/backchannel`` and ``/backchannel-authentication``
#: (or ``_auth...``). Authlete's own API paths are recognised first and never taken for it.
DEFAULT_RELAY_PATH = r"/(?:bc-authori[sz]e|backchannel(?:[-_]?auth\w*)?)/?$"
#: Raw bytes one of which every entry a relay needs holds, for readers that turn entries
#: away unparsed: the default client paths as a URL ends them (``"``, a query, a fragment
#: or path parameters after ``/backchannel``, a trailing slash or more between), and the
#: error actions of Authlete's answers (an ``OK`` is an issue call, which ``/issue``
#: already brings). Authentication calls answered ``USER_IDENTIFICATION`` relay nothing
#: and stay unparsed. The ``backchannel`` ones are searched for as one (see
#: :class:`~ciba_contracts.traffic.markers.MarkerSearch`), so their number costs nothing.
DEFAULT_RELAY_MARKERS = (
    b"bc-authori",
    b'backchannel"',
    b"backchannel?",
    b"backchannel#",
    b"backchannel;",
    b'backchannel/"',
    b"backchannel/?",
    b"backchannel/#",
    b"backchannel/;",
    b"backchannel//",
    b"backchannel-auth",
    b"backchannel_auth",
    b"backchannelauth",
    b"BAD_REQUEST",
    b"UNAUTHORIZED",
    b"INTERNAL_SERVER_ERROR",
)
#: Pending legs kept per side before the oldest is dropped (counted unpaired).
DEFAULT_PENDING_LIMIT = 10_000
#: Bytes of pending client legs kept before the oldest is dropped (counted unpaired), as
#: past the limit of legs: a client leg is kept whole, and a recording of an authorization
#: server's own endpoint alone (no Authlete call to pair with) kept 10 000 of them in each
#: process, 350 MB for two processes and their parent on 200 MB. A leg weighs its URL,
#: headers and bodies as recorded, and 1 KiB for the objects holding them.
DEFAULT_PENDING_BYTES = 4 * 1024 * 1024


class RelayCounts(msgspec.Struct):
    """What the pairer did: pairs checked, legs left unpaired on each side."""

    pairs: int = 0
    unpaired_authlete: int = 0
    unpaired_client: int = 0
    dropped: int = 0

    def absorb(self, other: RelayCounts) -> None:
        """Add ``other``'s counts to these."""
        self.pairs += other.pairs
        self.unpaired_authlete += other.unpaired_authlete
        self.unpaired_client += other.unpaired_client
        self.dropped += other.dropped

    def describe(self, source: str) -> str | None:
        """A summary note, or None when the recording held no relay leg."""
        unpaired = self.unpaired_authlete + self.unpaired_client
        if not self.pairs and not unpaired:
            return None
        note = (
            f"relay in {source}: {self.pairs} pair(s) checked, {unpaired} leg(s) unpaired "
            f"({self.unpaired_authlete} Authlete answer(s), {self.unpaired_client} client "
            "answer(s))"
        )
        if self.dropped:
            note += f"; {self.dropped} dropped past the limit of pending legs"
        return note


class RelayPairer:
    """Pairs relay legs of one recording and checks each pair with the relay checker."""

    def __init__(
        self,
        checker: RelayChecker,
        relay_path: str | None = None,
        correlate: str | None = None,
        limit: int = DEFAULT_PENDING_LIMIT,
        max_bytes: int = DEFAULT_PENDING_BYTES,
    ) -> None:
        self.checker = checker
        self.path = re.compile(relay_path or DEFAULT_RELAY_PATH)
        self.correlate = correlate
        self.limit = limit
        self.max_bytes = max_bytes
        self.counts = RelayCounts()
        self._authlete = Side()
        self._client = Side()
        self._next_id = 0
        # Drained Authlete legs adopted while no client leg waited: they can pair with
        # none yet, so they are placed among the pending legs together, when a client
        # leg comes, the legs are handed over or counted, or there are too many. (A
        # slice's own legs are not deferred: each would keep its case, content
        # included, alive beside the pending ones, 4-7 MB more per process for a
        # saving of about 1 % of the slice's time.)
        self._arrivals: list[Arrival] = []
        # Slices' legs, when none of their keys repeats, are not even walked: they are
        # kept as they came (see :class:`~.relay_blocks.Blocks`). Never both at once.
        self._blocks = Blocks()
        self._deferring = True
        #: Whether legs were adopted (some may wait as references, not answers).
        self._adopted = False

    def is_leg(self, method: str, url: str) -> bool:
        """Whether an exchange may be a relay leg (an Authlete call, or the AS's endpoint)."""
        if api_of(method, url) is not None:
            return True
        return is_post_to(method, url, self.path)

    def feed(
        self,
        exchange: Exchange,
        authlete: bool | None = None,
        at: int = 0,
        api: str | None = None,
    ) -> list[tuple[Exchange, list[Finding]]]:
        """Take one exchange; the ``(client leg, findings)`` of a pair it completes, if any.

        ``authlete`` says the exchange is a call of Authlete (an issue call under a
        gateway path of ``--path-pattern``); by default its URL tells. ``at`` is
        kept with a pending leg for :meth:`drain`. ``api`` is what
        :func:`~ciba_contracts.selection.api_of` says of the exchange's URL, when
        the caller knows it already.
        """
        if authlete is None:
            authlete = api_of(exchange.method, exchange.url) is not None
        if authlete:
            return self._authlete_leg(exchange, at, api)
        if self.is_leg(exchange.method, exchange.url):
            keys = trace_keys(exchange, self.correlate)
            auth_req_id = client_auth_req_id(exchange.body)
            if auth_req_id is not None:
                keys = (id_key(auth_req_id), *keys)
            if self._adopted and (self._arrivals or self._blocks):
                self._place()
            return self._arrive(exchange, keys, None, self._client, self._authlete, at)
        return []

    def _authlete_leg(
        self, exchange: Exchange, at: int, api: str | None
    ) -> list[tuple[Exchange, list[Finding]]]:
        """:meth:`feed` of an Authlete call."""
        parts = relay_parts(exchange, api)
        if isinstance(parts, str):
            return []  # nothing to relay (no action)
        relay, content, auth_req_id = parts
        if relay.status is None:
            return []  # answers no client (USER_IDENTIFICATION): see Relay.answers_client
        keys = trace_keys(exchange, self.correlate)
        if relay.action == "OK" and isinstance(auth_req_id, str):
            keys = (id_key(auth_req_id), *keys)
        # A pending Authlete leg is judged by its case and reported at its client leg:
        # it keeps its keys and answer only (the case is made of it when it pairs, and it
        # is handed over as it is), not even its place. A recording of Authlete calls
        # alone keeps thousands waiting, in every slice of it: keeping whole exchanges
        # made a dense recording's check about a fifth slower, and their places cost two
        # processes 15 MB each and the time to hand them over.
        answer = (relay.api, relay.action, content)
        # Only adopted legs are deferred (one test for every leg of a recording).
        if self._adopted and (self._arrivals or self._blocks):
            self._place()
        return self._arrive(None, keys, answer, self._authlete, self._client, at)

    def drain(self) -> bytes:
        """Hand over the pending legs, encoded for another process's :meth:`adopt`, in
        arrival order and without counting them. The pairer is done then: it takes no
        more legs, and keeps those it handed over until it goes (thousands of them take
        milliseconds to free, which a worker does after it has handed its slice over).

        An Authlete leg comes as its keys and case (see :meth:`feed`).
        """
        rest = self._place(keep=False)
        mine, theirs = self._authlete, self._client
        clients = theirs.legs
        if clients or rest:
            # Each side waits in arrival order; ids are unique, so only they are compared.
            items = sorted([*mine.legs.items(), *rest, *clients.items()])
            legs = [leg for _, leg in items]
        else:
            legs = list(mine.legs.values())
        if not legs:
            return b""
        exchanges, keys, cases, at = zip(*legs, strict=True)
        # A slice's Authlete legs wait as they travel; a join's may be references.
        answers = [answer_of(case) for case in cases] if self._adopted else cases
        places: list[int] = []
        whole: list[Exchange] = []
        if clients:
            places = [place for place, exchange in enumerate(exchanges) if exchange is not None]
            whole = [exchange for exchange in exchanges if exchange is not None]
        return encode_handover(Handover(places, keys, at, answers, whole))

    def take_counts(self) -> RelayCounts:
        """This slice's counts, reported with it; this pairer's start again from zero.

        So a slice's pairer can go on as the join's with the legs still waiting (none
        pairs with another: they would have paired in the slice) without counting the
        slice twice."""
        counts, self.counts = self.counts, RelayCounts()
        return counts

    def adopt(
        self, drained: bytes, entries: int = 0, lines: int = 0
    ) -> list[tuple[int, Exchange, list[Finding]]]:
        """Take the legs another pairer drained, in their order, as if they arrived now.

        A client leg's place is counted from ``entries`` entries and ``lines`` lines
        earlier (where its slice began in the whole recording; findings are moved so
        too, by :func:`ciba_contracts.report.model.moved`). Returns the findings index
        kept with the arriving leg, the client leg and the findings of each pair
        completed. The drained legs are decoded whole only when one is paired or a
        client leg is among them (see :mod:`.relay_wire`).
        """
        legs = Drained(drained)
        heads = legs.heads()
        if not heads.keys:
            return []
        self._adopted = True
        waiting = not self._client.index and self._deferring
        if waiting and not heads.clients and not self._arrivals:
            done = self._blocks.take(legs, self._authlete, self.limit)
            if done is not None:
                replaced, dropped = done
                self.counts.unpaired_authlete += replaced + dropped
                self.counts.dropped += dropped
                return []
        if self._blocks:
            self._unblock()
        clients = frozenset(heads.clients)
        out: list[tuple[int, Exchange, list[Finding]]] = []
        arrivals = self._arrivals
        for index, (keys, at) in enumerate(zip(heads.keys, heads.at, strict=True)):
            authlete = index not in clients
            if authlete and self._deferring and not self._client.index:
                if keys:
                    arrivals.append((keys, legs, index, at))
                else:
                    self.counts.unpaired_authlete += 1  # nothing can pair it, ever
                continue
            if arrivals:
                self._place()
                arrivals = self._arrivals
            pairs = self._take(legs, index, authlete, keys, at, entries, lines)
            out.extend((at, client, found) for client, found in pairs)
        if len(arrivals) > 2 * self.limit:
            self._place()  # memory stays bounded: a slice hands over at most the limit
        return out

    def _take(
        self,
        legs: Drained,
        index: int,
        authlete: bool,
        keys: tuple[Key, ...],
        at: int,
        entries: int,
        lines: int,
    ) -> list[tuple[Exchange, list[Finding]]]:
        """Offer the drained leg at ``index`` as it arrives now."""
        if authlete:
            return self._arrive(None, keys, LegRef(legs, index), self._authlete, self._client, at)
        client = legs.client(index)
        if entries or lines:
            place = client.location.moved(entries, lines)
            client = msgspec.structs.replace(client, location=place)
        return self._arrive(client, keys, None, self._client, self._authlete, at)

    def _unblock(self) -> None:
        """Turn the blocks' waiting legs into deferred arrivals (there are none yet)."""
        assert not self._arrivals, "blocks are kept only while no arrival is deferred"
        self._arrivals = list(self._blocks.arrivals())

    def _place(self, keep: bool = True) -> list[tuple[int, Leg]]:
        """Place the deferred Authlete legs among the pending ones as :meth:`_arrive` would
        have, one by one (see :mod:`.relay_arrivals`); the legs still waiting are indexed,
        or, unless ``keep``, returned with their ids instead (to be handed over)."""
        if self._blocks:
            self._unblock()
        arrivals = self._arrivals
        if not arrivals:
            return []
        self._arrivals = []
        mine = self._authlete
        legs = mine.legs
        first_id = self._next_id
        self._next_id += len(arrivals)
        done = walk(arrivals, legs, len(legs), mine.index, self.limit)
        self._count_walk(done)
        if done.older_dropped + len(done.older_taken) == len(legs):
            mine.clear()
        else:
            for leg_id in done.older_taken:
                mine.remove(leg_id)
            mine.drop_oldest(done.older_dropped)
        rest: list[tuple[int, Leg]] = []
        for number in done.waiting(len(arrivals)):
            keys, legs_in, at_index, at = arrivals[number]
            rest.append((first_id + number, (None, keys, LegRef(legs_in, at_index), at)))
        if not keep:
            return rest
        mine.extend(rest)  # the walk took out every leg holding one of their keys
        return []

    def _count_walk(self, done: Walk) -> None:
        self.counts.unpaired_authlete += done.replaced + done.dropped
        self.counts.dropped += done.dropped

    def finish(self) -> RelayCounts:
        """Count the legs still pending as unpaired; return the counts."""
        legs = self._authlete.legs
        waiting = len(legs)
        if self._arrivals:
            # Every leg is counted now: only how many still wait matters.
            done = walk(self._arrivals, legs, waiting, self._authlete.index, self.limit)
            self._count_walk(done)
            waiting = done.live
            self._arrivals = []
        waiting += self._blocks.live
        self._blocks = Blocks()
        self.counts.unpaired_authlete += waiting
        self.counts.unpaired_client += len(self._client.legs)
        self._authlete = Side()
        self._client = Side()
        return self.counts

    def _arrive(
        self,
        exchange: Exchange | None,
        keys: tuple[Key, ...],
        case: Answer | LegRef | None,
        mine: Side,
        theirs: Side,
        at: int = 0,
    ) -> list[tuple[Exchange, list[Finding]]]:
        if not keys:
            self._count_unpaired(mine)
            return []
        waiting = theirs.index
        # Nothing waits on the other side in a recording of Authlete calls alone.
        if waiting:
            for key in keys:
                other_id = waiting.get(key)
                if other_id is None:
                    continue
                other, _, other_case, _ = theirs.remove(other_id)
                # One of the two is a client leg, kept whole: the pair is reported there.
                client = other if case is not None else exchange
                authlete_case = case_of(case if case is not None else other_case)
                assert isinstance(client, Exchange)
                assert authlete_case is not None
                self.counts.pairs += 1
                return [(client, self.checker.check(authlete_case, client))]
        leg_id = self._next_id
        self._next_id = leg_id + 1
        replaced, dropped = mine.keep(
            leg_id, (exchange, keys, case, at), self.limit, self.max_bytes
        )
        if replaced or dropped:
            self._count_unpaired(mine, replaced + dropped)
            self.counts.dropped += dropped
        return []

    def _count_unpaired(self, side: Side, legs: int = 1) -> None:
        if side is self._authlete:
            self.counts.unpaired_authlete += legs
        else:
            self.counts.unpaired_client += legs
