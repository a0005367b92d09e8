"""Result codes from Authlete's table: codes that fit an action, and codes that break one rule.

Every code and message comes from ``schemas/authlete-result-codes.json``.
Which code fits which action of which API is asked of
:func:`~ciba_contracts.contract.result_codes.check_result_code` itself, once
per code and action, so the strategies and the validator cannot disagree: a
valid payload carries a code with no problem and its documented message (its
placeholders filled with any text), and a payload breaking one of the rules
A190-A194 carries a code whose only problem is that rule.

Names without a leading underscore are shared within :mod:`ciba_contracts.strategies`;
they are not public API.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Final

from hypothesis import strategies as st

from ciba_contracts.contract.result_codes import (
    MESSAGE,
    UNDOCUMENTED,
    api_codes,
    check_result_code,
    documented_codes,
    message_matches,
    message_parts,
)
from ciba_contracts.strategies.values import TEXT

#: The digits of the third place from the right (who erred), as the families file names them.
_PARTIES: Final = "01234"


def has_table(api: str | None) -> bool:
    """Whether Authlete's families file says which codes go with ``api``'s actions."""
    return api is not None and api in api_codes()


def _problems(api: str, code: str, message: str, action: str) -> frozenset[str]:
    payload = {"resultCode": code, "resultMessage": message, "action": action}
    return frozenset(name for name, _, _ in check_result_code(api, payload))


def plain_message(code: str) -> str:
    """``[code]`` and the documented message, each placeholder filled with a plain word."""
    parts = message_parts(code)
    return f"[{code}] " + ("x".join(parts) if parts is not None else "x")


@functools.cache
def _verdicts(api: str) -> Mapping[str, Mapping[frozenset[str], tuple[str, ...]]]:
    """action -> the problems a documented code has with it -> the codes with exactly those."""
    facts = api_codes()[api]
    out: dict[str, dict[frozenset[str], list[str]]] = {action: {} for action in facts.parties}
    for code in sorted(documented_codes()):
        message = plain_message(code)
        for action, found in out.items():
            found.setdefault(_problems(api, code, message, action), []).append(code)
    return {
        action: {problems: tuple(codes) for problems, codes in found.items()}
        for action, found in out.items()
    }


@functools.cache
def _undocumented(api: str) -> Mapping[str, tuple[str, ...]]:
    """action -> well-formed codes of the API's own families that Authlete does not document
    and that break nothing else with that action."""
    facts = api_codes()[api]
    table = documented_codes()
    out: dict[str, list[str]] = {action: [] for action in facts.parties}
    for family in sorted(facts.families):
        for party in _PARTIES:
            for number in range(100):
                code = f"{family}{party}{number:02d}"
                if code in table:
                    continue
                for action, found in out.items():
                    if _problems(api, code, f"[{code}] x", action) == {UNDOCUMENTED}:
                        found.append(code)
    return {action: tuple(codes) for action, codes in out.items()}


@functools.cache
def fitting_codes(api: str, action: str) -> tuple[str, ...]:
    """The documented codes that go with ``action`` of ``api`` (no result-code rule fires).

    Codes of the API's own families where it has any: the table's general codes
    (``A001xxx`` of the authorization API, say) keep the rules too, but an answer of
    this API does not carry them.
    """
    fitting = _verdicts(api).get(action, {}).get(frozenset(), ())
    families = api_codes()[api].families
    return tuple(c for c in fitting if c[:4] in families) or fitting


def breaking_codes(api: str, action: str, rule_name: str) -> tuple[str, ...]:
    """Codes whose only problem with ``action`` of ``api`` is the rule named ``rule_name``."""
    if rule_name == UNDOCUMENTED:
        return _undocumented(api).get(action, ())
    if rule_name == MESSAGE:
        # A documented code that fits, under a message other than its own: one whose
        # message is all placeholders matches any text and cannot be broken.
        return tuple(c for c in fitting_codes(api, action) if any(message_parts(c) or ()))
    return _verdicts(api).get(action, {}).get(frozenset({rule_name}), ())


@functools.cache
def message_for(code: str) -> st.SearchStrategy[str]:
    """``[code]`` and its documented message, placeholders filled with any text."""
    parts = message_parts(code)
    if parts is None:
        return TEXT.map(lambda text: f"[{code}] {text}")

    @st.composite
    def fill(draw: st.DrawFn) -> str:
        out = [parts[0]]
        for part in parts[1:]:
            out += [draw(TEXT), part]
        return f"[{code}] " + "".join(out)

    return fill()


@functools.cache
def off_message_for(code: str) -> st.SearchStrategy[str]:
    """``[code]`` and a message other than the documented one."""
    documented = message_for(code).map(lambda m: m[len(code) + 3 :])
    body = st.one_of(
        TEXT,
        documented.map(str.swapcase),
        documented.map(lambda m: m[: len(m) // 2]),
        documented.map(lambda m: "The " + m),
    )
    return body.map(lambda text: f"[{code}] {text}").filter(
        lambda message: not message_matches(code, message)
    )
