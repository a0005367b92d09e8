"""Building payloads valid at a level, and editing them without breaking their relations.

A valid payload keeps the relations no schema states: ``resultMessage``
starts with ``[resultCode]`` and the acknowledgement in ``responseContent``
mirrors the fields. :func:`set_member` and :func:`drop_member` keep them in
step, so that the breakers change one thing and break one rule.

Names without a leading underscore are shared within :mod:`ciba_contracts.strategies`;
they are not public API.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.schemas import load_schema
from ciba_contracts.jsondoc.parse import NotJson, parse_json
from ciba_contracts.strategies.schema_facts import (
    ACTION_MEMBER,
    CODE_MEMBER,
    MESSAGE_MEMBER,
    MISSING,
    Contract,
    Missing,
)
from ciba_contracts.strategies.values import (
    TEXT,
    add_unknown_members,
    dump,
    serialize,
    value_strategy,
)


def body_of(payload: dict[str, Any], member: str | None) -> dict[str, Any] | None:
    if member is None:
        return None
    text = payload.get(member)
    if not isinstance(text, str):
        return None
    try:
        body = parse_json(text)  # read as the validator reads it
    except NotJson:
        return None
    return body if isinstance(body, dict) else None


def set_member(contract: Contract, payload: dict[str, Any], member: str, value: Any) -> None:
    """Set a member and keep the relations in step: message prefix and mirrored document."""
    old = payload.get(member, MISSING)
    payload[member] = value
    if member == CODE_MEMBER:
        message = payload.get(MESSAGE_MEMBER)
        if isinstance(old, str) and isinstance(value, str) and isinstance(message, str):
            prefix = f"[{old}]"
            if message.startswith(prefix):
                payload[MESSAGE_MEMBER] = f"[{value}]" + message[len(prefix) :]
    _sync_mirror(contract, payload, member)


def drop_member(contract: Contract, payload: dict[str, Any], member: str) -> None:
    payload.pop(member, None)
    _sync_mirror(contract, payload, member)


def _sync_mirror(contract: Contract, payload: dict[str, Any], field: str) -> None:
    ack_member = contract.ack_member_for(field)
    ack_file = contract.ack_file
    if (
        ack_member is None
        or ack_file is None
        or payload.get(ACTION_MEMBER) != contract.mirror_action
    ):
        return
    body = body_of(payload, contract.content_member)
    if body is None or contract.content_member is None:
        return
    if field in payload:
        body[ack_member] = payload[field]
    else:
        required = set(load_schema(ack_file).get("required", []))
        # A required member stays: its absence from the fields is the fields' fault.
        if ack_member not in required:
            body.pop(ack_member, None)
    payload[contract.content_member] = dump(body)


def _document(
    draw: st.DrawFn,
    contract: Contract,
    level: Profile,
    content: str,
    payload: dict[str, Any],
    extras: bool,
) -> dict[str, Any]:
    """A ``responseContent`` document valid at ``level``, mirroring the fields where it must."""
    members = contract.document_members(content)
    required = contract.required(level, None, content)
    body: dict[str, Any] = {}
    for member, json_type in members.items():
        field = contract.field_for(member) if content == contract.ack_file else None
        if field is not None:
            # Mirrored: present exactly when the field is, with the field's value.
            if field in payload:
                body[member] = payload[field]
            continue
        if member in required or draw(st.booleans()):
            sites = contract.member_sites(level, None, member, content)
            body[member] = draw(value_strategy(json_type, sites))
    if extras:
        add_unknown_members(draw, body, members)
    return body


@st.composite
def valid_payloads(
    draw: st.DrawFn,
    contract: Contract,
    level: Profile,
    action: str | Missing | None = None,
    extras: bool = True,
    with_content: bool = False,
) -> dict[str, Any]:
    """A payload valid at ``level``; ``action`` None draws one, MISSING leaves it out.

    At the sdk level half the payloads are shaped as the authlete level wants
    (also sdk-valid), half use the looser sdk freedom (any member may be absent,
    any string goes).
    """
    if action is None:
        action = draw(st.sampled_from(contract.action_choices(level)))
    if level is Profile.SDK and draw(st.booleans()):
        return draw(_free(contract, action, extras))
    shaped = level if level.includes(Profile.AUTHLETE) else Profile.AUTHLETE
    if shaped is not level and isinstance(action, Missing) and contract.actions():
        return draw(_free(contract, action, extras))
    payload: dict[str, Any] = {}
    act = action if isinstance(action, str) else None
    if act is not None:
        payload[ACTION_MEMBER] = act
    required = contract.required(shaped, act)
    for member, json_type in contract.members.items():
        if member in (ACTION_MEMBER, MESSAGE_MEMBER, contract.content_member):
            continue
        if member in required or draw(st.booleans()):
            sites = contract.member_sites(shaped, act, member)
            payload[member] = draw(value_strategy(json_type, sites))
    if MESSAGE_MEMBER in contract.members and (MESSAGE_MEMBER in required or draw(st.booleans())):
        sites = contract.member_sites(shaped, act, MESSAGE_MEMBER)
        text = draw(value_strategy("string", sites))
        code = payload.get(CODE_MEMBER)
        if isinstance(code, str):
            text = f"[{code}]" + draw(st.sampled_from([" ", ""])) + text
        payload[MESSAGE_MEMBER] = text
    content_member = contract.content_member
    if content_member is not None:
        content = contract.content_files.get(act) if act is not None else None
        wanted = with_content or content_member in required or draw(st.booleans())
        if content is not None and wanted:
            body = _document(draw, contract, shaped, content, payload, extras)
            payload[content_member] = draw(serialize(body))
        elif content is None and wanted:
            payload[content_member] = draw(TEXT)
    if extras:
        add_unknown_members(draw, payload, contract.members)
    return payload


@st.composite
def _free(
    draw: st.DrawFn, contract: Contract, action: str | Missing, extras: bool
) -> dict[str, Any]:
    """An sdk-valid payload with the sdk's freedom: every member optional, only types count."""
    payload: dict[str, Any] = {}
    if isinstance(action, str):
        payload[ACTION_MEMBER] = action
    act = action if isinstance(action, str) else None
    for member, json_type in contract.members.items():
        if member == ACTION_MEMBER:
            continue
        if draw(st.booleans()):
            sites = contract.member_sites(Profile.SDK, act, member)
            payload[member] = draw(value_strategy(json_type, sites))
    if extras:
        add_unknown_members(draw, payload, contract.members)
    return payload
