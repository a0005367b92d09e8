"""The ``ciba-contracts`` command."""

from __future__ import annotations

import gc
import importlib

import click

from ciba_contracts.cli.validate import validate
from ciba_contracts.version import __version__

#: Commands imported only when asked for: ``serve`` and ``test`` bring uvicorn, starlette
#: and an HTTP client, which would add about a third to the start-up of ``validate``;
#: ``schema`` and ``rules`` bring PyYAML's writer and the catalog's documents.
_LAZY = {
    "schema": ("ciba_contracts.cli.catalog", "schema"),
    "rules": ("ciba_contracts.cli.catalog", "rules"),
    "serve": ("ciba_contracts.cli.serve", "serve"),
    "test": ("ciba_contracts.cli.contract_test", "test"),
    "relay-test": ("ciba_contracts.cli.relay_test", "relay_test"),
}


class _Commands(click.Group):
    """The commands, the lazy ones among them."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in _LAZY and cmd_name not in self.commands:
            module, name = _LAZY[cmd_name]
            self.add_command(getattr(importlib.import_module(module), name), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ciba-contracts")
def main() -> None:
    """Check payloads, recordings and live servers against the contract of
    Authlete's CIBA issue API (/backchannel/authentication/issue)."""


main.add_command(validate)


def run() -> None:
    """The ``ciba-contracts`` console script: :func:`main`, then the process ends.

    What the run made goes with the process; the collector's passes over it at
    shutdown took 15-30 ms of every run (35 million instructions, a sixth of checking
    a small file), so it is frozen first, out of the collector's reach. Only the
    console script does this: a program calling :func:`main` keeps its collector as
    it was.
    """
    # The modules are loaded, and live as long as the process: a full collection
    # during the run (the join of a file's slices makes thousands of legs) need not
    # walk them again, nor the workers' (a fork shares them frozen).
    gc.freeze()
    try:
        main()
    finally:
        gc.freeze()
