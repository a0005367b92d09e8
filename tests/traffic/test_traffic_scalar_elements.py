"""A scalar where a recording wants an entry is read as quickly as it is reported, and the same.

Streamed arrays read a number, a literal or a plain string at once instead of
letting orjson find its end in a window. Whatever the tokens (valid or not,
orjson's or only Python's), the separators and the block size, the records are
those the window gives.
"""

from __future__ import annotations

import io
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ciba_contracts.traffic import jsonstream, streamvalues
from ciba_contracts.traffic.exchange import Exchange, InputProblem, Record, Skipped
from ciba_contracts.traffic.har import read_har
from ciba_contracts.traffic.vcr import read_vcr_json

_TOKENS = st.sampled_from(
    [
        "0", "-0", "12", "-3.5", "1e5", "1E+2", "2.5e-3", "1e400", "18446744073709551617",
        "true", "false", "null", "nul", "01", "1.", "-", '"abc"', '""', '"a\\"b"',
        '"\\u00e9"', '"\u00e9"', '"x\\n"', '"unterminated', "NaN", "{}", "[]", "[1, 2]",
        '{"request": 1}',
    ]
)  # fmt: skip
_SEPARATORS = st.sampled_from([",", ", ", ",\n  ", " ,", ",\t", "\n,"])
_ENDS = st.sampled_from(["]", " ]", "\n]", ""])


def _outcome(records: list[Record]) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    for record in records:
        loc = record.location
        where = (loc.entry, loc.line, loc.offset)
        if isinstance(record, InputProblem):
            out.append(("problem", *where, record.rule, record.message, record.value))
        elif isinstance(record, Exchange):
            out.append(("exchange", *where, record.method, record.url, record.status))
        else:
            assert isinstance(record, Skipped)
            out.append(("skipped", *where, record.count))
    return out


def _both_ways(read: object, raw: bytes, chunk: int) -> None:
    def records() -> list[tuple[object, ...]]:
        with mock.patch.object(jsonstream, "CHUNK", chunk):
            return _outcome(list(read(io.BytesIO(raw), "f")))  # type: ignore[operator]

    quick = records()
    with mock.patch.object(streamvalues, "_SCALAR", return_value=None):
        windowed = records()
    assert quick == windowed


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.lists(_TOKENS, min_size=1, max_size=12),
    _SEPARATORS,
    _ENDS,
    st.sampled_from([8, 64, 1 << 16]),
)
def test_scalar_entries_read_as_the_window_reads_them(
    tokens: list[str], separator: str, end: str, chunk: int
) -> None:
    body = separator.join(tokens) + end
    har = ('{"log": {"version": "1.2", "entries": [' + body + "}}").encode()
    _both_ways(read_har, har, chunk)
    cassette = ('{"interactions": [' + body + ', "version": 1}').encode()
    _both_ways(read_vcr_json, cassette, chunk)


def test_scalar_entries_are_each_an_unreadable_entry() -> None:
    raw = b'{"log": {"version": "1.2", "entries": [0, 1, "two", true]}}'
    problems = [r for r in read_har(io.BytesIO(raw), "h.har") if isinstance(r, InputProblem)]
    assert [p.location.entry for p in problems] == [0, 1, 2, 3]
    assert [p.location.offset for p in problems] == [39, 42, 45, 52]


def test_a_null_entry_read_in_a_window_that_ends_inside_a_character_is_no_corrupt_one() -> None:
    # The buffer (64 bytes) ends inside the last entry's UTF-8: the window reading of the
    # null before it goes through Python's json, and a null is a value there, not a failure
    # whose end is unknown (which lost every entry after it).
    raw = '{"interactions": [2.5e-3, 1e400, null, "\\u00e9", NaN, [1, 2], "\u00e9"], "version": 1}'
    _both_ways(read_vcr_json, raw.encode(), 64)
    with (
        mock.patch.object(jsonstream, "CHUNK", 64),
        mock.patch.object(streamvalues, "_SCALAR", return_value=None),
    ):
        records = list(read_vcr_json(io.BytesIO(raw.encode()), "f"))
    problems = [r for r in records if isinstance(r, InputProblem)]
    assert [p.location.entry for p in problems] == [0, 1, 3, 4]
