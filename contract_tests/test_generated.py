"""schemathesis-generated requests (positive and negative) with built-in checks and the rules."""

from __future__ import annotations

import pytest
from schemathesis import GenerationMode

from ciba_contracts.suite.findings import SuiteReport
from ciba_contracts.suite.generated import run_generated
from ciba_contracts.suite.target import Target


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_generated_requests_keep_the_contract(
    target: Target, max_examples: int, mode: GenerationMode
) -> None:
    failures, count = run_generated(target, max_examples=max_examples, modes=(mode,))
    report = SuiteReport(secrets=target.secrets)
    report.extend(failures)
    report.requests = count
    assert report.ok, report.render()
