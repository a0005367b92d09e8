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
agrees with the fields) have hand-written breakers, found by the rules' catalog
names.

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

Layout
------
The package reads one way, each module using only those above it:
:mod:`~ciba_contracts.strategies.schema_facts` (what the schema files say),
:mod:`~ciba_contracts.strategies.values` (strategies for single values),
:mod:`~ciba_contracts.strategies.valid` (valid payloads),
:mod:`~ciba_contracts.strategies.breaking` (breaking one schema keyword),
:mod:`~ciba_contracts.strategies.relations` (breaking the relations no schema
states), :mod:`~ciba_contracts.strategies.plans` (choosing among the ways of
breaking a rule) and this module (the public API). Names without a leading
underscore in those modules are shared within the package, not public API.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.rules import RULES
from ciba_contracts.strategies.plans import (
    PAYLOAD_RULE_PREFIXES,
    companions_of,
    invalid_strategy,
    plans_for,
)
from ciba_contracts.strategies.schema_facts import (
    ISSUE,
    MISSING,
    RESULT,
    JsonValue,
    Payload,
    contract_of,
)
from ciba_contracts.strategies.valid import valid_payloads

__all__ = [
    "MISSING",
    "PAYLOAD_RULE_PREFIXES",
    "JsonValue",
    "Payload",
    "companion_rules",
    "invalid_issue_responses",
    "invalid_result_objects",
    "issue_responses",
    "payload_rules",
    "result_objects",
]


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
    contract = contract_of(ISSUE)
    level = Profile.parse(profile)
    if action is not None:
        action = str(action)
        if action not in contract.actions():
            raise ValueError(
                f"unknown action {action!r}; expected one of {', '.join(contract.actions())}"
            )
    return valid_payloads(contract, level, action, unknown_members)


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
    return invalid_strategy(ISSUE, rule, profile)


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
    rule: str, *, profile: Profile | str | None = None, kind: str = ISSUE
) -> frozenset[str]:
    """Error rules a payload breaking ``rule`` necessarily breaks too (usually none).

    C204 is the one today: the validator reports a bad ``expires_in`` inside
    ``responseContent`` only where it disagrees with ``expiresIn``, which is
    A112 as well.
    """
    return companions_of(kind, rule, profile)


def payload_rules(kind: str = ISSUE) -> tuple[str, ...]:
    """Codes of the catalog rules the strategies can break for ``kind``, in catalog order."""
    if kind not in (ISSUE, RESULT):
        raise ValueError(f"unknown kind {kind!r}")
    out = []
    for code, rule in RULES.items():
        if code.startswith(PAYLOAD_RULE_PREFIXES) and plans_for(kind, code, rule.level):
            out.append(code)
    return tuple(out)
