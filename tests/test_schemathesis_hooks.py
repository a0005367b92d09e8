"""The schemathesis checks: in-process on canned responses, and end to end through ``st run``.

The end-to-end runs start servers on 127.0.0.1 in this process and run the
``st`` command line in a subprocess, exactly as docs/testing.md shows it.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest

from ciba_contracts.selection import is_issue_call
from ciba_contracts.server import ServerConfig, running_server
from ciba_contracts.testing import schemathesis_hooks
from ciba_contracts.testing.schemathesis_hooks import (
    IGNORE_ENV,
    PATH_ENV,
    PROFILE_ENV,
    SELECT_ENV,
    ciba_contract,
)
from ciba_contracts.violations import ContractViolation
from loopback import serve_handler

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "testing.md"
HOOKS_MODULE = "ciba_contracts.testing.schemathesis_hooks"
AUTH_REQ_ID = "NnEvCFgF4yKU0Lx3p0oDrNuJaA4aZ4sVBjIMqJ5S1tA"


def issued(interval: int = 5) -> dict[str, Any]:
    return {
        "resultCode": "A183001",
        "resultMessage": "[A183001] An auth_req_id was issued successfully.",
        "action": "OK",
        "authReqId": AUTH_REQ_ID,
        "expiresIn": 600,
        "interval": interval,
        "responseContent": json.dumps(
            {"auth_req_id": AUTH_REQ_ID, "expires_in": 600, "interval": interval}
        ),
    }


GOOD_RESULT = {"resultCode": "A001202", "resultMessage": "[A001202] No credentials."}


# -- the check functions on canned responses ----------------------------------------------------


@dataclass
class _Request:
    method: str
    url: str


@dataclass
class _Response:
    """The parts of a schemathesis Response the checks read."""

    status_code: int
    body: Any
    url: str = "http://127.0.0.1:1/api/1/backchannel/authentication/issue"
    method: str = "POST"
    request: _Request = field(init=False)
    content: bytes = field(init=False)

    def __post_init__(self) -> None:
        self.request = _Request(self.method, self.url)
        self.content = self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (PROFILE_ENV, SELECT_ENV, IGNORE_ENV, PATH_ENV):
        monkeypatch.delenv(name, raising=False)


def test_checks_pass_skip_and_fail() -> None:
    assert ciba_contract(None, _Response(200, issued()), None) is None
    assert ciba_contract(None, _Response(401, GOOD_RESULT), None) is None
    assert ciba_contract(None, _Response(429, GOOD_RESULT), None) is None
    # Not applicable: other operations and methods.
    other = _Response(200, b"nope", url="http://h/api/1/backchannel/authentication")
    assert ciba_contract(None, other, None) is True
    get = _Response(200, b"nope", method="GET")
    assert ciba_contract(None, get, None) is True
    with pytest.raises(ContractViolation) as info:
        ciba_contract(None, _Response(200, issued(-1)), None)
    assert info.value.rules == {"A110"}
    assert "POST http://127.0.0.1:1/api/1/backchannel/authentication/issue -> 200" in str(
        info.value
    )
    with pytest.raises(ContractViolation, match="A103"):
        ciba_contract(None, _Response(500, {"resultCode": "A001101"}), None)
    # A status the API does not document is a finding, as in recorded traffic.
    with pytest.raises(ContractViolation) as info:
        ciba_contract(None, _Response(404, b"nope"), None)
    assert info.value.rules == {"H301"}


def test_checks_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    zero = _Response(200, issued(0))
    assert ciba_contract(None, zero, None) is None
    monkeypatch.setenv(PROFILE_ENV, "ciba")
    with pytest.raises(ContractViolation, match="C203"):
        ciba_contract(None, zero, None)
    monkeypatch.setenv(IGNORE_ENV, "C203")
    assert ciba_contract(None, zero, None) is None
    monkeypatch.delenv(IGNORE_ENV)
    monkeypatch.setenv(SELECT_ENV, "A1")
    assert ciba_contract(None, zero, None) is None
    monkeypatch.setenv(PATH_ENV, r"/gateway/issue$")
    assert ciba_contract(None, _Response(200, issued(-1)), None) is True
    moved = _Response(200, issued(-1), url="http://h/gateway/issue")
    with pytest.raises(ContractViolation, match="A110"):
        ciba_contract(None, moved, None)


def test_checks_are_registered() -> None:
    from schemathesis.checks import CHECKS

    names = CHECKS.get_all_names()
    assert "ciba_contract" in names
    assert schemathesis_hooks.DEFAULT_PROFILE == "authlete"


# -- end to end: `st run` in a subprocess ---------------------------------------------------------


def st_command() -> str:
    beside = Path(sys.executable).with_name("st")
    found = str(beside) if beside.exists() else shutil.which("st")
    if found is None:
        pytest.skip("the schemathesis command line (st) is not installed")
    return found


def doc_command() -> tuple[dict[str, str], list[str]]:
    """The ``st run`` command of docs/testing.md: its environment and its arguments."""
    text = DOC.read_text("utf-8")
    for match in re.finditer(r"^```console\n(.*?)^```$", text, re.S | re.M):
        if "SCHEMATHESIS_HOOKS=" in match[1]:
            command = match[1].strip().removeprefix("$ ").replace("\\\n", " ")
            break
    else:
        raise AssertionError("docs/testing.md shows no `st run` command")
    words = shlex.split(command)
    env: dict[str, str] = {}
    while "=" in words[0] and not words[0].startswith("-"):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    return env, words


# Keep the runs short: a few examples, no stateful phase, no example database.
FAST = ["--max-examples", "5", "--phases", "examples,fuzzing", "--seed", "1"]
FAST += ["--generation-database", "none", "--no-color"]


def run_st(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CIBA_CONTRACTS_")}
    full_env.update(env)
    full_env["NO_COLOR"] = "1"
    return subprocess.run(
        [st_command(), *args],
        env=full_env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_doc_command_shape() -> None:
    env, args = doc_command()
    assert env["SCHEMATHESIS_HOOKS"] == HOOKS_MODULE
    assert env[PROFILE_ENV] in ("sdk", "authlete", "ciba")
    assert args[:3] == ["st", "run", "schemas/openapi/issue.openapi.yaml"]
    assert "--checks" in args


def _doc_run(
    url: str, tmp_path: Path, profile: str | None = None
) -> subprocess.CompletedProcess[str]:
    env, args = doc_command()
    if profile is not None:
        env[PROFILE_ENV] = profile
    args = [str(ROOT / a) if a.endswith(".yaml") else a for a in args[1:]]
    args[args.index("--url") + 1] = url
    return run_st([*args, *FAST], env, tmp_path)


@pytest.mark.slow
def test_doc_command_fails_on_a_broken_server(tmp_path: Path) -> None:
    # unknown-action answers every 200 with action "ISSUED" (rule S005).
    with running_server(ServerConfig(faults=frozenset({"unknown-action"}))) as url:
        result = _doc_run(url, tmp_path)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "Custom check failed: `ciba_contract`" in out
    assert 'S005 [error] /action: `action` is "ISSUED"' in out


@pytest.mark.slow
def test_doc_command_passes_our_checks_on_the_reference_server(tmp_path: Path) -> None:
    with running_server(ServerConfig()) as url:
        result = _doc_run(url, tmp_path)
    out = result.stdout + result.stderr
    # `--checks all` also runs schemathesis's own checks, which judge other things;
    # ours must not fail.
    assert "ciba_contract" not in out, out
    assert "Unable to load Schemathesis extension hooks" not in out


# A tiny server with one operation whose answer a test sets.


class _Handler(BaseHTTPRequestHandler):
    answer: ClassVar[tuple[int, bytes]] = (200, b"{}")
    hits: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.hits.append(self.path)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, body = self.answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


MINIMAL_SCHEMA = {
    "openapi": "3.1.0",
    "info": {"title": "issue", "version": "1"},
    "paths": {
        "/api/{serviceId}/backchannel/authentication/issue": {
            "post": {
                "parameters": [
                    {
                        "name": "serviceId",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "pattern": "^[0-9]{1,5}$"},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["ticket"],
                                "properties": {"ticket": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": {
                    "200": {"description": "issue response"},
                    "401": {"description": "result object"},
                },
            }
        }
    },
}


@pytest.fixture(scope="module")
def tiny_server() -> Iterator[str]:
    with serve_handler(_Handler) as url:
        yield url


def _tiny_run(
    url: str, tmp_path: Path, answer: tuple[int, Any], profile: str = "authlete"
) -> subprocess.CompletedProcess[str]:
    status, body = answer
    _Handler.answer = (status, json.dumps(body).encode())
    _Handler.hits.clear()
    schema = tmp_path / "issue.json"
    schema.write_text(json.dumps(MINIMAL_SCHEMA))
    env = {"SCHEMATHESIS_HOOKS": HOOKS_MODULE, PROFILE_ENV: profile}
    checks = "ciba_contract"
    return run_st(["run", str(schema), "--url", url, "--checks", checks, *FAST], env, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("answer", "profile", "check", "finding"),
    [
        ((200, issued(-1)), "authlete", "ciba_contract", "A110 [error] /interval"),
        ((200, issued(0)), "ciba", "ciba_contract", "C203 [error] /interval"),
        ((401, {"resultCode": "A001202"}), "authlete", "ciba_contract", "A103 [error]"),
    ],
    ids=["negative-interval", "zero-interval-at-ciba", "result-without-message"],
)
def test_tiny_server_failures_name_the_rule(
    tiny_server: str,
    tmp_path: Path,
    answer: tuple[int, Any],
    profile: str,
    check: str,
    finding: str,
) -> None:
    result = _tiny_run(tiny_server, tmp_path, answer, profile)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert f"Custom check failed: `{check}`" in out
    assert finding in out


@pytest.mark.slow
@pytest.mark.parametrize(
    ("answer", "profile"),
    [((200, issued(5)), "ciba"), ((200, issued(0)), "authlete"), ((401, GOOD_RESULT), "ciba")],
    ids=["issued", "zero-interval-at-authlete", "result"],
)
def test_tiny_server_correct_answers_pass(
    tiny_server: str, tmp_path: Path, answer: tuple[int, Any], profile: str
) -> None:
    result = _tiny_run(tiny_server, tmp_path, answer, profile)
    assert result.returncode == 0, result.stdout + result.stderr
    # Every request went to the issue operation, so the check judged every answer.
    assert _Handler.hits
    assert all(is_issue_call("POST", path) for path in _Handler.hits), _Handler.hits
