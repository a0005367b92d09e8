"""What is fuzzed. Each target raises only when ciba-contracts misbehaves.

* :func:`api`: ``validate()`` and ``validate_result()`` at every level, on bytes,
  on text and on the parsed value: never raises, always a list of findings.
* :func:`reader`: a recording written to a file and checked as the CLI checks it
  (format detection, the reader, the checker), then rendered in every report
  format the CLI offers: nothing raises, and every report is written.
* :func:`live_answer`: the live suite's check of one answer of a server under
  test (status, headers, body), and the suite's report of what it found.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import httpx
import orjson

from ciba_contracts import validate, validate_result
from ciba_contracts.config import FORMATS, Settings
from ciba_contracts.report.render import write_report
from ciba_contracts.run import run
from ciba_contracts.suite.findings import RecordedRequest, SuiteReport
from ciba_contracts.suite.scenarios import Probe
from ciba_contracts.suite.target import Target
from ciba_contracts.validate.finding import Finding

LEVELS = ("sdk", "authlete", "ciba")
_TARGET = Target(base_url="http://127.0.0.1:9", token="fuzz-token", service_id="1")
_ISSUE_URL = f"{_TARGET.base_url}/api/1/backchannel/authentication/issue"


class Misbehaviour(AssertionError):
    """A target returned something it must never return."""


def api(data: bytes, variant: int = 0) -> int:
    """Check ``data`` with the public API; returns the number of findings."""
    level = LEVELS[variant % 3]
    payload: Any = data
    form = (variant // 3) % 4
    if form == 1:
        payload = data.decode("utf-8", "replace")
    elif form == 2:
        try:
            payload = orjson.loads(data)
        except orjson.JSONDecodeError:
            payload = data
    check = validate_result if form == 3 else validate
    found = check(payload, profile=level)
    if not isinstance(found, list) or not all(isinstance(f, Finding) for f in found):
        raise Misbehaviour(f"validate returned {type(found).__name__}")
    return len(found)


def reader(suffix: str, data: bytes, folder: Path, formats: tuple[str, ...] = FORMATS) -> int:
    """Check one recording as ``ciba-contracts validate`` does; returns the exit status."""
    path = folder / f"input{suffix}"
    path.write_bytes(data)
    try:
        report = run([str(path)], Settings(jobs=1, format="junit"))
        for fmt in formats:
            out = io.StringIO()
            write_report(report, fmt, out)
            if not out.getvalue():
                raise Misbehaviour(f"the {fmt} report is empty")
        code = report.exit_code
    finally:
        os.unlink(path)
    if code not in (0, 1, 2):
        raise Misbehaviour(f"exit status {code}")
    return code


def live_answer(status: int, headers: list[tuple[str, str]], body: bytes) -> int:
    """The live suite's check of one issue-API answer; returns the number of failures."""
    request = httpx.Request("POST", _ISSUE_URL)
    response = httpx.Response(status, headers=headers, content=body, request=request)
    recorded = RecordedRequest("POST", _ISSUE_URL, (("Authorization", "Bearer fuzz-token"),))
    probe = Probe(_TARGET, client=None)  # type: ignore[arg-type]
    probe.check_answer(response, recorded)
    report = SuiteReport(secrets=("fuzz-token",))
    report.extend(probe.failures)
    text = report.render() + orjson.dumps(report.to_dict()).decode()
    if "fuzz-token" in text:
        raise Misbehaviour("the configured secret is in the suite's report")
    return len(probe.failures)
