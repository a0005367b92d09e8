"""A labeled corpus of realistic payloads, each with the error findings expected at every level.

``corpus/payloads.jsonl`` holds one case a line::

    {"name": ..., "payload": <JSON>, "expect": {"sdk": [[rule, pointer, content_pointer], ...],
     "authlete": [...], "ciba": [...]}}

A case that is not JSON carries ``"raw"`` (text, sent as UTF-8 bytes) or
``"raw_hex"`` (bytes) instead of ``"payload"``. ``"kind": "result"`` marks
Authlete's ``result`` object (checked with ``validate_result``). Only findings
of error severity are listed: warnings never make a payload invalid. A case
whose expectation the validator does not meet yet carries ``"xfail"`` with
the reason. The expectations are written from DESIGN.md and the rule catalog,
not copied from the validator's output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from ciba_contracts import validate, validate_result
from family_cases import FAMILY_SCHEMA_RULES

CORPUS = Path(__file__).resolve().parent / "corpus" / "payloads.jsonl"
LEVELS = ("sdk", "authlete", "ciba")
Triple = tuple[str, str, str | None]


def _cases() -> list[dict[str, Any]]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    cases = [orjson.loads(line) for line in lines if line.strip()]
    assert all(isinstance(c, dict) for c in cases)
    return cases


CASES = _cases()


def _params() -> list[Any]:
    params = []
    for case in CASES:
        for level in LEVELS:
            marks = []
            if case.get("xfail"):
                marks.append(pytest.mark.xfail(strict=True, reason=str(case["xfail"])))
            params.append(pytest.param(case, level, id=f"{case['name']}-{level}", marks=marks))
    return params


def _payload(case: dict[str, Any]) -> Any:
    if "raw" in case:
        return str(case["raw"]).encode("utf-8")
    if "raw_hex" in case:
        return bytes.fromhex(str(case["raw_hex"]))
    return case["payload"]


def test_corpus_is_well_formed() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "case names repeat"
    assert len(CASES) >= 40
    for case in CASES:
        assert sum(k in case for k in ("payload", "raw", "raw_hex")) == 1, case["name"]
        assert set(case["expect"]) == set(LEVELS), case["name"]
        for level in LEVELS:
            for triple in case["expect"][level]:
                assert len(triple) == 3, case["name"]
        # Levels are cumulative: what fails a looser level fails a stricter one.
        sdk, authlete, ciba = ({tuple(t) for t in case["expect"][lv]} for lv in LEVELS)
        assert sdk <= authlete <= ciba, case["name"]


def test_corpus_covers_every_error_rule() -> None:
    from ciba_contracts import RULES

    expected = {t[0] for case in CASES for level in LEVELS for t in case["expect"][level]}
    errors = {code for code, rule in RULES.items() if rule.severity == "error"}
    # The corpus is the issue API's; the other APIs' rules are held to their cases in
    # family_cases. The result-code table holds for every API, the issue API's included.
    payload_errors = {code for code in errors if code[0] in "SAC"} - FAMILY_SCHEMA_RULES
    # Every payload error rule appears in some realistic case.
    assert payload_errors - expected == set()


@pytest.mark.parametrize(("case", "level"), _params())
def test_corpus_case(case: dict[str, Any], level: str) -> None:
    check = validate_result if case.get("kind") == "result" else validate
    findings = check(_payload(case), profile=level)
    actual: set[Triple] = {(f.rule, f.pointer, f.content_pointer) for f in findings if f.is_error}
    expected: set[Triple] = {(str(r), str(p), c) for r, p, c in case["expect"][level]}
    assert sorted(actual, key=str) == sorted(expected, key=str), [str(f) for f in findings]
