"""HAR 1.2 files: ``log.entries[].request/response``, streamed entry by entry.

Written by browsers' devtools (Chrome, Firefox, Safari), mitmproxy, Charles,
Fiddler and schemathesis (``--report har``). The response body is
``content.text``, base64 when ``content.encoding`` is ``"base64"``; devtools
leave ``text`` out when they did not keep the body. ``status`` 0 means the
request got no answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO

import msgspec

from ciba_contracts.jsondoc.render import truncate
from ciba_contracts.traffic.bodies import BodyError
from ciba_contracts.traffic.common import (
    PROBLEM_RULES,
    RecordedRequest,
    read_request,
    recorded_status,
)
from ciba_contracts.traffic.exchange import (
    ENTRY_UNREADABLE,
    InputProblem,
    Location,
    Record,
    Skipped,
    Wanted,
    header_pairs,
)
from ciba_contracts.traffic.har_content import NO_CONTENT, response_body, text_body
from ciba_contracts.traffic.har_structs import HarEntry, decode_entry, entry_record
from ciba_contracts.traffic.jsonstream import (
    HEARTBEAT,
    ArrayStream,
    Candidate,
    Decode,
    StopWatch,
    StreamProblem,
)


def problem_record(problem: StreamProblem, location: Location) -> InputProblem:
    """A stream problem as the input finding it becomes."""
    return InputProblem(location, PROBLEM_RULES[problem.kind], problem.message, problem.fatal)


class SliceState(msgspec.Struct):
    """A byte range of a HAR file's entries, read by one process of a parallel run.

    ``start`` is the offset of the slice's first entry (None: the file's
    start); reading stops before the first entry at or after ``stop``. The
    reader fills in where it stopped (``next_start``, None when it read to
    the end of the file), how many entries it read and how many newlines lie
    between ``start`` and ``next_start``, which is what it takes to number
    the entries and lines of the next slice.
    """

    start: int | None
    stop: int | None
    next_start: int | None = None
    elements: int = 0
    newlines: int = 0


def read_har(
    stream: BinaryIO,
    source: str,
    wanted: Wanted | None = None,
    state: SliceState | None = None,
    candidate: Candidate | None = None,
    stop_watch: StopWatch | None = None,
) -> Iterator[Record]:
    """Every entry of a HAR stream, in file order.

    ``wanted(method, url)`` picks the entries read in full; the others are
    yielded as :class:`Skipped` without decoding their bodies. With
    ``state``, only that slice of the entries is read (``stream`` positioned
    at ``state.start``), and entry indexes and lines count from the slice.
    ``candidate`` lets entries that cannot be wanted go unparsed, and
    ``stop_watch`` lets another process take the end of the slice (see
    :class:`~ciba_contracts.traffic.jsonstream.ArrayStream`).
    """
    return read_json_array(
        stream,
        source,
        ("log", "entries"),
        ("request",),
        har_entry_record,
        wanted,
        state,
        candidate,
        decode_entry,
        stop_watch,
    )


#: Entries turned away unparsed are reported in runs of at least this many (and the rest at
#: the end): a record per run between two wanted entries cost several per cent of a dense
#: recording's reading, and only their number is used (and the sign of life it gives).
_SKIPPED_BATCH = 256

#: Turns one parsed element into records.
EntryConverter = Callable[[Any, Location, Wanted | None], Iterable[Record]]


def read_json_array(
    stream: BinaryIO,
    source: str,
    path: tuple[str, ...],
    element_keys: tuple[str, ...],
    convert: EntryConverter,
    wanted: Wanted | None,
    state: SliceState | None = None,
    candidate: Candidate | None = None,
    decode: Decode | None = None,
    stop_watch: StopWatch | None = None,
) -> Iterator[Record]:
    """Records of every element of the array at ``path``, converted by ``convert``.

    ``decode`` may turn a wanted element into what ``convert`` reads without parsing it
    in full (see :class:`~ciba_contracts.traffic.jsonstream.ArrayStream`).
    """
    elements = ArrayStream(
        stream,
        path,
        element_keys,
        start=None if state is None else state.start,
        stop=None if state is None else state.stop,
        candidate=candidate if wanted is not None else None,
        decode=decode,
        stop_watch=stop_watch,
    )
    last: int | None = None
    unparsed = 0
    for element in elements:
        if elements.unparsed - unparsed >= _SKIPPED_BATCH:
            yield Skipped(Location(source), count=elements.unparsed - unparsed)
            unparsed = elements.unparsed
        if element is HEARTBEAT:
            continue
        location = Location(source, element.index, element.offset, element.line)
        last = element.index
        if element.problem is not None:
            yield problem_record(element.problem, location)
        if element.value is not None:
            yield from convert(element.value, location, wanted)
    if elements.unparsed != unparsed:
        yield Skipped(Location(source), count=elements.unparsed - unparsed)
    # Entries before the problem: read here (parsed or not), or by the slices before this one.
    after_entries = (
        last is not None or elements.elements > 0 or (state is not None and state.start is not None)
    )
    for problem in elements.problems:
        where = Location(source, None, problem.offset, None)
        if problem.kind == "truncated" and after_entries:
            problem.message = f"{problem.message}, after the last complete entry"
        yield problem_record(problem, where)
    if state is not None:
        state.next_start = elements.next_start
        state.elements = elements.elements
        state.newlines = elements.newlines


def har_entry_record(entry: Any, location: Location, wanted: Wanted | None) -> Iterable[Record]:
    """One parsed HAR entry as an exchange, a skip, or the reason it cannot be read."""
    if type(entry) is HarEntry:
        # The usual entry, decoded into structs: its one record without a generator (the
        # reader's chain of generators costs per level, for each of thousands of entries).
        return (entry_record(entry, location, wanted),)
    return _general_records(entry, location, wanted)


def _general_records(entry: Any, location: Location, wanted: Wanted | None) -> Iterator[Record]:
    """:func:`har_entry_record` of an entry parsed in full (any shape a recorder writes)."""
    if not isinstance(entry, dict):
        yield _bad(location, "a HAR entry must be a JSON object")
        return
    request = entry.get("request")
    if not isinstance(request, dict):
        yield _bad(location, "the entry has no `request` object")
        return
    recorded = read_request(
        request, location, wanted, ("url",), lambda message: _post_data(message.get("postData"))
    )
    if not isinstance(recorded, RecordedRequest):
        yield recorded
        return
    response = entry.get("response")
    if not isinstance(response, dict):
        yield _bad(location, "the entry has no `response` object")
        return
    status = response.get("status")
    code = recorded_status(status)
    if code is None:
        yield _bad(location, f"`response.status` {truncate(repr(status))} is not an HTTP status")
        return
    headers = header_pairs(response.get("headers"))
    content = response.get("content")
    if code == 0:
        # Devtools' way of saying the request got no answer (blocked, aborted, failed).
        yield recorded.exchange(location, None, headers)
        return
    body: bytes | None
    note: str | None
    if not isinstance(content, dict):
        body, note = None, NO_CONTENT
    else:
        text = content.get("text")
        if text is not None and not isinstance(text, str):
            yield _bad(location, "`response.content.text` must be a string")
            return
        try:
            body, note = response_body(text, content.get("encoding"), content.get("size"), headers)
        except BodyError as exc:
            yield _bad(location, f"`response.content`: {exc}")
            return
    yield recorded.exchange(location, code, headers, body, note)


def _post_data(post: Any) -> bytes | None:
    if not isinstance(post, dict):
        return None
    text = post.get("text")
    if not isinstance(text, str):
        return None
    return text_body(text, post.get("encoding"))


def _bad(location: Location, why: str) -> InputProblem:
    return InputProblem(location, ENTRY_UNREADABLE, why)
