"""ServerConfig validation and round trip; the result-code table."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from ciba_contracts.contract.result_codes import documented_message, message_matches
from ciba_contracts.server import CONFIG_ENV, Result, ServerConfig, create_app_from_env, iter_faults


def test_defaults_keep_the_contract() -> None:
    config = ServerConfig()
    assert config.token == "reference-token"
    assert config.basic == ("reference-key", "reference-secret")
    assert config.expires_in > 0
    assert config.interval > 0
    assert config.faults == frozenset()
    assert config.ticket_db is None
    assert config.max_body_bytes == 64 * 1024


@pytest.mark.parametrize(
    "changes",
    [
        {"expires_in": 0},
        {"interval": 0},
        {"interval": -1},
        {"expires_in": 2**31},
        {"expires_in": True},
        {"interval": 1.5},
        {"token": ""},
        {"token": "a b"},
        {"basic": ("a:b", "c")},
        {"basic": ("", "c")},
        {"basic": ("a", "")},
        {"ticket_ttl": 0},
        {"max_body_bytes": 0},
        {"faults": frozenset({"no-such-fault"})},
    ],
)
def test_out_of_contract_settings_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises((ValueError, TypeError)):
        ServerConfig(**changes)  # type: ignore[arg-type]


def test_faults_accept_any_iterable_and_compose() -> None:
    config = ServerConfig(faults=["zero-interval", "zero-interval"])  # type: ignore[arg-type]
    assert config.faults == frozenset({"zero-interval"})
    both = config.with_faults("ticket-reuse")
    assert both.has_fault("ticket-reuse")
    assert both.has_fault("zero-interval")
    assert not config.has_fault("ticket-reuse")


def test_json_round_trip(tmp_path: Path) -> None:
    config = ServerConfig(
        token="t",
        basic=("k", "s"),
        expires_in=9,
        interval=3,
        faults=frozenset({"zero-interval", "ticket-reuse"}),
        ticket_ttl=12.5,
        ticket_db=str(tmp_path / "db"),
        max_body_bytes=100,
    )
    assert ServerConfig.from_json(config.to_json()) == config
    with pytest.raises(ValueError, match="JSON object"):
        ServerConfig.from_json("[]")


def test_ticket_db_accepts_paths(tmp_path: Path) -> None:
    config = ServerConfig(ticket_db=tmp_path / "db")  # type: ignore[arg-type]
    assert config.ticket_db == str(tmp_path / "db")


def test_app_factory_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    config = ServerConfig(interval=9, faults=frozenset({"zero-interval"}))
    monkeypatch.setenv(CONFIG_ENV, config.to_json())
    assert create_app_from_env().state.config == config
    monkeypatch.delenv(CONFIG_ENV)
    assert create_app_from_env().state.config == ServerConfig()


def test_config_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        ServerConfig().token = "x"  # type: ignore[misc]


def test_every_result_code_is_documented_with_its_message() -> None:
    # Only codes Authlete's table holds, each with its documented message (rules A190
    # and A191 stay quiet on every answer). The fields are every one a message may fill,
    # the complete API's included ("(mode = {Delivery Mode}, result = {Result})").
    for result in Result:
        assert re.fullmatch(r"A[0-9]{6}", result.code)
        assert documented_message(result.code) is not None, result
        for api in ("", "/backchannel/authentication/issue"):
            message = result.message(api, "a detail", mode="poll", result="AUTHORIZED")
            assert "{" not in message
            assert message_matches(result.code, message), message


def test_messages_are_the_documented_ones_with_their_placeholders_filled() -> None:
    # The wording is read from Authlete's table, not restated: only the fills are the
    # stand-in's (and the generic client error's sentence, where the table names no code).
    pushed = Result.COMPLETE_TOKENS_PUSHED.message(mode="push", result="AUTHORIZED")
    assert pushed == (
        "[A198003] Successfully generated tokens that are to be delivered to the client "
        "notification endpoint (mode = push, result = AUTHORIZED)."
    )
    assert Result.CREDENTIALS_INVALID.message("/api/x", "1234") == (
        "[A003204] /api/x, The API credentials do not match those of the service (API Key = 1234)."
    )
    assert Result.NOT_FOUND.message(detail="/nowhere") == (
        "[A000201] Client Error: no API is available at /nowhere."
    )
    assert Result.CLIENT_ERROR.message(detail="a {brace}") == "[A000201] Client Error: a {brace}"


def test_documented_codes_keep_their_documented_wording() -> None:
    assert Result.ISSUE_OK.message() == "[A183001] An auth_req_id was issued successfully."
    assert Result.AUTHORIZATION_MISSING.message("/x") == (
        "[A001202] /x, Authorization header is missing."
    )


def test_docs_list_every_fault_and_result_code() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "server.md").read_text(encoding="utf-8")
    for fault in iter_faults():
        assert f"| `{fault.name}` | {fault.rule} | {fault.breaks} | {fault.scope} |" in docs
    for result in Result:
        assert f"| {result.code} |" in docs
