"""Every recording entry Python's json reads is read, in every format.

orjson refuses lone surrogate escapes (mitmproxy writes request bytes that are
not UTF-8 that way), numbers beyond a double (``1e400``) and nesting past 1024
levels; the readers fall back to the standard library there, keep the
request body as recorded and check the answer.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from traffic_support import (
    ISSUE_URL,
    har_document,
    har_entry,
    json_report,
    ok_body,
    rules_by_entry,
    run_cli,
)

from ciba_contracts import validate
from ciba_contracts.config import FORMATS
from ciba_contracts.traffic import jsonstream
from ciba_contracts.traffic.bodies import text_bytes
from ciba_contracts.traffic.exchange import Exchange
from ciba_contracts.traffic.exchange_jsonl import read_exchange_lines
from ciba_contracts.traffic.har import read_har
from ciba_contracts.traffic.vcr import read_cassette_yaml, read_vcr_json

#: What mitmproxy records for a request body holding bytes 0xff 0xfe.
MITM_TICKET = '{"ticket": "\udcff\udcfe"}'
#: The bytes that request body stands for.
TICKET_BYTES = b'{"ticket": "\xff\xfe"}'
#: An answer whose body was not UTF-8, recorded the same way.
BROKEN_ANSWER = ok_body().decode().replace("issued", "issued \udcff")


def _post(entry: dict[str, Any], text: str) -> dict[str, Any]:
    entry["request"]["postData"] = {"mimeType": "application/json", "text": text}
    return entry


def _har_text(indent: int | None) -> str:
    """A HAR file as Python's json writes it (lone surrogates as escapes), with placeholders."""
    broken = har_entry(body=b"{}")
    broken["response"]["content"]["text"] = BROKEN_ANSWER
    entries = [
        _post(har_entry(body=ok_body(interval=-1)), MITM_TICKET),
        har_entry(
            body=ok_body(expiresIn=0),
            extra={"time": "__INF__", "_note": "é" * 300 + "\U0001f600" * 100},
        ),
        har_entry(body=ok_body(interval=-1), extra={"_deep": "__DEEP500__"}),
        har_entry(body=ok_body(), extra={"_deep": "__DEEP2000__"}),
        broken,
        _post(har_entry(ISSUE_URL + "?q=\ud800", body=ok_body()), MITM_TICKET),
    ]
    text = json.dumps(har_document(entries), indent=indent)
    assert "\\udcff" in text
    return (
        text.replace('"__INF__"', "1e400")
        .replace('"__DEEP500__"', "[" * 500 + "]" * 500)
        .replace('"__DEEP2000__"', "[" * 2000 + "]" * 2000)
    )


EXPECTED_HAR = {
    0: ["A110"],
    1: ["A109"],
    2: ["A110"],
    3: ["I001"],
    4: ["S001"],
}


@pytest.mark.parametrize("chunk", [None, 61, 64, 67, 97])
@pytest.mark.parametrize("indent", [2, None], ids=["pretty", "minified"])
def test_har_entries_only_orjson_refuses_are_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, indent: int | None, chunk: int | None
) -> None:
    # Small blocks: the window orjson refused is widened across escapes cut in two.
    if chunk is not None:
        monkeypatch.setattr(jsonstream, "CHUNK", chunk)
    har = tmp_path / "mitm.har"
    har.write_text(_har_text(indent), encoding="ascii")
    code, report = json_report(str(har))
    assert code == 1
    assert report["summary"]["checked"] == 5
    by_entry = {entry: rules for (_, entry), rules in rules_by_entry(report).items()}
    assert by_entry == EXPECTED_HAR
    deep = next(f for f in report["findings"] if f["rule"] == "I001")
    assert "nested more than 1024 levels deep" in deep["message"]
    # The answer whose body is not UTF-8 gets the finding the same bytes get alone.
    broken = next(f for f in report["findings"] if f["rule"] == "S001")
    alone = validate(text_bytes(BROKEN_ANSWER))
    assert [(broken["rule"], broken["message"])] == [(f.rule, f.message) for f in alone]
    assert "byte 0xff" in broken["message"]


@pytest.mark.parametrize("indent", [2, None], ids=["pretty", "minified"])
def test_har_request_body_is_kept_as_recorded(indent: int | None) -> None:
    stream = io.BytesIO(_har_text(indent).encode())
    exchanges = [r for r in read_har(stream, "mitm.har") if isinstance(r, Exchange)]
    assert [e.entry for e in exchanges] == [0, 1, 2, 4, 5]
    assert exchanges[0].request_body == TICKET_BYTES
    assert exchanges[-1].url == ISSUE_URL + "?q=\ud800"
    # A surrogate no byte was escaped to is kept in its surrogatepass form.
    assert text_bytes("a\ud800b") == b"a\xed\xa0\x80b"
    assert text_bytes("\udcff\ud800") == b"\xff\xed\xa0\x80"


@pytest.mark.parametrize("fmt", FORMATS)
def test_reports_show_lone_surrogates_safely(tmp_path: Path, fmt: str) -> None:
    har = tmp_path / "mitm.har"
    har.write_text(_har_text(2), encoding="ascii")
    out = tmp_path / f"report.{fmt}"
    code, _ = run_cli("validate", str(har), "--format", fmt, "--output", str(out))
    assert code == 1
    assert "A110" in out.read_text(encoding="utf-8")


def _interaction(body: str, answer: str) -> dict[str, Any]:
    return {
        "request": {"method": "POST", "uri": ISSUE_URL, "body": body, "headers": {}},
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {"Content-Type": ["application/json"]},
            "body": {"string": answer},
        },
    }


CASSETTE = {
    "interactions": [
        _interaction(MITM_TICKET, ok_body(interval=-1).decode()),
        _interaction("{}", BROKEN_ANSWER),
        _interaction("{}", ok_body().decode()),
    ],
    "version": 1,
}


def test_vcr_json_cassette_with_lone_surrogates(tmp_path: Path) -> None:
    text = json.dumps(CASSETTE, indent=2).replace('"version": 1', '"version": 1, "t": 1e400')
    path = tmp_path / "cassette.json"
    path.write_text(text, encoding="ascii")
    code, report = json_report(str(path))
    assert code == 1
    by_entry = {entry: rules for (_, entry), rules in rules_by_entry(report).items()}
    assert by_entry == {0: ["A110"], 1: ["S001"]}
    records = list(read_vcr_json(io.BytesIO(text.encode()), "c.json"))
    assert next(r.request_body for r in records if isinstance(r, Exchange)) == TICKET_BYTES


def test_yaml_cassette_with_lone_surrogate_escapes(tmp_path: Path) -> None:
    # PyYAML writes them as "\uDCFF"; libyaml refuses to read that escape back.
    text = yaml.safe_dump(CASSETTE, sort_keys=False)
    assert "\\uDCFF" in text
    path = tmp_path / "cassette.yaml"
    path.write_text(text, encoding="utf-8")
    code, report = json_report(str(path))
    assert code == 1
    by_entry = {entry: rules for (_, entry), rules in rules_by_entry(report).items()}
    assert by_entry == {0: ["A110"], 1: ["S001"]}
    records = list(read_cassette_yaml(io.BytesIO(text.encode()), "c.yaml"))
    assert next(r.request_body for r in records if isinstance(r, Exchange)) == TICKET_BYTES


def test_broken_yaml_escape_keeps_its_message(tmp_path: Path) -> None:
    path = tmp_path / "cassette.yaml"
    path.write_text('interactions:\n- request: "\\uZZZZ"\n', encoding="utf-8")
    code, report = json_report(str(path))
    assert code == 2
    [problem] = report["findings"]
    assert problem["rule"] == "I001"
    assert "hexdecimal" in problem["message"]


def test_exchange_log_keeps_request_bytes_and_checks_the_answer(tmp_path: Path) -> None:
    def line(request_body: str, answer: str) -> str:
        exchange = {
            "request": {"method": "POST", "url": ISSUE_URL, "headers": {}, "body": request_body},
            "response": {"status": 200, "headers": {}, "body": answer},
        }
        return json.dumps(exchange) + "\n"

    text = line(MITM_TICKET, ok_body(interval=-1).decode()) + line("{}", BROKEN_ANSWER)
    path = tmp_path / "log.jsonl"
    path.write_text(text, encoding="ascii")
    code, report = json_report(str(path))
    assert code == 1
    by_entry = {entry: rules for (_, entry), rules in rules_by_entry(report).items()}
    assert by_entry == {0: ["A110"], 1: ["S001"]}
    records = list(read_exchange_lines(io.BytesIO(text.encode()), "log.jsonl"))
    assert next(r.request_body for r in records if isinstance(r, Exchange)) == TICKET_BYTES


def test_payload_lines_with_lone_surrogates_and_1e400(tmp_path: Path) -> None:
    escaped = json.dumps({**json.loads(ok_body()), "note": "issued \udcff"})
    path = tmp_path / "bodies.jsonl"
    path.write_text(
        escaped + "\n" + ok_body(expiresIn=0).decode().replace(":0,", ":1e400,") + "\n",
        encoding="ascii",
    )
    code, report = json_report(str(path))
    assert code == 1
    by_entry = {entry: rules for (_, entry), rules in rules_by_entry(report).items()}
    # The lone surrogate escape is JSON: that payload keeps the contract.
    assert list(by_entry) == [1]
    assert "S004" in by_entry[1]
