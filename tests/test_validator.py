"""The validator's behaviour, as a user relies on it.

``ciba_contracts.validate(payload, profile=..., select=..., ignore=...)`` takes a
raw body (bytes or str) or a parsed object and returns findings; an empty list
means the payload keeps the contract at that level. It never raises for a bad
payload. Cases that once documented a bug keep the bug in their reason text,
as regression tests.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType
from typing import Any

import orjson
import pytest

from builders import ABSENT, ID, OK_MESSAGE, ack, error, ok
from ciba_contracts import (
    Action,
    Finding,
    Severity,
    Validator,
    get_validator,
    validate,
    validate_result,
)
from ciba_contracts.contract import Profile
from ciba_contracts.contract.schemas import ISSUE_RESPONSE_FILES, load_schema

OTHER_ID = "4mZ8qL0vT1xYb7Rk2Nw9Cd3Hs6Pf5Jg8Ua1Ve0Qi7Oc"
LEVELS = tuple(level.value for level in Profile)
#: The published members, as the sdk schema lists them.
MEMBERS = tuple(load_schema(ISSUE_RESPONSE_FILES[Profile.SDK])["properties"])
CORPUS = Path(__file__).resolve().parent / "corpus" / "payloads.jsonl"
Triple = tuple[str, str, str | None]


#: The vendor's published 200 example, exactly as the YAML has it: a single-quoted
#: YAML string, so responseContent holds literal backslashes; interval is 0.
VENDOR_EXAMPLE = {
    "resultCode": "A183001",
    "resultMessage": "[A183001] An auth_req_id was issued successfully.",
    "action": "OK",
    "authReqId": "_mzc-ZQdAhSPuMxTlO-MC_oqaOqYCrdNQ39PVxisaiE",
    "expiresIn": 3600,
    "interval": 0,
    "responseContent": (
        r"{\"auth_req_id\":\"_mzc-ZQdAhSPuMxTlO-MC_oqaOqYCrdNQ39PVxisaiE\","
        r"\"interval\":0,\"expires_in\":3600}"
    ),
}
SERVER_ERROR = json.dumps(
    {
        "error": "server_error",
        "error_description": "[A182101] Failed to issue an 'auth_req_id' due to a database error.",
        "error_uri": "https://docs.authlete.com/#A182101",
    }
)


def places(findings: list[Finding], errors_only: bool = True) -> set[Triple]:
    return {
        (f.rule, f.pointer, f.content_pointer) for f in findings if f.is_error or not errors_only
    }


def rules(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings}


def _corpus_payloads() -> list[Any]:
    out: list[Any] = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        case = orjson.loads(line)
        if "payload" in case and case.get("kind") != "result":
            out.append(case["payload"])
    return out


#: Payloads of every kind of fault, for properties that must hold on all of them.
VARIETY: list[Any] = [
    ok(),
    VENDOR_EXAMPLE,
    ok(interval=0, responseContent=ack(interval=0)),
    ok(action=ABSENT, resultCode=ABSENT),
    ok(expiresIn=None, interval=True, authReqId=17),
    ok(expiresIn=-1, responseContent=ack(expires_in=-1)),
    ok(responseContent=ack(OTHER_ID, expires_in=0, interval=0)),
    ok(authReqId="short+id", responseContent=ack("short+id")),
    ok(responseContent="[1, 2]"),
    ok(action="PENDING"),
    error("INTERNAL_SERVER_ERROR"),
    error("INTERNAL_SERVER_ERROR", responseContent="not json"),
    error("INVALID_TICKET", responseContent='{"error":"caf\u00e9 \\"x\\""}'),
    {"resultCode": "A183001"},
    {},
    *_corpus_payloads(),
]


# -- the happy path ----------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_correct_ok_payload_is_clean(level: str) -> None:
    payload = ok()
    assert validate(payload, profile=level) == []
    assert validate(json.dumps(payload), profile=level) == []
    assert validate(json.dumps(payload).encode(), profile=level) == []
    assert get_validator(level).is_valid(payload)


@pytest.mark.parametrize("level", LEVELS)
def test_default_profile_is_authlete(level: str) -> None:
    for payload in VARIETY[:15]:
        assert validate(payload) == validate(payload, profile="authlete")
        assert validate(payload, profile=Profile(level)) == validate(payload, profile=level)


@pytest.mark.parametrize("level", LEVELS)
def test_bytes_str_and_dict_inputs_give_identical_findings(level: str) -> None:
    for payload in VARIETY:
        as_dict = validate(payload, profile=level)
        text = json.dumps(payload)
        assert validate(text, profile=level) == as_dict, text
        assert validate(text.encode(), profile=level) == as_dict, text
        assert validate(bytearray(text.encode()), profile=level) == as_dict, text
        assert validate(memoryview(text.encode()), profile=level) == as_dict, text
        compact = orjson.dumps(payload)
        assert validate(compact, profile=level) == as_dict, compact


# -- the vendor's own example --------------------------------------------------------


def test_vendor_example_is_valid_at_sdk() -> None:
    assert validate(VENDOR_EXAMPLE, profile="sdk") == []


def test_vendor_example_fails_authlete_for_its_backslashes() -> None:
    findings = validate(VENDOR_EXAMPLE, profile="authlete")
    assert places(findings) == {("A111", "/responseContent", None)}
    assert "not a JSON document" in findings[0].message


def test_vendor_example_fails_ciba_also_for_interval_zero() -> None:
    findings = validate(VENDOR_EXAMPLE, profile="ciba")
    assert places(findings) == {("A111", "/responseContent", None), ("C203", "/interval", None)}


def test_interval_zero_passes_authlete_and_fails_ciba() -> None:
    payload = ok(interval=0, responseContent=ack(interval=0))
    assert validate(payload, profile="authlete") == []
    assert places(validate(payload, profile="ciba")) == {("C203", "/interval", None)}


# -- levels are cumulative -------------------------------------------------------------


@pytest.mark.parametrize("index", range(len(VARIETY)))
def test_levels_are_cumulative(index: int) -> None:
    payload = VARIETY[index]
    sdk, authlete, ciba = (places(validate(payload, profile=lv), False) for lv in LEVELS)
    assert sdk <= authlete <= ciba


# -- where findings point ------------------------------------------------------------


def test_missing_member_points_at_the_member() -> None:
    findings = validate(ok(action=ABSENT))
    assert [(f.rule, f.pointer, f.content_pointer, f.value) for f in findings] == [
        ("A101", "/action", None, None)
    ]
    findings = validate({"action": "OK"})
    assert places(findings) == {
        ("A102", "/resultCode", None),
        ("A103", "/resultMessage", None),
        ("A106", "/authReqId", None),
        ("A107", "/expiresIn", None),
        ("A108", "/responseContent", None),
    }


def test_faults_inside_response_content_point_into_it() -> None:
    findings = validate(ok(responseContent=ack(expires_in="3600")))
    assert places(findings) == {("A113", "/responseContent", "/expires_in")}
    assert findings[0].value == '"3600"'
    findings = validate(ok(responseContent=ack(auth_req_id=ABSENT)))
    assert places(findings) == {("A113", "/responseContent", "/auth_req_id")}
    findings = validate(ok(responseContent="[]"))
    assert places(findings) == {("A113", "/responseContent", "")}


def test_auth_req_id_mismatch_is_a112_with_content_pointer() -> None:
    findings = validate(ok(responseContent=ack(OTHER_ID)))
    assert places(findings) == {("A112", "/responseContent", "/auth_req_id")}
    (finding,) = findings
    assert OTHER_ID[:20] in finding.message
    assert ID[:20] in finding.message
    assert finding.value == json.dumps(OTHER_ID)


@pytest.mark.parametrize(
    ("payload", "member"),
    [
        (ok(responseContent=ack(expires_in=60)), "/expires_in"),
        (ok(responseContent=ack(interval=10)), "/interval"),
        (ok(responseContent=ack(interval=ABSENT)), "/interval"),
        (ok(interval=ABSENT), "/interval"),
    ],
)
def test_other_mismatches_are_a112(payload: dict[str, Any], member: str) -> None:
    assert places(validate(payload)) == {("A112", "/responseContent", member)}


def test_equal_values_in_another_spelling_agree() -> None:
    payload = ok(expiresIn=3600.0, responseContent=ack(expires_in=3600, interval=5.0))
    assert validate(payload, profile="ciba") == []
    pretty = json.dumps({"interval": 5, "auth_req_id": ID, "expires_in": 3600}, indent=4)
    assert validate(ok(responseContent=pretty), profile="ciba") == []


def test_the_acknowledgement_is_checked_at_ciba_where_it_differs() -> None:
    findings = validate(ok(responseContent=ack("abc")), profile="ciba")
    assert places(findings) == {
        ("A112", "/responseContent", "/auth_req_id"),
        ("C202", "/responseContent", "/auth_req_id"),
    }
    # Where it agrees, the field's own finding says it once.
    findings = validate(ok(authReqId="abc", responseContent=ack("abc")), profile="ciba")
    assert places(findings) == {("C202", "/authReqId", None)}


# -- error actions -------------------------------------------------------------------


def test_internal_server_error_needs_response_content() -> None:
    findings = validate(error("INTERNAL_SERVER_ERROR"))
    assert places(findings) == {("A114", "/responseContent", None)}


def test_invalid_ticket_may_omit_response_content() -> None:
    for level in LEVELS:
        assert validate(error("INVALID_TICKET"), profile=level) == []


@pytest.mark.parametrize("action", ["INTERNAL_SERVER_ERROR", "INVALID_TICKET"])
def test_error_body_must_be_an_oauth_error(action: str) -> None:
    assert validate(error(action, responseContent=SERVER_ERROR), profile="ciba") == []
    findings = validate(error(action, responseContent='{"message":"boom"}'))
    assert places(findings) == {("A115", "/responseContent", "/error")}
    findings = validate(error(action, responseContent='["server_error"]'))
    assert places(findings) == {("A115", "/responseContent", "")}
    findings = validate(error(action, responseContent="Internal Server Error"))
    assert places(findings) == {("A111", "/responseContent", None)}


@pytest.mark.parametrize("action", ["INTERNAL_SERVER_ERROR", "INVALID_TICKET"])
@pytest.mark.parametrize("level", LEVELS)
def test_error_answers_with_zero_lifetime_and_interval_pass(action: str, level: str) -> None:
    # Authlete sends expiresIn 0 and interval 0 with error actions; A109, A110 and
    # C203 judge only OK.
    payload = error(action, responseContent=SERVER_ERROR)
    assert validate(payload, profile=level) == []
    assert validate(error(action, expiresIn=-1, interval=-1, responseContent=SERVER_ERROR)) == []


def test_error_body_charset_is_a_warning_only() -> None:
    payload = error(
        "INVALID_TICKET", responseContent='{"error":"server_error","error_description":"é"}'
    )
    findings = validate(payload)
    assert places(findings, errors_only=False) == {
        ("A116", "/responseContent", "/error_description")
    }
    assert findings[0].severity is Severity.WARNING
    assert not findings[0].is_error
    assert get_validator().is_valid(payload)


def test_response_content_of_an_unknown_action_is_not_judged() -> None:
    findings = validate(ok(action="PENDING", responseContent="not json"), profile="ciba")
    assert places(findings) == {("S005", "/action", None)}


# -- types and numbers ---------------------------------------------------------------


@pytest.mark.parametrize("member", MEMBERS)
@pytest.mark.parametrize("level", LEVELS)
def test_null_is_no_value_of_any_member(member: str, level: str) -> None:
    findings = validate(ok(**{member: None}), profile=level)
    mine = [f for f in findings if f.pointer == f"/{member}" and f.content_pointer is None]
    assert "S003" in rules(mine)
    s003 = next(f for f in mine if f.rule == "S003")
    assert "null" in s003.message
    assert s003.value == "null"
    if level == "sdk":
        assert all(f.pointer == f"/{member}" for f in findings)


@pytest.mark.parametrize("member", ["expiresIn", "interval"])
@pytest.mark.parametrize("value", [True, False])
def test_booleans_are_not_integers(member: str, value: bool) -> None:
    findings = validate({member: value}, profile="sdk")
    assert places(findings) == {("S003", f"/{member}", None)}
    assert "boolean" in findings[0].message


@pytest.mark.parametrize("member", ["expiresIn", "interval"])
def test_integral_floats_are_integers_and_fractions_are_not(member: str) -> None:
    assert validate({member: 3600.0}, profile="sdk") == []
    assert validate(b'{"%s": 3600.0}' % member.encode(), profile="sdk") == []
    assert validate(b'{"%s": 3.6e3}' % member.encode(), profile="sdk") == []
    for bad in (1.5, 3600.000001, -0.5):
        findings = validate({member: bad}, profile="sdk")
        assert places(findings) == {("S003", f"/{member}", None)}, bad
    assert places(validate(b'{"%s": 1.5}' % member.encode(), profile="sdk")) == {
        ("S003", f"/{member}", None)
    }


@pytest.mark.parametrize("member", ["expiresIn", "interval"])
@pytest.mark.parametrize(
    ("value", "fires"),
    [
        (2147483647, False),
        (2147483648, True),
        (-2147483648, False),
        (-2147483649, True),
        (2**63 - 1, True),
        (2**63, True),
        (2**64, True),
        (-(2**63), True),
        (-(2**64) - 1, True),
        (1e300, True),
        (-1e300, True),
    ],
)
def test_int32_bounds(member: str, value: int | float, fires: bool) -> None:
    for payload in ({member: value}, b'{"%s": %d}' % (member.encode(), int(value))):
        findings = validate(payload, profile="sdk")
        expected = {("S004", f"/{member}", None)} if fires else set()
        assert places(findings) == expected, (payload, findings)


def test_int32_finding_quotes_the_value_the_payload_holds() -> None:
    (finding,) = validate({"expiresIn": 2**64}, profile="sdk")
    assert "18446744073709551616" in finding.message
    assert finding.value == "18446744073709551616"
    # (From bytes, orjson reads integers wider than 64 bits as floats, so the
    # message may show -1e+23 for -99999999999999999999999: same verdict.)
    (finding,) = validate(b'{"interval": -99999999999999999999999}', profile="sdk")
    assert (finding.rule, finding.pointer) == ("S004", "/interval")


@pytest.mark.parametrize("level", ["authlete", "ciba"])
def test_huge_numbers_inside_response_content(level: str) -> None:
    for huge in ("9" * 400, "1" + "0" * 30):
        content = f'{{"auth_req_id":"{ID}","expires_in":{huge},"interval":5}}'
        findings = validate(ok(responseContent=content), profile=level)
        assert places(findings) == {("A112", "/responseContent", "/expires_in")}


# -- tolerant reader -------------------------------------------------------------------

EXTRAS: dict[str, Any] = {
    "ticketInfo": {"context": None, "nested": [1, 2.5, {"x": [None, True]}]},
    "clientIdAlias": None,
    "": "empty name",
    "expires_in": "not the camelCase member",
    "ACTION": 5,
    "deep": json.loads("[" * 200 + "]" * 200),
    "big": 2**64,
    "text": "é\u2028\x00",
}


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("index", range(15))
def test_unknown_members_are_never_an_error(level: str, index: int) -> None:
    payload = VARIETY[index]
    if not isinstance(payload, dict):
        return
    plain = validate(payload, profile=level)
    extended = {**payload, **{k: v for k, v in EXTRAS.items() if k not in payload}}
    assert validate(extended, profile=level) == plain
    assert validate(json.dumps(extended), profile=level) == plain


def test_deeply_nested_unknown_member_does_not_hide_findings() -> None:
    payload = ok(resultCode=ABSENT)
    raw = json.dumps(payload)[:-1] + ', "ext": ' + "[" * 300 + "]" * 300 + "}"
    assert places(validate(raw, profile="authlete")) == {("A102", "/resultCode", None)}


# -- malformed input never raises ------------------------------------------------------


def _deep_list(depth: int) -> list[Any]:
    node: list[Any] = []
    for _ in range(depth):
        node = [node]
    return node


def _malformed() -> list[Any]:
    junk = random.Random(20).randbytes(512)
    cases: list[Any] = [
        # name, payload, rule, pointer, words the message must hold
        ("truncated", b'{"action": "OK", "authReqId": "abc', "S001", "", "line 1"),
        ("empty-bytes", b"", "S001", "", "empty"),
        ("empty-str", "", "S001", "", "empty"),
        ("whitespace", b" \r\n\t", "S001", "", "empty"),
        ("urandom", os.urandom(256) + b"\xff", "S001", "", "not JSON"),
        ("seeded-junk", b"\xfe" + junk, "S001", "", "UTF-8"),
        ("latin-1", '{"action": "café"}'.encode("latin-1"), "S001", "", "UTF-8"),
        ("bom", b'\xef\xbb\xbf{"action": "OK"}', "S001", "", "byte order mark"),
        ("nan", b'{"expiresIn": NaN}', "S001", "", "NaN"),
        ("infinity", b'{"expiresIn": Infinity}', "S001", "", "Infinity"),
        ("minus-infinity", b'{"interval": -Infinity}', "S001", "", "Infinity"),
        ("deep-bytes", b"[" * 100_000, "S001", "", "deep"),
        ("deep-closed", b"[" * 5000 + b"]" * 5000, "S001", "", "deep"),
        ("deep-object", b'{"a":' * 100_000, "S001", "", "deep"),
        ("trailing-data", b'{"action": "OK"} {}', "S001", "", "Extra data"),
        ("single-quotes", b"{'action': 'OK'}", "S001", "", "double quotes"),
        ("html", b"<html>502 Bad Gateway</html>", "S001", "", "not JSON"),
        ("array", b'[{"action": "OK"}]', "S002", "", "array"),
        ("string", b'"OK"', "S002", "", "string"),
        ("number", b"200", "S002", "", "integer"),
        ("float", b"2.5", "S002", "", "number"),
        ("null", b"null", "S002", "", "null"),
        ("true", b"true", "S002", "", "boolean"),
        ("py-list", [ok()], "S002", "", "array"),
        ("py-none", None, "S002", "", "null"),
        ("py-int", 5, "S002", "", "integer"),
        ("exp-1e400", b'{"expiresIn": 1e400}', "S004", "/expiresIn", "int32"),
        ("exp-minus-1e400", b'{"interval": -1e400}', "S004", "/interval", "int32"),
        ("exp-20-digits", b'{"expiresIn": 18446744073709551616}', "S004", "/expiresIn", "int32"),
        ("py-inf", {"expiresIn": float("inf")}, "S004", "/expiresIn", "int32"),
        ("py-nan", {"expiresIn": float("nan")}, "S003", "/expiresIn", "expiresIn"),
        ("py-tuple", {"action": ("OK",)}, "S003", "/action", "action"),
        ("nested-nan", {"action": [float("nan")]}, "S003", "/action", "action"),
        ("nested-huge", {"action": [10**400]}, "S003", "/action", "action"),
        ("huge-int-bytes", b'{"expiresIn": ' + b"9" * 400 + b"}", "S004", "/expiresIn", "999"),
        ("huge-negative-bytes", b'{"interval": -' + b"9" * 400 + b"}", "S004", "/interval", "-999"),
        ("huge-py-int", {"expiresIn": 10**400}, "S004", "/expiresIn", "1000"),
        ("huge-negative-py-int", {"interval": -(10**400)}, "S004", "/interval", "-1000"),
        ("py-nan-value", {"expiresIn": float("nan")}, "S003", "/expiresIn", "NaN"),
        ("exp-1e400-value", b'{"expiresIn": 1e400}', "S004", "/expiresIn", "Infinity"),
        ("py-inf-value", {"interval": float("-inf")}, "S004", "/interval", "-Infinity"),
    ]
    bugs = [
        (
            "lone-surrogate-action",
            b'{"action": "\\ud800"}',
            "S005",
            "/action",
            "action",
            "bug: a lone surrogate escape makes jsonschema-rs fail listing errors: S003 at '' "
            "with '`?` is not JSON data, expected ?' instead of S005 at /action",
        ),
        (
            "py-set",
            {"action": {"OK"}},
            "S003",
            "/action",
            "set",
            "bug: S003 at '' with '`?` is not JSON data, expected ?' (no member, no cause)",
        ),
        (
            "py-object",
            {"action": object()},
            "S003",
            "/action",
            "object",
            "bug: S003 at '' with '`?` is not JSON data, expected ?' (no member, no cause)",
        ),
        (
            "py-bytes-value",
            {"action": b"OK"},
            "S003",
            "/action",
            "bytes",
            "bug: S003 at '' with '`?` is not JSON data, expected ?' (no member, no cause)",
        ),
        (
            "py-deep-list",
            _deep_list(100_000),
            "S002",
            "",
            "array",
            "bug: render() raises on a deeply nested top-level Python list (orjson's "
            "TypeError 'Recursion limit reached', then RecursionError from the repr fallback)",
        ),
    ]
    params = [pytest.param(*case, id=case[0]) for case in cases]
    # Each of these was a bug once; they stay as regression tests.
    params += [pytest.param(*case[:5], id=case[0]) for case in bugs]
    return params


@pytest.mark.parametrize(("name", "payload", "rule", "pointer", "words"), _malformed())
@pytest.mark.parametrize("level", LEVELS)
def test_malformed_input_never_raises(
    level: str, name: str, payload: Any, rule: str, pointer: str, words: str
) -> None:
    findings = validate(payload, profile=level)
    mine = [f for f in findings if f.rule == rule and f.pointer == pointer]
    assert mine, [str(f) for f in findings]
    assert any(words.lower() in f"{f.message} {f.value}".lower() for f in mine), [
        str(f) for f in mine
    ]
    for finding in findings:
        assert "\n" not in finding.message
        assert "`?`" not in finding.message, finding


@pytest.mark.parametrize("level", ["authlete", "ciba"])
def test_lone_surrogate_in_response_content(level: str) -> None:
    findings = validate(ok(responseContent=ack("\ud800")), profile=level)
    expected = {("A112", "/responseContent", "/auth_req_id")}
    if level == "ciba":
        # The body's own auth_req_id is one character outside the CIBA alphabet.
        expected |= {
            ("C201", "/responseContent", "/auth_req_id"),
            ("C202", "/responseContent", "/auth_req_id"),
        }
    assert places(findings) == expected


@pytest.mark.parametrize("level", ["authlete", "ciba"])
def test_lone_surrogate_inside_an_error_body_array(level: str) -> None:
    # Once a UnicodeEncodeError: the failing keyword's message quotes the value.
    body = error("INVALID_TICKET", responseContent='{"error": ["\\ud800"]}')
    findings = validate(json.dumps(body), profile=level)
    assert places(findings) == {("A115", "/responseContent", "/error")}
    assert "not of type" in findings[0].message


def test_lone_surrogates_in_strings_are_strings() -> None:
    # JSON's grammar allows them (RFC 8259 §8.2); the payload is read, not refused. The
    # message is no longer the documented one, which is a warning that quotes it.
    raw = json.dumps(ok(resultMessage=OK_MESSAGE + " \ud800"))
    assert "\\ud800" in raw
    for level in LEVELS:
        for payload in (raw, raw.encode()):
            findings = validate(payload, profile=level)
            expected = set() if level == "sdk" else {("A191", "/resultMessage", None)}
            assert places(findings, errors_only=False) == expected
            assert all(f.value is not None and "\\ud800" in f.value for f in findings)


def test_top_level_python_object_message_does_not_contradict_itself() -> None:
    thing: Any = object()
    (finding,) = validate(thing)
    assert finding.rule == "S002"
    assert "is an object" not in finding.message


def test_nan_message_does_not_call_it_null() -> None:
    (finding,) = validate({"expiresIn": float("nan")}, profile="sdk")
    assert "null" not in finding.message
    assert "NaN" in finding.message


def test_not_json_carries_the_start_of_the_input() -> None:
    (finding,) = validate(b"<html>" + b"x" * 500)
    assert finding.rule == "S001"
    assert finding.value is not None
    # Like every value, the start of the input is shown as JSON text: one line, quoted.
    assert finding.value.startswith('"<html>')
    assert len(finding.value) <= 80


def test_not_json_value_is_one_line() -> None:
    (finding,) = validate(b'{\n"a":\n')
    assert finding.value is not None
    assert "\n" not in finding.value
    assert "\n" not in str(finding)


def test_non_utf8_names_the_byte_and_offset() -> None:
    (finding,) = validate(b'{"action": "caf\xe9"}')
    assert "0xe9" in finding.message
    assert "15" in finding.message


def test_action_enum_member_is_checked_like_its_string() -> None:
    payload = ok(responseContent="not json")
    assert places(validate(payload)) == {("A111", "/responseContent", None)}
    assert validate({**payload, "action": Action.OK}) == validate(payload)


def test_any_mapping_is_read_like_a_dict() -> None:
    payload = ok(action=ABSENT)
    assert validate(MappingProxyType(payload)) == validate(payload)


# -- select and ignore -----------------------------------------------------------------


def test_select_narrows_findings() -> None:
    payload = {"action": "OK"}
    assert rules(validate(payload, select="A102")) == {"A102"}
    assert rules(validate(payload, select=["A102", "A103"])) == {"A102", "A103"}
    assert rules(validate(payload, select="A10")) == {"A102", "A103", "A106", "A107", "A108"}
    assert rules(validate(payload, select="result-code-missing")) == {"A102"}
    assert validate(payload, select="C2", profile="authlete") == []
    assert validate(ok(), select="A1") == []


def test_ignore_removes_findings() -> None:
    payload = {"action": "OK"}
    assert rules(validate(payload, ignore="A102,A103")) == {"A106", "A107", "A108"}
    assert rules(validate(payload, ignore=["A10"])) == set()
    assert places(validate(VENDOR_EXAMPLE, profile="ciba", ignore="A111")) == {
        ("C203", "/interval", None)
    }
    assert places(validate(VENDOR_EXAMPLE, profile="ciba", select="C", ignore="C201")) == {
        ("C203", "/interval", None)
    }


def test_ignoring_the_implying_rule_lets_the_implied_one_speak() -> None:
    payload = ok(interval=-1, responseContent=ack(interval=-1))
    assert places(validate(payload, profile="ciba")) == {("A110", "/interval", None)}
    assert places(validate(payload, profile="ciba", ignore="A110")) == {("C203", "/interval", None)}


def test_options_given_by_position_mean_what_they_do_by_name() -> None:
    assert places(validate(VENDOR_EXAMPLE, "ciba", "C", "C201")) == {("C203", "/interval", None)}
    assert validate(VENDOR_EXAMPLE, "ciba") == validate(VENDOR_EXAMPLE, profile="ciba")
    assert validate(ok(), "sdk", None, None, "issue") == []


def test_bad_settings_raise_at_once() -> None:
    with pytest.raises(ValueError, match="profile"):
        validate(ok(), profile="strict")
    with pytest.raises(ValueError, match="kind"):
        Validator(kind="request")
    with pytest.raises(ValueError, match="X123"):
        validate(ok(), ignore="X123")


def test_validator_objects_match_the_function() -> None:
    validator = Validator("ciba", select="C", kind="issue-response")
    assert validator.validate(VENDOR_EXAMPLE) == validate(
        VENDOR_EXAMPLE, profile="ciba", select="C"
    )
    assert get_validator("ciba") is get_validator(Profile.CIBA)
    assert not validator.is_valid(VENDOR_EXAMPLE)


# -- Authlete's result object ------------------------------------------------------------

VENDOR_400 = {
    "resultCode": "A001201",
    "resultMessage": "[A001201] /auth/authorization, TLS must be used.",
}


@pytest.mark.parametrize("level", LEVELS)
def test_result_example_is_clean(level: str) -> None:
    assert validate_result(VENDOR_400, profile=level) == []
    assert validate_result(json.dumps(VENDOR_400).encode(), profile=level) == []


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"resultMessage": "[A001201] x"}, {("A102", "/resultCode", None)}),
        ({"resultCode": "A001201"}, {("A103", "/resultMessage", None)}),
        ({"resultCode": "1201", "resultMessage": "[1201] x"}, {("A104", "/resultCode", None)}),
        ({"resultCode": "A001201", "resultMessage": "TLS"}, {("A105", "/resultMessage", None)}),
        (
            {"resultCode": 1201, "resultMessage": None},
            {("S003", "/resultCode", None), ("S003", "/resultMessage", None)},
        ),
        ([VENDOR_400], {("S002", "", None)}),
        (b"<html>", {("S001", "", None)}),
    ],
)
def test_result_faults(payload: Any, expected: set[Triple]) -> None:
    assert places(validate_result(payload)) == expected


def test_result_sdk_level_is_the_published_schema() -> None:
    assert validate_result({}, profile="sdk") == []
    assert validate_result({"resultCode": "1201", "resultMessage": "x"}, profile="sdk") == []
    assert places(validate_result({"resultCode": None}, profile="sdk")) == {
        ("S003", "/resultCode", None)
    }


def test_result_kind_ignores_issue_response_members() -> None:
    payload = {**VENDOR_400, "action": "BOGUS", "expiresIn": "x"}
    assert validate_result(payload, profile="ciba") == []


# -- what a finding looks like -------------------------------------------------------------


def test_finding_value_is_truncated() -> None:
    long_code = "A" * 1000
    findings = validate(ok(resultCode=long_code, resultMessage=f"[{long_code}] x"))
    (finding,) = findings
    assert finding.rule == "A104"
    assert finding.value is not None
    assert len(finding.value) <= 80
    assert finding.value.endswith("…")
    findings = validate(ok(responseContent="x" * 5000))
    assert all(f.value is None or len(f.value) <= 80 for f in findings)


def _messages(check: Callable[..., list[Finding]], payloads: list[Any]) -> list[Finding]:
    return [f for payload in payloads for level in LEVELS for f in check(payload, profile=level)]


def test_messages_are_one_line() -> None:
    payloads = [
        *VARIETY,
        ok(action="O\nK"),
        ok(authReqId="a\nb", responseContent=ack("c\nd")),
        ok(responseContent="{\n\n"),
        error("INVALID_TICKET", responseContent='{"error": ["\\n"]}'),
        b'{\n"action":\n',
    ]
    for finding in _messages(validate, payloads):
        assert "\n" not in finding.message, finding


def test_a105_message_is_one_line() -> None:
    payload = {"resultCode": "A18\n3001", "resultMessage": "x"}
    for finding in validate_result(payload) + validate(payload):
        assert "\n" not in finding.message, finding


def test_finding_serialises() -> None:
    (finding,) = validate(ok(responseContent=ack(OTHER_ID)))
    data = finding.to_dict()
    assert data == {
        "rule": "A112",
        "severity": "error",
        "message": finding.message,
        "pointer": "/responseContent",
        "content_pointer": "/auth_req_id",
        "value": json.dumps(OTHER_ID),
    }
    assert orjson.loads(orjson.dumps(data)) == data
    assert str(finding).startswith("A112 [error] /responseContent -> /auth_req_id: ")


def test_findings_are_sorted_and_unique() -> None:
    for payload in VARIETY:
        for level in LEVELS:
            findings = validate(payload, profile=level)
            keys = [(f.pointer, f.content_pointer or "", f.rule) for f in findings]
            assert keys == sorted(keys)
            assert len(set(findings)) == len(findings)


@pytest.mark.parametrize("level", ["authlete", "ciba"])
def test_empty_auth_req_id_counts_as_missing(level: str) -> None:
    findings = validate(ok(authReqId="", responseContent=ack("")), profile=level)
    # One finding for one fault: at ciba the length rule (C202) is implied by A106.
    assert places(findings) == {("A106", "/authReqId", None)}
    assert validate(ok(authReqId="", responseContent=ack("")), profile="sdk") == []
