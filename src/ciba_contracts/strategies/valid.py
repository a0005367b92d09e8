"""Building payloads valid at a level, and editing them without breaking their relations.

A payload is built member by member from its shape, each value meeting the
sites that hold for it; the members some ``if`` tests (``deliveryMode``,
``hintType``...) come first, so that the requirements depending on them are
known when the others are drawn. An array that must contain a matching item
gets one. A valid payload keeps the relations no schema states:
``resultMessage`` is ``[resultCode]`` and the message Authlete documents for a
code that fits the action, and ``responseContent`` holds the action's document,
repeating the fields it mirrors. :func:`set_member`, :func:`set_path` and
:func:`drop_path` keep those in step, so that the breakers change one thing and
break one rule.

Names without a leading underscore are shared within :mod:`ciba_contracts.strategies`;
they are not public API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from ciba_contracts.contract.profiles import Profile
from ciba_contracts.jsondoc.parse import NotJson, parse_json
from ciba_contracts.strategies.codes import fitting_codes, has_table, message_for
from ciba_contracts.strategies.schema_facts import (
    CODE_MEMBER,
    MESSAGE_MEMBER,
    Contract,
)
from ciba_contracts.strategies.schema_walk import (
    ACTION_MEMBER,
    ANY_SHAPE,
    ITEMS,
    MISSING,
    Given,
    JsonValue,
    Missing,
    Shape,
    Site,
    Subschema,
    join,
    meeting,
    shape_of,
    split,
)
from ciba_contracts.strategies.values import (
    TEXT,
    add_unknown_members,
    dump,
    serialize,
    value_strategy,
)

_MAX_ITEMS = 2


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


def _under(path: str, ensured: str) -> bool:
    return ensured == path or ensured.startswith(path + "/")


class Builder:
    """Draws the values of one payload (or document) at one level, for one action."""

    def __init__(
        self,
        draw: st.DrawFn,
        contract: Contract,
        level: Profile,
        action: str | None,
        content: str | None = None,
        *,
        extras: bool = True,
        ensure: frozenset[str] = frozenset(),
        root: dict[str, Any] | None = None,
    ) -> None:
        self.draw = draw
        self.contract = contract
        self.level = level
        self.action = action
        self.content = content
        self.extras = extras
        self.ensure = ensure
        self.root: dict[str, Any] = {} if root is None else root
        #: document member -> a function giving its value (mirrored fields).
        self.linked: dict[str, Any] = {}

    # -- what holds -------------------------------------------------------------------

    def sites(self, path: str) -> tuple[Site, ...]:
        """The sites on the value at ``path`` that hold in the payload drawn so far."""
        parent, leaf = split(path)
        out = []
        for site in self.contract.sites_here(self.level, self.content, path):
            if site.action not in (None, self.action):
                continue
            # A condition on the member being drawn holds once it is there, and its
            # value constraints are for that case: they count.
            if all(
                (c.at == parent and leaf in c.members()) or c.test(self.root) for c in site.when
            ):
                out.append(site)
        return tuple(out)

    def required(self, path: str | None) -> frozenset[str]:
        return self.contract.required(self.level, self.action, path, self.content, self.root)

    def closed(self, path: str | None) -> bool:
        """Whether the object at ``path`` may hold no member its schema does not name."""
        return any(
            s.keyword == "additionalProperties" and s.action in (None, self.action)
            for s in self.contract.sites_here(self.level, self.content, path)
        )

    def ensured(self, path: str) -> bool:
        return any(_under(path, e) for e in self.ensure)

    # -- drawing ------------------------------------------------------------------------

    def obj(
        self,
        path: str | None,
        shape: Shape,
        given: Mapping[str, Given] | None = None,
        *,
        names: tuple[str, ...] | None = None,
        skip: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        """An object meeting its sites; ``given`` says what some members must be."""
        draw = self.draw
        given = given or {}
        target = self.root if path is None else {}
        if names is None:
            names = tuple(shape.properties)
        tested = self.contract.condition_members(self.content, path)
        first = [n for n in names if n in tested or n in given]
        rest = [n for n in names if n not in tested and n not in given]
        for group in (first, rest):
            # Requirements depending on the first group are known once it is drawn.
            required = self.required(path)
            for name in group:
                if name in skip:
                    continue
                child = join(path, name)
                wanted = given.get(name)
                if isinstance(wanted, Missing):
                    continue
                needed = name in required or wanted is not None or self.ensured(child)
                if not (needed or name in self.linked or draw(st.booleans())):
                    continue
                if isinstance(wanted, tuple):
                    target[name] = draw(st.sampled_from(wanted))
                elif name in self.linked:
                    value = self.linked[name](needed)
                    if value is not MISSING:
                        target[name] = value
                else:
                    target[name] = self.value(child, shape.properties.get(name, ANY_SHAPE))
        if self.extras and not self.closed(path):
            add_unknown_members(draw, target, names)
        return target

    def value(self, path: str, shape: Shape) -> JsonValue:
        sites = self.sites(path)
        types = shape.types
        for site in () if types else sites:
            if site.keyword == "type":
                types = (site.value,) if isinstance(site.value, str) else tuple(site.value)
                break
        continued = {e[len(path) + 1 :].split("/", 1)[0] for e in self.ensure if _under(path, e)}
        continued.discard("")
        if continued:
            json_type = "array" if ITEMS in continued else "object"
        elif types:
            json_type = types[0] if len(types) == 1 else self.draw(st.sampled_from(types))
        else:
            json_type = ""
        if json_type == "object":
            return self.obj(path, shape)
        if json_type == "array":
            return self.array(path, shape)
        return self.draw(value_strategy(json_type, sites))

    def array(self, path: str, shape: Shape) -> list[JsonValue]:
        item_path = join(path, ITEMS)
        item_shape = shape.items or ANY_SHAPE
        size = self.draw(st.integers(1 if self.ensured(item_path) else 0, _MAX_ITEMS))
        items = [self.value(item_path, item_shape) for _ in range(size)]
        self.keep_contains(path, item_shape, items)
        return items

    def keep_contains(self, path: str, item_shape: Shape, items: list[JsonValue]) -> None:
        """Add an item that meets each ``contains`` of the array that none meets."""
        for site in self.sites(path):
            if site.keyword == "contains" and not any(site.value.matches(i) for i in items):
                item = self.matching(join(path, ITEMS), item_shape, site.value)
                items.insert(self.draw(st.integers(0, len(items))), item)

    def matching(self, item_path: str, item_shape: Shape, schema: Subschema) -> JsonValue:
        """An object item meeting ``schema``'s required members and const or enum values."""
        given = meeting(schema.schema) or {}
        names = (*item_shape.properties, *(n for n in given if n not in item_shape.properties))
        return self.obj(item_path, item_shape, given, names=names)

    def shape_at(self, path: str) -> Shape | None:
        shape: Shape | None = (
            self.contract.shape if self.content is None else shape_of(self.content)
        )
        for token in path.split("/"):
            if shape is None:
                return None
            shape = shape.items if token == ITEMS else shape.properties.get(token)
        return shape


def _result_members(draw: st.DrawFn, builder: Builder, contract: Contract, act: str | None) -> None:
    """``resultCode`` and ``resultMessage``: a documented code that fits the action, and its
    message, where the API has a table; else any code and ``[code]`` before the message."""
    payload = builder.root
    required = builder.required(None)
    level = builder.level
    table = has_table(contract.api) and act is not None
    codes = fitting_codes(str(contract.api), str(act)) if table else ()
    if CODE_MEMBER in contract.members and (CODE_MEMBER in required or draw(st.booleans())):
        if codes:
            payload[CODE_MEMBER] = draw(st.sampled_from(codes))
        else:
            sites = contract.static_sites(level, act, CODE_MEMBER)
            payload[CODE_MEMBER] = draw(value_strategy("string", sites))
    if MESSAGE_MEMBER in contract.members and (MESSAGE_MEMBER in required or draw(st.booleans())):
        code = payload.get(CODE_MEMBER)
        if codes and isinstance(code, str):
            payload[MESSAGE_MEMBER] = draw(message_for(code))
            return
        sites = contract.static_sites(level, act, MESSAGE_MEMBER)
        text = draw(value_strategy("string", sites))
        if isinstance(code, str):
            text = f"[{code}]" + draw(st.sampled_from([" ", ""])) + text
        payload[MESSAGE_MEMBER] = text


def document(
    draw: st.DrawFn,
    contract: Contract,
    level: Profile,
    file: str,
    payload: dict[str, Any],
    extras: bool,
    given: Mapping[str, Given] | None = None,
) -> dict[str, Any]:
    """A ``responseContent`` document valid at ``level``, repeating the fields it mirrors."""
    act = payload.get(ACTION_MEMBER)
    builder = Builder(
        draw, contract, level, act if isinstance(act, str) else None, file, extras=extras
    )
    checked = contract.mirror if act == contract.mirror_action else {}
    wanted: dict[str, Given] = dict(given or {})
    for member, field in checked.items():
        # Mirrored: present exactly when the field is, with the field's value.
        wanted[member] = (payload[field],) if field in payload else MISSING
    for member, field in contract.declared_mirrors.get(file, {}).items():
        if member in checked:
            continue
        if field in payload and member not in wanted:
            # A field the document repeats: the member is there, with its value.
            wanted[member] = (payload[field],)
        else:
            builder.linked[member] = _linked(builder, payload, member, field)
    names = contract.document_members(file)
    # A mirrored member the document's schema does not name (a push refresh_token) still
    # repeats its field.
    names += tuple(m for m in contract.declared_mirrors.get(file, {}) if m not in names)
    builder.obj(None, shape_of(file), wanted, names=names)
    return builder.root


def _linked(builder: Builder, payload: dict[str, Any], member: str, field: str) -> Any:
    """A document member repeating a field: the field's value, or (when the document needs
    it) a value drawn for both."""

    def value(needed: bool) -> JsonValue:
        if field in payload:
            return payload[field]
        if not needed:
            return MISSING
        contract = builder.contract
        sites = contract.static_sites(builder.level, builder.action, field)
        sites += contract.static_sites(builder.level, None, member, builder.content)
        drawn = builder.draw(value_strategy(contract.member_type(field), sites))
        payload[field] = drawn
        return drawn

    return value


@st.composite
def valid_payloads(
    draw: st.DrawFn,
    contract: Contract,
    level: Profile,
    action: str | Missing | None = None,
    extras: bool = True,
    with_content: bool = False,
    given: Mapping[str, Given] | None = None,
    doc_given: Mapping[str, Given] | None = None,
    ensure: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """A payload valid at ``level``; ``action`` None draws one, MISSING leaves it out.

    ``given`` says what some members must be, ``doc_given`` the same of the
    document's, and the paths of ``ensure`` are there (arrays on them non-empty).
    At the sdk level half the payloads are shaped as the authlete level wants
    (also sdk-valid), half use the looser sdk freedom (any member may be absent,
    any string goes).
    """
    if action is None:
        action = draw(st.sampled_from(contract.action_choices(level)))
    act = action if isinstance(action, str) else None
    free = level is Profile.SDK and draw(st.booleans())
    if level is Profile.SDK and isinstance(action, Missing) and contract.actions():
        free = True
    if free:
        builder = Builder(draw, contract, Profile.SDK, act, extras=extras, ensure=ensure)
        if act is not None:
            builder.root[ACTION_MEMBER] = act
        builder.obj(None, contract.shape, given, skip=frozenset({ACTION_MEMBER}))
        return builder.root
    shaped = level if level.includes(Profile.AUTHLETE) else Profile.AUTHLETE
    builder = Builder(draw, contract, shaped, act, extras=extras, ensure=ensure)
    payload = builder.root
    if act is not None:
        payload[ACTION_MEMBER] = act
    content_member = contract.content_member
    special = frozenset({ACTION_MEMBER, CODE_MEMBER, MESSAGE_MEMBER, content_member or ""})
    builder.obj(None, contract.shape, given, skip=special)
    _result_members(draw, builder, contract, act)
    if content_member is not None and content_member in contract.members:
        file = contract.content_file(act, payload)
        required = builder.required(None)
        wanted = with_content or content_member in required or draw(st.booleans())
        if file is not None and wanted:
            body = document(draw, contract, shaped, file, payload, extras, doc_given)
            payload[content_member] = draw(serialize(body))
        elif file is None and wanted:
            payload[content_member] = draw(TEXT)
    return payload


# -- editing ----------------------------------------------------------------------------------


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
    if ack_member is None or payload.get(ACTION_MEMBER) != contract.mirror_action:
        return
    body = body_of(payload, contract.content_member)
    if body is None or contract.content_member is None:
        return
    if field in payload:
        body[ack_member] = payload[field]
    elif ack_member not in contract.ack_required:
        # A required member stays: its absence from the fields is the fields' fault.
        body.pop(ack_member, None)
    payload[contract.content_member] = dump(body)


def _holders(draw: st.DrawFn, payload: Any, path: str) -> tuple[Any, str]:
    """(the object or array holding the value at ``path``, its key), an item picked for
    each ``*``; the path must be there (see ``ensure``)."""
    parent, leaf = split(path)
    node = payload
    for token in () if parent is None else parent.split("/"):
        node = node[draw(st.integers(0, len(node) - 1))] if token == ITEMS else node[token]
    return node, leaf


def set_path(
    draw: st.DrawFn,
    contract: Contract,
    level: Profile,
    payload: dict[str, Any],
    path: str,
    value: JsonValue,
) -> None:
    """Set the value at ``path`` (a member, or inside one), relations kept in step."""
    if "/" not in path:
        set_member(contract, payload, path, value)
        return
    holder, leaf = _holders(draw, payload, path)
    if leaf == ITEMS:
        holder[draw(st.integers(0, len(holder) - 1))] = value
    else:
        holder[leaf] = value
    _restore_contains(draw, contract, level, payload, path)


def drop_path(
    draw: st.DrawFn, contract: Contract, level: Profile, payload: dict[str, Any], path: str
) -> None:
    """Leave out the member at ``path``."""
    if "/" not in path:
        drop_member(contract, payload, path)
        return
    holder, leaf = _holders(draw, payload, path)
    holder.pop(leaf, None)
    _restore_contains(draw, contract, level, payload, path)


def _restore_contains(
    draw: st.DrawFn, contract: Contract, level: Profile, payload: dict[str, Any], path: str
) -> None:
    """Give the arrays along ``path`` back the item their ``contains`` wants, if the edit
    took it (the edit is to break one rule, not that one)."""
    act = payload.get(ACTION_MEMBER)
    builder = Builder(
        draw, contract, level, act if isinstance(act, str) else None, extras=False, root=payload
    )
    tokens = path.split("/")
    for end in range(1, len(tokens)):
        if tokens[end] != ITEMS:
            continue
        array_path = "/".join(tokens[:end])
        if ITEMS in tokens[:end]:
            continue  # nested arrays hold no contains in the contract
        array: Any = payload
        for token in tokens[:end]:
            array = array.get(token) if isinstance(array, dict) else None
        if isinstance(array, list):
            shape = builder.shape_at(array_path)
            builder.keep_contains(array_path, (shape.items if shape else None) or ANY_SHAPE, array)
