"""The relations JSON Schema cannot state, checked in Python.

``resultMessage`` starts with ``[resultCode]``; ``responseContent`` is JSON and
holds what its action's content schema says; the members it repeats from the
fields (``x-ciba-mirror``) agree with them. Which content schema and which
mirror apply is read from the kind's schema files
(:class:`~ciba_contracts.validate.kinds.KindFacts`); where a narrower document
applies (the push notification of a ``PUSH`` delivery), so does its mirror.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from operator import itemgetter
from typing import Any

from orjson import JSONDecodeError
from orjson import loads as _loads

from ciba_contracts.contract.result_codes import check_result_code
from ciba_contracts.contract.rules import RULES, Rule, rule_named
from ciba_contracts.contract.schemas import load_schema
from ciba_contracts.jsondoc.parse import (
    NotJson,
    clamp_big_ints,
    known_reason,
    not_json_reason,
    parse_exact,
)
from ciba_contracts.jsondoc.render import json_equal, json_type, pointer, pointer_tokens, render
from ciba_contracts.validate.finding import Finding
from ciba_contracts.validate.keywords import KeywordFindings
from ciba_contracts.validate.kinds import CONTENT_POINTER, KindFacts
from ciba_contracts.validate.messages import article
from ciba_contracts.validate.schema_map import compiled, rule_at

__all__ = ["Relations", "mirror_test"]

_PREFIX = rule_named("result-message-prefix")
_CONTENT_NOT_JSON = rule_named("response-content-not-json")
_ACK_NOT_OBJECT = rule_named("acknowledgement-malformed")
_ERROR_NOT_OBJECT = rule_named("error-body-invalid")
_MISMATCH = rule_named("response-content-mismatch")
#: Most (action, resultCode, resultMessage) triples whose findings a kind keeps.
_CODES_KEPT = 4096


class _Mirror:
    """Which members of a document repeat which fields, with the tests made of it."""

    def __init__(self, mirror: Mapping[str, str], required: frozenset[str]) -> None:
        self.fields = dict(mirror)
        self.required = required
        self.items = tuple(
            (member, field, member in required) for member, field in self.fields.items()
        )
        self.test = mirror_test(self.items)
        self.pointers = {member: pointer([member]) for member in self.fields}


class Relations:
    """The relation rules of one kind, with the compiled content schemas they use."""

    def __init__(
        self,
        facts: KindFacts,
        contents: dict[str, Any],
        keywords: KeywordFindings,
        result_codes_of: str | None = None,
        variants: Mapping[str, tuple[tuple[str, Any, Any], ...]] | None = None,
    ) -> None:
        self._content = contents
        self._keywords = keywords
        self._ok_action = facts.mirror_action
        self._base = _Mirror(facts.mirror, facts.mirror_required)
        self._ack_shortcut = facts.mirror_only
        #: The API whose result-code table this kind's codes are held to (None: not held).
        self._codes_api = result_codes_of
        self._codes_kept: dict[tuple[str | None, str, str], tuple[Finding, ...]] = {}
        #: action -> (member, value, compiled schema, mirror or None) of its narrower
        #: documents: one list, so that a document and its mirror are picked together.
        self._variants = {
            action: tuple(
                (member, value, validator, _variant_mirror(facts, action, member, value))
                for member, value, validator in found
            )
            for action, found in (variants or {}).items()
        }
        # The rule a document's own schema gives a value that is not an object (the
        # acknowledgement's, an error object's, a notification's), by compiled schema.
        files = set(facts.content_schemas.values())
        files |= {file for found in facts.content_variants.values() for _, _, file in found}
        self._not_object = {id(compiled(file)): _type_rule(file) for file in files}

    def build_test(self) -> Callable[[dict[str, Any], Any], bool]:
        """The relation rules as one conservative yes/no, for payloads the fast schema passed.

        True only when no relation rule can fire: the fast schema made the
        result members present strings and gave each field its type. Any doubt
        answers False and the full check decides. A closure over local names,
        since the hot path calls it for every valid payload.
        """
        ok_action = self._ok_action
        mirrors = self._base.test if self._ack_shortcut and self._base.items else None
        contents = self._content
        loads = _loads

        codes_api = self._codes_api
        code_findings = self.code_findings
        variants = bool(self._variants)
        document_for = self._document_for

        def relations_hold(obj: dict[str, Any], action: Any) -> bool:
            if not obj["resultMessage"].startswith(f"[{obj['resultCode']}]"):
                return False
            if codes_api is not None and code_findings(obj):
                return False
            content = obj.get("responseContent")
            if content is None:
                return True
            try:
                body = loads(content)
            except JSONDecodeError:
                return False
            # Most kinds state one content per action: a plain look-up on the hot path.
            if variants:
                validator, mirror = document_for(obj, action)
            else:
                validator, mirror = contents.get(action), None
            if action == ok_action and validator is contents.get(action):
                # Members equal to already-validated fields cannot break the
                # acknowledgement schema, so it need not run.
                return mirrors is not None and type(body) is dict and mirrors(obj, body)
            # A narrower document (a push notification) repeats the fields its own mirror
            # names (without variants, only the acknowledgement above repeats any).
            if mirror is not None and (type(body) is not dict or not mirror.test(obj, body)):
                return False
            return validator is None or bool(validator.is_valid(body))

        return relations_hold

    def findings(self, obj: dict[str, Any]) -> list[Finding] | None:
        found: list[Finding] | None = self.code_findings(obj) or None
        code = obj.get("resultCode")
        message = obj.get("resultMessage")
        if type(code) is str and type(message) is str and not message.startswith("[" + code + "]"):
            # Beside the table's findings on the code itself (A191, on the message, needs
            # the prefix and is never among them).
            prefix = Finding.of(
                _PREFIX,
                "/resultMessage",
                value=render(message),
                expected=render(code)[1:-1],
                member="resultMessage",
            )
            found = [prefix] if found is None else [*found, prefix]
        content = obj.get("responseContent")
        if type(content) is not str:
            return found
        action = obj.get("action")
        validator, mirror = self._document_for(obj, action)
        if validator is None:
            return found
        try:
            body, exact = parse_exact(content)
        except NotJson as exc:
            bad = _not_json_finding(content, str(exc))
            return [bad] if found is None else [*found, bad]
        body_findings = self._content_findings(obj, str(action), body, (validator, mirror), exact)
        if body_findings:
            return body_findings if found is None else found + body_findings
        return found

    def not_json(self, content: str) -> Finding | None:
        """The finding of a ``responseContent`` that is not JSON, or None when it is JSON."""
        reason = not_json_reason(content)
        return None if reason is None else _not_json_finding(content, reason)

    def known_not_json(self, content: str) -> Finding | None:
        """:meth:`not_json` for a document that starts as one already found not JSON does,
        or None (when it is JSON, and when nothing is known of it)."""
        reason = known_reason(content)
        return None if reason is None else _not_json_finding(content, reason)

    def _document_for(self, obj: dict[str, Any], action: Any) -> tuple[Any, _Mirror | None]:
        """The compiled schema of what this payload's ``responseContent`` holds and the
        members it repeats (each None when there is none), picked together.

        The narrowest statement wins: a variant for another member's value (the push
        notification of a ``PUSH`` delivery, which repeats the tokens too) over the
        action's own.
        """
        if not isinstance(action, str):
            return None, None
        for member, value, validator, mirror in self._variants.get(action, ()):
            if obj.get(member) == value:
                return validator, mirror
        return self._content.get(action), self._base if action == self._ok_action else None

    def code_findings(self, obj: Mapping[str, Any]) -> list[Finding]:
        """Authlete's result-code table: a documented code, its message, its action.

        Reads ``resultCode``, ``resultMessage`` and ``action`` only.
        """
        if self._codes_api is None:
            return []
        code = obj.get("resultCode")
        message = obj.get("resultMessage")
        if type(code) is not str or type(message) is not str:
            return self._codes_of(obj)
        # The verdict depends on these three alone (an action that is no string is none),
        # and traffic repeats them: kept per triple (bounded).
        action = obj.get("action")
        key = (action if type(action) is str else None, code, message)
        found = self._codes_kept.get(key)
        if found is None:
            found = tuple(self._codes_of(obj))
            if len(self._codes_kept) >= _CODES_KEPT:
                self._codes_kept.clear()
            self._codes_kept[key] = found
        return list(found)

    def _codes_of(self, obj: Mapping[str, Any]) -> list[Finding]:
        assert self._codes_api is not None
        return [
            Finding.of(rule_named(name), where, **context)  # type: ignore[arg-type]
            for name, where, context in check_result_code(self._codes_api, obj)
        ]

    def _content_findings(
        self,
        obj: dict[str, Any],
        action: str,
        body: Any,
        document: tuple[Any, _Mirror | None],
        exact: bool = False,
    ) -> list[Finding] | None:
        """The findings on a parsed ``responseContent``, by its ``document`` (the compiled
        schema and the mirror :meth:`_document_for` picks)."""
        validator, mirror = document
        is_ack = action == self._ok_action
        if not isinstance(body, dict):
            rule = self._not_object.get(id(validator)) or (
                _ACK_NOT_OBJECT if is_ack else _ERROR_NOT_OBJECT
            )
            return [
                Finding.of(
                    rule,
                    CONTENT_POINTER,
                    content_pointer="",
                    value=render(body),
                    detail=f"it is {article(json_type(body))}, not an object",
                )
            ]
        found: list[Finding] = []
        checked = body if exact else clamp_big_ints(body)
        mirrors = mirror is not None and mirror.test(obj, body)
        if mirrors and is_ack and self._ack_shortcut and validator is self._content.get(action):
            # Every finding the schema could give would sit on a member equal to its field.
            body_ok = True
        else:
            try:
                body_ok = validator.is_valid(checked)
            except (ValueError, TypeError, OverflowError):
                body_ok = False
        if not body_ok:
            for finding in self._keywords.findings(checked, validator, content=True):
                if mirror is not None and _mirrored_equal(
                    mirror, obj, body, finding.content_pointer
                ):
                    # The same value is in the field, and the field's finding says it.
                    continue
                found.append(finding)
        if mirror is not None and not mirrors:
            found.extend(_mismatches(mirror, obj, body))
        return found or None


def _variant_mirror(facts: KindFacts, action: str, member: str, value: Any) -> _Mirror | None:
    """The mirror of the narrower document of ``action`` for ``member`` == ``value``, or None
    when that document repeats no field."""
    for found in facts.variant_mirrors.get(action, ()):
        if found.member == member and found.value == value:
            return _Mirror(found.mirror, found.required)
    return None


def _mirrored_equal(
    mirror: _Mirror, obj: dict[str, Any], body: dict[str, Any], where: str | None
) -> bool:
    """Whether the document member at ``where`` repeats a field and equals it."""
    tokens = pointer_tokens(where or "")
    if len(tokens) != 1:
        return False
    member = tokens[0]
    field = mirror.fields.get(member)
    return (
        field is not None
        and member in body
        and field in obj
        and json_equal(body[member], obj[field])
    )


def _mismatches(mirror: _Mirror, obj: dict[str, Any], body: dict[str, Any]) -> list[Finding]:
    """A finding per mirrored member that differs from its field, or is on one side only
    (but where its absence from the document is a required-member rule's finding)."""
    rule = _MISMATCH
    found: list[Finding] = []
    for member, field in mirror.fields.items():
        in_body = member in body
        in_fields = field in obj
        if in_body and in_fields:
            a = body[member]
            b = obj[field]
            # Same type and equal is the usual case; json_equal decides the others.
            if (a == b and type(a) is type(b)) or json_equal(a, b):
                continue
        elif in_body == in_fields or member in mirror.required:
            # Absent on both sides, or absence is what a required-member rule reports.
            continue
        value = render(body[member]) if in_body else None
        message = rule.format(
            member=member,
            field=field,
            value=value or "absent",
            expected=render(obj[field]) if in_fields else "absent",
        )
        where = mirror.pointers[member]
        found.append(Finding(rule.code, rule.severity, message, CONTENT_POINTER, where, value))
    return found


def _type_rule(file: str, depth: int = 0) -> Rule | None:
    """The rule of the ``type`` keyword a schema file states for its root (through
    whole-file ``$ref`` in ``allOf``), or None."""
    doc = load_schema(file)
    if "type" in doc:
        code, _ = rule_at(f"{doc.get('$id', '')}#/type")
        return RULES.get(code) if code is not None else None
    for sub in doc.get("allOf", []):
        ref = sub.get("$ref") if isinstance(sub, dict) else None
        if isinstance(ref, str) and "#" not in ref and depth < 8:
            found = _type_rule(ref.rsplit("/", 1)[-1], depth + 1)
            if found is not None:
                return found
    return None


def _not_json_finding(content: str, reason: str) -> Finding:
    value = render(content)
    if _NOT_JSON_QUOTES_VALUE:
        return Finding.of(_CONTENT_NOT_JSON, CONTENT_POINTER, value=value, detail=reason)
    # The message says why alone, and the reasons come in families: kept per reason.
    message = _NOT_JSON_MESSAGES.get(reason)
    if message is None:
        message = _CONTENT_NOT_JSON.render({"value": value, "detail": reason})
        if len(_NOT_JSON_MESSAGES) < _NOT_JSON_KEPT:
            _NOT_JSON_MESSAGES[reason] = message
    return Finding(
        _CONTENT_NOT_JSON.code, _CONTENT_NOT_JSON.severity, message, CONTENT_POINTER, None, value
    )


_NOT_JSON_QUOTES_VALUE = "value" in _CONTENT_NOT_JSON.fields
_NOT_JSON_MESSAGES: dict[str, str] = {}
_NOT_JSON_KEPT = 1024


def mirror_test(
    items: tuple[tuple[str, str, bool], ...],
) -> Callable[[dict[str, Any], dict[str, Any]], bool]:
    """A test that the acknowledgement's mirrored members equal their fields.

    Strict and conservative: equal JSON values (never a boolean for a number),
    required members present, optional ones present on both sides or neither.
    Anything it refuses is judged member by member elsewhere.
    """
    # Every member present on both sides (the usual acknowledgement): one tuple comparison.
    every_member = itemgetter(*[m for m, _, _ in items]) if len(items) > 1 else None
    every_field = itemgetter(*[f for _, f, _ in items]) if len(items) > 1 else None

    def mirrors(obj: dict[str, Any], body: dict[str, Any]) -> bool:
        if every_member is not None and every_field is not None:
            try:
                mine = every_member(body)
                theirs = every_field(obj)
            except KeyError:
                pass
            else:
                return mine == theirs and _no_booleans(mine, theirs)
        for member, field, needed in items:
            if member in body:
                if field not in obj:
                    return False
                mine, theirs = (body[member],), (obj[field],)
                if mine != theirs or not _no_booleans(mine, theirs):
                    return False
            elif needed or field in obj:
                return False
        return True

    return mirrors


def _no_booleans(mine: tuple[Any, ...], theirs: tuple[Any, ...]) -> bool:
    """Whether two equal tuples hold no boolean: True == 1 and False == 0 in Python,
    and a boolean is never a mirror of a number."""
    # Equality to True or False is quick to rule out; only 0 and 1 need their types looked at.
    if True not in mine and False not in mine:
        return True
    return bool not in map(type, mine) and bool not in map(type, theirs)
