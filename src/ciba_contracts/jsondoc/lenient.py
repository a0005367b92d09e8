"""One JSON value read as JSON allows it: orjson first, Python's ``json`` where orjson refuses.

orjson is several times faster than the standard library and reads nearly
every recording alone. It refuses some documents that RFC 8259 and Python's
``json`` accept: lone surrogate escapes (``"\\udcff"``, which mitmproxy writes
for request bytes that are not UTF-8), numbers beyond a double (``1e400``,
read as infinity) and nesting past 1024 levels. A reader that turned those
entries into input problems would leave their answers unchecked, so every
reader goes through here: the standard library is asked only when orjson has
refused, and when both refuse, orjson's error (the one reports have always
named) stands.

``NaN`` and ``Infinity`` stay refused: Python's ``json`` reads them, but they
are no JSON, and no recorder writes them for a value it meant as JSON.
Nesting deeper than Python's own recursion limit (about 1000 levels) cannot
be read by either parser: that stays an input problem, with a message that
says so.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

#: orjson's nesting limit: its "depth limit exceeded" means the value is deeper than this.
ORJSON_DEPTH = 1024


class TooDeep(ValueError):
    """Python's ``json`` ran out of recursion on a deeply nested value."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


# One decoder for every call: json.loads with keyword arguments builds a new one each time.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
#: For finding where a value ends: the constants are refused only once the value is read.
END_FINDER = json.JSONDecoder()


def loads_as_json(raw: bytes | bytearray | memoryview | str) -> Any:
    """The value Python's ``json`` reads from ``raw`` (UTF-8 bytes or text).

    Raises ``ValueError`` (``UnicodeDecodeError``, ``json.JSONDecodeError``,
    :class:`TooDeep`) when it cannot.
    """
    text = raw if isinstance(raw, str) else bytes(raw).decode("utf-8")
    try:
        return _DECODER.decode(text)
    except RecursionError:
        raise TooDeep("nested too deeply for Python's json") from None


def loads(raw: bytes | bytearray | memoryview | str) -> Any:
    """orjson's value of ``raw``, or Python's ``json``'s when orjson refuses it.

    Raises orjson's ``JSONDecodeError`` when both refuse.
    """
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        try:
            return loads_as_json(raw)
        except ValueError:
            raise exc from None


def refusal(exc: orjson.JSONDecodeError, offset: int) -> str:
    """The input problem's words for an error of orjson's at byte ``offset`` of the input."""
    if exc.msg.startswith("depth limit exceeded"):
        return (
            f"nested more than {ORJSON_DEPTH} levels deep at byte {offset}; "
            "neither orjson nor Python's json reads that"
        )
    return f"not valid JSON: {exc.msg} at byte {offset}"
