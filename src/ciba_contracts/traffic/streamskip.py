"""Turning away, unparsed, the elements of a large array the caller cannot want.

Most entries of a large recording are other traffic. An element holding
none of the caller's markers (:mod:`~ciba_contracts.traffic.markers`) is not
parsed: when the layout gives its end, only its bytes are checked to be
UTF-8. Runs of such elements laid out one member a line are skipped in one
go: two SIMD counts (stringzilla) of their closing lines, and of those
followed by the next element's opening line, say how many there are, so the
cost is a few passes over the bytes, not a few calls per element.
"""

from __future__ import annotations

import re

import msgspec

from ciba_contracts.traffic.markers import MarkerSearch
from ciba_contracts.traffic.streambuffer import (
    Buffer,
    count_bytes,
    find_bytes,
    is_utf8,
    rfind_bytes,
)
from ciba_contracts.traffic.streamvalues import ValueScanner

#: An opening brace that ends its line: the element is laid out one member a line, so its
#: closing brace alone at the same indentation ends it (not so for an element on one line).
OPENS_BLOCK = re.compile(rb"\{[ \t]*\r?\n")


class _Object(msgspec.Struct):
    """Any JSON object, its members skipped: decoding one only proves it is one."""


#: Whether bytes are a comma-separated run of complete JSON objects (in brackets). msgspec
#: walks over members it is not asked for without building them, several times faster
#: than a parse; it does not check the UTF-8 of what it skips, which is checked apart.
_OBJECTS = msgspec.json.Decoder(list[_Object]).decode
_ONE_OBJECT = msgspec.json.Decoder(_Object).decode
_NOT_OBJECTS = (msgspec.DecodeError, msgspec.ValidationError, RecursionError)


def objects_in(run: bytes | memoryview) -> int | None:
    """How many JSON objects ``run`` holds, comma-separated; None if it is anything else."""
    try:
        return len(_OBJECTS(b"".join((b"[", run, b"]"))))
    except _NOT_OBJECTS:
        return None


def is_object(raw: bytes | memoryview) -> bool:
    """Whether ``raw`` is one complete JSON object (its UTF-8 unchecked)."""
    try:
        _ONE_OBJECT(raw)
    except _NOT_OBJECTS:
        return False
    return True


class RunSkipper(ValueScanner):
    """A value scanner that also knows which elements to leave unparsed, and skips runs of them."""

    def __init__(self, buf: Buffer, candidate: tuple[bytes, ...] | None, stop: int | None) -> None:
        super().__init__(buf)
        # The bytes from one element's closing line to the next one's opening line break
        # (``}``, ``,``, line break, indentation, ``{``, line break), once seen, and where
        # the last element ended (absolute), for skipping many at once.
        self._boundary: bytes | None = None
        self._between = 0  # bytes from the end of one element to the start of the next
        self._run_closer = b""  # the closing line the boundary starts with
        self._last_end = -1
        # Reading stops before the first element at or after ``stop`` (absolute).
        self._stop = stop
        # Elements that ``candidate`` turned away unparsed (counted, not yielded).
        self._candidate = candidate
        self.unparsed = 0
        self._markers = MarkerSearch(candidate or ())

    def _learn_boundary(self, data: bytes, pos: int) -> None:
        """Remember the bytes between two elements, once seen: ``}``, ``,``, line break, ``{``."""
        last = self._last_end - self._buf.base
        if last <= 0 or last > pos:
            return
        between = data[last:pos]
        opening = OPENS_BLOCK.match(data, pos)
        if opening is not None and between in (b"," + self._lead, b",\r" + self._lead):
            tail = between + opening.group()
            self._boundary = self._closer + tail
            self._between = len(between)
            self._run_closer = self._closer

    def _bulk_skip_lines(self, data: bytes, pos: int) -> tuple[int, int]:
        """Skip, in one go, the elements on the lines before the next candidate marker.

        ``pos`` is the opening brace of an element at the start of its line
        (one element a line, as ``json.dumps`` of each entry writes). The run
        ends at the line break before the line holding the next marker (or
        the slice's end, or the buffer's); its bytes must be complete JSON
        objects separated by commas, each proved one by msgspec, which also
        counts them, so the run is cut where the one-by-one reading cuts.
        Returns the position after the run and how many elements it held;
        (pos, 0) when there is none, or when anything is unusual (then read
        element by element, which says what).
        """
        base = self._buf.base
        limit = len(data)
        at = self._markers.first(data, base, pos)
        if at is not None:
            limit = min(limit, at)
        if self._stop is not None:
            limit = min(limit, self._stop - base)
        cut = data.rfind(b"\n", pos, limit)
        end = cut
        while end > pos and data[end - 1] in b" \t\r":
            end -= 1
        if end <= pos or data[end - 1] != 44:  # ,
            return pos, 0
        run = memoryview(data)[pos : end - 1]
        count = objects_in(run)
        if not count:
            return pos, 0
        if base + pos < self._buf.clean_from and not is_utf8(bytes(run)):
            return pos, 0
        self._last_end = base + end - 1
        return cut + 1, count

    def _count_run(self, data: bytes, pos: int, limit: int) -> tuple[int, int]:
        """How many elements from ``pos`` end in a boundary before ``limit``; where the next starts.

        Each element ends at the first closing line after its opening brace, as
        :meth:`~ciba_contracts.traffic.streamvalues.ValueScanner._pretty_end` finds it.
        """
        closer = self._run_closer
        boundary = self._boundary
        assert boundary is not None
        step = len(closer) + self._between
        count = 0
        while True:
            end = find_bytes(data, closer, pos, limit)
            if end < 0 or end + len(boundary) > limit or not data.startswith(boundary, end):
                return count, pos
            count += 1
            pos = end + step

    def _bulk_skip(self, data: bytes, pos: int) -> tuple[int, int]:
        """Skip, in one go, the elements before the next candidate marker.

        ``pos`` is the opening brace of an element laid out one member a line.
        Up to the next occurrence of a marker (or the slice's end, or the
        buffer's), the elements are cut where the one-by-one reading would
        cut them: at the next closing line at their indentation. While each
        such line is followed by the next element's opening line (a
        boundary), none of those elements can be wanted. When every closing
        line in the range is a boundary (two counts say so), each ends one
        element; else the run stops at the first that is not: the array's end
        (another array may follow with the same layout), or an element in
        another layout (on one line), which would otherwise be counted with
        its neighbour.

        Returns the position of the first element not skipped and how many
        were; (pos, 0) when none can be, or when the bytes are not UTF-8
        (then checked element by element, to say where).
        """
        base = self._buf.base
        boundary = self._boundary
        assert boundary is not None
        limit = len(data)
        at = self._markers.first(data, base, pos)
        if at is not None:
            limit = min(limit, at)
        if self._stop is not None:
            limit = min(limit, self._stop - base)
        if limit - pos <= len(boundary):
            return pos, 0
        closer = self._run_closer
        if closer != self._closer:
            # The elements' indentation changed since the boundary was seen: learn it again.
            self._boundary = None
            return pos, 0
        closers = count_bytes(data, closer, pos, limit)
        if not closers:
            return pos, 0
        if count_bytes(data, boundary, pos, limit) == closers:
            # Every closing line starts a boundary (the usual case): all of them end
            # elements of the run, and the last one ends it. (A boundary starts with a
            # closing line, and the boundaries counted do not overlap: so no closing line
            # lies inside another element's boundary.)
            count = closers
            opening = rfind_bytes(data, boundary, pos, limit) + len(closer) + self._between
        else:
            # A closing line not followed by the next element (the array's end, an element
            # in another layout), or boundaries that overlap (an empty element written
            # ``{`` and ``}`` on two lines): element by element, as they are read one by one.
            count, opening = self._count_run(data, pos, limit)
            if not count:
                return pos, 0
        if base + pos < self._buf.clean_from and not is_utf8(data[pos:opening]):
            return pos, 0
        self._last_end = base + opening - self._between
        return opening, count
