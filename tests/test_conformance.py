"""One exchange, one verdict: the same answers through every entry point give the same findings.

A corpus of recorded answers (every payload rule firing and kept quiet, odd media
types and parameters, every status class, empty and non-JSON bodies, the
``result`` objects of 400/401/403/429/500) is served by a real loopback server.
Each answer is then checked through ``ciba-contracts validate`` (as an exchange
log holding exactly what the client received), the httpx and requests hooks,
the pytest fixture's ``check``, the schemathesis check and the live suite's
probe. Every entry point must report the same (rule, pointer, content pointer).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
import requests
import schemathesis.core.transport
from click.testing import CliRunner

from builders import error, ok
from ciba_contracts.cli import main
from ciba_contracts.contract.rules import RULES, enabled_rules
from ciba_contracts.hooks import httpx_hook, requests_hook
from ciba_contracts.suite.findings import RecordedRequest
from ciba_contracts.suite.scenarios import Probe
from ciba_contracts.suite.target import Target
from ciba_contracts.testing.checking import ContractChecker
from ciba_contracts.testing.schemathesis_hooks import PROFILE_ENV, SELECT_ENV, ciba_contract
from ciba_contracts.validate.finding import Finding
from ciba_contracts.violations import ContractViolation
from family_cases import FAMILY_SCHEMA_RULES
from loopback import serve_handler
from test_rules import RESULT_CODE_RULES, TABLE

ISSUE = "/api/77/backchannel/authentication/issue"
REQUEST_BODY = b'{"ticket": "t-1"}'
JSON = "application/json"

Key = tuple[str, str, str | None]


@dataclass(frozen=True)
class Answer:
    """What the server sends back: status, Content-Type (None: no such header), body."""

    status: int
    content_type: str | None
    body: bytes


def _raw(payload: Any) -> bytes:
    return payload if isinstance(payload, bytes) else json.dumps(payload).encode()


GOOD_RESULT = {"resultCode": "A001202", "resultMessage": "[A001202] Authorization header missing."}
RESULT_FAULTS: list[Any] = [
    GOOD_RESULT,
    {"resultCode": "A001202"},
    {"resultCode": "A1", "resultMessage": "[A1] short"},
    {"resultCode": 1202, "resultMessage": "[A001202] x"},
    {"resultMessage": "no code"},
    ["not", "an", "object"],
    b"<html>Bad Gateway</html>",
    b"",
]
MEDIA_TYPES: list[str | None] = [
    JSON,
    "application/json; charset=UTF-8",
    "Application/JSON",
    "application/json;charset=utf-8; boundary=x",
    "text/plain",
    "text/html; charset=UTF-8",
    "application/problem+json",
    "application/vnd.authlete+json",
    "application/json-seq",
    "application/x-www-form-urlencoded",
    None,
]
ODD_BODIES = [b"", b" ", b"null", b"[]", b"123", b'"OK"', b"<html>oops</html>", b"\xff\xfe{}"]


def _corpus() -> list[Answer]:
    answers: list[Answer] = []
    for row in TABLE.values():
        # Every payload rule, firing and kept quiet, as the body of a 200.
        answers.append(Answer(200, JSON, _raw(row.fire)))
        answers.append(Answer(200, JSON, _raw(row.quiet)))
        # The same faults under a label that is not JSON: one finding for the label, and
        # the payload's own (a body that is not JSON either is said once, by H302).
        answers.append(Answer(200, "text/plain; charset=utf-8", _raw(row.fire)))
    for media in MEDIA_TYPES:
        answers.append(Answer(200, media, _raw(ok())))
        answers.append(Answer(200, media, b"<html>not json</html>"))
        answers.append(Answer(500, media, _raw(GOOD_RESULT)))
        answers.append(Answer(429, media, _raw(GOOD_RESULT)))
    for status in (400, 401, 403, 429, 500):
        for body in RESULT_FAULTS:
            answers.append(Answer(status, JSON, _raw(body)))
        answers.append(Answer(status, "text/html", b"<html>error</html>"))
    for status in (201, 202, 206, 301, 302, 307, 404, 405, 409, 413, 422, 502, 503, 504):
        answers.append(Answer(status, JSON, _raw(GOOD_RESULT)))
        answers.append(Answer(status, "text/html", b"<html>x</html>"))
    for status in (204, 304):
        answers.append(Answer(status, None, b""))
    for body in ODD_BODIES:
        answers.append(Answer(200, JSON, body))
    for action in ("INVALID_TICKET", "INTERNAL_SERVER_ERROR"):
        answers.append(Answer(200, JSON, _raw(error(action))))
        answers.append(Answer(200, "text/plain", _raw(error(action))))
    return answers


CORPUS = _corpus()


class _Replay(BaseHTTPRequestHandler):
    """Answers ``POST ...?case=N`` with the corpus's answer N."""

    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes: with Nagle's algorithm on, every keep-alive
    # answer would wait for the client's delayed ACK.
    disable_nagle_algorithm = True
    answers: ClassVar[list[Answer]] = CORPUS

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        answer = self.answers[int(self.path.rsplit("=", 1)[1])]
        self.send_response(answer.status)
        if answer.content_type is not None:
            self.send_header("Content-Type", answer.content_type)
        if answer.status not in (204, 304):
            self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if answer.status not in (204, 304):
            self.wfile.write(answer.body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve_handler(_Replay) as url:
        yield url


def _url(base: str, index: int) -> str:
    return f"{base}{ISSUE}?case={index}"


def _keys(findings: list[Finding]) -> list[Key]:
    return sorted((f.rule, f.pointer, f.content_pointer) for f in findings)


def _post_headers() -> dict[str, str]:
    return {"Content-Type": JSON, "Authorization": "Bearer secret-token"}


@pytest.fixture(scope="module")
def received(server: str) -> list[httpx.Response]:
    """What a plain httpx client received for every answer of the corpus."""
    with httpx.Client() as client:
        return [
            client.post(_url(server, i), content=REQUEST_BODY, headers=_post_headers())
            for i in range(len(CORPUS))
        ]


def _exchange_log(responses: list[httpx.Response], path: Path) -> Path:
    lines = []
    for response in responses:
        lines.append(
            json.dumps(
                {
                    "request": {
                        "method": "POST",
                        "url": str(response.request.url),
                        "headers": dict(response.request.headers),
                        "body": REQUEST_BODY.decode(),
                    },
                    "response": {
                        "status": response.status_code,
                        "headers": [[k, v] for k, v in response.headers.multi_items()],
                        "body_base64": __import__("base64").b64encode(response.content).decode(),
                    },
                }
            )
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _from_validate(log: Path, profile: str, select: str | None) -> list[list[Key]]:
    args = ["validate", str(log), "--format", "json", "--profile", profile, "--jobs", "1"]
    result = CliRunner().invoke(main, [*args, *(["--select", select] if select else [])])
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.output)
    per_entry: list[list[Key]] = [[] for _ in CORPUS]
    for finding in report["findings"]:
        per_entry[finding["entry"]].append(
            (finding["rule"], finding["pointer"], finding["content_pointer"])
        )
    return [sorted(keys) for keys in per_entry]


def _from_httpx_hook(server: str, profile: str, select: str | None) -> list[list[Key]]:
    hook = httpx_hook(profile, policy="collect", select=select)
    with httpx.Client(event_hooks={"response": [hook]}) as client:
        for i in range(len(CORPUS)):
            client.post(_url(server, i), content=REQUEST_BODY, headers=_post_headers())
    records = hook.records
    assert len(records) == len(CORPUS), "the hook checks every answer, whatever its status"
    return [_keys(list(record.findings)) for record in records]


def _from_requests_hook(server: str, profile: str, select: str | None) -> list[list[Key]]:
    hook = requests_hook(profile, policy="collect", select=select)
    with requests.Session() as session:
        session.hooks["response"].append(hook)
        for i in range(len(CORPUS)):
            session.post(_url(server, i), data=REQUEST_BODY, headers=_post_headers())
    records = hook.records
    assert len(records) == len(CORPUS)
    return [_keys(list(record.findings)) for record in records]


def _from_fixture(
    responses: list[httpx.Response], profile: str, select: str | None
) -> list[list[Key]]:
    checker = ContractChecker(profile, select=select)
    return [_keys(checker.check(response)) for response in responses]


def _from_schemathesis(
    server: str, profile: str, select: str | None, monkeypatch: pytest.MonkeyPatch
) -> list[list[Key]]:
    monkeypatch.setenv(PROFILE_ENV, profile)
    if select:
        monkeypatch.setenv(SELECT_ENV, select)
    out: list[list[Key]] = []
    with requests.Session() as session:
        for i in range(len(CORPUS)):
            raw = session.post(_url(server, i), data=REQUEST_BODY, headers=_post_headers())
            response = schemathesis.core.transport.Response.from_requests(raw, verify=True)
            try:
                ciba_contract(None, response, None)
            except ContractViolation as exc:
                out.append(_keys(list(exc.findings)))
            else:
                out.append([])
    return out


def _from_live_probe(server: str, profile: str, select: str | None) -> list[list[Key]]:
    target = Target(
        base_url=server, token="secret-token", service_id="77", profile=profile, select=select
    )
    out: list[list[Key]] = []
    with httpx.Client() as client:
        probe = Probe(target, client)
        for i in range(len(CORPUS)):
            url = _url(server, i)
            response = client.post(url, content=REQUEST_BODY, headers=_post_headers())
            recorded = RecordedRequest("POST", url, tuple(_post_headers().items()), REQUEST_BODY)
            out.append(_keys(probe.check_answer(response, recorded)))
    return out


def test_the_corpus_is_large_and_covers_every_http_and_payload_rule() -> None:
    assert len(CORPUS) >= 200
    # The corpus holds issue answers; the other APIs' rules are not issue rules.
    covered = {code for code in RULES if code[0] in "SAC"} - _OTHER_APIS | {"H301", "H302"}
    assert covered <= set(TABLE) | {"H301", "H302"}
    statuses = {answer.status // 100 for answer in CORPUS}
    assert statuses == {2, 3, 4, 5}


#: Rules of the other APIs' payloads, and the result-code rules, which the issue corpus
#: does not reach until the validator takes the API.
_OTHER_APIS = FAMILY_SCHEMA_RULES | RESULT_CODE_RULES


#: The opt-in HTTP rule (no-store), selected with every rule of the vendor's.
WITH_OPT_IN = "S,A,C,H,I,H303"


@pytest.mark.parametrize(("profile", "select"), [("authlete", None), ("ciba", WITH_OPT_IN)])
def test_every_entry_point_gives_the_same_findings(
    server: str,
    received: list[httpx.Response],
    tmp_path: Path,
    profile: str,
    select: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = _exchange_log(received, tmp_path / "exchanges.jsonl")
    expected = _from_validate(log, profile, select)
    fired = {key[0] for keys in expected for key in keys}
    # The corpus makes every HTTP rule and every payload rule of the level fire.
    wanted = {code for code in RULES if code[0] in "SACH" and code in _level(profile, select)}
    wanted -= _OTHER_APIS
    assert wanted | {"H301", "H302"} <= fired, sorted(wanted - fired)
    others = {
        "httpx hook": _from_httpx_hook(server, profile, select),
        "requests hook": _from_requests_hook(server, profile, select),
        "pytest fixture": _from_fixture(received, profile, select),
        "schemathesis check": _from_schemathesis(server, profile, select, monkeypatch),
        "live suite": _from_live_probe(server, profile, select),
    }
    for name, got in others.items():
        if name == "schemathesis check":
            # The check raises on errors only; warnings pass, as schemathesis expects.
            want = [keys if _has_error(keys) else [] for keys in expected]
        else:
            want = expected
        mismatched = [
            (i, CORPUS[i], want[i], got[i]) for i in range(len(CORPUS)) if want[i] != got[i]
        ]
        assert not mismatched, f"{name} disagrees with validate: {mismatched[:3]}"


def _level(profile: str, select: str | None) -> frozenset[str]:
    return enabled_rules(profile, select)


def _has_error(keys: list[Key]) -> bool:
    return any(RULES[rule].severity.value == "error" for rule, _, _ in keys)
