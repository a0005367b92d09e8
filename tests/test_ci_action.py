"""``action.yml``: a composite GitHub Action whose script only uses options the CLI has."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from ciba_contracts.cli import main

ROOT = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
#: Options the action passes only when their input is given, for ciba-contracts versions
#: that have them (see the input's description).
NEWER_OPTIONS = {"--api"}


def _validate_step() -> dict[str, Any]:
    steps = ACTION["runs"]["steps"]
    return next(step for step in steps if step.get("id") == "validate")


def test_action_is_composite_with_its_inputs_and_outputs() -> None:
    assert ACTION["runs"]["using"] == "composite"
    inputs = ACTION["inputs"]
    for name in ("paths", "profile", "api", "format", "args", "python-version"):
        assert name in inputs, name
        assert inputs[name]["description"]
    assert inputs["paths"]["required"] is True
    assert inputs["format"]["default"] == "sarif"
    assert {"report", "errors", "warnings"} <= set(ACTION["outputs"])
    for output in ACTION["outputs"].values():
        assert output["value"].startswith("${{ steps.validate.outputs.")
    uses = [step.get("uses", "") for step in ACTION["runs"]["steps"]]
    assert any(u.startswith("actions/setup-python@") for u in uses)
    install = next(step for step in ACTION["runs"]["steps"] if "pip install" in step.get("run", ""))
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    for step in ACTION["runs"]["steps"]:
        if "run" in step:
            assert step["shell"] == "bash"
            # Inputs reach scripts through the environment, never pasted into them.
            assert "${{" not in step["run"]


def test_action_script_uses_only_options_validate_has() -> None:
    script = _validate_step()["run"]
    calls = [line for line in script.splitlines() if "args" in line and "--" in line]
    used = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", "\n".join(calls)))
    assert {"--format", "--output", "--summary-file", "--profile"} <= used
    help_text = CliRunner().invoke(main, ["validate", "--help"]).output
    known = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", help_text))
    assert used - known <= NEWER_OPTIONS, used - known
    for option in used & NEWER_OPTIONS:
        # Passed only when its input is set.
        assert re.search(rf'if \[ -n "\$INPUT_\w+" \]; then args\+=\({option} ', script)


def _run_step(tmp_path: Path, **inputs: str) -> tuple[int, dict[str, str], Path]:
    """Run the Validate step's script as the runner would: inputs in the environment."""
    output = tmp_path / "github_output"
    output.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("INPUT_")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(
        GITHUB_OUTPUT=str(output),
        RUNNER_TEMP=str(tmp_path),
        INPUT_PROFILE="",
        INPUT_API="",
        INPUT_FORMAT="sarif",
        INPUT_REPORT_FILE="",
        INPUT_ARGS="",
        INPUT_FAIL_ON_FINDINGS="true",
    )
    env.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", _validate_step()["run"]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return result.returncode, outputs, tmp_path


@pytest.mark.skipif(shutil.which("bash") is None, reason="the action's steps run in bash")
def test_action_step_writes_the_report_and_its_counts(tmp_path: Path) -> None:
    examples = ROOT / "examples" / "payloads"
    code, outputs, work = _run_step(
        tmp_path, paths=f"{examples}/vendor-example.json\n{examples}/ok.json", profile="ciba"
    )
    assert code == 1
    assert outputs["exit-code"] == "1"
    assert outputs["report"] == "ciba-contracts.sarif"
    log = json.loads((work / outputs["report"]).read_text())
    assert log["version"] == "2.1.0"
    errors = sum(1 for r in log["runs"][0]["results"] if r["level"] == "error")
    assert int(outputs["errors"]) == errors == 2
    assert outputs["warnings"] == "0"

    code, outputs, _ = _run_step(
        tmp_path,
        paths=f"{examples}/*.json",
        format="gitlab",
        args="--ignore A111,C203 --profile ciba",
        fail_on_findings="false",
    )
    assert code == 0
    assert outputs["report"] == "ciba-contracts.json"
    issues = json.loads((tmp_path / "ciba-contracts.json").read_text())
    assert {i["check_name"] for i in issues}.isdisjoint({"A111", "C203"})
    assert int(outputs["errors"]) == len([i for i in issues if i["severity"] == "major"])


@pytest.mark.skipif(shutil.which("bash") is None, reason="the action's steps run in bash")
def test_action_step_fails_on_an_unreadable_input(tmp_path: Path) -> None:
    code, outputs, _ = _run_step(tmp_path, paths="missing.json", fail_on_findings="false")
    assert code == 2
    assert outputs["exit-code"] == "2"


DOC = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
_FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```$", re.S | re.M)


def test_ci_page_examples_parse_and_use_real_options() -> None:
    blocks: dict[str, list[str]] = {}
    for m in _FENCE.finditer(DOC):
        blocks.setdefault(m["info"], []).append(m["body"])
    yaml_text = "\n".join(blocks["yaml"])
    for body in blocks["yaml"]:
        # Fragments of a workflow's steps are indented as in the job; dedent to parse them.
        assert yaml.safe_load(textwrap.dedent(body)) is not None
    assert "github/codeql-action/upload-sarif@" in yaml_text
    assert "codequality: gl-code-quality.json" in yaml_text
    assert "id: ciba-contracts" in yaml_text
    commands = {
        "validate": CliRunner().invoke(main, ["validate", "--help"]).output,
        "test": CliRunner().invoke(main, ["test", "--help"]).output,
    }
    lines = re.findall(r"ciba-contracts (validate|test) ([^\n]*)", DOC)
    assert lines
    for command, rest in lines:
        for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", rest):
            assert option in commands[command], (command, option)
