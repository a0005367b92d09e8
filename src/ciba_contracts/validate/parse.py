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

_INT64 = 2**63


class NotJson(ValueError):
    """The input is not a JSON document; the message says why and where."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def parse_json(data: bytes | bytearray | memoryview | str) -> Any:
    """Parse one JSON document, raising :class:`NotJson` with a clear reason."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        first_error = str(exc)
    return _parse_slow(data, first_error)


def _parse_slow(data: bytes | bytearray | memoryview | str, first_error: str) -> Any:
    if isinstance(data, str):
        text = data
    else:
        raw = bytes(data)
        if raw.startswith(b"\xef\xbb\xbf"):
            raise NotJson("starts with a UTF-8 byte order mark (RFC 8259 §8.1)")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NotJson(f"not UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start}") from None
    if not text.strip():
        raise NotJson("empty document")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise NotJson("nested too deeply to parse") from None
    except json.JSONDecodeError as exc:
        raise NotJson(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
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
