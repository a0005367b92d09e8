"""Streaming the elements of one array inside a large JSON document.

A HAR file is one JSON document whose ``log.entries`` array holds every
exchange; a VCR.py JSON cassette holds them in ``interactions``. This module
walks to that array and yields its elements one at a time, each parsed by
orjson from its own byte range, so memory depends on the largest element and
not on the file.

Why not a streaming tokenizer (ijson) for the elements: measured on HAR files,
cutting the stream at element boundaries and parsing each element with orjson
is faster than ijson's C backend building the same objects, it gives exact
byte offsets and lines, and it can go on after a corrupt element or bytes
that are not UTF-8, where a tokenizer has to stop.

The parts: :mod:`~ciba_contracts.traffic.streambuffer` (the sliding window,
offsets and lines), :mod:`~ciba_contracts.traffic.streamvalues` (where one
value ends and what it holds), :mod:`~ciba_contracts.traffic.streamskip`
(elements left unparsed), :mod:`~ciba_contracts.traffic.streamdoc` (the
document around the array), :mod:`~ciba_contracts.traffic.streamproblems`
(what can be wrong); this module yields the array's elements.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import Any, BinaryIO

import msgspec
import orjson

from ciba_contracts.traffic.streambuffer import Buffer, all_ascii, is_utf8, lead_before
from ciba_contracts.traffic.streamdoc import DocumentWalker
from ciba_contracts.traffic.streamproblems import MAX_ELEMENT, StreamProblem
from ciba_contracts.traffic.streamskip import OPENS_BLOCK, is_object

__all__ = [
    "CHUNK",
    "HEARTBEAT",
    "MAX_ELEMENT",
    "ArrayStream",
    "Candidate",
    "Decode",
    "Element",
    "StopWatch",
    "StreamProblem",
]

#: Byte strings one of which every element the caller may want holds in its raw text.
Candidate = tuple[bytes, ...]

#: Decodes a wanted element's UTF-8 bytes into what the caller reads, or says None (then
#: it is parsed in full).
Decode = Callable[[memoryview], Any]

#: Told the absolute offset a slice has read up to, after each read; answers where the
#: slice must stop now (None: where it was to), when another process takes its end. The
#: stop given must lie past what was read, by more than a read (:data:`CHUNK`).
StopWatch = Callable[[int], int | None]

#: Bytes read per call; also the granularity of progress reports.
CHUNK = 1024 * 1024

_SKIP_SEP = re.compile(rb"[ \t\r\n]*(,)?[ \t\r\n]*")
_RESYNC = re.compile(rb"[,\[][ \t\r\n]*\{")


class Element(msgspec.Struct, frozen=True):
    """One array element: its index, byte offset, 1-based line and parsed value.

    ``problem`` is set when the element could not be parsed (``value`` is then
    None) or was parsed only after replacing bytes that are not UTF-8.
    """

    index: int
    offset: int
    line: int
    value: Any
    problem: StreamProblem | None = None


#: Yielded now and then while elements are skipped unparsed: no element, just a sign of life.
HEARTBEAT = Element(-1, -1, -1, None)


class ArrayStream(DocumentWalker):
    """The elements of the array at ``path`` (object keys from the root).

    Iterate it for :class:`Element` records. Problems with the document
    outside any element (truncation, garbage, a missing array) are collected
    in :attr:`problems` in the order met. ``element_keys`` are members every
    element has; they let reading resume after a corrupt element.

    ``candidate`` lists byte strings of which an element the caller may want
    holds at least one in its raw text (for HAR entries and the issue API:
    ``b"/issue"``, which every issue path ends in), as it is or spelt with
    JSON escapes (see :mod:`~ciba_contracts.traffic.markers`). An element
    without any, when the layout gives its end, is not parsed: its bytes are checked to be
    UTF-8, it is counted in :attr:`unparsed` and not yielded. That is what
    makes large recordings fast: most of their entries are other traffic, and
    finding the next occurrence of a marker is one pass over the bytes, not
    one per element.

    ``stop_watch`` lets another process take the end of a slice while it is
    read (see :data:`StopWatch`).
    """

    def __init__(
        self,
        stream: BinaryIO,
        path: Sequence[str],
        element_keys: Sequence[str] = (),
        chunk: int | None = None,
        *,
        start: int | None = None,
        stop: int | None = None,
        candidate: Candidate | None = None,
        decode: Decode | None = None,
        stop_watch: StopWatch | None = None,
    ) -> None:
        super().__init__(Buffer(stream, chunk or CHUNK), candidate, stop, path)
        if stop_watch is not None:
            self._buf.watch = self._watcher(stop_watch)
        self._decode = decode
        self._element_keys = tuple(element_keys)
        # A slice: ``stream`` is positioned at ``start``, the first byte of an element of
        # the array; reading stops before the first element at or after ``stop``.
        self._start = start
        self._first = 0
        if start is not None:
            self._buf.base = start
            lead = lead_before(stream, start)
            if lead:
                # The line break and indentation before the slice's first element, as they
                # are in the file: that element is then read as a whole-file reading reads
                # it after its neighbour (by its layout, unparsed when no candidate).
                self._buf.data = lead
                self._buf.base = start - len(lead)
                self._buf.skip_newlines(len(lead))
                self._first = len(lead)
                self._lead = lead
                self._closer = lead + b"}"
        #: Offset of the element the slice stopped before (None: it read to the end).
        self.next_start: int | None = None
        #: Elements read, and newlines before ``next_start`` (counted from ``start``).
        self.elements = 0
        self.newlines = 0

    def __iter__(self) -> Iterator[Element]:
        try:
            if self._start is None:
                pos = self._enter(0, 0)
                if pos is None:
                    return
            else:
                pos = self._first
                self._depth_left = len(self._path)
            end = yield from self._elements(pos, self._start is None)
            if end is not None:
                self._leave(end)
        except StreamProblem as problem:
            self.problems.append(problem)

    def _watcher(self, stop_watch: StopWatch) -> Callable[[int], None]:
        def watch(read_to: int) -> None:
            # Only ever earlier: what was read before it is this slice's.
            stop = stop_watch(read_to)
            if stop is not None and (self._stop is None or stop < self._stop):
                self._stop = stop

        return watch

    # -- the elements ---------------------------------------------------------------

    def _elements(self, pos: int, at_start: bool) -> Generator[Element, None, int | None]:
        buf = self._buf
        separator = _SKIP_SEP.match
        index = 0
        expect_separator = False
        candidate = self._candidate
        lead = self._lead
        # Whether an element's bytes hold a candidate marker (as they are or escaped).
        may_want = self._markers.within
        while True:
            # The common case in one regex call: blanks, an optional comma, blanks.
            m = separator(buf.data, pos) if expect_separator else None
            if m is not None and m.end() < len(buf.data):
                pos = m.end()
            else:
                pos = self._byte(pos, "an array element or ']'")
                if expect_separator and buf.data[pos] == ord(","):
                    pos = self._byte(pos + 1, "an array element")
            data = buf.data
            c = data[pos]
            if c == ord("]"):
                return pos + 1
            offset = buf.base + pos
            # Read for each element: another process may take the slice's end (see
            # ``stop_watch``), and the stop is then moved back as the next bytes are read.
            stop = self._stop
            if stop is not None and offset >= stop:
                self.next_start = offset
                self.newlines = buf.line_at(pos) - 1
                return None
            if (
                candidate is not None
                and c == 123
                and lead
                and pos >= len(lead)
                and data.startswith(lead, pos - len(lead))
                and OPENS_BLOCK.match(data, pos)
            ):
                if self._boundary is None:
                    self._learn_boundary(data, pos)
                else:
                    # First the elements before the next marker, all at once; one by one
                    # only the element holding it (or running past what has been read).
                    after, count = self._bulk_skip(data, pos)
                    if count:
                        index += count
                        self.elements = index
                        self.unparsed += count
                        pos = after
                        expect_separator = False
                        # Let the caller see progress even when nothing is wanted for long.
                        yield HEARTBEAT
                        continue
                pos, end = self._pretty_end(pos)
                data = buf.data
                if end is not None:
                    self._last_end = buf.base + end
                    if may_want(data, buf.base, pos, end):
                        # The layout gives the end: parse here rather than find it again.
                        try:
                            value = self._parse(memoryview(data)[pos:end], pos)
                        except orjson.JSONDecodeError:
                            pass
                        else:
                            yield Element(index, offset, buf.line_at(pos), value)
                            index += 1
                            self.elements = index
                            pos = end
                            expect_separator = True
                            continue
                    else:
                        # Not an element the caller can want: only its bytes are checked.
                        if buf.base + pos < buf.clean_from and not all_ascii(data, pos, end):
                            problem = self._utf8_problem(data[pos:end], pos)
                            if problem is not None:
                                yield Element(index, offset, buf.line_at(pos), None, problem)
                        index += 1
                        self.elements = index
                        self.unparsed += 1
                        pos = end
                        expect_separator = True
                        if not self.unparsed % 256:
                            yield HEARTBEAT
                        continue
            if (
                candidate is not None
                and c == 123
                and pos
                and data[pos - 1] == 10
                and not OPENS_BLOCK.match(data, pos)
            ):
                # An element on a line of its own (one entry a line).
                after, count = self._bulk_skip_lines(data, pos)
                if count:
                    index += count
                    self.elements = index
                    self.unparsed += count
                    pos = after
                    expect_separator = False
                    yield HEARTBEAT
                    continue
                pos, end = self._line_end(pos)
                data = buf.data
                if end is not None:
                    raw = memoryview(data)[pos:end]
                    if may_want(data, buf.base, pos, end):
                        try:
                            value = self._parse(raw, pos)
                        except orjson.JSONDecodeError:
                            pass
                        else:
                            yield Element(index, offset, buf.line_at(pos), value)
                            index += 1
                            self.elements = index
                            pos = end
                            expect_separator = True
                            continue
                    elif is_object(raw) and (
                        buf.base + pos >= buf.clean_from or is_utf8(bytes(raw))
                    ):
                        index += 1
                        self.elements = index
                        self.unparsed += 1
                        pos = end
                        expect_separator = True
                        if not self.unparsed % 256:
                            yield HEARTBEAT
                        continue
            line = buf.line_at(pos)
            parsed = self._value(pos)
            lead = self._lead
            problem = parsed.problem
            if problem is not None and problem.kind == "truncated":
                problem.message = "the document ends inside this entry"
                problem.offset = offset
                yield Element(index, offset, line, None, problem)
                return None
            yield Element(index, offset, line, parsed.value, problem)
            index += 1
            self.elements = index
            expect_separator = True
            if parsed.resume is not None:
                pos = parsed.resume
                self._last_end = buf.base + pos
                continue
            resumed = self._resync(parsed.start + 1)
            if resumed is None:
                return None
            pos = resumed
            expect_separator = False

    def _parse(self, raw: memoryview, pos: int) -> Any:
        """A wanted element whose end the layout gave: decoded by ``decode`` when it can be.

        Raises :class:`orjson.JSONDecodeError` when it is no JSON.
        """
        decode = self._decode
        if decode is not None and (
            self._buf.base + pos >= self._buf.clean_from or is_utf8(bytes(raw))
        ):
            value = decode(raw)
            if value is not None:
                return value
        return orjson.loads(raw)

    def _resync(self, pos: int) -> int | None:
        """Start of the next element after a corrupt one whose end is unknown, or None."""
        buf = self._buf
        scanned = 0
        while True:
            m = _RESYNC.search(buf.data, pos)
            if m is None:
                scanned += max(0, len(buf.data) - pos)
                if scanned > MAX_ELEMENT:
                    return None
                shift = buf.more(len(buf.data) - 64)
                if shift is None:
                    return None
                pos = max(0, pos - shift)
                continue
            candidate = m.end() - 1
            parsed = self._value(candidate)
            value = parsed.value
            if (
                parsed.problem is None
                and isinstance(value, dict)
                and all(k in value for k in self._element_keys)
            ):
                return parsed.start
            pos = parsed.start + 1
