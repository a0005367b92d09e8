"""Naming the API: ``validate --api``, ``schema --api``, the fixture's and the hooks' ``api=``."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from builders import ok
from ciba_contracts.cli import main
from ciba_contracts.contract.apis import checked_apis
from ciba_contracts.hooks import httpx_hook
from ciba_contracts.testing.checking import ContractChecker
from ciba_contracts.validate.engine import kind_of_api

ISSUE = "https://h/api/1/backchannel/authentication/issue"


def test_every_checked_api_names_a_payload_kind() -> None:
    assert "issue" in checked_apis()
    for api in checked_apis():
        assert kind_of_api(api)


def test_validate_takes_api_and_refuses_an_unknown_one(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(ok(expiresIn=0)))
    result = CliRunner().invoke(main, ["validate", str(path), "--api", "issue"])
    assert result.exit_code == 1
    assert "A109" in result.output
    bad = CliRunner().invoke(main, ["validate", str(path), "--api", "nope"])
    assert bad.exit_code == 2


def test_config_api_must_be_checked(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ciba-contracts]\napi = "nope"\n')
    path = tmp_path / "p.json"
    path.write_text(json.dumps(ok()))
    config = ["--config", str(tmp_path / "pyproject.toml")]
    result = CliRunner().invoke(main, ["validate", str(path), *config])
    assert result.exit_code == 2
    assert "api must be one of" in result.output


def test_schema_takes_api_or_kind() -> None:
    by_api = CliRunner().invoke(main, ["schema", "--api", "issue", "--profile", "sdk"])
    by_kind = CliRunner().invoke(main, ["schema", "--kind", "issue-response", "--profile", "sdk"])
    assert by_api.exit_code == 0
    assert by_api.output == by_kind.output
    both = CliRunner().invoke(main, ["schema", "--api", "issue", "--kind", "result"])
    assert both.exit_code == 2


def test_fixture_api_names_the_payload_and_the_answer() -> None:
    checker = ContractChecker()
    assert checker.check(ok(), api="issue") == []
    assert "A109" in {f.rule for f in checker.check(ok(expiresIn=0), api="issue")}
    # A response at an unknown URL is checked as the named API's answer.
    response = httpx.Response(302, json=ok(), request=httpx.Request("POST", "https://h/x"))
    assert [f.rule for f in checker.check(response, api="issue")] == ["H301"]
    with pytest.raises(ValueError, match="unknown API"):
        checker.check(ok(), api="nope")


def test_hooks_take_api() -> None:
    with pytest.raises(ValueError, match="unknown API"):
        httpx_hook(api="nope")
    hook = httpx_hook(api="issue", policy="collect")
    assert hook.selects("POST", ISSUE)
    assert not hook.selects("POST", "https://h/api/1/backchannel/authentication/other")


def test_hooks_check_the_issue_api_by_default_and_another_when_named() -> None:
    default = httpx_hook(policy="collect")
    assert default.selects("POST", ISSUE)
    assert not default.selects("POST", "https://h/api/1/backchannel/authentication/fail")
    fail = httpx_hook(api="fail", policy="collect")
    assert fail.selects("POST", "https://h/api/1/backchannel/authentication/fail")
    assert not fail.selects("POST", ISSUE)
