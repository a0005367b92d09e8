"""``relay-test``: play the client of an authorization server, and script its Authlete.

The authorization server (AS) under test is configured to call the project's
Authlete stand-in, which this module starts on a known port with an
:class:`~ciba_contracts.server.script.AnswerScript`. Then, round by round, it
chooses what the stand-in will answer (one round per action of the relay table,
``schemas/relay.yaml``), sends the AS a CIBA backchannel authentication request,
and holds the AS's answer to what the stand-in told it, through the one relay
checker. Failures land in a :class:`~ciba_contracts.suite.findings.SuiteReport`,
so the live suite's reporters (text, JSON, JUnit, SARIF, GitLab) serve it.
"""

from __future__ import annotations

import base64
import contextlib
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

import httpx

from ciba_contracts.check.relay import RelayCase, RelayChecker, relay_case
from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.relay import relays
from ciba_contracts.contract.rules import rule_named
from ciba_contracts.exchange import Exchange, Location, header_pairs
from ciba_contracts.server.app import create_app
from ciba_contracts.server.config import DEFAULT_BASIC, DEFAULT_TOKEN, ServerConfig
from ciba_contracts.server.runner import running_server
from ciba_contracts.server.script import AnswerScript, scriptable_actions
from ciba_contracts.suite.findings import ContractFailure, RecordedRequest, SuiteReport
from ciba_contracts.validate.finding import Finding

__all__ = [
    "DEFAULT_TIME_BUDGET",
    "RelayOptions",
    "RelayRound",
    "RelayTestError",
    "relay_rounds",
    "run_relay_test",
]

#: Seconds the whole run may take; an AS that hangs costs at most this.
DEFAULT_TIME_BUDGET = 60.0
#: The longest wait for one answer, so that one hang leaves time for the other rounds.
_ROUND_TIMEOUT = 10.0
_CURL_SETS = frozenset({"host", "content-length", "accept-encoding", "connection", "user-agent"})
_NEXT_CALL = rule_named("relay-next-call-missing")
_NO_ANSWER = rule_named("relay-no-answer")


class RelayTestError(Exception):
    """The run cannot test anything: the AS is unreachable or misconfigured (exit 2)."""


@dataclass(frozen=True, slots=True)
class RelayOptions:
    """How to reach the AS, how to present the client, and how to run the stand-in."""

    as_url: str
    client_id: str
    client_secret: str
    login_hint: str
    client_auth: str = "basic"
    scope: str = "openid"
    authlete_port: int = 8080
    authlete_host: str = "127.0.0.1"
    token: str = DEFAULT_TOKEN
    basic: tuple[str, str] = DEFAULT_BASIC
    service_id: str | None = None
    time_budget: float = DEFAULT_TIME_BUDGET
    profile: Profile | str = Profile.AUTHLETE
    select: str | None = None
    ignore: str | None = None

    def __post_init__(self) -> None:
        if self.client_auth not in ("basic", "post"):
            raise ValueError("client_auth must be 'basic' or 'post'")
        parts = urlsplit(self.as_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"--as-url must be an http(s) URL, not {self.as_url!r}")


@dataclass(frozen=True, slots=True)
class RelayRound:
    """One exchange with the AS: what the stand-in is made to answer, API by API."""

    api: str
    action: str
    #: ``(api, action)`` queued in the stand-in before the request; None: answer as usual.
    script: tuple[tuple[str, str | None], ...]

    @property
    def name(self) -> str:
        """``INVALID_TICKET (issue)``."""
        return f"{self.action} ({self.api})"


def relay_rounds() -> list[RelayRound]:
    """A round per action of the relay table that answers the client.

    An action the stand-in gives of itself (``USER_IDENTIFICATION``, ``OK``) is
    not forced; an action on the issue API needs the authentication API's
    ``USER_IDENTIFICATION`` first, which the table names with ``next``.
    """
    table = relays()
    forcible = scriptable_actions()
    leads = {
        relay.next: (api, relay.action)
        for api, actions in table.items()
        for relay in actions.values()
        if relay.next is not None
    }
    rounds = []
    for api, actions in table.items():
        for action, relay in actions.items():
            if not relay.answers_client:
                continue
            steps: list[tuple[str, str | None]] = []
            if api in leads:
                lead_api, lead_action = leads[api]
                steps.append((lead_api, lead_action if lead_action in forcible[lead_api] else None))
            steps.append((api, action if action in forcible.get(api, ()) else None))
            rounds.append(RelayRound(api, action, tuple(steps)))
    # The successful flow first: when the AS is unreachable, that is what a person tries.
    return sorted(rounds, key=lambda r: (r.action != "OK", r.api != "issue"))


def _client_request(options: RelayOptions, trace: str) -> httpx.Request:
    form = {"scope": options.scope, "login_hint": options.login_hint}
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
        "traceparent": trace,
    }
    if options.client_auth == "basic":
        # RFC 6749 §2.3.1: each part is form-encoded before it is joined.
        pair = f"{quote(options.client_id, safe='')}:{quote(options.client_secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    else:
        form |= {"client_id": options.client_id, "client_secret": options.client_secret}
    return httpx.Request("POST", options.as_url, headers=headers, content=urlencode(form))


def _traceparent() -> str:
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def _client_exchange(
    request: httpx.Request, response: httpx.Response | None, note: str | None
) -> Exchange:
    return Exchange(
        location=Location("relay-test"),
        method=request.method,
        url=str(request.url),
        status=None if response is None else response.status_code,
        request_headers=header_pairs(list(request.headers.multi_items())),
        response_headers=()
        if response is None
        else header_pairs(list(response.headers.multi_items())),
        body=None if response is None else response.content,
        request_body=request.content,
        body_note=note,
    )


def _recorded(request: httpx.Request) -> RecordedRequest:
    # Headers curl sets itself are left out of the command line.
    headers = tuple((k, v) for k, v in request.headers.multi_items() if k.lower() not in _CURL_SETS)
    return RecordedRequest(request.method, str(request.url), headers, request.content)


def _leg(calls: Sequence[Exchange]) -> RelayCase | None:
    """The Authlete answer the AS had to relay: the first that answers the client.

    When none does (the AS stopped after ``USER_IDENTIFICATION``), the last answer
    that holds an action, whose relay names the call that is missing.
    """
    cases = [c for c in (relay_case(call) for call in calls) if isinstance(c, RelayCase)]
    for case in cases:
        if case.relay.answers_client:
            return case
    return cases[-1] if cases else None


def _misconfigured(calls: Iterable[Exchange], options: RelayOptions) -> str | None:
    for call in calls:
        if call.status == 401:
            return (
                "the stand-in refused the AS's credentials "
                f"({call.method} {urlsplit(call.url).path} -> 401): "
                "configure the AS with the --token (v3) or --basic (v2) given here"
            )
        if options.service_id is not None:
            segments = urlsplit(call.url).path.split("/")
            versioned = len(segments) > 3 and segments[1] == "api" and segments[2] != "backchannel"
            if versioned and segments[2] != options.service_id:
                return (
                    f"the AS calls service {segments[2]!r}, not the --service-id "
                    f"{options.service_id!r} given here"
                )
    return None


Progress = Callable[[RelayRound, list[Finding]], None]


def run_relay_test(options: RelayOptions, progress: Progress | None = None) -> SuiteReport:
    """Run every round against the AS; raises :class:`RelayTestError` when nothing can be tested.

    The stand-in listens on ``options.authlete_host:authlete_port`` for the
    whole run and stops after it.
    """
    config = ServerConfig(token=options.token, basic=options.basic)
    script = AnswerScript()
    checker = RelayChecker(options.profile, options.select, options.ignore)
    report = SuiteReport(
        secrets=(options.client_secret, options.token, options.basic[1]),
    )
    with contextlib.ExitStack() as stack:
        try:
            base = stack.enter_context(
                running_server(
                    app=create_app(config, script=script),
                    host=options.authlete_host,
                    port=options.authlete_port,
                )
            )
        except OSError as exc:
            raise RelayTestError(
                f"cannot start the stand-in on {options.authlete_host}:"
                f"{options.authlete_port}: {exc.strerror or exc}"
            ) from None
        report.notes.append(f"Authlete stand-in at {base}")
        _run_rounds(options, script, checker, report, progress)
    return report


def _run_rounds(
    options: RelayOptions,
    script: AnswerScript,
    checker: RelayChecker,
    report: SuiteReport,
    progress: Progress | None,
) -> None:
    deadline = time.monotonic() + options.time_budget
    rounds = relay_rounds()
    # An equal share of the budget per round: one hang leaves time for the other rounds.
    share = min(_ROUND_TIMEOUT, options.time_budget / len(rounds))
    answered_once = False
    with httpx.Client(follow_redirects=False) as client:
        for round_ in rounds:
            left = deadline - time.monotonic()
            request = _client_request(options, _traceparent())
            if left <= 0:
                finding = Finding.of(
                    _NO_ANSWER, field=round_.name, detail="not asked: --time-budget is spent"
                )
                _add(report, round_, finding, request, None)
                continue
            script.reset()
            for api, action in round_.script:
                script.force(api, action)
            response, note = _send(client, request, min(left, share), answered_once)
            answered_once = answered_once or response is not None
            report.requests += 1
            calls = script.calls()
            problem = _misconfigured(calls, options)
            if problem is not None:
                raise RelayTestError(problem)
            exchange = _client_exchange(request, response, note)
            findings = _check_round(round_, calls, exchange, checker)
            for finding in findings:
                _add(report, round_, finding, request, exchange.status)
            if progress is not None:
                progress(round_, findings)


def _send(
    client: httpx.Client, request: httpx.Request, timeout: float, answered_once: bool
) -> tuple[httpx.Response | None, str | None]:
    try:
        request.extensions["timeout"] = httpx.Timeout(timeout).as_dict()
        response = client.send(request)
        response.read()
        return response, None
    except httpx.TimeoutException:
        return None, f"no answer within {timeout:.1f} s"
    except httpx.ConnectError as exc:
        if not answered_once:
            raise RelayTestError(f"cannot reach the AS at {request.url}: {exc}") from None
        return None, f"the connection failed ({exc})"
    except httpx.TransportError as exc:
        return None, f"the connection closed without an answer ({type(exc).__name__})"


def _check_round(
    round_: RelayRound, calls: Sequence[Exchange], client: Exchange, checker: RelayChecker
) -> list[Finding]:
    case = _leg(calls)
    if case is None:
        called = ", ".join(f"{c.method} {urlsplit(c.url).path} -> {c.status}" for c in calls)
        expected = f"the {round_.script[0][0]} API"
        if called:
            expected += f" with a call it accepts (it called: {called})"
        return [Finding.of(_NEXT_CALL, field=round_.name, expected=expected)]
    # The finding names the action the AS was given (the leg), whatever the round meant.
    return checker.check(case, client)


def _add(
    report: SuiteReport,
    round_: RelayRound,
    finding: Finding,
    request: httpx.Request,
    status: int | None,
) -> None:
    message = finding.message
    if finding.value is not None and finding.value not in message:
        message += f"\nvalue: {finding.value}"
    report.add(
        ContractFailure(
            check=finding.rule,
            message=message,
            request=_recorded(request),
            status=status,
            source=f"relay {round_.name}",
        )
    )
