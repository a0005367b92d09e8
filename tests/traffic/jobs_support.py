"""What the tests of ``--jobs`` share: recordings to cut, and reports by one and two
processes to compare."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from traffic_support import AUTH_URL, ISSUE_URL, har_document, har_entry, ok_body

from ciba_contracts.config import Settings
from ciba_contracts.report.json_report import write_json
from ciba_contracts.report.junit import write_junit
from ciba_contracts.run import parallel, run


def mixed_entries(count: int) -> list[dict[str, object]]:
    """Issue calls that break the contract in several ways, others that keep it, and
    entries that are no issue call, in a fixed rotation."""
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
            out.append(har_entry(ISSUE_URL, 200, ok_body(note="é")))
        else:
            out.append(har_entry(ISSUE_URL, 200, ok_body(interval=-1)))
    return out


def one_and_two_processes(inputs: list[str], fmt: str = "json") -> tuple[str, str]:
    """The report of ``inputs`` by one process, then by two, in ``fmt``."""
    outputs = []
    for jobs in (1, 2):
        report = run(inputs, Settings(jobs=jobs, format=fmt))
        buffer = io.StringIO()
        (write_json if fmt == "json" else write_junit)(report, buffer)
        outputs.append(buffer.getvalue())
    return outputs[0], outputs[1]


def cut_at_entries(monkeypatch: pytest.MonkeyPatch, path: Path, step: int = 1) -> list[int]:
    """Where each entry of the pretty-printed HAR file at ``path`` starts; a run of it
    with ``--jobs`` then cuts it at every ``step``-th of them (the first excepted)."""
    monkeypatch.setattr(parallel, "SPLIT_MIN", 1)
    raw = path.read_bytes()
    marker = b"\n      {\n"
    cuts: list[int] = []
    at = raw.find(marker, raw.index(b'"entries"'))
    while at >= 0:
        cuts.append(at + len(marker) - 2)
        at = raw.find(marker, at + 1)
    monkeypatch.setattr(parallel, "_cut_points", lambda *_: cuts[1::step])
    return cuts


def corrupt_middle(path: Path) -> None:
    """Break an entry, and make some bytes no UTF-8, both in the middle of the file."""
    raw = path.read_bytes()
    url = raw.index(b'"url": "' + ISSUE_URL.encode(), len(raw) // 3)
    at = raw.index(b'"status": ', url) + len(b'"status": ')
    raw = raw[:at] + b"@@" + raw[at:]
    raw = raw.replace("é".encode(), b"\xe9", 3)
    path.write_bytes(raw)


def relay_entries(pairs: int) -> list[dict[str, object]]:
    """Authlete's OK answers, and each answer to the client ``pairs // 2`` entries later."""
    authlete = []
    client = []
    for i in range(pairs):
        auth_req_id = f"relay-{i:04d}-" + "x" * 30
        body = ok_body(authReqId=auth_req_id)
        authlete.append(har_entry(ISSUE_URL, 200, body))
        content = json.loads(json.loads(body)["responseContent"])
        # Every third answer to the client forgets Cache-Control: no-store (a relay fault).
        headers = [("Content-Type", "application/json")]
        if i % 3:
            headers.append(("Cache-Control", "no-store"))
        client.append(
            har_entry(
                "https://as.example/bc-authorize",
                200,
                json.dumps(content).encode(),
                response_headers=headers,
            )
        )
    half = pairs // 2
    out: list[dict[str, object]] = authlete[:half]
    for i in range(half, pairs):
        out += [authlete[i], client[i - half]]
    return out + client[pairs - half :]


def write_har_lines(path: Path, entries: list[dict[str, Any]]) -> Path:
    """A HAR file written one entry a line, as a gateway's recorder writes it."""
    document = har_document([])
    head = json.dumps(document)
    opening = head.index('"entries": [') + len('"entries": [')
    lines = ",\n".join(json.dumps(entry) for entry in entries)
    path.write_text(head[:opening] + "\n" + lines + "\n" + head[opening:] + "\n", "utf-8")
    return path
