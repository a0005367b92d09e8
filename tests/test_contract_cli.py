"""``ciba-contracts test`` against the reference server: clean, and with every catalog fault."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ciba_contracts.cli import main
from ciba_contracts.server.config import DEFAULT_BASIC, DEFAULT_TOKEN, ServerConfig
from ciba_contracts.server.faults import Fault, iter_faults
from ciba_contracts.server.runner import running_server

TTL = 0.5


# What the report calls the check that catches each http:/state: tag.
def _run(url: str, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        [
            "test",
            "--base-url",
            url,
            "--token",
            DEFAULT_TOKEN,
            "--basic",
            ":".join(DEFAULT_BASIC),
            "--max-examples",
            "5",
            "--seed",
            "1",
            *extra,
        ],
    )
    return result.exit_code, result.output


@pytest.mark.parametrize("version", ["3", "2"])
def test_clean_reference_server_keeps_the_contract(version: str) -> None:
    # Every scenario runs, the flows through /complete and /fail (L409-L412) included.
    with running_server(ServerConfig()) as url:
        code, output = _run(url, "--max-examples", "20", "--api-version", version)
    assert code == 0, output
    assert "keeps the contract" in output


def test_bundled_server_without_base_url() -> None:
    result = CliRunner().invoke(main, ["test", "--max-examples", "3", "--api-version", "2"])
    assert result.exit_code == 0, result.output


def test_unreachable_target_exits_2() -> None:
    code, output = _run("http://127.0.0.1:9")
    assert code == 2
    assert "cannot reach" in output


def test_wrong_options_exit_2() -> None:
    result = CliRunner().invoke(main, ["test", "--base-url", "http://127.0.0.1:9", "--basic", "x"])
    assert result.exit_code == 2
    assert "KEY:SECRET" in result.output


def test_credentials_never_reach_the_report() -> None:
    with running_server(ServerConfig(faults=frozenset({"crash-on-bad-body"}))) as url:
        code, output = _run(url)
    assert code == 1
    assert DEFAULT_TOKEN not in output
    assert DEFAULT_BASIC[1] not in output
    assert "curl " in output


#: Faults of the other APIs' answers that the flow scenarios meet with the test client, a
#: poll-mode one: its USER_IDENTIFICATION, the fail API's FORBIDDEN and /complete's answer.
FLOW_FAULTS = {
    "missing-ticket",
    "scopes-without-openid",
    "fail-without-content",
    "fail-wrong-error-code",
    "notification-in-poll-mode",
}

#: The rules of the flows through /complete and /fail (L409-L412), which only scenarios check.
FLOW_RULES = {
    "completed-ticket-issued",
    "issued-ticket-not-completed",
    "failed-ticket-issued",
    "failed-ticket-completed",
}

#: The faults the live suite judges today: the issue API's payloads, every API's HTTP
#: layer, the live family (L4xx, flows through /complete and /fail included) and the
#: other APIs' faults the flows meet. Ping and push answers, error answers of the
#: authentication API and the result-code rules join when the suite reaches them.
LIVE_FAULTS = [
    f
    for f in iter_faults()
    if (f.api in {"issue", "all"} or f.rule.startswith("L") or f.name in FLOW_FAULTS)
    and not f.rule_name.startswith("result-")
]


@pytest.mark.parametrize("fault", LIVE_FAULTS, ids=lambda f: f.name)
@pytest.mark.parametrize("version", ["3", "2"])
def test_every_fault_is_caught(fault: Fault, version: str) -> None:
    expiry = fault.rule_name == "expired-ticket-accepted"
    config = ServerConfig(faults=frozenset({fault.name}), ticket_ttl=TTL if expiry else 600.0)
    extra = ["--api-version", version] + (["--ticket-ttl", str(TTL)] if expiry else [])
    if fault.level == "ciba":
        # CIBA Core rules only apply at the strictest level.
        extra += ["--profile", "ciba"]
    if fault.opt_in:
        # The project's own opinions are reported only when selected.
        extra += ["--select", fault.rule]
    if fault.name in FLOW_FAULTS or fault.rule_name in FLOW_RULES:
        # Only the scenarios walk these flows: generated requests would add time, not checks.
        extra += ["--max-examples", "0"]
    with running_server(config) as url:
        code, output = _run(url, *extra)
    assert code == 1, output
    assert f"[{fault.rule}]" in output, output


def test_har_records_every_exchange_masked(tmp_path: Path) -> None:
    har = tmp_path / "run.har"
    with running_server(ServerConfig(faults=frozenset({"zero-interval"}))) as url:
        code, output = _run(url, "--max-examples", "2", "--har", str(har))
    assert code == 1, output
    text = har.read_text(encoding="utf-8")
    assert DEFAULT_TOKEN not in text
    entries = json.loads(text)["log"]["entries"]
    # Scenarios, generated requests and stateful walks: more than the failing ones.
    assert len(entries) > 20
    assert {e["comment"].split(",")[0] for e in entries} >= {"scenario", "generated"}
    assert all(e["response"]["status"] for e in entries)
    assert any(e["comment"].startswith("C203") for e in entries)
    # The file is a recording ciba-contracts reads, and it holds the same fault.
    result = CliRunner().invoke(main, ["validate", str(har), "--profile", "ciba", "--no-relay"])
    assert result.exit_code == 1, result.output
    assert "C203" in result.output


def test_har_of_the_family_is_read_back_with_api_all(tmp_path: Path) -> None:
    har = tmp_path / "run.har"
    with running_server(ServerConfig(faults=frozenset({"fail-without-content"}))) as url:
        code, output = _run(url, "--max-examples", "0", "--har", str(har))
    assert code == 1, output
    assert "[A140]" in output
    urls = [e["request"]["url"] for e in json.loads(har.read_text())["log"]["entries"]]
    assert any(url.endswith("/backchannel/authentication/fail") for url in urls)
    # The fail API's answers are in the recording: --api all checks them, the default does not.
    every = CliRunner().invoke(main, ["validate", str(har), "--api", "all", "--no-relay"])
    assert every.exit_code == 1, every.output
    assert "A140" in every.output
    issue_only = CliRunner().invoke(main, ["validate", str(har), "--no-relay"])
    assert "A140" not in issue_only.output
