"""The accept path (msgspec structs generated from the schema files) never changes a finding.

A body the accept path takes gets no finding; the exact path must agree, and
every body, taken or not, gets the exact path's findings. Held on payloads
drawn valid and breaking each rule, written in several JSON spellings, and on
small changes of valid payloads that land near the structs' edges.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
from typing import Any, cast

import msgspec
import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ciba_contracts import RULES, Profile, get_validator, validate
from ciba_contracts.strategies import (
    invalid_issue_responses,
    invalid_responses,
    invalid_result_objects,
    issue_responses,
    payload_rules,
    responses,
    result_objects,
)
from ciba_contracts.validate.accept import (
    Unexpressible,
    _flat_struct,
    acceptor,
    struct_of,
    translate_pattern,
)
from ciba_contracts.validate.direct import DirectPath
from ciba_contracts.validate.engine import kind_of_api
from ciba_contracts.validate.structs import pattern_test
from test_rules import RESULT_CODE_RULES

# The module, not the function the package exports under the same name.
accept_module = importlib.import_module("ciba_contracts.validate.accept")
LEVELS = ("sdk", "authlete", "ciba")
EXAMPLES = int(os.environ.get("CIBA_PROPERTY_EXAMPLES", "200"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
OK = (
    b'{"resultCode":"A183001","resultMessage":"[A183001] An auth_req_id was issued successfully.",'
    b'"action":"OK","authReqId":"Hi_riUFMNDwQJ8TRw4a7xM1hPjDY8WrfkbdYSiJlsfU","expiresIn":900,'
    b'"interval":8,"responseContent":"{\\"auth_req_id\\":\\"Hi_riUFMNDwQJ8TRw4a7xM1hPjDY8WrfkbdYSiJ'
    b'lsfU\\",\\"interval\\":8,\\"expires_in\\":900}"}'
)


def _spellings(payload: Any) -> list[bytes]:
    """The payload as orjson, json.dumps (ASCII escapes, blanks) and sorted keys write it."""
    out: list[bytes] = []
    # orjson refuses integers beyond 64 bits (an S006 payload); json.dumps writes them.
    with contextlib.suppress(TypeError):
        out.append(orjson.dumps(payload))
    try:
        out.append(json.dumps(payload).encode())
        out.append(json.dumps(payload, ensure_ascii=False, sort_keys=True, indent=1).encode())
    except (TypeError, ValueError):
        pass
    return out


def _agree(body: bytes, kind: str = "issue-response") -> None:
    for level in LEVELS:
        validator = get_validator(level, kind=kind)
        exact = validator.exact(body)
        # Twice: the first call may fill the cache of result-code findings, the second reads it.
        assert validator.validate(body) == exact, (level, body)
        assert validator.validate(body) == exact, (level, body)
        accept = acceptor(kind, Profile.parse(level), validator._relations)
        if accept is not None and accept.accepts(body):
            # Taken by the accept path: only the result-code table may still speak.
            assert {f.rule for f in exact} <= RESULT_CODE_RULES, (level, body)


@SETTINGS
@given(st.sampled_from(LEVELS).flatmap(lambda level: issue_responses(profile=level)))
@example(orjson.loads(OK))
def test_valid_payloads_agree(payload: dict[str, Any]) -> None:
    for body in _spellings(payload):
        _agree(body)


@SETTINGS
@given(
    st.sampled_from(payload_rules()).flatmap(
        lambda rule: st.sampled_from(
            [level for level in LEVELS if Profile.parse(level).includes(RULES[rule].level)]
        ).flatmap(lambda level: invalid_issue_responses(rule, profile=level))
    )
)
def test_breaking_payloads_agree(payload: Any) -> None:
    if isinstance(payload, str):
        payload = payload.encode()
    bodies = [payload] if isinstance(payload, bytes) else _spellings(payload)
    for body in bodies:
        _agree(body)


@SETTINGS
@given(
    st.sampled_from(LEVELS).flatmap(lambda level: result_objects(profile=level))
    | st.sampled_from(payload_rules("result")).flatmap(invalid_result_objects)
)
def test_result_objects_agree(payload: Any) -> None:
    if isinstance(payload, str):
        payload = payload.encode()
    bodies = [payload] if isinstance(payload, bytes) else _spellings(payload)
    for body in bodies:
        _agree(body, kind="result")


#: The family's other APIs (each answer's kind has its own accept path, or none).
FAMILY = ("authentication", "fail", "complete")


def _family_payloads(api: str) -> st.SearchStrategy[tuple[str, Any]]:
    valid = st.sampled_from(LEVELS).flatmap(lambda level: responses(api, level))
    breaking = st.sampled_from(payload_rules(api=api)).flatmap(
        lambda rule: invalid_responses(rule, api=api)
    )
    return st.tuples(st.just(api), valid | breaking)


@SETTINGS
@given(st.sampled_from(FAMILY).flatmap(_family_payloads))
def test_family_payloads_agree(drawn: tuple[str, Any]) -> None:
    # The complete API's push notifications repeat the tokens its ping ones do not.
    api, payload = drawn
    if isinstance(payload, str):
        payload = payload.encode()
    bodies = [payload] if isinstance(payload, bytes) else _spellings(payload)
    for body in bodies:
        _agree(body, kind=kind_of_api(api))


#: Small changes of a valid OK body's raw text: each lands near an edge of a struct.
EDITS = [
    (b'"expiresIn":900', b'"expiresIn":900.0'),
    (b'"expiresIn":900', b'"expiresIn":2147483648'),
    (b'"expiresIn":900', b'"expiresIn":true'),
    (b'"interval":8', b'"interval":null'),
    (b'"interval":8,', b""),
    (b'"A183001","resultMessage"', b'"A183001\\n","resultMessage"'),
    (b'lsfU","expiresIn', b'lsfU\\n","expiresIn'),
    (b'"action":"OK"', b'"action":"OK","action":"INVALID_TICKET"'),
    (b'"expiresIn":900', b'"expiresIn":900,"expiresIn":1'),
    (b'"interval":8', b'"interval":8,"x":"\xff"'),
    (b'"interval":8', b'"interval":8,"x":"\\ud800"'),
    (b'"interval":8', b'"interval":8,"x":1e400'),
    (b'"interval":8', b'"interval":8,"x":123456789012345678901234567890'),
    (b"issued", b"issu\\u00e9d"),
    (b'\\"interval\\":8', b'\\"interval\\":8.0'),
    (b'\\"interval\\":8', b'\\"interval\\":9'),
    (b'\\"interval\\":8,', b""),
    (b'\\"expires_in\\":900', b'\\"expires_in\\":900,\\"expires_in\\":900'),
    # The result-code table, judged on bodies the structs take: another code with the
    # message kept (undocumented, wrong action), a documented code of another action, the
    # path prefix Authlete's messages may carry, and another message.
    (b'"A183001","resultMessage":"[A183001]', b'"A183002","resultMessage":"[A183002]'),
    (b'"A183001","resultMessage":"[A183001]', b'"A181201","resultMessage":"[A181201]'),
    (b"] An auth", b"] /api/backchannel/authentication/issue, An auth"),
    (b"was issued successfully.", b"was issued."),
]


@pytest.mark.parametrize(("old", "new"), EDITS)
def test_edits_near_the_edges_agree(old: bytes, new: bytes) -> None:
    assert old in OK
    _agree(OK.replace(old, new, 1))


_ID = b"Hi_riUFMNDwQJ8TRw4a7xM1hPjDY8WrfkbdYSiJlsfU"
#: Violations the direct path names itself (each change made in the fields and the
#: acknowledgement alike, so that they still agree): a zero lifetime, a short or
#: ill-spelled auth_req_id, a zero interval, the vendor's backslashed responseContent,
#: with an undocumented code, and several at once.
DIRECT = [
    OK.replace(b"900", b"0"),
    OK.replace(_ID, _ID[:16]),
    OK.replace(_ID, _ID[:20] + b"=="),
    OK.replace(b"8,", b"0,").replace(b"8}", b"0}"),
    OK.replace(b'\\"', b'\\\\\\"'),
    OK.replace(b'\\"', b'\\\\\\"').replace(b"A183001", b"A183002"),
    OK.replace(b"900", b"0").replace(_ID, _ID[:16]).replace(b"8,", b"0,"),
    OK.replace(b"900", b"2147483648"),
    OK.replace(b'"expiresIn":900', b'"expiresIn":900,"expiresIn":0').replace(b"900}", b"0}"),
]


@pytest.mark.parametrize("body", DIRECT)
def test_violations_the_direct_path_names_agree(body: bytes) -> None:
    _agree(body)
    validator = get_validator("ciba")
    path = acceptor("issue-response", Profile.CIBA, True)
    assert path is not None
    assert path.direct is not None
    left: list[bytes] = []

    def exact(payload: bytes) -> Any:
        left.append(payload)
        return validator.exact(payload)

    direct = path.bind(exact, validator._code_findings, validator._direct_hooks())
    found = direct(body)
    assert found == validator.exact(body) != []
    assert left == [], "left to the exact path"


#: Bodies the one struct of every action decodes although an action's own struct would not:
#: a member its action requires left out (its test, its pair, its document), and a member
#: of another action with a type that action does not give it.
ONE_STRUCT = [
    OK.replace(b'"authReqId":"Hi_riUFMNDwQJ8TRw4a7xM1hPjDY8WrfkbdYSiJlsfU",', b""),
    OK.replace(b'"expiresIn":900,', b""),
    OK.replace(b'"resultCode":"A183001",', b""),
    OK.replace(b'"resultMessage":"[A183001] An auth_req_id was issued successfully.",', b""),
    OK[: OK.index(b',"responseContent"')] + b"}",
    b'{"resultCode":"A181201","resultMessage":"[A181201] x","action":"INVALID_TICKET",'
    b'"authReqId":7}',
    b'{"resultCode":"A181201","resultMessage":"[A181201] x","action":"INVALID_TICKET",'
    b'"expiresIn":0,"authReqId":"short"}',
    b'{"action":"INVALID_TICKET"}',
    b'{"action":"OK"}',
]


@pytest.mark.parametrize("body", ONE_STRUCT)
def test_members_an_action_requires_or_types_otherwise_agree(body: bytes) -> None:
    _agree(body)
    assert validate(body, profile="ciba") != []


def _loose(name: str, fields: list[tuple[str, Any]]) -> type[msgspec.Struct]:
    return msgspec.defstruct(name, fields, tag=name, tag_field="action")


class _Structs:
    """What _flat_struct reads of a direct path: each action's loose struct."""

    def __init__(self, *structs: type[msgspec.Struct]) -> None:
        self.structs = {s.__name__: (s, ()) for s in structs}


def test_one_struct_for_every_action_holds_each_member_with_its_one_type() -> None:
    ok = _loose("OK", [("authReqId", str), ("expiresIn", int)])
    error = _loose("ERROR", [("expiresIn", int), ("resultCode", str)])
    flat = _flat_struct(cast(DirectPath, _Structs(ok, error)))
    assert flat is not None
    decode = msgspec.json.Decoder(flat).decode
    got = msgspec.structs.asdict(decode(b'{"action":"ERROR","resultCode":"A1","authReqId":"x"}'))
    assert (got["action"], got["resultCode"], got["authReqId"], got["expiresIn"]) == (
        "ERROR",
        "A1",
        "x",
        msgspec.UNSET,
    )
    with pytest.raises(msgspec.ValidationError):
        decode(b'{"action":"OTHER"}')
    # A member two actions type otherwise: the union of the actions' own structs is kept.
    other = _loose("OTHER", [("expiresIn", str)])
    assert _flat_struct(cast(DirectPath, _Structs(ok, other))) is None


def test_one_struct_is_not_built_for_a_member_two_actions_hold_under_other_attributes() -> None:
    # A member that is no identifier is held under an attribute named by its index, which
    # may differ from action to action: the one struct could hold it under one only.
    ok = msgspec.defstruct("OK", [("m0", str)], tag="OK", tag_field="action", rename={"m0": "-a"})
    error = msgspec.defstruct(
        "ERROR", [("m1", str)], tag="ERROR", tag_field="action", rename={"m1": "-a"}
    )
    assert _flat_struct(cast(DirectPath, _Structs(ok, error))) is None


def test_valid_body_is_taken_by_the_accept_path() -> None:
    accept = acceptor("issue-response", Profile.CIBA, True)
    assert accept is not None
    assert accept.accepts(OK)
    assert validate(OK, profile="ciba") == []
    # Not ASCII: left to the exact path, which reads the UTF-8 of every member.
    assert not accept.accepts(OK.replace(b"issued", "issu\u00e9d".encode()))


def test_patterns_keep_their_json_schema_meaning() -> None:
    assert translate_pattern("^[A-Z][0-9]{6}$") == "^[A-Z][0-9]{6}\\Z"
    assert translate_pattern("^[\\x20-\\x21\\x23-\\x5B]*$") == "^[\\x20-\\x21\\x23-\\x5B]*\\Z"
    for pattern in ("^\\d+$", "^.*$", "^(a|b)$", "^\\w$"):
        with pytest.raises(Unexpressible):
            translate_pattern(pattern)


def test_keywords_a_struct_cannot_state_leave_the_exact_path_alone() -> None:
    with pytest.raises(Unexpressible):
        struct_of({"type": "object", "additionalProperties": False}, "X")
    with pytest.raises(Unexpressible):
        struct_of({"type": "object", "properties": {"n": {"type": "number"}}}, "X")
    struct, patterns = struct_of(
        {"type": "object", "properties": {"a": {"type": "string", "pattern": "^[a-z]*$"}}}, "X"
    )
    assert [attr for attr, _ in patterns] == ["a"]
    assert struct.__struct_fields__ == ("a",)


#: Patterns of the schema files and others near the edges of the character-class form.
PATTERNS = [
    "^[A-Za-z0-9._-]*$",
    "^[\\x20-\\x21\\x23-\\x5B\\x5D-\\x7E]*$",
    "^[\\x21\\x23-\\x5B\\x5D-\\x7E]*$",
    "^[A-Z][0-9]{6}$",
    "^[a-z]+$",
    "^[-a]*$",
    "^[\\x20-\\xFF]*$",
    "^[ab]*c$",
]


@settings(SETTINGS, max_examples=300)
@given(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
    | st.text(st.characters(max_codepoint=127), max_size=12)
    | st.from_regex(r"[A-Za-z0-9._-]{0,20}\n?", fullmatch=True)
)
def test_each_pattern_test_fails_where_its_regex_does_not_match(text: str) -> None:
    # A character class is tested by marking the other bytes through a table; never otherwise.
    for pattern in PATTERNS:
        test = pattern_test(pattern)
        fails = eval(test.condition("value", "test"), {"test": test.test, "value": text})
        assert bool(fails) == (re.search(translate_pattern(pattern), text) is None), pattern
    assert isinstance(pattern_test("^[A-Za-z0-9._-]*$").test, bytes)
    assert not isinstance(pattern_test("^[\\x20-\\xFF]*$").test, bytes)


def _guards_of_every_direct_path() -> list[tuple[str, Any, dict[str, Any]]]:
    found = []
    for kind in ("issue-response", "result"):
        for level in LEVELS:
            path = acceptor(kind, Profile.parse(level), level != "sdk")
            if path is None or path.direct is None:
                continue
            for _, guards in path.direct.structs.values():
                found += [(f"{kind}/{level}", guard, path.direct.constants) for guard in guards]
    return found


GUARDS = _guards_of_every_direct_path()


def test_every_level_of_the_issue_api_has_guards_to_hold() -> None:
    levels = {where.split("/")[1] for where, guard, _ in GUARDS if guard.tests}
    assert levels == set(LEVELS)


def _judges_strings(guard: Any) -> bool:
    return any(
        "len(v)" in fails or ".encode()" in fails or "_re(v)" in fails
        for _, fails, _ in guard.tests
    )


def _value_for(guard: Any) -> st.SearchStrategy[Any]:
    if _judges_strings(guard):
        return st.text(max_size=40) | st.text(
            st.characters(max_codepoint=127), min_size=15, max_size=30
        )
    return st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.integers(
        min_value=-3, max_value=40
    )


@settings(SETTINGS, max_examples=300)
@given(
    st.sampled_from([where for where in GUARDS if where[1].tests]).flatmap(
        lambda where: st.tuples(st.just(where), _value_for(where[1]))
    )
)
def test_a_member_breaks_its_merged_test_exactly_when_it_breaks_a_keyword(
    drawn: tuple[tuple[str, Any, dict[str, Any]], Any],
) -> None:
    # The accept path tests a member by its merged conditions, the direct path judges it
    # keyword by keyword only when they hold: they must hold exactly when one keyword fails.
    (_, guard, constants), value = drawn
    merged = " or ".join(f"({c})" for c in guard.conditions + guard.patterns)
    names = {**constants, "v": value}
    breaks_one = any(bool(eval(fails, names)) for _, fails, _ in guard.tests)
    assert bool(eval(merged, names)) == breaks_one, (guard.member, value)


def test_strict_structs_serve_where_the_direct_path_cannot_be_stated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A plan the generated tests cannot state (none of the bundled schema files has one):
    # the accept path keeps the strict structs, bounds and lengths checked by msgspec.
    monkeypatch.setattr(accept_module, "direct_path", lambda *args: None)
    acceptor.cache_clear()
    try:
        path = acceptor("issue-response", Profile.CIBA, True)
        assert path is not None
        assert path.direct is None
        validator = get_validator("ciba")
        exact = validator.exact
        checker = path.bind(exact, validator._code_findings)
        for body in [OK, *DIRECT, *ONE_STRUCT]:
            assert checker(body) == exact(body), body
        assert path.accepts(OK)
        assert not path.accepts(OK.replace(b"900", b"0"))
    finally:
        acceptor.cache_clear()


_TICKET_DOCUMENT = (
    '{"error":"invalid_request","error_description":'
    '"[A181201] /backchannel/authentication/issue, The ticket does not exist."}'
)


def _ticket(**members: Any) -> bytes:
    payload = {
        "resultCode": "A181201",
        "resultMessage": "[A181201] /backchannel/authentication/issue, The ticket does not exist.",
        "action": "INVALID_TICKET",
        "responseContent": _TICKET_DOCUMENT,
    }
    return orjson.dumps({**payload, **members})


def test_an_error_document_kept_as_good_leaves_the_rest_judged() -> None:
    # The same document, kept after its first reading, beside members that break rules, and
    # documents that differ from it by one character in a place a pattern judges.
    bodies = [
        _ticket(),
        _ticket(expiresIn=2**31),
        _ticket(resultCode="A181203"),
        _ticket(responseContent=_TICKET_DOCUMENT.replace("invalid_request", 'invalid\\"request')),
        _ticket(responseContent=_TICKET_DOCUMENT.replace("exist.", "exist.\\\\")),
        _ticket(responseContent=_TICKET_DOCUMENT[:-1]),
        _ticket(),
    ]
    for level in LEVELS:
        validator = get_validator(level)
        for body in bodies * 2:
            assert validator.validate(body) == validator.exact(body), (level, body)
    assert validate(bodies[0], profile="ciba") == []
    assert validate(bodies[1], profile="ciba") != []


def test_documents_kept_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accept_module, "DOCUMENTS_KEPT", 2)
    kept: dict[str, None] = {}
    for text in ("a", "b", "c"):
        accept_module._keep_document(kept, text)
        assert len(kept) <= 2
        assert text in kept
