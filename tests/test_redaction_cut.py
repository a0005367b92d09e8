"""A credential cut short by value truncation is still masked.

Values are shown cut to a few dozen characters. A JWT cut there has lost its
signature (and often its payload), a ``Basic`` credential part of its
characters, so neither looks like a credential once cut: masking runs before
the cut, and knows credentials by how they start.
"""

from __future__ import annotations

import base64
import json

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ciba_contracts import validate
from ciba_contracts.jsondoc.render import VALUE_LIMIT, render
from ciba_contracts.redact import _ANY_TRIGGER, _TRIGGERS, MASK, redact_text


def _b64(data: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


HEADER = _b64({"alg": "RS256", "typ": "JWT"})
CLAIMS = _b64({"sub": "subject-of-the-token", "iss": "https://as.example", "aud": "rp"})
JWT = f"{HEADER}.{CLAIMS}.{'s' * 86}"


def _leaks(text: str) -> list[str]:
    return [part for part in (HEADER[:8], CLAIMS[:8], "dXNlcjpw") if part in text]


@pytest.mark.parametrize(
    "value",
    [
        ["Basic dXNlcjpwYXNzd29yZA==", JWT],
        [JWT],
        {"note": "x" * 50, "token": JWT},
        "a" * 60 + " Bearer " + JWT,
    ],
    ids=["basic-then-jwt", "jwt", "jwt-in-object", "bearer-jwt-at-the-cut"],
)
def test_render_masks_before_it_cuts(value: object) -> None:
    shown = render(value)
    assert len(shown) <= VALUE_LIMIT
    assert not _leaks(shown), shown


def test_a_finding_on_a_result_message_holding_credentials_shows_none() -> None:
    payload = {
        "resultCode": "A183001",
        "resultMessage": ["Basic dXNlcjpwYXNzd29yZA==", JWT],
        "action": "OK",
    }
    findings = validate(orjson.dumps(payload))
    shown = [f.value or "" for f in findings] + [f.message for f in findings]
    assert any(MASK in text for text in shown)
    assert not any(_leaks(text) for text in shown), shown


@pytest.mark.parametrize(
    "cut",
    [
        f"{HEADER}.{CLAIMS[:10]}…",
        f"{HEADER}…",
        f"{HEADER[:6]}…",
        f'["{HEADER}.{CLAIMS[:4]}',
        "Basic dXN…",
        "Bearer ab…",
        '"Basic dXNlc"',
    ],
)
def test_credentials_are_known_by_their_start(cut: str) -> None:
    masked = redact_text(cut)
    assert MASK in masked
    assert not _leaks(masked)
    for start in ("eyJ", "dXN", "ab…"):
        assert start not in masked


@pytest.mark.parametrize("text", ["Basic", "a Bearer", "eyJ", "eyJ."])
def test_a_start_alone_is_no_credential(text: str) -> None:
    assert redact_text(text) == text


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from([*_TRIGGERS, "a", "co", "passw", "toke", "@", " ", "x"]), max_size=6
    ).map("".join)
    | st.text(max_size=40)
)
def test_the_trigger_search_finds_a_trigger_word_exactly_when_one_is_there(text: str) -> None:
    # One regex over the text stands for a test per word; it must find the same words.
    lowered = text.lower()
    assert (_ANY_TRIGGER(lowered) is not None) == any(word in lowered for word in _TRIGGERS)
