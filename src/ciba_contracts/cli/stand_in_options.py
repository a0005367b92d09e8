"""The credentials of the Authlete stand-in, as ``serve`` and ``relay-test`` take them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from ciba_contracts.server.config import DEFAULT_BASIC, DEFAULT_TOKEN

__all__ = ["parse_basic", "stand_in_credentials"]

_Command = TypeVar("_Command", bound=Callable[..., object])


def parse_basic(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[str, str]:
    """``--basic KEY:SECRET`` as a pair; either half empty is a usage error."""
    key, sep, secret = value.partition(":")
    if not sep or not key or not secret:
        raise click.BadParameter("expected KEY:SECRET with a non-empty key and secret")
    return key, secret


def stand_in_credentials(token_help: str, basic_help: str) -> Callable[[_Command], _Command]:
    """``--token`` and ``--basic``: what the stand-in accepts on its v3 and v2 paths."""

    def decorate(command: _Command) -> _Command:
        command = click.option(
            "--basic",
            metavar="KEY:SECRET",
            default=":".join(DEFAULT_BASIC),
            show_default=True,
            callback=parse_basic,
            help=basic_help,
        )(command)
        return click.option("--token", default=DEFAULT_TOKEN, show_default=True, help=token_help)(
            command
        )

    return decorate
