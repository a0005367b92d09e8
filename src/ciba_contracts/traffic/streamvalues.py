"""Reading one JSON value out of a sliding window over a large document.

Where a value ends is found in two ways. Pretty-printed files close an
element with a line holding only its closing brace at the element's own
indentation; JSON strings cannot hold a raw newline, so that line is found
with one search, and the bytes up to it are parsed, which proves it. Anything
else (minified files, odd layouts) falls back to letting orjson find the end
of the value itself in a growing window. Values orjson refuses are read as
Python's ``json`` reads them where it can (see
:mod:`~ciba_contracts.jsondoc.lenient`), and bytes that are not UTF-8 are
replaced, with the place of the first one reported.
"""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec
import orjson

from ciba_contracts.jsondoc.lenient import END_FINDER, loads, loads_as_json, refusal
from ciba_contracts.traffic.streambuffer import Buffer, find_bytes
from ciba_contracts.traffic.streamproblems import (
    MAX_ELEMENT,
    StreamProblem,
    char_to_byte,
    too_large,
    utf8_problem,
)

_WS = b" \t\r\n"
#: A JSON scalar (a string only without escapes, control characters or other than ASCII),
#: followed by a byte that ends it.
_SCALAR = re.compile(
    rb'(?:-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null|"[^"\\\x00-\x1f\x80-\xff]*")'
    rb"(?=[ \t\r\n,\]}])"
).match
#: How near its end a window may be faulted for cutting something in two ("\ud83d\ude00").
_CUT = 16


class Parsed(msgspec.Struct):
    """Outcome of parsing one value: positions are in the buffer as it is afterwards.

    ``resume`` is where reading goes on; it is None when the value was corrupt
    and its end is unknown, so the reader has to look for the next element.
    """

    value: Any
    start: int
    resume: int | None
    problem: StreamProblem | None = None


class ValueScanner:
    """Parses the JSON value at a position of its buffer; the base of the stream readers."""

    def __init__(self, buf: Buffer) -> None:
        self._buf = buf
        self._guess = 16 * 1024
        # The line break and indentation before the last element, and the line closing it.
        self._lead = b""
        self._closer = b""

    def _abs(self, pos: int) -> int:
        return self._buf.base + pos

    def _value(self, pos: int) -> Parsed:
        """Parse the value that starts at ``pos``."""
        pos, end = self._pretty_end(pos)
        if end is not None:
            raw = self._buf.data[pos:end]
            try:
                return Parsed(orjson.loads(raw), pos, end)
            except orjson.JSONDecodeError as exc:
                if exc.msg.startswith("str is not valid UTF-8"):
                    value, problem = self._not_utf8(raw, pos)
                    return Parsed(value, pos, end, problem)
                if not exc.msg.startswith(("unexpected content", "unexpected end of data")):
                    # The layout says where the element ends. orjson refused what is inside:
                    # JSON that Python's json reads (a lone surrogate, 1e400), or broken.
                    try:
                        return Parsed(loads_as_json(raw), pos, end)
                    except json.JSONDecodeError as slow:
                        misled = slow.msg.startswith("Extra data") or slow.pos >= len(
                            slow.doc.rstrip()
                        )
                    except UnicodeDecodeError:
                        # orjson stopped at a surrogate before it met bytes that are not UTF-8.
                        value, problem = self._not_utf8(raw, pos)
                        return Parsed(value, pos, end, problem)
                    except ValueError:
                        misled = False
                    if not misled:
                        where = self._abs(pos) + char_to_byte(raw, exc.pos)
                        return Parsed(
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
            if lead == b"\n":
                return self._line_end(pos)
            closer = self._closer
            newline = pos - len(lead)
        else:
            newline = data.rfind(b"\n", max(0, pos - 256), pos)
            if newline < 0:
                return pos, None
            indent = data[newline + 1 : pos]
            if indent.strip(_WS):
                return pos, None
            if not indent and opener == 123:
                # One element per line, unindented (``json.dumps`` of each entry): the line
                # ends the element, or the layout is another one and the parse says so.
                return self._line_end(pos)
            closer = b"\n" + indent + (b"}" if opener == 123 else b"]")
            if opener == 123:
                self._lead = b"\n" + indent
                self._closer = closer
        searched = pos
        while True:
            # stringzilla, not bytes.find or a regex: for a needle of blanks, which
            # pretty-printed JSON is full of, its SIMD scan is several times faster.
            found = find_bytes(data, closer, searched)
            if found >= 0:
                return pos, found + len(closer)
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

    def _line_end(self, pos: int) -> tuple[int, int | None]:
        """The end of the line ``pos`` is on, less a closing comma and blanks.

        A JSON string holds no raw newline, so an element written on one line
        ends there; when the parse of those bytes fails, the value is read the
        general way.
        """
        buf = self._buf
        data = buf.data
        searched = pos
        while True:
            newline = data.find(b"\n", searched)
            if newline >= 0:
                break
            if len(data) - pos > MAX_ELEMENT:
                return pos, None
            searched = len(data)
            keep = max(0, pos - 1)
            shift = buf.more(keep)
            if shift is None:
                newline = len(data)
                break
            pos -= shift
            searched -= shift
            data = buf.data
        end = newline
        while end > pos and data[end - 1] in _WS:
            end -= 1
        if end > pos and data[end - 1] == 44:  # ,
            end -= 1
        return pos, end

    def _general(self, pos: int) -> Parsed:
        """Let orjson find the end of the value in a growing window."""
        buf = self._buf
        scalar = _SCALAR(buf.data, pos)
        if scalar is not None:
            # A number, literal or plain string, and a byte that ends it: read as the window
            # below would read it, without the window and orjson's error past its end.
            end = scalar.end()
            try:
                value = orjson.loads(buf.data[pos:end])
            except orjson.JSONDecodeError:
                pass
            else:
                self._guess = max(4096, 2 * (end - pos))
                return Parsed(value, pos, end)
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
                    end = pos + char_to_byte(window, exc.pos)
                    while end > pos and buf.data[end - 1] in _WS:
                        end -= 1
                    self._guess = max(4096, 2 * (end - pos))
                    return self._finish(pos, end)
                if msg.startswith("str is not valid UTF-8"):
                    return self._general_not_utf8(pos, width)
                if not msg.startswith(("unexpected end of data", "input data is empty")):
                    where = self._abs(pos + char_to_byte(window, exc.pos))
                    refused = StreamProblem("corrupt", refusal(exc, where), where)
                    return self._general_slow(pos, width, refused)
                if not at_end:
                    width *= 2
                    continue
                if len(buf.data) - pos > MAX_ELEMENT:
                    return Parsed(None, pos, None, too_large(self._abs(pos)))
                shift = buf.more(pos)
                if shift is None:
                    return Parsed(
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
            return Parsed(value, pos, end)

    def _finish(self, pos: int, end: int) -> Parsed:
        raw = self._buf.data[pos:end]
        try:
            return Parsed(loads(raw), pos, end)
        except orjson.JSONDecodeError as exc:
            where = self._abs(pos) + char_to_byte(raw, exc.pos)
            return Parsed(None, pos, None, StreamProblem("corrupt", refusal(exc, where), where))

    def _general_slow(self, pos: int, width: int, refused: StreamProblem) -> Parsed:
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
                return Parsed(None, pos, None, refused)
            except json.JSONDecodeError as exc:
                # Only a window that ends too soon is worth widening (it may cut a string, a
                # number or an escape pair in two); a fault well inside it stays.
                cut = exc.msg.startswith("Unterminated string") or exc.pos >= len(text) - _CUT
                if not cut:
                    return Parsed(None, pos, None, refused)
                if pos + width < len(buf.data):
                    width *= 2
                    continue
                if len(buf.data) - pos > MAX_ELEMENT:
                    return Parsed(None, pos, None, too_large(self._abs(pos)))
                shift = buf.more(pos)
                if shift is None:
                    return Parsed(None, pos, None, refused)
                pos -= shift
                width *= 2
                continue
            end = pos + len(text[:end_char].encode("utf-8", "surrogateescape"))
            value, problem = self._not_utf8(buf.data[pos:end], pos)
            if value is None and problem is not None:
                return Parsed(None, pos, None, refused)
            return Parsed(value, pos, end, problem)

    def _general_not_utf8(self, pos: int, width: int) -> Parsed:
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
                    return Parsed(None, pos, None, too_large(self._abs(pos)))
                shift = buf.more(pos)
                if shift is not None:
                    pos -= shift
                    width *= 2
                    continue
                where = pos + len(text[: exc.pos].encode("utf-8", "surrogateescape"))
                kind = "truncated" if exc.pos >= len(text.rstrip()) - 1 else "corrupt"
                return Parsed(
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
            # A value of None is JSON's null unless a problem says the parse failed; only
            # then is the end unknown.
            failed = value is None and problem is not None
            return Parsed(value, pos, None if failed else end, problem)

    def _utf8_problem(self, raw: bytes, pos: int) -> StreamProblem | None:
        """The problem of the first byte of ``raw`` (at ``pos``) that is not UTF-8, or None."""
        return utf8_problem(raw, self._abs(pos))

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
            where = self._abs(pos) + char_to_byte(raw, exc.pos)
            return None, StreamProblem("corrupt", refusal(exc, where), where)
