"""HAR entries decoded straight into structs that hold only what the checks read.

Parsing a whole entry builds a Python object for every member: the timings,
the cookies, the cache, each header as a dict. Most of that is never looked
at. msgspec decodes an entry into the typed structs below instead, skipping
every other member in C, and the exchange is built from them: on the dense
recordings of ``benchmarks/traffic.py`` that costs half of ``orjson.loads``
followed by :func:`~ciba_contracts.traffic.har.har_entry_record`.

The structs state the common shape only: strings where HAR has strings, an
integer status, headers as ``{"name", "value"}`` objects. Anything else (a
header given as a pair, a status written ``"200"``, ``postData`` that is no
object, a member of an unexpected type) fails the decode, and the entry is
read the general way, which knows every shape recorders write and words every
problem. So the structs never change a finding; they only make the usual
entry cheaper. msgspec does not check the UTF-8 of members it skips: the
caller decodes only bytes it knows to be ASCII or UTF-8. Numbers out of a
double's range in skipped members (``1e400``), which orjson refuses, make no
difference: the general path reads them as Python's ``json`` does, and the
exchange holds none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import msgspec

from ciba_contracts.traffic.bodies import BodyError
from ciba_contracts.traffic.exchange import (
    ENTRY_UNREADABLE,
    Exchange,
    InputProblem,
    Location,
    Record,
    Skipped,
    Wanted,
)
from ciba_contracts.traffic.har_content import NO_CONTENT, response_body, text_body

__all__ = ["HarEntry", "decode_entry", "entry_record"]


class _Header(msgspec.Struct, gc=False):
    name: str
    value: str = ""


class _Text(msgspec.Struct, gc=False):
    """A ``postData`` or ``content`` object: its text, how it is encoded, its size."""

    text: str | None = None
    encoding: Any = None
    size: Any = None


class _Request(msgspec.Struct, gc=False):
    method: str
    url: str
    headers: list[_Header] | None = None
    postData: _Text | None = None  # HAR's spelling


class _Response(msgspec.Struct, gc=False):
    # orjson reads integers beyond 64 bits as floats, msgspec keeps them exact: those (and
    # the few between 2**63 and 2**64, which msgspec cannot bound) are read the general way.
    status: Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
    headers: list[_Header] | None = None
    content: _Text | None = None


class HarEntry(msgspec.Struct, gc=False):
    """The members of a HAR entry the checks read."""

    request: _Request
    response: _Response


_DECODE = msgspec.json.Decoder(HarEntry).decode
_NOT_THIS_SHAPE = (msgspec.DecodeError, msgspec.ValidationError, RecursionError)


def decode_entry(raw: bytes | memoryview) -> HarEntry | None:
    """``raw`` as a :class:`HarEntry`, or None when it has another shape (or is no JSON).

    The caller vouches that ``raw`` is UTF-8: msgspec does not check the members it skips.
    """
    try:
        return _DECODE(raw)
    except _NOT_THIS_SHAPE:
        return None


#: A header struct as its ``(name, value)`` pair (in C: a comprehension is a call of its own
#: for each list, and every wanted entry has two).
_pair_of: Callable[[_Header], tuple[str, str]] = msgspec.structs.astuple


def _pairs(headers: list[_Header] | None) -> tuple[tuple[str, str], ...]:
    if not headers:
        return ()
    return tuple(map(_pair_of, headers))


def entry_record(entry: HarEntry, location: Location, wanted: Wanted | None) -> Record:
    """The record of a decoded entry, exactly as the general reading makes it (one: an
    exchange, a skip, or the reason it cannot be read)."""
    request = entry.request
    method, url = request.method, request.url
    if wanted is not None and not wanted(method, url):
        return Skipped(location, method, url)
    post = request.postData
    request_body: bytes | None = None
    if post is not None and post.text is not None:
        try:
            request_body = text_body(post.text, post.encoding)
        except BodyError:
            request_body = None
    request_headers = _pairs(request.headers)
    response = entry.response
    code = response.status
    headers = _pairs(response.headers)
    if code == 0:
        # Devtools' way of saying the request got no answer (blocked, aborted, failed).
        return Exchange(location, method, url, None, request_headers, headers, None, request_body)
    content = response.content
    body: bytes | None = None
    note: str | None
    if content is None:
        note = NO_CONTENT
    else:
        try:
            body, note = response_body(content.text, content.encoding, content.size, headers)
        except BodyError as exc:
            message = f"`response.content`: {exc}"
            return InputProblem(location, ENTRY_UNREADABLE, message)
    return Exchange(location, method, url, code, request_headers, headers, body, request_body, note)
