"""The stream buffer reads a plain file's kept bytes again, and any other stream once."""

from __future__ import annotations

import io
from pathlib import Path

from ciba_contracts.traffic.streambuffer import Buffer


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
