"""Property tests of the hypothesis strategies, judged by the shared validator.

Two claims, for every payload rule of the catalog (codes S*, A*, C*):

- ``issue_responses(profile=L)`` never draws a payload with an error finding at L;
- ``invalid_issue_responses(rule=X)`` draws payloads whose error rules at X's
  level are exactly ``{X} | companion_rules(X)``, and with ``profile="ciba"``
  the same holds at the ciba level.

``CIBA_HYPOTHESIS_PROFILE=thorough`` runs thousands of examples per property
instead of the CI defaults.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ciba_contracts import RULES, Action, Profile, Severity, get_validator
from ciba_contracts.contract.schemas import RESULT_FILES, load_schema
from ciba_contracts.strategies import (
    PAYLOAD_RULE_PREFIXES,
    companion_rules,
    invalid_issue_responses,
    invalid_result_objects,
    issue_responses,
    payload_rules,
    result_objects,
)
from ciba_contracts.validate.rule_apis import rules_by_api

# Generation is slower than a tight deadline on a loaded CI machine, and
# payloads with unknown members are legitimately large.
_BASE = settings(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.register_profile("ciba-ci", _BASE, max_examples=200)
settings.register_profile("ciba-thorough", _BASE, max_examples=3000)
_PROFILE = "ciba-thorough" if os.environ.get("CIBA_HYPOTHESIS_PROFILE") == "thorough" else "ciba-ci"
# Applied per test, so loading it does not change other modules' hypothesis settings.
FULL = settings(settings.get_profile(_PROFILE))
# Cross-checks that repeat a property at another level, or for one action, get fewer examples.
LIGHT = settings(FULL, max_examples=max(FULL.max_examples // 4, 25))

LEVELS = [p.value for p in Profile]
ACTIONS = [action.value for action in Action]
#: The issue API's payload rules, as the validator states them (the other APIs' are in
#: test_strategies_family.py).
PAYLOAD_CODES = list(rules_by_api()["issue"])
OTHER_CODES = [code for code in RULES if not code.startswith(PAYLOAD_RULE_PREFIXES)]


def errors(payload: Any, level: str, *, kind: str = "issue-response") -> set[str]:
    return {f.rule for f in get_validator(level, kind=kind).validate(payload) if f.is_error}


def report(payload: Any, level: str, *, kind: str = "issue-response") -> str:
    findings = get_validator(level, kind=kind).validate(payload)
    return "\n".join(str(f) for f in findings) + f"\n{payload!r}"


# -- valid payloads -----------------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
@FULL
@given(data=st.data())
def test_issue_responses_are_valid(level: str, data: st.DataObject) -> None:
    payload = data.draw(issue_responses(profile=level))
    assert isinstance(payload, dict)
    assert not errors(payload, level), report(payload, level)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("level", LEVELS)
@LIGHT
@given(data=st.data())
def test_issue_responses_for_one_action(level: str, action: str, data: st.DataObject) -> None:
    payload = data.draw(issue_responses(action=action, profile=level))
    assert payload["action"] == action
    assert not errors(payload, level), report(payload, level)


@pytest.mark.parametrize("level", LEVELS)
@LIGHT
@given(data=st.data())
def test_result_objects_are_valid(level: str, data: st.DataObject) -> None:
    payload = data.draw(result_objects(profile=level))
    assert not errors(payload, level, kind="result"), report(payload, level, kind="result")


@LIGHT
@given(payload=issue_responses(profile="ciba", unknown_members=False))
def test_without_unknown_members(payload: dict[str, Any]) -> None:
    known = set(load_schema("issue-response.sdk.json")["properties"])
    assert set(payload) <= known


def _body(payload: dict[str, Any]) -> Any:
    return json.loads(payload["responseContent"])


_SDK_MEMBERS = set(load_schema("issue-response.sdk.json")["properties"])
_ACK_MEMBERS = set(load_schema("ciba-acknowledgement.json")["properties"])

VARIETY = {
    "OK without interval": lambda p: p["action"] == "OK" and "interval" not in p,
    "OK with interval": lambda p: p["action"] == "OK" and "interval" in p,
    "INTERNAL_SERVER_ERROR": lambda p: p["action"] == "INTERNAL_SERVER_ERROR",
    "INVALID_TICKET without content": lambda p: (
        p["action"] == "INVALID_TICKET" and "responseContent" not in p
    ),
    "INVALID_TICKET with content": lambda p: (
        p["action"] == "INVALID_TICKET" and "responseContent" in p
    ),
    "error action carrying expiresIn": lambda p: p["action"] != "OK" and "expiresIn" in p,
    "unknown member": lambda p: bool(set(p) - _SDK_MEMBERS),
    "unknown member in the acknowledgement": lambda p: (
        p["action"] == "OK" and bool(set(_body(p)) - _ACK_MEMBERS)
    ),
    "optional error_description": lambda p: (
        p["action"] == "INTERNAL_SERVER_ERROR" and "error_description" in _body(p)
    ),
    # Result codes come from Authlete's table, with their documented messages.
    "a ticket error code (A1812xx)": lambda p: (
        p["action"] == "INVALID_TICKET" and p["resultCode"].startswith("A1812")
    ),
    "indented responseContent": lambda p: "\n" in p.get("responseContent", ""),
    "resultCode other than A000000": lambda p: p["resultCode"] != "A000000",
}
SDK_VARIETY = {
    "no action": lambda p: "action" not in p,
    "no resultCode": lambda p: "resultCode" in p and "resultMessage" not in p,
    "sdk-valid but authlete-invalid": lambda p: bool(errors(p, "authlete")),
}


def _features(strategy: st.SearchStrategy[Any], checks: dict[str, Any], examples: int) -> set[str]:
    """Names of the features seen among ``examples`` drawn payloads (no shrinking)."""
    seen: set[str] = set()

    @settings(
        _BASE, max_examples=examples, phases=[Phase.generate], database=None, derandomize=True
    )
    @given(strategy)
    def collect(payload: Any) -> None:
        seen.update(name for name, check in checks.items() if check(payload))

    collect()
    return seen


def test_issue_responses_vary() -> None:
    assert _features(issue_responses(profile="ciba"), VARIETY, 400) == set(VARIETY)
    assert _features(issue_responses(profile="sdk"), SDK_VARIETY, 300) == set(SDK_VARIETY)


def test_authlete_level_allows_what_ciba_does_not() -> None:
    # interval 0 (as Authlete's own example) and short or non-CIBA auth_req_id values.
    checks = {code: (lambda p, code=code: code in errors(p, "ciba")) for code in RULES}
    seen = _features(issue_responses(action="OK", profile="authlete"), checks, 400)
    assert seen == {"C201", "C202", "C203"}


# -- payloads breaking one rule -----------------------------------------------------------------


def _expected(code: str, level: str | None) -> set[str]:
    return {code} | set(companion_rules(code, profile=level))


def _assert_breaks_exactly(
    code: str, payload: Any, level: str, *, kind: str = "issue-response"
) -> None:
    findings = get_validator(level, kind=kind).validate(payload)
    if RULES[code].severity is Severity.WARNING:
        # A warning rule: valid, with that warning and nothing else.
        assert {f.rule for f in findings} == {code}, report(payload, level, kind=kind)
        assert not any(f.is_error for f in findings)
        return
    got = {f.rule for f in findings if f.is_error}
    assert got == _expected(code, level), report(payload, level, kind=kind)


@pytest.mark.parametrize("code", PAYLOAD_CODES)
@FULL
@given(data=st.data())
def test_invalid_issue_responses_break_exactly_that_rule(code: str, data: st.DataObject) -> None:
    level = RULES[code].level.value
    payload = data.draw(invalid_issue_responses(rule=code))
    _assert_breaks_exactly(code, payload, level)


@pytest.mark.parametrize("code", [c for c in PAYLOAD_CODES if RULES[c].level is not Profile.CIBA])
@LIGHT
@given(data=st.data())
def test_invalid_issue_responses_at_the_ciba_level(code: str, data: st.DataObject) -> None:
    payload = data.draw(invalid_issue_responses(rule=code, profile="ciba"))
    _assert_breaks_exactly(code, payload, "ciba")


RESULT_CODES = payload_rules("result")


@pytest.mark.parametrize("code", RESULT_CODES)
@LIGHT
@given(data=st.data())
def test_invalid_result_objects_break_exactly_that_rule(code: str, data: st.DataObject) -> None:
    payload = data.draw(invalid_result_objects(rule=code))
    _assert_breaks_exactly(code, payload, RULES[code].level.value, kind="result")


def test_every_payload_rule_has_a_strategy() -> None:
    assert payload_rules() == tuple(PAYLOAD_CODES)


def test_result_rules_are_those_the_result_schema_names() -> None:
    def annotated(node: Any) -> set[str]:
        found: set[str] = set()
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "x-ciba-rule":
                    found |= {value} if isinstance(value, str) else set(value.values())
                else:
                    found |= annotated(value)
        elif isinstance(node, list):
            for value in node:
                found |= annotated(value)
        return found

    named: set[str] = set()
    for name in set(RESULT_FILES.values()):
        named |= annotated(load_schema(name))
    # Plus the two relations the validator checks in code on any such object.
    assert set(RESULT_CODES) == named | {"S001", "A105"}


def test_companions() -> None:
    assert companion_rules("C204") == {"A112"}
    assert companion_rules("C204", profile="ciba") == {"A112"}
    for code in PAYLOAD_CODES:
        if code != "C204":
            assert companion_rules(code) == frozenset(), code


@given(payload=invalid_issue_responses(rule="S001"))
@LIGHT
def test_not_json_payloads_are_text(payload: Any) -> None:
    assert isinstance(payload, bytes | str)


@given(payload=invalid_issue_responses(rule="S002"))
@LIGHT
def test_not_object_payloads(payload: Any) -> None:
    assert not isinstance(payload, dict)
    if isinstance(payload, str):
        # A str payload is JSON text, as the validator reads it.
        json.loads(payload)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown rule"):
        invalid_issue_responses(rule="H001")
    with pytest.raises(ValueError, match="belongs to the ciba level"):
        invalid_issue_responses(rule="C201", profile="authlete")
    with pytest.raises(ValueError, match="unknown action"):
        issue_responses(action="ISSUED")
    with pytest.raises(ValueError, match="does not apply"):
        invalid_result_objects(rule="S005")
    with pytest.raises(ValueError, match="unknown profile"):
        issue_responses(profile="strict")


@pytest.mark.skipif(not OTHER_CODES, reason="the catalog has only payload rules")
@pytest.mark.parametrize("code", OTHER_CODES or ["-"])
def test_non_payload_rules_are_out_of_scope(code: str) -> None:
    with pytest.raises(ValueError, match="not about the payload"):
        invalid_issue_responses(rule=code)
