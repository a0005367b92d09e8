"""``ciba-contracts test``: check a live issue API (or the bundled reference server)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ciba_contracts.cli.suite_report import emit_report, junit_text, report_options, rule_options
from ciba_contracts.contract.profiles import Profile
from ciba_contracts.redact import redact_text
from ciba_contracts.suite.findings import RecordedExchange, RecordedRequest, SuiteReport, redact
from ciba_contracts.suite.target import DEFAULT_TIME_BUDGET, TargetError

__all__ = ["test"]


def _write_junit(report: SuiteReport, path: Path) -> None:
    path.write_text(junit_text(report), encoding="utf-8")


def _write_har(report: SuiteReport, path: Path) -> None:
    """Every exchange of the run as HAR 1.2, failing ones with their checks as comments.

    Credentials are masked in requests and answers alike, as in every report.
    """
    failing: dict[RecordedRequest, list[str]] = {}
    for failure in report.failures:
        if failure.request is not None:
            failing.setdefault(failure.request, []).append(
                f"{failure.check}: {report.shown_message(failure)}"
            )
    recorded = report.exchanges
    if recorded is None:
        recorded = [
            RecordedExchange(f.request, f.status, (), b"", f.source)
            for f in report.failures
            if f.request is not None
        ]
    entries = [_har_entry(exchange, failing.get(exchange.request), report) for exchange in recorded]
    har = {"log": {"version": "1.2", "creator": {"name": "ciba-contracts"}, "entries": entries}}
    path.write_text(json.dumps(har, indent=2), encoding="utf-8")


def _har_entry(
    exchange: RecordedExchange, checks: list[str] | None, report: SuiteReport
) -> dict[str, object]:
    request = exchange.request
    secrets = report.secrets
    body = (request.body or b"").decode("utf-8", "replace")
    answer = exchange.body.decode("utf-8", "replace")
    media = next((v for k, v in exchange.headers if k.lower() == "content-type"), "")
    entry: dict[str, object] = {
        "startedDateTime": "1970-01-01T00:00:00.000Z",
        "time": 0,
        "request": {
            "method": request.method,
            "url": request.safe_url(secrets),
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": n, "value": v} for n, v in request.safe_headers(secrets)],
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": len(body),
            "postData": {
                "mimeType": "application/json",
                "text": redact(redact_text(body), secrets),
            },
        },
        "response": {
            "status": exchange.status or 0,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "headers": [
                {"name": n, "value": redact(redact_text(f"{n}: {v}").split(": ", 1)[-1], secrets)}
                for n, v in exchange.headers
            ],
            "cookies": [],
            "content": {
                "size": len(exchange.body),
                "mimeType": media,
                "text": redact(redact_text(answer), secrets),
            },
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(exchange.body),
        },
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
    }
    comment = "; ".join(checks or ()) or exchange.source
    entry["comment"] = comment
    return entry


@click.command("test")
@click.option("--base-url", help="Root URL of the API under test. [env: CIBA_BASE_URL]")
@click.option("--token", help="Bearer token (API v3). [env: CIBA_TOKEN]")
@click.option(
    "--basic", metavar="KEY:SECRET", help="API key and secret (API v2). [env: CIBA_BASIC]"
)
@click.option("--service-id", help="Service ID in v3 paths. [env: CIBA_SERVICE_ID]")
@click.option(
    "--api-version",
    type=click.Choice(["2", "3"]),
    help="2 (basic) or 3 (bearer). [env: CIBA_API_VERSION]",
)
@click.option("--client-id", help="Client of the test CIBA requests. [env: CIBA_CLIENT_ID]")
@click.option("--client-secret", help="Its secret. [env: CIBA_CLIENT_SECRET]")
@click.option("--login-hint", help="login_hint of the test requests. [env: CIBA_LOGIN_HINT]")
@rule_options(Profile.CIBA, env=True)
@click.option(
    "--strict-requests",
    is_flag=True,
    envvar="CIBA_STRICT_REQUESTS",
    help=(
        "Also hold the target to the project's own request expectations, beyond the vendor's: "
        "malformed requests answered 400 (L408), a non-empty ticket in the OpenAPI document, "
        "schemathesis' positive_data_acceptance and negative_data_rejection. "
        "[env: CIBA_STRICT_REQUESTS]"
    ),
)
@click.option(
    "--max-examples",
    type=click.IntRange(min=0),
    default=25,
    show_default=True,
    help="Generated requests per mode (positive, negative); 0 runs only the scenarios.",
)
@click.option("--seed", type=int, help="Hypothesis seed, to replay a run.")
@click.option(
    "--ticket-ttl",
    type=click.FloatRange(min=0, min_open=True),
    help="Ticket lifetime of the target, seconds: adds a scenario that waits it out.",
)
@click.option(
    "--time-budget",
    type=click.FloatRange(min=0),
    default=DEFAULT_TIME_BUDGET,
    show_default=True,
    help="Seconds after which generated requests stop (a slow target); the scenarios always run.",
)
@report_options
@click.option(
    "--junit", type=click.Path(dir_okay=False, path_type=Path), help="Write a JUnit XML report."
)
@click.option(
    "--har",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every exchange of the run as HAR (failing ones carry their checks as "
    "comments; credentials masked).",
)
def test(
    base_url: str | None,
    token: str | None,
    basic: str | None,
    service_id: str | None,
    api_version: str | None,
    client_id: str | None,
    client_secret: str | None,
    login_hint: str | None,
    profile: str,
    strict_requests: bool,
    select: str | None,
    ignore: str | None,
    max_examples: int,
    seed: int | None,
    ticket_ttl: float | None,
    time_budget: float,
    fmt: str,
    output: Path | None,
    junit: Path | None,
    har: Path | None,
) -> None:
    """Run the contract suite against a live issue API.

    Explicit scenarios (authentication -> issue, ticket reuse, unknown tickets,
    malformed bodies, credentials) and schemathesis-generated requests; every
    issue-API answer goes to the same exchange checker as recorded traffic, at
    --profile. Only what the vendor states is expected, unless --strict-requests.
    Without --base-url the bundled reference server is started on 127.0.0.1.
    Exit 0: the contract holds; 1: it is broken; 2: wrong options or
    unreachable target.
    """
    from ciba_contracts.suite.runner import TargetUnreachableError, resolve_target, run_suite

    options: dict[str, str | None] = {
        "base_url": base_url,
        "token": token,
        "basic": basic,
        "service_id": service_id,
        "client_id": client_id,
        "client_secret": client_secret,
        "login_hint": login_hint,
        "api_version": api_version,
        "profile": profile,
        "strict_requests": "1" if strict_requests else None,
        "select": select,
        "ignore": ignore,
    }
    try:
        with resolve_target(options, announce=lambda note: click.echo(note, err=True)) as target:
            report = run_suite(
                target,
                max_examples=max_examples,
                seed=seed,
                ticket_ttl=ticket_ttl,
                time_budget=time_budget,
                notify=lambda note: click.echo(note, err=True),
                record_exchanges=har is not None,
            )
    except (TargetError, TargetUnreachableError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    emit_report(report, fmt, output)
    if junit is not None:
        _write_junit(report, junit)
    if har is not None:
        _write_har(report, har)
    sys.exit(0 if report.ok else 1)
