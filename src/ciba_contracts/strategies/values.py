"""Strategies for single values: text, JSON values, strings and integers meeting a member's rules.

A member's constraints come from several schema levels (a pattern here, a
length there); :class:`StringRules` and :class:`IntRules` combine the sites of a
member into one strategy, so that a value drawn for one level also meets the
others. Regex patterns are drawn by Python's ``re``, which agrees with
ECMA-262 on the patterns of this contract (see :func:`python_regex_matches`).

Names without a leading underscore are shared within :mod:`ciba_contracts.strategies`;
they are not public API.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import orjson
from hypothesis import strategies as st

from ciba_contracts.strategies.schema_walk import JsonValue, Site

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
CHAR_CLASS_STAR = re.compile(r"^\^(\[(?:[^\]\\]|\\.)+\])\*\$$")
# A pattern opening with a repeated character class (``^[A-Za-z0-9._~+/-]+=*$``): long
# strings of that class are what from_regex seldom draws.
LEADING_CLASS = re.compile(r"^\^(\[(?:[^\]\\]|\\.)+\])[*+]")
_LONG: Final = 32
_CLASS_PROBE_RANGE: Final = range(0x300)


# Free text: any Unicode scalar value (JSON cannot carry lone surrogates).
CHARS = st.characters(exclude_categories=["Cs"])
TEXT = st.text(CHARS, max_size=40)


@functools.cache
def json_values(max_leaves: int = 6) -> st.SearchStrategy[JsonValue]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(INT64_MIN, INT64_MAX),
        st.floats(allow_nan=False, allow_infinity=False),
        TEXT,
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
        max_leaves=max_leaves,
    )


@functools.cache
def _extra_members(known: tuple[str, ...]) -> st.SearchStrategy[dict[str, JsonValue]]:
    """Unknown members, which every level allows (a tolerant reader)."""
    taken = frozenset(known)
    names = st.one_of(
        TEXT.filter(lambda n: n not in taken),
        # Near misses of real names are the realistic unknown members.
        st.sampled_from(sorted(taken) or ["x"]).map(
            lambda n: n.upper() if n != n.upper() else n.lower()
        ),
        st.sampled_from(sorted(taken) or ["x"]).map(lambda n: n + "_"),
    ).filter(lambda n: n not in taken)
    # Absent half the time: every unknown member costs many draws, and one is enough to matter.
    return st.one_of(st.just({}), st.dictionaries(names, json_values(4), min_size=1, max_size=2))


def add_unknown_members(draw: st.DrawFn, target: dict[str, Any], known: Iterable[str]) -> None:
    """Add the unknown members of :func:`_extra_members` that ``target`` does not have."""
    for name, value in draw(_extra_members(tuple(known))).items():
        target.setdefault(name, value)


@st.composite
def serialize(draw: st.DrawFn, value: JsonValue) -> str:
    """JSON text of ``value`` in one of several spellings (spacing, escaping, key order)."""
    style = draw(st.integers(0, 3))
    if style == 0:
        return dump(value)
    if style == 1:
        return json.dumps(value)
    if style == 2:
        return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def dump(value: JsonValue) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


@functools.cache
def class_chars(char_class: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Characters (of a probed range) inside and outside a regex character class."""
    compiled = re.compile(char_class)
    inside: list[str] = []
    outside: list[str] = []
    for code in _CLASS_PROBE_RANGE:
        ch = chr(code)
        (inside if compiled.fullmatch(ch) else outside).append(ch)
    return tuple(inside), tuple(outside)


def bad_char(char_class: str) -> st.SearchStrategy[str]:
    compiled = re.compile(char_class)
    _, outside = class_chars(char_class)
    return st.one_of(
        st.sampled_from(outside), CHARS.filter(lambda ch: compiled.fullmatch(ch) is None)
    )


def python_regex_matches(pattern: str, text: str) -> bool:
    """Whether ``text`` matches a JSON Schema ``pattern`` (found anywhere, as ECMA-262 does)."""
    return _search_regex(pattern).search(text) is not None


@functools.cache
def _search_regex(pattern: str) -> re.Pattern[str]:
    # JSON Schema patterns are ECMA-262 regexes, unanchored unless they say so; for the
    # patterns of this contract (character classes, anchors, counts) Python's re agrees,
    # except that '$' also matches before a final newline, which '\Z' rules out.
    if _ends_anchored(pattern):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _ends_anchored(pattern: str) -> bool:
    return pattern.endswith("$") and not pattern.endswith("\\$")


@dataclass(frozen=True, slots=True)
class StringRules:
    patterns: tuple[str, ...]
    min_length: int
    max_length: int | None
    enum: tuple[str, ...] | None

    @classmethod
    def of(cls, sites: Sequence[Site]) -> StringRules:
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
        return all(python_regex_matches(p, text) for p in self.patterns)

    def strategy(self) -> st.SearchStrategy[str]:
        return _string_strategy(self)

    def _build(self) -> st.SearchStrategy[str]:
        if self.enum is not None:
            return st.sampled_from([v for v in self.enum if self.accepts(v)])
        top = self.max_length if self.max_length is not None else self.min_length + 48
        if not self.patterns:
            return st.text(CHARS, min_size=self.min_length, max_size=top)
        first, *rest = self.patterns
        star = CHAR_CLASS_STAR.match(first)
        leading = LEADING_CLASS.match(first)
        if star:
            inside, _ = class_chars(star.group(1))
            base = st.text(st.sampled_from(inside), min_size=self.min_length, max_size=top)
        elif leading and self.min_length > _LONG:
            inside, _ = class_chars(leading.group(1))
            base = st.text(st.sampled_from(inside), min_size=self.min_length, max_size=top)
        else:
            # A pattern anchored at both ends is the whole string; another leaves room
            # around its match, which from_regex fills.
            whole = first.startswith("^") and _ends_anchored(first)
            base = st.from_regex(first, fullmatch=whole)
        if rest or not star:
            return base.filter(self.accepts)
        return base


@functools.cache
def _string_strategy(rules: StringRules) -> st.SearchStrategy[str]:
    return rules._build()


@dataclass(frozen=True, slots=True)
class IntRules:
    low: int
    high: int

    @classmethod
    def of(cls, sites: Sequence[Site], low: int = INT64_MIN, high: int = INT64_MAX) -> IntRules:
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


def allowed_values(sites: Sequence[Site]) -> tuple[JsonValue, ...] | None:
    """The values every ``enum`` and ``const`` of ``sites`` allows, or None if none says."""
    allowed: list[JsonValue] | None = None
    for site in sites:
        if site.keyword == "enum":
            these = list(site.value)
        elif site.keyword == "const":
            these = [site.value]
        else:
            continue
        allowed = these if allowed is None else [v for v in allowed if _in(v, these)]
    return None if allowed is None else tuple(allowed)


def _in(value: JsonValue, values: Sequence[JsonValue]) -> bool:
    # JSON equality: a boolean is never a number.
    return any(value == v and type(value) is type(v) for v in values)


def is_type(value: JsonValue, json_type: str) -> bool:
    """Whether a parsed JSON value has a JSON Schema type."""
    if json_type == "null":
        return value is None
    if json_type == "boolean":
        return isinstance(value, bool)
    if json_type == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if json_type == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if json_type == "string":
        return isinstance(value, str)
    if json_type == "array":
        return isinstance(value, list)
    if json_type == "object":
        return isinstance(value, dict)
    return True


@functools.cache
def value_strategy(json_type: str, sites: tuple[Site, ...]) -> st.SearchStrategy[JsonValue]:
    """Scalar values of ``json_type`` meeting ``sites`` (any JSON value for an unknown type)."""
    if json_type == "string":
        return StringRules.of(sites).strategy()
    allowed = allowed_values(sites)
    if allowed is not None:
        fitting = [v for v in allowed if is_type(v, json_type)]
        return st.sampled_from(fitting) if fitting else st.nothing()
    if json_type == "integer":
        rules = IntRules.of(sites)
        if rules.empty:
            raise ValueError("the schema leaves no integer for this member")
        return rules.strategy()
    if json_type == "boolean":
        return st.booleans()
    if json_type == "number":
        return st.one_of(
            st.integers(-(2**31), 2**31), st.floats(allow_nan=False, allow_infinity=False)
        )
    if json_type == "null":
        return st.none()
    return json_values()


_OTHER_TYPES: Final = ("null", "boolean", "array", "object", "string", "integer", "number")


@functools.cache
def wrong_type(types: tuple[str, ...], sites: tuple[Site, ...]) -> st.SearchStrategy[JsonValue]:
    """A value of none of ``types`` that no other keyword of ``sites`` objects to."""
    if not types:
        return st.nothing()
    others: list[st.SearchStrategy[JsonValue]] = []
    for other in _OTHER_TYPES:
        if other in types or (other == "integer" and "number" in types):
            continue
        if other == "null":
            others.append(st.none())
        elif other == "boolean":
            others.append(st.booleans())
        elif other == "array":
            others.append(st.lists(json_values(3), max_size=2))
        elif other == "object":
            others.append(st.dictionaries(TEXT, json_values(3), max_size=2))
        elif other == "string":
            others.append(TEXT)
        elif other == "integer":
            others.append(st.integers(-(2**31), 2**31))
        elif "integer" not in types:
            others.append(st.floats(allow_nan=False, allow_infinity=False))
        else:
            # A number with a fraction is no integer; keep it inside every bound so
            # that only the type fails.
            rules = IntRules.of(sites)
            # Below 2**40 so that v + 0.5 is exact (near 2**52 it rounds to an integer).
            low, high = max(rules.low, -(2**40)), min(rules.high - 1, 2**40)
            if low <= high:
                others.append(st.integers(low, high).map(lambda v: v + 0.5))
    return st.one_of(others)
