"""Plain payload files: ``.json`` (one payload) and ``.jsonl``/``.ndjson`` (one per line).

A JSON lines file is read a line at a time, so its size does not matter.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import msgspec

from ciba_contracts.jsondoc.parse import NotJson, parse_json

JSON_SUFFIXES = (".json",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
#: Names that mark a file as plain payloads.
PAYLOAD_SUFFIXES = JSON_SUFFIXES + JSONL_SUFFIXES


class PayloadEntry(msgspec.Struct, frozen=True):
    """One payload read from a source; ``entry`` counts from 0, ``line`` from 1."""

    source: str
    entry: int
    line: int | None
    body: bytes


def read_payload_stream(source: str, handle: BinaryIO, suffix: str) -> Iterator[PayloadEntry]:
    """Payloads of an open stream named ``source``, read as its ``suffix`` says.

    ``.json`` is one payload whatever its JSON type, ``.jsonl``/``.ndjson`` one
    payload per non-blank line; any other suffix is told apart by its content.
    The stream is one :func:`ciba_contracts.traffic.detect.open_input` opened
    (decompressed, sniffed).
    """
    if suffix in JSONL_SUFFIXES:
        yield from _lines(source, handle)
    elif suffix in JSON_SUFFIXES:
        yield PayloadEntry(source, 0, 1, handle.read())
    else:
        yield from _sniffed(source, handle)


def _lines(
    source: str, handle: BinaryIO, first: tuple[int, bytes] | None = None
) -> Iterator[PayloadEntry]:
    entry = 0
    if first is not None:
        yield PayloadEntry(source, entry, first[0], first[1])
        entry += 1
        start = first[0] + 1
    else:
        start = 1
    for number, raw in enumerate(handle, start):
        body = raw.strip()
        if body:
            yield PayloadEntry(source, entry, number, body)
            entry += 1


def _sniffed(source: str, handle: BinaryIO) -> Iterator[PayloadEntry]:
    """JSON lines when the first non-blank line is a JSON document by itself, else one payload."""
    number = 0
    skipped: list[bytes] = []
    for raw in handle:
        number += 1
        skipped.append(raw)
        body = raw.strip()
        if not body:
            continue
        try:
            parse_json(body)
        except NotJson:
            # A document spread over lines (pretty-printed JSON), or not JSON at all:
            # the whole input is one payload.
            rest = handle.read()
            yield PayloadEntry(source, 0, number, b"".join(skipped) + rest)
            return
        yield from _lines(source, handle, (number, body))
        return
    if skipped:
        yield PayloadEntry(source, 0, 1, b"".join(skipped))
