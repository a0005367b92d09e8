"""Run the whole contract suite against a target, or against the bundled reference server."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Final

import httpx

from ciba_contracts.contract.apis import ISSUE_API
from ciba_contracts.redact import redact_url
from ciba_contracts.suite.findings import SuiteReport
from ciba_contracts.suite.scenarios import run_scenarios
from ciba_contracts.suite.target import (
    DEFAULT_TIME_BUDGET,
    ENV_VARS,
    TRUE_WORDS,
    Target,
    TargetError,
)

__all__ = [
    "DEFAULT_TIME_BUDGET",
    "TargetUnreachableError",
    "reference_target",
    "resolve_target",
    "run_suite",
]

#: Roughly how many requests the scenarios send.
_SCENARIO_REQUESTS: Final = 36
#: Expected durations above this many seconds are announced before the run.
_SLOW_NOTICE: Final = 30.0


class TargetUnreachableError(RuntimeError):
    """The target does not answer HTTP at all (exit status 2)."""


@contextlib.contextmanager
def reference_target(api_version: int = 3, profile: str = "ciba") -> Iterator[Target]:
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


@contextlib.contextmanager
def resolve_target(
    options: Mapping[str, str | None],
    *,
    announce: Callable[[str], None] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Iterator[Target]:
    """The target ``options`` (keys of :data:`ENV_VARS`) name, or the bundled reference server.

    With a base URL (option or ``CIBA_BASE_URL``) the target is built by
    :meth:`Target.build`; without one the reference server is started at the
    ``api_version`` (default 3) and ``profile`` (default ciba) of ``options``,
    and ``announce`` is told its URL. Wrong options raise :class:`TargetError`.
    """
    env = os.environ if environ is None else environ
    if options.get("base_url") or env.get(ENV_VARS["base_url"]):
        yield Target.build(**options, environ=env)
        return
    raw_version = options.get("api_version")
    try:
        version = int(raw_version) if raw_version else 3
    except ValueError:
        version = 0
    if version not in (2, 3):
        raise TargetError(f"--api-version must be 2 or 3, not {raw_version!r}")
    with reference_target(version, options.get("profile") or "ciba") as reference:
        try:
            target = reference.replace(
                strict_requests=_pick(options, env, "strict_requests").lower() in TRUE_WORDS,
                select=_pick(options, env, "select") or None,
                ignore=_pick(options, env, "ignore") or None,
            )
        except ValueError as exc:
            raise TargetError(str(exc)) from None
        if announce is not None:
            announce(f"No --base-url: checking the bundled reference server at {target.base_url}")
        yield target


def _pick(options: Mapping[str, str | None], env: Mapping[str, str], name: str) -> str:
    return str(options.get(name) or env.get(ENV_VARS[name]) or "")


def check_reachable(target: Target, timeout: float = 10.0) -> float:
    """Raise :class:`TargetUnreachableError` unless the issue API answers something over HTTP.

    Returns how long the answer took, in seconds.
    """
    url = target.url_of(ISSUE_API)
    # A base URL may carry user information; the error message is output.
    shown = redact_url(url)
    started = time.monotonic()
    try:
        httpx.post(
            url,
            content=b"{}",
            headers={"Content-Type": "application/json"},
            timeout=timeout,
        )
    except httpx.TimeoutException:
        raise TargetUnreachableError(
            f"cannot reach {shown}: no answer within {timeout:g} s"
        ) from None
    except httpx.HTTPError as exc:
        raise TargetUnreachableError(
            f"cannot reach {shown}: {type(exc).__name__}: {exc or 'no detail'}"
        ) from None
    return time.monotonic() - started


def run_suite(
    target: Target,
    *,
    max_examples: int = 25,
    seed: int | None = None,
    ticket_ttl: float | None = None,
    generated: bool = True,
    time_budget: float | None = DEFAULT_TIME_BUDGET,
    notify: Callable[[str], None] | None = None,
    record_exchanges: bool = False,
) -> SuiteReport:
    """Scenarios, generated requests, then stateful walks; every distinct failure lands
    in the report.

    ``max_examples`` is per generation mode (positive, negative); ``ticket_ttl``
    adds the expiry scenario (it waits that long). ``time_budget`` (seconds,
    counted from the start) stops generation early on a slow target, which the
    report's notes then say; ``notify`` receives progress notes as they happen.
    ``record_exchanges`` keeps every exchange in ``report.exchanges`` (``--har``).
    """
    started = time.monotonic()
    latency = check_reachable(target)
    report = SuiteReport(secrets=target.secrets)
    planned = _SCENARIO_REQUESTS + (2 * max_examples if generated else 0)
    if notify is not None and latency * planned > _SLOW_NOTICE:
        notify(
            f"The target took {latency:.1f} s to answer; about {planned} requests may take "
            f"~{latency * planned:.0f} s"
            + (f" (generation stops at the {time_budget:g} s budget)" if time_budget else "")
        )
    record = report.record if record_exchanges else None
    if record_exchanges:
        report.exchanges = []
    failures, count = run_scenarios(target, ticket_ttl=ticket_ttl, record=record)
    report.extend(failures)
    report.requests = count
    if generated and max_examples > 0:
        from ciba_contracts.suite.generated import run_generated

        budget = None
        if time_budget is not None:
            budget = max(0.0, time_budget - (time.monotonic() - started))
        failures, count = run_generated(
            target,
            max_examples=max_examples,
            seed=seed,
            budget=budget,
            notes=report.notes,
            record=record,
        )
        report.extend(failures)
        report.requests += count
        # The links: authentication -> issue, fail, complete with the answer's ticket.
        from ciba_contracts.suite.stateful import run_stateful

        if time_budget is not None:
            budget = max(0.0, time_budget - (time.monotonic() - started))
        failures, count = run_stateful(
            target,
            max_examples=max(1, max_examples // 2),
            budget=budget,
            notes=report.notes,
            record=record,
        )
        report.extend(failures)
        report.requests += count
    return report
