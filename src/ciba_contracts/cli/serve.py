"""``ciba-contracts serve``: run the reference server, optionally with faults."""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator

import click
import uvicorn

from ciba_contracts.cli.stand_in_options import stand_in_credentials
from ciba_contracts.server.app import CONFIG_ENV, create_app
from ciba_contracts.server.config import INT32_MAX, ServerConfig
from ciba_contracts.server.faults import fault_names, iter_faults
from ciba_contracts.server.runner import base_url, bind_socket, url_for

__all__ = ["format_fault_table", "serve"]

_LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
_APP_FACTORY = "ciba_contracts.server.app:create_app_from_env"


def format_fault_table() -> str:
    """The fault catalog as an aligned text table: name, rule, what it breaks."""
    rows = [("NAME", "RULE", "BREAKS")]
    rows += [(f.name, f.rule, f"{f.breaks} ({f.scope})") for f in iter_faults()]
    name_width = max(len(r[0]) for r in rows)
    rule_width = max(len(r[1]) for r in rows)
    return "\n".join(
        f"{name:<{name_width}}  {rule:<{rule_width}}  {breaks}".rstrip()
        for name, rule, breaks in rows
    )


def _list_faults(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(format_fault_table())
    ctx.exit(0)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bind_or_exit(host: str, port: int) -> socket.socket:
    try:
        return bind_socket(host, port)
    except OSError as exc:
        raise click.UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


@contextlib.contextmanager
def _shared_ticket_db(path: str | None) -> Iterator[str]:
    if path is not None:
        yield path
        return
    # Workers are separate processes, so in-memory tickets would not be shared.
    with tempfile.TemporaryDirectory(prefix="ciba-reference-") as tmp:
        yield os.path.join(tmp, "tickets.sqlite3")


def _announce(url: str, config: ServerConfig, workers: int) -> None:
    click.echo(f"ciba-contracts reference server listening on {url}")
    if workers > 1:
        click.echo(f"workers: {workers}, tickets in {config.ticket_db}")
    if config.faults:
        click.echo(f"faults: {', '.join(sorted(config.faults))}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="Port to listen on; 0 picks a free one (the URL is printed on startup).",
)
@stand_in_credentials(
    token_help="Bearer token of the v3 paths.",
    basic_help="Basic-auth credentials of the v2 paths.",
)
@click.option(
    "--expires-in",
    type=click.IntRange(1, INT32_MAX),
    default=600,
    show_default=True,
    help="expiresIn of issued auth_req_id values, seconds.",
)
@click.option(
    "--interval",
    type=click.IntRange(1, INT32_MAX),
    default=5,
    show_default=True,
    help="interval of issued auth_req_id values, seconds.",
)
@click.option(
    "--ticket-ttl",
    type=click.FloatRange(0, min_open=True),
    default=600.0,
    show_default=True,
    help="Seconds a ticket stays redeemable.",
)
@click.option(
    "--ticket-db",
    type=click.Path(dir_okay=False),
    default=None,
    help="SQLite file for tickets, shared by worker processes (default: in memory).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes; more than one keeps tickets in SQLite.",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    type=click.Choice(fault_names()),
    metavar="NAME",
    help="Break the contract in a named way (repeatable; see --list-faults).",
)
@click.option(
    "--list-faults",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_list_faults,
    help="List the faults and exit.",
)
@click.option(
    "--log-level",
    type=click.Choice(_LOG_LEVELS),
    default="info",
    show_default=True,
    help="uvicorn's log level.",
)
def serve(
    host: str,
    port: int,
    token: str,
    basic: tuple[str, str],
    expires_in: int,
    interval: int,
    ticket_ttl: float,
    ticket_db: str | None,
    workers: int,
    faults: tuple[str, ...],
    log_level: str,
) -> None:
    """Run a stand-in for Authlete's CIBA APIs that keeps the contract.

    Serves POST /api/{serviceId}/backchannel/authentication[/issue] (bearer
    token) and POST /api/backchannel/authentication[/issue] (basic auth).
    Each --fault breaks one rule, to show that a check catches it.
    """
    try:
        config = ServerConfig(
            token=token,
            basic=basic,
            expires_in=expires_in,
            interval=interval,
            faults=frozenset(faults),
            ticket_ttl=ticket_ttl,
            ticket_db=ticket_db,
        )
    except (TypeError, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
    if not _is_loopback(host):
        click.echo(
            f"warning: listening on {host}, beyond this machine; the reference "
            "credentials are public, so use it for tests only",
            err=True,
        )
    if workers == 1:
        _serve_in_process(config, host, port, log_level)
    else:
        _serve_workers(config, host, port, workers, log_level)


def _serve_in_process(config: ServerConfig, host: str, port: int, log_level: str) -> None:
    sock = _bind_or_exit(host, port)
    with sock:
        _announce(base_url(sock), config, 1)
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(config), log_level=log_level, server_header=False, lifespan="on"
            )
        )
        # uvicorn re-raises the Ctrl+C it handled once shutdown is complete; by
        # then stopping is the expected outcome, not an abort.
        with contextlib.suppress(KeyboardInterrupt):
            server.run(sockets=[sock])


def _serve_workers(
    config: ServerConfig, host: str, port: int, workers: int, log_level: str
) -> None:
    with _shared_ticket_db(config.ticket_db) as db:
        config = dataclasses.replace(config, ticket_db=db)
        if port == 0:
            # uvicorn binds in its supervisor process, so find it a free port;
            # the gap between probing and binding is tiny.
            with _bind_or_exit(host, 0) as probe:
                port = probe.getsockname()[1]
        _announce_when_ready(host, port, config, workers)
        # Workers are spawned, not forked: the config travels in the environment.
        os.environ[CONFIG_ENV] = config.to_json()
        uvicorn.run(
            _APP_FACTORY,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            server_header=False,
        )


def _announce_when_ready(host: str, port: int, config: ServerConfig, workers: int) -> None:
    # uvicorn's supervisor binds the port itself, so the URL is printed once a
    # connection succeeds: whoever reads it may connect straight away.
    def wait() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection((host, port), timeout=0.5).close()
            except OSError:
                time.sleep(0.02)
            else:
                _announce(url_for(host, port), config, workers)
                return

    threading.Thread(target=wait, name="announce", daemon=True).start()
