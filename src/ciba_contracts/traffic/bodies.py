"""Turning a recorded body into the bytes the client received.

Recorders store bodies in several ways: as text, as base64, and some (VCR.py)
as the bytes on the wire, still compressed with the answer's
``Content-Encoding``. Every reader goes through here so a body means the same
thing whatever recorded it.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import zlib

#: A decompressed body larger than this is cut off: the checked payloads are a
#: few hundred bytes, and an unbounded inflate of a hostile recording would
#: exhaust memory (a "zip bomb").
MAX_INFLATED = 64 * 1024 * 1024


class BodyError(ValueError):
    """A recorded body cannot be decoded; the message says why."""


def from_base64(text: str | bytes) -> bytes:
    """Decode standard base64 (line breaks and missing padding tolerated).

    Raises :class:`BodyError` for anything else, rather than silently dropping
    stray characters as a lenient decoder would.
    """
    try:
        raw = text.encode("ascii") if isinstance(text, str) else bytes(text)
    except UnicodeEncodeError:
        raise BodyError("body is not valid base64 (non-ASCII characters)") from None
    raw = b"".join(raw.split())
    if len(raw) % 4:
        raw += b"=" * (-len(raw) % 4)
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BodyError(f"body is not valid base64 ({exc})") from None


def decode_content(body: bytes, content_encoding: str | None) -> bytes:
    """Undo ``Content-Encoding`` when the body is still encoded.

    Only bodies that look compressed (gzip magic, a zlib header) are inflated:
    HAR writers and most loggers store the decoded body but keep the header.
    Raises :class:`BodyError` for a body that claims an encoding it breaks, or
    an encoding this tool cannot undo.
    """
    if not content_encoding or not body:
        return body
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    for coding in reversed(codings):
        if coding in ("identity", ""):
            continue
        if coding in ("gzip", "x-gzip"):
            if body[:2] != b"\x1f\x8b":
                return body
            body = _inflate(body, zlib.MAX_WBITS | 16, coding)
        elif coding == "deflate":
            if not _looks_zlib(body):
                return body
            body = _inflate(body, zlib.MAX_WBITS, coding)
        elif _looks_text(body):
            # Recorded already decoded (the usual case for br/zstd in HAR files).
            return body
        else:
            raise BodyError(f"body uses Content-Encoding {coding!r}, which cannot be decoded here")
    return body


def _looks_zlib(body: bytes) -> bool:
    return len(body) >= 2 and body[0] & 0x0F == 8 and (body[0] << 8 | body[1]) % 31 == 0


def _looks_text(body: bytes) -> bool:
    head = body[:64]
    return all(32 <= b < 127 or b in (9, 10, 13) for b in head)


def _inflate(body: bytes, wbits: int, coding: str) -> bytes:
    inflater = zlib.decompressobj(wbits)
    try:
        out = inflater.decompress(body, MAX_INFLATED)
    except zlib.error as exc:
        raise BodyError(f"{coding} body cannot be decompressed ({exc})") from None
    if inflater.unconsumed_tail:
        raise BodyError(f"{coding} body inflates beyond {MAX_INFLATED} bytes; not decoded")
    if not inflater.eof:
        raise BodyError(f"{coding} body is cut short")
    return out


def text_bytes(text: str) -> bytes:
    """A body recorded as text, as the bytes it stands for: UTF-8, lone surrogates included.

    A lone surrogate in recorded text is no character: Python tools (mitmproxy
    among them) decode bytes that are not UTF-8 with the ``surrogateescape``
    error handler, which turns byte 0xNN into U+DCNN (0x80-0xFF), and write
    that to the recording. Such a surrogate becomes its byte again, so the
    body is the one on the wire. Any other lone surrogate (U+D800-U+DC7F,
    U+DD00-U+DFFF) has no byte it stands for and is kept in its three-byte
    ``surrogatepass`` form. Either way the body is not UTF-8, and whoever
    checks it says so as for any body that is not.
    """
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", _SURROGATES)


def _lone_surrogates(exc: UnicodeError) -> tuple[bytes, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = bytearray()
    for char in exc.object[exc.start : exc.end]:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(code - 0xDC00)
        elif 0xD800 <= code <= 0xDFFF:
            out += char.encode("utf-8", "surrogatepass")
        else:
            raise exc
    return bytes(out), exc.end


_SURROGATES = "ciba_contracts.lone_surrogates"
codecs.register_error(_SURROGATES, _lone_surrogates)
