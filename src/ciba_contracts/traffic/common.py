"""Steps every exchange reader (HAR, VCR cassettes, exchange JSON lines) takes alike.

The formats spell a request and a body differently, but once a reader has the
request mapping and the recorded body bytes, picking the exchange and undoing
the answer's ``Content-Encoding`` are the same; doing them here keeps the
readers' messages and decisions identical.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from ciba_contracts.traffic.bodies import BodyError, decode_content
from ciba_contracts.traffic.exchange import (
    ENTRY_UNREADABLE,
    INPUT_NOT_UTF8,
    INPUT_TRUNCATED,
    UNKNOWN_FORMAT,
    UNSAFE_YAML,
    Exchange,
    Headers,
    InputProblem,
    Location,
    Skipped,
    Wanted,
    find_header,
    header_pairs,
)

#: The input rule each kind of problem the JSON and YAML stream readers report breaks.
PROBLEM_RULES = {
    "corrupt": ENTRY_UNREADABLE,
    "truncated": INPUT_TRUNCATED,
    "not-utf8": INPUT_NOT_UTF8,
    "format": UNKNOWN_FORMAT,
    "unsafe": UNSAFE_YAML,
}


class RecordedRequest(NamedTuple):
    """The request half of a recorded exchange, as every reader passes it on."""

    method: str
    url: str
    headers: Headers
    body: bytes | None

    def exchange(
        self,
        location: Location,
        status: int | None,
        headers: Headers = (),
        body: bytes | None = None,
        note: str | None = None,
    ) -> Exchange:
        """This request with its answer (``status`` None: it got none) as one exchange."""
        return Exchange(
            location, self.method, self.url, status, self.headers, headers, body, self.body, note
        )


def read_request(
    request: Mapping[str, Any],
    location: Location,
    wanted: Wanted | None,
    url_keys: tuple[str, ...],
    body_of: Callable[[Mapping[str, Any]], bytes | None],
) -> RecordedRequest | InputProblem | Skipped:
    """A recorded request, or the record that ends the reading of its exchange.

    The URL is the first of ``url_keys`` present in ``request`` (its value,
    even null, is taken as it is; formats differ only in which key comes
    first). A method or URL that is not a string is an ``I001`` problem naming
    ``request.<first key>``; a request ``wanted`` turns away is :class:`Skipped`.
    ``body_of`` reads the format's request body; one it cannot decode is
    recorded as None, since only the response is checked.
    """
    method = request.get("method")
    url = next((request[key] for key in url_keys if key in request), None)
    if not isinstance(method, str) or not isinstance(url, str):
        return InputProblem(
            location,
            ENTRY_UNREADABLE,
            f"`request.method` and `request.{url_keys[0]}` must be strings",
        )
    if wanted is not None and not wanted(method, url):
        return Skipped(location, method, url)
    try:
        body = body_of(request)
    except BodyError:
        body = None
    return RecordedRequest(method, url, header_pairs(request.get("headers")), body)


def received_body(body: bytes | None, headers: Headers) -> bytes | None:
    """A recorded response body as the client received it (``Content-Encoding`` undone).

    None stays None (no body recorded). Raises
    :class:`~ciba_contracts.traffic.bodies.BodyError` when the encoding cannot be undone.
    """
    if body is None:
        return None
    return decode_content(body, find_header(headers, "content-encoding"))


def recorded_status(raw: Any) -> int | None:
    """A recorded HTTP status as a number, or None when it is not one.

    Recorders write it as a number, a numeric string, an integral float
    (``200.0``) or VCR.py's ``{"code": 200, "message": "OK"}``; ``.inf``,
    ``.nan``, ``200.5`` and booleans are no status.
    """
    if isinstance(raw, Mapping):
        raw = raw.get("code")
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else None
    if isinstance(raw, str):
        try:
            return int(raw.strip())
        except ValueError:
            return None
    return None
