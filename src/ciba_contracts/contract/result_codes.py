"""Authlete's result codes held against the answer that carries them (rules A190-A194).

Pure functions over two data files: ``schemas/authlete-result-codes.json`` (every
code Authlete documents, with its message) and ``schemas/result-code-families.yaml``
(which families each CIBA API owns, and which codes and parties go with which
``action``). Each check is a few dictionary lookups; a message is matched by a
pattern compiled once per code, and the verdicts on a code (its message, its
action) are cached, since traffic repeats them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

import msgspec

from ciba_contracts.contract.schemas import load_schema, yaml_mapping
from ciba_contracts.jsondoc.render import render

__all__ = [
    "CODES_FILE",
    "FAMILIES_FILE",
    "ApiCodes",
    "ResultCodeProblem",
    "api_codes",
    "check_result_code",
    "documented_codes",
    "documented_message",
    "message_matches",
    "message_parts",
]

CODES_FILE = "authlete-result-codes.json"
FAMILIES_FILE = "result-code-families.yaml"

#: Rule names, as the catalog (schemas/rules.yaml) calls them.
UNDOCUMENTED = "result-code-undocumented"
MESSAGE = "result-message-undocumented"
ACTION = "result-code-action-mismatch"
PARTY = "result-code-party-mismatch"
OTHER_API = "result-code-other-api"

# As A104's pattern means it in JSON Schema: "$" is the end of the text, never a final newline.
_WELL_FORMED = re.compile(r"[A-Z][0-9]{6}")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}|%[sd]")
# Authlete prefixes many messages with the API path ("/auth/authorization, ").
_PATH_PREFIX = r"(?:/[^\s,]*, )?"


#: (rule name, JSON pointer, message context) of one finding.
ResultCodeProblem = tuple[str, str, dict[str, object]]


class ApiCodes(msgspec.Struct, frozen=True):
    """What ``result-code-families.yaml`` says about one API."""

    name: str
    families: frozenset[str]
    #: action -> the third digits from the right it may carry.
    parties: Mapping[str, frozenset[str]]
    #: action -> the only codes it goes with (actions without such a list are absent).
    action_codes: Mapping[str, tuple[str, ...]]
    #: code pattern (``A1812xx``) -> the only actions it goes with.
    code_actions: Mapping[str, tuple[str, ...]]


@functools.cache
def _codes() -> Mapping[str, str]:
    table = load_schema(CODES_FILE).get("x-ciba-result-codes")
    if not isinstance(table, dict):
        raise ValueError(f"{CODES_FILE} holds no x-ciba-result-codes table")
    return table


@functools.cache
def _families_document() -> dict[str, Any]:
    return yaml_mapping(FAMILIES_FILE)


@functools.cache
def _party_names() -> Mapping[str, str]:
    return {str(k): str(v) for k, v in _families_document().get("parties", {}).items()}


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{FAMILIES_FILE}: {where} is not a list of strings")
    return tuple(value)


@functools.cache
def api_codes() -> Mapping[str, ApiCodes]:
    """Every API of the families file, by name (ValueError naming the entry if malformed)."""
    out: dict[str, ApiCodes] = {}
    for name, raw in _families_document().get("apis", {}).items():
        where = f"apis.{name}"
        if not isinstance(raw, dict):
            raise ValueError(f"{FAMILIES_FILE}: {where} is not a mapping")
        parties: dict[str, frozenset[str]] = {}
        action_codes: dict[str, tuple[str, ...]] = {}
        for action, facts in raw.get("actions", {}).items():
            parties[action] = frozenset(
                _strings(facts.get("parties", []), f"{where}.actions.{action}.parties")
            )
            if "codes" in facts:
                action_codes[action] = _strings(facts["codes"], f"{where}.actions.{action}.codes")
        code_actions = {
            str(pattern): _strings(actions, f"{where}.codes.{pattern}")
            for pattern, actions in raw.get("codes", {}).items()
        }
        out[str(name)] = ApiCodes(
            str(name),
            frozenset(_strings(raw.get("families", []), f"{where}.families")),
            parties,
            action_codes,
            code_actions,
        )
    return out


@functools.cache
def _owners() -> Mapping[str, frozenset[str]]:
    """family -> the APIs that own it."""
    owners: dict[str, set[str]] = {}
    for api in api_codes().values():
        for family in api.families:
            owners.setdefault(family, set()).add(api.name)
    return {family: frozenset(names) for family, names in owners.items()}


def documented_message(code: str) -> str | None:
    """The message Authlete documents for ``code``, or None."""
    return _codes().get(code)


def documented_codes() -> Mapping[str, str]:
    """Every code Authlete documents -> its message (do not mutate)."""
    return _codes()


@functools.lru_cache(maxsize=4096)
def message_parts(code: str) -> tuple[str, ...] | None:
    """The documented message of ``code`` cut at its placeholders (``{Result}``, ``%s``), or None.

    A message is ``[code] `` and these parts with any text in each gap.
    """
    template = _codes().get(code)
    return None if template is None else tuple(_PLACEHOLDER.split(template))


@functools.lru_cache(maxsize=4096)
def _message_pattern(code: str) -> re.Pattern[str] | None:
    template = _codes().get(code)
    if template is None:
        return None
    parts = _PLACEHOLDER.split(template)
    body = "(?s:.*?)".join(re.escape(part) for part in parts)
    return re.compile(rf"\[{code}\] {_PATH_PREFIX}{body}\s*")


@functools.lru_cache(maxsize=8192)
def message_matches(code: str, message: str) -> bool:
    """Whether ``message`` is ``[code]`` and the documented message, placeholders filled in."""
    pattern = _message_pattern(code)
    return pattern is not None and pattern.fullmatch(message) is not None


def _fits(code: str, pattern: str) -> bool:
    return len(code) == len(pattern) and all(
        p in ("x", c) for c, p in zip(code, pattern, strict=True)
    )


def check_result_code(api: str, payload: Mapping[str, Any]) -> list[ResultCodeProblem]:
    """The result-code findings of ``payload``, an answer (or ``result`` object) of ``api``.

    Returns (rule name, JSON pointer, message context) for each rule broken; an
    empty list when ``resultCode`` is absent or malformed (A102 and A104 say so).
    ``api`` is a name of ``result-code-families.yaml`` (``authentication``,
    ``issue``, ``fail``, ``complete``); ValueError otherwise.
    """
    facts = api_codes().get(api)
    if facts is None:
        raise ValueError(f"unknown API {api!r}; expected one of {', '.join(api_codes())}")
    code = payload.get("resultCode")
    if not isinstance(code, str) or not _WELL_FORMED.fullmatch(code):
        return []
    problems: list[ResultCodeProblem] = []
    template = _codes().get(code)
    if template is None:
        problems.append((UNDOCUMENTED, "/resultCode", {"value": code}))
    else:
        message = payload.get("resultMessage")
        # A message without its [code] prefix is A105's finding, not this one's.
        if (
            isinstance(message, str)
            and message.startswith(f"[{code}]")
            and not message_matches(code, message)
        ):
            # Shown like any other value: quoted, cut, and masked where cut.
            shown = render(message)
            problems.append(
                (MESSAGE, "/resultMessage", {"field": code, "expected": template, "value": shown})
            )
    owners = _owners().get(code[:4])
    if owners and api not in owners:
        problems.append(
            (OTHER_API, "/resultCode", {"value": code, "expected": " and ".join(sorted(owners))})
        )
    action = payload.get("action")
    if isinstance(action, str) and action in facts.parties:
        found = _action_problem(api, code, action)
        if found is not None:
            name, detail = found
            problems.append(
                (name, "/resultCode", {"value": code, "actual": action, "detail": detail})
            )
    return problems


@functools.lru_cache(maxsize=8192)
def _action_problem(api: str, code: str, action: str) -> tuple[str, str] | None:
    """(rule name, detail) when ``code`` does not go with ``action`` of ``api`` (cached)."""
    facts = api_codes()[api]
    for pattern, actions in facts.code_actions.items():
        if _fits(code, pattern) and action not in actions:
            return ACTION, f"{pattern} goes only with {', '.join(actions)}"
    only = facts.action_codes.get(action)
    if only is not None and not any(_fits(code, pattern) for pattern in only):
        return ACTION, f"{action} goes only with {', '.join(only)}"
    party = code[4]
    allowed = facts.parties[action]
    if allowed and party not in allowed:
        return PARTY, _party_names().get(party, f"party {party}")
    return None
