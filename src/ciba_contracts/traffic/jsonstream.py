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
that are not UTF-8, where a tokenizer has to stop. Boundaries are found in two
ways. Pretty-printed files (what browsers, mitmproxy, harfile and
``json.dumps(indent=...)`` write) close an element with a line holding only
its closing brace at the element's own indentation; JSON strings cannot hold
a raw newline, so that line is found with one ``bytes.find``. The candidate is
then parsed, which proves it. Anything else (minified files, odd layouts)
falls back to letting orjson find the end of the value itself.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

import orjson

from ciba_contracts.traffic.jsonvalue import END_FINDER, loads, loads_as_json, refusal
from ciba_contracts.traffic.markers import MarkerSearch

#: Byte strings one of which every element the caller may want holds in its raw text.
Candidate = tuple[bytes, ...]

#: Bytes read per call; also the granularity of progress reports.
CHUNK = 1024 * 1024
#: An element larger than this is reported and skipped instead of buffered whole.
MAX_ELEMENT = 96 * 1024 * 1024

_WS = b" \t\r\n"
_SKIP_WS = re.compile(rb"[ \t\r\n]*")
_SKIP_SEP = re.compile(rb"[ \t\r\n]*(,)?[ \t\r\n]*")
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_RESYNC = re.compile(rb"[,\[][ \t\r\n]*\{")
#: An opening brace that ends its line: the element is laid out one member a line, so its
#: closing brace alone at the same indentation ends it (not so for an element on one line).
_OPENS_BLOCK = re.compile(rb"\{[ \t]*\r?\n")


class StreamProblem(Exception):
    """Something about the input, raised inside this module and turned into a record."""

    def __init__(self, kind: str, message: str, offset: int | None, fatal: bool = False) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.offset = offset
        self.fatal = fatal


@dataclass(frozen=True, slots=True)
class Element:
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


class _Buffer:
    """A sliding window over a binary stream with absolute offsets and line numbers."""

    def __init__(self, stream: BinaryIO, chunk: int | None = None) -> None:
        self.stream = stream
        self.chunk = chunk or CHUNK
        self.data = b""
        self.base = 0  # absolute offset of data[0]
        self.eof = False
        self._newlines = 0  # newlines in the stream before data[_counted]
        self._counted = 0
        # Absolute offset from which every byte read so far is ASCII (the end of the last
        # block that was not): one check per block instead of one per skipped range.
        self.clean_from = 0

    def more(self, keep_from: int) -> int | None:
        """Read another chunk, dropping the bytes before ``keep_from``.

        Returns how many bytes were dropped (callers shift their positions by
        it), or None at the end of the input.
        """
        if self.eof:
            return None
        block = self.stream.read(self.chunk)
        if not block:
            self.eof = True
            return None
        if not block.isascii():
            self.clean_from = self.base + len(self.data) + len(block)
        keep_from = max(0, min(keep_from, len(self.data)))
        if keep_from:
            if keep_from > self._counted:
                self._newlines += self.data.count(b"\n", self._counted, keep_from)
                self._counted = keep_from
            self._counted -= keep_from
            self.data = b"".join((memoryview(self.data)[keep_from:], block))
            self.base += keep_from
        else:
            self.data += block
        return keep_from

    def skip_newlines(self, upto: int) -> None:
        """Leave the line breaks before ``data[upto]`` uncounted (bytes before the start)."""
        self._counted = upto

    def line_at(self, pos: int) -> int:
        """1-based line of ``data[pos]``; positions asked for must not go backwards."""
        if pos > self._counted:
            self._newlines += self.data.count(b"\n", self._counted, pos)
            self._counted = pos
        return self._newlines + 1


@dataclass(slots=True)
class _Parsed:
    """Outcome of parsing one value: positions are in the buffer as it is afterwards.

    ``resume`` is where reading goes on; it is None when the value was corrupt
    and its end is unknown, so the reader has to look for the next element.
    """

    value: Any
    start: int
    resume: int | None
    problem: StreamProblem | None = None


class ArrayStream:
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
    ) -> None:
        self._buf = _Buffer(stream, chunk)
        self._path = tuple(path)
        self._element_keys = tuple(element_keys)
        self.problems: list[StreamProblem] = []
        self._guess = 16 * 1024
        self._depth_left = 0
        # The line break and indentation before the last element, and the line closing it.
        self._lead = b""
        self._closer = b""
        # A regex, not bytes.find: for a needle of blanks, which pretty-printed JSON is full
        # of, the regex engine's scan is several times faster.
        self._closer_search = re.compile(b"^$").search
        # The bytes from one element's closing line to the next one's opening line break
        # (``}``, ``,``, line break, indentation, ``{``, line break), once seen, and where
        # the last element ended (absolute), for skipping many at once.
        self._boundary: bytes | None = None
        self._between = 0  # bytes from the end of one element to the start of the next
        self._ends = re.compile(b"^$").findall
        self._last_end = -1
        # A slice: ``stream`` is positioned at ``start``, the first byte of an element of
        # the array; reading stops before the first element at or after ``stop``.
        self._start = start
        self._stop = stop
        self._first = 0
        if start is not None:
            self._buf.base = start
            lead = _lead_before(stream, start)
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
                self._closer_search = re.compile(re.escape(self._closer)).search
        #: Offset of the element the slice stopped before (None: it read to the end).
        self.next_start: int | None = None
        #: Elements read, and newlines before ``next_start`` (counted from ``start``).
        self.elements = 0
        self.newlines = 0
        # Elements that ``candidate`` turned away unparsed (counted, not yielded).
        self._candidate = candidate
        self.unparsed = 0
        self._markers = MarkerSearch(candidate or ())

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

    # -- small steps ----------------------------------------------------------------

    def _abs(self, pos: int) -> int:
        return self._buf.base + pos

    def _ws(self, pos: int) -> int:
        """Position of the next non-blank byte, reading on as needed (len(data) at the end)."""
        buf = self._buf
        while True:
            pos = _SKIP_WS.match(buf.data, pos).end()  # type: ignore[union-attr]
            if pos < len(buf.data):
                return pos
            # Keep a little context: the layout before an element tells where it ends.
            shift = buf.more(pos - 256)
            if shift is None:
                return pos
            pos -= shift

    def _byte(self, pos: int, what: str) -> int:
        pos = self._ws(pos)
        if pos >= len(self._buf.data):
            raise StreamProblem(
                "truncated", f"the document ends where {what} was expected", self._abs(pos), True
            )
        return pos

    def _key(self, pos: int) -> tuple[str, int]:
        buf = self._buf
        while True:
            m = _STRING.match(buf.data, pos)
            if m is not None:
                break
            if buf.data[pos : pos + 1] != b'"':
                raise StreamProblem(
                    "corrupt",
                    f"expected an object key, found {buf.data[pos : pos + 20]!r}",
                    self._abs(pos),
                    True,
                )
            shift = buf.more(pos)
            if shift is None:
                raise StreamProblem(
                    "truncated", "the document ends inside an object key", self._abs(pos), True
                )
            pos -= shift
        try:
            key = loads(m.group())
        except orjson.JSONDecodeError:
            key = m.group()[1:-1].decode("utf-8", "replace")
        return str(key), m.end()

    def _skip_value(self, pos: int) -> int:
        parsed = self._value(pos)
        if parsed.problem is not None and parsed.problem.kind != "not-utf8":
            parsed.problem.fatal = True
            raise parsed.problem
        assert parsed.resume is not None
        return parsed.resume

    # -- the document around the array ----------------------------------------------

    def _enter(self, pos: int, depth: int) -> int | None:
        """Walk the objects of ``path`` down to just inside the target array."""
        buf = self._buf
        pos = self._byte(pos, "a JSON object")
        if buf.data[pos : pos + 3] == b"\xef\xbb\xbf":
            pos = self._byte(pos + 3, "a JSON object")
        if buf.data[pos] != ord("{"):
            raise StreamProblem(
                "corrupt",
                f"expected a JSON object holding {'.'.join(self._path[depth:])!r}, "
                f"found {buf.data[pos : pos + 20]!r}",
                self._abs(pos),
                True,
            )
        pos += 1
        want = self._path[depth]
        while True:
            pos = self._byte(pos, "an object member")
            c = buf.data[pos]
            if c == ord("}"):
                self.problems.append(
                    StreamProblem(
                        "corrupt",
                        f"the document has no {'.'.join(self._path)!r} array",
                        self._abs(pos),
                    )
                )
                return None
            if c == ord(","):
                pos += 1
                continue
            key, pos = self._key(pos)
            pos = self._byte(pos, "':'")
            if buf.data[pos] != ord(":"):
                raise StreamProblem(
                    "corrupt", f"expected ':' after key {key!r}", self._abs(pos), True
                )
            pos = self._byte(pos + 1, f"the value of {key!r}")
            if key == want:
                opener = buf.data[pos]
                last = depth == len(self._path) - 1
                if last and opener == ord("["):
                    self._depth_left = depth + 1
                    return pos + 1
                if not last and opener == ord("{"):
                    return self._enter(pos, depth + 1)
                raise StreamProblem(
                    "corrupt",
                    f"{want!r} is not {'an array' if last else 'an object'}",
                    self._abs(pos),
                    True,
                )
            pos = self._skip_value(pos)

    def _leave(self, pos: int) -> None:
        """After the array: check that the enclosing objects close and nothing follows."""
        buf = self._buf
        depth = self._depth_left
        while depth > 0:
            pos = self._byte(pos, "the end of an object")
            c = buf.data[pos]
            if c == ord("}"):
                depth -= 1
                pos += 1
            elif c == ord(","):
                pos += 1
            elif c == ord('"'):
                _, pos = self._key(pos)
                pos = self._byte(pos, "':'")
                pos = self._skip_value(self._byte(pos + 1, "a value"))
            else:
                raise StreamProblem(
                    "corrupt", f"unexpected {bytes([c])!r} after the array", self._abs(pos), True
                )
        pos = self._ws(pos)
        if pos < len(buf.data):
            self.problems.append(
                StreamProblem("corrupt", "unexpected content after the document", self._abs(pos))
            )

    # -- the elements ---------------------------------------------------------------

    def _elements(self, pos: int, at_start: bool) -> Generator[Element, None, int | None]:
        buf = self._buf
        separator = _SKIP_SEP.match
        index = 0
        expect_separator = False
        stop = self._stop
        candidate = self._candidate
        lead = self._lead
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
                and _OPENS_BLOCK.match(data, pos)
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
                    if self._may_want(data, pos, end):
                        # The layout gives the end: parse here rather than find it again.
                        try:
                            value = orjson.loads(memoryview(data)[pos:end])
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
                        if buf.base + pos < buf.clean_from and not data[pos:end].isascii():
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

    def _may_want(self, data: bytes, pos: int, end: int) -> bool:
        """Whether ``data[pos:end]`` holds a candidate marker, as it is or written with escapes."""
        return self._markers.within(data, self._buf.base, pos, end)

    def _learn_boundary(self, data: bytes, pos: int) -> None:
        """Remember the bytes between two elements, once seen: ``}``, ``,``, line break, ``{``."""
        last = self._last_end - self._buf.base
        if last <= 0 or last > pos:
            return
        between = data[last:pos]
        opening = _OPENS_BLOCK.match(data, pos)
        if opening is not None and between in (b"," + self._lead, b",\r" + self._lead):
            tail = between + opening.group()
            self._boundary = self._closer + tail
            self._between = len(between)
            # Every closing line at the elements' indentation, with what follows it when
            # that is the start of the next element: b"" marks one that is not.
            self._ends = re.compile(
                re.escape(self._closer) + b"(" + re.escape(tail) + b")?"
            ).findall

    def _bulk_skip(self, data: bytes, pos: int) -> tuple[int, int]:
        """Skip, in one go, the elements before the next candidate marker.

        ``pos`` is the opening brace of an element laid out one member a line.
        Up to the next occurrence of a marker (or the slice's end, or the
        buffer's), the elements are cut where the one-by-one reading would
        cut them: at the next closing line at their indentation. While each
        such line is followed by the next element's opening line (a
        boundary), none of those elements can be wanted. One regex pass finds
        every closing line and tells which are boundaries, so the run stops
        at the first that is not: the array's end (another array may follow
        with the same layout), or an element in another layout (on one line),
        which would otherwise be counted with its neighbour.

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
        ends = self._ends(data, pos, limit)
        count = ends.index(b"") if b"" in ends else len(ends)
        if not count:
            return pos, 0
        if count == len(ends) - ends.count(b""):
            # Every boundary found is in the run (the usual case): the last one ends it.
            opening = data.rfind(boundary, pos, limit) + len(self._closer) + self._between
        else:
            # A boundary beyond the run (after the end of the array, say): count to the run's.
            boundaries = re.compile(re.escape(boundary)).finditer(data, pos, limit)
            for _ in range(count):
                opening = next(boundaries).start() + len(self._closer) + self._between
        if base + pos < self._buf.clean_from and not _is_utf8(data[pos:opening]):
            return pos, 0
        self._last_end = base + opening - self._between
        return opening, count

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

    # -- one JSON value -------------------------------------------------------------

    def _value(self, pos: int) -> _Parsed:
        """Parse the value that starts at ``pos``."""
        pos, end = self._pretty_end(pos)
        if end is not None:
            raw = self._buf.data[pos:end]
            try:
                return _Parsed(orjson.loads(raw), pos, end)
            except orjson.JSONDecodeError as exc:
                if exc.msg.startswith("str is not valid UTF-8"):
                    value, problem = self._not_utf8(raw, pos)
                    return _Parsed(value, pos, end, problem)
                if not exc.msg.startswith(("unexpected content", "unexpected end of data")):
                    # The layout says where the element ends. orjson refused what is inside:
                    # JSON that Python's json reads (a lone surrogate, 1e400), or broken.
                    try:
                        return _Parsed(loads_as_json(raw), pos, end)
                    except json.JSONDecodeError as slow:
                        misled = slow.msg.startswith("Extra data") or slow.pos >= len(
                            slow.doc.rstrip()
                        )
                    except UnicodeDecodeError:
                        # orjson stopped at a surrogate before it met bytes that are not UTF-8.
                        value, problem = self._not_utf8(raw, pos)
                        return _Parsed(value, pos, end, problem)
                    except ValueError:
                        misled = False
                    if not misled:
                        where = self._abs(pos) + _char_to_byte(raw, exc.pos)
                        return _Parsed(
                            None, pos, end, StreamProblem("corrupt", refusal(exc, where), where)
                        )
        return self._general(pos)

    def _pretty_end(self, pos: int) -> tuple[int, int | None]:
        """Where a value ends when its closing bracket sits alone at its own indentation.

        Returns (start, end); ``end`` is None when the layout does not tell.
        ``start`` is ``pos`` shifted by any reading on.
        """
        buf = self._buf
        data = buf.data
        opener = data[pos]
        if opener != 123 and opener != 91:  # { or [
            return pos, None
        lead = self._lead
        if lead and opener == 123 and pos >= len(lead) and data.startswith(lead, pos - len(lead)):
            # The same indentation as the previous element (the usual case).
            closer = self._closer
            search = self._closer_search
            newline = pos - len(lead)
        else:
            newline = data.rfind(b"\n", max(0, pos - 256), pos)
            if newline < 0:
                return pos, None
            indent = data[newline + 1 : pos]
            if indent.strip(_WS):
                return pos, None
            closer = b"\n" + indent + (b"}" if opener == 123 else b"]")
            search = re.compile(re.escape(closer)).search
            if opener == 123:
                self._lead = b"\n" + indent
                self._closer = closer
                self._closer_search = search
        searched = pos
        while True:
            m = search(data, searched)
            if m is not None:
                return pos, m.end()
            if len(data) - pos > MAX_ELEMENT:
                return pos, None
            searched = max(pos, len(data) - len(closer))
            shift = buf.more(newline)
            if shift is None:
                return pos, None
            pos -= shift
            newline -= shift
            searched -= shift
            data = buf.data

    def _general(self, pos: int) -> _Parsed:
        """Let orjson find the end of the value in a growing window."""
        buf = self._buf
        width = self._guess
        while True:
            stop = pos + width
            at_end = stop >= len(buf.data)
            if not at_end:
                # Do not cut a UTF-8 sequence in two: orjson would call the window not UTF-8.
                while stop > pos and buf.data[stop - 1] >= 0x80:
                    stop -= 1
            window = buf.data[pos:stop]
            try:
                value = orjson.loads(window)
            except orjson.JSONDecodeError as exc:
                msg = exc.msg
                if msg.startswith("unexpected content"):
                    end = pos + _char_to_byte(window, exc.pos)
                    while end > pos and buf.data[end - 1] in _WS:
                        end -= 1
                    self._guess = max(4096, 2 * (end - pos))
                    return self._finish(pos, end)
                if msg.startswith("str is not valid UTF-8"):
                    return self._general_not_utf8(pos, width)
                if not msg.startswith(("unexpected end of data", "input data is empty")):
                    where = self._abs(pos + _char_to_byte(window, exc.pos))
                    refused = StreamProblem("corrupt", refusal(exc, where), where)
                    return self._general_slow(pos, width, refused)
                if not at_end:
                    width *= 2
                    continue
                if len(buf.data) - pos > MAX_ELEMENT:
                    return _Parsed(None, pos, None, _too_large(self._abs(pos)))
                shift = buf.more(pos)
                if shift is None:
                    return _Parsed(
                        None,
                        pos,
                        None,
                        StreamProblem(
                            "truncated", "the document ends inside a value", self._abs(pos)
                        ),
                    )
                pos -= shift
                width *= 2
                continue
            end = pos + len(window)
            while end > pos and buf.data[end - 1] in _WS:
                end -= 1
            return _Parsed(value, pos, end)

    def _finish(self, pos: int, end: int) -> _Parsed:
        raw = self._buf.data[pos:end]
        try:
            return _Parsed(loads(raw), pos, end)
        except orjson.JSONDecodeError as exc:
            where = self._abs(pos) + _char_to_byte(raw, exc.pos)
            return _Parsed(None, pos, None, StreamProblem("corrupt", refusal(exc, where), where))

    def _general_slow(self, pos: int, width: int, refused: StreamProblem) -> _Parsed:
        """orjson refused a value it has not seen the end of: Python's json finds it and reads it.

        What both refuse keeps orjson's words (``refused``), and its end stays unknown.
        """
        buf = self._buf
        while True:
            window = buf.data[pos : pos + width]
            text = window.decode("utf-8", "surrogateescape")
            try:
                _, end_char = END_FINDER.raw_decode(text)
            except RecursionError:
                return _Parsed(None, pos, None, refused)
            except json.JSONDecodeError as exc:
                # Only a window that ends too soon is worth widening; a fault inside it stays.
                if not exc.msg.startswith("Unterminated string") and exc.pos < len(text.rstrip()):
                    return _Parsed(None, pos, None, refused)
                if pos + width < len(buf.data):
                    width *= 2
                    continue
                if len(buf.data) - pos > MAX_ELEMENT:
                    return _Parsed(None, pos, None, _too_large(self._abs(pos)))
                shift = buf.more(pos)
                if shift is None:
                    return _Parsed(None, pos, None, refused)
                pos -= shift
                width *= 2
                continue
            end = pos + len(text[:end_char].encode("utf-8", "surrogateescape"))
            value, problem = self._not_utf8(buf.data[pos:end], pos)
            if value is None:
                return _Parsed(None, pos, None, refused)
            return _Parsed(value, pos, end, problem)

    def _general_not_utf8(self, pos: int, width: int) -> _Parsed:
        """The window holds bytes that are not UTF-8: find the value's end with the stdlib."""
        buf = self._buf
        decoder = json.JSONDecoder()
        while True:
            window = buf.data[pos : pos + width]
            text = window.decode("utf-8", "surrogateescape")
            try:
                _, end_char = decoder.raw_decode(text)
            except json.JSONDecodeError as exc:
                if pos + width < len(buf.data):
                    width *= 2
                    continue
                if len(buf.data) - pos > MAX_ELEMENT:
                    return _Parsed(None, pos, None, _too_large(self._abs(pos)))
                shift = buf.more(pos)
                if shift is not None:
                    pos -= shift
                    width *= 2
                    continue
                where = pos + len(text[: exc.pos].encode("utf-8", "surrogateescape"))
                kind = "truncated" if exc.pos >= len(text.rstrip()) - 1 else "corrupt"
                return _Parsed(
                    None,
                    pos,
                    None,
                    StreamProblem(
                        kind,
                        f"not valid JSON: {exc.msg} at byte {self._abs(where)}",
                        self._abs(where),
                    ),
                )
            end = pos + len(text[:end_char].encode("utf-8", "surrogateescape"))
            value, problem = self._not_utf8(buf.data[pos:end], pos)
            return _Parsed(value, pos, end if value is not None else None, problem)

    def _utf8_problem(self, raw: bytes, pos: int) -> StreamProblem | None:
        """The problem of the first byte of ``raw`` that is not UTF-8, or None.

        The words are the same whether the element is then read (with U+FFFD)
        or skipped, so a report does not depend on which entries were parsed.
        """
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            where = self._abs(pos) + exc.start
            return StreamProblem(
                "not-utf8", f"byte 0x{raw[exc.start]:02x} at offset {where} is not UTF-8", where
            )
        return None

    def _not_utf8(self, raw: bytes, pos: int) -> tuple[Any, StreamProblem | None]:
        """Parse ``raw`` with bytes that are not UTF-8 replaced, saying where the first was."""
        problem = self._utf8_problem(raw, pos)
        if problem is not None:
            where = problem.offset
            assert where is not None
            try:
                return loads(raw.decode("utf-8", "replace")), problem
            except orjson.JSONDecodeError as inner:
                return None, StreamProblem(
                    "corrupt",
                    f"{refusal(inner, where)}; it also holds bytes that are not UTF-8",
                    where,
                )
        try:
            return loads(raw), None
        except orjson.JSONDecodeError as exc:
            where = self._abs(pos) + _char_to_byte(raw, exc.pos)
            return None, StreamProblem("corrupt", refusal(exc, where), where)


def _lead_before(stream: BinaryIO, start: int) -> bytes:
    """The line break and blanks right before ``start`` in a seekable stream, else b"".

    The stream is left at ``start``.
    """
    back = min(start, 256)
    if not back:
        return b""
    try:
        stream.seek(start - back)
        before = stream.read(back)
    except (OSError, ValueError, AttributeError):
        before = b""
    finally:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.seek(start)
    newline = before.rfind(b"\n")
    if newline < 0 or len(before) != back or before[newline + 1 :].strip(b" \t"):
        return b""
    return before[newline:]


def _is_utf8(raw: bytes) -> bool:
    if raw.isascii():
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _too_large(offset: int) -> StreamProblem:
    return StreamProblem(
        "corrupt",
        f"element larger than {MAX_ELEMENT // (1024 * 1024)} MiB; not read",
        offset,
        fatal=True,
    )


def _char_to_byte(raw: bytes, char_pos: int) -> int:
    """orjson reports positions in characters; turn one into a byte offset in ``raw``."""
    if raw.isascii():
        return char_pos
    return len(raw.decode("utf-8", "replace")[:char_pos].encode("utf-8"))
