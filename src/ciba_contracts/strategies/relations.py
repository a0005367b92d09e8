"""Breaking the relations no schema states, with hand-written plans.

The payload is JSON, ``resultMessage`` starts with ``[resultCode]``,
``responseContent`` is JSON and agrees with the fields, and the code is one
Authlete documents for this API and action, with its message: the validator
checks these in code, so no ``x-ciba-rule`` annotation leads to them and each
has a breaker here, keyed by the rule's code as the catalog gives it. The
result-code rules are broken only for the APIs whose codes the validator holds
to the table (:func:`~ciba_contracts.validate.rule_apis.rules_by_api`).

Names without a leading underscore are shared within :mod:`ciba_contracts.strategies`;
they are not public API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from hypothesis import strategies as st

from ciba_contracts.contract import result_codes
from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.rules import RULES, rule_named
from ciba_contracts.strategies.breaking import Plan
from ciba_contracts.strategies.codes import breaking_codes, message_for, off_message_for
from ciba_contracts.strategies.schema_facts import (
    CODE_MEMBER,
    CONTENT_NOT_JSON,
    MESSAGE_MEMBER,
    MESSAGE_PREFIX,
    MIRROR_MISMATCH,
    NOT_JSON,
    Contract,
)
from ciba_contracts.strategies.valid import body_of, set_member, valid_payloads
from ciba_contracts.strategies.values import (
    CHARS,
    TEXT,
    StringRules,
    dump,
    serialize,
    value_strategy,
)
from ciba_contracts.validate.rule_apis import rules_by_api


def _not_json_plan(contract: Contract, level: Profile) -> Plan:
    @st.composite
    def build(draw: st.DrawFn) -> bytes | str:
        text = dump(draw(valid_payloads(contract, level)))
        raw = text.encode()
        how = draw(st.integers(0, 6))
        if how == 0:  # cut short, possibly to nothing
            cut = raw[: draw(st.integers(0, len(raw) - 1))]
            return cut if draw(st.booleans()) else cut.decode("utf-8", "ignore")
        if how == 1:
            return b"\xef\xbb\xbf" + raw  # a byte order mark
        if how == 2:  # a byte that is never UTF-8
            at = draw(st.integers(0, len(raw)))
            return raw[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\x80"])) + raw[at:]
        if how == 3:  # a second document or trailing garbage
            return text + draw(st.sampled_from(["{}", "x", ",", "]"]))
        if how == 4:
            return draw(st.sampled_from(["NaN", "Infinity", "-Infinity", "{'action': 'OK'}"]))
        if how == 5:
            return text.replace('"', "'") if '"' in text else "{'a'}"
        return draw(st.text(CHARS, max_size=20).map(lambda t: "<" + t))

    return Plan(build())


def _prefix_plan(contract: Contract, level: Profile) -> Plan | None:
    if CODE_MEMBER not in contract.members or MESSAGE_MEMBER not in contract.members:
        return None

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        payload = draw(valid_payloads(contract, level))
        code = payload.get(CODE_MEMBER)
        if not isinstance(code, str):
            code = draw(StringRules.of(contract.static_sites(level, None, CODE_MEMBER)).strategy())
            payload[CODE_MEMBER] = code
        prefix = f"[{code}]"
        message = draw(
            st.one_of(
                TEXT,
                TEXT.map(lambda t: " " + prefix + t),
                TEXT.map(lambda t: f"({code}) " + t),
                TEXT.map(lambda t: prefix.lower() + t),
                TEXT.map(lambda t: f"[{code[:-1]}] " + t),
            ).filter(lambda m: not m.startswith(prefix))
        )
        payload[MESSAGE_MEMBER] = message
        return payload

    return Plan(build())


def _content_not_json_plan(contract: Contract, level: Profile) -> Plan | None:
    if contract.content_member is None or not contract.content_files:
        return None
    member = contract.content_member
    actions = sorted(contract.content_files)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        payload = draw(
            valid_payloads(contract, level, draw(st.sampled_from(actions)), with_content=True)
        )
        text = str(payload[member])
        how = draw(st.integers(0, 5))
        if how == 0:
            broken = text[: draw(st.integers(0, len(text) - 1))]
        elif how == 1:  # the vendor's published example: quotes escaped once too often
            broken = text.replace('"', '\\"')
        elif how == 2:
            broken = "\ufeff" + text
        elif how == 3:
            broken = text + draw(st.sampled_from(["}", "x", "{}"]))
        elif how == 4:
            broken = draw(st.sampled_from(["", "NaN", "server_error", "null,"]))
        else:
            broken = draw(TEXT.map(lambda t: "<" + t))
        payload[member] = broken
        return payload

    return Plan(build())


def _mismatch_plan(contract: Contract, level: Profile) -> Plan | None:
    ok, ack = contract.mirror_action, contract.ack_file
    if not contract.mirror or ok is None or ack is None or contract.content_member is None:
        return None
    member_name = contract.content_member
    required_ack = contract.required(level, None, ack)
    required_fields = contract.required(level, ok)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        payload = draw(valid_payloads(contract, level, ok))
        body = body_of(payload, member_name)
        assert body is not None
        ack_member = draw(st.sampled_from(sorted(contract.mirror)))
        field = contract.mirror[ack_member]
        sites = contract.static_sites(level, ok, field) + contract.static_sites(
            level, None, ack_member, ack
        )
        values = value_strategy(contract.member_type(field), sites)
        one_sided = ack_member not in required_ack and field not in required_fields
        how = draw(st.integers(0, 2)) if one_sided else 0
        if how == 0:  # both sides, different values
            if field not in payload:
                set_member(contract, payload, field, draw(values))
                body = body_of(payload, member_name)
                assert body is not None
            current = payload[field]
            body[ack_member] = draw(values.filter(lambda v: v != current))
        elif how == 1:  # only in the document
            payload.pop(field, None)
            body[ack_member] = draw(values)
        else:  # only in the fields
            payload[field] = draw(values)
            body.pop(ack_member, None)
        payload[member_name] = draw(serialize(body))
        return payload

    return Plan(build())


def _code_plan(name: str) -> Callable[[Contract, Profile], Plan | None]:
    """The maker of plans breaking the result-code rule called ``name``."""
    code = rule_named(name).code

    def plan(contract: Contract, level: Profile) -> Plan | None:
        api = contract.api
        if api is None or code not in rules_by_api().get(api, ()):
            return None
        if not level.includes(RULES[code].level):
            return None
        pools = {a: breaking_codes(api, a, name) for a in contract.actions()}
        actions = sorted(a for a, pool in pools.items() if pool)
        if not actions:
            return None

        @st.composite
        def build(draw: st.DrawFn) -> dict[str, Any]:
            action = draw(st.sampled_from(actions))
            payload = draw(valid_payloads(contract, level, action))
            result = draw(st.sampled_from(pools[action]))
            payload[CODE_MEMBER] = result
            wrong = name == result_codes.MESSAGE
            payload[MESSAGE_MEMBER] = draw(
                off_message_for(result) if wrong else message_for(result)
            )
            return payload

        return Plan(build())

    return plan


RELATION_PLANS: Final[dict[str, Callable[[Contract, Profile], Plan | None]]] = {
    NOT_JSON: _not_json_plan,
    MESSAGE_PREFIX: _prefix_plan,
    CONTENT_NOT_JSON: _content_not_json_plan,
    MIRROR_MISMATCH: _mismatch_plan,
    **{
        rule_named(name).code: _code_plan(name)
        for name in (
            result_codes.UNDOCUMENTED,
            result_codes.MESSAGE,
            result_codes.ACTION,
            result_codes.PARTY,
            result_codes.OTHER_API,
        )
    },
}
