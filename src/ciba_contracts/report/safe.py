"""Text from recordings made safe to print: no control characters, no lone surrogates.

Recordings are hostile input. A header value may hold a newline or an escape
sequence (a fake report line, a terminal that changes colour or title), and a
file name that is not UTF-8 reaches Python as lone surrogates, which no UTF-8
writer (orjson, a file opened with ``encoding="utf-8"``) can encode. Reporters
pass every string that came from an input through :func:`printable`.
"""

from __future__ import annotations

import re

#: C0 controls, DEL, C1 controls, and UTF-16 surrogates (never valid on their own).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:
        # A byte of a non-UTF-8 file name, as os.fsdecode escaped it.
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with control characters and lone surrogates written as escapes."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_escape, text)


_SURROGATE = re.compile("[\ud800-\udfff]")


def encodable(text: str) -> str:
    """``text`` with lone surrogates (only) escaped, for JSON and XML writers."""
    if _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub(_escape, text)
