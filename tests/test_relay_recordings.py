"""Relays in recordings: ``validate`` pairs both legs; its verdict is ``assert_relayed``'s.

The recording is made here: the example authorization server runs against a
scripted stand-in, every call of the stand-in and every answer to the client
is written as a JSON line of exchanges, and the same answers go to the pytest
fixture's ``check_relay``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from click.testing import CliRunner

from ciba_contracts.check.relay import RelayChecker, relay_case
from ciba_contracts.check.relay_pairs import DEFAULT_RELAY_PATH, RelayPairer
from ciba_contracts.cli import main
from ciba_contracts.exchange import Exchange, Location
from ciba_contracts.relay import relay_rounds
from ciba_contracts.server.app import create_app
from ciba_contracts.server.config import ServerConfig
from ciba_contracts.server.runner import running_server
from ciba_contracts.server.script import AnswerScript
from ciba_contracts.testing.checking import ContractChecker
from ciba_contracts.violations import ContractViolation
from test_relay_test import EXAMPLE_AS, _free_port


def _line(exchange: Exchange) -> dict[str, Any]:
    return {
        "request": {
            "method": exchange.method,
            "url": exchange.url,
            "headers": [list(pair) for pair in exchange.request_headers],
            "body": (exchange.request_body or b"").decode(),
        },
        "response": {
            "status": exchange.status,
            "headers": [list(pair) for pair in exchange.response_headers],
            "body": (exchange.body or b"").decode(),
        },
    }


def _client_leg(response: httpx.Response) -> Exchange:
    request = response.request
    return Exchange(
        Location("client"),
        request.method,
        str(request.url),
        response.status_code,
        tuple(request.headers.multi_items()),
        tuple(response.headers.multi_items()),
        response.content,
        request.content,
    )


def record(fault: str) -> Iterator[tuple[list[Exchange], httpx.Response]]:
    """Every round of relay-test against the example with ``fault``: Authlete legs, answer."""
    script = AnswerScript()
    port = _free_port()
    stand_in = running_server(app=create_app(ServerConfig(), script=script), port=port)
    app = EXAMPLE_AS.create_app(f"http://127.0.0.1:{port}", "1", "reference-token", fault)
    with stand_in, running_server(app=app) as url, httpx.Client() as client:
        for round_ in relay_rounds():
            script.reset()
            for api, action in round_.script:
                script.force(api, action)
            trace = f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"
            response = client.post(
                f"{url}/bc-authorize",
                content="scope=openid&login_hint=alice",
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Authorization": "Basic MTIzNDpzM2NyZXQ=",
                    "traceparent": trace,
                },
            )
            yield script.calls(), response


def _validate(path: Path) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["validate", str(path), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


@pytest.mark.parametrize("fault", ["", "double-encoded", "no-challenge", "text-html"])
def test_validate_and_assert_relayed_give_one_verdict(tmp_path: Path, fault: str) -> None:
    lines: list[str] = []
    expected: list[tuple[str, str]] = []
    checker = ContractChecker()
    for calls, response in record(fault):
        for call in calls:
            lines.append(json.dumps(_line(call)))
        lines.append(json.dumps(_line(_client_leg(response))))
        leg = next(c for c in calls if relay_case(c) and _answers_client(c))
        found = checker.check_relay(leg.body, response)
        expected += [(f.rule, f.message) for f in found]
        if found:
            with pytest.raises(ContractViolation):
                checker.assert_relayed(leg.body, response)
        else:
            checker.assert_relayed(leg.body, response)
    path = tmp_path / "relay.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report = _validate(path)
    got = [(f["rule"], f["message"]) for f in report["findings"] if f["rule"].startswith("R")]
    assert sorted(got) == sorted(expected)
    assert bool(expected) is bool(fault)
    assert report["summary"]["relay_pairs"] == 6
    assert report["summary"]["relay_unpaired"] == 0


def _answers_client(call: Exchange) -> bool:
    case = relay_case(call)
    return not isinstance(case, str) and case.relay.answers_client


def test_legs_that_cannot_be_paired_are_counted_not_guessed(tmp_path: Path) -> None:
    lines = []
    for calls, response in record(""):
        for call in calls:
            # Without the trace context, only OK can still be paired (by auth_req_id).
            headers = tuple(h for h in call.request_headers if h[0].lower() != "traceparent")
            lines.append(json.dumps(_line(msgspec.structs.replace(call, request_headers=headers))))
        lines.append(json.dumps(_line(_client_leg(response))))
    path = tmp_path / "untraced.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report = _validate(path)
    assert report["summary"]["relay_pairs"] == 1
    assert report["summary"]["relay_unpaired"] == 10


def test_a_correlation_header_pairs_legs(tmp_path: Path) -> None:
    ok = '{"auth_req_id":"abc","expires_in":600,"interval":5}'
    err = '{"error":"invalid_request"}'
    authlete = {"action": "BAD_REQUEST", "responseContent": err}
    legs = [
        {
            "request": {
                "method": "POST",
                "url": "https://us.authlete.com/api/1/backchannel/authentication",
                "headers": {"X-Request-ID": "r-1"},
                "body": "{}",
            },
            "response": {"status": 200, "headers": {}, "body": json.dumps(authlete)},
        },
        {
            "request": {
                "method": "POST",
                "url": "https://as.example/backchannel",
                "headers": {"X-Request-ID": "r-1"},
                "body": "scope=openid",
            },
            "response": {
                "status": 200,
                "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
                "body": ok,
            },
        },
    ]
    path = tmp_path / "correlated.jsonl"
    path.write_text("\n".join(json.dumps(leg) for leg in legs) + "\n")
    args = ["validate", str(path), "--format", "json", "--correlate", "X-Request-ID"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    rules = {f["rule"] for f in json.loads(result.stdout)["findings"]}
    assert rules == {"R501", "R505"}
    unpaired = CliRunner().invoke(main, ["validate", str(path), "--format", "json"])
    assert unpaired.exit_code == 0


def test_pending_legs_stay_bounded() -> None:
    pairer = RelayPairer(RelayChecker(), limit=3)
    for number in range(10):
        client = Exchange(
            Location("t"),
            "POST",
            "https://as.example/bc-authorize",
            200,
            (("traceparent", f"00-{number:032x}-{1:016x}-01"),),
            body=b"{}",
        )
        assert list(pairer.feed(client)) == []
    counts = pairer.finish()
    assert counts.dropped == 7
    assert counts.unpaired_client == 10


def _har_entry(url: str, request_body: str, status: int, body: str) -> dict[str, Any]:
    return {
        "request": {
            "method": "POST",
            "url": url,
            "headers": [{"name": "X-Request-ID", "value": "r-1"}],
            "postData": {"mimeType": "application/json", "text": request_body},
        },
        "response": {
            "status": status,
            "headers": [
                {"name": "Content-Type", "value": "application/json"},
                {"name": "Cache-Control", "value": "no-store"},
            ],
            "content": {"mimeType": "application/json", "text": body},
        },
    }


def _relay_har(tmp_path: Path, client_url: str, client_body: str, compact: bool = False) -> Path:
    """A HAR file of an Authlete BAD_REQUEST and a client leg at ``client_url``, both
    carrying the same X-Request-ID: pretty-printed, or ``compact`` (an entry per line)."""
    authlete = {"action": "BAD_REQUEST", "responseContent": '{"error":"invalid_request"}'}
    entries = [
        _har_entry(
            "https://us.authlete.com/api/1/backchannel/authentication",
            "{}",
            200,
            json.dumps(authlete),
        ),
        _har_entry(client_url, "{}", 200, client_body),
    ]
    path = tmp_path / "relay.har"
    if compact:
        lines = ",\n".join(json.dumps(entry) for entry in entries)
        path.write_text('{"log": {"version": "1.2", "entries": [\n' + lines + "\n]}}\n")
    else:
        path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}, indent=2))
    return path


_CLIENT_URLS = [
    "https://as.example/backchannel",
    "https://as.example/backchannel?tenant=1",
    "https://as.example/backchannel/",
    "https://as.example/backchannel/?tenant=1",
    "https://as.example/backchannel;jsessionid=A1",
    "https://as.example/backchannel/;jsessionid=A1",
    "https://as.example/backchannel#top",
    "https://as.example/backchannel//",
    "https://as.example/bc-authorize",
    "https://as.example/bc-authorise/",
    "https://as.example/backchannel-authentication",
    "https://as.example/backchannel_auth/",
]


@pytest.mark.parametrize("escaped", [False, True], ids=["slashes", "escaped-slashes"])
@pytest.mark.parametrize("client_url", _CLIENT_URLS)
def test_a_har_recording_pairs_legs_at_every_default_client_path(
    tmp_path: Path, client_url: str, escaped: bool
) -> None:
    # The reader turns entries away by their raw bytes before parsing them: a client leg
    # at any path the default --relay-path takes must still be read, however JSON writes
    # its slashes (PHP's json_encode writes them `\/`).
    path = _relay_har(tmp_path, client_url, '{"auth_req_id":"abc","expires_in":600}')
    if escaped:
        path.write_text(path.read_text().replace("/", "\\/"))
    args = ["validate", str(path), "--format", "json", "--correlate", "X-Request-ID"]
    result = CliRunner().invoke(main, args)
    report = json.loads(result.stdout)
    assert report["summary"]["relay_pairs"] == 1
    assert {f["rule"] for f in report["findings"]} >= {"R501"}


@pytest.mark.parametrize("compact", [False, True], ids=["pretty", "compact"])
@pytest.mark.parametrize("client_url", _CLIENT_URLS)
def test_sifting_by_raw_bytes_gives_the_report_of_parsing_every_entry(
    tmp_path: Path, client_url: str, compact: bool
) -> None:
    # A --relay-path given has every entry parsed; the default one, the same regex, has
    # entries sifted first: the reports must be the same, in both layouts.
    path = _relay_har(tmp_path, client_url, '{"auth_req_id":"abc"}', compact)
    base = ["validate", str(path), "--format", "json", "--correlate", "X-Request-ID"]
    runner = CliRunner()
    default = json.loads(runner.invoke(main, base).stdout)
    given = json.loads(runner.invoke(main, [*base, "--relay-path", DEFAULT_RELAY_PATH]).stdout)
    assert default["summary"]["relay_pairs"] == 1
    assert default == given
