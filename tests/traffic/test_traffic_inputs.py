"""Exchange logs, format detection, directories, standard input and exit statuses."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import orjson
import pytest
from traffic_support import (
    AUTH_URL,
    ISSUE_URL,
    RESULT_401,
    har_document,
    har_entry,
    json_report,
    ok_body,
    rules_by_entry,
    run_cli,
    write_har,
)

from ciba_contracts.traffic.detect import CASSETTE, EXCHANGES, HAR, PAYLOADS, VCR_JSON, sniff


def exchange(url: str, status: int | None, body: object, **response: object) -> bytes:
    """One line of an exchange log."""
    answer: dict[str, object] | None = None
    if status is not None:
        answer = {"status": status, "headers": {}, "body": body, **response}
    line: dict[str, object] = {
        "request": {"method": "POST", "url": url, "headers": {}, "body": None},
        "response": answer,
    }
    return orjson.dumps(line) + b"\n"


def test_exchange_lines(tmp_path: Path) -> None:
    lines = [
        exchange(AUTH_URL, 200, '{"ticket": "t"}'),
        exchange(
            ISSUE_URL,
            200,
            ok_body(expiresIn=0).decode(),
            headers={"Content-Type": "application/json"},
        ),
        exchange(ISSUE_URL, 200, orjson.loads(ok_body(interval=-1))),
        exchange(ISSUE_URL, 401, None, body_base64=base64.b64encode(RESULT_401).decode()),
        exchange(ISSUE_URL, None, None),
        b"\n",
        b'{"request": {"method": "POST", "url": "'
        + ISSUE_URL.encode()
        + b'"}, "response": {"status": "x"}}\n',
        b"this is not JSON\n",
        exchange(ISSUE_URL, 200, ok_body(note="caf\u00e9").decode()).replace("é".encode(), b"\xe9"),
        exchange(ISSUE_URL, 200, ok_body(expiresIn=-1).decode())[:-40],
    ]
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"".join(lines))
    code, report = json_report(str(path))
    assert code == 1
    assert rules_by_entry(report) == {
        ("log.jsonl", 1): ["A109"],
        ("log.jsonl", 2): ["A110"],
        ("log.jsonl", 4): ["I006"],
        ("log.jsonl", 5): ["I001"],
        ("log.jsonl", 6): ["I001"],
        ("log.jsonl", 7): ["I003"],
        ("log.jsonl", 8): ["I002"],
    }
    lines_of = {f["entry"]: f["line"] for f in report["findings"]}
    assert lines_of[5] == 7  # a blank line is not an entry but is a line


def test_exchange_lines_that_only_orjson_refuses_are_read(tmp_path: Path) -> None:
    # Each line is JSON: a huge number and a lone surrogate escape are allowed by
    # RFC 8259, orjson alone refuses them. They are exchanges to check, not I001.
    def line(**changes: object) -> bytes:
        return exchange(ISSUE_URL, 200, ok_body(**changes).decode())

    lines = [
        # 1e400 outside the body: the exchange is checked (and finds its fault).
        line(expiresIn=0).replace(b'"headers":{}', b'"headers":{},"elapsed":1e400', 1),
        # A lone surrogate in a header value (a logger that escaped a broken string).
        line(interval=-1).replace(b'"headers":{}', b'"headers":{"X-Trace":"\\ud800"}', 1),
        # 1e400 inside a body the logger stored parsed: it is checked as 1e400,
        # not as the null orjson would write for infinity.
        exchange(ISSUE_URL, 200, orjson.loads(ok_body())).replace(
            b'"interval":5', b'"interval":1e400', 1
        ),
        # Real garbage is still unreadable, with its place.
        b'{"request": {"method": "POST", "url": garbage}}\n',
        b'{"request": NaN, "response": null}\n',
    ]
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"".join(lines))
    code, report = json_report(str(path))
    assert code == 1
    assert report["summary"]["checked"] == 3
    assert rules_by_entry(report) == {
        ("log.jsonl", 0): ["A109"],
        ("log.jsonl", 1): ["A110"],
        ("log.jsonl", 2): ["A112", "S004"],
        ("log.jsonl", 3): ["I001"],
        ("log.jsonl", 4): ["I001"],
    }
    unreadable = {f["entry"]: f for f in report["findings"] if f["rule"] == "I001"}
    assert unreadable[3]["line"] == 4
    assert unreadable[3]["offset"] == sum(len(raw) for raw in lines[:3])
    column = lines[3].index(b"garbage") + 1
    assert unreadable[3]["message"].endswith(f"not valid JSON: Expecting value at column {column}")
    assert "NaN is not a JSON value" in unreadable[4]["message"]
    infinite = next(f for f in report["findings"] if f["rule"] == "S004")
    assert infinite["pointer"] == "/interval"


def test_issue_calls_with_path_parameters_or_doubled_slashes_are_checked(tmp_path: Path) -> None:
    base = "https://us.authlete.com"
    urls = [
        f"{ISSUE_URL};jsessionid=0123ABC",
        f"{base}//api/715948317/backchannel/authentication/issue",
        f"{base}/api//backchannel/authentication/issue",
        f"{AUTH_URL};jsessionid=0123ABC",
        f"{base}//api/715948317/backchannel/authentication/complete",
    ]
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"".join(exchange(url, 200, ok_body(interval=-1).decode()) for url in urls))
    code, report = json_report(str(path))
    assert code == 1
    assert report["summary"]["checked"] == 3
    assert report["summary"]["skipped"] == 2
    assert rules_by_entry(report) == {("log.jsonl", n): ["A110"] for n in range(3)}
    assert "jsessionid" in report["findings"][0]["exchange"]


def test_plain_payload_lines_are_still_payloads(tmp_path: Path) -> None:
    path = tmp_path / "payloads.jsonl"
    path.write_bytes(ok_body() + b"\n" + ok_body(expiresIn=0) + b"\n")
    _, report = json_report(str(path))
    assert rules_by_entry(report) == {("payloads.jsonl", 1): ["A109"]}
    assert report["findings"][0]["exchange"] is None


def test_unnamed_payload_lines_are_told_apart_as_the_validator_parses(tmp_path: Path) -> None:
    # 1e400 is JSON (orjson alone refuses it): the first line is a document of its own,
    # so the input is JSON lines, not one document spread over lines.
    path = tmp_path / "payloads.txt"
    first = ok_body().replace(b"600", b"1e400")
    path.write_bytes(first + b"\n" + ok_body() + b"\n")
    _, report = json_report(str(path))
    assert rules_by_entry(report) == {("payloads.txt", 0): ["S004"]}


@pytest.mark.parametrize(
    ("content", "suffix", "expected"),
    [
        (b'{"log": {"version": "1.2", "entries": []}}', "", HAR),
        (b'\n  {\n  "log": {', ".json", HAR),
        (b"{", ".har", HAR),
        (b'{"version": 1, "interactions": []}', "", VCR_JSON),
        (b'{\n    "interactions": [\n', "", VCR_JSON),
        (b"interactions:\n- request:\n", "", CASSETTE),
        (b"command: 'st run'\nhttp_interactions:\n- id: '1'\n", "", CASSETTE),
        (b"x: !!python/object/apply:os.system [ls]\n", "", CASSETTE),
        (b"name: config\n", ".yaml", None),
        (b'{"request": {"method": "GET"}, "response": null}\n', "", EXCHANGES),
        (b'{"action": "OK"}\n{"action": "OK"}\n', "", PAYLOADS),
        (b"[1, 2]", "", PAYLOADS),
        (b"not json", ".json", PAYLOADS),
        (b"hello world", "", None),
        (b"", "", None),
        (b"\x89PNG\r\n\x1a\n\0\0", "", None),
    ],
)
def test_format_is_told_from_content(content: bytes, suffix: str, expected: str | None) -> None:
    assert sniff(content, suffix) == expected


def test_names_do_not_decide(tmp_path: Path) -> None:
    entries = [har_entry(ISSUE_URL, 200, ok_body(expiresIn=0))]
    write_har(tmp_path / "capture.json", entries)
    write_har(tmp_path / "capture.txt", entries)
    (tmp_path / "packed").write_bytes(gzip.compress(json.dumps(har_document(entries)).encode()))
    _, report = json_report(*(str(tmp_path / n) for n in ("capture.json", "capture.txt", "packed")))
    assert {k[0] for k in rules_by_entry(report)} == {"capture.json", "capture.txt", "packed"}
    assert all(v == ["A109"] for v in rules_by_entry(report).values())


def test_directories_are_walked_and_unknown_files_noted(tmp_path: Path) -> None:
    tree = tmp_path / "recordings"
    (tree / "b" / "deeper").mkdir(parents=True)
    (tree / ".git").mkdir()
    write_har(tree / "b" / "deeper" / "z.har", [har_entry(ISSUE_URL, 200, ok_body(expiresIn=0))])
    write_har(tree / "a.har", [har_entry(ISSUE_URL, 200, ok_body())])
    (tree / "README.md").write_text("# recordings\n")
    (tree / "config.yaml").write_text("name: not a cassette\n")
    (tree / "notes.txt").write_text('{"action": "OK"}')
    (tree / ".git" / "x.har").write_text("garbage")
    (tree / "b" / "log.jsonl.gz").write_bytes(
        gzip.compress(exchange(ISSUE_URL, 200, ok_body(interval=-1).decode()))
    )
    code, out = run_cli("validate", str(tree))
    assert code == 1
    assert out.index("z.har") < out.index("log.jsonl.gz")  # b/deeper sorts before b/log
    for name in ("README.md", "notes.txt", "config.yaml"):
        assert f"{name}: not a known input format" in out
    assert ".git" not in out
    _, report = json_report(str(tree))
    assert report["summary"]["inputs"] == 3
    assert report["summary"]["checked"] == 3


def test_exit_statuses(tmp_path: Path) -> None:
    clean = write_har(tmp_path / "clean.har", [har_entry(ISSUE_URL, 200, ok_body())])
    (tmp_path / "unknown.bin").write_bytes(b"\x00\x01garbage")
    (tmp_path / "cut.har").write_bytes(b'{"log": {"entries": [{"request": ')
    assert run_cli("validate", str(clean))[0] == 0
    code, out = run_cli("validate", str(tmp_path / "unknown.bin"))
    assert code == 2
    assert "I004" in out
    code, out = run_cli("validate", str(tmp_path / "cut.har"))
    assert code == 2
    assert "I002" in out
    # Something was read: the input problems are findings, not a failure to read.
    code, out = run_cli("validate", str(clean), str(tmp_path / "unknown.bin"))
    assert code == 1
    code, out = run_cli("validate", str(tmp_path / "missing.har"))
    assert code == 2
    code, out = run_cli("validate", str(clean), "--path-pattern", "(")
    assert code == 2
    assert "--path-pattern" in out


def test_stdin_recordings(tmp_path: Path) -> None:
    har = json.dumps(har_document([har_entry(ISSUE_URL, 200, ok_body(expiresIn=0))]), indent=2)
    code, report = json_report("-", stdin=har.encode())
    assert code == 1
    assert rules_by_entry(report) == {("<stdin>", 0): ["A109"]}
    lines = exchange(ISSUE_URL, 200, ok_body(expiresIn=0).decode())
    code, report = json_report("-", stdin=lines)
    assert rules_by_entry(report) == {("<stdin>", 0): ["A109"]}


def test_ignore_and_select_apply_to_http_and_input_rules(tmp_path: Path) -> None:
    entries = [
        har_entry(ISSUE_URL, 422, b"{}"),
        har_entry(ISSUE_URL, 200, ok_body(expiresIn=0), content_type="text/html"),
        har_entry(ISSUE_URL, 200, b"!!", base64_body=False),
    ]
    entries[2]["response"]["content"]["encoding"] = "base64"
    path = write_har(tmp_path / "h.har", entries)
    _, everything = json_report(str(path))
    assert rules_by_entry(everything) == {
        ("h.har", 0): ["H301"],
        ("h.har", 1): ["A109", "H302"],
        ("h.har", 2): ["I001"],
    }
    _, selected = json_report(str(path), "--select", "A1")
    assert rules_by_entry(selected) == {("h.har", 1): ["A109"], ("h.har", 2): ["I001"]}
    _, ignored = json_report(str(path), "--ignore", "H,I001")
    assert rules_by_entry(ignored) == {("h.har", 1): ["A109"]}
