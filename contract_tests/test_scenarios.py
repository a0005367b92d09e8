"""Explicit scenarios: authentication -> issue, ticket reuse, unknown tickets, HTTP promises,
and the flows through /complete and /fail."""

from __future__ import annotations

import dataclasses

import pytest

from ciba_contracts.suite.findings import SuiteReport
from ciba_contracts.suite.scenarios import SCENARIOS, run_scenarios
from ciba_contracts.suite.target import Target


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_scenario(target: Target, scenario: str) -> None:
    failures, _ = run_scenarios(target, only=scenario)
    report = SuiteReport(secrets=target.secrets)
    report.extend(failures)
    assert report.ok, report.render()


#: The lifetime given to the bundled server's tickets for the expiry scenario: short, so the
#: scenario's wait stays short.
_REFERENCE_TTL = 0.5


def test_expired_ticket_is_refused(
    target: Target, ticket_ttl: float | None, external_target: bool
) -> None:
    """A ticket redeemed after its lifetime must not give action OK."""
    if ticket_ttl is not None:
        failures, _ = run_scenarios(target, ticket_ttl=ticket_ttl, only="ticket expiry")
    elif external_target:
        pytest.skip("the target's ticket lifetime is unknown: give --ciba-ticket-ttl SECONDS")
    else:
        # The bundled server, started again with short-lived tickets.
        from ciba_contracts.server.config import ServerConfig
        from ciba_contracts.server.runner import running_server

        with running_server(ServerConfig(ticket_ttl=_REFERENCE_TTL)) as url:
            short_lived = dataclasses.replace(target, base_url=url)
            failures, _ = run_scenarios(
                short_lived, ticket_ttl=_REFERENCE_TTL, only="ticket expiry"
            )
    report = SuiteReport(secrets=target.secrets)
    report.extend(failures)
    assert report.ok, report.render()
