"""Small, safe renderings of values and locations for messages."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import orjson

from ciba_contracts.redact import redact_text

VALUE_LIMIT = 80
_dumps = orjson.dumps
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
    if type(value) is str:
        # The usual value shown (a member, a document that is not JSON): no option to pass.
        try:
            return truncate(_dumps(value).decode(), limit)
        except orjson.JSONEncodeError:
            pass
    if isinstance(value, float) and not math.isfinite(value):
        # orjson would print null, which hides what the payload said.
        return "NaN" if math.isnan(value) else ("-Infinity" if value < 0 else "Infinity")
    try:
        text = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):
        # Too deep for orjson, an integer past 64 bits, a lone surrogate, or no JSON
        # data at all: Python's own text of it, as much as a cut shows.
        text = repr_head(value, limit * _MASKED_BEFORE_CUT + 1)
    return truncate(text, limit)


def repr_head(value: object, size: int) -> str:
    """The start of ``repr(value)``: all of it, or its first ``size`` characters or more.

    Built without recursion and only as far as it is shown. ``repr`` itself
    looks through every level above a nested list or dict before it writes it
    (to tell a list that holds itself), so its cost grows with the square of
    the depth, and past Python's recursion limit it fails. Here each level
    costs one step and any depth has a start to show. Lists, dicts and tuples
    are written here; any other value (a subclass too) is its own ``repr``.
    """
    out: list[str] = []
    length = 0
    # The containers being written, by id: one that holds itself shows as repr shows it.
    inside: set[int] = set()
    # Per open container: [its items left, its closing text, its id, is it a dict,
    # has an item been written].
    stack: list[list[Any]] = []
    item: Any = value
    try:
        while length < size:
            brackets = _BRACKETS.get(type(item))
            if brackets is None:
                text = repr(item)
            elif not item:
                text = brackets[0] + brackets[1]
            elif id(item) in inside:
                text = brackets[0] + "..." + brackets[1]
            else:
                text = brackets[0]
                inside.add(id(item))
                is_dict = type(item) is dict
                closer = ",)" if type(item) is tuple and len(item) == 1 else brackets[1]
                items = iter(item.items()) if is_dict else iter(item)
                stack.append([items, closer, id(item), is_dict, False])
            out.append(text)
            length += len(text)
            # On to the next item to write, closing the containers that have no more.
            while stack:
                frame = stack[-1]
                following = next(frame[0], _END)
                if following is _END:
                    stack.pop()
                    inside.discard(frame[2])
                    out.append(frame[1])
                    length += len(frame[1])
                    continue
                text = ", " if frame[4] else ""
                frame[4] = True
                if frame[3]:
                    key, item = following
                    text += repr(key) + ": "
                else:
                    item = following
                out.append(text)
                length += len(text)
                break
            else:
                break
    except RecursionError:
        # A value of another type whose own repr nests too deeply.
        return f"<{json_type(value)} nested too deeply to show>"
    return "".join(out)


_BRACKETS: dict[type, tuple[str, str]] = {list: ("[", "]"), dict: ("{", "}"), tuple: ("(", ")")}
_END: Any = object()


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
