"""Hypothesis strategies for issue responses and result objects, valid or breaking one rule.

- :func:`issue_responses` draws ``BackchannelAuthenticationIssueResponse``
  payloads (dicts) that keep the contract at a level: no error-severity rule of
  that level fires.
- :func:`invalid_issue_responses` draws payloads that break one rule of the
  catalog and no other error rule (see "Exactly one rule" below).
- :func:`result_objects` and :func:`invalid_result_objects` do the same for
  Authlete's ``result`` object (the body of 400/401/403/500 answers).

Everything is read from the schema files and the rule catalog: member names and
JSON types from the sdk schema, enum values, int32 bounds, per-action required
members and bounds from the ``if``/``then`` blocks, patterns and lengths, the
``responseContent`` documents (``contentSchema``) and the mirrored members
(``x-ciba-mirror``). Each way of breaking a rule is found from the
``x-ciba-rule`` annotations: a ``required`` keyword annotated with a rule is
broken by leaving the member out, a ``pattern`` by a string outside it, and so
on. Only the relations JSON Schema cannot state (the payload is JSON,
``resultMessage`` starts with ``[resultCode]``, ``responseContent`` is JSON and
agrees with the fields: S001, A105, A111, A112) have hand-written breakers.

Exactly one rule
----------------
A payload from ``invalid_issue_responses(rule=X, profile=P)`` is built from a
payload valid at ``P`` (``P`` defaults to X's own level) and changed in one
place, so that the error rules firing at ``P`` are exactly ``{X}``. Breaking an
sdk rule therefore means different things at different ``P``: with the default
``P = sdk`` the rest of the payload is only sdk-valid (it may lack ``action``,
say, which breaks A101 at the authlete level); with ``profile="ciba"`` the rest
is ciba-valid and the payload breaks X and nothing else at every level from
X's own up to ciba. The change keeps the relations intact where it can: a
changed ``authReqId``, ``expiresIn`` or ``interval`` is changed inside
``responseContent`` too (the validator reports a fault present on both sides
once, on the field), and a changed ``resultCode`` keeps the ``resultMessage``
prefix in step.

Two kinds of exceptions, both computed, not listed:

- Rules another rule implies (``implied_by`` in the catalog) may be broken
  along, since the validator drops them: ``interval: -1`` breaks A110 and
  C203, and only A110 is reported.
- Some rules cannot fire alone: C204 (the acknowledgement's ``expires_in`` is
  not positive) is only reported where the acknowledgement disagrees with
  ``expiresIn``, which is A112. :func:`companion_rules` gives the rules a
  payload for X also breaks (``{"A112"}`` for C204, empty for every other rule
  today); the error rules at ``P`` are exactly ``{X} | companion_rules(X)``.

A warning rule (A116) yields payloads that are valid and carry that warning
and no other finding.

Only payload rules are covered: codes starting with S, A or C. Rules about the
HTTP exchange or the input (other prefixes) have no payload to generate and
raise ``ValueError``.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

import orjson
from hypothesis import strategies as st

from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.rules import RULES
from ciba_contracts.contract.schemas import ISSUE_RESPONSE_FILES, RESULT_FILES, load_schema
from ciba_contracts.validate.parse import NotJson, parse_json
from ciba_contracts.validate.schema_map import RULE_KEYWORD, _code_for
from ciba_contracts.violations import KIND_NAMES

__all__ = [
    "PAYLOAD_RULE_PREFIXES",
    "companion_rules",
    "invalid_issue_responses",
    "invalid_result_objects",
    "issue_responses",
    "payload_rules",
    "result_objects",
]

#: Rule code prefixes the payload strategies cover (sdk, authlete, ciba levels).
PAYLOAD_RULE_PREFIXES: Final = ("S", "A", "C")

_ISSUE = "issue-response"
_RESULT = "result"

# The A105 relation ("resultMessage starts with [resultCode]") is stated in no
# schema, only in the rule catalog and the validator, so its member names are
# the one thing said here.
_CODE_MEMBER: Final = "resultCode"
_MESSAGE_MEMBER: Final = "resultMessage"
_ACTION_MEMBER: Final = "action"
# Rules the validator checks in code rather than through a schema keyword.
_NOT_JSON: Final = "S001"
_MESSAGE_PREFIX: Final = "A105"
_CONTENT_NOT_JSON: Final = "A111"
_MIRROR_MISMATCH: Final = "A112"

_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
_NUMERIC_KEYWORDS: Final = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
_STRING_KEYWORDS: Final = frozenset({"pattern", "minLength", "maxLength"})
_CONSTRAINT_KEYWORDS: Final = (
    _NUMERIC_KEYWORDS | _STRING_KEYWORDS | {"type", "enum", "const", "required"}
)
_CHAR_CLASS_STAR = re.compile(r"^\^(\[(?:[^\]\\]|\\.)+\])\*\$$")
_CLASS_PROBE_RANGE: Final = range(0x300)


class _Missing:
    """A member left out (distinct from JSON null)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()

JsonValue: TypeAlias = Any
Payload: TypeAlias = Any


# -- facts read from the schema files ----------------------------------------------


@dataclass(frozen=True, slots=True)
class _Site:
    """One constraint keyword of a schema file and the rule its failure belongs to."""

    rule: str
    keyword: str
    value: Any
    #: The ``action`` value of the enclosing ``if``, or None outside any.
    action: str | None
    #: The payload (or document) member it constrains; None for the document itself.
    member: str | None
    #: The schema file of the ``responseContent`` document, or None for the payload.
    content: str | None

    @property
    def level(self) -> Profile:
        return RULES[self.rule].level


def _rule_for(annotations: Sequence[Any], keyword: str) -> str | None:
    # As the validator reads them: the nearest annotation naming a rule for the keyword.
    for annotation in reversed(annotations):
        code = _code_for(annotation, keyword)
        if code is not None:
            return code
    return None


def _freeze(value: Any) -> Any:
    # Sites are hashed (strategies are cached by them); JSON arrays become tuples.
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _if_action(condition: Any) -> str | None:
    if not isinstance(condition, dict):
        return None
    const = condition.get("properties", {}).get(_ACTION_MEMBER, {}).get("const")
    return const if isinstance(const, str) else None


def _sites(
    node: Any,
    *,
    action: str | None = None,
    member: str | None = None,
    content: str | None = None,
    annotations: tuple[Any, ...] = (),
) -> Iterator[_Site]:
    if not isinstance(node, dict):
        return
    if RULE_KEYWORD in node:
        annotations = (*annotations, node[RULE_KEYWORD])
    for key, value in node.items():
        if key in _CONSTRAINT_KEYWORDS:
            rule = _rule_for(annotations, key)
            if rule is not None:
                yield _Site(rule, key, _freeze(value), action, member, content)
        elif key == "properties" and isinstance(value, dict):
            for name, sub in value.items():
                path = name if member is None else f"{member}/{name}"
                yield from _sites(
                    sub, action=action, member=path, content=content, annotations=annotations
                )
        elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
            for sub in value:
                yield from _sites(
                    sub, action=action, member=member, content=content, annotations=annotations
                )
        elif key == "then":
            yield from _sites(
                value,
                action=_if_action(node.get("if")),
                member=member,
                content=content,
                annotations=annotations,
            )
        # "if" is a condition, not a constraint; "$ref" is the level below (walked
        # on its own); "contentSchema" is another document (walked as content).


def _walk(node: Any, action: str | None = None) -> Iterator[tuple[dict[str, Any], str | None]]:
    if isinstance(node, dict):
        yield node, action
        for key, value in node.items():
            if key == "if":
                continue
            inner = _if_action(node.get("if")) if key == "then" else action
            yield from _walk(value, inner)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value, action)


@dataclass(frozen=True, eq=False)
class _Contract:
    """What the strategies need to know about one payload kind, all read from the schemas."""

    kind: str
    #: Payload member -> JSON type, from the sdk schema's properties.
    members: Mapping[str, str]
    #: The member holding an embedded JSON document (``responseContent``), if any.
    content_member: str | None
    #: action -> schema file of its ``responseContent`` document.
    content_files: Mapping[str, str]
    #: The action whose document mirrors fields (``OK``), and the mirror itself.
    mirror_action: str | None
    mirror: Mapping[str, str]
    #: The schema file of the mirroring document (the acknowledgement), if any.
    ack_file: str | None
    sites: tuple[_Site, ...]

    # -- questions about the contract -------------------------------------------

    def at(self, level: Profile) -> tuple[_Site, ...]:
        return _sites_at(self.kind, level)

    def actions(self) -> tuple[str, ...]:
        for site in self.sites:
            if site.keyword == "enum" and site.member == _ACTION_MEMBER and site.content is None:
                return tuple(str(v) for v in site.value)
        return ()

    def required(
        self, level: Profile, action: str | None, content: str | None = None
    ) -> frozenset[str]:
        return _required(self.kind, level, action, content)

    def member_sites(
        self,
        level: Profile,
        action: str | None,
        member: str,
        content: str | None = None,
    ) -> tuple[_Site, ...]:
        return _member_sites(self.kind, level, action, member, content)

    def document_members(self, content: str) -> Mapping[str, str]:
        return _member_types(content)

    def field_for(self, ack_member: str) -> str | None:
        return self.mirror.get(ack_member)

    def ack_member_for(self, field: str) -> str | None:
        for member, mirrored in self.mirror.items():
            if mirrored == field:
                return member
        return None

    def action_choices(self, level: Profile) -> list[str | _Missing]:
        if _ACTION_MEMBER not in self.members:
            return [MISSING]
        choices: list[str | _Missing] = list(self.actions())
        if _ACTION_MEMBER not in self.required(level, None):
            choices.append(MISSING)
        return choices


@functools.cache
def _member_types(name: str) -> Mapping[str, str]:
    """Member -> JSON type, from the ``properties`` of a schema file (cached, do not mutate)."""
    props = load_schema(name).get("properties", {})
    return {str(member): str(sub.get("type", "")) for member, sub in props.items()}


@functools.cache
def _contract(kind: str) -> _Contract:
    files = ISSUE_RESPONSE_FILES if kind == _ISSUE else RESULT_FILES
    names = list(dict.fromkeys(files[level] for level in Profile))
    members = _member_types(files[Profile.SDK])
    sites: list[_Site] = []
    content_files: dict[str, str] = {}
    mirror_action: str | None = None
    mirror: dict[str, str] = {}
    content_member: str | None = None
    for name in names:
        doc = load_schema(name)
        sites.extend(_sites(doc))
        for node, action in _walk(doc):
            for member, sub in node.get("properties", {}).items():
                if not isinstance(sub, dict):
                    continue
                if "contentSchema" in sub:
                    content_member = str(member)
                ref = sub.get("contentSchema", {}).get("$ref")
                if isinstance(ref, str) and action is not None:
                    content_files[action] = ref.rsplit("/", 1)[-1]
                if isinstance(sub.get("x-ciba-mirror"), dict) and action is not None:
                    mirror_action = action
                    mirror = {str(k): str(v) for k, v in sub["x-ciba-mirror"].items()}
    for content in sorted(set(content_files.values())):
        sites.extend(_sites(load_schema(content), content=content))
    return _Contract(
        kind=kind,
        members=members,
        content_member=content_member,
        content_files=content_files,
        mirror_action=mirror_action,
        mirror=mirror,
        ack_file=None if mirror_action is None else content_files.get(mirror_action),
        sites=tuple(sites),
    )


@functools.cache
def _sites_at(kind: str, level: Profile) -> tuple[_Site, ...]:
    return tuple(s for s in _contract(kind).sites if level.includes(s.level))


@functools.cache
def _required(kind: str, level: Profile, action: str | None, content: str | None) -> frozenset[str]:
    out: set[str] = set()
    for site in _sites_at(kind, level):
        if (
            site.keyword == "required"
            and site.member is None
            and site.content == content
            and site.action in (None, action)
        ):
            out.update(str(name) for name in site.value)
    return frozenset(out)


@functools.cache
def _member_sites(
    kind: str, level: Profile, action: str | None, member: str, content: str | None
) -> tuple[_Site, ...]:
    return tuple(
        s
        for s in _sites_at(kind, level)
        if s.member == member and s.content == content and s.action in (None, action)
    )


# -- small value strategies --------------------------------------------------------

# Free text: any Unicode scalar value (JSON cannot carry lone surrogates).
_CHARS = st.characters(exclude_categories=["Cs"])
_TEXT = st.text(_CHARS, max_size=40)


@functools.cache
def _json_values(max_leaves: int = 6) -> st.SearchStrategy[JsonValue]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(_INT64_MIN, _INT64_MAX),
        st.floats(allow_nan=False, allow_infinity=False),
        _TEXT,
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
        max_leaves=max_leaves,
    )


@functools.cache
def _extra_members(known: tuple[str, ...]) -> st.SearchStrategy[dict[str, JsonValue]]:
    """Unknown members, which every level allows (a tolerant reader)."""
    taken = frozenset(known)
    names = st.one_of(
        _TEXT.filter(lambda n: n not in taken),
        # Near misses of real names are the realistic unknown members.
        st.sampled_from(sorted(taken) or ["x"]).map(
            lambda n: n.upper() if n != n.upper() else n.lower()
        ),
        st.sampled_from(sorted(taken) or ["x"]).map(lambda n: n + "_"),
    ).filter(lambda n: n not in taken)
    # Absent half the time: every unknown member costs many draws, and one is enough to matter.
    return st.one_of(st.just({}), st.dictionaries(names, _json_values(4), min_size=1, max_size=2))


def _add_unknown_members(draw: st.DrawFn, target: dict[str, Any], known: Iterable[str]) -> None:
    """Add the unknown members of :func:`_extra_members` that ``target`` does not have."""
    for name, value in draw(_extra_members(tuple(known))).items():
        target.setdefault(name, value)


@st.composite
def _serialize(draw: st.DrawFn, value: JsonValue) -> str:
    """JSON text of ``value`` in one of several spellings (spacing, escaping, key order)."""
    style = draw(st.integers(0, 3))
    if style == 0:
        return _dump(value)
    if style == 1:
        return json.dumps(value)
    if style == 2:
        return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _dump(value: JsonValue) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


@functools.cache
def _class_chars(char_class: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Characters (of a probed range) inside and outside a regex character class."""
    compiled = re.compile(char_class)
    inside: list[str] = []
    outside: list[str] = []
    for code in _CLASS_PROBE_RANGE:
        ch = chr(code)
        (inside if compiled.fullmatch(ch) else outside).append(ch)
    return tuple(inside), tuple(outside)


def _bad_char(char_class: str) -> st.SearchStrategy[str]:
    compiled = re.compile(char_class)
    _, outside = _class_chars(char_class)
    return st.one_of(
        st.sampled_from(outside), _CHARS.filter(lambda ch: compiled.fullmatch(ch) is None)
    )


def _python_regex_matches(pattern: str, text: str) -> bool:
    # JSON Schema patterns are ECMA-262 regexes; for the patterns of this
    # contract (character classes, anchors, counts) Python's re agrees, except
    # that '$' also matches before a final newline, which fullmatch rules out.
    return re.fullmatch(pattern, text) is not None


@dataclass(frozen=True, slots=True)
class _StringRules:
    patterns: tuple[str, ...]
    min_length: int
    max_length: int | None
    enum: tuple[str, ...] | None

    @classmethod
    def of(cls, sites: Sequence[_Site]) -> _StringRules:
        patterns = tuple(str(s.value) for s in sites if s.keyword == "pattern")
        min_length = max((int(s.value) for s in sites if s.keyword == "minLength"), default=0)
        max_length = min((int(s.value) for s in sites if s.keyword == "maxLength"), default=None)
        enums = [tuple(s.value) for s in sites if s.keyword == "enum"]
        consts = [(s.value,) for s in sites if s.keyword == "const"]
        allowed = [*enums, *consts]
        enum = None
        if allowed:
            common = set(allowed[0]).intersection(*allowed[1:])
            enum = tuple(str(v) for v in allowed[0] if v in common and isinstance(v, str))
        return cls(patterns, min_length, max_length, enum)

    def accepts(self, text: str) -> bool:
        if len(text) < self.min_length:
            return False
        if self.max_length is not None and len(text) > self.max_length:
            return False
        if self.enum is not None and text not in self.enum:
            return False
        return all(_python_regex_matches(p, text) for p in self.patterns)

    def strategy(self) -> st.SearchStrategy[str]:
        return _string_strategy(self)

    def _build(self) -> st.SearchStrategy[str]:
        if self.enum is not None:
            return st.sampled_from([v for v in self.enum if self.accepts(v)])
        top = self.max_length if self.max_length is not None else self.min_length + 48
        if not self.patterns:
            return st.text(_CHARS, min_size=self.min_length, max_size=top)
        first, *rest = self.patterns
        star = _CHAR_CLASS_STAR.match(first)
        if star:
            inside, _ = _class_chars(star.group(1))
            base = st.text(st.sampled_from(inside), min_size=self.min_length, max_size=top)
        else:
            base = st.from_regex(first, fullmatch=True)
        if rest or not star:
            return base.filter(self.accepts)
        return base


@functools.cache
def _string_strategy(rules: _StringRules) -> st.SearchStrategy[str]:
    return rules._build()


@dataclass(frozen=True, slots=True)
class _IntRules:
    low: int
    high: int

    @classmethod
    def of(cls, sites: Sequence[_Site], low: int = _INT64_MIN, high: int = _INT64_MAX) -> _IntRules:
        for site in sites:
            value = site.value
            if site.keyword == "minimum":
                low = max(low, math.ceil(value))
            elif site.keyword == "exclusiveMinimum":
                low = max(low, math.floor(value) + 1)
            elif site.keyword == "maximum":
                high = min(high, math.floor(value))
            elif site.keyword == "exclusiveMaximum":
                high = min(high, math.ceil(value) - 1)
        return cls(low, high)

    @property
    def empty(self) -> bool:
        return self.low > self.high

    def strategy(self) -> st.SearchStrategy[int]:
        return _int_strategy(self.low, self.high)


@functools.cache
def _int_strategy(low: int, high: int) -> st.SearchStrategy[int]:
    # Realistic lifetimes and intervals next to the edges of the range.
    typical = sorted({v for v in (1, 5, 60, 300, 600, 3600) if low <= v <= high})
    edges = sorted({low, high})
    return st.one_of(st.integers(low, high), st.sampled_from(edges + typical))


@functools.cache
def _value_strategy(json_type: str, sites: tuple[_Site, ...]) -> st.SearchStrategy[JsonValue]:
    if json_type == "integer":
        rules = _IntRules.of(sites)
        if rules.empty:
            raise ValueError("the schema leaves no integer for this member")
        return rules.strategy()
    if json_type == "string":
        return _StringRules.of(sites).strategy()
    return _json_values()


@functools.cache
def _wrong_type(json_type: str, sites: tuple[_Site, ...]) -> st.SearchStrategy[JsonValue]:
    """A value of another JSON type that no other keyword of ``sites`` objects to."""
    others: list[st.SearchStrategy[JsonValue]] = [
        st.none(),
        st.booleans(),
        st.lists(_json_values(3), max_size=2),
        st.dictionaries(_TEXT, _json_values(3), max_size=2),
    ]
    if json_type == "string":
        others += [st.integers(-(2**31), 2**31), st.floats(allow_nan=False, allow_infinity=False)]
    elif json_type == "integer":
        others.append(_TEXT)
        # A number with a fraction is no integer; keep it inside every bound so
        # that only the type fails.
        rules = _IntRules.of(sites)
        if rules.high > rules.low:
            # Below 2**40 so that v + 0.5 is exact (near 2**52 it rounds to an integer).
            low, high = max(rules.low, -(2**40)), min(rules.high - 1, 2**40)
            if low <= high:
                others.append(st.integers(low, high).map(lambda v: v + 0.5))
    else:
        others.append(_TEXT)
    return st.one_of(others)


# -- building valid payloads -----------------------------------------------------


def _body_of(payload: dict[str, Any], member: str | None) -> dict[str, Any] | None:
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


def _set_member(contract: _Contract, payload: dict[str, Any], member: str, value: Any) -> None:
    """Set a member and keep the relations in step: message prefix and mirrored document."""
    old = payload.get(member, MISSING)
    payload[member] = value
    if member == _CODE_MEMBER:
        message = payload.get(_MESSAGE_MEMBER)
        if isinstance(old, str) and isinstance(value, str) and isinstance(message, str):
            prefix = f"[{old}]"
            if message.startswith(prefix):
                payload[_MESSAGE_MEMBER] = f"[{value}]" + message[len(prefix) :]
    _sync_mirror(contract, payload, member)


def _drop_member(contract: _Contract, payload: dict[str, Any], member: str) -> None:
    payload.pop(member, None)
    _sync_mirror(contract, payload, member)


def _sync_mirror(contract: _Contract, payload: dict[str, Any], field: str) -> None:
    ack_member = contract.ack_member_for(field)
    ack_file = contract.ack_file
    if (
        ack_member is None
        or ack_file is None
        or payload.get(_ACTION_MEMBER) != contract.mirror_action
    ):
        return
    body = _body_of(payload, contract.content_member)
    if body is None or contract.content_member is None:
        return
    if field in payload:
        body[ack_member] = payload[field]
    else:
        required = set(load_schema(ack_file).get("required", []))
        # A required member stays: its absence from the fields is the fields' fault.
        if ack_member not in required:
            body.pop(ack_member, None)
    payload[contract.content_member] = _dump(body)


def _document(
    draw: st.DrawFn,
    contract: _Contract,
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
            body[member] = draw(_value_strategy(json_type, sites))
    if extras:
        _add_unknown_members(draw, body, members)
    return body


@st.composite
def _valid(
    draw: st.DrawFn,
    contract: _Contract,
    level: Profile,
    action: str | _Missing | None = None,
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
    if shaped is not level and isinstance(action, _Missing) and contract.actions():
        return draw(_free(contract, action, extras))
    payload: dict[str, Any] = {}
    act = action if isinstance(action, str) else None
    if act is not None:
        payload[_ACTION_MEMBER] = act
    required = contract.required(shaped, act)
    for member, json_type in contract.members.items():
        if member in (_ACTION_MEMBER, _MESSAGE_MEMBER, contract.content_member):
            continue
        if member in required or draw(st.booleans()):
            sites = contract.member_sites(shaped, act, member)
            payload[member] = draw(_value_strategy(json_type, sites))
    if _MESSAGE_MEMBER in contract.members and (_MESSAGE_MEMBER in required or draw(st.booleans())):
        sites = contract.member_sites(shaped, act, _MESSAGE_MEMBER)
        text = draw(_value_strategy("string", sites))
        code = payload.get(_CODE_MEMBER)
        if isinstance(code, str):
            text = f"[{code}]" + draw(st.sampled_from([" ", ""])) + text
        payload[_MESSAGE_MEMBER] = text
    content_member = contract.content_member
    if content_member is not None:
        content = contract.content_files.get(act) if act is not None else None
        wanted = with_content or content_member in required or draw(st.booleans())
        if content is not None and wanted:
            body = _document(draw, contract, shaped, content, payload, extras)
            payload[content_member] = draw(_serialize(body))
        elif content is None and wanted:
            payload[content_member] = draw(_TEXT)
    if extras:
        _add_unknown_members(draw, payload, contract.members)
    return payload


@st.composite
def _free(
    draw: st.DrawFn, contract: _Contract, action: str | _Missing, extras: bool
) -> dict[str, Any]:
    """An sdk-valid payload with the sdk's freedom: every member optional, only types count."""
    payload: dict[str, Any] = {}
    if isinstance(action, str):
        payload[_ACTION_MEMBER] = action
    act = action if isinstance(action, str) else None
    for member, json_type in contract.members.items():
        if member == _ACTION_MEMBER:
            continue
        if draw(st.booleans()):
            sites = contract.member_sites(Profile.SDK, act, member)
            payload[member] = draw(_value_strategy(json_type, sites))
    if extras:
        _add_unknown_members(draw, payload, contract.members)
    return payload


# -- breaking one rule ---------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """One way of breaking a rule, and the error rules that necessarily come with it."""

    strategy: st.SearchStrategy[Payload]
    companions: frozenset[str] = frozenset()


def _implied_by(rule: str) -> set[str]:
    """Rules the validator drops when ``rule`` fires at the same place."""
    return {code for code, other in RULES.items() if rule in other.implied_by}


def _mirror_companions(contract: _Contract, site: _Site, rule: str) -> frozenset[str]:
    # Inside the mirrored document a fault is reported only where the document
    # disagrees with the fields (else the field's own rule says it), and the
    # disagreement is A112 unless the catalog lets the rule imply it.
    if (
        site.content is not None
        and site.content == contract.ack_file
        and site.member is not None
        and contract.field_for(site.member) is not None
        and rule not in RULES[_MIRROR_MISMATCH].implied_by
    ):
        return frozenset({_MIRROR_MISMATCH})
    return frozenset()


def _actions_for(contract: _Contract, level: Profile, site: _Site) -> list[str | _Missing]:
    if site.content is not None:
        return [a for a, f in contract.content_files.items() if f == site.content]
    if site.action is not None:
        return [site.action]
    return contract.action_choices(level)


def _context(action: str | _Missing) -> str | None:
    return action if isinstance(action, str) else None


@st.composite
def _with_document(
    draw: st.DrawFn,
    contract: _Contract,
    level: Profile,
    actions: Sequence[str | _Missing],
    edit: Callable[[st.DrawFn, dict[str, Any], dict[str, Any]], JsonValue],
) -> dict[str, Any]:
    """A valid payload whose ``responseContent`` document becomes ``edit(draw, payload, body)``."""
    action = draw(st.sampled_from(list(actions)))
    payload = draw(_valid(contract, level, action, with_content=True))
    member = contract.content_member
    assert member is not None
    body = _body_of(payload, member)
    assert body is not None, "a valid payload with a content document"
    payload[member] = draw(_serialize(edit(draw, payload, body)))
    return payload


def _document_member_plan(
    contract: _Contract, level: Profile, site: _Site, values: st.SearchStrategy[JsonValue]
) -> _Plan:
    """Break ``site`` inside the ``responseContent`` document: its member drawn from ``values``."""
    member = site.member
    assert member is not None

    def edit(draw: st.DrawFn, payload: dict[str, Any], body: dict[str, Any]) -> JsonValue:
        body[member] = draw(values)
        return body

    return _Plan(
        _with_document(contract, level, _actions_for(contract, level, site), edit),
        _mirror_companions(contract, site, site.rule),
    )


def _field_plan(
    contract: _Contract,
    level: Profile,
    member: str,
    values: Mapping[str | _Missing, st.SearchStrategy[JsonValue]],
) -> _Plan:
    """Break a payload member: a valid payload for an action of ``values``, the member drawn.

    ``values`` maps each usable action to the strategy of the breaking value; the
    member is set with :func:`_set_member`, so the relations stay in step.
    """
    actions = list(values)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        action = draw(st.sampled_from(actions))
        payload = draw(_valid(contract, level, action))
        _set_member(contract, payload, member, draw(values[action]))
        return payload

    return _Plan(build())


def _type_plan(contract: _Contract, level: Profile, site: _Site) -> _Plan | None:
    if site.member is None and site.content is None:
        return _Plan(_not_an_object())
    if site.member is None:
        actions = _actions_for(contract, level, site)

        def replace(draw: st.DrawFn, payload: dict[str, Any], body: dict[str, Any]) -> JsonValue:
            return draw(_json_values().filter(lambda v: not isinstance(v, dict)))

        return _Plan(_with_document(contract, level, actions, replace))
    member = site.member
    if site.content is not None:
        content = site.content
        json_type = contract.document_members(content).get(member, "")
        sites = tuple(
            s for s in contract.member_sites(level, None, member, content) if s is not site
        )
        if any(
            s.keyword in ("enum", "const") and s.rule not in _implied_by(site.rule) for s in sites
        ):
            return None
        return _document_member_plan(contract, level, site, _wrong_type(json_type, sites))
    json_type = contract.members.get(member, "")
    implied = _implied_by(site.rule)
    values: dict[str | _Missing, st.SearchStrategy[JsonValue]] = {}
    for action in _actions_for(contract, level, site):
        sites = contract.member_sites(level, _context(action), member)
        # A value of the wrong type fails the member's enum too, which only the
        # catalog can forgive (S005 implied by S003).
        if not any(s.keyword in ("enum", "const") and s.rule not in implied for s in sites):
            values[action] = _wrong_type(json_type, tuple(s for s in sites if s is not site))
    return _field_plan(contract, level, member, values) if values else None


def _enum_plan(contract: _Contract, level: Profile, site: _Site) -> _Plan | None:
    if site.member is None or site.content is not None:
        return None
    allowed = {str(v) for v in site.value}
    near = st.sampled_from(sorted(allowed)).map(
        lambda v: v.lower() if v != v.lower() else v.upper()
    )
    value = st.one_of(near, _TEXT).filter(lambda v: v not in allowed)
    actions = _actions_for(contract, level, site)
    return _field_plan(contract, level, site.member, dict.fromkeys(actions, value))


def _required_plan(contract: _Contract, level: Profile, site: _Site) -> _Plan | None:
    names = [str(n) for n in site.value]
    actions = _actions_for(contract, level, site)
    if site.content is not None:

        def drop(draw: st.DrawFn, payload: dict[str, Any], body: dict[str, Any]) -> JsonValue:
            body.pop(draw(st.sampled_from(names)), None)
            return body

        return _Plan(_with_document(contract, level, actions, drop))
    if site.action is None and _ACTION_MEMBER in names:
        # Leaving `action` out: draw a payload shaped for one action, then drop it.
        actions = [a for a in actions if isinstance(a, str)] or actions

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        payload = draw(_valid(contract, level, draw(st.sampled_from(actions))))
        _drop_member(contract, payload, draw(st.sampled_from(names)))
        return payload

    return _Plan(build())


def _violating_range(site: _Site) -> _IntRules:
    value = site.value
    if site.keyword == "minimum":
        return _IntRules(_INT64_MIN, math.ceil(value) - 1)
    if site.keyword == "exclusiveMinimum":
        return _IntRules(_INT64_MIN, math.floor(value))
    if site.keyword == "maximum":
        return _IntRules(math.floor(value) + 1, _INT64_MAX)
    return _IntRules(math.ceil(value), _INT64_MAX)


def _keep(sites: Sequence[_Site], broken: _Site) -> list[_Site]:
    """The other numeric constraints a value must still meet (implied rules may break along)."""
    implied = _implied_by(broken.rule)
    return [
        s
        for s in sites
        if s is not broken and s.keyword in _NUMERIC_KEYWORDS and s.rule not in implied
    ]


def _bound_plan(contract: _Contract, level: Profile, site: _Site) -> _Plan | None:
    if site.member is None:
        return None
    member = site.member
    violating = _violating_range(site)
    if site.content is not None:
        content = site.content
        others = _keep(contract.member_sites(level, None, member, content), site)
        rules = _IntRules.of(others, violating.low, violating.high)
        if rules.empty:
            return None
        return _document_member_plan(contract, level, site, rules.strategy())
    values: dict[str | _Missing, st.SearchStrategy[JsonValue]] = {}
    for action in _actions_for(contract, level, site):
        others = _keep(contract.member_sites(level, _context(action), member), site)
        rules = _IntRules.of(others, violating.low, violating.high)
        if not rules.empty:
            values[action] = rules.strategy()
    return _field_plan(contract, level, member, values) if values else None


@functools.cache
def _breaking_string(others: _StringRules, broken: _Site) -> st.SearchStrategy[str]:
    """A string that fails ``broken`` (a pattern or length) and meets ``others``.

    ``others`` are the string rules of every other site on the member, so two
    lengths from two rules (at least 1 here, at least 22 there) stay apart.
    """
    if broken.keyword == "minLength":
        short = int(broken.value) - 1
        if short < 0:
            return st.nothing()
        narrowed = _StringRules(others.patterns, 0, short, None)
        return narrowed.strategy().filter(others.accepts)
    if broken.keyword == "maxLength":
        long = int(broken.value) + 1
        return (
            _StringRules(others.patterns, long, long + 16, None).strategy().filter(others.accepts)
        )
    pattern = str(broken.value)
    star = _CHAR_CLASS_STAR.match(pattern)

    def fails(text: str) -> bool:
        return not _python_regex_matches(pattern, text) and others.accepts(text)

    if star:
        # Valid characters with at least one outsider inserted, as long as the
        # other rules want.
        inside, _ = _class_chars(star.group(1))
        bad = _bad_char(star.group(1))

        @st.composite
        def insert(draw: st.DrawFn) -> str:
            size = max(others.min_length - 1, 0)
            text = draw(st.text(st.sampled_from(inside), min_size=size, max_size=size + 32))
            for _ in range(draw(st.integers(1, 3))):
                at = draw(st.integers(0, len(text)))
                text = text[:at] + draw(bad) + text[at:]
            return text

        return insert().filter(fails)

    @st.composite
    def near_miss(draw: st.DrawFn) -> str:
        text = draw(st.from_regex(pattern, fullmatch=True))
        at = draw(st.integers(0, max(len(text) - 1, 0)))
        how = draw(st.integers(0, 3))
        if how == 0:
            return text[:at] + text[at + 1 :]
        if how == 1:
            return text[:at] + draw(_CHARS) + text[at:]
        if how == 2:
            return text.swapcase()
        return text + draw(_CHARS)

    return st.one_of(near_miss(), st.text(_CHARS, max_size=24)).filter(fails)


def _string_plan(contract: _Contract, level: Profile, site: _Site) -> _Plan | None:
    if site.member is None:
        return None
    member = site.member

    def breaking(sites: Sequence[_Site]) -> st.SearchStrategy[str]:
        return _breaking_string(_StringRules.of([s for s in sites if s != site]), site)

    if site.content is not None:
        sites = contract.member_sites(level, None, member, site.content)
        return _document_member_plan(contract, level, site, breaking(sites))
    values: dict[str | _Missing, st.SearchStrategy[JsonValue]] = {
        action: breaking(contract.member_sites(level, _context(action), member))
        for action in _actions_for(contract, level, site)
    }
    return _field_plan(contract, level, member, values)


_SITE_PLANS: Final[dict[str, Callable[[_Contract, Profile, _Site], _Plan | None]]] = {
    "type": _type_plan,
    "enum": _enum_plan,
    "const": _enum_plan,
    "required": _required_plan,
    **dict.fromkeys(_NUMERIC_KEYWORDS, _bound_plan),
    **dict.fromkeys(_STRING_KEYWORDS, _string_plan),
}


# -- the relations no schema states ---------------------------------------------------


def _not_json_plan(contract: _Contract, level: Profile) -> _Plan:
    @st.composite
    def build(draw: st.DrawFn) -> bytes | str:
        text = _dump(draw(_valid(contract, level)))
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
        return draw(st.text(_CHARS, max_size=20).map(lambda t: "<" + t))

    return _Plan(build())


def _not_an_object() -> st.SearchStrategy[Payload]:
    non_objects = _json_values().filter(lambda v: not isinstance(v, dict))
    # A parsed value, or its JSON text (a Python str is read as JSON text).
    return st.one_of(
        non_objects.filter(lambda v: not isinstance(v, str)),
        non_objects.map(lambda v: _dump(v).encode()),
        non_objects.map(_dump),
    )


def _prefix_plan(contract: _Contract, level: Profile) -> _Plan | None:
    if _CODE_MEMBER not in contract.members or _MESSAGE_MEMBER not in contract.members:
        return None

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        payload = draw(_valid(contract, level))
        code = payload.get(_CODE_MEMBER)
        if not isinstance(code, str):
            code = draw(
                _StringRules.of(contract.member_sites(level, None, _CODE_MEMBER)).strategy()
            )
            payload[_CODE_MEMBER] = code
        prefix = f"[{code}]"
        message = draw(
            st.one_of(
                _TEXT,
                _TEXT.map(lambda t: " " + prefix + t),
                _TEXT.map(lambda t: f"({code}) " + t),
                _TEXT.map(lambda t: prefix.lower() + t),
                _TEXT.map(lambda t: f"[{code[:-1]}] " + t),
            ).filter(lambda m: not m.startswith(prefix))
        )
        payload[_MESSAGE_MEMBER] = message
        return payload

    return _Plan(build())


def _content_not_json_plan(contract: _Contract, level: Profile) -> _Plan | None:
    if contract.content_member is None or not contract.content_files:
        return None
    member = contract.content_member
    actions = sorted(contract.content_files)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        payload = draw(_valid(contract, level, draw(st.sampled_from(actions)), with_content=True))
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
            broken = draw(_TEXT.map(lambda t: "<" + t))
        payload[member] = broken
        return payload

    return _Plan(build())


def _mismatch_plan(contract: _Contract, level: Profile) -> _Plan | None:
    ok, ack = contract.mirror_action, contract.ack_file
    if not contract.mirror or ok is None or ack is None or contract.content_member is None:
        return None
    member_name = contract.content_member
    required_ack = contract.required(level, None, ack)
    required_fields = contract.required(level, ok)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        payload = draw(_valid(contract, level, ok))
        body = _body_of(payload, member_name)
        assert body is not None
        ack_member = draw(st.sampled_from(sorted(contract.mirror)))
        field = contract.mirror[ack_member]
        sites = contract.member_sites(level, ok, field) + contract.member_sites(
            level, None, ack_member, ack
        )
        values = _value_strategy(contract.members[field], sites)
        one_sided = ack_member not in required_ack and field not in required_fields
        how = draw(st.integers(0, 2)) if one_sided else 0
        if how == 0:  # both sides, different values
            if field not in payload:
                _set_member(contract, payload, field, draw(values))
                body = _body_of(payload, member_name)
                assert body is not None
            current = payload[field]
            body[ack_member] = draw(values.filter(lambda v: v != current))
        elif how == 1:  # only in the document
            payload.pop(field, None)
            body[ack_member] = draw(values)
        else:  # only in the fields
            payload[field] = draw(values)
            body.pop(ack_member, None)
        payload[member_name] = draw(_serialize(body))
        return payload

    return _Plan(build())


_RELATION_PLANS: Final[dict[str, Callable[[_Contract, Profile], _Plan | None]]] = {
    _NOT_JSON: _not_json_plan,
    _MESSAGE_PREFIX: _prefix_plan,
    _CONTENT_NOT_JSON: _content_not_json_plan,
    _MIRROR_MISMATCH: _mismatch_plan,
}


# -- choosing plans ----------------------------------------------------------------------


def _check_rule(rule: str) -> None:
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}")
    if not rule.startswith(PAYLOAD_RULE_PREFIXES):
        raise ValueError(
            f"rule {rule} is not about the payload (payload rules start with "
            f"{', '.join(PAYLOAD_RULE_PREFIXES)}); no payload can break it"
        )


@functools.cache
def _plans(kind: str, rule: str, level: Profile) -> tuple[_Plan, ...]:
    contract = _contract(kind)
    plans: list[_Plan] = []
    relation = _RELATION_PLANS.get(rule)
    if relation is not None:
        plan = relation(contract, level)
        if plan is not None:
            plans.append(plan)
    for site in contract.at(level):
        if site.rule != rule:
            continue
        maker = _SITE_PLANS.get(site.keyword)
        plan = maker(contract, level, site) if maker is not None else None
        if plan is not None:
            plans.append(plan)
    if not plans:
        return ()
    fewest = min(len(p.companions) for p in plans)
    best = [p for p in plans if len(p.companions) == fewest]
    # Plans with the same number of companions but other companions would make
    # "exactly these rules" ambiguous; keep those agreeing with the first.
    return tuple(p for p in best if p.companions == best[0].companions)


def _level(rule: str, profile: Profile | str | None) -> Profile:
    own = RULES[rule].level
    if profile is None:
        return own
    level = Profile.parse(profile)
    if not level.includes(own):
        raise ValueError(
            f"rule {rule} belongs to the {own.value} level; profile {level.value} does not check it"
        )
    return level


def _invalid(kind: str, rule: str, profile: Profile | str | None) -> st.SearchStrategy[Payload]:
    _check_rule(rule)
    level = _level(rule, profile)
    plans = _plans(kind, rule, level)
    if not plans:
        raise ValueError(
            f"no {KIND_NAMES[kind]} can break rule {rule} (it does not apply to this kind)"
        )
    return st.one_of([p.strategy for p in plans])


def _companions(kind: str, rule: str, profile: Profile | str | None) -> frozenset[str]:
    _check_rule(rule)
    plans = _plans(kind, rule, _level(rule, profile))
    return plans[0].companions if plans else frozenset()


# -- public API ---------------------------------------------------------------------------------


def issue_responses(
    action: str | None = None,
    profile: Profile | str = Profile.AUTHLETE,
    *,
    unknown_members: bool = True,
) -> st.SearchStrategy[dict[str, Any]]:
    """Issue response payloads (dicts) with no error-severity finding at ``profile``.

    ``action`` fixes the ``action`` member (``OK``, ``INTERNAL_SERVER_ERROR``,
    ``INVALID_TICKET``); by default every action is drawn (and, at the sdk
    level where it is optional, its absence). Optional members come and go,
    ``interval`` included; ``resultCode`` and ``resultMessage`` vary; free text
    carries any Unicode; ``responseContent`` is spelt in several JSON styles;
    with ``unknown_members`` the payload (and its embedded document) carries
    members the contract does not know, which every level allows.
    """
    contract = _contract(_ISSUE)
    level = Profile.parse(profile)
    if action is not None:
        action = str(action)
        if action not in contract.actions():
            raise ValueError(
                f"unknown action {action!r}; expected one of {', '.join(contract.actions())}"
            )
    return _valid(contract, level, action, unknown_members)


def invalid_issue_responses(
    rule: str, profile: Profile | str | None = None
) -> st.SearchStrategy[Payload]:
    """Issue response payloads breaking ``rule`` and no other error rule at ``profile``.

    ``profile`` defaults to the rule's own level; a stricter one makes the rest
    of the payload valid at that level too (see the module docs). Payloads are
    dicts, except for S001 (bytes or str that are not JSON) and S002 (JSON that
    is not an object, parsed or as text). The error rules at ``profile`` are
    exactly ``{rule} | companion_rules(rule, profile=profile)``.
    """
    return _invalid(_ISSUE, rule, profile)


def result_objects(
    profile: Profile | str = Profile.AUTHLETE, *, unknown_members: bool = True
) -> st.SearchStrategy[dict[str, Any]]:
    """Authlete ``result`` objects (400/401/403/500 bodies) valid at ``profile``."""
    return _valid(_contract(_RESULT), Profile.parse(profile), MISSING, unknown_members)


def invalid_result_objects(
    rule: str, profile: Profile | str | None = None
) -> st.SearchStrategy[Payload]:
    """``result`` objects breaking ``rule`` and no other error rule at ``profile``.

    Only rules that apply to the result object can be broken (see
    :func:`payload_rules` with ``kind="result"``).
    """
    return _invalid(_RESULT, rule, profile)


def companion_rules(
    rule: str, *, profile: Profile | str | None = None, kind: str = _ISSUE
) -> frozenset[str]:
    """Error rules a payload breaking ``rule`` necessarily breaks too (usually none).

    C204 is the one today: the validator reports a bad ``expires_in`` inside
    ``responseContent`` only where it disagrees with ``expiresIn``, which is
    A112 as well.
    """
    return _companions(kind, rule, profile)


def payload_rules(kind: str = _ISSUE) -> tuple[str, ...]:
    """Codes of the catalog rules the strategies can break for ``kind``, in catalog order."""
    if kind not in (_ISSUE, _RESULT):
        raise ValueError(f"unknown kind {kind!r}")
    out = []
    for code, rule in RULES.items():
        if code.startswith(PAYLOAD_RULE_PREFIXES) and _plans(kind, code, rule.level):
            out.append(code)
    return tuple(out)
