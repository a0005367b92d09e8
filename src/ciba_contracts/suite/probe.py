"""The client every explicit scenario talks through, and the checks every answer gets.

:class:`Probe` posts to the target's four CIBA APIs with httpx and hands each
answer to the one exchange checker, with the API its URL names (the selector's
reading of the path, v2 or v3), at the target's level; errors become failures
of the run. Scenarios add their own expectations (rules of the catalog's live
family) through :meth:`Probe.broke`.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from ciba_contracts.check.exchange import check_exchange
from ciba_contracts.contract.actions import Action
from ciba_contracts.contract.apis import ISSUE_API
from ciba_contracts.contract.rules import rule_named
from ciba_contracts.redact import redact_finding
from ciba_contracts.selection import api_of
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

__all__ = ["Called", "Probe", "ScenarioStop", "json_body", "payload_of"]

#: What a call returns: the answer, the request as recorded, and the answer's object.
Called = tuple[httpx.Response, RecordedRequest, dict[str, Any]]


class ScenarioStop(Exception):
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
        except httpx.HTTPError as exc:
            if self.record is not None:
                self.record(RecordedExchange(recorded, None, (), b"", "scenario"))
            if isinstance(exc, httpx.TimeoutException):
                check = "timeout"
                message = f"no answer within {self.client.timeout.read} s ({type(exc).__name__})"
            else:
                check = "transport"
                message = f"the request got no HTTP answer: {type(exc).__name__}: {exc}"
            self.fail(check, message, recorded)
            raise ScenarioStop from None
        if self.record is not None:
            answered = tuple(response.headers.multi_items())
            status = response.status_code
            self.record(RecordedExchange(recorded, status, answered, response.content, "scenario"))
        api = api_of("POST", url)
        if api is not None:
            self.check_answer(response, recorded, api)
        return response, recorded

    def check_answer(
        self, response: httpx.Response, recorded: RecordedRequest, api: str = ISSUE_API
    ) -> list[Finding]:
        """Hand one answer of ``api`` to the exchange checker; record its errors as failures.

        Returns every finding, warnings included, as the checker gave them.
        """
        exchange = exchange_of(response)
        target = self.target
        what = answer_kind(exchange, api)
        findings = check_exchange(exchange, target.profile, target.select, target.ignore, api=api)
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
        response, recorded = self.post(target.url_of("authentication"), body)
        payload = json_body(response)
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
            raise ScenarioStop
        return ticket

    def issued_ticket(self) -> str | None:
        """A fresh ticket the issue API gave an auth_req_id for; None when it gave none.

        A fresh ticket refused is the issue scenario's finding (L406), not the caller's.
        """
        ticket = self.ticket()
        _, _, payload = self.issue(ticket)
        return ticket if payload.get("action") == Action.OK else None

    def call(self, api: str, fields: dict[str, Any]) -> Called:
        """POST ``fields`` as JSON to ``api``; returns the answer, the request and its object
        ({} if none)."""
        response, recorded = self.post(self.target.url_of(api), orjson.dumps(fields))
        return response, recorded, payload_of(json_body(response))

    def issue(self, ticket: Any) -> Called:
        """Redeem ``ticket`` at the issue API."""
        return self.call(ISSUE_API, {"ticket": ticket})

    def complete(self, ticket: str) -> Called:
        """Tell the complete API that the end-user authorized the flow of ``ticket``.

        The subject is the login hint's: the end-user the test client names.
        """
        fields = {"ticket": ticket, "result": "AUTHORIZED", "subject": self.target.login_hint}
        return self.call("complete", fields)

    def abandon(self, ticket: str, reason: str = "ACCESS_DENIED") -> Called:
        """Have the fail API build the error for the flow of ``ticket`` (and delete the ticket)."""
        return self.call("fail", {"ticket": ticket, "reason": reason})

    def expect_refused(self, ticket: Any, rule: str, **context: object) -> None:
        """Redeem ``ticket``, which must not be redeemable; ``rule`` broke if it gives OK."""
        response, recorded, payload = self.issue(ticket)
        if payload.get("action") == Action.OK:
            self.broke(rule, recorded, response.status_code, **context)


def json_body(response: httpx.Response) -> Any:
    """The answer's body as JSON, or None when it is not JSON."""
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None


def payload_of(payload: Any) -> dict[str, Any]:
    """The answer's object (``{}`` when there is none), looked for inside a one-item array."""
    # payload-not-object faults wrap the object in an array; look inside.
    if isinstance(payload, list) and len(payload) == 1 and isinstance(payload[0], dict):
        return payload[0]
    return payload if isinstance(payload, dict) else {}
