"""A long text is masked as the rules themselves would mask it, only sooner.

On a text longer than a few hundred characters the rules that start at a
member name are tried only where a name can start (after a word such as
``token``, ``secret`` or ``code``). Whatever the text, the places tried must
hold every place the rule would match at, so that the masked text is the one
``re.sub`` gives: a place missed would be a credential shown.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from ciba_contracts import redact
from ciba_contracts.redact import MASK, redact_text

# Pieces of texts: names in every spelling the rules know (and letters IGNORECASE takes
# for ASCII ones), what may stand around them, and filler.
_PIECES = [
    "access_token", "clientSecret", "client_secret", "Authorization", "proxy-authorization",
    "Set-Cookie", "x-api-key", "api_key", "password", "passwd", "assertion", "code", "CODE",
    "TOKEN", "Secret", "key", "KEY", "\u017fecret", "\u0130d_token", "\u0131d_token",
    "to\u212aen", "a-token", "foo-bar-key", "my-", "-", "--", "_", "name", "value",
    "Bearer ", "Basic ", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.sig", "https://u:p@h/",
    '"', "'", "\\", '\\"', ":", "=", " ", ", ", "&", "\n", "\t", "{", "}", "[", "]",
    "x", "abc", "0", "123", "\u00e9", '"m12":12,', "service",
]  # fmt: skip
_FILLER = ["x", "abc", " ", ", ", '"m1":1,', "0", "{", "}", "\u00e9", "-", ":", '"', "value"]


@st.composite
def _texts(draw: st.DrawFn) -> str:
    rate = draw(st.sampled_from([0.02, 0.1, 0.4]))
    count = draw(st.integers(40, 400))
    pick = draw(st.randoms(use_true_random=False))
    return "".join(
        pick.choice(_PIECES) if pick.random() < rate else pick.choice(_FILLER) for _ in range(count)
    )


@settings(max_examples=300, deadline=None)
@given(_texts())
def test_the_name_rules_match_where_they_would_anywhere(text: str) -> None:
    starts = redact._name_starts(text)
    if starts is None:
        return
    for rule in sorted(redact._NAME_RULES):
        lazy, replacement = redact._RULES[rule]
        pattern = lazy()
        assert redact._sub_at(pattern, replacement, text, starts) == pattern.sub(replacement, text)


@settings(max_examples=200, deadline=None)
@given(_texts())
def test_a_long_text_is_masked_as_each_rule_masks_it(text: str) -> None:
    expected = text
    lowered = text.lower()
    for (lazy, replacement), triggers in zip(redact._RULES, redact._RULE_TRIGGERS, strict=True):
        if any(trigger in lowered for trigger in triggers):
            expected = lazy().sub(replacement, expected)
    if not any(trigger in lowered for trigger in redact._TRIGGERS):
        expected = text
    assert redact._masked(text) == expected


def test_a_secret_deep_in_a_long_body_is_masked() -> None:
    members: dict[str, object] = {f"m{i}": i for i in range(3_000)}
    members["access_token"] = "sk-live-0123456789"
    members["refreshToken"] = 1234567
    text = "error_description: " + json.dumps(members) + ' password: "hunter22"'
    masked = redact_text(text)
    assert "sk-live" not in masked
    assert "1234567" not in masked
    assert "hunter22" not in masked
    assert masked.count(MASK) == 3
