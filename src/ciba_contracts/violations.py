"""What the in-test entry points raise or warn when a payload breaks the contract.

The pytest plugin, the HTTP client hooks and the schemathesis checks share
these classes, so a test can catch one exception type whatever noticed the
fault. The exception message is the whole report: pytest, schemathesis and a
bare traceback all show it as is, one finding per line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

from ciba_contracts.redact import redact_finding
from ciba_contracts.validate.finding import Finding

__all__ = [
    "KIND_NAMES",
    "ContractViolation",
    "ContractWarning",
    "UnexpectedResponse",
    "format_findings",
]

#: How a message names each payload kind.
KIND_NAMES: Final = {
    "issue-response": "issue response",
    "result": "result object",
    "answer": "issue API answer",
    "relay": "the authorization server's relay of Authlete's answer",
}


def format_findings(
    findings: Iterable[Finding],
    *,
    kind: str = "issue-response",
    profile: str = "authlete",
    subject: str | None = None,
) -> str:
    """A multi-line report: a headline, the exchange when known, then one finding per line.

    Errors come before warnings; each line carries the rule code, severity,
    pointer (``pointer -> content pointer`` inside ``responseContent``), the
    message and the offending value.
    """
    listed = sorted(findings, key=lambda f: not f.is_error)
    errors = sum(1 for f in listed if f.is_error)
    warnings = len(listed) - errors
    counts = []
    if errors:
        counts.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        counts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    what = KIND_NAMES.get(kind, kind)
    summary = ", ".join(counts) or "no findings"
    lines = [f"{what} breaks the CIBA contract at profile {profile}: {summary}"]
    if subject:
        lines.append(f"  {subject}")
    # A response under test may carry credentials; a failure message is output too.
    lines.extend(f"  - {redact_finding(finding)}" for finding in listed)
    return "\n".join(lines)


class ContractViolation(AssertionError):
    """A payload or response broke the contract; ``findings`` holds every finding.

    An ``AssertionError`` so that pytest reports it as a test failure (not an
    error) and schemathesis reports it as a failed check.
    """

    findings: tuple[Finding, ...]
    kind: str
    profile: str
    subject: str | None

    def __init__(
        self,
        findings: Sequence[Finding],
        *,
        kind: str = "issue-response",
        profile: str = "authlete",
        subject: str | None = None,
        message: str | None = None,
    ) -> None:
        self.findings = tuple(findings)
        self.kind = kind
        self.profile = str(profile)
        self.subject = subject
        if message is None:
            message = format_findings(
                self.findings, kind=kind, profile=self.profile, subject=subject
            )
        super().__init__(message)

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The error-severity findings (the ones that make the payload invalid)."""
        return tuple(f for f in self.findings if f.is_error)

    @property
    def rules(self) -> frozenset[str]:
        """Codes of every rule that fired."""
        return frozenset(f.rule for f in self.findings)

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments do not survive the default pickling of exceptions,
        # and pytest-xdist or multiprocessing may pickle a failure.
        return (
            _rebuild_violation,
            (type(self), self.findings, self.kind, self.profile, self.subject, str(self)),
        )


def _rebuild_violation(
    cls: type[ContractViolation],
    findings: tuple[Finding, ...],
    kind: str,
    profile: str,
    subject: str | None,
    message: str,
) -> ContractViolation:
    return cls(findings, kind=kind, profile=profile, subject=subject, message=message)


class UnexpectedResponse(ContractViolation):
    """Kept for code that catches it; nothing in the package raises it any more.

    An undocumented status is now a finding (H301) wherever a response is
    checked, reported through :class:`ContractViolation` like any other.
    """

    def __init__(self, message: str, *, subject: str | None = None) -> None:
        super().__init__((), subject=subject, message=message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self),), {"subject": self.subject})


class ContractWarning(UserWarning):
    """Emitted instead of :class:`ContractViolation` by hooks with ``policy="warn"``."""

    findings: tuple[Finding, ...]

    def __init__(self, message: str, findings: Sequence[Finding] = ()) -> None:
        super().__init__(message)
        self.findings = tuple(findings)
