"""Explicit scenarios, written with httpx: the promises generated data cannot reach.

Every answer of the issue API goes to the one exchange checker, as recorded
traffic does (documented status, media type, payload rules at the target's
level); each scenario then adds its own expectation, a rule of the catalog's
live family (a ticket is redeemed once, a never-issued or empty ticket never
gives ``OK``, bad credentials get 401...). Only what the vendor states is
expected by default; ``strict_requests`` adds the project's own (malformed
requests answered 400).
"""

from __future__ import annotations

import secrets
import time
import urllib.parse
from collections.abc import Callable
from typing import Any, Final

import httpx
import orjson

from ciba_contracts.check.exchange import check_exchange
from ciba_contracts.contract.actions import Action
from ciba_contracts.contract.apis import ISSUE_API
from ciba_contracts.contract.rules import rule_named
from ciba_contracts.redact import redact_finding
from ciba_contracts.suite.findings import (
    ContractFailure,
    RecordedExchange,
    RecordedRequest,
    Recorder,
    finding_location,
)
from ciba_contracts.suite.target import Target
from ciba_contracts.testing.checking import answer_kind, exchange_of
from ciba_contracts.validate.finding import Finding

__all__ = ["SCENARIOS", "Probe", "Scenario", "run_scenarios"]


class _Stop(Exception):
    """A scenario cannot go on (its precondition failed and was reported)."""


class Probe:
    """An httpx client that checks every answer and collects failures."""

    def __init__(
        self, target: Target, client: httpx.Client, record: Recorder | None = None
    ) -> None:
        self.target = target
        self.client = client
        self.record = record
        self.failures: list[ContractFailure] = []
        self.requests = 0

    def fail(
        self,
        check: str,
        message: str,
        request: RecordedRequest | None = None,
        status: int | None = None,
    ) -> None:
        """Record a failure."""
        self.failures.append(ContractFailure(check, message, request, status))

    def broke(
        self,
        rule: str,
        request: RecordedRequest | None = None,
        status: int | None = None,
        **context: object,
    ) -> None:
        """Record that the rule called ``rule`` broke, when the target's selection reports it."""
        found = rule_named(rule)
        if self.target.reports(found.code):
            self.fail(found.code, found.format(**context), request, status)

    def post(
        self,
        url: str,
        body: bytes | None,
        *,
        authorization: str | None = "default",
        content_type: str = "application/json",
    ) -> tuple[httpx.Response, RecordedRequest]:
        """POST ``body`` to ``url`` and run the checks every answer must pass."""
        headers: dict[str, str] = {"Content-Type": content_type, "Accept": "application/json"}
        if authorization == "default":
            headers["Authorization"] = self.target.authorization
        elif authorization is not None:
            headers["Authorization"] = authorization
        recorded = RecordedRequest("POST", url, tuple(headers.items()), body)
        self.requests += 1
        try:
            response = self.client.post(url, content=body or b"", headers=headers)
        except httpx.TimeoutException as exc:
            if self.record is not None:
                self.record(RecordedExchange(recorded, None, (), b"", "scenario"))
            self.fail(
                "timeout",
                f"no answer within {self.client.timeout.read} s ({type(exc).__name__})",
                recorded,
            )
            raise _Stop from None
        except httpx.HTTPError as exc:
            if self.record is not None:
                self.record(RecordedExchange(recorded, None, (), b"", "scenario"))
            self.fail(
                "transport",
                f"the request got no HTTP answer: {type(exc).__name__}: {exc}",
                recorded,
            )
            raise _Stop from None
        if self.record is not None:
            answered = tuple(response.headers.multi_items())
            status = response.status_code
            self.record(RecordedExchange(recorded, status, answered, response.content, "scenario"))
        if url == self.target.issue_url:
            self.check_answer(response, recorded)
        return response, recorded

    def check_answer(self, response: httpx.Response, recorded: RecordedRequest) -> list[Finding]:
        """Hand one issue-API answer to the exchange checker; record its errors as failures.

        Returns every finding, warnings included, as the checker gave them.
        """
        exchange = exchange_of(response)
        target = self.target
        what = answer_kind(exchange, ISSUE_API)
        findings = check_exchange(
            exchange, target.profile, target.select, target.ignore, api=ISSUE_API
        )
        for finding in findings:
            if finding.is_error:
                # The target's answer may carry credentials, and the report is output.
                finding = redact_finding(finding)
                # The value goes on a line of its own: failures are told apart by
                # their first line, so one fault with varying values is one failure.
                value = f"\nvalue: {finding.value}" if finding.value is not None else ""
                self.fail(
                    finding.rule,
                    f"{what} at {finding_location(finding)}: {finding.message}{value}",
                    recorded,
                    response.status_code,
                )
        return findings

    # -- helpers the scenarios share ------------------------------------------------

    def ticket(self) -> str:
        """A fresh ticket from the authentication API; stops the scenario if there is none."""
        target = self.target
        body = orjson.dumps(
            {
                "parameters": f"scope=openid&login_hint={target.login_hint}",
                "clientId": target.client_id,
                "clientSecret": target.client_secret,
            }
        )
        response, recorded = self.post(target.authentication_url, body)
        payload = _json(response)
        ticket = payload.get("ticket") if isinstance(payload, dict) else None
        if response.status_code != 200 or not isinstance(ticket, str) or not ticket:
            action = payload.get("action") if isinstance(payload, dict) else None
            self.fail(
                "authentication",
                f"the authentication API gave no ticket (HTTP {response.status_code}, "
                f"action {action!r}); check --client-id/--client-secret/--login-hint",
                recorded,
                response.status_code,
            )
            raise _Stop
        return ticket

    def issue(self, ticket: Any) -> tuple[httpx.Response, RecordedRequest, dict[str, Any]]:
        """Redeem ``ticket``; returns the answer, the request and the parsed body ({} if none)."""
        response, recorded = self.post(self.target.issue_url, orjson.dumps({"ticket": ticket}))
        return response, recorded, _unwrap(_json(response))

    def expect_refused(self, ticket: Any, rule: str, **context: object) -> None:
        """Redeem ``ticket``, which must not be redeemable; ``rule`` broke if it gives OK."""
        response, recorded, payload = self.issue(ticket)
        if payload.get("action") == Action.OK:
            self.broke(rule, recorded, response.status_code, **context)


def _json(response: httpx.Response) -> Any:
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None


def _unwrap(payload: Any) -> dict[str, Any]:
    # payload-not-object faults wrap the object in an array; look inside.
    if isinstance(payload, list) and len(payload) == 1 and isinstance(payload[0], dict):
        return payload[0]
    return payload if isinstance(payload, dict) else {}


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
    ticket = probe.ticket()
    _, _, payload = probe.issue(ticket)
    if payload.get("action") != Action.OK:
        return  # reported by the issue scenario
    probe.expect_refused(ticket, "ticket-redeemed-twice")


def _form_body(probe: Probe) -> None:
    # Both vendor documents list application/x-www-form-urlencoded beside JSON.
    ticket = probe.ticket()
    response, recorded = probe.post(
        probe.target.issue_url,
        urllib.parse.urlencode({"ticket": ticket}).encode("ascii"),
        content_type="application/x-www-form-urlencoded",
    )
    payload = _unwrap(_json(response))
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
            response, recorded = probe.post(probe.target.issue_url, body, content_type=content_type)
        except _Stop:
            continue
        if _unwrap(_json(response)).get("action") == Action.OK:
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
                probe.target.issue_url, body, authorization=authorization
            )
        except _Stop:
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
            except _Stop:
                continue
    return probe.failures, probe.requests
