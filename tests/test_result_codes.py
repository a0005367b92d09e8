"""Authlete's result codes: the extracted table, the families data, and rules A190-A194.

The table in ``schemas/`` must be exactly what ``scripts/extract_result_codes.py``
extracts from the vendor's API Explorer specification, which sits beside the
checkout (``shared/reference/``, in CI too): a missing reference is a failure,
not a skip.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
import pytest

from builders import error, ok
from ciba_contracts import validate
from ciba_contracts.contract import RULES
from ciba_contracts.contract.result_codes import (
    api_codes,
    check_result_code,
    documented_message,
    message_matches,
)
from ciba_contracts.contract.schemas import load_schema

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = "authlete-api-explorer-3.0.0.json"
OK_MESSAGE = "[A183001] An auth_req_id was issued successfully."
SDK_FILES = {
    "authentication": "authentication-response.sdk.json",
    "issue": "issue-response.sdk.json",
    "fail": "fail-response.sdk.json",
    "complete": "complete-response.sdk.json",
}


@functools.cache
def _script() -> ModuleType:
    path = ROOT / "scripts" / "extract_result_codes.py"
    spec = importlib.util.spec_from_file_location("extract_result_codes", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _reference() -> Path:
    found = _script().find_reference()
    if found is None:
        pytest.fail(
            f"the vendor reference shared/reference/{REFERENCE} is not beside the checkout "
            f"(looked in every folder above {ROOT}); the result-code table cannot be checked"
        )
    assert isinstance(found, Path)
    return found


def test_the_table_is_what_the_script_extracts_from_the_reference() -> None:
    reference = json.loads(_reference().read_text(encoding="utf-8"))
    expected = _script().render(_script().extract(reference))
    current = (ROOT / "schemas" / "authlete-result-codes.json").read_text(encoding="utf-8")
    assert current == expected, "run scripts/extract_result_codes.py"


def test_the_table_names_its_source_as_the_reference_readme_does() -> None:
    doc = load_schema("authlete-result-codes.json")
    source = doc["x-ciba-source"]
    readme = (_reference().parent / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if REFERENCE in line)
    assert f"{source['repository']} @ {source['commit']}" in row
    assert source["path"] in row
    assert doc["x-ciba-result-code-count"] == len(doc["x-ciba-result-codes"]) == 1716


def test_the_script_refuses_a_reference_without_the_table(tmp_path: Path) -> None:
    bad = tmp_path / "spec.json"
    bad.write_text('{"components": {}}', encoding="utf-8")
    assert _script().main([str(bad), "--check"]) == 2
    assert _script().main([str(_reference()), "--check"]) == 0


# -- the families data --------------------------------------------------------------------


def test_every_api_of_the_openapi_document_has_families() -> None:
    assert set(api_codes()) == set(SDK_FILES)


@pytest.mark.parametrize("api", sorted(SDK_FILES))
def test_the_actions_are_the_published_enum(api: str) -> None:
    enum = load_schema(SDK_FILES[api])["properties"]["action"]["enum"]
    assert sorted(api_codes()[api].parties) == sorted(enum)


@pytest.mark.parametrize("api", sorted(SDK_FILES))
def test_every_named_code_and_pattern_is_documented(api: str) -> None:
    codes = load_schema("authlete-result-codes.json")["x-ciba-result-codes"]
    facts = api_codes()[api]
    patterns = [*facts.code_actions, *(c for cs in facts.action_codes.values() for c in cs)]
    for pattern in patterns:
        regex = re.compile(pattern.replace("x", "[0-9]") + "$")
        assert any(regex.match(code) for code in codes), pattern
    for family in facts.families:
        assert any(code.startswith(family) for code in codes), family
    for actions in facts.code_actions.values():
        assert set(actions) <= set(facts.parties)


def test_the_issue_apis_facts_are_the_issues() -> None:
    issue = api_codes()["issue"]
    assert issue.code_actions["A1812xx"] == ("INVALID_TICKET",)
    assert issue.action_codes["OK"] == ("A183001",)


# -- messages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "message", "matches"),
    [
        ("A183001", OK_MESSAGE, True),
        ("A183001", OK_MESSAGE + " ", True),
        ("A183001", "[A183001] An auth_req_id was issued.", False),
        ("A001201", "[A001201] /auth/authorization, TLS must be used.", True),
        ("A001215", "[A001215] /auth/authorization, The client (ID = 1234) is locked.", True),
        ("A001215", "[A001215] /auth/authorization, The client is locked.", False),
        (
            "A168310",
            "[A168310] Information about the client application having the "
            "client ID 'abc' was not found.",
            True,
        ),
        ("A181201", "[A181201] The ticket does not exist.", True),
        ("A181201", "[A181202] The ticket does not exist.", False),
        ("Z999999", "[Z999999] anything", False),
    ],
)
def test_messages_match_with_their_placeholders(code: str, message: str, matches: bool) -> None:
    assert message_matches(code, message) is matches


def test_documented_message() -> None:
    assert documented_message("A181205") == (
        "The ticket has already been used to issue an auth_req_id by the previous API call."
    )
    assert documented_message("A183301") is None


# -- the rules: each fires, and stays quiet on a near miss ---------------------------------


def _answer(code: str, action: str | None = None, text: str | None = None) -> dict[str, Any]:
    message = documented_message(code) or "Made up."
    payload: dict[str, Any] = {"resultCode": code, "resultMessage": f"[{code}] {text or message}"}
    if action is not None:
        payload["action"] = action
    return payload


def _rules(api: str, payload: dict[str, Any]) -> set[str]:
    names = {name for name, _, _ in check_result_code(api, payload)}
    return {code for code, rule in RULES.items() if rule.name in names}


#: code -> (api, firing payload, near miss)
CASES: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "A190": ("issue", _answer("A183301", "INVALID_TICKET"), _answer("A181201", "INVALID_TICKET")),
    "A191": (
        "issue",
        _answer("A181203", "INVALID_TICKET", "The ticket has expired."),
        _answer("A181203", "INVALID_TICKET"),
    ),
    "A192": ("issue", _answer("A181204", "OK"), _answer("A181204", "INVALID_TICKET")),
    "A193": (
        "authentication",
        _answer("A176301", "INTERNAL_SERVER_ERROR"),
        _answer("A176301", "BAD_REQUEST"),
    ),
    "A194": ("complete", _answer("A183001", "NO_ACTION"), _answer("A198001", "NO_ACTION")),
}


def test_every_result_code_rule_has_a_case() -> None:
    from test_rules import RESULT_CODE_RULES

    assert set(CASES) == RESULT_CODE_RULES


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_fires(code: str) -> None:
    api, fire, _ = CASES[code]
    problems = check_result_code(api, fire)
    mine = [p for p in problems if p[0] == RULES[code].name]
    assert mine, problems
    _name, pointer, context = mine[0]
    assert pointer in {"/resultCode", "/resultMessage"}
    message = RULES[code].render(context)
    assert "?" not in message, message


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_stays_quiet_on_a_near_miss(code: str) -> None:
    api, _, quiet = CASES[code]
    assert code not in _rules(api, quiet)


@pytest.mark.parametrize(
    ("api", "payload"),
    [
        ("issue", _answer("A183001", "OK")),
        ("issue", _answer("A181205", "INVALID_TICKET")),
        ("issue", _answer("A182201", "INVALID_TICKET")),
        ("issue", _answer("A182101", "INTERNAL_SERVER_ERROR")),
        ("authentication", _answer("A179001", "USER_IDENTIFICATION")),
        ("authentication", _answer("A174301", "BAD_REQUEST")),
        ("fail", _answer("A185001", "FORBIDDEN")),
        ("fail", _answer("A185001", "INTERNAL_SERVER_ERROR")),
        (
            "complete",
            _answer(
                "A198001",
                "NO_ACTION",
                "Successfully updated the database so "
                "that the token endpoint can generate tokens (mode = poll, result = AUTHORIZED).",
            ),
        ),
        (
            "complete",
            _answer(
                "A198003",
                "NOTIFICATION",
                "Successfully generated tokens that are to be delivered to the client "
                "notification endpoint (mode = push, result = AUTHORIZED).",
            ),
        ),
        ("complete", _answer("A196201", "SERVER_ERROR")),
        # A result object (no action) of any API: the generic families are nobody's.
        (
            "fail",
            _answer("A001201", None, "/api/backchannel/authentication/fail, TLS must be used."),
        ),
    ],
)
def test_documented_answers_are_quiet(api: str, payload: dict[str, Any]) -> None:
    assert check_result_code(api, payload) == []


@pytest.mark.parametrize(
    ("api", "payload", "rule"),
    [
        ("issue", _answer("A183001", "INVALID_TICKET"), "A192"),
        ("issue", _answer("A182201", "OK"), "A192"),
        ("authentication", _answer("A179001", "BAD_REQUEST"), "A192"),
        ("authentication", _answer("A174301", "USER_IDENTIFICATION"), "A192"),
        ("complete", _answer("A198003", "NO_ACTION"), "A192"),
        ("complete", _answer("A196201", "NO_ACTION"), "A193"),
        ("fail", _answer("A181201", "BAD_REQUEST"), "A194"),
    ],
)
def test_family_fits_the_action(api: str, payload: dict[str, Any], rule: str) -> None:
    assert rule in _rules(api, payload)


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"resultCode": 183001},
        {"resultCode": "A18300"},
        {"resultCode": "A183001", "action": 1},
        # JSON Schema's "$" is the end of the text: A104 reports this code, and it alone.
        {"resultCode": "A183001\n", "resultMessage": "[A183001\n] x", "action": "OK"},
    ],
)
def test_missing_or_malformed_codes_are_left_to_the_schema_rules(payload: dict[str, Any]) -> None:
    assert check_result_code("issue", payload) == []


def test_a_message_without_its_prefix_is_a105s_not_a191s() -> None:
    payload = {"resultCode": "A183001", "resultMessage": "An auth_req_id was issued successfully."}
    assert check_result_code("issue", payload) == []


def test_an_unknown_api_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown API 'nope'"):
        check_result_code("nope", {})


def test_the_rules_are_authlete_level_with_the_documented_severities() -> None:
    severities = {code: RULES[code].severity.value for code in CASES}
    assert severities == {
        "A190": "warning",
        "A191": "warning",
        "A192": "error",
        "A193": "warning",
        "A194": "warning",
    }
    assert {RULES[code].level.value for code in CASES} == {"authlete"}


# -- the issue API's validator holds its answers to the table -------------------------------


def _issue(code: str, action: str = "OK", text: str | None = None) -> dict[str, Any]:
    message = f"[{code}] {text if text is not None else documented_message(code) or 'Made up.'}"
    if action == "OK":
        return ok(resultCode=code, resultMessage=message)
    return error(action, code=code, text=message.split("] ", 1)[1])


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (ok(), set()),
        (error("INVALID_TICKET"), set()),
        (_issue("A181205", "INVALID_TICKET"), set()),
        (
            _issue("A183001", text="/api/backchannel/authentication/issue, " + OK_MESSAGE[10:]),
            set(),
        ),
        (_issue("A183002"), {"A190", "A192"}),
        (_issue("A183301", "INVALID_TICKET"), {"A190", "A193"}),
        (_issue("A181203", "INVALID_TICKET", "The ticket has expired."), {"A191"}),
        (_issue("A181204"), {"A192"}),
        (_issue("A182101", "INVALID_TICKET"), {"A192"}),
        (_issue("A185001", "INVALID_TICKET"), {"A193", "A194"}),
        # The code's findings stand beside A105's: the message lacks its prefix.
        (ok(resultCode="A183002", resultMessage=OK_MESSAGE[10:]), {"A105", "A190", "A192"}),
        (ok(resultMessage=OK_MESSAGE[10:]), {"A105"}),
    ],
)
def test_the_issue_validator_holds_codes_to_the_table(
    payload: dict[str, Any], expected: set[str]
) -> None:
    body = orjson.dumps(payload)
    for level in ("authlete", "ciba"):
        # The parsed object takes the exact path, the body the accept path: same findings,
        # also when the second call reads what the first one cached.
        exact = validate(payload, profile=level)
        assert {f.rule for f in exact} == expected
        for _ in range(2):
            found = validate(body, profile=level)
            assert found == exact
            found.clear()
    assert validate(body, profile="sdk") == []
    assert validate(body, profile="ciba", ignore=sorted(expected)) == []


def test_a_selection_never_sees_another_selections_cached_findings() -> None:
    # The accept and direct paths keep each result message's findings; every checker bound
    # from their generated source has caches of its own, so a validator ignoring a rule
    # never gets the findings another validator kept for the same message.
    body = orjson.dumps(error("INVALID_TICKET", "A183301"))
    fired = [f.rule for f in validate(body, "authlete")]
    assert "A190" in fired
    assert "A190" not in [f.rule for f in validate(body, "authlete", ignore="A190")]
    assert [f.rule for f in validate(body, "authlete")] == fired
    assert "A190" in [f.rule for f in validate(body, "authlete", select="A190")]
