"""The validate, schema and rules commands as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from builders import JSON_FINDING_KEYS
from ciba_contracts.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "payloads"
OK = (EXAMPLES / "ok.json").read_bytes()


def run(args: list[str], stdin: bytes | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, args, input=stdin)
    return result.exit_code, result.output


def test_clean_payload_exits_zero() -> None:
    code, out = run(["validate", str(EXAMPLES / "ok.json")])
    assert code == 0
    assert "0 errors" in out


def test_findings_exit_one_and_name_rule_and_pointer() -> None:
    code, out = run(["validate", str(EXAMPLES / "vendor-example.json")])
    assert code == 1
    assert "A111" in out
    assert "/responseContent" in out


def test_missing_file_exits_two_and_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    runner = CliRunner()
    result = runner.invoke(main, ["validate", str(missing)])
    assert result.exit_code == 2
    assert str(missing) in result.output
    assert "No such file" in result.output


def test_unknown_rule_is_usage_error() -> None:
    code, out = run(["validate", str(EXAMPLES / "ok.json"), "--select", "Z999"])
    assert code == 2
    assert "Z999" in out


def test_json_report_shape(tmp_path: Path) -> None:
    lines = tmp_path / "p.jsonl"
    lines.write_bytes(OK.replace(b"\n", b"") + b"\n\n" + b'{"action": "OK"}\n' + b"not json\n")
    code, out = run(["validate", str(lines), "--format", "json"])
    assert code == 1
    doc = json.loads(out)
    assert doc["version"] == 1
    assert doc["profile"] == "authlete"
    assert doc["summary"]["inputs"] == 1
    assert doc["summary"]["checked"] == 3
    assert doc["summary"]["errors"] == sum(f["severity"] == "error" for f in doc["findings"])
    assert all(set(f) == JSON_FINDING_KEYS for f in doc["findings"])
    # Entries count payloads (blank lines skipped); lines count file lines.
    by_entry = {(f["entry"], f["line"]) for f in doc["findings"]}
    assert (1, 3) in by_entry
    assert (2, 4) in by_entry
    assert {f["rule"] for f in doc["findings"] if f["entry"] == 2} == {"S001"}


def test_profile_changes_verdict(tmp_path: Path) -> None:
    payload = orjson.loads(OK)
    payload["interval"] = 0
    payload["responseContent"] = orjson.dumps(
        {"auth_req_id": payload["authReqId"], "expires_in": 3600, "interval": 0}
    ).decode()
    path = tmp_path / "interval0.json"
    path.write_bytes(orjson.dumps(payload))
    assert run(["validate", str(path), "--profile", "authlete"])[0] == 0
    code, out = run(["validate", str(path), "--profile", "ciba"])
    assert code == 1
    assert "C203" in out
    assert run(["validate", str(path), "--profile", "ciba", "--ignore", "C203"])[0] == 0


def test_stdin_single_and_lines() -> None:
    assert run(["validate", "-"], stdin=OK)[0] == 0
    two = OK.replace(b"\n", b"") + b"\n" + b"[1]\n"
    code, out = run(["validate", "-", "--format", "json"], stdin=two)
    assert code == 1
    doc = json.loads(out)
    assert doc["summary"]["checked"] == 2
    assert doc["findings"][0]["source"] == "<stdin>"
    assert doc["findings"][0]["rule"] == "S002"


def test_directory_is_walked_and_output_file_written(tmp_path: Path) -> None:
    out_file = tmp_path / "report.json"
    code, _ = run(["validate", str(EXAMPLES), "--format", "json", "--output", str(out_file)])
    assert code == 1
    doc = json.loads(out_file.read_text())
    assert doc["summary"]["inputs"] == len(list(EXAMPLES.glob("*.json*")))


@pytest.mark.parametrize(
    "data",
    [b"", b"\xff\xfe\x00garbage", b'{"a": ', b"[" * 100_000, b"\xef\xbb\xbf{}", b"1e400"],
)
def test_malformed_files_give_findings_not_tracebacks(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_pyproject_settings_apply_and_flags_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ciba-contracts]\nprofile = "ciba"\nignore = ["C202"]\nformat = "json"\n'
    )
    payload = orjson.loads(OK)
    payload["authReqId"] = "tooShort"
    payload["responseContent"] = orjson.dumps(
        {"auth_req_id": "tooShort", "expires_in": 3600, "interval": 5}
    ).decode()
    (tmp_path / "p.json").write_bytes(orjson.dumps(payload))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["validate", "p.json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["profile"] == "ciba"
    flagged = runner.invoke(main, ["validate", "p.json", "--ignore", "", "--format", "text"])
    assert flagged.exit_code == 1
    assert "C202" in flagged.output


def test_bad_pyproject_is_usage_error_naming_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ciba-contracts]\nprofil = "ciba"\n')
    (tmp_path / "p.json").write_bytes(OK)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate", "p.json"])
    assert result.exit_code == 2
    assert "pyproject.toml" in result.output
    assert "profil" in result.output


@pytest.mark.parametrize("profile", ["sdk", "authlete", "ciba"])
def test_schema_command_prints_standalone_schema(profile: str) -> None:
    code, out = run(["schema", "--profile", profile])
    assert code == 0
    doc = json.loads(out)
    assert doc["$id"].endswith(f"issue-response.{profile}.json")


def test_schema_openapi() -> None:
    code, out = run(["schema", "--openapi", "--format", "json"])
    assert code == 0
    doc = json.loads(out)
    assert doc["openapi"].startswith("3.1")
    assert "/api/{serviceId}/backchannel/authentication/issue" in doc["paths"]


def test_rules_command_lists_and_explains() -> None:
    code, out = run(["rules"])
    assert code == 0
    assert "C203" in out
    code, out = run(["rules", "C203"])
    assert code == 0
    assert "§7.3" in out
    assert run(["rules", "Q1"])[0] == 2


@pytest.mark.parametrize(
    ("payload", "expected", "said"),
    [("ok.json", 0, "0 errors"), ("vendor-example.json", 1, "A111")],
)
def test_console_script_exits_with_the_commands_code_its_objects_frozen(
    payload: str, expected: int, said: str
) -> None:
    # The console script (`run`) freezes what the run made before the process ends, so the
    # collector does not walk it at shutdown; the exit code and report are main's.
    script = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen:', gc.get_freeze_count() > 0))\n"
        "from ciba_contracts.cli import run\n"
        f"sys.argv = ['ciba-contracts', 'validate', {str(EXAMPLES / payload)!r}]\n"
        "run()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == expected, result.stderr
    assert "frozen: True" in result.stdout
    assert said in result.stdout
