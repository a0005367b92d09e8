"""Turning bytes or text into a parsed JSON value, or a precise reason why not.

orjson is the fast path. When it refuses, the slower stdlib parser tells apart
documents orjson cannot represent but JSON allows (lone surrogate escapes) from
real faults, and the fault gets a message a person can act on.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import orjson

from ciba_contracts.jsondoc.lenient import TooDeep, loads_as_json

_INT64 = 2**63


class NotJson(ValueError):
    """The input is not a JSON document; the message says why and where."""


def parse_json(data: bytes | bytearray | memoryview | str) -> Any:
    """Parse one JSON document, raising :class:`NotJson` with a clear reason."""
    return parse_exact(data)[0]


def parse_exact(data: bytes | bytearray | memoryview | str) -> tuple[Any, bool]:
    """Parse one JSON document; also says whether orjson read it.

    orjson's numbers are all judgeable by the compiled validator; the stdlib's
    (read when orjson refuses a document JSON allows) may need
    :func:`clamp_big_ints`. Raises :class:`NotJson` with a clear reason.
    """
    try:
        return orjson.loads(data), True
    except orjson.JSONDecodeError as exc:
        first_error = str(exc)
    if type(data) is str:
        reason = known_reason(data)
        if reason is not None:
            raise NotJson(reason)
    return parse_refused(data, first_error), False


def not_json_reason(text: str) -> str | None:
    """Why ``text`` is not one JSON document, as :func:`parse_exact` says it, or None."""
    reason = known_reason(text)
    if reason is not None:
        return reason
    try:
        parse_exact(text)
    except NotJson as exc:
        return str(exc)
    return None


# -- reasons already given ----------------------------------------------------------------
#
# Documents that are not JSON come in families (the vendor's example with its backslashes,
# copied by every stand-in), and wording why costs a second parse by the standard library.
# Its scanner reads a document from the start and stops at the first fault. For the faults
# below it has read nothing past the fault's position but a few characters (the longest
# look-ahead is "-Infinity"), so any document that starts with the same characters up to
# there fails at the same place with the same message. (A string left open is not among
# them: it is reported where it starts, after a read to the end.) Since the standard library
# refuses such a document, orjson, which reads JSON strictly, refuses it too.
_LOCAL_FAULTS = (
    "Expecting",
    "Invalid control character",
    "Invalid \\escape",
    "Invalid \\uXXXX escape",
    "Extra data",
)
_LOOK_AHEAD = 10
_REASONS_KEPT = 1024
_POSITIONS_KEPT = 16
# ((position, the document's first position + _LOOK_AHEAD characters -> reason), ...). A
# new tuple replaces the old one when a position is added, and a new dictionary a full one,
# so a reader in another thread never sees either change under it.
_reasons: tuple[tuple[int, dict[str, str]], ...] = ()


def known_reason(text: str) -> str | None:
    """The reason already given for a document that starts as ``text`` does, if any."""
    for position, table in _reasons:
        reason = table.get(text[: position + _LOOK_AHEAD])
        if reason is not None:
            return reason
    return None


def _remember(text: str, fault: json.JSONDecodeError, reason: str) -> None:
    global _reasons
    if not fault.msg.startswith(_LOCAL_FAULTS):
        return
    known = dict(_reasons)
    table = known.get(fault.pos)
    if table is None or len(table) >= _REASONS_KEPT:
        if table is None and len(known) >= _POSITIONS_KEPT:
            known = {}
        table = known[fault.pos] = {}
        _reasons = tuple(known.items())
    table[text[: fault.pos + _LOOK_AHEAD]] = reason


def parse_refused(data: bytes | bytearray | memoryview | str, first_error: str) -> Any:
    """Parse a document orjson refused (with ``first_error``), as :func:`parse_exact` does
    then: what JSON allows and orjson cannot represent, or :class:`NotJson` with a reason."""
    if isinstance(data, str):
        text = data
        if text.startswith("\ufeff"):
            raise NotJson("starts with a byte order mark (RFC 8259 §8.1)")
    else:
        raw = bytes(data)
        if raw.startswith(b"\xef\xbb\xbf"):
            raise NotJson("starts with a byte order mark (RFC 8259 §8.1)")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NotJson(f"not UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start}") from None
    if not text.strip():
        raise NotJson("empty document")
    try:
        return loads_as_json(text)
    except TooDeep:
        raise NotJson("nested too deeply to parse") from None
    except json.JSONDecodeError as exc:
        reason = f"{exc.msg} at line {exc.lineno} column {exc.colno}"
        if type(data) is str:
            _remember(text, exc, reason)
        raise NotJson(reason) from None
    except ValueError as exc:
        raise NotJson(str(exc) or first_error) from None


def clamp_big_ints(obj: dict[str, Any]) -> dict[str, Any]:
    """Top-level numbers the compiled schema validator cannot judge, made judgeable.

    It does not see integers wider than 64 bits nor infinite floats (``1e400``
    parses as infinity), and a range check must not silently pass them: both
    become the largest finite float of their sign, which every range rejects.
    """
    if any(_unjudgeable(v) for v in obj.values()):
        return {k: _clamped(v) if _unjudgeable(v) else v for k, v in obj.items()}
    return obj


def _unjudgeable(value: object) -> bool:
    if type(value) is int:
        return not -_INT64 <= value < _INT64
    return type(value) is float and not math.isfinite(value)


def _clamped(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return value
    negative = value < 0  # type: ignore[operator]
    return -sys.float_info.max if negative else sys.float_info.max


_DEPTH = 64


def judgeable(
    obj: dict[str, Any], known: frozenset[str]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """``obj`` reduced to what the compiled validator can read, and what it could not.

    Called only after the validator refused an instance. Members no schema
    constrains are dropped (a tolerant reader ignores them, however deep or odd
    they are); lone surrogates become U+FFFD; containers nested past any depth
    the checks look at become empty ones of the same JSON type. A known member
    holding a value that is not JSON data at all (a set, bytes, an arbitrary
    object) is left out and returned as (member, Python type name).
    """
    clean: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for key, value in obj.items():
        if not isinstance(key, str) or key not in known:
            continue
        try:
            clean[key] = _plain(value, 0)
        except TypeError:
            problems.append((key, type(value).__name__))
    return clean, problems


def _plain(value: Any, depth: int) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _clamped(value)
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list | tuple):
        return [] if depth >= _DEPTH else [_plain(v, depth + 1) for v in value]
    if isinstance(value, dict):
        if depth >= _DEPTH:
            return {}
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    raise TypeError(type(value).__name__)
