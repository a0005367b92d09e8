"""What the payload strategies know about the contract, all read from the schema files.

A :class:`Contract` per payload kind (issue response, ``result`` object) holds
the member names and JSON types of the sdk schema, the ``responseContent``
documents (``contentSchema``) per action, the mirrored members
(``x-ciba-mirror``) and every constraint keyword annotated with a rule
(``x-ciba-rule``) as a :class:`Site`. Sites are read the way the validator reads
the annotations, so a strategy breaking a site breaks the rule the validator
reports for it. The only facts written here are those no schema states: the
members of the ``resultMessage`` prefix relation and the rules the validator
checks in code, looked up by their catalog names.

Names without a leading underscore are shared within :mod:`ciba_contracts.strategies`;
they are not public API.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.rules import RULES, rule_named
from ciba_contracts.contract.schemas import ISSUE_RESPONSE_FILES, RESULT_FILES, load_schema
from ciba_contracts.validate.schema_map import RULE_KEYWORD, _code_for

ISSUE: Final = "issue-response"
RESULT: Final = "result"

# The result-message-prefix relation ("resultMessage starts with [resultCode]")
# is stated in no schema, only in the rule catalog and the validator, so its
# member names are the one thing said here.
CODE_MEMBER: Final = "resultCode"
MESSAGE_MEMBER: Final = "resultMessage"
ACTION_MEMBER: Final = "action"
# Rules the validator checks in code rather than through a schema keyword,
# looked up by their catalog names.
NOT_JSON: Final = rule_named("payload-not-json").code
MESSAGE_PREFIX: Final = rule_named("result-message-prefix").code
CONTENT_NOT_JSON: Final = rule_named("response-content-not-json").code
MIRROR_MISMATCH: Final = rule_named("response-content-mismatch").code

NUMERIC_KEYWORDS: Final = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
STRING_KEYWORDS: Final = frozenset({"pattern", "minLength", "maxLength"})
_CONSTRAINT_KEYWORDS: Final = (
    NUMERIC_KEYWORDS | STRING_KEYWORDS | {"type", "enum", "const", "required"}
)


class Missing:
    """A member left out (distinct from JSON null)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = Missing()

JsonValue: TypeAlias = Any
Payload: TypeAlias = Any


@dataclass(frozen=True, slots=True)
class Site:
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
    const = condition.get("properties", {}).get(ACTION_MEMBER, {}).get("const")
    return const if isinstance(const, str) else None


def _sites(
    node: Any,
    *,
    action: str | None = None,
    member: str | None = None,
    content: str | None = None,
    annotations: tuple[Any, ...] = (),
) -> Iterator[Site]:
    if not isinstance(node, dict):
        return
    if RULE_KEYWORD in node:
        annotations = (*annotations, node[RULE_KEYWORD])
    for key, value in node.items():
        if key in _CONSTRAINT_KEYWORDS:
            rule = _rule_for(annotations, key)
            if rule is not None:
                yield Site(rule, key, _freeze(value), action, member, content)
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
class Contract:
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
    sites: tuple[Site, ...]

    # -- questions about the contract -------------------------------------------

    def at(self, level: Profile) -> tuple[Site, ...]:
        return _sites_at(self.kind, level)

    def actions(self) -> tuple[str, ...]:
        for site in self.sites:
            if site.keyword == "enum" and site.member == ACTION_MEMBER and site.content is None:
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
    ) -> tuple[Site, ...]:
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

    def action_choices(self, level: Profile) -> list[str | Missing]:
        if ACTION_MEMBER not in self.members:
            return [MISSING]
        choices: list[str | Missing] = list(self.actions())
        if ACTION_MEMBER not in self.required(level, None):
            choices.append(MISSING)
        return choices


@functools.cache
def _member_types(name: str) -> Mapping[str, str]:
    """Member -> JSON type, from the ``properties`` of a schema file (cached, do not mutate)."""
    props = load_schema(name).get("properties", {})
    return {str(member): str(sub.get("type", "")) for member, sub in props.items()}


@functools.cache
def contract_of(kind: str) -> Contract:
    files = ISSUE_RESPONSE_FILES if kind == ISSUE else RESULT_FILES
    names = list(dict.fromkeys(files[level] for level in Profile))
    members = _member_types(files[Profile.SDK])
    sites: list[Site] = []
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
    return Contract(
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
def _sites_at(kind: str, level: Profile) -> tuple[Site, ...]:
    return tuple(s for s in contract_of(kind).sites if level.includes(s.level))


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
) -> tuple[Site, ...]:
    return tuple(
        s
        for s in _sites_at(kind, level)
        if s.member == member and s.content == content and s.action in (None, action)
    )
