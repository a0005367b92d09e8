"""Hypothesis strategies for the CIBA family's answers, valid or breaking one rule.

- :func:`responses` draws the 200 answers of one API of the family
  (``authentication``, ``issue``, ``fail``, ``complete``) as dicts that keep
  the contract at a level: no error-severity rule of that level fires.
- :func:`invalid_responses` draws answers that break one rule of the catalog
  and no other error rule (see "Exactly one rule" below).
- :func:`result_objects` and :func:`invalid_result_objects` do the same for
  Authlete's ``result`` object (the body of 400/401/403/500 answers).
- :func:`issue_responses` and :func:`invalid_issue_responses` are
  :func:`responses` and :func:`invalid_responses` for the issue API.

Everything is read from the schema files and the rule catalog: the shape of a
payload from its sdk schema (nested objects and arrays through ``$ref``: the
authentication answer's scopes, pairs, dynamic scopes, authorization details
and grant), enum values, integer bounds, per-action and per-condition required
members and bounds from the ``if``/``then``/``else`` blocks (``deliveryMode``,
``hintType``, ``userCodeRequired``; an ``error`` in a push notification),
``contains``, patterns and lengths, the ``responseContent`` documents
(``contentSchema``, and the narrower one of a ``deliveryMode``: a ping or push
notification) and the mirrored members (``x-ciba-mirror``). ``resultCode`` and
``resultMessage`` come from Authlete's table: a code that fits the action, with
its documented message. Each way of breaking a rule is found from the
``x-ciba-rule`` annotations: a ``required`` keyword annotated with a rule is
broken by leaving the member out, a ``pattern`` by a string outside it, and so
on. Only the relations JSON Schema cannot state (the payload is JSON,
``resultMessage`` starts with ``[resultCode]``, ``responseContent`` is JSON and
agrees with the fields, the result code fits the table) have hand-written
breakers, found by the rules' catalog names.

Exactly one rule
----------------
A payload from ``invalid_responses(rule=X, api=A, profile=P)`` is built from a
payload valid at ``P`` (``P`` defaults to X's own level) and changed in one
place, so that the error rules firing at ``P`` are exactly ``{X}``. Breaking an
sdk rule therefore means different things at different ``P``: with the default
``P = sdk`` the rest of the payload is only sdk-valid (it may lack ``action``,
say, which breaks A101 at the authlete level); with ``profile="ciba"`` the rest
is ciba-valid and the payload breaks X and nothing else at every level from
X's own up to ciba. The change keeps the relations intact where it can: a
changed ``authReqId``, ``expiresIn`` or ``interval`` is changed inside
``responseContent`` too (the validator reports a fault present on both sides
once, on the field), a changed ``resultCode`` keeps the ``resultMessage``
prefix in step, and an array that must contain an item (``scopes`` holding
``openid``) keeps one.

Two kinds of exceptions, both computed, not listed:

- Rules another rule implies (``implied_by`` in the catalog) may be broken
  along, since the validator drops them: ``interval: -1`` breaks A110 and
  C203, and only A110 is reported.
- Some rules cannot fire alone: C204 (the acknowledgement's ``expires_in`` is
  not positive) is only reported where the acknowledgement disagrees with
  ``expiresIn``, which is A112. :func:`companion_rules` gives the rules a
  payload for X also breaks (``{"A112"}`` for C204, empty for every other rule
  today); the error rules at ``P`` are exactly ``{X} | companion_rules(X)``.

A warning rule (A116, A164, A190...) yields payloads that are valid and carry
that warning and no other finding.

Only payload rules are covered: codes starting with S, A or C. Rules about the
HTTP exchange or the input (other prefixes) have no payload to generate and
raise ``ValueError``; so does a rule that does not hold for the API (A106 of
the fail API, or a result-code rule of an API whose codes are not held to the
table): :func:`payload_rules` lists those that do.

Layout
------
The package reads one way, each module using only those above it:
:mod:`~ciba_contracts.strategies.schema_walk` (reading shapes and annotated
keywords out of the schema files),
:mod:`~ciba_contracts.strategies.schema_facts` (what they say about each
payload kind), :mod:`~ciba_contracts.strategies.values` (strategies for single
values), :mod:`~ciba_contracts.strategies.codes` (Authlete's result codes),
:mod:`~ciba_contracts.strategies.valid` (valid payloads),
:mod:`~ciba_contracts.strategies.breaking_values` (values failing one keyword
and meeting the others), :mod:`~ciba_contracts.strategies.breaking` (breaking
one schema keyword),
:mod:`~ciba_contracts.strategies.relations` (breaking the relations no schema
states), :mod:`~ciba_contracts.strategies.plans` (choosing among the ways of
breaking a rule) and this module (the public API). Names without a leading
underscore in those modules are shared within the package, not public API.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from ciba_contracts.contract.apis import ISSUE_API
from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.rules import RULES
from ciba_contracts.strategies.plans import (
    PAYLOAD_RULE_PREFIXES,
    companions_of,
    invalid_strategy,
    plans_for,
)
from ciba_contracts.strategies.schema_facts import ISSUE, RESULT, contract_of
from ciba_contracts.strategies.schema_walk import MISSING, JsonValue, Payload
from ciba_contracts.strategies.valid import valid_payloads
from ciba_contracts.validate.engine import kind_of_api
from ciba_contracts.validate.kinds import KINDS

__all__ = [
    "MISSING",
    "PAYLOAD_RULE_PREFIXES",
    "JsonValue",
    "Payload",
    "companion_rules",
    "invalid_issue_responses",
    "invalid_responses",
    "invalid_result_objects",
    "issue_responses",
    "payload_rules",
    "responses",
    "result_objects",
]


def _kind(kind: str | None, api: str | None) -> str:
    """The payload kind named by ``kind`` or by ``api`` (the issue response by default)."""
    if api is not None:
        of_api = kind_of_api(api)
        if kind is not None and kind != of_api:
            raise ValueError(f"kind {kind!r} is not the answer of the {api} API ({of_api})")
        return of_api
    if kind is None:
        return ISSUE
    if kind not in KINDS:
        raise ValueError(f"unknown payload kind {kind!r}; expected one of {', '.join(KINDS)}")
    return kind


def responses(
    api: str = ISSUE_API,
    profile: Profile | str = Profile.AUTHLETE,
    *,
    action: str | None = None,
    unknown_members: bool = True,
) -> st.SearchStrategy[dict[str, Any]]:
    """200 answers of ``api`` (dicts) with no error-severity finding at ``profile``.

    ``api`` is ``authentication``, ``issue``, ``fail`` or ``complete``.
    ``action`` fixes the ``action`` member (one of the API's); by default every
    action is drawn (and, at the sdk level where it is optional, its absence).
    Optional members come and go, nested objects and arrays included;
    ``resultCode`` is one Authlete documents for the API and the action, and
    ``resultMessage`` its documented message with the placeholders filled; free
    text carries any Unicode; ``responseContent`` holds the action's document,
    spelt in several JSON styles; with ``unknown_members`` the payload (and its
    embedded document, where its schema allows) carries members the contract
    does not know, which every level allows.
    """
    contract = contract_of(kind_of_api(api))
    level = Profile.parse(profile)
    if action is not None:
        action = str(action)
        if action not in contract.actions():
            raise ValueError(
                f"unknown action {action!r} of the {api} API; expected one of "
                f"{', '.join(contract.actions())}"
            )
    return valid_payloads(contract, level, action, unknown_members)


def invalid_responses(
    rule: str, *, api: str = ISSUE_API, profile: Profile | str | None = None
) -> st.SearchStrategy[Payload]:
    """200 answers of ``api`` breaking ``rule`` and no other error rule at ``profile``.

    ``profile`` defaults to the rule's own level; a stricter one makes the rest
    of the payload valid at that level too (see the module docs). Payloads are
    dicts, except for S001 (bytes or str that are not JSON) and S002 (JSON that
    is not an object, parsed or as text). The error rules at ``profile`` are
    exactly ``{rule} | companion_rules(rule, api=api, profile=profile)``.
    """
    return invalid_strategy(kind_of_api(api), rule, profile)


def issue_responses(
    action: str | None = None,
    profile: Profile | str = Profile.AUTHLETE,
    *,
    unknown_members: bool = True,
) -> st.SearchStrategy[dict[str, Any]]:
    """Issue responses: :func:`responses` of the issue API.

    ``action`` is ``OK``, ``INTERNAL_SERVER_ERROR`` or ``INVALID_TICKET`` (or
    None for any).
    """
    return responses(ISSUE_API, profile, action=action, unknown_members=unknown_members)


def invalid_issue_responses(
    rule: str, profile: Profile | str | None = None
) -> st.SearchStrategy[Payload]:
    """Issue responses breaking ``rule``: :func:`invalid_responses` of the issue API."""
    return invalid_responses(rule, api=ISSUE_API, profile=profile)


def result_objects(
    profile: Profile | str = Profile.AUTHLETE, *, unknown_members: bool = True
) -> st.SearchStrategy[dict[str, Any]]:
    """Authlete ``result`` objects (400/401/403/500 bodies) valid at ``profile``."""
    return valid_payloads(contract_of(RESULT), Profile.parse(profile), MISSING, unknown_members)


def invalid_result_objects(
    rule: str, profile: Profile | str | None = None
) -> st.SearchStrategy[Payload]:
    """``result`` objects breaking ``rule`` and no other error rule at ``profile``.

    Only rules that apply to the result object can be broken (see
    :func:`payload_rules` with ``kind="result"``).
    """
    return invalid_strategy(RESULT, rule, profile)


def companion_rules(
    rule: str,
    *,
    profile: Profile | str | None = None,
    kind: str | None = None,
    api: str | None = None,
) -> frozenset[str]:
    """Error rules a payload breaking ``rule`` necessarily breaks too (usually none).

    The payload is an answer of ``api``, or of payload ``kind`` (the issue
    response by default). C204 is the one today: the validator reports a bad
    ``expires_in`` inside ``responseContent`` only where it disagrees with
    ``expiresIn``, which is A112 as well.
    """
    return companions_of(_kind(kind, api), rule, profile)


def payload_rules(kind: str | None = None, *, api: str | None = None) -> tuple[str, ...]:
    """Codes of the catalog rules the strategies can break, in catalog order.

    For the answers of ``api``, or of payload ``kind`` (``issue-response``,
    ``result``...; the issue response by default).
    """
    kind = _kind(kind, api)
    out = []
    for code, rule in RULES.items():
        if code.startswith(PAYLOAD_RULE_PREFIXES) and plans_for(kind, code, rule.level):
            out.append(code)
    return tuple(out)
