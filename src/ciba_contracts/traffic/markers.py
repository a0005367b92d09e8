"""Finding the text an element may be wanted for in its raw bytes, escapes included.

A reader turns away most entries of a large recording without parsing them:
one that holds none of the caller's markers (``/issue``) in its raw text
cannot be wanted. JSON may write any character of a string as an escape,
though (``\\/``, ``\\u0069``), and a URL so written must still be found. An
escape of a character a marker holds is ``\\u00`` and two hex digits, the
first 0-7 (every marker is ASCII), or ``\\/`` for a slash; searching for those
as well costs one more pass over the bytes, which is why every pass here is
one SIMD search (stringzilla; ``bytes.find`` is about ten times slower).
Only an element holding such an escape is looked at closer: around each of
its escapes, escapes of ASCII characters are undone and the markers searched
again. That can find a marker that is not there (an escaped backslash before
``u0069``), which costs a parse and nothing else; it cannot miss one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import stringzilla

#: The escape of a character below U+0080, and the escaped slash.
_ASCII_ESCAPE = re.compile(rb"\\(?:u00([0-7][0-9a-fA-F])|/)")
#: The longest raw spelling of one character of a marker (``\u0069``).
_LONGEST_SPELLING = 6
#: What follows ``\u00`` in the escape of an ASCII character.
_ASCII_HIGH_DIGITS = frozenset(b"01234567")


def find_marker(data: bytes, marker: bytes, start: int, end: int | None = None) -> int:
    """``data.find(marker, start, end)``, several times faster on long inputs."""
    text = stringzilla.Str(data)
    found: int = text.find(marker, start) if end is None else text.find(marker, start, end)
    return found


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
    sits at absolute offset ``base``; each marker's search goes on from where
    it stopped, so no byte is searched twice while the buffer slides on.
    """

    def __init__(self, markers: Sequence[bytes]) -> None:
        self.markers = tuple(markers)
        self._escapes = escape_markers(self.markers)
        # Per marker: absolute offset of its next occurrence (-1: none in what has been
        # read) and the offset its search goes on from.
        self._hits = dict.fromkeys(self.markers + self._escapes, (-1, 0))
        self._reach = _LONGEST_SPELLING * max((len(m) for m in self.markers), default=0)

    def hit(self, marker: bytes, data: bytes, base: int, pos: int) -> int | None:
        """Position of the first occurrence of ``marker`` at or after ``pos``, None if unread.

        An escape counts only where it may spell a marker: the escape of an ASCII
        character, with a marker spelt within reach of it (or bytes within reach
        not read yet). So a recording full of escaped characters (``\\u003c`` in
        HTML bodies) is still skipped in runs.
        """
        found, resume = self._hits[marker]
        if found < base + pos:
            start = max(pos, resume - base)
            escape = marker in self._escapes
            while True:
                at = find_marker(data, marker, start)
                if at >= 0 and escape and not self._may_spell(data, at):
                    start = at + 1
                    continue
                break
            if at >= 0:
                found = base + at
                resume = found + 1
            else:
                # Not in what has been read: go on from where one could still begin.
                found = -1
                resume = base + max(start, len(data) - len(marker) + 1)
            self._hits[marker] = (found, resume)
            if found < 0:
                return None
        return found - base

    def first(self, data: bytes, base: int, pos: int) -> int | None:
        """Position of the first occurrence of any marker or escape at or after ``pos``."""
        here = base + pos
        read = base + len(data)
        best = -1
        for marker, (found, resume) in self._hits.items():
            if found < here:
                if found < 0 and resume > read - len(marker):
                    continue  # nothing read since the last search could hold it
                at = self.hit(marker, data, base, pos)
                if at is None:
                    continue
                found = base + at
            if best < 0 or found < best:
                best = found
        return None if best < 0 else best - base

    def within(self, data: bytes, base: int, pos: int, end: int) -> bool:
        """Whether ``data[pos:end]`` holds a marker, as it is or written with escapes."""
        here = base + pos
        read = base + len(data)
        hits = self._hits
        for marker in self.markers:
            found, resume = hits[marker]
            if found < here:
                if found < 0 and resume > read - len(marker):
                    continue
                at = self.hit(marker, data, base, pos)
                if at is None:
                    continue
                found = base + at
            if found - base + len(marker) <= end:
                return True
        for escape in self._escapes:
            at = self.hit(escape, data, base, pos)
            while at is not None and 0 <= at < end:
                # A marker spelt with this escape lies within reach of it on either side.
                window = data[max(pos, at - self._reach) : min(end, at + self._reach)]
                if holds_escaped(window, self.markers):
                    return True
                at = find_marker(data, escape, at + 1, end)
        return False

    def _may_spell(self, data: bytes, at: int) -> bool:
        """Whether the escape at ``at`` may be part of a marker spelt with escapes."""
        if at + self._reach > len(data):
            return True  # what follows is not read yet
        if data[at + 1] == 117 and data[at + 4] not in _ASCII_HIGH_DIGITS:  # "u"
            return False  # a character beyond ASCII
        return holds_escaped(data[max(0, at - self._reach) : at + self._reach], self.markers)
