"""Walking a JSON document read through a stream to one array inside it, and out.

The document around the array a reader streams (a HAR file's ``log``, a
cassette's top object) is walked member by member: keys are read, values
before the array skipped (their bytes checked, not kept), and after the array
the enclosing objects must close with nothing following. What goes wrong is
a :class:`~ciba_contracts.traffic.streamproblems.StreamProblem`; the array's
elements are :class:`~ciba_contracts.traffic.jsonstream.ArrayStream`'s.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import orjson

from ciba_contracts.jsondoc.lenient import loads
from ciba_contracts.traffic.streambuffer import Buffer
from ciba_contracts.traffic.streamproblems import StreamProblem
from ciba_contracts.traffic.streamskip import RunSkipper

__all__ = ["DocumentWalker"]

_SKIP_WS = re.compile(rb"[ \t\r\n]*")
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


class DocumentWalker(RunSkipper):
    """The way to the array at ``path`` (object keys, outermost first) and back out."""

    def __init__(
        self,
        buf: Buffer,
        candidate: tuple[bytes, ...] | None,
        stop: int | None,
        path: Sequence[str],
    ) -> None:
        super().__init__(buf, candidate, stop)
        self._path = tuple(path)
        #: Problems met outside any element, in the order met.
        self.problems: list[StreamProblem] = []
        # Objects still open around the array once inside it.
        self._depth_left = 0

    # -- small steps ----------------------------------------------------------------

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

    def _fatal(self, kind: str, message: str, pos: int) -> StreamProblem:
        """A problem at ``pos`` after which the document cannot be read on."""
        return StreamProblem(kind, message, self._abs(pos), True)

    def _byte(self, pos: int, what: str) -> int:
        pos = self._ws(pos)
        if pos >= len(self._buf.data):
            raise self._fatal("truncated", f"the document ends where {what} was expected", pos)
        return pos

    def _key(self, pos: int) -> tuple[str, int]:
        buf = self._buf
        while True:
            m = _STRING.match(buf.data, pos)
            if m is not None:
                break
            if buf.data[pos : pos + 1] != b'"':
                raise self._fatal(
                    "corrupt", f"expected an object key, found {buf.data[pos : pos + 20]!r}", pos
                )
            shift = buf.more(pos)
            if shift is None:
                raise self._fatal("truncated", "the document ends inside an object key", pos)
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
            raise self._fatal(
                "corrupt",
                f"expected a JSON object holding {'.'.join(self._path[depth:])!r}, "
                f"found {buf.data[pos : pos + 20]!r}",
                pos,
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
                raise self._fatal("corrupt", f"expected ':' after key {key!r}", pos)
            pos = self._byte(pos + 1, f"the value of {key!r}")
            if key == want:
                opener = buf.data[pos]
                last = depth == len(self._path) - 1
                if last and opener == ord("["):
                    self._depth_left = depth + 1
                    return pos + 1
                if not last and opener == ord("{"):
                    return self._enter(pos, depth + 1)
                raise self._fatal(
                    "corrupt", f"{want!r} is not {'an array' if last else 'an object'}", pos
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
                raise self._fatal("corrupt", f"unexpected {bytes([c])!r} after the array", pos)
        pos = self._ws(pos)
        if pos < len(buf.data):
            self.problems.append(
                StreamProblem("corrupt", "unexpected content after the document", self._abs(pos))
            )
