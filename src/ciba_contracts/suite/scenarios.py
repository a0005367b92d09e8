"""Explicit scenarios, written with httpx: the promises generated data cannot reach.

Every answer of the four APIs goes to the one exchange checker, as recorded
traffic does (documented status, media type, payload rules at the target's
level: see :class:`~ciba_contracts.suite.probe.Probe`); each scenario then adds
its own expectation, a rule of the catalog's live family (a ticket is redeemed
once, a never-issued or empty ticket never gives ``OK``, bad credentials get
401...). The flows through ``/complete`` and ``/fail`` are
:mod:`ciba_contracts.suite.flow_scenarios`. Only what the vendor states is
expected by default; ``strict_requests`` adds the project's own (malformed
requests answered 400).
"""

from __future__ import annotations

import secrets
import time
import urllib.parse
from collections.abc import Callable
from typing import Final

import httpx
import orjson

from ciba_contracts.contract.actions import Action
from ciba_contracts.contract.apis import ISSUE_API
from ciba_contracts.suite.findings import ContractFailure, RecordedRequest, Recorder
from ciba_contracts.suite.flow_scenarios import FLOW_SCENARIOS
from ciba_contracts.suite.probe import Probe, ScenarioStop, json_body, payload_of
from ciba_contracts.suite.target import Target

__all__ = ["SCENARIOS", "Probe", "Scenario", "run_scenarios"]


def _issue_ok(probe: Probe) -> None:
    response, recorded, payload = probe.issue(probe.ticket())
    if response.status_code != 200 or payload.get("action") != Action.OK:
        probe.broke(
            "fresh-ticket-refused",
            recorded,
            response.status_code,
            detail=f"sent as JSON (action {payload.get('action')!r})",
            actual=response.status_code,
        )


def _ticket_reuse(probe: Probe) -> None:
    ticket = probe.issued_ticket()
    if ticket is not None:
        probe.expect_refused(ticket, "ticket-redeemed-twice")


def _form_body(probe: Probe) -> None:
    # Both vendor documents list application/x-www-form-urlencoded beside JSON.
    ticket = probe.ticket()
    response, recorded = probe.post(
        probe.target.url_of(ISSUE_API),
        urllib.parse.urlencode({"ticket": ticket}).encode("ascii"),
        content_type="application/x-www-form-urlencoded",
    )
    payload = payload_of(json_body(response))
    if response.status_code != 200 or payload.get("action") != Action.OK:
        probe.broke(
            "fresh-ticket-refused",
            recorded,
            response.status_code,
            detail=(
                "sent as a form (application/x-www-form-urlencoded, which the API documents "
                f"beside JSON; action {payload.get('action')!r})"
            ),
            actual=response.status_code,
        )


def _unknown_ticket(probe: Probe) -> None:
    probe.expect_refused(secrets.token_urlsafe(32), "unknown-ticket-accepted")


def _distinct_ids(probe: Probe) -> None:
    ids: list[str] = []
    recorded: RecordedRequest | None = None
    for _ in range(2):
        _, recorded, payload = probe.issue(probe.ticket())
        value = payload.get("authReqId")
        if not isinstance(value, str):
            return  # reported by the payload rules
        ids.append(value)
    if ids[0] == ids[1]:
        probe.broke("auth-req-id-repeated", recorded, 200, value=repr(ids[0]))


#: Requests the vendor's schema refuses, or whose ticket is empty (result code A182201).
_MALFORMED: Final[tuple[tuple[str, bytes, str], ...]] = (
    ("a body that is not JSON", b"{not json", "application/json"),
    ("an empty body", b"", "application/json"),
    ("a ticket that is a number", b'{"ticket": 123}', "application/json"),
    ("a body without a ticket", b"{}", "application/json"),
    ("an empty ticket", b'{"ticket": ""}', "application/json"),
    ("an empty ticket in a form", b"ticket=", "application/x-www-form-urlencoded"),
    ("a JSON array", b'["ticket"]', "application/json"),
)


def _malformed_bodies(probe: Probe) -> None:
    # The vendor names these faults (A182201) but documents no status for them: any
    # answer but OK keeps its contract. A 400 is the project's own wish (strict requests).
    for what, body, content_type in _MALFORMED:
        try:
            response, recorded = probe.post(
                probe.target.url_of(ISSUE_API), body, content_type=content_type
            )
        except ScenarioStop:
            continue
        if payload_of(json_body(response)).get("action") == Action.OK:
            probe.broke("bad-request-accepted", recorded, response.status_code, detail=what)
        elif probe.target.strict_requests and response.status_code != 400:
            probe.broke(
                "bad-request-not-400",
                recorded,
                response.status_code,
                detail=what,
                actual=response.status_code,
            )


def _credentials(probe: Probe) -> None:
    body = orjson.dumps({"ticket": secrets.token_urlsafe(32)})
    for what, authorization in (
        ("no credentials", None),
        ("wrong credentials", probe.target.wrong_authorization),
    ):
        try:
            response, recorded = probe.post(
                probe.target.url_of(ISSUE_API), body, authorization=authorization
            )
        except ScenarioStop:
            continue
        if response.status_code != 401:
            probe.broke(
                "credentials-not-refused",
                recorded,
                response.status_code,
                detail=what,
                actual=response.status_code,
            )


def expired_ticket_scenario(ticket_ttl: float) -> Callable[[Probe], None]:
    """A scenario that waits ``ticket_ttl`` seconds and then redeems the ticket."""

    def _expired(probe: Probe) -> None:
        ticket = probe.ticket()
        time.sleep(ticket_ttl + 0.25)
        probe.expect_refused(ticket, "expired-ticket-accepted", detail=f"{ticket_ttl} s")

    return _expired


Scenario = Callable[[Probe], None]

#: The scenarios, by name, in the order they run.
SCENARIOS: Final[dict[str, Scenario]] = {
    "issue": _issue_ok,
    "ticket reuse": _ticket_reuse,
    "form body": _form_body,
    "unknown ticket": _unknown_ticket,
    "distinct auth_req_id": _distinct_ids,
    "malformed bodies": _malformed_bodies,
    "credentials": _credentials,
    **FLOW_SCENARIOS,
}


def run_scenarios(
    target: Target,
    *,
    ticket_ttl: float | None = None,
    only: str | None = None,
    timeout: float = 10.0,
    record: Recorder | None = None,
) -> tuple[list[ContractFailure], int]:
    """Run the scenarios (or just ``only``) against ``target``; returns failures and request count.

    ``ticket_ttl`` adds the expiry scenario, which waits that long for a ticket to lapse.
    ``record`` receives every exchange.
    """
    scenarios = dict(SCENARIOS)
    if ticket_ttl is not None:
        scenarios["ticket expiry"] = expired_ticket_scenario(ticket_ttl)
    if only is not None:
        scenarios = {only: scenarios[only]}
    with httpx.Client(timeout=timeout) as client:
        probe = Probe(target, client, record)
        for scenario in scenarios.values():
            try:
                scenario(probe)
            except ScenarioStop:
                continue
    return probe.failures, probe.requests
