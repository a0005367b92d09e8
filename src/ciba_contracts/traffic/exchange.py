"""What every traffic reader yields: recorded exchanges, and problems with the input.

Readers never raise for bad recordings. An entry that cannot be read becomes an
:class:`InputProblem` carrying the rule code of the input check it breaks and
where it sits, so the run reports it and goes on with the next entry.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Location:
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


@dataclass(frozen=True, slots=True)
class Exchange:
    """One recorded HTTP request and its answer.

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
    body_note: str | None = field(default=None, compare=False)

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


@dataclass(frozen=True, slots=True)
class InputProblem:
    """An input that could not be read, in whole or in part.

    ``rule`` is an input rule of the catalog (``I001``...); ``message`` names
    what is wrong in words a person can act on. ``fatal`` marks a problem
    after which nothing more of this source could be read.
    """

    location: Location
    rule: str
    message: str
    fatal: bool = False
    #: The offending value where the rule shows one (the tag of an unsafe YAML node).
    value: str | None = None

    @property
    def source(self) -> str:
        """The input the problem is in."""
        return self.location.source


@dataclass(frozen=True, slots=True)
class Skipped:
    """Exchanges the caller's selection did not want; read no further than that.

    ``count`` is how many: readers that turn entries away without parsing them
    report them in runs, with the location of the last one.
    """

    location: Location
    method: str = ""
    url: str = ""
    count: int = 1


#: What a reader yields.
Record = Exchange | InputProblem | Skipped

#: A reader's question to its caller: is ``(method, url)`` an exchange to read in full?
Wanted = Callable[[str, str], bool]


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
    wanted = name.lower()
    for key, value in headers:
        if key.lower() == wanted:
            return value
    return None
