"""Finding the text an element may be wanted for in its raw bytes, escapes included.

A reader turns away most entries of a large recording without parsing them:
one that holds none of the caller's markers (``/issue``) in its raw text
cannot be wanted. JSON may write any character of a string as an escape,
though (``\\/``, ``\\u0069``), and a URL so written must still be found. An
escape of a character a marker holds is ``\\u00`` and two hex digits, the
first 0-7 (every marker is ASCII), or ``\\/`` for a slash; searching for those
as well costs one more pass over the bytes, which is why every pass here is
one SIMD search or count (stringzilla; ``bytes.find`` is about ten times slower).
Only an element holding such an escape is looked at closer: around each of
its escapes, escapes of ASCII characters are undone and the markers searched
again. That can find a marker that is not there (an escaped backslash before
``u0069``), which costs a parse and nothing else; it cannot miss one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from heapq import heappop, heappush

from ciba_contracts.traffic.streambuffer import count_bytes, find_bytes

#: The escape of a character below U+0080, and the escaped slash.
_ASCII_ESCAPE = re.compile(rb"\\(?:u00([0-7][0-9a-fA-F])|/)")
#: The longest raw spelling of one character of a marker (``\u0069``).
_LONGEST_SPELLING = 6
#: What follows ``\u00`` in the escape of an ASCII character.
_ASCII_HIGH_DIGITS = frozenset(b"01234567")
#: Markers sharing a stem at least this long are searched for as one: the stem, each hit
#: of it tested against what the markers have after it (see :meth:`MarkerSearch._stem_hit`).
_STEM_MIN = 6
_STEM_GROUP_MIN = 3


def escape_markers(markers: Sequence[bytes]) -> tuple[bytes, ...]:
    """What an element holding one of ``markers`` written with escapes holds in its raw text.

    ``\\u00`` starts any escaped ASCII character; ``\\/`` is needed only for a
    marker with a slash after its first byte (``\\/issue`` holds ``/issue``).
    """
    if not markers:
        return ()
    if any(b"/" in marker[1:] for marker in markers):
        return (b"\\u00", b"\\/")
    return (b"\\u00",)


def holds_escaped(raw: bytes, markers: Sequence[bytes]) -> bool:
    """Whether ``raw`` holds one of ``markers`` once its escapes of ASCII characters are undone."""
    plain = _ASCII_ESCAPE.sub(_unescape, raw)
    return any(marker in plain for marker in markers)


def _unescape(match: re.Match[bytes]) -> bytes:
    code = match.group(1)
    return b"/" if code is None else bytes([int(code, 16)])


class MarkerSearch:
    """The next occurrence of each marker, and of each escape that may spell one, in a buffer.

    Positions given and returned are in the caller's buffer, whose first byte
    sits at absolute offset ``base``, and must not go backwards; each needle's
    search goes on from where it stopped, so no byte is searched twice by it
    while the buffer slides on.
    """

    def __init__(self, markers: Sequence[bytes]) -> None:
        self.markers = tuple(markers)
        distinct = tuple(dict.fromkeys(self.markers))
        stem, stemmed = _stem_group(distinct)
        # What is searched for: the markers of no stem, the stem, then the escapes (from
        # index ``_plain`` on). The stem's markers need no escaped slash searched for: the
        # test of what follows the stem reads one (``backchannel\\/"``).
        plain = tuple(m for i, m in enumerate(distinct) if i not in stemmed)
        if stem:
            plain += (stem,)
        self._escapes = escape_markers(plain) if self.markers else ()
        self._needles = plain + self._escapes
        self._plain = len(plain)
        self._stem = stem
        self._stem_index = len(plain) - 1 if stem else -1
        ends = tuple(sorted({distinct[i][len(stem) :] for i in stemmed}))
        self._follows = _follower_test(stem, ends)
        # The most raw bytes a stem's marker spans (a slash may be written ``\\/``).
        self._stem_reach = max((2 * len(distinct[i]) for i in stemmed), default=0)
        self._starts = _raw_starts(ends)
        # The stem and the two bytes after it where it was first no marker (Authlete's
        # ``backchannel/a``), and how much had been read when counting it told nothing.
        self._usual = b""
        self._usual_read = -1
        # Per needle: the absolute offset its search goes on from.
        self._resume = [0] * len(self._needles)
        self._reach = _LONGEST_SPELLING * max((len(m) for m in self.markers), default=0)
        # The needles with a hit in what has been read, by its absolute offset (a heap of
        # (offset, index)), and those with none; each needle is in one of the two. first()
        # searches again only the needles whose hit it passed, and the idle ones once more
        # has been read (``_heap_read``: how much had been, when they were last searched).
        self._heap: list[tuple[int, int]] = []
        self._idle = list(range(len(self._needles)))
        self._heap_read = -1

    def _hit(self, index: int, data: bytes, base: int, pos: int) -> int:
        """Absolute offset of the needle's first hit at or after ``pos``, -1 if none is read.

        An escape counts only where it may spell a marker: the escape of an ASCII
        character, with a marker spelt within reach of it (or bytes within reach
        not read yet). So a recording full of escaped characters (``\\u003c`` in
        HTML bodies) is still skipped in runs.
        """
        needle = self._needles[index]
        start = max(pos, self._resume[index] - base)
        escape = index >= self._plain
        if index == self._stem_index:
            at = self._stem_hit(data, base, start)
        else:
            while True:
                at = find_bytes(data, needle, start)
                if at >= 0 and escape and not self._may_spell(data, at):
                    start = at + 1
                    continue
                break
        if at >= 0:
            self._resume[index] = base + at + 1
            return base + at
        # Not in what has been read: go on from where one could still begin.
        self._resume[index] = base + max(start, len(data) - len(needle) + 1)
        return -1

    def _stem_hit(self, data: bytes, base: int, start: int) -> int:
        """Offset in ``data`` of the first of the stem's markers at or after ``start``, or of
        a stem too near the end of what is read to tell; -1 if none is read.

        One search stands for all the stem's markers, each hit tested against what
        follows it. Recordings hold ``backchannel`` mostly in Authlete's URLs
        (``/backchannel/authentication``), which no client path of a relay goes on
        like: where every stem from ``start`` on goes on as the first that was no
        marker did, two counts tell there is none, without a test per hit.
        """
        stem = self._stem
        end = len(data)
        usual = self._usual
        if usual and self._usual_read != base + end:
            if count_bytes(data, usual, start, end, True) == count_bytes(
                data, stem, start, end, True
            ):
                return -1
            self._usual_read = base + end  # not again until more is read
        follows = self._follows
        size = end - self._stem_reach
        while True:
            at: int = find_bytes(data, stem, start)
            if at < 0 or at > size:
                return at
            # The usual follower (one byte comparison) settles most hits without the test.
            if not usual or not data.startswith(usual, at):
                if follows(data, at) is not None:
                    return at
                if not usual:
                    after = data[at + len(stem) : at + len(stem) + 2]
                    if not any(
                        raw.startswith(after) or after.startswith(raw) for raw in self._starts
                    ):
                        self._usual = usual = stem + after
            start = at + 1

    def first(self, data: bytes, base: int, pos: int) -> int | None:
        """Position of the first occurrence of any marker or escape at or after ``pos``."""
        here = base + pos
        read = base + len(data)
        heap = self._heap
        if read != self._heap_read:
            # More has been read: a needle with no hit so far may have one in it.
            self._heap_read = read
            resume = self._resume
            needles = self._needles
            idle = []
            for index in self._idle:
                # (Unless nothing read since its last search could hold it.)
                if resume[index] <= read - len(needles[index]):
                    at = self._hit(index, data, base, pos)
                    if at >= 0:
                        heappush(heap, (at, index))
                        continue
                idle.append(index)
            self._idle = idle
        # Only the needles whose next hit was passed are searched again.
        while heap and heap[0][0] < here:
            index = heappop(heap)[1]
            at = self._hit(index, data, base, pos)
            if at >= 0:
                heappush(heap, (at, index))
            else:
                self._idle.append(index)
        return heap[0][0] - base if heap else None

    def within(self, data: bytes, base: int, pos: int, end: int) -> bool:
        """Whether ``data[pos:end]`` holds a marker, as it is or written with escapes."""
        # Every marker and every escape that can spell one starts at a hit: none before
        # ``end``, no marker (the usual answer for an element read alone).
        first = self.first(data, base, pos)
        if first is None or first >= end:
            return False
        # After first(), each needle with a hit in what is read waits in the heap at its
        # first hit from ``pos`` on; the others have none.
        for found, index in self._heap:
            at = found - base
            if at >= end:
                continue
            needle = self._needles[index]
            if index == self._stem_index:
                while 0 <= at < end:
                    match = self._follows(data, at, end)
                    # A marker as it is, or one with an escaped slash whose first byte is no
                    # escape's last (``\u006backchannel\/"`` reads ``kackchannel/"``).
                    if match is not None and (
                        data.find(b"\\", at, match.end()) < 0 or not _in_escape(data, at, pos)
                    ):
                        return True
                    at = find_bytes(data, needle, at + 1, end)
                continue
            if index < self._plain:
                if at + len(needle) <= end:
                    return True
                continue
            while 0 <= at < end:
                # A marker spelt with this escape lies within reach of it on either side.
                window = data[max(pos, at - self._reach) : min(end, at + self._reach)]
                if holds_escaped(window, self.markers):
                    return True
                at = find_bytes(data, needle, at + 1, end)
        return False

    def _may_spell(self, data: bytes, at: int) -> bool:
        """Whether the escape at ``at`` may be part of a marker spelt with escapes."""
        if at + self._reach > len(data):
            return True  # what follows is not read yet
        if data[at + 1] == 117 and data[at + 4] not in _ASCII_HIGH_DIGITS:  # "u"
            return False  # a character beyond ASCII
        return holds_escaped(data[max(0, at - self._reach) : at + self._reach], self.markers)


def _in_escape(data: bytes, at: int, start: int) -> bool:
    """Whether the byte at ``at`` ends the escape of an ASCII character (``\\u006b``)
    starting at or after ``start``: undoing escapes, it is no character of its own."""
    return at - 5 >= start and _ASCII_ESCAPE.fullmatch(data, at - 5, at + 1) is not None


@functools.lru_cache(maxsize=32)
def _stem_group(markers: tuple[bytes, ...]) -> tuple[bytes, frozenset[int]]:
    """The stem that the most markers start with (the longest such stem; none of them the
    stem alone), and their indexes; ``(b"", frozenset())`` when fewer than three share one.

    Kept per marker set: every input read makes a search (0.1 ms to work this out), and
    a run has one or two sets."""
    best = b""
    group: frozenset[int] = frozenset()
    for marker in markers:
        for size in range(_STEM_MIN, len(marker)):
            stem = marker[:size]
            members = frozenset(
                i for i, other in enumerate(markers) if other.startswith(stem) and len(other) > size
            )
            if len(members) < max(_STEM_GROUP_MIN, len(group)):
                break  # a longer stem is shared by fewer still
            if len(members) > len(group) or size > len(best):
                best, group = stem, members
    return best, group


def _raw_starts(ends: tuple[bytes, ...]) -> tuple[bytes, ...]:
    """The first two raw bytes of each of ``ends`` as JSON may write it (a slash as ``\\/``)."""
    starts: set[bytes] = set()
    for end in ends:
        spellings = [b""]
        for byte in end[:2]:
            char = bytes([byte])
            spellings = [
                s + c for s in spellings for c in ([char, b"\\/"] if char == b"/" else [char])
            ]
        starts.update(spelling[:2] for spelling in spellings)
    return tuple(sorted(starts))


#: ``match(data, pos[, endpos])`` of a compiled pattern.
_Follows = Callable[..., "re.Match[bytes] | None"]
#: The stem's test when there is no stem (never asked).
_NO_STEM = re.compile(b"(?!)").match


@functools.lru_cache(maxsize=32)
def _follower_pattern(stem: bytes, ends: tuple[bytes, ...]) -> re.Pattern[bytes]:
    # A slash of an end may be written escaped (``\\/``), as JSON allows.
    alternatives = b"|".join(re.escape(end).replace(b"/", rb"\\?/") for end in ends)
    return re.compile(re.escape(stem) + b"(?:" + alternatives + b")")


def _follower_test(stem: bytes, ends: tuple[bytes, ...]) -> _Follows:
    """``match(data, pos[, endpos])`` of the stem followed by one of ``ends``."""
    return _follower_pattern(stem, ends).match if stem else _NO_STEM
