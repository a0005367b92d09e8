"""Unknown members inside ``responseContent`` cost no more schema walks than at the top level.

Naming a failing keyword used to judge the whole object once more for each
missing member, so a large acknowledgement cost a walk per finding. Here every
compiled one-keyword check is counted as it sees a large object: the count
must not depend on how many members the object has, and ``iter_errors`` (which
also copies the object into its error) must never see it. Timing lives in
``benchmarks/nested_members.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
import orjson
import pytest

from ciba_contracts import Validator
from ciba_contracts.validate import plan

ACK = {"auth_req_id": "a" * 43, "expires_in": 600, "interval": 5}
OK = {
    "resultCode": "A183001",
    "resultMessage": "[A183001] An auth_req_id was issued successfully.",
    "action": "OK",
    "authReqId": "a" * 43,
    "expiresIn": 600,
    "interval": 5,
}
TICKET = {"resultCode": "A181201", "resultMessage": "[A181201] No.", "action": "INVALID_TICKET"}


class _Counting:
    """A compiled check that notes each call given an object of more than ``big`` members."""

    def __init__(self, inner: Any, seen: list[str], big: list[int]) -> None:
        self._inner = inner
        self._seen = seen
        self._big = big

    def _note(self, method: str, instance: Any) -> None:
        if isinstance(instance, dict) and len(instance) > self._big[0]:
            self._seen.append(method)

    def is_valid(self, instance: Any) -> bool:
        self._note("is_valid", instance)
        return bool(self._inner.is_valid(instance))

    def iter_errors(self, instance: Any) -> Iterator[Any]:
        self._note("iter_errors", instance)
        return iter(self._inner.iter_errors(instance))


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[list[str], list[int]]]:
    """Calls of planned checks on large objects, recorded by fresh plans built for the test."""
    seen: list[str] = []
    big = [0]
    original = plan._check

    def counting_check(member: str | None, keyword: str, value: Any, location: str) -> Any:
        made = original(member, keyword, value, location)
        proxy = _Counting(made.validator, seen, big)
        return msgspec.structs.replace(made, holds=proxy.is_valid, validator=proxy)

    monkeypatch.setattr(plan, "_check", counting_check)
    plan.planner.cache_clear()
    try:
        yield seen, big
    finally:
        # The plans built here hold counting checks: no later test may get them.
        plan.planner.cache_clear()


def _payloads(extra: dict[str, int]) -> dict[str, dict[str, Any]]:
    def content(body: dict[str, Any]) -> str:
        return orjson.dumps(body).decode()

    return {
        "ack lacks every member": {**OK, "responseContent": content(dict(extra))},
        "ack lacks two members": {**OK, "responseContent": content({"interval": 5, **extra})},
        "ack member of wrong type": {
            **OK,
            "responseContent": content({**ACK, "interval": "5", **extra}),
        },
        "error object lacks error": {**TICKET, "responseContent": content(dict(extra))},
        "top level lacks members": {"action": "OK", "interval": "5", **extra},
    }


def _walks(seen: list[str], big: list[int], size: int, level: str) -> dict[str, list[str]]:
    validator = Validator(level)
    big[0] = size // 2
    out = {}
    for name, payload in _payloads({f"m{i}": i for i in range(size)}).items():
        seen.clear()
        assert validator.validate(orjson.dumps(payload)), name
        out[name] = list(seen)
    return out


# The sdk level does not read `responseContent`.
@pytest.mark.parametrize("level", ["authlete", "ciba"])
def test_large_objects_are_walked_a_fixed_number_of_times(
    counted: tuple[list[str], list[int]], level: str
) -> None:
    seen, big = counted
    small = _walks(seen, big, 200, level)
    large = _walks(seen, big, 4000, level)
    for name, calls in large.items():
        assert "iter_errors" not in calls, name
        assert len(calls) <= 3, (name, calls)
        assert calls == small[name], name
