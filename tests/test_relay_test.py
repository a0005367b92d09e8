"""``relay-test`` against the example authorization server, correct and with one relay bug each.

The example (``examples/authorization_server.py``) runs in-process on
127.0.0.1, pointed at the port where ``relay-test`` starts its stand-in.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from ciba_contracts.cli import main
from ciba_contracts.relay import RelayOptions, RelayTestError, relay_rounds, run_relay_test
from ciba_contracts.server.runner import bind_socket, running_server

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "authorization_server.py"
SECRET = "s3cret-value"

#: The fault switch of the example -> the rule relay-test must report.
CAUGHT_BY = {
    "ok-status-201": "R501",
    "error-status-200": "R501",
    "no-cache-control": "R503",
    "text-html": "R502",
    "double-encoded": "R505",
    "rebuilt-body": "R505",
    "invalid-ticket-not-oauth": "R506",
    "auth-errors-as-500": "R501",
    "no-challenge": "R507",
    "skip-issue": "R509",
    "ignore-action": "R501",
    "hang-on-error": "R508",
}


def _example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("example_authorization_server", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EXAMPLE_AS = _example()


def _free_port() -> int:
    with bind_socket("127.0.0.1", 0) as sock:
        port: int = sock.getsockname()[1]
    return port


@contextlib.contextmanager
def example_as(fault: str = "", token: str = "reference-token") -> Iterator[tuple[str, int]]:
    """The example AS on 127.0.0.1; yields its endpoint and the port its Authlete must use."""
    port = _free_port()
    app = EXAMPLE_AS.create_app(f"http://127.0.0.1:{port}", "77", token, fault)
    with running_server(app=app) as url:
        yield f"{url}/bc-authorize", port


def options(url: str, port: int, **extra: object) -> RelayOptions:
    values: dict[str, object] = {
        "as_url": url,
        "client_id": "1234",
        "client_secret": SECRET,
        "login_hint": "alice",
        "authlete_port": port,
        "time_budget": 12.0,
    }
    values.update(extra)
    return RelayOptions(**values)  # type: ignore[arg-type]


def test_the_example_relays_every_action_right() -> None:
    with example_as() as (url, port):
        report = run_relay_test(options(url, port, service_id="77"))
    assert report.ok, report.render()
    assert report.requests == len(relay_rounds()) == 6


def test_client_secret_post_is_relayed_right_too() -> None:
    with example_as() as (url, port):
        report = run_relay_test(options(url, port, client_auth="post"))
    assert report.ok, report.render()


def test_every_fault_of_the_example_is_named() -> None:
    assert set(CAUGHT_BY) == set(EXAMPLE_AS.FAULTS)


@pytest.mark.parametrize("fault", sorted(CAUGHT_BY))
def test_each_relay_bug_is_caught(fault: str) -> None:
    budget = 3.0 if fault == "hang-on-error" else 12.0
    with example_as(fault) as (url, port):
        report = run_relay_test(options(url, port, time_budget=budget))
    assert not report.ok
    assert CAUGHT_BY[fault] in report.checks, report.render()
    for failure in report.failures:
        assert SECRET not in (report.shown_curl(failure) or "")


def test_cli_exits_0_on_a_right_relay_and_1_on_a_wrong_one() -> None:
    runner = CliRunner()
    for fault, code in (("", 0), ("no-cache-control", 1)):
        with example_as(fault) as (url, port):
            args = ["relay-test", "--as-url", url, "--client-id", "1234"]
            args += ["--client-secret", SECRET, "--login-hint", "alice"]
            args += ["--authlete-port", str(port), "--service-id", "77", "--format", "json"]
            result = runner.invoke(main, args)
        assert result.exit_code == code, result.output
        report = json.loads(result.output)
        assert report["ok"] is (code == 0)
        assert SECRET not in result.output
        if code:
            (failure,) = {f["check"]: f for f in report["failures"]}.values()
            assert failure["check"] == "R503"
            assert failure["curl"].startswith("curl ")
            assert "Basic [REDACTED]" in failure["curl"]


def test_cli_exits_2_when_the_as_is_unreachable() -> None:
    port, as_port = _free_port(), _free_port()
    args = ["relay-test", "--as-url", f"http://127.0.0.1:{as_port}/bc-authorize"]
    args += ["--client-id", "1", "--client-secret", SECRET, "--login-hint", "a"]
    result = CliRunner().invoke(main, [*args, "--authlete-port", str(port)])
    assert result.exit_code == 2
    assert "cannot reach the AS" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_exits_2_on_bad_options() -> None:
    args = ["relay-test", "--as-url", "ftp://x", "--client-id", "1", "--client-secret", "s"]
    result = CliRunner().invoke(main, [*args, "--login-hint", "a"])
    assert result.exit_code == 2
    assert "--as-url" in result.output


def test_a_misconfigured_as_is_a_usage_problem() -> None:
    refused = pytest.raises(RelayTestError, match="refused the AS's credentials")
    with example_as(token="another-token") as (url, port), refused:
        run_relay_test(options(url, port))
    other_service = pytest.raises(RelayTestError, match="not the --service-id")
    with example_as() as (url, port), other_service:
        run_relay_test(options(url, port, service_id="12"))


@pytest.mark.parametrize("fmt", ["junit", "sarif", "gitlab"])
def test_ci_formats_carry_the_failures(fmt: str) -> None:
    with example_as("text-html") as (url, port):
        args = ["relay-test", "--as-url", url, "--client-id", "1234", "--client-secret", SECRET]
        args += ["--login-hint", "alice", "--authlete-port", str(port), "--format", fmt]
        result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "R502" in result.output
    assert SECRET not in result.output
