"""Small, safe renderings of values and locations for messages."""

from __future__ import annotations

import math
from collections.abc import Iterable

import orjson

from ciba_contracts.redact import redact_text

VALUE_LIMIT = 80
#: How much of a text to be cut is masked first: a credential that starts inside the
#: part shown is masked whole, and the masking never reads an unbounded text.
_MASKED_BEFORE_CUT = 2


def pointer(parts: Iterable[str | int]) -> str:
    """A JSON pointer (RFC 6901) from path parts."""
    out = []
    for part in parts:
        text = str(part).replace("~", "~0").replace("/", "~1")
        out.append("/" + text)
    return "".join(out)


def pointer_tokens(where: str) -> list[str]:
    """The reference tokens of a JSON pointer, unescaped (the inverse of :func:`pointer`)."""
    return [t.replace("~1", "/").replace("~0", "~") for t in where.split("/")[1:]]


def json_type(value: object) -> str:
    """The JSON type name of a parsed value, as JSON Schema spells it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def render(value: object, limit: int = VALUE_LIMIT) -> str:
    """JSON text of ``value``, cut to ``limit`` characters with an ellipsis."""
    if isinstance(value, float) and not math.isfinite(value):
        # orjson would print null, which hides what the payload said.
        return "NaN" if math.isnan(value) else ("-Infinity" if value < 0 else "Infinity")
    try:
        text = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):
        try:
            text = repr(value)
        except RecursionError:
            text = f"<{json_type(value)} nested too deeply to show>"
    return truncate(text, limit)


def truncate(text: str, limit: int = VALUE_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, marking the cut.

    Credentials are masked before the cut: a cut token (a JWT without its
    signature, say) may no longer look like one afterwards.
    """
    if len(text) <= limit:
        return text
    return redact_text(text[: limit * _MASKED_BEFORE_CUT])[: limit - 1] + "…"


def json_equal(a: object, b: object) -> bool:
    """Equality as JSON sees it: 1 == 1.0, but true != 1 and "1" != 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b
