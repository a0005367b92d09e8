"""The rule catalog: its integrity, rule selection, and every rule firing and staying quiet.

Every payload rule (S, A, C) has a row in ``TABLE``: a payload that makes it fire
(with the place it must point at) and a near miss that must keep it quiet. A
rule added to the catalog without a row fails ``test_every_payload_rule_has_a_row``.
"""

from __future__ import annotations

import copy
import json
import re
import string
from dataclasses import dataclass
from typing import Any

import pytest

from builders import ABSENT, ID, ack, error, ok
from ciba_contracts import validate
from ciba_contracts.contract import RULES, Profile, Severity, UnknownRuleError, enabled_rules
from ciba_contracts.contract.schemas import rules_document
from family_cases import FAMILY_SCHEMA_RULES

OTHER_ID = "4mZ8qL0vT1xYb7Rk2Nw9Cd3Hs6Pf5Jg8Ua1Ve0Qi7Oc"
LEVELS = (Profile.SDK, Profile.AUTHLETE, Profile.CIBA)
#: Rules that judge a payload. Other prefixes (H for HTTP exchanges, I for
#: unreadable inputs) judge things a payload alone cannot show and are tested
#: where those inputs are read.
PAYLOAD_PREFIXES = ("S", "A", "C")
PLACEHOLDERS = {"member", "field", "value", "expected", "actual", "detail"}
#: Rules checked by ciba_contracts.contract.result_codes (tested in test_result_codes).
RESULT_CODE_RULES = frozenset({"A190", "A191", "A192", "A193", "A194"})


SERVER_ERROR = '{"error":"server_error","error_description":"Authlete failed."}'
QUOTED = json.dumps({"error": "server_error", "error_description": 'ticket "x"'})
SINGLE_QUOTED = json.dumps({"error": "server_error", "error_description": "ticket 'x'"})


@dataclass(frozen=True)
class Row:
    fire: Any
    level: Profile
    pointer: str
    content_pointer: str | None
    quiet: Any
    quiet_level: Profile | None = None


def _same_ack(auth_req_id: str) -> dict[str, Any]:
    return ok(authReqId=auth_req_id, responseContent=ack(auth_req_id))


SDK, AUTHLETE, CIBA = LEVELS
TABLE: dict[str, Row] = {
    "S001": Row(b'{"action": "OK"', SDK, "", None, b'{"action": "OK"}'),
    "S002": Row(b'["OK"]', SDK, "", None, b"{}"),
    "S003": Row(ok(expiresIn="3600"), SDK, "/expiresIn", None, ok(expiresIn=3600.0)),
    "S004": Row(
        ok(expiresIn=2**31, responseContent=ack(expires_in=2**31)),
        SDK,
        "/expiresIn",
        None,
        ok(expiresIn=2**31 - 1, responseContent=ack(expires_in=2**31 - 1)),
    ),
    "S005": Row(ok(action="Ok"), SDK, "/action", None, ok()),
    "A101": Row(ok(action=ABSENT), AUTHLETE, "/action", None, ok()),
    "A102": Row(ok(resultCode=ABSENT), AUTHLETE, "/resultCode", None, ok()),
    "A103": Row(ok(resultMessage=ABSENT), AUTHLETE, "/resultMessage", None, ok()),
    "A104": Row(
        ok(resultCode="A18300", resultMessage="[A18300] x"),
        AUTHLETE,
        "/resultCode",
        None,
        ok(resultCode="Z999999", resultMessage="[Z999999] x"),
    ),
    "A105": Row(
        ok(resultMessage="[A183002] x"),
        AUTHLETE,
        "/resultMessage",
        None,
        ok(resultMessage="[A183001]"),
    ),
    "A106": Row(ok(authReqId=ABSENT), AUTHLETE, "/authReqId", None, error("INVALID_TICKET")),
    "A107": Row(ok(expiresIn=ABSENT), AUTHLETE, "/expiresIn", None, error("INVALID_TICKET")),
    "A108": Row(
        ok(responseContent=ABSENT), AUTHLETE, "/responseContent", None, error("INVALID_TICKET")
    ),
    "A109": Row(
        ok(expiresIn=0, responseContent=ack(expires_in=0)),
        AUTHLETE,
        "/expiresIn",
        None,
        error("INTERNAL_SERVER_ERROR", expiresIn=0, responseContent=SERVER_ERROR),
    ),
    "A110": Row(
        ok(interval=-1, responseContent=ack(interval=-1)),
        AUTHLETE,
        "/interval",
        None,
        ok(interval=0, responseContent=ack(interval=0)),
    ),
    "A111": Row(
        ok(responseContent=ack().replace('"', '\\"')),
        AUTHLETE,
        "/responseContent",
        None,
        ok(responseContent=" " + ack() + "\n"),
    ),
    "A112": Row(
        ok(responseContent=ack(OTHER_ID)),
        AUTHLETE,
        "/responseContent",
        "/auth_req_id",
        ok(responseContent=json.dumps({"interval": 5, "expires_in": 3600, "auth_req_id": ID})),
    ),
    "A113": Row(
        ok(responseContent='"queued"'),
        AUTHLETE,
        "/responseContent",
        "",
        ok(responseContent=ack()),
    ),
    "A114": Row(
        error("INTERNAL_SERVER_ERROR"),
        AUTHLETE,
        "/responseContent",
        None,
        error("INVALID_TICKET"),
    ),
    "A115": Row(
        error("INVALID_TICKET", responseContent='{"error_code":"expired"}'),
        AUTHLETE,
        "/responseContent",
        "/error",
        error("INVALID_TICKET", responseContent='{"error":"expired_token"}'),
    ),
    "A116": Row(
        error(
            "INTERNAL_SERVER_ERROR",
            responseContent=json.dumps(
                {"error": "server_error", "error_description": 'ticket "x"'}
            ),
        ),
        AUTHLETE,
        "/responseContent",
        "/error_description",
        error(
            "INTERNAL_SERVER_ERROR",
            responseContent=json.dumps(
                {"error": "server_error", "error_description": "ticket 'x'"}
            ),
        ),
    ),
    "C201": Row(_same_ack("a" * 22 + "+b"), CIBA, "/authReqId", None, _same_ack("a" * 22 + "-b")),
    "C202": Row(_same_ack("a" * 21), CIBA, "/authReqId", None, _same_ack("a" * 22)),
    "C203": Row(
        ok(interval=0, responseContent=ack(interval=0)),
        CIBA,
        "/interval",
        None,
        ok(interval=1, responseContent=ack(interval=1)),
    ),
    "C204": Row(
        ok(responseContent=ack(expires_in=0)),
        CIBA,
        "/responseContent",
        "/expires_in",
        # Equal to expiresIn: A109 says it at /expiresIn, C204 stays quiet.
        ok(expiresIn=0, responseContent=ack(expires_in=0)),
    ),
}


# -- the catalog -------------------------------------------------------------------


def test_catalog_codes_are_unique_and_well_formed() -> None:
    codes = [str(raw["code"]) for raw in rules_document()["rules"]]
    assert len(codes) == len(set(codes))
    assert list(RULES) == codes
    for code in codes:
        assert re.fullmatch(r"[A-Z][0-9]{3}", code), code


def test_catalog_names_are_unique_kebab_case() -> None:
    names = [rule.name for rule in RULES.values()]
    assert len(names) == len(set(names))
    for name in names:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), name


@pytest.mark.parametrize("code", list(RULES))
def test_rule_is_documented(code: str) -> None:
    rule = RULES[code]
    assert rule.code == code
    for text in (rule.name, rule.message, rule.summary, rule.doc):
        assert text.strip()
    assert "\n" not in rule.message
    assert "\n" not in rule.summary.strip()
    assert isinstance(rule.severity, Severity)
    assert isinstance(rule.level, Profile)
    assert rule.references
    for reference in rule.references:
        assert reference.title.strip()
        assert reference.url.startswith("https://"), reference.url


@pytest.mark.parametrize("code", list(RULES))
def test_rule_message_uses_only_documented_placeholders(code: str) -> None:
    fields = {name for _, name, _, _ in string.Formatter().parse(RULES[code].message) if name}
    assert fields <= PLACEHOLDERS


@pytest.mark.parametrize("code", list(RULES))
def test_rule_format_fills_or_marks_every_placeholder(code: str) -> None:
    rule = RULES[code]
    fields = [name for _, name, _, _ in string.Formatter().parse(rule.message) if name]
    bare = rule.format()
    assert "{" not in bare
    assert bare.count("?") == rule.message.count("?") + len(fields)
    filled = rule.format(**dict.fromkeys(PLACEHOLDERS, "X"))
    assert filled.count("?") == rule.message.count("?")


def test_payload_rule_prefix_matches_level() -> None:
    prefix_level = {"S": Profile.SDK, "A": Profile.AUTHLETE, "C": Profile.CIBA}
    for code, rule in RULES.items():
        if code[0] in prefix_level:
            assert rule.level is prefix_level[code[0]], code


def test_implied_by_names_real_other_rules() -> None:
    for code, rule in RULES.items():
        for other in rule.implied_by:
            assert other in RULES, f"{code} implied_by unknown {other}"
            assert other != code
            # The implying rule runs whenever this one does (same or a looser level).
            assert rule.level.includes(RULES[other].level), f"{code} implied_by {other}"


# -- selection ---------------------------------------------------------------------


def _level_codes(level: Profile) -> set[str]:
    return {code for code, rule in RULES.items() if level.includes(rule.level) and not rule.opt_in}


def test_opt_in_rules_need_their_code_or_name() -> None:
    opt_in = {code for code, rule in RULES.items() if rule.opt_in}
    assert opt_in, "the catalog holds opt-in rules"
    for code in opt_in:
        rule = RULES[code]
        assert "opt-in" in rule.doc.lower(), f"{code}'s doc says it is the project's opinion"
        assert code not in enabled_rules("ciba")
        assert code not in enabled_rules("ciba", select=code[0])
        assert code in enabled_rules("ciba", select=code)
        assert code in enabled_rules("ciba", select=rule.name)
        assert code not in enabled_rules("ciba", select=code, ignore=code)


def test_profile_bounds_the_rules() -> None:
    sdk, authlete, ciba = (set(enabled_rules(level)) for level in LEVELS)
    assert sdk == _level_codes(Profile.SDK)
    assert authlete == _level_codes(Profile.AUTHLETE)
    assert ciba == _level_codes(Profile.CIBA)
    assert sdk < authlete < ciba
    assert {"S001", "S005"} <= sdk
    assert "A101" not in sdk
    assert "A101" in authlete
    assert "C201" not in authlete
    assert "C201" in ciba


def test_default_profile_is_authlete() -> None:
    assert enabled_rules() == enabled_rules("authlete")
    assert enabled_rules(" CIBA ") == enabled_rules(Profile.CIBA)


def test_unknown_profile_raises() -> None:
    with pytest.raises(ValueError, match="strict"):
        enabled_rules("strict")


def test_select_by_code_prefix_and_name() -> None:
    assert enabled_rules("ciba", select="A101") == {"A101"}
    assert enabled_rules("ciba", select="action-missing") == {"A101"}
    assert enabled_rules("ciba", select="Action-Missing") == {"A101"}
    assert enabled_rules("ciba", select="c2") == {c for c in RULES if c.startswith("C2")}
    assert enabled_rules("ciba", select="A11") == {c for c in RULES if c.startswith("A11")}
    sdk_payload_rules = {c for c in _level_codes(Profile.SDK) if c.startswith("S")}
    assert enabled_rules("ciba", select="S") == sdk_payload_rules


def test_select_accepts_a_list_or_a_comma_separated_string() -> None:
    expected = {"A101", "C201"}
    assert enabled_rules("ciba", select="A101, C201") == expected
    assert enabled_rules("ciba", select=["A101", " C201 ", ""]) == expected
    assert enabled_rules("ciba", select=("A101", "C201")) == expected


def test_select_only_narrows_within_the_profile() -> None:
    assert enabled_rules("authlete", select="C201") == frozenset()
    assert enabled_rules("sdk", select="A1") == frozenset()
    assert enabled_rules("sdk", select="S001,A101") == {"S001"}


def test_empty_select_selects_the_whole_profile() -> None:
    assert enabled_rules("ciba", select="") == enabled_rules("ciba")
    assert enabled_rules("ciba", select=[]) == enabled_rules("ciba")
    assert enabled_rules("ciba", select=None) == enabled_rules("ciba")


def test_ignore_removes() -> None:
    assert enabled_rules("ciba", ignore="A105") == enabled_rules("ciba") - {"A105"}
    ciba_only = {c for c in _level_codes(Profile.CIBA) if RULES[c].level is Profile.CIBA}
    assert enabled_rules("ciba", ignore=sorted(ciba_only)) == _level_codes(Profile.AUTHLETE)
    assert enabled_rules("ciba", ignore="result-message-prefix") == enabled_rules("ciba") - {"A105"}
    assert enabled_rules("ciba", select="A1", ignore=["A105", "A11"]) == {
        c for c in RULES if c.startswith("A1") and not c.startswith("A11") and c != "A105"
    }
    # Ignoring a rule the profile does not run is allowed (a shared config).
    assert enabled_rules("sdk", ignore="C201") == enabled_rules("sdk")


@pytest.mark.parametrize(
    ("select", "ignore"),
    [("X999", None), ("A9", None), ("no-such-rule", None), (None, "Z1"), ("A101", "A1011")],
)
def test_unknown_selector_raises(select: str | None, ignore: str | None) -> None:
    with pytest.raises(UnknownRuleError):
        enabled_rules("ciba", select=select, ignore=ignore)


def test_unknown_selector_raises_through_validate() -> None:
    with pytest.raises(UnknownRuleError):
        validate(ok(), select="X999")
    assert issubclass(UnknownRuleError, ValueError)


# -- every rule fires, and stays quiet on a near miss --------------------------------


def test_every_payload_rule_has_a_row() -> None:
    payload_rules = {code for code in RULES if code.startswith(PAYLOAD_PREFIXES)}
    # The other APIs' schema rules have their rows in family_cases (held to the level files
    # in test_family_schemas), the result-code rules in test_result_codes, until the
    # validator takes the API.
    payload_rules -= FAMILY_SCHEMA_RULES | RESULT_CODE_RULES
    assert payload_rules - set(TABLE) == set(), "add a firing and a quiet payload to TABLE"
    assert set(TABLE) - set(RULES) == set(), "TABLE names rules the catalog lacks"


@pytest.mark.parametrize("code", sorted(TABLE))
def test_rule_fires(code: str) -> None:
    row = TABLE[code]
    findings = validate(row.fire, profile=row.level)
    mine = [f for f in findings if f.rule == code]
    assert mine, f"{code} did not fire; got {[str(f) for f in findings]}"
    places = {(f.pointer, f.content_pointer) for f in mine}
    assert (row.pointer, row.content_pointer) in places, [str(f) for f in mine]
    for finding in mine:
        assert finding.severity is RULES[code].severity
        assert finding.message.strip()
        assert "\n" not in finding.message


@pytest.mark.parametrize("code", sorted(TABLE))
def test_rule_fires_alone_when_selected(code: str) -> None:
    row = TABLE[code]
    findings = validate(row.fire, profile=row.level, select=code)
    assert {f.rule for f in findings} == {code}
    rest = validate(row.fire, profile=row.level, ignore=code)
    assert code not in {f.rule for f in rest}
    assert {f for f in validate(row.fire, profile=row.level) if f.rule != code} <= set(rest)


@pytest.mark.parametrize("code", sorted(TABLE))
def test_rule_stays_quiet_on_a_near_miss(code: str) -> None:
    row = TABLE[code]
    findings = validate(row.quiet, profile=row.quiet_level or Profile.CIBA)
    assert code not in {f.rule for f in findings}, [str(f) for f in findings]


@pytest.mark.parametrize("code", sorted(TABLE))
def test_rule_is_quiet_below_its_level(code: str) -> None:
    row = TABLE[code]
    for level in LEVELS:
        if not level.includes(RULES[code].level):
            assert code not in {f.rule for f in validate(row.fire, profile=level)}, level


def test_a_rule_that_implies_itself_is_refused_when_the_catalog_loads() -> None:
    from ciba_contracts.contract.rules import _load
    from ciba_contracts.contract.schemas import rules_document

    doc = copy.deepcopy(dict(rules_document()))
    doc["rules"] = [dict(raw) for raw in doc["rules"]]
    first = doc["rules"][0]
    first["implied_by"] = [first["code"]]
    with pytest.raises(ValueError, match=f"rule {first['code']} names itself in implied_by"):
        _load(doc)
