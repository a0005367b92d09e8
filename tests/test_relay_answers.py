"""What a relay reads of an Authlete answer: the same as a full parse of it would give."""

from __future__ import annotations

import json
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from ciba_contracts import validate
from ciba_contracts.check.relay import relay_parts
from ciba_contracts.exchange import Exchange, Location

_ISSUE = "https://us.authlete.com/api/1/backchannel/authentication/issue"


def _answer(body: bytes | None, status: int | None = 200) -> Exchange:
    return Exchange(Location("t"), "POST", _ISSUE, status, (), body=body)


def _by_full_parse(body: bytes) -> tuple[str, Any, Any] | str:
    """The parts as a full parse reads them: (action, content, authReqId) or the reason."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "not JSON"
    if not isinstance(payload, dict) or not isinstance(payload.get("action"), str):
        return "no action"
    content = payload.get("responseContent")
    return (
        payload["action"],
        content if isinstance(content, str) else None,
        payload.get("authReqId"),
    )


def _read(body: bytes) -> tuple[str, Any, Any] | str:
    parts = relay_parts(_answer(body))
    if isinstance(parts, str):
        if "not JSON" in parts:
            return "not JSON"
        if "holds no `action`" in parts:
            return "no action"
        return parts
    relay, content, auth_req_id = parts
    return relay.action, content, auth_req_id


#: The issue API's actions, and one it never answers.
_ISSUE_ACTIONS = ("OK", "INVALID_TICKET", "INTERNAL_SERVER_ERROR")
_ACTIONS = st.sampled_from([*_ISSUE_ACTIONS, "BAD_REQUEST"])
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)
_MEMBERS = st.dictionaries(
    st.sampled_from(["action", "responseContent", "authReqId", "resultCode", "x", "ä"]),
    _ACTIONS | _VALUES,
    max_size=5,
)


@settings(max_examples=300, deadline=None)
@given(_MEMBERS | _VALUES, st.booleans())
def test_the_parts_are_those_of_a_full_parse(document: Any, ascii_only: bool) -> None:
    body = json.dumps(document, ensure_ascii=ascii_only).encode()
    expected = _by_full_parse(body)
    if isinstance(expected, tuple) and expected[0] not in _ISSUE_ACTIONS:
        expected = f"the relay table states nothing for action {expected[0]}"
    assert _read(body) == expected


def test_a_repeated_member_counts_at_its_last_place() -> None:
    body = b'{"action":"INVALID_TICKET","action":"OK","authReqId":"a","authReqId":"b"}'
    assert _read(body) == ("OK", None, "b")


def test_bytes_that_are_no_json_or_no_utf8_are_not_json() -> None:
    for body in (b"", b"{", b'{"action":"OK"} x', b'{"action":"OK","x":"\xff"}', b"NaN"):
        assert _read(body) == "not JSON", body


def test_a_body_that_is_no_object_is_judged_whole() -> None:
    # The struct decoder refuses an array at its first byte; what follows still decides.
    assert _read(b"[Infinity]") == "not JSON"
    assert _read(b'["OK", 1]') == "no action"


def test_a_number_beyond_a_double_is_json_as_the_validator_reads_it() -> None:
    # JSON puts no bound on numbers; orjson refuses 1e400, the validator does not, and the
    # relay now reads such an answer as the validator does.
    body = b'{"action":"INVALID_TICKET","x":1e400}'
    assert _read(body) == ("INVALID_TICKET", None, None)
    assert not any(f.rule == "S001" for f in validate(body))


def test_json_without_an_action_says_so() -> None:
    for body in (b"[]", b'"OK"', b"{}", b'{"action":1}', b'{"action":null}'):
        assert _read(body) == "no action", body


def test_an_unrecorded_answer_is_named() -> None:
    assert relay_parts(_answer(None)) == "the Authlete answer is not recorded"
    assert relay_parts(_answer(b"{}", status=None)) == "the Authlete answer is not recorded"
