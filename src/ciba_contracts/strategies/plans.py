"""Choosing the plans that break a rule at a level, and checking the rule can be broken.

A rule may be broken at several sites and by a relation breaker; the plans
kept are those with the fewest companion rules, and only those agreeing on
them, so that "the error rules are exactly ``{rule} | companions``" holds for
every payload drawn.

Names without a leading underscore are shared within :mod:`ciba_contracts.strategies`;
they are not public API.
"""

from __future__ import annotations

import functools
from typing import Final

from hypothesis import strategies as st

from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.rules import RULES
from ciba_contracts.strategies.breaking import SITE_PLANS, Plan
from ciba_contracts.strategies.relations import RELATION_PLANS
from ciba_contracts.strategies.schema_facts import contract_of
from ciba_contracts.strategies.schema_walk import Payload
from ciba_contracts.violations import KIND_NAMES

#: Rule code prefixes the payload strategies cover (sdk, authlete, ciba levels).
PAYLOAD_RULE_PREFIXES: Final = ("S", "A", "C")


def _check_rule(rule: str) -> None:
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}")
    if not rule.startswith(PAYLOAD_RULE_PREFIXES):
        raise ValueError(
            f"rule {rule} is not about the payload (payload rules start with "
            f"{', '.join(PAYLOAD_RULE_PREFIXES)}); no payload can break it"
        )


@functools.cache
def plans_for(kind: str, rule: str, level: Profile) -> tuple[Plan, ...]:
    contract = contract_of(kind)
    plans: list[Plan] = []
    relation = RELATION_PLANS.get(rule)
    if relation is not None:
        plan = relation(contract, level)
        if plan is not None:
            plans.append(plan)
    for site in contract.at(level):
        if site.rule != rule:
            continue
        maker = SITE_PLANS.get(site.keyword)
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


def invalid_strategy(
    kind: str, rule: str, profile: Profile | str | None
) -> st.SearchStrategy[Payload]:
    _check_rule(rule)
    level = _level(rule, profile)
    plans = plans_for(kind, rule, level)
    if not plans:
        raise ValueError(
            f"no {KIND_NAMES.get(kind, kind)} can break rule {rule} "
            "(it does not apply to this kind)"
        )
    return st.one_of([p.strategy for p in plans])


def companions_of(kind: str, rule: str, profile: Profile | str | None) -> frozenset[str]:
    _check_rule(rule)
    plans = plans_for(kind, rule, _level(rule, profile))
    return plans[0].companions if plans else frozenset()
