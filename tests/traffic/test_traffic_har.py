"""HAR files: devtools, proxy and minified layouts, and every way a HAR can be broken."""

from __future__ import annotations

import gzip
import json
import re
import zlib
from pathlib import Path

import orjson
import pytest
from traffic_support import (
    AUTH_URL,
    ISSUE_URL,
    ISSUE_V2_URL,
    RESULT_401,
    har_document,
    har_entry,
    json_report,
    ok_body,
    rules_by_entry,
    write_har,
)

# Entry 1 breaks A109; entry 3 is a probe's GET (skipped); entry 4 a 422; entry 5 a 401.
ENTRIES = [
    har_entry(AUTH_URL, 200, b'{"action":"USER_IDENTIFICATION","ticket":"t"}'),
    har_entry(ISSUE_URL, 200, ok_body(expiresIn=0, responseContent=None)),
    har_entry(ISSUE_URL, 200, ok_body()),
    har_entry(ISSUE_URL, 405, b"", method="GET"),
    har_entry(ISSUE_URL + "/", 422, b"{}"),
    har_entry(ISSUE_V2_URL, 401, RESULT_401),
    har_entry("https://cdn.example.com/app.js", 200, b"function f(){}", method="GET"),
]
EXPECTED = {
    ("t.har", 1): ["A108", "A109"],
    ("t.har", 4): ["H301"],
}


@pytest.mark.parametrize("indent", [None, 1, 2, 4, "\t"])
def test_every_layout_gives_the_same_findings(tmp_path: Path, indent: int | str | None) -> None:
    path = tmp_path / "t.har"
    text = json.dumps(har_document(ENTRIES), indent=indent)
    path.write_text(text, encoding="utf-8")
    code, report = json_report(str(path))
    assert code == 1
    assert rules_by_entry(report) == EXPECTED
    assert report["summary"]["checked"] == 4
    assert report["summary"]["skipped"] == 3
    for finding in report["findings"]:
        offset = finding["offset"]
        raw = path.read_bytes()
        assert raw[offset : offset + 1] == b"{"
        assert raw[:offset].count(b"\n") + 1 == finding["line"]


def test_custom_path_pattern_reads_every_entry_and_agrees(tmp_path: Path) -> None:
    path = write_har(tmp_path / "t.har", ENTRIES)
    _, default = json_report(str(path))
    _, custom = json_report(str(path), "--path-pattern", r"/backchannel/authentication/issue/?$")
    assert default == custom
    _, narrow = json_report(str(path), "--path-pattern", r"^/api/backchannel/")
    assert narrow["summary"]["checked"] == 1
    assert narrow["findings"] == []


def test_devtools_details(tmp_path: Path) -> None:
    missing_text = har_entry(ISSUE_URL, 200, ok_body())
    del missing_text["response"]["content"]["text"]
    empty_but_sized = har_entry(ISSUE_URL, 200, b"")
    empty_but_sized["response"]["content"]["size"] = 321
    empty = har_entry(ISSUE_URL, 200, b"")
    no_answer = har_entry(ISSUE_URL, 0, None, content_type="x-unknown")
    entries = [
        har_entry(ISSUE_URL, 200, ok_body(), base64_body=True),
        missing_text,
        empty_but_sized,
        empty,
        no_answer,
        har_entry(ISSUE_URL, 200, ok_body(), extra={"_initiator": {"type": "script"}}),
    ]
    code, report = json_report(str(write_har(tmp_path / "d.har", entries)))
    assert code == 1
    assert rules_by_entry(report) == {
        ("d.har", 1): ["I006"],
        ("d.har", 2): ["I006"],
        ("d.har", 3): ["S001"],
        ("d.har", 4): ["I006"],
    }
    severities = {f["entry"]: f["severity"] for f in report["findings"]}
    assert severities[1] == "warning"


def test_escaped_slashes_and_gzip_content_encoding(tmp_path: Path) -> None:
    body = ok_body(interval=-1)
    entry = har_entry(ISSUE_URL, 200, body)
    entry["response"]["headers"].append({"name": "Content-Encoding", "value": "gzip"})
    raw = json.dumps(har_document([entry]), indent=2).replace("/", "\\/")
    gz_entry = har_entry(ISSUE_URL, 200, gzip.compress(body), base64_body=True)
    gz_entry["response"]["headers"].append({"name": "Content-Encoding", "value": "gzip"})
    (tmp_path / "escaped.har").write_text(raw, encoding="utf-8")
    write_har(tmp_path / "raw-gzip.har", [gz_entry])
    _, report = json_report(str(tmp_path / "escaped.har"), str(tmp_path / "raw-gzip.har"))
    assert rules_by_entry(report) == {
        ("escaped.har", 0): ["A110"],
        ("raw-gzip.har", 0): ["A110"],
    }


@pytest.mark.parametrize("indent", [None, 2])
def test_corrupt_entries_are_reported_and_the_rest_is_checked(
    tmp_path: Path, indent: int | None
) -> None:
    entries = [
        har_entry(ISSUE_URL, 200, ok_body(expiresIn=-5)),
        har_entry(ISSUE_URL, 200, ok_body()),
        har_entry(ISSUE_URL, 200, b"QUJD!!not base64", base64_body=False),
        har_entry(ISSUE_URL, 200, ok_body(interval=-2)),
        {"request": {"url": ISSUE_URL}, "response": {}},
        har_entry(ISSUE_URL, 200, ok_body(expiresIn=0)),
    ]
    entries[2]["response"]["content"]["encoding"] = "base64"
    path = write_har(tmp_path / "c.har", entries, indent)
    raw = path.read_bytes()
    # Break the JSON of entry 1: a value that is no JSON value.
    second = raw.index(b'"resultCode', raw.index(b"resultCode") + 1)
    broken = raw[:second] + b"@@" + raw[second:]
    path.write_bytes(broken)
    code, report = json_report(str(path))
    assert code == 1
    found = rules_by_entry(report)
    assert found[("c.har", 0)] == ["A109"]
    assert found[("c.har", 1)] == ["I001"]
    assert found[("c.har", 2)] == ["I001"]
    assert found[("c.har", 3)] == ["A110"]
    assert found[("c.har", 4)] == ["I001"]
    assert found[("c.har", 5)] == ["A109"]
    corrupt = next(f for f in report["findings"] if f["entry"] == 1)
    assert "not valid JSON" in corrupt["message"]
    assert corrupt["offset"] is not None
    base64_finding = next(f for f in report["findings"] if f["entry"] == 2)
    assert "base64" in base64_finding["message"]


def test_truncated_anywhere_never_crashes_and_keeps_complete_entries(tmp_path: Path) -> None:
    entries = [har_entry(ISSUE_URL, 200, ok_body(expiresIn=0)) for _ in range(3)]
    full = write_har(tmp_path / "full.har", entries).read_bytes()
    first_end = full.index(b"\n      }", full.index(b'"entries"'))
    path = tmp_path / "cut.har"
    for cut in range(1, len(full) - 2, 97):
        path.write_bytes(full[:cut])
        code, report = json_report(str(path))
        rules = [f["rule"] for f in report["findings"]]
        assert code in (1, 2), cut
        assert "I002" in rules, (cut, rules)
        if cut > first_end + 6:
            # Entry 0 was complete before the cut: it was checked.
            assert ("cut.har", 0) in rules_by_entry(report), cut
            assert "A109" in rules_by_entry(report)[("cut.har", 0)]
        if report["summary"]["checked"] == 0 and report["summary"]["skipped"] == 0:
            assert code == 2


def test_not_utf8_bytes_are_reported_where_they_are(tmp_path: Path) -> None:
    entries = [
        har_entry(ISSUE_URL, 200, ok_body(expiresIn=0)),
        har_entry(ISSUE_URL, 200, ok_body(note="issued éé")),
        har_entry(
            "https://cdn.example.com/a.css", 200, b"body { content: 'caf\xc3\xa9' }", method="GET"
        ),
        har_entry(ISSUE_URL, 200, ok_body(interval=-1)),
    ]
    path = write_har(tmp_path / "latin.har", entries)
    raw = path.read_bytes().replace("éé".encode(), b"\xe9\xe9").replace("é".encode(), b"\xe9")
    path.write_bytes(raw)
    code, report = json_report(str(path))
    assert code == 1
    found = rules_by_entry(report)
    assert found[("latin.har", 0)] == ["A109"]
    assert found[("latin.har", 1)] == ["I003"]
    assert found[("latin.har", 2)] == ["I003"]
    assert found[("latin.har", 3)] == ["A110"]
    for finding in report["findings"]:
        if finding["rule"] == "I003":
            # The entry's offset locates it; the message names the offending byte.
            assert raw[finding["offset"] : finding["offset"] + 1] == b"{"
            byte = int(re.search(r"at offset (\d+)", finding["message"]).group(1))  # type: ignore[union-attr]
            assert raw[byte] == 0xE9


def test_whole_file_latin1_and_utf16(tmp_path: Path) -> None:
    entries = [har_entry(ISSUE_URL, 200, ok_body(note="café", expiresIn=0))]
    text = json.dumps(har_document(entries), indent=2, ensure_ascii=False)
    (tmp_path / "l1.har").write_bytes(text.encode("latin-1"))
    (tmp_path / "u16.har").write_bytes(text.encode("utf-16"))
    (tmp_path / "bom.har").write_bytes(b"\xef\xbb\xbf" + text.encode())
    _, report = json_report(*(str(tmp_path / n) for n in ("l1.har", "u16.har", "bom.har")))
    found = rules_by_entry(report)
    assert found[("l1.har", 0)] == ["A109", "I003"]
    assert found[("u16.har", None)] == ["I003"]
    assert found[("u16.har", 0)] == ["A109"]
    assert found[("bom.har", 0)] == ["A109"]


def test_gzip_stdin_and_broken_gzip(tmp_path: Path) -> None:
    raw = json.dumps(har_document(ENTRIES), indent=2).encode()
    packed = gzip.compress(raw)
    (tmp_path / "t.har.gz").write_bytes(packed)
    (tmp_path / "cut.har.gz").write_bytes(packed[: len(packed) // 2])
    _, whole = json_report(str(tmp_path / "t.har.gz"))
    assert {k[1]: v for k, v in rules_by_entry(whole).items()} == {
        k[1]: v for k, v in EXPECTED.items()
    }
    _, piped = json_report("-", stdin=packed)
    assert {k[1]: v for k, v in rules_by_entry(piped).items()} == {1: ["A108", "A109"], 4: ["H301"]}
    code, cut = json_report(str(tmp_path / "cut.har.gz"))
    assert "I002" in [f["rule"] for f in cut["findings"]]
    assert code in (1, 2)


def test_structure_problems(tmp_path: Path) -> None:
    cases = {
        "no-entries.har": b'{"log": {"version": "1.2", "creator": {}}}',
        "entries-not-array.har": b'{"log": {"entries": {"a": 1}}}',
        "empty-entries.har": b'{"log": {"entries": []}}',
        "trailing.har": orjson.dumps(har_document(ENTRIES[:2])) + b"\n garbage",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    code, report = json_report(*(str(tmp_path / n) for n in cases))
    found = rules_by_entry(report)
    assert found[("no-entries.har", None)] == ["I001"]
    assert found[("entries-not-array.har", None)] == ["I001"]
    assert ("empty-entries.har", None) not in found
    assert found[("trailing.har", None)] == ["I001"]
    assert found[("trailing.har", 1)] == ["A108", "A109"]
    assert code == 1


def test_mitmproxy_export_shapes(tmp_path: Path) -> None:
    """mitmproxy's save.har: ``json.dump(indent=4)`` (ASCII only), failed flows with
    status 0 and empty content; its hardump option writes zlib-compressed ``.zhar``."""
    failed = har_entry(ISSUE_URL, 0, None)
    failed["response"] = {
        "status": 0,
        "statusText": "",
        "httpVersion": "",
        "headers": [],
        "cookies": [],
        "content": {},
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": -1,
        "_transferSize": 0,
        "_error": "Connection killed.",
    }
    entries = [
        har_entry(ISSUE_URL, 200, ok_body(note="émis", expiresIn=0)),
        failed,
        har_entry(ISSUE_URL, 200, ok_body()),
    ]
    document = har_document(entries, creator="mitmproxy exporthar")
    text = json.dumps(document, indent=4)  # ensure_ascii: \u escapes throughout
    assert "\\u00e9" in text
    (tmp_path / "flows.har").write_text(text)
    (tmp_path / "flows.zhar").write_bytes(zlib.compress(json.dumps(document, indent=2).encode(), 9))
    code, report = json_report(str(tmp_path / "flows.har"), str(tmp_path / "flows.zhar"))
    assert code == 1
    assert rules_by_entry(report) == {
        ("flows.har", 0): ["A109"],
        ("flows.har", 1): ["I006"],
        ("flows.zhar", 0): ["A109"],
        ("flows.zhar", 1): ["I006"],
    }


@pytest.mark.parametrize("seed", range(12))
def test_unparsed_entries_change_no_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Entries skipped unparsed (alone or many at once) give the report of parsing them all.

    Random recordings: layouts, pages before or after the entries, the word
    "issue" in unrelated entries, bytes that are not UTF-8, and reading blocks
    far smaller than entries, so every edge of the buffer is crossed.
    """
    from ciba_contracts.traffic import jsonstream

    rng = __import__("random").Random(seed)
    monkeypatch.setattr(jsonstream, "CHUNK", rng.choice([64, 333, 1000, 4096]))
    entries = []
    for _ in range(rng.randint(5, 60)):
        roll = rng.random()
        if roll < 0.2:
            entries.append(har_entry(ISSUE_URL, 200, ok_body(expiresIn=rng.choice([0, 600]))))
        elif roll < 0.3:
            entries.append(har_entry(ISSUE_URL, rng.choice([401, 422, 500]), RESULT_401))
        elif roll < 0.4:
            entries.append(har_entry(AUTH_URL, 200, b'{"note": "no issue here"}'))
        elif roll < 0.5:
            entries.append(
                har_entry("https://cdn.example.com/caf\u00e9.css", 200, b"x", method="GET")
            )
        else:
            entries.append(har_entry(AUTH_URL, 200, b'{"ticket": "t"}' * rng.randint(1, 40)))
    document = har_document(entries)
    if rng.random() < 0.5:
        log = document["log"]
        document["log"] = {"version": "1.2", "entries": log["entries"], "pages": log["pages"] * 30}
    indent = rng.choice([1, 2, 4, "\t"])
    raw = json.dumps(document, indent=indent, ensure_ascii=False).encode()
    if rng.random() < 0.5:
        raw = raw.replace("é".encode(), b"\xe9")
    path = tmp_path / "r.har"
    path.write_bytes(raw)
    _, fast = json_report(str(path))
    _, full = json_report(str(path), "--path-pattern", r"/backchannel/authentication/issue/?$")
    assert fast == full
    assert fast["summary"]["checked"] + fast["summary"]["skipped"] == len(entries)


@pytest.mark.parametrize("seed", range(16))
def test_skipped_runs_stop_at_every_layout_break(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Runs of entries skipped at once end where the one-by-one reading would.

    Among pretty-printed entries: entries on one line, a blank after an
    opening brace, CRLF line breaks, slashes JSON-escaped as ``\\/``, and a
    second array after the entries in the same layout, its first element
    opened on the bracket's line. The report must be that of parsing every
    entry.
    """
    from ciba_contracts.traffic import jsonstream

    rng = __import__("random").Random(seed)
    monkeypatch.setattr(jsonstream, "CHUNK", rng.choice([333, 4096, 1 << 20]))
    unit = rng.choice(["  ", "    ", "\t"])
    indent = unit * rng.choice([2, 3])
    texts = []
    for _ in range(rng.randint(10, 50)):
        roll = rng.random()
        if roll < 0.15:
            entry = har_entry(ISSUE_URL, 200, ok_body(expiresIn=rng.choice([0, 600])))
        elif roll < 0.25:
            entry = har_entry(AUTH_URL, 200, b'{"note": "no /issue here"}')
        else:
            entry = har_entry(AUTH_URL, 200, b'{"ticket": "t"}' * rng.randint(1, 20))
        style = rng.random()
        if style < 0.1:
            text = json.dumps(entry)
        else:
            text = json.dumps(entry, indent=unit)
            if style < 0.15:
                text = text.replace("{\n", "{ \n", 1)
        texts.append(text.replace("\n", "\n" + indent))
    entries = "[\n" + indent + (",\n" + indent).join(texts) + "\n" + unit * 2 + "]"
    pages = [json.dumps({"id": f"p{k}", "title": "x"}, indent=unit) for k in range(5)]
    after = "[" + (",\n" + indent).join(p.replace("\n", "\n" + indent) for p in pages) + "]"
    text = (
        "{\n" + unit + '"log": {\n' + unit * 2 + '"version": "1.2",\n'
        f'{unit * 2}"entries": {entries},\n{unit * 2}"pages": {after}\n{unit}}}\n}}\n'
    )
    raw = text.encode()
    if rng.random() < 0.5:
        raw = raw.replace(b"\n", b"\r\n")
    if rng.random() < 0.5:
        raw = raw.replace(b"/", b"\\/")
    path = tmp_path / "r.har"
    path.write_bytes(raw)
    _, fast = json_report(str(path))
    _, full = json_report(str(path), "--path-pattern", r"/backchannel/authentication/issue/?$")
    assert fast == full
    assert fast["summary"]["checked"] + fast["summary"]["skipped"] == len(texts)
