"""``ciba-contracts relay-test``: does an authorization server relay Authlete's answers?"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ciba_contracts.cli.stand_in_options import stand_in_credentials
from ciba_contracts.cli.suite_report import emit_report, report_options, rule_options
from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.rules import UnknownRuleError, enabled_rules
from ciba_contracts.relay.runner import (
    DEFAULT_TIME_BUDGET,
    RelayOptions,
    RelayTestError,
    run_relay_test,
)

__all__ = ["relay_test"]


@click.command("relay-test")
@click.option("--as-url", required=True, help="The AS's backchannel authentication endpoint.")
@click.option("--client-id", required=True, help="Client ID the test requests present.")
@click.option("--client-secret", required=True, help="Its secret (never shown in reports).")
@click.option(
    "--client-auth",
    type=click.Choice(["basic", "post"]),
    default="basic",
    show_default=True,
    help="client_secret_basic (Authorization header) or client_secret_post (form fields).",
)
@click.option("--login-hint", required=True, help="login_hint of the test requests.")
@click.option("--scope", default="openid", show_default=True, help="scope of the test requests.")
@click.option(
    "--authlete-port",
    type=click.IntRange(1, 65535),
    default=8080,
    show_default=True,
    help="Port of the Authlete stand-in this command starts; point the AS at it.",
)
@click.option(
    "--authlete-host", default="127.0.0.1", show_default=True, help="Address of the stand-in."
)
@stand_in_credentials(
    token_help="Bearer token the stand-in accepts.",
    basic_help="Basic-auth credentials the stand-in's v2 paths accept.",
)
@click.option("--service-id", help="Service ID the AS must use in v3 paths (any, if not given).")
@click.option(
    "--time-budget",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_TIME_BUDGET,
    show_default=True,
    help="Seconds the whole run may take; an AS that hangs is a finding, not a hang.",
)
@rule_options(Profile.AUTHLETE)
@report_options
def relay_test(
    as_url: str,
    client_id: str,
    client_secret: str,
    client_auth: str,
    login_hint: str,
    scope: str,
    authlete_port: int,
    authlete_host: str,
    token: str,
    basic: tuple[str, str],
    service_id: str | None,
    time_budget: float,
    profile: str,
    select: str | None,
    ignore: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """Test that an authorization server returns to its client what Authlete's `action` says.

    Starts the Authlete stand-in on --authlete-port (point the AS under test at
    it), then acts as a CIBA client: one backchannel authentication request per
    action of both APIs (OK, INVALID_TICKET and INTERNAL_SERVER_ERROR on issue;
    BAD_REQUEST, UNAUTHORIZED and INTERNAL_SERVER_ERROR on authentication), each
    answer of the AS held to what the stand-in told it. Exit 0: every relay
    right; 1: a relay wrong; 2: the AS cannot be reached or the options are wrong.
    """
    try:
        enabled_rules(profile, select, ignore)
        options = RelayOptions(
            as_url=as_url,
            client_id=client_id,
            client_secret=client_secret,
            login_hint=login_hint,
            client_auth=client_auth,
            scope=scope,
            authlete_port=authlete_port,
            authlete_host=authlete_host,
            token=token,
            basic=basic,
            service_id=service_id,
            time_budget=time_budget,
            profile=profile,
            select=select,
            ignore=ignore,
        )
    except (UnknownRuleError, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
    try:
        report = run_relay_test(options)
    except RelayTestError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    emit_report(report, fmt, output)
    sys.exit(0 if report.ok else 1)
