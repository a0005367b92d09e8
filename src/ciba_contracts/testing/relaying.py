"""The two legs of a relay, from what a test holds, as the one relay checker takes them.

A test holds Authlete's answer (a parsed payload, its raw body, or the HTTP
response of a call of Authlete or of a stand-in) and the authorization
server's answer to its client (an httpx, requests or schemathesis response, or
an :class:`~ciba_contracts.exchange.Exchange`). Both become exchanges here and
go to :func:`ciba_contracts.check.relay.check_relay`, as in ``relay-test`` and
in recordings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from ciba_contracts.exchange import Exchange, Location
from ciba_contracts.testing.checking import exchange_of, is_response

__all__ = ["authlete_exchange", "client_exchange"]


def authlete_exchange(answer: Any) -> Exchange:
    """Authlete's answer (dict, bytes, str, HTTP response or Exchange) as an exchange.

    A bare payload stands for a 200 answer whose API is read from its action.
    """
    if isinstance(answer, Exchange):
        return answer
    if is_response(answer):
        return exchange_of(answer)
    if isinstance(answer, Mapping):
        body = orjson.dumps(dict(answer))
    elif isinstance(answer, str):
        body = answer.encode("utf-8", "surrogatepass")
    elif isinstance(answer, bytes | bytearray | memoryview):
        body = bytes(answer)
    else:
        raise TypeError(
            "the Authlete answer must be a dict, bytes, str, an HTTP response or an Exchange, "
            f"not {type(answer).__name__}"
        )
    return Exchange(Location("Authlete payload"), "", "", 200, body=body)


def client_exchange(answer: Any) -> Exchange:
    """The authorization server's answer to its client (HTTP response or Exchange)."""
    if isinstance(answer, Exchange):
        return answer
    if is_response(answer):
        return exchange_of(answer)
    raise TypeError(
        "the client's answer must be an HTTP response (httpx, requests, schemathesis) or an "
        f"Exchange: its status and headers are part of the relay, not {type(answer).__name__}"
    )
