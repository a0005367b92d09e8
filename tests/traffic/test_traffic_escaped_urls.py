"""An issue call whose URL JSON writes with escapes is found in every format.

HAR readers turn away entries whose raw text cannot hold ``/issue`` without
parsing them; ``\\/``, ``\\u002f`` or ``\\u0069ssue`` must not hide an issue
call from them, whatever the layout and however the file is cut in slices.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from jobs_support import cut_at_entries, one_and_two_processes
from traffic_support import (
    ISSUE_URL,
    har_document,
    har_entry,
    json_report,
    ok_body,
    rules_by_entry,
)

from ciba_contracts.traffic import jsonstream
from ciba_contracts.traffic.markers import escape_markers, holds_escaped


def _escape_all(text: str) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in text)


PATH = "/api/715948317/backchannel/authentication/issue"
HOST = "https://us.authlete.com"
#: Raw JSON string contents: the issue URL spelt as JSON writers spell it.
ESCAPED_ISSUE_URLS = [
    ISSUE_URL.replace("/", "\\/"),  # PHP's json_encode
    ISSUE_URL.replace("/issue", "\\u002fissue"),
    ISSUE_URL.replace("/issue", "/\\u0069ssue"),
    ISSUE_URL.replace("/issue", "\\u002F\\u0069\\u0073\\u0073\\u0075\\u0065"),
    HOST + _escape_all(PATH),
]
#: Raw JSON string contents of URLs that are no issue call.
OTHER_URLS = [
    "https://cdn.example.com/caf\\u00e9.js",
    ISSUE_URL.replace("/issue", "/\\\\u0069ssue"),  # a backslash, then "u0069ssue"
    "https://cdn.example.com/\\u003cscript\\u003e",
]


def _har_text(indent: int | None) -> tuple[str, set[int]]:
    """A HAR file mixing escaped issue URLs and others; the entries that are issue calls."""
    entries = []
    wanted: set[int] = set()
    spellings: dict[int, str] = {}
    for i in range(24):
        kind = i % 8
        if kind < len(ESCAPED_ISSUE_URLS):
            spelling = ESCAPED_ISSUE_URLS[kind]
            wanted.add(i)
        else:
            spelling = OTHER_URLS[kind - len(ESCAPED_ISSUE_URLS)]
        spellings[i] = spelling
        entries.append(har_entry(f"__URL{i}__", body=ok_body(interval=-1)))
    # An issue call written plainly, and one whose "url" key itself is escaped.
    entries.append(har_entry(body=ok_body(interval=-1)))
    wanted.add(24)
    escaped_key = har_entry("__URL25__", body=ok_body(interval=-1))
    escaped_key["request"]["__KEY__"] = escaped_key["request"].pop("url")
    entries.append(escaped_key)
    spellings[25] = ISSUE_URL.replace("/issue", "/\\u0069ssue")
    wanted.add(25)
    text = json.dumps(har_document(entries), indent=indent)
    for i, spelling in spellings.items():
        text = text.replace(f'"__URL{i}__"', f'"{spelling}"')
    text = text.replace('"__KEY__"', '"\\u0075rl"')
    return text, wanted


@pytest.mark.parametrize("chunk", [None, 333], ids=["default-chunk", "small-chunk"])
@pytest.mark.parametrize("indent", [2, 4, None], ids=["indent2", "indent4", "minified"])
def test_escaped_issue_urls_in_har_are_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, indent: int | None, chunk: int | None
) -> None:
    if chunk is not None:
        monkeypatch.setattr(jsonstream, "CHUNK", chunk)
    text, wanted = _har_text(indent)
    path = tmp_path / "escaped.har"
    path.write_text(text, encoding="ascii")
    code, report = json_report(str(path))
    assert code == 1
    assert {entry for (_, entry) in rules_by_entry(report)} == wanted
    assert all(rules == ["A110"] for rules in rules_by_entry(report).values())
    assert report["summary"]["checked"] == len(wanted)
    assert report["summary"]["checked"] + report["summary"]["skipped"] == 26


def test_escaped_issue_urls_same_report_in_slices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, wanted = _har_text(2)
    path = tmp_path / "escaped.har"
    path.write_text(text, encoding="ascii")
    # Cut at every third entry: slices start on escaped and on plain issue calls.
    cuts = cut_at_entries(monkeypatch, path, step=3)
    assert len(cuts) == 26
    single, multi = one_and_two_processes([str(path)])
    assert single == multi
    entries = {f["entry"] for f in json.loads(single)["findings"]}
    assert entries == wanted


def test_escaped_issue_urls_in_other_formats(tmp_path: Path) -> None:
    spelling = ISSUE_URL.replace("/issue", "/\\u0069ssue")
    body = json.dumps(ok_body(interval=-1).decode())
    vcr_json = tmp_path / "cassette.json"
    vcr_json.write_text(
        '{"interactions": [{"request": {"method": "POST", "uri": "' + spelling + '", '
        '"body": null, "headers": {}}, "response": {"status": {"code": 200, "message": "OK"}, '
        '"headers": {}, "body": {"string": ' + body + "}}}], "
        '"version": 1}',
        encoding="ascii",
    )
    cassette = tmp_path / "cassette.yaml"
    cassette.write_text(
        "interactions:\n"
        "- request:\n"
        "    method: POST\n"
        f'    uri: "{spelling.replace("/", chr(92) + "/")}"\n'
        "    body: null\n"
        "    headers: {}\n"
        "  response:\n"
        "    status: {code: 200, message: OK}\n"
        "    headers: {}\n"
        f"    body: {{string: {body}}}\n"
        "version: 1\n",
        encoding="ascii",
    )
    assert yaml.safe_load(cassette.read_text())["interactions"][0]["request"]["uri"] == ISSUE_URL
    log = tmp_path / "log.jsonl"
    log.write_text(
        '{"request": {"method": "POST", "url": "' + _escape_all(ISSUE_URL) + '", "headers": {}, '
        '"body": null}, "response": {"status": 200, "headers": {}, "body": ' + body + "}}\n",
        encoding="ascii",
    )
    code, report = json_report(str(vcr_json), str(cassette), str(log))
    assert code == 1
    assert rules_by_entry(report) == {
        ("cassette.json", 0): ["A110"],
        ("cassette.yaml", 0): ["A110"],
        ("log.jsonl", 0): ["A110"],
    }


def test_escape_markers_and_the_closer_look() -> None:
    assert escape_markers(()) == ()
    assert escape_markers((b"/issue",)) == (b"\\u00",)
    assert escape_markers((b"authentication/issue",)) == (b"\\u00", b"\\/")
    assert holds_escaped(b'"url": "https:\\/\\/x\\/\\u0069ssue"', (b"/issue",))
    assert holds_escaped(b'"\\u002FISSUE\\u002f\\u0069\\u0073sue"', (b"/issue",))
    assert not holds_escaped(b'"caf\\u00e9 \\u003c/issu\\u00e9"', (b"/issue",))


def test_a_har_whose_keys_are_escaped_is_told_apart_by_content(tmp_path: Path) -> None:
    text, wanted = _har_text(2)
    assert text.startswith('{\n  "log"')
    path = tmp_path / "capture.json"
    path.write_text(text.replace('"log"', '"\\u006cog"', 1), encoding="ascii")
    code, report = json_report(str(path))
    assert code == 1
    assert {entry for (_, entry) in rules_by_entry(report)} == wanted
