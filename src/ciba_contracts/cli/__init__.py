"""The ``ciba-contracts`` command."""

from __future__ import annotations

import click

from ciba_contracts import __version__
from ciba_contracts.cli.catalog import rules, schema
from ciba_contracts.cli.contract_test import test
from ciba_contracts.cli.serve import serve
from ciba_contracts.cli.validate import validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ciba-contracts")
def main() -> None:
    """Check payloads, recordings and live servers against the contract of
    Authlete's CIBA issue API (/backchannel/authentication/issue)."""


main.add_command(validate)
main.add_command(schema)
main.add_command(rules)
main.add_command(serve)
main.add_command(test)
