"""Explicit scenarios, written with httpx: the promises generated data cannot reach.

Every answer of the issue API goes through the same checks (documented status,
JSON content type, no-store on 200, payload rules at the target's level); each
scenario then adds its own expectation (a ticket is redeemed once, a never-issued
ticket is refused, malformed bodies get 400, bad credentials get 401...).
"""

from __future__ import annotations

import secrets
import time
import urllib.parse
from collections.abc import Callable
from typing import Any, Final

import httpx
import orjson

from ciba_contracts.contract.model import Action
from ciba_contracts.selection import ISSUE_RESPONSE_STATUS, RESULT_STATUSES, kind_for_status
from ciba_contracts.suite.findings import ContractFailure, RecordedRequest, finding_location
from ciba_contracts.suite.target import Target
from ciba_contracts.traffic.redact import redact_finding
from ciba_contracts.validate.engine import get_validator
from ciba_contracts.validate.exchange import media_type

__all__ = ["SCENARIOS", "Probe", "Scenario", "run_scenarios"]

DOCUMENTED_STATUSES: Final = frozenset({ISSUE_RESPONSE_STATUS}) | RESULT_STATUSES


class _Stop(Exception):
    """A scenario cannot go on (its precondition failed and was reported)."""


class Probe:
    """An httpx client that checks every answer and collects failures."""

    def __init__(self, target: Target, client: httpx.Client) -> None:
        self.target = target
        self.client = client
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
            self.fail(
                "timeout",
                f"no answer within {self.client.timeout.read} s ({type(exc).__name__})",
                recorded,
            )
            raise _Stop from None
        except httpx.HTTPError as exc:
            self.fail(
                "transport",
                f"the request got no HTTP answer: {type(exc).__name__}: {exc}",
                recorded,
            )
            raise _Stop from None
        self._check_common(response, recorded, is_issue=url == self.target.issue_url)
        return response, recorded

    def _check_common(
        self, response: httpx.Response, recorded: RecordedRequest, *, is_issue: bool
    ) -> None:
        status = response.status_code
        media = media_type(response.headers.get("content-type", ""))
        if media != "application/json" and not (
            media.startswith("application/") and media.endswith("+json")
        ):
            self.fail(
                "content-type",
                f"answer {status} has Content-Type {response.headers.get('content-type')!r}, "
                "not application/json",
                recorded,
                status,
            )
        if not is_issue:
            return
        if status not in DOCUMENTED_STATUSES:
            self.fail(
                "status",
                f"the issue API answered {status}, a status it does not document "
                f"({', '.join(map(str, sorted(DOCUMENTED_STATUSES)))})",
                recorded,
                status,
            )
            return
        if status == ISSUE_RESPONSE_STATUS:
            cache = response.headers.get("cache-control", "").lower()
            pragma = response.headers.get("pragma", "").lower()
            if "no-store" not in cache and "no-cache" not in pragma:
                self.fail(
                    "cache-control",
                    "a 200 answer carries neither Cache-Control: no-store nor Pragma: no-cache",
                    recorded,
                    status,
                )
        kind = kind_for_status(status)
        assert kind is not None
        validator = get_validator(self.target.profile, kind=kind)
        for finding in validator.validate(response.content):
            if finding.is_error:
                # The target's answer may carry credentials, and the report is output.
                finding = redact_finding(finding)
                # The value goes on a line of its own: failures are told apart by
                # their first line, so one fault with varying values is one failure.
                value = f"\nvalue: {finding.value}" if finding.value is not None else ""
                self.fail(
                    finding.rule,
                    f"{kind} at {finding_location(finding)}: {finding.message}{value}",
                    recorded,
                    status,
                )

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

    def expect_refused(self, ticket: Any, check: str, message: str) -> None:
        """Redeem ``ticket``, which must not be redeemable; record ``check`` if it gives OK."""
        response, recorded, payload = self.issue(ticket)
        if payload.get("action") == Action.OK:
            self.fail(check, message, recorded, response.status_code)


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
        probe.fail(
            "issue",
            f"a fresh ticket did not give action OK (HTTP {response.status_code}, "
            f"action {payload.get('action')!r})",
            recorded,
            response.status_code,
        )


def _ticket_reuse(probe: Probe) -> None:
    ticket = probe.ticket()
    _, _, payload = probe.issue(ticket)
    if payload.get("action") != Action.OK:
        return  # reported by the issue scenario
    probe.expect_refused(
        ticket, "ticket reuse", "a ticket that was already redeemed gave action OK a second time"
    )


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
        probe.fail(
            "form body",
            "a fresh ticket sent as a form (application/x-www-form-urlencoded, which the API "
            f"documents beside JSON) did not give action OK (HTTP {response.status_code}, "
            f"action {payload.get('action')!r})",
            recorded,
            response.status_code,
        )


def _unknown_ticket(probe: Probe) -> None:
    probe.expect_refused(
        secrets.token_urlsafe(32), "unknown ticket", "a ticket that was never issued gave action OK"
    )


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
        probe.fail(
            "distinct auth_req_id",
            f"two tickets gave the same authReqId {ids[0]!r}",
            recorded,
            200,
        )


_MALFORMED: Final[tuple[tuple[str, bytes, str], ...]] = (
    ("a body that is not JSON", b"{not json", "application/json"),
    ("an empty body", b"", "application/json"),
    ("a ticket that is a number", b'{"ticket": 123}', "application/json"),
    ("a body without a ticket", b"{}", "application/json"),
    ("an empty ticket", b'{"ticket": ""}', "application/json"),
    ("a JSON array", b'["ticket"]', "application/json"),
)


def _malformed_bodies(probe: Probe) -> None:
    for what, body, content_type in _MALFORMED:
        try:
            response, recorded = probe.post(probe.target.issue_url, body, content_type=content_type)
        except _Stop:
            continue
        if response.status_code != 400:
            probe.fail(
                "status",
                f"{what} answered {response.status_code}, not 400",
                recorded,
                response.status_code,
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
            probe.fail(
                "auth",
                f"a request with {what} answered {response.status_code}, not 401",
                recorded,
                response.status_code,
            )


def expired_ticket_scenario(ticket_ttl: float) -> Callable[[Probe], None]:
    """A scenario that waits ``ticket_ttl`` seconds and then redeems the ticket."""

    def _expired(probe: Probe) -> None:
        ticket = probe.ticket()
        time.sleep(ticket_ttl + 0.25)
        probe.expect_refused(
            ticket,
            "ticket expiry",
            f"a ticket redeemed after its lifetime ({ticket_ttl} s) gave action OK",
        )

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
) -> tuple[list[ContractFailure], int]:
    """Run the scenarios (or just ``only``) against ``target``; returns failures and request count.

    ``ticket_ttl`` adds the expiry scenario, which waits that long for a ticket to lapse.
    """
    scenarios = dict(SCENARIOS)
    if ticket_ttl is not None:
        scenarios["ticket expiry"] = expired_ticket_scenario(ticket_ttl)
    if only is not None:
        scenarios = {only: scenarios[only]}
    with httpx.Client(timeout=timeout) as client:
        probe = Probe(target, client)
        for scenario in scenarios.values():
            try:
                scenario(probe)
            except _Stop:
                continue
    return probe.failures, probe.requests
