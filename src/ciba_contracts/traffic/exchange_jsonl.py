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

from collections.abc import Generator, Iterator, Mapping
from typing import Any, BinaryIO

import orjson

from ciba_contracts.traffic.bodies import BodyError, from_base64
from ciba_contracts.traffic.common import RecordedRequest, read_request, received_body
from ciba_contracts.traffic.exchange import (
    Exchange,
    InputProblem,
    Location,
    Record,
    Wanted,
    header_pairs,
)


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
        except orjson.JSONDecodeError as exc:
            if exc.msg.startswith("str is not valid UTF-8"):
                value = yield from _not_utf8(text, location)
                if value is None:
                    continue
            elif exc.msg.startswith("unexpected end of data") and not raw.endswith(b"\n"):
                yield InputProblem(
                    location, "I002", "the last line is cut short (no closing brace)"
                )
                continue
            else:
                yield InputProblem(location, "I001", f"not valid JSON: {exc.msg}")
                continue
        yield from exchange_record(value, location, wanted)


def _not_utf8(text: bytes, location: Location) -> Generator[Record, None, Any]:
    try:
        text.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = (location.offset or 0) + exc.start
        yield InputProblem(
            location,
            "I003",
            f"byte 0x{text[exc.start]:02x} at offset {where} is not UTF-8",
        )
    try:
        return orjson.loads(text.decode("utf-8", "replace"))
    except orjson.JSONDecodeError as exc:
        yield InputProblem(location, "I001", f"not valid JSON: {exc.msg}")
        return None


def exchange_record(value: Any, location: Location, wanted: Wanted | None) -> Iterator[Record]:
    """One parsed exchange line as an exchange, a skip, or the reason it cannot be read."""
    if not is_exchange_line(value):
        yield InputProblem(
            location, "I001", "the line is not an exchange (`request` object and `response`)"
        )
        return
    request = value["request"]
    recorded = read_request(request, location, wanted, ("url", "uri"), _body)
    if not isinstance(recorded, RecordedRequest):
        yield recorded
        return
    method, url, request_headers, request_body = recorded
    response = value["response"]
    if response is None:
        yield Exchange(location, method, url, None, request_headers, (), None, request_body)
        return
    if not isinstance(response, dict):
        yield InputProblem(location, "I001", "`response` must be an object or null")
        return
    status = response.get("status", response.get("status_code"))
    if isinstance(status, str) and status.strip().isdigit():
        status = int(status)
    if isinstance(status, bool) or not isinstance(status, int):
        yield InputProblem(location, "I001", "`response.status` must be an integer")
        return
    headers = header_pairs(response.get("headers"))
    try:
        body = received_body(_body(response), headers)
    except BodyError as exc:
        yield InputProblem(location, "I001", f"`response.body`: {exc}")
        return
    note = None if body is not None else "the response has no `body`"
    yield Exchange(
        location, method, url, status, request_headers, headers, body, request_body, note
    )


def _body(message: Mapping[str, Any]) -> bytes | None:
    if message.get("body_base64") is not None:
        return from_base64(str(message["body_base64"]))
    body = message.get("body")
    if body is None:
        return None
    if isinstance(body, str):
        if message.get("encoding") == "base64":
            return from_base64(body)
        return body.encode("utf-8", "surrogatepass")
    # A logger that stored the parsed body: check what it serialises to.
    try:
        return orjson.dumps(body)
    except TypeError as exc:
        raise BodyError(f"the body cannot be serialised ({exc})") from None
