"""The strategies of every API of the family, judged by the shared validator.

For each API (authentication, issue, fail, complete):

- ``responses(api=A, profile=L)`` never draws a payload with a finding at L,
  and its result code is one Authlete documents for the action, with its
  documented message (the issue API included, whether or not the validator
  holds its codes to the table yet);
- ``invalid_responses(rule=X, api=A)`` draws payloads whose error rules at X's
  level, and at the ciba level, are exactly ``{X} | companion_rules(X)`` (a
  warning rule: that warning and no other finding);
- every payload rule that holds for the API can be broken, but those the
  vendor's table leaves no way to break.

Few examples per property (the issue API's own file runs many): these are many
properties, and generating a nested authentication answer costs more.
``CIBA_HYPOTHESIS_PROFILE=thorough`` runs 300 each.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ciba_contracts import RULES, Profile, Severity, validate
from ciba_contracts.contract.result_codes import check_result_code, message_matches
from ciba_contracts.strategies import (
    companion_rules,
    invalid_responses,
    payload_rules,
    responses,
)
from ciba_contracts.validate.engine import kind_of_api
from ciba_contracts.validate.kinds import facts_of
from ciba_contracts.validate.rule_apis import rules_by_api

APIS = ("authentication", "issue", "fail", "complete")
LEVELS = [p.value for p in Profile]
_BASE = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# CIBA_HYPOTHESIS_PROFILE=thorough (as for test_strategies.py) runs many more.
FEW = settings(
    _BASE, max_examples=300 if os.environ.get("CIBA_HYPOTHESIS_PROFILE") == "thorough" else 12
)
#: Payload rules of an API that no payload can break, and why.
UNBREAKABLE = {
    # The fail API has one code, A185001, and it goes with every action.
    ("fail", "A192"),
}
RULE_CASES = [(api, code) for api in APIS for code in payload_rules(api=api)]


def _findings(payload: Any, api: str, level: str) -> list[str]:
    return [str(f) for f in validate(payload, api=api, profile=level)]


def _actions(api: str) -> tuple[str, ...]:
    return facts_of(kind_of_api(api)).actions


# -- valid payloads -----------------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("api", APIS)
@FEW
@given(data=st.data())
def test_responses_are_valid(api: str, level: str, data: st.DataObject) -> None:
    payload = data.draw(responses(api, level))
    assert isinstance(payload, dict)
    assert _findings(payload, api, level) == [], payload


@pytest.mark.parametrize(("api", "action"), [(a, act) for a in APIS for act in _actions(a)])
@FEW
@given(data=st.data())
def test_responses_for_one_action(api: str, action: str, data: st.DataObject) -> None:
    level = data.draw(st.sampled_from(LEVELS))
    payload = data.draw(responses(api, level, action=action, unknown_members=False))
    assert payload["action"] == action
    assert _findings(payload, api, level) == [], payload


@pytest.mark.parametrize("api", APIS)
@FEW
@given(data=st.data())
def test_result_codes_are_the_documented_ones(api: str, data: st.DataObject) -> None:
    payload = data.draw(responses(api, data.draw(st.sampled_from(["authlete", "ciba"]))))
    code, message = payload["resultCode"], payload["resultMessage"]
    assert message_matches(code, message), payload
    assert check_result_code(api, payload) == [], payload


def _seen(api: str, level: str, checks: dict[str, Any], examples: int) -> set[str]:
    """Names of the checks some of ``examples`` drawn payloads pass (no shrinking)."""
    seen: set[str] = set()

    @settings(_BASE, max_examples=examples, phases=[Phase.generate], derandomize=True)
    @given(responses(api, level))
    def collect(payload: dict[str, Any]) -> None:
        seen.update(name for name, check in checks.items() if check(payload))

    collect()
    return seen


def _body(payload: dict[str, Any]) -> dict[str, Any]:
    """The ``responseContent`` document, or {} (absent, free text, no object)."""
    try:
        body = json.loads(payload.get("responseContent") or "null")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _elements(payload: dict[str, Any]) -> list[Any]:
    details = payload.get("authorizationDetails")
    return details.get("elements") or [] if isinstance(details, dict) else []


AUTHENTICATION_VARIETY = {
    "openid among several scopes": lambda p: (
        p["action"] == "USER_IDENTIFICATION"
        and len(p.get("scopes", [])) > 1
        and any(isinstance(s, dict) and s.get("name") == "openid" for s in p["scopes"])
    ),
    "a PING or PUSH delivery with its notification token": lambda p: (
        p.get("deliveryMode") in ("PING", "PUSH") and "clientNotificationToken" in p
    ),
    "an ID token hint and its sub": lambda p: p.get("hintType") == "ID_TOKEN_HINT" and "sub" in p,
    "a user code required": lambda p: p.get("userCodeRequired") is True and "userCode" in p,
    "authorization details with a typed element": lambda p: any(
        isinstance(e, dict) and "type" in e for e in _elements(p)
    ),
    "a grant": lambda p: isinstance(p.get("grant"), dict),
    "client attributes": lambda p: bool(p.get("clientAttributes")),
    "a CIBA error in the content": lambda p: p["action"] == "BAD_REQUEST" and "error" in _body(p),
}
COMPLETE_VARIETY = {
    "a push notification with tokens": lambda p: (
        p.get("deliveryMode") == "PUSH" and "access_token" in _body(p)
    ),
    "a push notification with an error": lambda p: (
        p.get("deliveryMode") == "PUSH" and "error" in _body(p)
    ),
    "a ping notification": lambda p: p.get("deliveryMode") == "PING" and "responseContent" in p,
    "a notification without a delivery mode": lambda p: (
        p["action"] == "NOTIFICATION" and "deliveryMode" not in p
    ),
    "NO_ACTION in poll mode": lambda p: p["action"] == "NO_ACTION" and "deliveryMode" in p,
    "a placeholder filled in the message": lambda p: p["resultCode"] in ("A198001", "A198002"),
}


def test_authentication_responses_vary() -> None:
    assert _seen("authentication", "ciba", AUTHENTICATION_VARIETY, 150) == set(
        AUTHENTICATION_VARIETY
    )


def test_complete_responses_vary() -> None:
    assert _seen("complete", "ciba", COMPLETE_VARIETY, 150) == set(COMPLETE_VARIETY)


def test_push_tokens_repeat_the_fields() -> None:
    # The tokens the push document mirrors (access_token is not: see the schema's $comment).
    pairs = (("refresh_token", "refreshToken"), ("id_token", "idToken"))

    def equal(p: dict[str, Any]) -> list[bool]:
        if p.get("deliveryMode") != "PUSH":
            return []
        body = _body(p)
        return [body[m] == p.get(f) for m, f in pairs if m in body]

    checks = {
        "repeated": lambda p: bool(equal(p)) and all(equal(p)),
        "not repeated": lambda p: not all(equal(p)),
    }
    assert _seen("complete", "authlete", checks, 150) == {"repeated"}


@FEW
@given(payload=responses("complete", "ciba", action="NOTIFICATION"))
def test_ping_notifications_hold_nothing_else(payload: dict[str, Any]) -> None:
    if payload.get("deliveryMode") == "PING":
        assert set(_body(payload)) == {"auth_req_id"}


# -- payloads breaking one rule -----------------------------------------------------------------


def _assert_breaks_exactly(api: str, code: str, payload: Any, level: str) -> None:
    findings = validate(payload, api=api, profile=level)
    shown = "\n".join(str(f) for f in findings) + f"\n{payload!r}"
    if RULES[code].severity is Severity.WARNING:
        assert {f.rule for f in findings} == {code}, shown
        return
    expected = {code} | set(companion_rules(code, api=api, profile=level))
    assert {f.rule for f in findings if f.is_error} == expected, shown


@pytest.mark.parametrize(("api", "code"), RULE_CASES, ids=[f"{a}-{c}" for a, c in RULE_CASES])
@FEW
@given(data=st.data())
def test_invalid_responses_break_exactly_that_rule(
    api: str, code: str, data: st.DataObject
) -> None:
    own = RULES[code].level.value
    level = data.draw(st.sampled_from(sorted({own, "ciba"})))
    payload = data.draw(invalid_responses(code, api=api, profile=level))
    _assert_breaks_exactly(api, code, payload, level)


@pytest.mark.parametrize("api", APIS)
def test_every_rule_of_the_api_has_a_strategy(api: str) -> None:
    breakable = set(payload_rules(api=api))
    assert breakable <= set(rules_by_api()[api])
    assert set(rules_by_api()[api]) - breakable == {c for a, c in UNBREAKABLE if a == api}


def test_the_result_code_rules_are_broken_where_the_table_is_checked() -> None:
    codes = {"A190", "A191", "A192", "A193", "A194"}
    for api in APIS:
        held = codes & set(rules_by_api()[api])
        assert codes & set(payload_rules(api=api)) == held - {c for a, c in UNBREAKABLE if a == api}


def test_rules_of_other_apis_are_refused() -> None:
    with pytest.raises(ValueError, match="does not apply"):
        invalid_responses("A106", api="fail")
    with pytest.raises(ValueError, match="does not apply"):
        invalid_responses("A124", api="complete")
    with pytest.raises(ValueError, match="unknown API"):
        responses("token")
    with pytest.raises(ValueError, match="unknown action"):
        responses("fail", action="OK")


def test_kind_and_api_name_the_same_rules() -> None:
    assert payload_rules(api="issue") == payload_rules() == payload_rules("issue-response")
    assert payload_rules("complete-response") == payload_rules(api="complete")
    with pytest.raises(ValueError, match="is not the answer of"):
        payload_rules("result", api="fail")
    assert companion_rules("C204", api="issue") == {"A112"}
