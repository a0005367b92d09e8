"""The fast readers give the records that parsing every entry with Python's json gives.

HAR files and exchange logs are generated with JSON escapes chosen at random
in every string (``\\/``, ``\\uXXXX`` in either case, surrogate pairs, lone
surrogates) and numbers orjson refuses (``1e400``), pretty-printed or
minified, and read in small blocks; the reader's records (entries turned
away unparsed counted, not listed) must equal those of ``json.loads`` on each
entry followed by the format's own conversion.
"""

from __future__ import annotations

import io
import json
import math
import os
import random
import tempfile
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from traffic_support import AUTH_URL, ISSUE_URL, ISSUE_V2_URL, ok_body

from ciba_contracts.selection import is_issue_call
from ciba_contracts.traffic import jsonstream
from ciba_contracts.traffic.exchange import Exchange, InputProblem, Location, Record, Skipped
from ciba_contracts.traffic.exchange_jsonl import exchange_record, read_exchange_lines
from ciba_contracts.traffic.har import har_entry_record, read_har

#: The run's own selection: what the command line passes without --path-pattern.
CANDIDATE = (b"/issue",)


def wanted(method: str, url: str) -> bool:
    return "/issue" in url and is_issue_call(method, url)


# -- writing JSON with random escapes ----------------------------------------------------


def _escape(code: int, rng: random.Random) -> str:
    if code > 0xFFFF:
        code -= 0x10000
        return _escape(0xD800 + (code >> 10), rng) + _escape(0xDC00 + (code & 0x3FF), rng)
    spelled = f"\\u{code:04x}"
    return spelled.upper().replace("\\U", "\\u") if rng.random() < 0.5 else spelled


def _string(text: str, rng: random.Random, rate: float) -> str:
    out = ['"']
    short = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "/": "\\/"}
    for char in text:
        code = ord(char)
        if rng.random() < rate or code < 0x20 or 0xD800 <= code <= 0xDFFF or char in '"\\':
            if char in short and rng.random() < 0.5:
                out.append(short[char])
            else:
                out.append(_escape(code, rng))
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _dump(value: Any, rng: random.Random, rate: float, indent: int | None, level: int = 0) -> str:
    if isinstance(value, str):
        return _string(value, rng, rate)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float) and math.isinf(value):
        return "1e400" if value > 0 else "-1e400"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        items = [
            f"{_string(k, rng, rate / 4)}: {_dump(v, rng, rate, indent, level + 1)}"
            for k, v in value.items()
        ]
        opener, closer = "{", "}"
    else:
        items = [_dump(v, rng, rate, indent, level + 1) for v in value]
        opener, closer = "[", "]"
    if not items:
        return opener + closer
    if indent is None:
        return opener + ",".join(items) + closer
    pad = "\n" + " " * (indent * (level + 1))
    return opener + pad + ("," + pad).join(items) + "\n" + " " * (indent * level) + closer


# -- what is recorded ----------------------------------------------------------------------

_odd = st.sampled_from(["\udcff", "\udcfe", "\ud800", "\U0001f600", "/", "é", '"', "\\", "\n"])
_text = st.lists(st.one_of(_odd, st.characters(exclude_categories=())), max_size=12).map("".join)
_urls = st.one_of(
    st.sampled_from([ISSUE_URL, ISSUE_V2_URL, AUTH_URL, ISSUE_URL + "r", ISSUE_URL + "/"]),
    _text.map(lambda t: f"{ISSUE_URL}?q={t}"),
    _text.map(lambda t: f"https://cdn.example.com/{t}"),
)
_bodies = st.one_of(
    st.sampled_from([ok_body(), ok_body(interval=-1), b"{}"]).map(bytes.decode),
    _text,
    st.sampled_from([ok_body()]).map(lambda b: b.decode().replace("issued", "issued \udcff")),
)


@st.composite
def _exchanges(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "method": draw(st.sampled_from(["POST", "POST", "GET"])),
        "url": draw(_urls),
        "header": draw(_text),
        "request_body": draw(st.none() | _text),
        "status": draw(st.sampled_from([200, 400, 500])),
        "body": draw(_bodies),
        "time": draw(st.sampled_from([12.5, math.inf])),
    }


def _har_entry(x: dict[str, Any]) -> dict[str, Any]:
    request: dict[str, Any] = {
        "method": x["method"],
        "url": x["url"],
        "headers": [{"name": "X-Trace", "value": x["header"]}],
    }
    if x["request_body"] is not None:
        request["postData"] = {"mimeType": "application/json", "text": x["request_body"]}
    return {
        "startedDateTime": "2024-05-01T10:00:00.000Z",
        "time": x["time"],
        "request": request,
        "response": {
            "status": x["status"],
            "headers": [{"name": "Content-Type", "value": "application/json"}],
            "content": {"size": 1, "mimeType": "application/json", "text": x["body"]},
        },
    }


def _log_line(x: dict[str, Any]) -> dict[str, Any]:
    return {
        "request": {
            "method": x["method"],
            "url": x["url"],
            "headers": {"X-Trace": x["header"]},
            "body": x["request_body"],
        },
        "response": {"status": x["status"], "headers": {}, "body": x["body"], "t": x["time"]},
    }


# -- comparing -------------------------------------------------------------------------------


def _outcome(records: list[Record]) -> tuple[list[tuple[Any, ...]], int]:
    """The records as comparable tuples, and how many entries were turned away."""
    kept: list[tuple[Any, ...]] = []
    skipped = 0
    for record in records:
        if isinstance(record, Exchange):
            kept.append(
                (
                    record.entry,
                    record.method,
                    record.url,
                    record.status,
                    record.request_headers,
                    record.response_headers,
                    record.body,
                    record.request_body,
                    record.body_note,
                )
            )
        elif isinstance(record, InputProblem):
            kept.append((record.location.entry, record.rule, record.message))
        else:
            assert isinstance(record, Skipped)
            skipped += record.count
    return kept, skipped


_SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings(_SETTINGS, max_examples=300)
@given(
    st.lists(_exchanges(), min_size=1, max_size=10),
    st.integers(0, 2**32),
    st.sampled_from([0.0, 0.05, 0.3, 1.0]),
    st.sampled_from([2, 4, None]),
    st.sampled_from([64, 333, 4096, 1 << 20]),
    st.booleans(),
)
def test_har_reader_gives_what_json_gives(
    exchanges: list[dict[str, Any]],
    seed: int,
    rate: float,
    indent: int | None,
    chunk: int,
    from_file: bool,
) -> None:
    entries = [_har_entry(x) for x in exchanges]
    document = {"log": {"version": "1.2", "creator": {"name": "t"}, "entries": entries}}
    # Which characters are escaped, and how, is drawn from a seed: one draw per character
    # would make hypothesis' examples too large to keep.
    raw = _dump(document, random.Random(seed), rate, indent).encode("utf-8")
    expected: list[Record] = []
    for index, entry in enumerate(json.loads(raw)["log"]["entries"]):
        expected.extend(har_entry_record(entry, Location("h.har", index), wanted))
    with mock.patch.object(jsonstream, "CHUNK", chunk):
        records = list(read_har(io.BytesIO(raw), "h.har", wanted, candidate=CANDIDATE))
        if from_file:
            # A plain file is read again from the first byte kept rather than joined: the
            # same records, locations (offsets and lines) included.
            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, "h.har")
                with open(path, "wb") as out:
                    out.write(raw)
                with open(path, "rb") as handle:
                    from_disk = list(read_har(handle, "h.har", wanted, candidate=CANDIDATE))
            assert from_disk == records
            assert [r.location for r in from_disk] == [r.location for r in records]
    assert _outcome(records) == _outcome(expected)


@settings(_SETTINGS, max_examples=200)
@given(
    st.lists(_exchanges(), min_size=1, max_size=10),
    st.integers(0, 2**32),
    st.sampled_from([0.0, 0.05, 0.3, 1.0]),
)
def test_exchange_log_reader_gives_what_json_gives(
    exchanges: list[dict[str, Any]], seed: int, rate: float
) -> None:
    rng = random.Random(seed)
    lines = [_dump(_log_line(x), rng, rate, None) for x in exchanges]
    raw = "".join(line + "\n" for line in lines).encode("utf-8")
    expected: list[Record] = []
    for index, line in enumerate(lines):
        expected.extend(exchange_record(json.loads(line), Location("l", index), wanted))
    records = list(read_exchange_lines(io.BytesIO(raw), "l", wanted))
    assert _outcome(records) == _outcome(expected)
