"""What the payload strategies know about each payload kind, all read from the schema files.

A :class:`Contract` per payload kind (the answers of the authentication,
issue, fail and complete APIs, and Authlete's ``result`` object) holds the
shape of its payloads (the sdk schema), what ``responseContent`` holds per
action and per variant (``contentSchema``, as the validator reads it), the
members it repeats from the fields (``x-ciba-mirror``) and every constraint
keyword annotated with a rule, as a :class:`~.schema_walk.Site`. The only facts
written here are those no schema states: the member names of the
``resultMessage`` prefix relation and the rules the validator checks in code,
looked up by their catalog names.

Names without a leading underscore are shared within :mod:`ciba_contracts.strategies`;
they are not public API.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ciba_contracts.contract.apis import apis
from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.rules import RULES, rule_named
from ciba_contracts.contract.schemas import kind_files, load_schema
from ciba_contracts.strategies.schema_walk import (
    ACTION_MEMBER,
    MISSING,
    Given,
    Missing,
    Shape,
    Site,
    shape_of,
    sites_of,
)
from ciba_contracts.validate.kinds import facts_of, walk

ISSUE: Final = "issue-response"
RESULT: Final = "result"

# The result-message-prefix relation ("resultMessage starts with [resultCode]")
# is stated in no schema, only in the rule catalog and the validator, so its
# member names are the one thing said here.
CODE_MEMBER: Final = "resultCode"
MESSAGE_MEMBER: Final = "resultMessage"
# Rules the validator checks in code rather than through a schema keyword,
# looked up by their catalog names.
NOT_JSON: Final = rule_named("payload-not-json").code
MESSAGE_PREFIX: Final = rule_named("result-message-prefix").code
CONTENT_NOT_JSON: Final = rule_named("response-content-not-json").code
MIRROR_MISMATCH: Final = rule_named("response-content-mismatch").code
_MIRROR_KEYWORD: Final = "x-ciba-mirror"


@dataclass(frozen=True, eq=False)
class Contract:
    """What the strategies need to know about one payload kind, all read from the schemas."""

    kind: str
    #: The API whose 200 answer this kind is (None for the ``result`` object).
    api: str | None
    #: The payload's shape, from the sdk schema.
    shape: Shape
    #: The member holding an embedded JSON document (``responseContent``), if any.
    content_member: str | None
    #: action -> schema file of its ``responseContent`` document.
    content_files: Mapping[str, str]
    #: action -> (member, value, file): the narrower document of payloads whose member
    #: has that value (a push notification for ``deliveryMode: PUSH``).
    variants: Mapping[str, tuple[tuple[str, Any, str], ...]]
    #: The action whose document repeats fields, and document member -> field, as the
    #: validator checks them.
    mirror_action: str | None
    mirror: Mapping[str, str]
    #: The mirrored members the document must hold.
    ack_required: frozenset[str]
    #: document file -> member -> field: every repetition the schemas state (a push
    #: notification repeats the tokens too), for payloads that read true.
    declared_mirrors: Mapping[str, Mapping[str, str]]
    sites: tuple[Site, ...]

    # -- questions about the contract -------------------------------------------

    @property
    def members(self) -> Mapping[str, Shape]:
        return self.shape.properties

    def member_type(self, member: str) -> str:
        shape = self.members.get(member)
        return shape.types[0] if shape is not None and shape.types else ""

    @property
    def ack_file(self) -> str | None:
        """The document of the mirroring action (its plain one, without variants)."""
        return None if self.mirror_action is None else self.content_files.get(self.mirror_action)

    @property
    def mirrored_docs(self) -> frozenset[str]:
        """Every document the mirroring action's ``responseContent`` may hold."""
        action = self.mirror_action
        if action is None:
            return frozenset()
        files = {file for act, file in self.content_files.items() if act == action}
        files |= {file for _, _, file in self.variants.get(action, ())}
        return frozenset(files)

    def at(self, level: Profile) -> tuple[Site, ...]:
        return _sites_at(self.kind, level)

    def actions(self) -> tuple[str, ...]:
        actions = facts_of(self.kind).actions
        return () if actions == ("",) else actions

    def action_choices(self, level: Profile) -> list[str | Missing]:
        if ACTION_MEMBER not in self.members:
            return [MISSING]
        choices: list[str | Missing] = list(self.actions())
        if ACTION_MEMBER not in self.required(level, None):
            choices.append(MISSING)
        return choices

    def sites_here(self, level: Profile, content: str | None, path: str | None) -> tuple[Site, ...]:
        """Every site on the value at ``path`` (any action, any condition)."""
        return _index(self.kind, level).get((content, path), ())

    def static_sites(
        self, level: Profile, action: str | None, path: str | None, content: str | None = None
    ) -> tuple[Site, ...]:
        """The sites on ``path`` for ``action``, conditions or not (a value meeting them all
        meets those that hold)."""
        return tuple(s for s in self.sites_here(level, content, path) if s.action in (None, action))

    def required(
        self,
        level: Profile,
        action: str | None,
        path: str | None = None,
        content: str | None = None,
        root: Any = MISSING,
    ) -> frozenset[str]:
        """The members required of the object at ``path``; conditional requirements count
        only where ``root`` (the payload or document) meets their conditions."""
        out: set[str] = set()
        for site in self.sites_here(level, content, path):
            if site.keyword != "required" or site.action not in (None, action):
                continue
            if site.when and (root is MISSING or not all(c.test(root) for c in site.when)):
                continue
            out.update(str(name) for name in site.value)
        return frozenset(out)

    def condition_members(self, content: str | None, path: str | None) -> frozenset[str]:
        """The members of the object at ``path`` some condition tests."""
        return _condition_members(self.kind, content, path)

    def content_file(self, action: Any, payload: Mapping[str, Any]) -> str | None:
        """The document ``responseContent`` holds, as the validator picks it."""
        if not isinstance(action, str):
            return None
        for member, value, file in self.variants.get(action, ()):
            if payload.get(member) == value:
                return file
        return self.content_files.get(action)

    def content_choices(self, file: str) -> tuple[tuple[str, dict[str, Given]], ...]:
        """(action, what the payload's members must be) for each way to hold ``file``."""
        out: list[tuple[str, dict[str, Given]]] = []
        for action, plain in self.content_files.items():
            variants = self.variants.get(action, ())
            if plain == file:
                out.append((action, {member: MISSING for member, _, _ in variants}))
            for member, value, variant in variants:
                if variant == file:
                    out.append((action, {member: (value,)}))
        return tuple(out)

    def document_members(self, file: str) -> tuple[str, ...]:
        """A document's members: its properties, then those only its constraints name."""
        names = dict.fromkeys(shape_of(file).properties)
        for site in sites_of(file, file):
            if site.member is not None:
                names.setdefault(site.member.split("/", 1)[0])
            elif site.keyword == "required":
                names.update(dict.fromkeys(str(n) for n in site.value))
        return tuple(names)

    def field_for(self, ack_member: str) -> str | None:
        return self.mirror.get(ack_member)

    def ack_member_for(self, field: str) -> str | None:
        for member, mirrored in self.mirror.items():
            if mirrored == field:
                return member
        return None


def _api_of(kind: str) -> str | None:
    for name, api in apis().items():
        answer = api.answer(200)
        if answer is not None and answer.kind == kind:
            return name
    return None


def _documents(files: Mapping[Profile, str]) -> tuple[str | None, dict[str, dict[str, str]]]:
    """The member holding a document, and document file -> its declared mirror."""
    member: str | None = None
    mirrors: dict[str, dict[str, str]] = {}
    for name in dict.fromkeys(files.values()):
        for node in walk(load_schema(name)):
            props = node.get("properties")
            if not isinstance(props, dict):
                continue
            for prop, sub in props.items():
                if not isinstance(sub, dict) or "contentSchema" not in sub:
                    continue
                member = str(prop)
                ref = sub["contentSchema"].get("$ref")
                mirror = sub.get(_MIRROR_KEYWORD)
                if isinstance(ref, str) and isinstance(mirror, dict):
                    file = ref.rsplit("/", 1)[-1]
                    mirrors.setdefault(file, {}).update({str(k): str(v) for k, v in mirror.items()})
    return member, mirrors


@functools.cache
def contract_of(kind: str) -> Contract:
    files = kind_files(kind)
    facts = facts_of(kind)
    sites: dict[Site, None] = {}
    for name in dict.fromkeys(files.values()):
        sites.update(dict.fromkeys(sites_of(name, None)))
    documents = set(facts.content_schemas.values())
    for found in facts.content_variants.values():
        documents |= {file for _, _, file in found}
    for file in sorted(documents):
        sites.update(dict.fromkeys(sites_of(file, file)))
    content_member, declared = _documents(files)
    return Contract(
        kind=kind,
        api=_api_of(kind),
        shape=shape_of(files[Profile.SDK]),
        content_member=content_member,
        content_files=facts.content_schemas,
        variants=facts.content_variants,
        mirror_action=facts.mirror_action,
        mirror=facts.mirror,
        ack_required=facts.mirror_required,
        declared_mirrors=declared,
        sites=tuple(sites),
    )


@functools.cache
def _sites_at(kind: str, level: Profile) -> tuple[Site, ...]:
    return tuple(s for s in contract_of(kind).sites if level.includes(RULES[s.rule].level))


@functools.cache
def _index(kind: str, level: Profile) -> Mapping[tuple[str | None, str | None], tuple[Site, ...]]:
    out: dict[tuple[str | None, str | None], list[Site]] = {}
    for site in _sites_at(kind, level):
        out.setdefault((site.content, site.member), []).append(site)
    return {key: tuple(found) for key, found in out.items()}


@functools.cache
def _condition_members(kind: str, content: str | None, path: str | None) -> frozenset[str]:
    names: set[str] = set()
    for site in contract_of(kind).sites:
        if site.content != content:
            continue
        for condition in site.when:
            if condition.at == path:
                names |= condition.members()
    return frozenset(names)
