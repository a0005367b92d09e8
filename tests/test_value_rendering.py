"""A value a finding shows is the start of its text, whatever its size or depth.

Values orjson cannot write (an integer past 64 bits, a lone surrogate, more
than 255 levels of nesting, Python objects given to ``validate()``) are shown
as Python writes them, ``repr``. Only the start is shown, so only the start
is written: ``repr_head`` must give exactly what ``repr`` starts with.
"""

from __future__ import annotations

import sys
from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from ciba_contracts import validate
from ciba_contracts.jsondoc.render import VALUE_LIMIT, render, repr_head, truncate

_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["\ud800", "it's", 'say "hi"', "both ' and \"", "\n\t\x00"]),
)
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.one_of(st.text(max_size=5), st.integers()), inner, max_size=4),
    ),
    max_leaves=30,
)


def _nested(depth: int, leaf: Any = 2**70) -> Any:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"a": value, "b": level}
    return value


@given(_VALUES, st.integers(min_value=0, max_value=300))
def test_the_head_is_the_start_of_repr(value: Any, size: int) -> None:
    full = repr(value)
    head = repr_head(value, size)
    assert full.startswith(head)
    assert head == full or len(head) >= size


@given(_VALUES)
def test_a_value_is_shown_as_before(value: Any) -> None:
    # What render showed when it wrote the whole repr and cut it.
    try:
        whole = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):
        whole = repr(value)
    assert render(value) == truncate(whole)


def test_containers_holding_themselves_show_as_repr_shows_them() -> None:
    looped: list[Any] = [1, {}]
    looped.append(looped)
    mapping: dict[str, Any] = {"k": 2**70}
    mapping["self"] = mapping
    held: tuple[Any, ...] = ([],)
    held[0].append(held)
    for value in (looped, mapping, held, [looped, looped]):
        assert repr_head(value, 10_000) == repr(value)


def test_deep_values_show_their_start() -> None:
    # Within Python's recursion limit, as repr writes them.
    deep = _nested(600)
    assert render(deep) == truncate(repr(deep))
    # Past it, where repr fails, the start is still there to show.
    deeper = _nested(sys.getrecursionlimit() * 3)
    shown = render(deeper)
    assert len(shown) == VALUE_LIMIT
    assert shown.startswith("[{'a': [{'a': [{'a': ")


def test_a_finding_on_a_deep_member_shows_the_start_of_its_value() -> None:
    payload = {
        "resultCode": "A181201",
        "resultMessage": "[A181201] The ticket does not exist.",
        "action": _nested(700),
    }
    (finding,) = validate(payload)
    assert finding.pointer == "/action"
    assert finding.value == truncate(repr(payload["action"]))
