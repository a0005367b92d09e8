"""``--jobs N`` gives the report of a single process: same findings, same order, same places."""

from __future__ import annotations

import io
import json
from pathlib import Path

import orjson
import pytest
from traffic_support import AUTH_URL, ISSUE_URL, har_document, har_entry, ok_body, write_har

from ciba_contracts import parallel
from ciba_contracts.config import Settings
from ciba_contracts.pipeline import run
from ciba_contracts.report.json_report import write_json
from ciba_contracts.report.junit import write_junit


def _entries(count: int) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for i in range(count):
        kind = i % 7
        if kind == 0:
            out.append(har_entry(ISSUE_URL, 200, ok_body(expiresIn=0)))
        elif kind == 1:
            out.append(har_entry(ISSUE_URL, 200, ok_body()))
        elif kind == 2:
            out.append(har_entry(AUTH_URL, 200, b'{"ticket":"t"}'))
        elif kind == 3:
            out.append(har_entry(ISSUE_URL, 422, b"{}"))
        elif kind == 4:
            out.append(har_entry("https://cdn.example.com/x.js", 200, b"x" * 900, method="GET"))
        elif kind == 5:
            out.append(har_entry(ISSUE_URL, 200, ok_body(resultMessage="[A183001] é")))
        else:
            out.append(har_entry(ISSUE_URL, 200, ok_body(interval=-1)))
    return out


def _reports(inputs: list[str], fmt: str = "json") -> tuple[str, str]:
    outputs = []
    for jobs in (1, 2):
        report = run(inputs, Settings(jobs=jobs, format=fmt))
        buffer = io.StringIO()
        (write_json if fmt == "json" else write_junit)(report, buffer)
        outputs.append(buffer.getvalue())
    return outputs[0], outputs[1]


def _corrupt(path: Path) -> None:
    raw = path.read_bytes()
    # A broken entry, bytes that are not UTF-8, both in the middle of the file.
    url = raw.index(b'"url": "' + ISSUE_URL.encode(), len(raw) // 3)
    at = raw.index(b'"status": ', url) + len(b'"status": ')
    raw = raw[:at] + b"@@" + raw[at:]
    raw = raw.replace("é".encode(), b"\xe9", 3)
    path.write_bytes(raw)


def test_many_files(tmp_path: Path) -> None:
    inputs = []
    for n in range(5):
        path = write_har(tmp_path / f"f{n}.har", _entries(20 + n))
        inputs.append(str(path))
    _corrupt(tmp_path / "f2.har")
    single, multi = _reports(inputs)
    assert single == multi
    assert json.loads(single)["summary"]["inputs"] == 5


@pytest.mark.parametrize("fmt", ["json", "junit"])
def test_one_large_file_cut_in_slices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.setattr(parallel, "SPLIT_MIN", 1)
    monkeypatch.setattr(parallel, "SLICES_PER_JOB", 4)
    path = write_har(tmp_path / "big.har", _entries(300))
    _corrupt(path)
    size = path.stat().st_size
    cuts = parallel._cut_points(str(path), size, 8)
    assert len(cuts) == 7
    single, multi = _reports([str(path)], fmt)
    assert single == multi
    if fmt == "json":
        report = json.loads(single)
        assert {f["rule"] for f in report["findings"]} >= {"A109", "H301", "I001", "I003"}
        assert max(f["entry"] for f in report["findings"]) > 250


def test_cut_points_in_a_second_array_fall_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pages after the entries, at the same indentation: a cut can land among them.
    monkeypatch.setattr(parallel, "SPLIT_MIN", 1)
    monkeypatch.setattr(parallel, "SLICES_PER_JOB", 4)
    document = har_document(_entries(40))
    pages = [{"id": f"page_{i}", "title": "x" * 400, "request": {}} for i in range(60)]
    log = document["log"]
    document["log"] = {"version": "1.2", "entries": log["entries"], "pages": pages}
    path = tmp_path / "pages-after.har"
    path.write_text(json.dumps(document, indent=2))
    single, multi = _reports([str(path)])
    assert single == multi
    assert json.loads(single)["summary"]["checked"] + json.loads(single)["summary"][
        "skipped"
    ] == len(log["entries"])


def test_minified_files_are_not_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "SPLIT_MIN", 1)
    path = tmp_path / "min.har"
    path.write_bytes(orjson.dumps(har_document(_entries(50))))
    assert parallel._cut_points(str(path), path.stat().st_size, 4) == []
    single, multi = _reports([str(path)])
    assert single == multi


def test_a_cut_that_is_no_entry_start_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Hand-edited layout: one entry holds an object whose braces sit at the entries'
    # indentation, so a cut point can land inside that entry.
    monkeypatch.setattr(parallel, "SPLIT_MIN", 1)
    monkeypatch.setattr(parallel, "SLICES_PER_JOB", 8)
    entries = [json.dumps(e, indent=2).replace("\n", "\n    ") for e in _entries(30)]
    odd = json.dumps(har_entry(ISSUE_URL, 200, ok_body(expiresIn=0)))[:-1]
    odd += ',\n"_note":\n    {\n"text": "' + "n" * 3000 + '"\n    }\n}'
    entries.insert(15, odd)
    text = '{"log": {"version": "1.2", "entries": [\n    ' + ",\n    ".join(entries) + "\n]}}"
    path = tmp_path / "odd.har"
    path.write_text(text)
    cuts = parallel._cut_points(str(path), path.stat().st_size, 16)
    inside = text.index('\n    {\n"text"') + 5
    assert text[inside] == "{"
    assert inside not in cuts
    # Force a cut at that brace, as a cut point search could find it.
    bogus = sorted({*cuts, inside})
    monkeypatch.setattr(parallel, "_cut_points", lambda *_: bogus)
    calls: list[object] = []
    real = parallel.check_task  # type: ignore[attr-defined]

    def spy(*args: object, **kwargs: object) -> object:
        calls.append(args[0])
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel, "check_task", spy)
    single, multi = _reports([str(path)])
    assert single == multi
    assert calls, "no slice was read again in the main process"
    report = json.loads(single)
    assert report["summary"]["checked"] + report["summary"]["skipped"] == 31
    assert ["A109"] in [[f["rule"] for f in report["findings"] if f["entry"] == 15]]
