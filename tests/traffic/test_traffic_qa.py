"""Regression tests from a QA pass: hostile recordings against every report format."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from traffic_support import (
    AUTH_URL,
    ISSUE_URL,
    har_entry,
    json_report,
    ok_body,
    rules_by_entry,
    run_cli,
    write_har,
)

from ciba_contracts.config import FORMATS
from ciba_contracts.redact import redact_text


@pytest.mark.skipif(os.name != "posix", reason="file names as bytes are a POSIX matter")
@pytest.mark.parametrize("fmt", FORMATS)
def test_file_name_not_utf8_in_every_format(tmp_path: Path, fmt: str) -> None:
    # A directory holding a recording whose name is not UTF-8: Python sees lone
    # surrogates, which neither orjson nor a UTF-8 output file can encode.
    folder = tmp_path / "in"
    folder.mkdir()
    name = os.fsdecode(b"\xff\xfe-capture.har")
    write_har(folder / name, [har_entry(body=ok_body(interval=-1))])
    out = tmp_path / f"report.{fmt}"
    code, _ = run_cli("validate", str(folder), "--format", fmt, "--output", str(out))
    assert code == 1
    text = out.read_text(encoding="utf-8")
    assert "capture.har" in text
    if fmt == "json":
        assert json.loads(text)["findings"][0]["source"].endswith("\\xff\\xfe-capture.har")
    if fmt == "junit":
        ET.fromstring(text)


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_control_characters_cannot_forge_report_lines(tmp_path: Path, fmt: str) -> None:
    # A Content-Type with a newline, an escape sequence and a workflow command.
    hostile = "text/html\n::error file=x::forged\x1b[2J\r;q=1"
    har = write_har(
        tmp_path / "h.har",
        [har_entry(body=ok_body(), response_headers=[("Content-Type", hostile)])],
    )
    code, out = run_cli("validate", str(har), "--format", fmt)
    assert code == 1
    assert "\x1b" not in out
    assert "\r" not in out
    lines = out.splitlines()
    assert not any(line.startswith("::error file=x") for line in lines)
    if fmt == "text":
        assert not any(line.startswith("::") for line in lines)
    assert "text/html\\n::error file=x::forged\\x1b[2J\\r;q=1" in out


CASSETTE = {
    "interactions": [
        {
            "request": {
                "method": "POST",
                "uri": "http://127.0.0.1:8080/api/1/backchannel/authentication/issue",
                "headers": {"Authorization": ["Bearer reference-token"]},
                "body": '{"ticket": "t"}',
            },
            "response": {
                "status": {"code": 200, "message": "OK"},
                "headers": {"Content-Type": ["application/json"]},
                "body": {"string": ok_body(interval=-1).decode()},
            },
        }
    ],
    "version": 1,
}


@pytest.mark.parametrize("layout", ["flow", "flow-after-comment", "bom"])
def test_cassette_layouts_yaml_allows(tmp_path: Path, layout: str) -> None:
    # Flow style is YAML (not JSON: its keys are not quoted); a byte order mark is
    # allowed at the start of a YAML stream. Either way the cassette is read.
    if layout == "bom":
        text = "\ufeff" + yaml.safe_dump(CASSETTE)
    else:
        text = yaml.safe_dump(CASSETTE, default_flow_style=True, width=10**6)
        if layout == "flow-after-comment":
            text = "# recorded by hand\n---\n" + text
    path = tmp_path / "cassette.yaml"
    path.write_text(text, encoding="utf-8")
    code, report = json_report(str(path))
    assert code == 1
    assert rules_by_entry(report) == {("cassette.yaml", 0): ["A110"]}


def test_exchange_log_with_byte_order_mark(tmp_path: Path) -> None:
    line = {
        "request": {"method": "POST", "url": ISSUE_URL},
        "response": {"status": 200, "headers": {}, "body": ok_body(interval=-1).decode()},
    }
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(line).encode() + b"\n")
    code, report = json_report(str(path))
    assert code == 1
    assert rules_by_entry(report) == {("log.jsonl", 0): ["A110"]}


MARK = "qaSeCrEt"
LEAKY_URLS = [
    f"{ISSUE_URL}?api_key={MARK}1&token={MARK}2&apiKey={MARK}3&code={MARK}4",
    f"{ISSUE_URL}?client%5Fsecret={MARK}5&CLIENT_SECRET={MARK}6&Access-Token={MARK}7",
    f"{ISSUE_URL}?x=Bearer%20{MARK}8&y=Basic+{MARK}9",
]
LEAKY_BODIES = [
    # S001 shows the start of a body that is not JSON.
    f"<html>password: {MARK}10</html>".encode(),
    f"access_token: {MARK}11".encode(),
    # A105 shows resultMessage.
    ok_body(resultMessage=f'[X] {{"serviceAccessToken": "{MARK}12"}}'),
    # A111 shows responseContent.
    ok_body(responseContent=f"access_token: {MARK}13"),
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_more_spellings_of_secrets_stay_out_of_reports(tmp_path: Path, fmt: str) -> None:
    entries = [har_entry(url, body=ok_body(interval=-1)) for url in LEAKY_URLS]
    entries += [har_entry(body=body) for body in LEAKY_BODIES]
    har = write_har(tmp_path / "leaky.har", entries)
    code, out = run_cli("validate", str(har), "--format", fmt)
    assert code == 1
    assert "[REDACTED]" in out
    assert MARK.lower() not in out.lower()


def _exchange_line(status: object = 200, body: bytes | None = None) -> bytes:
    line = {
        "request": {"method": "POST", "url": ISSUE_URL},
        "response": {"status": status, "headers": {}, "body": (body or ok_body()).decode()},
    }
    return json.dumps(line).encode()


@pytest.mark.parametrize(
    ("first", "rules"),
    [
        (_exchange_line()[:60], ["I001"]),  # cut short
        (_exchange_line().replace(b"POST", b"POST\xe9", 1), ["I003"]),  # not UTF-8, still read
        (_exchange_line().replace(b"200", b"1e400", 1), ["I001"]),  # no number orjson takes
    ],
    ids=["cut", "not-utf8", "infinite"],
)
def test_exchange_log_with_a_broken_first_line_is_still_an_exchange_log(
    tmp_path: Path, first: bytes, rules: list[str]
) -> None:
    path = tmp_path / "log.jsonl"
    path.write_bytes(first + b"\n" + _exchange_line(body=ok_body(interval=-1)) + b"\n")
    code, report = json_report(str(path))
    assert code == 1
    assert rules_by_entry(report) == {("log.jsonl", 0): rules, ("log.jsonl", 1): ["A110"]}


@pytest.mark.parametrize("code_text", [".inf", "-.inf", ".nan", "200.5"])
def test_cassette_status_that_is_no_integer(tmp_path: Path, code_text: str) -> None:
    text = yaml.safe_dump(CASSETTE).replace("code: 200", f"code: {code_text}")
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    code, report = json_report(str(path))
    assert code == 2  # its only interaction could not be read
    assert rules_by_entry(report) == {("c.yaml", 0): ["I001"]}


def test_har_status_with_a_fraction(tmp_path: Path) -> None:
    entry = har_entry(body=ok_body())
    entry["response"]["status"] = 200.5
    har = write_har(tmp_path / "s.har", [entry, har_entry(body=ok_body(interval=-1))])
    code, report = json_report(str(har))
    assert code == 1
    assert rules_by_entry(report) == {("s.har", 0): ["I001"], ("s.har", 1): ["A110"]}


def test_text_report_names_the_exchange_even_after_an_input_finding(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    line = _exchange_line(body=ok_body(interval=-1))
    path.write_bytes(line.replace(b"/issue", b"/issue?q=\xe9", 1))
    code, out = run_cli("validate", str(path))
    assert code == 1
    assert f"entry 0, line 1, byte 0: POST {ISSUE_URL}?q=\ufffd -> 200\n    I003" in out


def test_har_mixing_one_line_and_pretty_entries_counts_every_entry(tmp_path: Path) -> None:
    # Entries on one line among entries laid out one member a line: the layout of the
    # pretty ones must not make several one-line entries count as one.
    entries = [
        har_entry(body=ok_body(interval=-1)) if i % 10 == 9 else har_entry(AUTH_URL)
        for i in range(40)
    ]
    parts = [
        json.dumps(e, indent="\t") if i % 7 == 0 else json.dumps(e) for i, e in enumerate(entries)
    ]
    path = tmp_path / "mixed.har"
    path.write_text('{"log": {"entries": [\n' + ",\n".join(parts) + "\n]}}\n", encoding="utf-8")
    code, report = json_report(str(path))
    assert code == 1
    assert report["summary"]["skipped"] == 36
    assert rules_by_entry(report) == {("mixed.har", i): ["A110"] for i in (9, 19, 29, 39)}


@pytest.mark.parametrize("text", ["code = abc123", "CODE =abc123", "code=abc123&state=1"])
def test_an_authorization_code_is_masked_with_or_without_blanks(text: str) -> None:
    assert "abc123" not in redact_text(text)


def test_a_result_code_is_no_credential() -> None:
    message = "`resultCode` A001201 does not match the code in `resultMessage`"
    assert redact_text(message) == message
