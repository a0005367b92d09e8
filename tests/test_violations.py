"""Failure messages are output too: credentials in a checked payload stay out of them."""

from __future__ import annotations

from builders import ok
from ciba_contracts import validate
from ciba_contracts.violations import format_findings

SECRET = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.s3cr3tS1gnature"


def test_failure_message_masks_credentials_in_values() -> None:
    payload = ok(resultMessage=f"Bearer {SECRET}")
    findings = validate(payload)
    assert any(f.rule == "A105" and SECRET in (f.value or "") for f in findings)
    report = format_findings(findings)
    assert "A105" in report
    assert SECRET not in report
