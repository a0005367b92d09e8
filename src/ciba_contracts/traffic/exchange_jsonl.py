"""JSON lines of exchanges: one recorded request and answer per line.

Each line is::

    {"request": {"method": "POST", "url": "https://...", "headers": {...}, "body": "..."},
     "response": {"status": 200, "headers": {...}, "body": "..."}}

``headers`` is a mapping (name to value or list of values) or a list of
``[name, value]`` pairs or ``{"name", "value"}`` objects. ``body`` is the body
as text, null when there is none, or a JSON value already parsed by the
logger (serialised again for the check); a body that is not text can be given
as ``"body_base64"`` instead. ``response`` is null for a request that got no
answer. This is the exchange counterpart of the plain-payload JSON lines that
:mod:`ciba_contracts.traffic.payloads` reads; the two are told apart by
content (an object with ``request`` and ``response`` members).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Generator, Iterator, Mapping
from typing import Any, BinaryIO

import orjson

from ciba_contracts.jsondoc.parse import NotJson, parse_exact
from ciba_contracts.traffic.bodies import BodyError, from_base64, text_bytes
from ciba_contracts.traffic.common import (
    RecordedRequest,
    read_request,
    received_body,
    recorded_status,
)
from ciba_contracts.traffic.exchange import (
    ENTRY_UNREADABLE,
    INPUT_NOT_UTF8,
    INPUT_TRUNCATED,
    InputProblem,
    Location,
    Record,
    Wanted,
    header_pairs,
)

#: The position the stdlib parser names; a JSON line is one line, so only the column tells.
_POSITION = re.compile(r" at line 1 column (\d+)$")


def is_exchange_line(value: Any) -> bool:
    """Whether a parsed JSON line is an exchange rather than a plain payload."""
    return (
        isinstance(value, Mapping)
        and isinstance(value.get("request"), Mapping)
        and "response" in value
    )


def read_exchange_lines(
    stream: BinaryIO, source: str, wanted: Wanted | None = None
) -> Iterator[Record]:
    """Every exchange of a JSON lines stream, in file order."""
    offset = 0
    entry = 0
    for number, raw in enumerate(stream, 1):
        start = offset
        offset += len(raw)
        text = raw.strip()
        if number == 1 and text.startswith(b"\xef\xbb\xbf"):
            # A byte order mark before the first line, as some Windows tools write.
            text = text[3:].strip()
        if not text:
            continue
        location = Location(source, entry, start, number)
        entry += 1
        try:
            value = orjson.loads(text)
            exact = True
        except orjson.JSONDecodeError as exc:
            if exc.msg.startswith("str is not valid UTF-8"):
                read = yield from _not_utf8(text, location)
                if read is None:
                    continue
                value, exact = read
            elif exc.msg.startswith("unexpected end of data") and not raw.endswith(b"\n"):
                yield InputProblem(
                    location, INPUT_TRUNCATED, "the last line is cut short (no closing brace)"
                )
                continue
            else:
                # JSON that orjson cannot represent (1e400, a lone surrogate escape) is
                # still JSON; the shared parser reads it or says precisely why not.
                lead = len(raw) - len(raw.lstrip())
                read = yield from _parse_slow(text, location, lead)
                if read is None:
                    continue
                value, exact = read
        yield from exchange_record(value, location, wanted, exact=exact)


def _parse_slow(
    text: bytes | str, location: Location, lead: int = 0
) -> Generator[Record, None, tuple[Any, bool] | None]:
    try:
        return parse_exact(text)
    except NotJson as exc:
        reason = _POSITION.sub(lambda m: f" at column {int(m.group(1)) + lead}", str(exc))
        yield InputProblem(location, ENTRY_UNREADABLE, f"not valid JSON: {reason}")
        return None


def _not_utf8(text: bytes, location: Location) -> Generator[Record, None, tuple[Any, bool] | None]:
    try:
        text.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = (location.offset or 0) + exc.start
        yield InputProblem(
            location,
            INPUT_NOT_UTF8,
            f"byte 0x{text[exc.start]:02x} at offset {where} is not UTF-8",
        )
    return (yield from _parse_slow(text.decode("utf-8", "replace"), location))


def exchange_record(
    value: Any, location: Location, wanted: Wanted | None, *, exact: bool = True
) -> Iterator[Record]:
    """One parsed exchange line as an exchange, a skip, or the reason it cannot be read.

    ``exact`` is False when the line was read by the stdlib parser (orjson refused
    it): a body the logger stored parsed may then hold values orjson would write
    differently (infinity as ``null``) or not at all (lone surrogates, integers
    wider than 64 bits), so it is serialised again without orjson.
    """
    if not is_exchange_line(value):
        yield InputProblem(
            location,
            ENTRY_UNREADABLE,
            "the line is not an exchange (`request` object and `response`)",
        )
        return
    request = value["request"]
    recorded = read_request(
        request, location, wanted, ("url", "uri"), lambda message: _body(message, exact)
    )
    if not isinstance(recorded, RecordedRequest):
        yield recorded
        return
    response = value["response"]
    if response is None:
        yield recorded.exchange(location, None)
        return
    if not isinstance(response, dict):
        yield InputProblem(location, ENTRY_UNREADABLE, "`response` must be an object or null")
        return
    status = recorded_status(response.get("status", response.get("status_code")))
    if status is None:
        yield InputProblem(location, ENTRY_UNREADABLE, "`response.status` must be an integer")
        return
    headers = header_pairs(response.get("headers"))
    try:
        body = received_body(_body(response, exact), headers)
    except BodyError as exc:
        yield InputProblem(location, ENTRY_UNREADABLE, f"`response.body`: {exc}")
        return
    note = None if body is not None else "the response has no `body`"
    yield recorded.exchange(location, status, headers, body, note)


def _body(message: Mapping[str, Any], exact: bool = True) -> bytes | None:
    if message.get("body_base64") is not None:
        return from_base64(str(message["body_base64"]))
    body = message.get("body")
    if body is None:
        return None
    if isinstance(body, str):
        if message.get("encoding") == "base64":
            return from_base64(body)
        return text_bytes(body)
    # A logger that stored the parsed body: check what it serialises to.
    if not exact:
        try:
            return _dumps_as_read(body).encode("ascii")
        except RecursionError:
            raise BodyError("the body is nested too deeply to serialise") from None
    try:
        return orjson.dumps(body)
    except TypeError as exc:
        raise BodyError(f"the body cannot be serialised ({exc})") from None


def _dumps_as_read(value: Any) -> str:
    """JSON text of a value the stdlib parser read: the value the logger wrote.

    ``1e400`` was read as infinity, which JSON has no literal for; writing it
    back as ``1e400`` gives the checker the number the line held. Lone
    surrogates stay ``\\u`` escapes (ASCII output).
    """
    if isinstance(value, float) and not math.isfinite(value):
        return "1e400" if value > 0 else "-1e400"
    if isinstance(value, dict):
        members = (f"{json.dumps(key)}:{_dumps_as_read(item)}" for key, item in value.items())
        return "{" + ",".join(members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_dumps_as_read(item) for item in value) + "]"
    return json.dumps(value)
