"""What a relay leg is paired by: its keys (see :mod:`.relay_pairs`).

``id:`` and an ``auth_req_id`` (an Authlete ``OK`` answer's ``authReqId``, or
the ``auth_req_id`` a client answer's body names); ``trace:`` and the trace
ID of a W3C ``traceparent`` request header; ``corr:`` and the value of the
correlation header a user names. The prefixes keep a value of one kind from
pairing with an equal value of another.
"""

from __future__ import annotations

import re

import orjson

from ciba_contracts.check.relay_wire import Key
from ciba_contracts.exchange import Exchange, find_header

__all__ = ["client_auth_req_id", "id_key", "trace_keys"]

_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")
_TRACEPARENT_SIZE = 55


def id_key(auth_req_id: str) -> Key:
    """The key of an ``auth_req_id``."""
    return "id:" + auth_req_id


def trace_keys(exchange: Exchange, correlate: str | None) -> tuple[Key, ...]:
    """The keys of an exchange's request headers: its trace, and the ``correlate`` header."""
    headers = exchange.request_headers
    parent = find_header(headers, "traceparent")
    trace: tuple[Key, ...] = ()
    # A traceparent has 55 characters: a shorter value names no trace (and needs no
    # match; this runs for every issue call of a recording).
    if parent is not None and len(parent) >= _TRACEPARENT_SIZE:
        match = _TRACEPARENT.match(parent.strip().lower())
        if match is not None:
            trace = ("trace:" + match.group(1),)
    if not correlate:
        return trace
    value = find_header(headers, correlate)
    return (*trace, "corr:" + value.strip()) if value else trace


def client_auth_req_id(body: bytes | None) -> str | None:
    """The ``auth_req_id`` a client answer's body names, if it is a JSON object naming one."""
    if not body or b"auth_req_id" not in body:
        return None
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if isinstance(value, str):
        # A body encoded twice still names its auth_req_id: the pair is found, and the
        # relay checker says what is wrong with it.
        return client_auth_req_id(value.encode())
    found = value.get("auth_req_id") if isinstance(value, dict) else None
    return found if isinstance(found, str) else None
