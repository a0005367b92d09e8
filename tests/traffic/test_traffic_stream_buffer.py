"""The stream buffer reads a plain file's kept bytes again, and any other stream once; it
counts line breaks the same whichever way it counts them."""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from ciba_contracts.traffic.streambuffer import Buffer, all_ascii, count_newlines


class _CountingRaw(io.RawIOBase):
    """A seekable stream that is no file (as a remote object's is): it counts what it gives."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.given = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        self.given += len(chunk)
        return len(chunk)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._data.seek(offset, whence)

    def tell(self) -> int:
        return self._data.tell()


_TEXT = ("é" + "x" * 99 + "\n").encode() * 200


def _read_keeping_half(buffer: Buffer) -> tuple[bytes, int]:
    """Every byte of the stream, read with half of each window kept; the last window's ASCII
    start."""
    seen = bytearray()
    taken = 0
    while True:
        keep_from = len(buffer.data) // 2
        seen += buffer.data[taken - buffer.base if taken > buffer.base else 0 : keep_from]
        taken = max(taken, buffer.base + keep_from)
        if buffer.more(keep_from) is None:
            seen += buffer.data[taken - buffer.base :]
            return bytes(seen), buffer.clean_from


def test_a_stream_that_is_no_file_is_read_once() -> None:
    raw = _CountingRaw(_TEXT)
    buffer = Buffer(io.BufferedReader(raw, 64), 1000)
    seen, _ = _read_keeping_half(buffer)
    assert seen == _TEXT
    assert raw.given == len(_TEXT)


def test_a_plain_file_gives_the_same_bytes_read_again(tmp_path: Path) -> None:
    path = tmp_path / "text"
    path.write_bytes(_TEXT)
    with path.open("rb") as handle:
        seen, clean_from = _read_keeping_half(Buffer(handle, 1000))
    joined, joined_clean = _read_keeping_half(Buffer(io.BufferedReader(_CountingRaw(_TEXT)), 1000))
    assert seen == joined == _TEXT
    # Non-ASCII in every block: the last one is where ASCII would start, either way.
    assert clean_from == joined_clean == len(_TEXT)


@given(
    data=st.binary(max_size=600)
    | st.lists(st.sampled_from([b"\n", b"ab", b"\r\n", b"\x8a"])).map(b"".join),
    start=st.integers(0, 700),
    size=st.integers(0, 700),
)
def test_line_breaks_count_the_same_dense_or_sparse(data: bytes, start: int, size: int) -> None:
    # Dense ranges are counted as the sum of a translated copy, sparse ones by search: the
    # reader picks by the last range, so both must give what bytes.count gives.
    start = min(start, len(data))
    end = min(start + size, len(data))
    expected = data.count(b"\n", start, end)
    assert count_newlines(data, start, end, dense=True) == expected
    assert count_newlines(data, start, end, dense=False) == expected


def test_lines_stay_right_when_the_layout_changes_density() -> None:
    # Pretty-printed lines, then one long line, then short ones again: the way of counting
    # switches with the density, the line numbers do not drift.
    data = b"{\n" * 300 + b"x" * 5000 + b"\n" + b"[\n" * 300
    buffer = Buffer(io.BytesIO(data), 256)
    while buffer.more(0) is not None:
        pass
    for pos in range(0, len(data), 97):
        assert buffer.line_at(pos) == data.count(b"\n", 0, pos) + 1


@given(
    data=st.binary(max_size=300) | st.text(max_size=100).map(str.encode),
    start=st.integers(0, 320),
    size=st.integers(0, 320),
)
def test_ascii_is_told_in_place_as_isascii_tells_it(data: bytes, start: int, size: int) -> None:
    start = min(start, len(data))
    end = min(start + size, len(data))
    assert all_ascii(data, start, end) == data[start:end].isascii()
    assert all_ascii(data, start) == data[start:].isascii()


def test_a_block_after_one_not_ascii_is_told_apart() -> None:
    # The kept bytes are not ASCII; the block read after them is: ranges in it are clean.
    data = "é".encode() + b"x" * 300 + b"y" * 300
    buffer = Buffer(io.BytesIO(data), 256)
    buffer.more(0)
    assert buffer.clean_from == 256
    buffer.more(250)
    assert buffer.clean_from == 256
