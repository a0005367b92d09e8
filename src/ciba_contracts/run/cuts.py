"""Where a large HAR file can be cut between two entries, for processes to read apart.

In a HAR file written one entry a line, or pretty-printed, every entry starts on a
line of its own at the entries' indentation: a cut point is found with one search
for a line break, that indentation and an opening brace.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import BinaryIO

from ciba_contracts.traffic import storage
from ciba_contracts.traffic.detect import HAR, open_input
from ciba_contracts.traffic.jsonstream import ArrayStream

__all__ = ["Layout", "cut_points", "entry_layout", "find_from", "next_entry"]


#: Where a HAR file's first entry starts, and the bytes that start a line holding an
#: entry (a line break, the indentation, ``{``).
Layout = tuple[int, bytes]


def entry_layout(name: str) -> Layout | None:
    """The file's :data:`Layout`; None if the file cannot be cut safely."""
    opened = open_input(name)
    try:
        if opened.format != HAR or opened.compressed or opened.notes:
            return None
        elements = ArrayStream(opened.stream, ("log", "entries"), ("request",))
        first = next(iter(elements), None)
        if first is None:
            return None
        start = first.offset
    finally:
        opened.close()
    handle, _ = storage.open_binary(name)
    with handle:
        handle.seek(max(0, start - 256))
        before = handle.read(start - max(0, start - 256))
    newline = before.rfind(b"\n")
    indent = before[newline + 1 :]
    if newline < 0 or indent.strip(b" \t\r"):
        # Not one entry per line: a cut point could not be trusted, so do not cut.
        return None
    return start, b"\n" + indent + b"{"


def cut_points(name: str, size: int, weights: Sequence[int], layout: Layout) -> list[int]:
    """Where to cut the file, laid out as ``layout`` says, into slices of about
    ``weights``' shares of its entries' bytes (fewer cuts where two would fall in one
    entry)."""
    start, marker = layout
    handle, _ = storage.open_binary(name)
    with handle:
        cuts: list[int] = []
        total = sum(weights)
        share = 0
        for weight in weights[:-1]:
            share += weight
            target = start + (size - start) * share // total
            if cuts and target <= cuts[-1]:
                continue
            cut = next_entry(handle, target, marker)
            if cut is None:
                break
            if not cuts or cut > cuts[-1]:
                cuts.append(cut)
        return cuts


def next_entry(handle: BinaryIO, offset: int, marker: bytes) -> int | None:
    """The start (its ``{``) of the first entry whose line begins at or after ``offset``."""
    found = find_from(handle, offset, marker)
    return None if found is None else found + len(marker) - 1


def find_from(handle: BinaryIO, offset: int, marker: bytes, block: int = 1024 * 1024) -> int | None:
    """The offset of the first ``marker`` at or after ``offset``, or None."""
    handle.seek(offset)
    carry = b""
    base = offset
    while True:
        data = handle.read(block)
        if not data:
            return None
        window = carry + data
        hit = window.find(marker)
        if hit >= 0:
            return base - len(carry) + hit
        carry = window[-len(marker) :]
        base += len(data)
