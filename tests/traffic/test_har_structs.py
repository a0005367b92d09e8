"""A HAR entry decoded into structs gives the records the general reading gives.

Entries are drawn in the shapes recorders write and in shapes the structs do
not state (headers as pairs or a mapping, a status written as text or
``200.0``, booleans and huge numbers, a ``postData`` that is no object, base64
that breaks, compressed bodies): wherever the structs take an entry, its
records must equal those of ``orjson.loads`` and the general conversion, and
wherever they refuse it, reading it the general way is what happens.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ciba_contracts.traffic.exchange import Exchange, Location
from ciba_contracts.traffic.har import har_entry_record, read_har
from ciba_contracts.traffic.har_structs import HarEntry, decode_entry

LOCATION = Location("rec.har", 3, 120, 9)
BODY = b'{"action":"OK","resultCode":"A181001","authReqId":"abc"}'


def wanted(method: str, url: str) -> bool:
    return url.endswith("/issue")


text = st.text(max_size=12)
odd_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    text,
)
good_header = st.fixed_dictionaries({"name": text, "value": text})
header = st.one_of(
    good_header,
    good_header,
    good_header,
    st.fixed_dictionaries({"name": text}),
    st.fixed_dictionaries({"name": text, "value": odd_scalars}),
    st.fixed_dictionaries({"name": odd_scalars, "value": text}),
    st.tuples(text, text).map(list),
    text,
)
headers = st.one_of(
    st.lists(good_header, max_size=4),
    st.lists(good_header, max_size=4),
    st.lists(header, max_size=4),
    st.lists(st.sampled_from([{"name": "Content-Encoding", "value": "gzip"}]), max_size=1),
    st.dictionaries(text, text, max_size=3),
    st.none(),
    text,
)


def _body_text(kind: str) -> tuple[str, str | None]:
    if kind == "plain":
        return BODY.decode(), None
    if kind == "base64":
        return base64.b64encode(BODY).decode(), "base64"
    if kind == "bad-base64":
        return "%%%not base64", "base64"
    if kind == "gzip-base64":
        return base64.b64encode(gzip.compress(BODY)).decode(), "base64"
    return "", None


#: Sizes where "empty text with a size" reads differently: none, small, beyond 64 bits, booleans.
sizes = st.one_of(st.integers(-1, 3), st.integers(2**63, 2**65), st.booleans(), odd_scalars)


def _content(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    body, encoding = _body_text(kind)
    return st.fixed_dictionaries(
        {"text": st.just(body)},
        optional={
            "encoding": st.one_of(st.just(encoding), st.just(encoding), odd_scalars),
            "size": sizes,
            "mimeType": text,
        },
    )


KINDS = ["plain", "base64", "bad-base64", "gzip-base64", "empty"]
content = st.one_of(
    st.sampled_from(KINDS).flatmap(_content),
    st.sampled_from(KINDS).flatmap(_content),
    st.sampled_from(["plain", "base64", "bad-base64", "gzip-base64", "empty"]).flatmap(
        lambda kind: st.fixed_dictionaries(
            {"text": st.just(_body_text(kind)[0])},
            optional={
                "encoding": st.one_of(st.just(_body_text(kind)[1]), odd_scalars),
                "size": odd_scalars,
                "mimeType": text,
            },
        )
    ),
    st.fixed_dictionaries({}, optional={"size": odd_scalars, "text": odd_scalars}),
    odd_scalars,
)
post_data = st.one_of(
    st.fixed_dictionaries({"text": st.sampled_from(["e30=", '{"ticket":"t"}'])}),
    st.fixed_dictionaries(
        {"text": st.one_of(text, st.just("e30="), odd_scalars)},
        optional={"encoding": st.one_of(st.just("base64"), odd_scalars)},
    ),
    odd_scalars,
)
request = st.fixed_dictionaries(
    {
        "method": st.one_of(st.just("POST"), st.just("POST"), st.just("GET"), odd_scalars),
        "url": st.one_of(
            st.just("https://us.authlete.com/api/1/backchannel/authentication/issue"),
            st.just("https://us.authlete.com/api/1/backchannel/authentication/issue"),
            st.just("https://example.com/other"),
            odd_scalars,
        ),
    },
    optional={"headers": headers, "postData": post_data, "cookies": st.just([])},
)
response = st.fixed_dictionaries(
    {
        "status": st.one_of(
            st.sampled_from([200, 400]),
            st.sampled_from([200, 400]),
            st.sampled_from([0, 200, 400, 999, 2**63 - 1, 2**63, 2**64 + 1, -1]),
            st.sampled_from(["200", 200.0, 200.5, True]),
            odd_scalars,
        )
    },
    optional={"headers": headers, "content": content, "statusText": text},
)
entries = st.fixed_dictionaries(
    {"request": request, "response": response},
    optional={"time": st.floats(allow_nan=False, allow_infinity=False), "cache": st.just({})},
)


#: Entries in the shapes the structs state, with the values where they could still differ.
usual_entries = st.fixed_dictionaries(
    {
        "request": st.fixed_dictionaries(
            {
                "method": st.sampled_from(["POST", "GET"]),
                "url": st.sampled_from(
                    [
                        "https://us.authlete.com/api/1/backchannel/authentication/issue",
                        "https://example.com/other",
                    ]
                ),
            },
            optional={
                "headers": st.lists(good_header, max_size=4),
                "postData": st.fixed_dictionaries(
                    {"text": st.sampled_from(["e30=", '{"ticket":"t"}', "%%"])},
                    optional={"encoding": st.sampled_from(["base64", "", "BASE64"])},
                ),
            },
        ),
        "response": st.fixed_dictionaries(
            {"status": st.sampled_from([0, 200, 400, 999, -1, 2**63 - 1])},
            optional={
                "headers": st.lists(
                    st.one_of(
                        good_header,
                        st.sampled_from([{"name": "content-encoding", "value": "gzip"}]),
                    ),
                    max_size=4,
                ),
                "content": st.sampled_from(KINDS).flatmap(_content),
            },
        ),
    },
    optional={"cache": st.just({}), "startedDateTime": text},
)


def records(entry: Any) -> list[tuple[Any, str | None]]:
    """The records of an entry, each with its body note (which exchanges leave out of ==)."""
    found = har_entry_record(entry, LOCATION, wanted)
    return [(r, r.body_note if isinstance(r, Exchange) else None) for r in found]


def general(raw: bytes) -> list[tuple[Any, str | None]]:
    return records(orjson.loads(raw))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(usual_entries)
def test_usual_entries_are_decoded_and_give_the_general_records(entry: dict[str, Any]) -> None:
    raw = json.dumps(entry).encode()
    decoded = decode_entry(raw)
    assert decoded is not None
    assert records(decoded) == general(raw)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(entries)
def test_any_decoded_entry_gives_the_general_records(entry: dict[str, Any]) -> None:
    raw = json.dumps(entry).encode()
    decoded = decode_entry(raw)
    if decoded is None:
        return
    assert records(decoded) == general(raw)


def test_the_usual_entry_is_decoded_into_structs() -> None:
    entry = {
        "request": {
            "method": "POST",
            "url": "https://us.authlete.com/api/1/backchannel/authentication/issue",
            "headers": [{"name": "Traceparent", "value": "00-ab-cd-01"}],
            "postData": {"mimeType": "application/json", "text": '{"ticket":"t"}'},
        },
        "response": {
            "status": 200,
            "headers": [{"name": "Content-Type", "value": "application/json"}],
            "content": {"size": len(BODY), "mimeType": "application/json", "text": BODY.decode()},
        },
        "timings": {"send": 0.1},
    }
    decoded = decode_entry(orjson.dumps(entry))
    assert isinstance(decoded, HarEntry)
    ((record, note),) = records(decoded)
    assert isinstance(record, Exchange)
    assert note is None
    assert record.body == BODY
    assert record.request_body == b'{"ticket":"t"}'
    assert record.response_headers == (("Content-Type", "application/json"),)
    assert [(record, note)] == general(orjson.dumps(entry))


def test_shapes_the_structs_do_not_state_are_left_to_the_general_reading() -> None:
    base = {"request": {"method": "POST", "url": "u/issue"}, "response": {"status": 200}}
    for change in (
        {"response": {"status": "200"}},
        {"response": {"status": 200.0}},
        {"response": {"status": True}},
        {"response": {"status": 2**64 + 1}},
        {"request": {"method": "POST", "url": "u/issue", "headers": [["a", "b"]]}},
        {"request": {"method": "POST", "url": "u/issue", "postData": "x"}},
    ):
        assert decode_entry(json.dumps({**base, **change}).encode()) is None
    assert decode_entry(b'{"request": {"method": "POST", "url": "\\ud800"}}') is None
    assert decode_entry(b"[1, 2]") is None


def test_a_huge_number_in_a_member_not_read_gives_the_same_records() -> None:
    # orjson refuses 1e400 and the reader falls back on Python's json; msgspec skips it.
    raw = (
        b'{"time": 1e400, "request": {"method": "POST", "url": "https://x/issue"},'
        b' "response": {"status": 200, "content": {"text": "{}", "size": 1e2}}}'
    )
    har = b'{"log": {"entries": [\n' + raw + b"\n]}}"
    records = list(read_har(io.BytesIO(har), "x.har", wanted, None, (b"/issue",)))
    assert [type(r) for r in records] == [Exchange]
    assert isinstance(records[0], Exchange)
    assert records[0].body == b"{}"


def test_an_empty_text_with_a_size_is_noted_as_the_general_reading_notes_it() -> None:
    for size in ("5", "true", "0", "-3", "18446744073709551615", "36893488147419103232", "5.0"):
        raw = (
            b'{"request": {"method": "POST", "url": "https://x/issue"}, "response": '
            b'{"status": 200, "content": {"text": "", "size": ' + size.encode() + b"}}}"
        )
        decoded = decode_entry(raw)
        assert decoded is not None
        assert records(decoded) == general(raw), size


def test_a_size_beyond_64_bits_is_no_byte_count_whichever_parser_read_it() -> None:
    # orjson reads it as a float; the stdlib fallback (an entry holding 1e400) as an int.
    # The status written as a string keeps the entry from the structs.
    for size in (b"36893488147419103232", b"5"):
        raw = (
            b'{"time": 1e400, "request": {"method": "POST", "url": "https://x/issue"},'
            b' "response": {"status": "200", "content": {"text": "", "size": ' + size + b"}}}"
        )
        har = b'{"log": {"entries": [\n' + raw + b"\n]}}"
        found = list(read_har(io.BytesIO(har), "x.har", wanted, None, (b"/issue",)))
        assert [type(r) for r in found] == [Exchange]
        assert isinstance(found[0], Exchange)
        expected = None if size != b"5" else "`response.content.text` is empty but `size` is 5"
        assert found[0].body_note == expected
