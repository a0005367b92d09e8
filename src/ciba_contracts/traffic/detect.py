"""Opening an input and telling its format from its content.

An input is a path, a URL (see :mod:`storage`) or ``-`` (standard input). gzip compression, and zlib
(mitmproxy's ``.zhar``), are recognised by their magic bytes, whatever the
name, and undone while reading. The format
is then told from the first bytes of the content: a JSON object whose first
key is ``log`` is a HAR file, one holding ``interactions`` a VCR.py JSON
cassette, JSON lines whose first line has ``request`` and ``response`` an
exchange log, YAML with an ``interactions``/``http_interactions`` key a
cassette, and other JSON plain payloads. The file name only breaks ties.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import re
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import orjson

from ciba_contracts.jsondoc.lenient import loads
from ciba_contracts.traffic.exchange_jsonl import is_exchange_line
from ciba_contracts.traffic.payloads import PAYLOAD_SUFFIXES
from ciba_contracts.traffic.storage import display_name, is_url, open_binary

STDIN = "-"
STDIN_NAME = "<stdin>"
#: How much of the content is looked at to tell the format.
SNIFF = 64 * 1024

HAR = "har"
CASSETTE = "cassette"
VCR_JSON = "vcr-json"
EXCHANGES = "exchanges"
PAYLOADS = "payloads"

_FIRST_KEY = re.compile(rb'\{\s*"((?:[^"\\]|\\.)*)"\s*:')
_YAML_KEY = re.compile(rb"^(?:interactions|http_interactions)[ \t]*:", re.MULTILINE)
#: A mapping in YAML flow style: its first key is not quoted (so it is no JSON), and it
#: has an interactions key.
_YAML_FLOW_START = re.compile(rb"\{\s*[A-Za-z_][A-Za-z0-9_]*\s*:")
_YAML_FLOW_KEY = re.compile(rb"[{,]\s*(?:interactions|http_interactions)\s*:")
_YAML_PYTHON_TAG = re.compile(rb"!!python/|!<tag:yaml\.org,2002:python/")


class _Chained(io.RawIOBase):
    """A prefix already read, then the rest of a stream, as one readable stream."""

    def __init__(self, prefix: bytes, rest: BinaryIO) -> None:
        self._prefix = prefix
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._rest.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n


class _Guarded(io.RawIOBase):
    """Turns a read error of a decompressing stream into the end of the stream.

    The reader then sees the data cut where the compression broke, reports
    the entry it was in, and the error is kept in :attr:`error`.
    """

    def __init__(self, inner: BinaryIO) -> None:
        self._inner = inner
        self.error: Exception | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.error is not None:
            return 0
        try:
            data = self._inner.read(len(buffer))
        except (EOFError, OSError, zlib.error) as exc:
            self.error = exc
            return 0
        n = len(data)
        buffer[:n] = data
        return n


class _Inflated(io.RawIOBase):
    """A zlib stream (mitmproxy's ``.zhar``), inflated while reading."""

    def __init__(self, inner: BinaryIO) -> None:
        self._inner = inner
        self._inflater = zlib.decompressobj()
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            if self._inflater.eof:
                return 0
            block = self._inflater.unconsumed_tail or self._inner.read(64 * 1024)
            if not block:
                raise EOFError("the zlib stream ends before its end marker")
            self._pending = self._inflater.decompress(block, 1024 * 1024)
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def _looks_zlib(prefix: bytes) -> bool:
    """A zlib header (deflate, no preset dictionary) whose start inflates."""
    if len(prefix) < 2 or prefix[0] != 0x78 or (prefix[0] << 8 | prefix[1]) % 31:
        return False
    if prefix[1] & 0x20:
        return False
    try:
        zlib.decompressobj().decompress(prefix[:4096], 16)
    except zlib.error:
        return False
    return True


class _Utf8From(io.RawIOBase):
    """UTF-16 or UTF-32 text (with a byte order mark) re-encoded as UTF-8."""

    def __init__(self, inner: BinaryIO, encoding: str) -> None:
        self._decoder = codecs.getincrementaldecoder(encoding)("replace")
        self._inner = inner
        self._pending = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending and not self._done:
            block = self._inner.read(64 * 1024)
            self._done = not block
            self._pending = self._decoder.decode(block, final=self._done).encode("utf-8")
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


@dataclass
class Opened:
    """An input ready to read: its display name, content stream and format.

    ``format`` is None when the content is of no known format. ``raw`` is
    the underlying byte stream (compressed, if it is), whose position tells
    progress against ``size``. ``notes`` are facts to report (a UTF-16 file).
    """

    source: str
    stream: BinaryIO
    format: str | None
    raw: BinaryIO
    size: int | None
    compressed: bool = False
    suffix: str = ""
    #: The first bytes of the content, as sniffed.
    head: bytes = b""
    notes: list[str] = field(default_factory=list)
    _guard: _Guarded | None = None
    _owned: BinaryIO | None = None

    @property
    def error(self) -> Exception | None:
        """The decompression error that ended the stream early, if any."""
        return self._guard.error if self._guard is not None else None

    def close(self) -> None:
        """Close the file if this object opened it."""
        if self._owned is not None:
            self._owned.close()


def logical_suffix(name: str) -> str:
    """The suffix that names the content: ``a.har.gz`` -> ``.har``."""
    path = Path(urlsplit(name).path if is_url(name) else name)
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".gzip"):
        suffixes.pop()
    if suffixes and suffixes[-1] == ".zhar":
        return ".har"
    return suffixes[-1] if suffixes else ""


def open_input(name: str, stdin: BinaryIO | None = None, start: int | None = None) -> Opened:
    """Open ``name`` (a path or ``-``), undo gzip, and tell the format.

    With ``start``, the file is an uncompressed HAR file already known, opened
    at that offset to read a slice of its entries (no sniffing). Raises
    OSError when the file cannot be opened or read at all.
    """
    if start is not None:
        handle, whole = open_binary(name)
        handle.seek(start)
        return Opened(display_name(name), handle, HAR, handle, whole, _owned=handle)
    owned: BinaryIO | None = None
    if name == STDIN:
        raw = stdin if stdin is not None else sys.stdin.buffer
        source = STDIN_NAME
        size = None
    else:
        raw, size = open_binary(name)
        owned = raw
        source = display_name(name)
    try:
        prefix = raw.read(SNIFF)
        stream: BinaryIO
        guard = None
        compressed = prefix[:2] == b"\x1f\x8b" or _looks_zlib(prefix)
        if owned is not None and not compressed and raw.seekable():
            # A plain file: read it from the start again rather than through a wrapper.
            raw.seek(0)
            stream = raw
        else:
            stream = io.BufferedReader(_Chained(prefix, raw), 256 * 1024)
        if compressed:
            inner: Any
            if prefix[:2] == b"\x1f\x8b":
                inner = gzip.GzipFile(fileobj=stream, mode="rb")
            else:
                inner = _Inflated(stream)
            guard = _Guarded(inner)
            unzipped = io.BufferedReader(guard, 256 * 1024)
            prefix = _peek(unzipped)
            stream = unzipped
        notes: list[str] = []
        encoding = _wide_encoding(prefix)
        if encoding is not None:
            notes.append(f"the file is {encoding.upper()} text; read as UTF-8 after transcoding")
            transcoded = io.BufferedReader(_Utf8From(stream, encoding), 256 * 1024)
            prefix = _peek(transcoded)
            stream = transcoded
        suffix = logical_suffix(name) if name != STDIN else ""
        fmt = sniff(prefix, suffix)
    except BaseException:
        if owned is not None:
            owned.close()
        raise
    return Opened(source, stream, fmt, raw, size, compressed, suffix, prefix, notes, guard, owned)


def _peek(stream: io.BufferedReader[Any]) -> bytes:
    """The first bytes of ``stream`` (one buffer's worth at most) without consuming them."""
    return stream.peek(SNIFF)[:SNIFF]


def _wide_encoding(prefix: bytes) -> str | None:
    if prefix.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if prefix.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def sniff(prefix: bytes, suffix: str = "") -> str | None:
    """The format of content starting with ``prefix``, or None when it is none we read."""
    text = prefix[3:] if prefix.startswith(codecs.BOM_UTF8) else prefix
    head = text.lstrip()
    if head.startswith(b"{"):
        m = _FIRST_KEY.match(head)
        key = _key_text(m.group(1)) if m else b""
        if key == b"log":
            return HAR
        first_line = head.split(b"\n", 1)[0]
        try:
            value = orjson.loads(first_line)
        except orjson.JSONDecodeError:
            value = _lenient(first_line)
        if value is None and key in (b"request", b"response"):
            # An exchange log whose first line is broken (cut, not UTF-8): no payload has
            # these members, so the other lines are exchanges too.
            return EXCHANGES
        if value is not None:
            if is_exchange_line(value):
                return EXCHANGES
            if isinstance(value, dict) and "log" in value:
                return HAR
            if isinstance(value, dict) and isinstance(value.get("interactions"), list):
                return VCR_JSON
            return PAYLOADS
        if _YAML_FLOW_START.match(head) and _YAML_FLOW_KEY.search(head):
            # A cassette in YAML flow style (its keys are not quoted, so it is not JSON).
            return CASSETTE
        if key in (b"interactions", b"version") and b'"interactions"' in head:
            return VCR_JSON
        if b'"log"' in head[:256] and b'"entries"' in head:
            return HAR
        if suffix == ".har":
            # Too little of it to tell (a file cut short): the name decides.
            return HAR
        return PAYLOADS
    if head.startswith(b"["):
        return PAYLOADS
    if _YAML_KEY.search(text) or _YAML_PYTHON_TAG.search(text):
        return CASSETTE
    flow = text.find(b"{")
    if (
        flow >= 0
        and head.startswith((b"#", b"%", b"---"))
        and _YAML_FLOW_START.match(text, flow)
        and _YAML_FLOW_KEY.search(text, flow)
    ):
        return CASSETTE
    if suffix in PAYLOAD_SUFFIXES:
        # Named as payloads: let the payload check say what is wrong with it.
        return PAYLOADS
    return None


def _key_text(raw: bytes) -> bytes:
    """A JSON key's raw text with its escapes undone (``\\u006cog`` is ``log``)."""
    if b"\\" not in raw:
        return raw
    try:
        return str(loads(b'"' + raw + b'"')).encode("utf-8", "surrogatepass")
    except orjson.JSONDecodeError:
        return raw


def _lenient(line: bytes) -> Any:
    """A line orjson refuses, parsed as the stdlib does (``1e400``, lone surrogates, bytes
    that are not UTF-8 replaced), or None when it is not JSON at all."""
    try:
        return json.loads(line.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return None


def describe_unknown(prefix: bytes) -> str:
    """A short description of content of no known format, for the I004 message."""
    head = prefix.lstrip()
    if not head:
        return "the input is empty"
    if b"\0" in head[:512]:
        return "it looks like binary data"
    shown = head[:40].decode("utf-8", "replace").replace("\n", "\\n")
    return f"it starts with {shown!r}"
