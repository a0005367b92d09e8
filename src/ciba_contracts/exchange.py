"""One HTTP exchange, as every entry point hands it to the checker.

Readers of recorded traffic, the HTTP client hooks, the pytest fixture, the
schemathesis checks and the live suite each turn what they hold into an
:class:`Exchange` (the request, the answer, and where it came from) and hand
it to :func:`ciba_contracts.check.check_exchange`; none of them decides on its
own what a status, a media type or a body means. This module is on the ground
floor: it imports nothing else of the package.
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

__all__ = ["Exchange", "Headers", "Location", "find_header", "header_pairs"]

Headers = tuple[tuple[str, str], ...]


# Location and Exchange are msgspec structs, not dataclasses: a reader makes both for every
# entry it reads, and a struct is made in a seventh of the time of a frozen dataclass (and
# its class in a twentieth: every start-up makes a few dozen classes).


class Location(msgspec.Struct, frozen=True):
    """Where something sits in an input: source name, entry index, byte offset, line.

    ``entry`` is the 0-based index of the entry in its recording (the HAR
    ``log.entries`` index, the cassette interaction, the JSON line); ``offset``
    is the byte offset of its first byte in the (decompressed) stream and
    ``line`` its 1-based line. Each is None where the format cannot say.
    """

    source: str
    entry: int | None = None
    offset: int | None = None
    line: int | None = None

    def moved(self, entries: int, lines: int) -> Location:
        """This place counted from ``entries`` entries and ``lines`` lines earlier (a slice
        of a file joined to the slices before it; the byte offset is the file's already)."""
        return msgspec.structs.replace(
            self,
            entry=None if self.entry is None else self.entry + entries,
            line=None if self.line is None else self.line + lines,
        )


class Exchange(msgspec.Struct, frozen=True, eq=False):
    """One HTTP request and its answer, recorded or live.

    ``status`` is None when the recording holds no answer (a connection error);
    ``body`` is None when the answer's body was not recorded (HAR without
    ``content.text``, a body cut by the recording tool), while ``b""`` is a
    recorded empty body. Bodies are the bytes the client received after any
    ``Content-Encoding`` was undone. ``body_note`` says why ``body`` is None.
    """

    location: Location
    method: str
    url: str
    status: int | None
    request_headers: Headers = ()
    response_headers: Headers = ()
    body: bytes | None = None
    request_body: bytes | None = None
    #: Not compared: two recordings of one exchange may word why a body is missing apart.
    body_note: str | None = None

    def _compared(self) -> tuple[Any, ...]:
        # Every field but the last, body_note (tests/test_check_exchange.py keeps it last).
        return msgspec.structs.astuple(self)[:-1]

    def __eq__(self, other: object) -> bool:
        if type(other) is not Exchange:
            return NotImplemented
        return self._compared() == other._compared()

    def __ne__(self, other: object) -> bool:
        # msgspec's own __ne__ would not follow the __eq__ above.
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(self._compared())

    @property
    def source(self) -> str:
        """The input this exchange was read from."""
        return self.location.source

    @property
    def entry(self) -> int | None:
        """The exchange's index in its recording."""
        return self.location.entry

    def response_header(self, name: str) -> str | None:
        """The first response header called ``name`` (case-insensitive), or None."""
        return find_header(self.response_headers, name)


def header_pairs(raw: Any) -> Headers:
    """Headers in any of the shapes recorders use, as ``(name, value)`` pairs.

    Accepts HAR's ``[{"name", "value"}]``, a mapping of name to a value or a
    list of values (VCR.py, schemathesis, exchange logs) and ``[[name, value]]``.
    Values that are not text are turned into text; anything else is dropped
    rather than failing the whole exchange, since headers only inform checks.
    """
    out: list[tuple[str, str]] = []
    if type(raw) is list:
        # HAR's shape, the common case: skip the generic checks below.
        for item in raw:
            if type(item) is dict and "name" in item:
                value = item.get("value", "")
                out.append((str(item["name"]), value if type(value) is str else _text(value)))
            elif isinstance(item, list | tuple) and len(item) == 2:
                out.append((str(item[0]), _text(item[1])))
        return tuple(out)
    if isinstance(raw, Mapping):
        for name, value in raw.items():
            for one in value if isinstance(value, list | tuple) else (value,):
                if one is not None:
                    out.append((str(name), _text(one)))
    elif isinstance(raw, Iterable) and not isinstance(raw, str | bytes):
        for item in raw:
            if isinstance(item, Mapping) and "name" in item:
                out.append((str(item["name"]), _text(item.get("value", ""))))
            elif isinstance(item, list | tuple) and len(item) == 2:
                out.append((str(item[0]), _text(item[1])))
    return tuple(out)


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, str | int | float) or value is None:
        try:
            return str(value)
        except ValueError:
            # An integer too long for str() (a YAML cassette can hold one).
            return "<a number too long to show>"
    # A list or mapping where a header value belongs: shown shortened. YAML aliases can
    # share one node many times over, so that str() of a small cassette never ends.
    return _SHORT.repr(value)


_SHORT = reprlib.Repr()
_SHORT.maxlevel = 3
_SHORT.maxstring = _SHORT.maxother = _SHORT.maxlong = 200


def find_header(headers: Headers, name: str) -> str | None:
    """The first header called ``name`` (case-insensitive), or None."""
    found = _WANTED.get(name)
    if found is None:
        found = _wanted(name)
    wanted, size = found
    if size < 0:
        for key, value in headers:
            if key.lower() == wanted:
                return value
        return None
    # A name that lower-cases to ASCII keeps its length (no character of it expands), so
    # only names of the right length are lower-cased: this runs for several headers of
    # every exchange.
    for key, value in headers:
        if len(key) == size and key.lower() == wanted:
            return value
    return None


#: Names asked for, lower-cased, with their length (-1: not ASCII, compared in full). The
#: names are the checks' own and a user's --correlate header: a handful.
_WANTED: dict[str, tuple[str, int]] = {}


def _wanted(name: str) -> tuple[str, int]:
    wanted = name.lower()
    found = (wanted, len(wanted) if wanted.isascii() else -1)
    if len(_WANTED) < 256:
        _WANTED[name] = found
    return found
