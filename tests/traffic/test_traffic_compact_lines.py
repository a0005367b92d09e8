"""HAR files written one entry a line read as parsing every entry with Python's json reads them.

Gateways and test cassettes write ``json.dumps`` of each entry on a line of its
own. The reader skips the lines before the next marker in one go (msgspec
proves them complete objects) and reads the line holding one; entries drawn
with random escapes, some of them spread over several lines (a mixed file),
read in blocks of odd sizes, with the run's markers with and without relay
pairing, must give the records ``json.loads`` of each entry gives.
"""

from __future__ import annotations

import io
import json
import random
from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st
from test_traffic_reader_properties import (
    _SETTINGS,
    CANDIDATE,
    _dump,
    _exchanges,
    _har_entry,
    _outcome,
    wanted,
)

from ciba_contracts.check.relay_pairs import DEFAULT_RELAY_MARKERS
from ciba_contracts.traffic import jsonstream
from ciba_contracts.traffic.exchange import Exchange, InputProblem, Location, Record
from ciba_contracts.traffic.har import har_entry_record, read_har


def _lines_document(entries: list[dict[str, Any]], rng: random.Random, rate: float) -> bytes:
    """The HAR as a gateway writes it: one entry a line, now and then one over several."""
    written = [_dump(e, rng, rate, 2 if rng.random() < 0.15 else None) for e in entries]
    head = '{"log": {"version": "1.2", "creator": {"name": "t"}, "entries": [\n'
    return (head + ",\n".join(written) + "\n]}}\n").encode("utf-8")


@settings(_SETTINGS, max_examples=300)
@given(
    st.lists(_exchanges(), min_size=1, max_size=14),
    st.integers(0, 2**32),
    st.sampled_from([0.0, 0.05, 0.3]),
    st.sampled_from([64, 333, 4096, 1 << 20]),
    st.booleans(),
)
def test_one_entry_a_line_gives_what_json_gives(
    exchanges: list[dict[str, Any]], seed: int, rate: float, chunk: int, relay: bool
) -> None:
    entries = [_har_entry(x) for x in exchanges]
    raw = _lines_document(entries, random.Random(seed), rate)
    expected: list[Record] = []
    for index, entry in enumerate(json.loads(raw)["log"]["entries"]):
        expected.extend(har_entry_record(entry, Location("h.har", index), wanted))
    candidate = (*CANDIDATE, *DEFAULT_RELAY_MARKERS) if relay else CANDIDATE
    with mock.patch.object(jsonstream, "CHUNK", chunk):
        records = list(read_har(io.BytesIO(raw), "h.har", wanted, candidate=candidate))
    assert _outcome(records) == _outcome(expected)
    # Lines, as one reading of every entry gives them.
    with mock.patch.object(jsonstream, "CHUNK", chunk):
        every = list(read_har(io.BytesIO(raw), "h.har", wanted))
    assert _places(records) == _places(every)


def _places(records: list[Record]) -> list[tuple[int | None, int | None, int | None]]:
    return [
        (r.location.entry, r.location.line, r.location.offset)
        for r in records
        if isinstance(r, Exchange | InputProblem)
    ]
