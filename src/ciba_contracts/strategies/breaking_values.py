"""Values that fail one constraint keyword and meet the others on the same value.

A value is usually constrained by several sites, from several rules and
levels (a type and an enum, a pattern here and a length there); breaking one
rule means a value that fails its site and meets every other, except the
rules the catalog lets the broken one imply (the validator drops them).

Names without a leading underscore are shared within :mod:`ciba_contracts.strategies`;
they are not public API.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Final

from hypothesis import strategies as st

from ciba_contracts.contract.rules import RULES
from ciba_contracts.strategies.schema_walk import NUMERIC_KEYWORDS, STRING_KEYWORDS, JsonValue, Site
from ciba_contracts.strategies.values import (
    CHAR_CLASS_STAR,
    CHARS,
    INT64_MAX,
    INT64_MIN,
    TEXT,
    IntRules,
    StringRules,
    allowed_values,
    bad_char,
    class_chars,
    python_regex_matches,
)


def implied_by(rule: str) -> set[str]:
    """Rules the validator drops when ``rule`` fires at the same place."""
    return {code for code, other in RULES.items() if rule in other.implied_by}


def unforgiven_enum(sites: Sequence[Site], broken: Site) -> bool:
    """Whether another site of ``sites`` lists the values and would fail along."""
    implied = implied_by(broken.rule)
    return any(
        s.keyword in ("enum", "const") and s is not broken and s.rule not in implied for s in sites
    )


def breaking_enum(sites: Sequence[Site], broken: Site) -> st.SearchStrategy[JsonValue] | None:
    """A value outside ``broken``'s list that every other site of the value accepts."""
    allowed = allowed_values([broken]) or ()
    implied = implied_by(broken.rule)
    kept = [s for s in sites if s is not broken and s.rule not in implied]
    others = allowed_values(kept)
    if others is not None:
        # Another list (the sdk's enum under an action's narrower one): a value of it.
        outside = [v for v in others if v not in allowed]
        return st.sampled_from(outside) if outside else None
    strings = StringRules.of([s for s in kept if s.keyword in STRING_KEYWORDS])
    words = sorted(str(v) for v in allowed if isinstance(v, str)) or ["x"]
    near = st.sampled_from(words).map(lambda v: v.lower() if v != v.lower() else v.upper())
    return st.one_of(near, TEXT).filter(lambda v: v not in allowed and strings.accepts(v))


# Beyond the int64 bounds of the contract, and still a JSON integer; only where the
# bound broken is an int64 one (values that fit 64 bits are what most readers take).
_BEYOND: Final = 2**64


def _violating_range(site: Site) -> IntRules:
    value = site.value
    if site.keyword in ("minimum", "exclusiveMinimum"):
        high = math.ceil(value) - 1 if site.keyword == "minimum" else math.floor(value)
        return IntRules(INT64_MIN if high >= INT64_MIN else -_BEYOND, high)
    low = math.floor(value) + 1 if site.keyword == "maximum" else math.ceil(value)
    return IntRules(low, INT64_MAX if low <= INT64_MAX else _BEYOND)


def breaking_int(sites: Sequence[Site], broken: Site) -> st.SearchStrategy[JsonValue] | None:
    """An integer outside ``broken``'s bound and inside every other bound of the value
    (implied rules may break along)."""
    implied = implied_by(broken.rule)
    kept = [
        s
        for s in sites
        if s is not broken and s.keyword in NUMERIC_KEYWORDS and s.rule not in implied
    ]
    violating = _violating_range(broken)
    rules = IntRules.of(kept, violating.low, violating.high)
    return None if rules.empty else rules.strategy()


@functools.cache
def breaking_string(others: StringRules, broken: Site) -> st.SearchStrategy[str]:
    """A string that fails ``broken`` (a pattern or length) and meets ``others``.

    ``others`` are the string rules of every other site on the member, so two
    lengths from two rules (at least 1 here, at least 22 there) stay apart.
    """
    if broken.keyword == "minLength":
        short = int(broken.value) - 1
        if short < 0:
            return st.nothing()
        narrowed = StringRules(others.patterns, 0, short, None)
        return narrowed.strategy().filter(others.accepts)
    if broken.keyword == "maxLength":
        long = int(broken.value) + 1
        return StringRules(others.patterns, long, long + 16, None).strategy().filter(others.accepts)
    pattern = str(broken.value)
    star = CHAR_CLASS_STAR.match(pattern)

    def fails(text: str) -> bool:
        return not python_regex_matches(pattern, text) and others.accepts(text)

    if star:
        # Valid characters with at least one outsider inserted, as long as the
        # other rules want.
        inside, _ = class_chars(star.group(1))
        bad = bad_char(star.group(1))

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
            return text[:at] + draw(CHARS) + text[at:]
        if how == 2:
            return text.swapcase()
        return text + draw(CHARS)

    return st.one_of(near_miss(), st.text(CHARS, max_size=24)).filter(fails)
