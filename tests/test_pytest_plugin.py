"""The pytest plugin, run inside throwaway pytest sessions (pytester)."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap

import httpx
import pytest
import requests

from builders import ack, ok
from ciba_contracts import validate
from ciba_contracts.testing.checking import ContractChecker, response_info
from ciba_contracts.violations import ContractViolation, UnexpectedResponse

pytest_plugins = ["pytester"]

GOOD_OK = ok()
ZERO_INTERVAL = ok(interval=0, responseContent=ack(interval=0))

# Payloads the generated test modules import, so every session sees the same data.
PAYLOADS = f"""
GOOD_OK = {GOOD_OK!r}
ZERO_INTERVAL = {ZERO_INTERVAL!r}
"""


@pytest.fixture
def session(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(payloads=PAYLOADS)
    return pytester


def test_fixture_accepts_dict_bytes_and_str_and_returns_warnings(session: pytest.Pytester) -> None:
    session.makepyfile(
        """
        import json
        from payloads import GOOD_OK

        def test_dict(ciba_contract):
            assert ciba_contract.assert_valid(GOOD_OK) == []

        def test_bytes_and_str(ciba_contract):
            ciba_contract.assert_valid(json.dumps(GOOD_OK).encode())
            ciba_contract.assert_valid(json.dumps(GOOD_OK))

        def test_warnings_are_returned(ciba_contract):
            payload = {
                "resultCode": "A182101",
                "resultMessage": (
                    "[A182101] Failed to issue an 'auth_req_id' due to a database error."
                ),
                "action": "INTERNAL_SERVER_ERROR",
                "responseContent": json.dumps(
                    {"error": "server_error", "error_description": "d\u00e9j\u00e0"}
                ),
            }
            warnings = ciba_contract.assert_valid(payload)
            assert [f.rule for f in warnings] == ["A116"]
        """
    )
    session.runpytest().assert_outcomes(passed=3)


def test_failure_is_a_readable_report(session: pytest.Pytester) -> None:
    session.makepyfile(
        """
        from payloads import GOOD_OK

        def test_broken(ciba_contract):
            payload = dict(GOOD_OK, interval=-1)
            payload["responseContent"] = '{"auth_req_id": "x", "expires_in": 3600, "interval": -1}'
            ciba_contract.assert_valid(payload)
        """
    )
    result = session.runpytest()
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    # Every finding on its own line: rule, severity, pointer (-> content pointer), message, value.
    for line in (
        "E       ciba_contracts.violations.ContractViolation: issue response breaks the CIBA "
        "contract at profile authlete: 2 errors",
        "E         - A110 [error] /interval: `interval` is -1; a polling interval cannot be "
        "negative (value: -1)",
        "E         - A112 [error] /responseContent -> /auth_req_id: responseContent `auth_req_id` "
        'is "x" but `authReqId` is "_mzc-ZQdAhSPuMxTlO-MC_oqaOqYCrdNQ39PVxisaiE" (value: "x")',
    ):
        assert line in out
    # The traceback stops at the user's line, not inside the plugin.
    assert "checking.py" not in result.stdout.str()


def test_httpx_and_requests_responses(session: pytest.Pytester) -> None:
    session.makepyfile(
        """
        import json
        import httpx
        import pytest
        import requests
        from ciba_contracts.violations import ContractViolation, UnexpectedResponse
        from payloads import GOOD_OK

        URL = "https://as.example/api/1/backchannel/authentication/issue"

        def httpx_response(status, body):
            return httpx.Response(status, json=body, request=httpx.Request("POST", URL))

        def requests_response(status, body):
            response = requests.Response()
            response.status_code = status
            response._content = json.dumps(body).encode()
            response.url = URL
            return response

        @pytest.mark.parametrize("make", [httpx_response, requests_response])
        def test_200_is_an_issue_response(ciba_contract, make):
            ciba_contract.assert_valid(make(200, GOOD_OK))
            with pytest.raises(ContractViolation) as info:
                ciba_contract.assert_valid(make(200, {"action": "OK"}))
            assert {"A102", "A103", "A106"} <= info.value.rules
            assert "-> 200" in str(info.value)

        @pytest.mark.parametrize("make", [httpx_response, requests_response])
        @pytest.mark.parametrize("status", [400, 401, 403, 500])
        def test_error_statuses_carry_a_result(ciba_contract, make, status):
            body = {"resultCode": "A001202", "resultMessage": "[A001202] no credentials"}
            ciba_contract.assert_valid(make(status, body))
            with pytest.raises(ContractViolation) as info:
                ciba_contract.assert_valid(make(status, {"resultCode": "A1"}))
            assert info.value.rules == {"A103", "A104"}
            assert info.value.kind == "result"

        def test_other_status_is_a_finding_unless_kind_given(ciba_contract):
            with pytest.raises(ContractViolation) as info:
                ciba_contract.assert_valid(httpx_response(404, GOOD_OK))
            assert info.value.rules == {"H301"}
            assert not isinstance(info.value, UnexpectedResponse)
            assert [f.rule for f in ciba_contract.check(httpx_response(404, GOOD_OK))] == ["H301"]
            ciba_contract.assert_valid(httpx_response(404, GOOD_OK), kind="issue-response")

        def test_assert_valid_result(ciba_contract):
            body = {"resultCode": "A001202", "resultMessage": "[A001202] x"}
            ciba_contract.assert_valid_result(body)
            ciba_contract.assert_valid_result(httpx_response(200, body))
        """
    )
    session.runpytest().assert_outcomes(passed=12)


def test_profile_from_command_line_ini_and_call(session: pytest.Pytester) -> None:
    session.makepyfile(
        """
        import pytest
        from ciba_contracts.violations import ContractViolation
        from payloads import ZERO_INTERVAL

        def test_level(ciba_contract, pytestconfig):
            expected = pytestconfig.getoption("ciba_profile") or pytestconfig.getini("ciba_profile")
            assert ciba_contract.profile.value == expected
            if expected == "ciba":
                with pytest.raises(ContractViolation, match="C203"):
                    ciba_contract.assert_valid(ZERO_INTERVAL)
            else:
                ciba_contract.assert_valid(ZERO_INTERVAL)

        def test_call_overrides(ciba_contract):
            with pytest.raises(ContractViolation, match="at profile ciba"):
                ciba_contract.assert_valid(ZERO_INTERVAL, profile="ciba")
            ciba_contract.assert_valid(ZERO_INTERVAL, profile="ciba", ignore="C203")
        """
    )
    session.runpytest().assert_outcomes(passed=2)
    session.runpytest("--ciba-profile=ciba").assert_outcomes(passed=2)
    session.makeini("[pytest]\nciba_profile = ciba\n")
    session.runpytest().assert_outcomes(passed=2)
    # The command line wins over the ini file.
    session.runpytest("--ciba-profile=authlete").assert_outcomes(passed=2)


def test_select_and_ignore_options(session: pytest.Pytester) -> None:
    session.makepyfile(
        """
        def test_only_selected_rules_fire(ciba_contract):
            findings = ciba_contract.check({"action": "OK"})
            print("RULES", sorted({f.rule for f in findings}))
        """
    )
    selected = session.runpytest("-s", "--ciba-select=A106,A107")
    assert "RULES ['A106', 'A107']" in selected.stdout.str()
    ignored = session.runpytest("-s", "--ciba-ignore=A1")
    assert "RULES []" in ignored.stdout.str()
    session.makeini("[pytest]\nciba_select = A102\n")
    assert "RULES ['A102']" in session.runpytest("-s").stdout.str()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ciba-profile=strictest"], "*ciba-contracts: unknown profile 'strictest'*"),
        (["--ciba-select=Z999"], "*ciba-contracts: no rule matches 'Z999'*"),
        (["--ciba-ignore=nonsense-rule"], "*ciba-contracts: no rule matches 'nonsense-rule'*"),
    ],
)
def test_misspelled_settings_are_usage_errors(
    session: pytest.Pytester, args: list[str], message: str
) -> None:
    session.makepyfile("def test_nothing(): pass")
    result = session.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_plugin_can_be_disabled(session: pytest.Pytester) -> None:
    session.makepyfile("def test_uses_fixture(ciba_contract): pass")
    result = session.runpytest("-p", "no:ciba_contracts")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'ciba_contract' not found*"])
    assert (
        "--ciba-profile" not in session.runpytest("-p", "no:ciba_contracts", "--help").stdout.str()
    )


def test_options_show_in_help(session: pytest.Pytester) -> None:
    result = session.runpytest("--help")
    result.stdout.fnmatch_lines(
        ["*--ciba-profile=LEVEL*", "*--ciba-select=CODES*", "*ciba_profile*"]
    )


def test_session_without_the_fixture_imports_nothing_heavy() -> None:
    # The plugin module is imported by every pytest session; it must not pull
    # in the checker, HTTP clients, hypothesis or schemathesis.
    heavy = [
        "ciba_contracts.testing.checking",
        "ciba_contracts.strategies",
        "ciba_contracts.hooks",
        "hypothesis",
        "httpx",
        "requests",
        "schemathesis",
    ]
    code = textwrap.dedent(
        f"""
        import sys
        import ciba_contracts.testing.pytest_plugin
        print([m for m in {heavy!r} if m in sys.modules])
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


# -- the checker itself, outside pytest ----------------------------------------------------------


def test_checker_matches_the_shared_validator() -> None:
    checker = ContractChecker("ciba")
    assert checker.check(ZERO_INTERVAL) == validate(ZERO_INTERVAL, profile="ciba")
    with pytest.raises(ContractViolation) as info:
        checker.assert_valid(ZERO_INTERVAL)
    assert [f.rule for f in info.value.findings] == ["C203"]
    assert [f.rule for f in info.value.errors] == ["C203"]


def test_assert_violates() -> None:
    checker = ContractChecker()
    findings = checker.assert_violates({"action": "OK"}, "A106", "A107")
    assert {"A106", "A107"} <= {f.rule for f in findings}
    checker.assert_violates({"action": "OK"})
    with pytest.raises(AssertionError, match="expected C203 to fire at profile authlete"):
        checker.assert_violates(ZERO_INTERVAL, "C203")
    with pytest.raises(AssertionError, match="expected any error rule"):
        checker.assert_violates(GOOD_OK)
    with pytest.raises(ValueError, match="unknown rule"):
        checker.assert_violates(GOOD_OK, "X1")


def test_checker_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="unknown profile"):
        ContractChecker("strict")
    with pytest.raises(ValueError, match="no rule matches"):
        ContractChecker(select="Q1")
    with pytest.raises(ValueError, match="unknown kind"):
        ContractChecker().check(GOOD_OK, kind="issue")


def test_violation_survives_pickling() -> None:
    with pytest.raises(ContractViolation) as info:
        ContractChecker().assert_valid({"action": "OK"}, profile="ciba")
    copy = pickle.loads(pickle.dumps(info.value))
    assert copy.findings == info.value.findings
    assert str(copy) == str(info.value)
    assert copy.profile == "ciba"
    unexpected = UnexpectedResponse("status 404", subject="POST /x -> 404")
    again = pickle.loads(pickle.dumps(unexpected))
    assert str(again) == "status 404"
    assert again.subject == "POST /x -> 404"


def test_response_info_reads_streamed_httpx_bodies() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=GOOD_OK)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        url = "http://as.example/api/backchannel/authentication/issue"
        with client.stream("POST", url) as response:
            info = response_info(response)
    assert info.status == 200
    assert info.method == "POST"
    assert info.url == url
    assert info.describe() == f"POST {url} -> 200"
    ContractChecker().assert_valid(info.body)


def test_response_info_without_request() -> None:
    info = response_info(httpx.Response(500, content=b"{}"))
    assert (info.method, info.url, info.describe()) == (None, None, "HTTP 500")
    bare = requests.Response()
    bare.status_code = 401
    assert response_info(bare).body == b""
