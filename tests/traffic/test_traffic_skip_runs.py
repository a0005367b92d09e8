"""Runs of pretty-printed elements skipped at once end where reading them one by one ends them.

The array reader, given candidate markers, counts runs of elements that hold
none without parsing them. Here arrays are drawn with layouts that put the
run counting to the test (empty objects written over two lines, whose
closing line touches the previous boundary; indentation that changes in the
middle of the array; elements on one line; CRLF) and read in small blocks,
and every element must get the index, offset, line and value that reading
without markers gives it.
"""

from __future__ import annotations

import io
import json
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ciba_contracts.traffic import jsonstream
from ciba_contracts.traffic.jsonstream import HEARTBEAT, ArrayStream

MARKERS = (b"/issue",)

_values = st.sampled_from(
    [
        {},
        {"url": "https://a.example/issue"},
        {"url": "https://a.example/auth", "n": 1},
        {"url": "https://a.example/auth", "body": "x" * 300},
        {"deep": {"url": "https://a.example/x", "list": [1, 2]}},
    ]
)
_styles = st.sampled_from(["block", "block", "block", "empty-block", "line", "other-indent"])


def _element(value: dict[str, Any], style: str, indent: str) -> str:
    if style == "empty-block":
        return "{\n" + indent + "}"
    if style == "line":
        return json.dumps(value)
    inner = indent + "  " if style == "other-indent" else indent
    text = json.dumps(value, indent=2)
    if text == "{}":
        return text
    return text.replace("\n", "\n" + inner)


def _document(elements: list[tuple[dict[str, Any], str]], indent: str, crlf: bool) -> bytes:
    texts = []
    for value, style in elements:
        lead = indent + "  " if style == "other-indent" else indent
        texts.append("\n" + lead + _element(value, style, indent))
    text = '{"log": {"entries": [' + ",".join(texts) + "\n]}}\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    return text.encode()


def _read(raw: bytes, candidate: tuple[bytes, ...] | None) -> tuple[list[Any], int, list[Any]]:
    stream = ArrayStream(io.BytesIO(raw), ("log", "entries"), candidate=candidate)
    elements = [
        (e.index, e.offset, e.line, e.value, e.problem) for e in stream if e is not HEARTBEAT
    ]
    return elements, stream.unparsed, stream.problems


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(_values, _styles), min_size=1, max_size=30),
    st.sampled_from(["  ", "    ", "\t"]),
    st.booleans(),
    st.sampled_from([64, 200, 1000, 1 << 20]),
)
def test_skipped_runs_agree_with_reading_every_element(
    elements: list[tuple[dict[str, Any], str]], indent: str, crlf: bool, chunk: int
) -> None:
    raw = _document(elements, indent, crlf)
    with mock.patch.object(jsonstream, "CHUNK", chunk):
        every, _, problems = _read(raw, None)
        picked, unparsed, picked_problems = _read(raw, MARKERS)
    assert picked_problems == problems == []
    assert len(every) == len(elements)
    assert len(picked) + unparsed == len(every)
    by_index = {element[0]: element for element in every}
    for element in picked:
        assert by_index[element[0]] == element
    left = {element[0] for element in every} - {element[0] for element in picked}
    for index in left:
        assert "/issue" not in json.dumps(by_index[index][3])
