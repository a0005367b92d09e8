"""``ciba-contracts test`` against an independent stand-in (tests/standin.py).

The stand-in is written from the vendor's documents and differs from the
bundled reference server wherever they leave room, so these tests catch both
misses (a fault the suite lets through) and false positives (a correct server
the suite fails).
"""

from __future__ import annotations

import socket

import httpx
import orjson
import pytest
import requests
from click.testing import CliRunner

from ciba_contracts.cli import main
from ciba_contracts.hooks import httpx_hook, requests_hook
from ciba_contracts.suite.generated import run_generated
from ciba_contracts.suite.scenarios import run_scenarios
from ciba_contracts.suite.target import Target
from ciba_contracts.violations import ContractViolation
from standin import BASIC, TOKEN, StandIn, serve

pytest_plugins = ["pytester"]


def _run(url: str, version: int = 3, *extra: str) -> tuple[int, str]:
    args = ["test", "--base-url", url, "--api-version", str(version), "--service-id", "77"]
    args += ["--client-id", "c-1", "--client-secret", "s-1", "--login-hint", "alice"]
    args += ["--token", TOKEN] if version == 3 else ["--basic", ":".join(BASIC)]
    result = CliRunner().invoke(main, [*args, "--seed", "3", *extra])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("profile", "version", "variant"),
    [
        ("sdk", 3, False),
        ("authlete", 2, False),
        ("ciba", 3, False),
        ("ciba", 2, True),
        ("authlete", 3, True),
    ],
)
def test_a_correct_independent_server_passes(profile: str, version: int, variant: bool) -> None:
    # The stand-in refuses bad requests with 400 here (its default).
    # variant: no interval at all, pretty-printed JSON, unknown members
    state = StandIn(interval=None, pretty=True, faults=frozenset({"extra-members"}))
    with serve(state if variant else StandIn()) as url:
        code, output = _run(url, version, "--profile", profile, "--max-examples", "10")
    assert code == 0, output
    assert "keeps the contract" in output


@pytest.mark.parametrize("refusal", ["400", "INVALID_TICKET", "INTERNAL_SERVER_ERROR"])
@pytest.mark.parametrize("version", [3, 2])
def test_every_documented_refusal_of_an_empty_ticket_passes(refusal: str, version: int) -> None:
    # Authlete documents the empty ticket (A182201) but no status for it: a 400 with a result
    # object and a 200 with a non-OK action both keep the vendor's contract.
    with serve(StandIn(bad_request=refusal)) as url:
        code, output = _run(url, version, "--max-examples", "10")
        assert code == 0, output
        strict_code, strict_output = _run(url, version, "--max-examples", "0", "--strict-requests")
    # The project's own opinion, asked for: only 400 passes.
    assert strict_code == (0 if refusal == "400" else 1), strict_output
    if refusal != "400":
        assert "[L408]" in strict_output


# fault -> a check the report must name; run with the target options only (default profile).
CAUGHT = {
    "form-ignored": "L406",
    "same-auth-req-id": "L407",
    "float-expires-in": "S003",
    "content-without-interval": "A112",
    "lowercase-result-code": "A104",
    "result-code-7-digits": "A104",
    "html-500-on-empty-body": "H302",
    "bom": "S001",
    "401-without-body": "S001",
    "401-not-result": "A102",
    "any-ticket": "L403",
    "ok-on-second-issue-different-id": "L402",
    "reset": "transport",
    "short-id": "C202",
    "id-with-plus": "C201",
    "no-ticket-on-auth": "authentication",
    "accepts-wrong-token": "L401",
    "null-interval": "S003",
    "content-not-string": "S003",
    "invalid-ticket-ok-status-content": "A111",
    "wrong-status-400-on-unknown": "H301",
    "reissue-after-complete": "L409",
    "complete-refuses": "L410",
    "fail-keeps-ticket": "L411",
    "complete-after-fail": "L412",
}


@pytest.mark.parametrize("fault", sorted(CAUGHT))
def test_each_fault_is_reported(fault: str) -> None:
    with serve(faults=frozenset({fault})) as url:
        code, output = _run(url, 3, "--max-examples", "0")
    assert code == 1, output
    assert f"[{CAUGHT[fault]}]" in output, output


def test_empty_ticket_must_not_be_accepted() -> None:
    with serve(faults=frozenset({"any-ticket"})) as url:
        code, output = _run(url, 2, "--max-examples", "0")
    assert code == 1
    assert "[L405]" in output
    assert "an empty ticket gave action OK" in output


def test_v2_only_server_checked_as_v3_is_reported() -> None:
    with serve(faults=frozenset({"v2-only"})) as url:
        assert _run(url, 3, "--max-examples", "0")[0] == 1
        assert _run(url, 2, "--max-examples", "0")[0] == 0


def test_zero_interval_fails_by_default_passes_at_authlete() -> None:
    with serve(interval=0) as url:
        code, output = _run(url, 3, "--max-examples", "0")
        assert code == 1, output
        assert "[C203]" in output, output
        code, output = _run(url, 3, "--max-examples", "0", "--profile", "authlete")
        assert code == 0, output


def test_slow_server_stops_generation_at_the_budget_and_says_so() -> None:
    with serve(faults=frozenset({"slow"}), delay=0.03) as url:
        code, output = _run(url, 3, "--max-examples", "200", "--time-budget", "0.5")
    assert code == 0, output
    assert "generation stopped at the run's time budget" in output


def test_hanging_answer_is_a_timeout_not_a_crash() -> None:
    with serve(faults=frozenset({"hang"}), delay=1.5) as url:
        target = Target(base_url=url, token=TOKEN, service_id="9")
        failures, _ = run_scenarios(target, timeout=0.3)
    assert {f.check for f in failures} == {"timeout"}
    assert all(f.request is not None for f in failures)


def test_dropped_connection_in_generated_requests_is_reported() -> None:
    # Negative data breaks the vendor's request schema as JSON (a ticket that is no
    # string, none at all), which this stand-in answers by dropping the connection.
    with serve(faults=frozenset({"reset", "reset-on-bad-ticket"})) as url:
        # The report keeps one failure per check and first line, whichever part of the
        # suite met it first; the generated part must meet it on its own too.
        target = Target(base_url=url, token=TOKEN, service_id="77")
        failures, _ = run_generated(target, max_examples=10, seed=3)
        code, output = _run(url, 3, "--max-examples", "10")
    assert code == 1
    assert "[transport]" in output, output
    dropped = [f for f in failures if f.check == "transport"]
    assert dropped, failures
    assert all(f.source.startswith("generated") and f.request is not None for f in dropped)


def test_closed_port_exits_2_with_a_message() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, output = _run(f"http://127.0.0.1:{port}", 3)
    assert code == 2
    assert "cannot reach" in output
    assert "ConnectError" in output


def _ticket(client: httpx.Client, url: str) -> str:
    answer = client.post(
        f"{url}/api/5/backchannel/authentication",
        json={"parameters": "scope=openid&login_hint=a", "clientId": "c", "clientSecret": "s"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    ticket = orjson.loads(answer.content.removeprefix(b"\xef\xbb\xbf"))["ticket"]
    assert isinstance(ticket, str)
    return ticket


@pytest.mark.parametrize(
    ("fault", "rule"),
    [("lowercase-result-code", "A104"), ("bom", "S001"), ("content-without-interval", "A112")],
)
def test_httpx_hook_against_a_live_server(fault: str, rule: str) -> None:
    hook = httpx_hook(profile="ciba")
    with (
        serve(faults=frozenset({fault})) as url,
        httpx.Client(event_hooks={"response": [hook]}) as c,
    ):
        ticket = _ticket(c, url)
        with pytest.raises(ContractViolation, match=rule):
            c.post(
                f"{url}/api/5/backchannel/authentication/issue",
                json={"ticket": ticket},
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
    assert [r.status for r in hook.records] == [200]


def test_requests_hook_sees_a_401_that_is_not_a_result() -> None:
    hook = requests_hook(policy="collect")
    with serve(faults=frozenset({"401-not-result"})) as url, requests.Session() as session:
        session.hooks["response"].append(hook)
        session.post(f"{url}/api/backchannel/authentication/issue", json={"ticket": "t"})
    (record,) = hook.records
    assert (record.status, record.kind) == (401, "result")
    assert {f.rule for f in record.findings} == {"A102", "A103"}


def test_unexpected_status_traceback_stops_at_the_callers_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_status="""
        import httpx

        def test_it(ciba_contract):
            ciba_contract.assert_valid(httpx.Response(404, json={}))
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    assert "def _run(" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*H301*HTTP status 404 is not an answer*"])


def test_one_fault_with_varying_values_is_one_failure() -> None:
    with serve(faults=frozenset({"short-id"})) as url:
        code, output = _run(url, 3, "--max-examples", "0")
    assert code == 1
    assert "1 distinct failure(s): C202" in output, output
    assert "value: " in output
