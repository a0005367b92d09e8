"""What can be wrong with a streamed JSON document, in words that name the byte.

The readers raise and record these; the HAR and cassette readers turn each
into the input finding of its kind (``corrupt``, ``truncated``, ``not-utf8``).
"""

from __future__ import annotations

#: An element larger than this is reported and skipped instead of buffered whole.
MAX_ELEMENT = 96 * 1024 * 1024


class StreamProblem(Exception):
    """Something about the input, raised inside this module and turned into a record."""

    def __init__(self, kind: str, message: str, offset: int | None, fatal: bool = False) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.offset = offset
        self.fatal = fatal


def utf8_problem(raw: bytes, offset: int) -> StreamProblem | None:
    """The problem of the first byte of ``raw`` (at absolute ``offset``) that is not UTF-8.

    None when ``raw`` is UTF-8. The words are the same whether the element is
    then read (with U+FFFD) or skipped, so a report does not depend on which
    entries were parsed.
    """
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = offset + exc.start
        return StreamProblem(
            "not-utf8", f"byte 0x{raw[exc.start]:02x} at offset {where} is not UTF-8", where
        )
    return None


def too_large(offset: int) -> StreamProblem:
    return StreamProblem(
        "corrupt",
        f"element larger than {MAX_ELEMENT // (1024 * 1024)} MiB; not read",
        offset,
        fatal=True,
    )


def char_to_byte(raw: bytes, char_pos: int) -> int:
    """orjson reports positions in characters; turn one into a byte offset in ``raw``."""
    if raw.isascii():
        return char_pos
    return len(raw.decode("utf-8", "replace")[:char_pos].encode("utf-8"))
