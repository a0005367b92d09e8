"""``ciba-contracts validate``: check payload files and recordings."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import click
import orjson

from ciba_contracts.cli.progress import ProgressBar
from ciba_contracts.cli.progress import wanted as progress_wanted
from ciba_contracts.config import (
    ALL_APIS,
    FORMATS,
    ConfigError,
    Settings,
    check_rules,
    load_settings,
    resolve_apis,
)
from ciba_contracts.contract.apis import checked_apis
from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.rules import split_codes
from ciba_contracts.report.json_report import summary_document
from ciba_contracts.report.render import write_report
from ciba_contracts.report.safe import printable
from ciba_contracts.report.store import spill_directory
from ciba_contracts.run import AUTO_JOBS, AUTO_MIN_MB, WorkerLost, WorkersUnavailable, run
from ciba_contracts.run.errors import ClusterUnavailable
from ciba_contracts.traffic.storage import StorageError

PROFILES = [p.value for p in Profile]


def parse_jobs(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    """``--jobs``: a positive number of processes, or ``auto`` (0 in the settings)."""
    if value is None:
        return None
    if value.strip().lower() == "auto":
        return 0
    try:
        number = int(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is neither a positive number nor auto") from None
    if number < 1:
        raise click.BadParameter(f"{number} is not a positive number of processes")
    return number


def parse_storage_options(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    """``--storage-option KEY=VALUE`` pairs."""
    pairs = []
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip():
            # The value may be a secret: name the key only.
            raise click.BadParameter(f"expected KEY=VALUE, got {key.strip()[:40]!r} without '='")
        pairs.append((key.strip(), rest))
    return tuple(pairs)


def resolve_settings(config: Path | None, **flags: object) -> Settings:
    """Settings from the configuration file overridden by command-line flags."""
    try:
        base = load_settings(path=config)
        settings = base.updated(**flags)
        check_rules(settings, "command line")
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    return settings


def use_color(stream: object) -> bool:
    """Colour only for a terminal, and never when NO_COLOR is set."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="PATH... | -")
@click.option(
    "--profile", type=click.Choice(PROFILES), help="Strictness level (default: authlete)."
)
@click.option(
    "--api",
    "apis",
    type=click.Choice((*checked_apis(), ALL_APIS)),
    multiple=True,
    help="The API whose calls are checked (default: issue); repeat it, or give 'all', for "
    "several. Recorded calls are picked by their paths (v2 and v3); bare payloads need "
    "exactly one API.",
)
@click.option("--select", help="Only these rules: codes, code prefixes or names, comma-separated.")
@click.option("--ignore", help="Leave out these rules: codes, prefixes or names, comma-separated.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Report format (default: text).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to FILE.")
@click.option(
    "--summary-file",
    type=click.Path(dir_okay=False),
    help="Also write the run's counts and exit status as JSON to FILE, whatever the report "
    "format (for CI steps that read the numbers).",
)
@click.option(
    "--path-pattern",
    metavar="REGEX",
    help="Which recorded requests are calls of the API: a regular expression searched in the "
    "request path, for gateways that rewrite paths (default: the API's own paths, such as "
    "/api/{serviceId}/backchannel/authentication/issue and "
    "/api/backchannel/authentication/issue).",
)
@click.option(
    "--relay-path",
    metavar="REGEX",
    help="The authorization server's backchannel authentication endpoint in recordings that "
    "hold both legs of a relay, searched in the request path (default: /bc-authorize, "
    "/backchannel, /backchannel-authentication).",
)
@click.option(
    "--correlate",
    metavar="HEADER",
    help="A request header (X-Request-ID...) whose value pairs the AS's call of Authlete with "
    "its answer to the client, besides auth_req_id and W3C traceparent.",
)
@click.option(
    "--no-relay",
    is_flag=True,
    help="Do not pair the legs of relays in recordings (the relay rules R5xx stay unchecked).",
)
@click.option(
    "--jobs",
    "-j",
    metavar="N|auto",
    callback=parse_jobs,
    help="Processes to spread many or large recordings over, or auto (the default: up to "
    f"{AUTO_JOBS} when the inputs hold {AUTO_MIN_MB} MB or more, else 1). "
    "The report is the same whatever the number (but for relays whose pairing key "
    "repeats across a cut, where cuts fall as the processes go; see docs/traffic.md).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS|local",
    help="Run the work on a Dask cluster: a scheduler's address (tcp://host:8786), or local "
    "for a cluster of this machine's cores. Needs ciba-contracts[cluster]; see docs/cluster.md.",
)
@click.option(
    "--storage-option",
    "storage_options",
    metavar="KEY=VALUE",
    multiple=True,
    callback=parse_storage_options,
    help="An option of the filesystem that reads URL inputs (s3://, gs://, az://, ...), such "
    "as anon=true or client_kwargs.region_name=eu-west-1; repeatable.",
)
@click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read [tool.ciba-contracts] from this file instead of the nearest pyproject.toml.",
)
def validate(
    inputs: tuple[str, ...],
    profile: str | None,
    apis: tuple[str, ...],
    select: str | None,
    ignore: str | None,
    fmt: str | None,
    output: str | None,
    summary_file: str | None,
    path_pattern: str | None,
    relay_path: str | None,
    correlate: str | None,
    no_relay: bool,
    jobs: int | None,
    scheduler: str | None,
    storage_options: tuple[tuple[str, str], ...],
    config: Path | None,
) -> None:
    """Check payloads and recorded traffic in PATHs (files, directories, URLs such as
    s3://bucket/prefix/ or globs of them, or - for standard input): plain JSON/JSON
    lines payloads, HAR files, VCR.py and schemathesis cassettes, JSON lines of
    exchanges, any of them gzip-compressed.

    Exit status: 0 no error finding, 1 error findings, 2 usage error or an
    input that cannot be read.
    """
    settings = resolve_settings(
        config,
        profile=Profile.parse(profile) if profile else None,
        apis=resolve_apis(apis) if apis else None,
        select=split_codes(select) if select is not None else None,
        ignore=split_codes(ignore) if ignore is not None else None,
        format=fmt,
        output=output,
        path_pattern=path_pattern,
        relay=False if no_relay else None,
        relay_path=relay_path,
        correlate=correlate,
        jobs=jobs,
        scheduler=scheduler,
        storage_options=storage_options or None,
    )
    if path_pattern is not None:
        # The configuration file's pattern was checked when it was read.
        try:
            re.compile(path_pattern)
        except re.error as exc:
            raise click.UsageError(
                f"--path-pattern is not a valid regular expression: {exc}"
            ) from None
    if relay_path is not None:
        try:
            re.compile(relay_path)
        except re.error as exc:
            raise click.UsageError(
                f"--relay-path is not a valid regular expression: {exc}"
            ) from None
    # Spill files of workers killed or failed go with the run, once its reports are written.
    with spill_directory():
        code = _run_and_report(inputs, settings, summary_file)
    sys.exit(code)


def _run_and_report(inputs: Sequence[str], settings: Settings, summary_file: str | None) -> int:
    """Run the check, write its reports; the exit status."""
    try:
        if progress_wanted():
            with ProgressBar() as bar:
                report = run(inputs, settings, progress=bar)
        else:
            report = run(inputs, settings)
    except (WorkersUnavailable, WorkerLost, ClusterUnavailable, StorageError) as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    if settings.output:
        try:
            with open(settings.output, "w", encoding="utf-8") as handle:
                write_report(report, settings.format, handle)
        except OSError as exc:
            raise click.FileError(settings.output, hint=exc.strerror) from None
    else:
        write_report(report, settings.format, sys.stdout, color=use_color(sys.stdout))
    if summary_file:
        try:
            with open(summary_file, "wb") as handle:
                handle.write(orjson.dumps(summary_document(report), option=orjson.OPT_INDENT_2))
        except OSError as exc:
            raise click.FileError(summary_file, hint=exc.strerror) from None
    for path, cause in report.unreadable:
        click.echo(f"error: cannot read {printable(path)}: {printable(cause)}", err=True)
    if report.nothing_read:
        # Exit status 2: say on standard error, whatever the report format, which input
        # could not be used and why.
        for located in report.findings:
            if located.finding.rule.startswith("I") and located.finding.is_error:
                click.echo(
                    f"error: cannot use {printable(located.source)}: "
                    f"{printable(located.finding.message)}",
                    err=True,
                )
    return report.exit_code
