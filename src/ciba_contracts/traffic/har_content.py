"""What a HAR ``postData`` or ``content`` object's text, encoding and size mean.

HAR entries are read two ways (:mod:`~ciba_contracts.traffic.har` from parsed
objects, :mod:`~ciba_contracts.traffic.har_structs` from decoded structs); both
turn the text into bytes and word the missing body here, so they cannot drift.
"""

from __future__ import annotations

from typing import Any

from ciba_contracts.traffic.bodies import from_base64, text_bytes
from ciba_contracts.traffic.common import received_body
from ciba_contracts.traffic.exchange import Headers

__all__ = ["NO_CONTENT", "response_body", "text_body"]

#: The note of an exchange whose entry has no ``response.content`` object.
NO_CONTENT = "the entry has no `response.content`"

#: The largest integer orjson reads as one: a larger ``size`` is a float to it, so no byte count.
_U64 = 2**64 - 1


def text_body(text: str, encoding: Any) -> bytes:
    """The ``text`` of a ``postData`` or ``content`` object as bytes (base64 when it says so).

    Raises :class:`~ciba_contracts.traffic.bodies.BodyError` for base64 that is not.
    """
    if encoding == "base64":
        return from_base64(text)
    return text_bytes(text)


def response_body(
    text: str | None, encoding: Any, size: Any, headers: Headers
) -> tuple[bytes | None, str | None]:
    """A ``response.content``'s body as received, or None and the note saying why there is none.

    Raises :class:`~ciba_contracts.traffic.bodies.BodyError` when the body cannot be decoded.
    """
    if text is None:
        return None, "`response.content.text` is missing"
    if not text and isinstance(size, int) and 0 < size <= _U64:
        return None, f"`response.content.text` is empty but `size` is {size}"
    return received_body(text_body(text, encoding), headers), None
