"""Why a document is not JSON: the reason remembered for one document is the one another
document starting the same way would get, and only documents JSON refuses get one."""

from __future__ import annotations

import json
import re

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ciba_contracts.jsondoc import parse
from ciba_contracts.jsondoc.parse import NotJson, not_json_reason, parse_exact

_json_texts = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
).map(json.dumps)
#: Valid documents with a few characters spliced in, cut short, or doubled: the faults of
#: hand-written and escaped JSON.
_damaged = st.builds(
    lambda text, at, junk, cut: (text[:at] + junk + text[at:])[: cut or None],
    _json_texts,
    st.integers(min_value=0, max_value=30),
    st.sampled_from(["", "\\", '\\"', ",", "]", "}", ":", "x", " ", "\x01", "-", "1", '"']),
    st.integers(min_value=0, max_value=40),
)


def _fresh_reason(text: str) -> str | None:
    saved = parse._reasons
    parse._reasons = ()
    try:
        return not_json_reason(text)
    finally:
        parse._reasons = saved


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_damaged, st.lists(_json_texts | st.text(max_size=12), min_size=1, max_size=6))
def test_a_remembered_reason_is_the_one_the_parsers_give(start: str, ends: list[str]) -> None:
    # Documents that start alike (the one that is remembered, and others) and end otherwise.
    parse._reasons = ()
    for text in [start, *(start + end for end in ends), *(start[:-3] + end for end in ends)]:
        expected = _fresh_reason(text)
        assert not_json_reason(text) == expected, text
        if expected is None:
            parse_exact(text)
        else:
            with pytest.raises(orjson.JSONDecodeError):
                orjson.loads(text)
            with pytest.raises(NotJson, match=re.escape(expected)):
                parse_exact(text)


def test_the_vendors_escaped_example_is_worded_once() -> None:
    parse._reasons = ()
    first = '{\\"auth_req_id\\":\\"abc\\",\\"expires_in\\":3600}'
    second = '{\\"auth_req_id\\":\\"xyz\\",\\"expires_in\\":600}'
    reason = "Expecting property name enclosed in double quotes at line 1 column 2"
    assert not_json_reason(first) == reason
    assert parse.known_reason(second) == reason
    # A string left open is worded where it starts, after a read to the end: never kept.
    assert not_json_reason('{"a": "b') is not None
    assert parse.known_reason('{"a": "b"}') is None
