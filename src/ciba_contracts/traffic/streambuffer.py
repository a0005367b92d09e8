"""The bytes of a large JSON document, read a block at a time, with offsets and lines.

The stream readers keep only the bytes from the element they are at onwards;
this window slides over the input, keeps every position absolute (a byte
offset and a 1-based line for each element a report names), and remembers
where the bytes stop being all ASCII, so that checking a skipped range for
UTF-8 costs one test per block, not one per range.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from typing import BinaryIO

import stringzilla

#: ``data.find``, ``data.rfind`` and ``data.count`` (needle, start, end) with SIMD, for the
#: stream readers: several times faster than ``bytes`` or a regex on long windows and for
#: needles of blanks (pretty-printed JSON is full of them), twice as fast on newlines.
find_bytes = stringzilla.find
rfind_bytes = stringzilla.rfind
count_bytes = stringzilla.count

#: Every byte that is not ASCII.
_NOT_ASCII = bytes(range(128, 256))


def all_ascii(data: bytes, start: int = 0, end: int | None = None) -> bool:
    """Whether ``data[start:end]`` is all ASCII, tested in place (one SIMD pass; slicing
    to call ``bytes.isascii`` would copy the range first)."""
    if end is None:
        end = len(data)
    return bool(stringzilla.find_first_of(data, _NOT_ASCII, start, end) < 0)


#: Line breaks to 1, every other byte to 0: the sum of bytes so translated counts them.
_LINE_BREAKS = bytes(1 if byte == 10 else 0 for byte in range(256))
#: Above one line break in this many bytes, counting them as the sum of a translated copy
#: (two SIMD passes) beats searching for each one: pretty-printed JSON has one in about
#: 40 bytes (a search costs about 5 ns each), one entry a line one in thousands.
_DENSE_LINES = 200


def count_newlines(data: bytes, start: int, end: int, dense: bool) -> int:
    """How many line breaks ``data[start:end]`` holds, counted the way that is faster for
    ``dense`` ones (many per block) or sparse ones; the count is the same either way."""
    if dense:
        return int(
            stringzilla.bytesum(stringzilla.translate(data, _LINE_BREAKS, start=start, end=end))
        )
    return int(count_bytes(data, b"\n", start, end))


class Buffer:
    """A sliding window over a binary stream with absolute offsets and line numbers."""

    def __init__(self, stream: BinaryIO, chunk: int) -> None:
        self.stream = stream
        self.chunk = chunk
        self.data = b""
        self.base = 0  # absolute offset of data[0]
        self.eof = False
        self._newlines = 0  # newlines in the stream before data[_counted]
        self._counted = 0
        self._dense_lines = False  # whether the last range counted had many line breaks
        # Absolute offset from which every byte read so far is ASCII (the end of the last
        # block that was not): one check per block instead of one per skipped range.
        self.clean_from = 0
        # A plain file is read again from the first byte kept: the kernel copies the kept
        # bytes with the next block, where joining them would copy the whole block once more
        # (3 % of a dense recording's CPU). Other streams are joined: decompressors and
        # pipes cannot seek, and a remote file would fetch the kept bytes again.
        raw = getattr(stream, "raw", None)
        self._rereads = isinstance(raw, io.FileIO) and stream.seekable()
        #: Told the absolute offset read up to after each read (see :meth:`more`).
        self.watch: Callable[[int], None] | None = None

    def more(self, keep_from: int) -> int | None:
        """Read another chunk, dropping the bytes before ``keep_from``.

        Returns how many bytes were dropped (callers shift their positions by
        it), or None at the end of the input. ``watch``, when set, is told the
        absolute offset read up to, before the caller sees the new bytes.
        """
        dropped = self._more(keep_from)
        if self.watch is not None and dropped is not None:
            self.watch(self.base + len(self.data))
        return dropped

    def _more(self, keep_from: int) -> int | None:
        if self.eof:
            return None
        keep_from = max(0, min(keep_from, len(self.data)))
        kept = len(self.data) - keep_from
        if keep_from and kept and self._rereads:
            try:
                self.stream.seek(-kept, io.SEEK_CUR)
            except (OSError, ValueError):
                self._rereads = False
            else:
                return self._next(self.stream.read(self.chunk + kept), keep_from, kept)
        block = self.stream.read(self.chunk)
        if not keep_from:
            if not block:
                self.eof = True
                return None
            if not all_ascii(block):
                self.clean_from = self.base + len(self.data) + len(block)
            self.data += block
            return 0
        if kept:
            block = b"".join((memoryview(self.data)[keep_from:], block))
        return self._next(block, keep_from, kept)

    def _next(self, data: bytes, keep_from: int, kept: int) -> int | None:
        """Make ``data`` (the bytes kept, then those read) the window, dropping the rest."""
        if len(data) <= kept:
            self.eof = True
            return None
        start = self.base + keep_from
        # Only the new bytes need the test: kept bytes known ASCII leave the answer to them,
        # and kept bytes that are not would make it no for all.
        if not all_ascii(data, 0 if self.clean_from <= start else kept):
            self.clean_from = start + len(data)
        if keep_from > self._counted:
            self._newlines += self._count_lines(self._counted, keep_from)
            self._counted = keep_from
        self._counted -= keep_from
        self.data = data
        self.base = start
        return keep_from

    def skip_newlines(self, upto: int) -> None:
        """Leave the line breaks before ``data[upto]`` uncounted (bytes before the start)."""
        self._counted = upto

    def line_at(self, pos: int) -> int:
        """1-based line of ``data[pos]``; positions asked for must not go backwards."""
        if pos > self._counted:
            self._newlines += self._count_lines(self._counted, pos)
            self._counted = pos
        return self._newlines + 1

    def _count_lines(self, start: int, end: int) -> int:
        # The way to count is chosen by how dense the last range counted was: a file keeps
        # its layout, and a wrong guess costs time, never a wrong count.
        found = count_newlines(self.data, start, end, self._dense_lines)
        self._dense_lines = found * _DENSE_LINES > end - start
        return found


def lead_before(stream: BinaryIO, start: int) -> bytes:
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


def is_utf8(raw: bytes) -> bool:
    if raw.isascii():
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
