"""Run the whole contract suite against a target, or against the bundled reference server."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx

from ciba_contracts.suite.findings import SuiteReport
from ciba_contracts.suite.scenarios import run_scenarios
from ciba_contracts.suite.target import Target

__all__ = ["TargetUnreachableError", "reference_target", "run_suite"]


class TargetUnreachableError(RuntimeError):
    """The target does not answer HTTP at all (exit status 2)."""


@contextlib.contextmanager
def reference_target(api_version: int = 3, profile: str = "authlete") -> Iterator[Target]:
    """Start the bundled reference server on a free loopback port; yield a target for it."""
    from ciba_contracts.server.config import DEFAULT_BASIC, DEFAULT_TOKEN
    from ciba_contracts.server.runner import running_server

    with running_server() as url:
        yield Target(
            base_url=url,
            api_version=api_version,
            token=DEFAULT_TOKEN,
            basic=DEFAULT_BASIC,
            profile=profile,
        )


def check_reachable(target: Target, timeout: float = 5.0) -> None:
    """Raise :class:`TargetUnreachableError` unless the issue API answers something over HTTP."""
    try:
        httpx.post(
            target.issue_url,
            content=b"{}",
            headers={"Content-Type": "application/json"},
            timeout=timeout,
        )
    except httpx.HTTPError as exc:
        raise TargetUnreachableError(f"cannot reach {target.issue_url}: {exc}") from None


def run_suite(
    target: Target,
    *,
    max_examples: int = 25,
    seed: int | None = None,
    ticket_ttl: float | None = None,
    generated: bool = True,
) -> SuiteReport:
    """Scenarios, then generated requests; every distinct failure lands in the report.

    ``max_examples`` is per generation mode (positive, negative); ``ticket_ttl``
    adds the expiry scenario (it waits that long).
    """
    check_reachable(target)
    report = SuiteReport(secrets=target.secrets)
    failures, count = run_scenarios(target, ticket_ttl=ticket_ttl)
    report.extend(failures)
    report.requests = count
    if generated and max_examples > 0:
        from ciba_contracts.suite.generated import run_generated

        failures, count = run_generated(target, max_examples=max_examples, seed=seed)
        report.extend(failures)
        report.requests += count
    return report
