"""pytest plugin: the ``ciba_contract`` fixture and the ``--ciba-*`` options.

Registered through the ``pytest11`` entry point, so it is active in every
session of an environment where ciba-contracts is installed; disable it with
``-p no:ciba_contracts``. A session that never asks for the fixture pays for
three command-line options and nothing else: the checker module is imported
by the fixture, not here.

Settings, command line first, then the ini file (``[tool.pytest.ini_options]``)::

    --ciba-profile LEVEL   ciba_profile = LEVEL    sdk, authlete (default) or ciba
    --ciba-select CODES    ciba_select = CODES     only these rules (codes, prefixes, names)
    --ciba-ignore CODES    ciba_ignore = CODES     leave these rules out
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import pytest

if TYPE_CHECKING:
    from ciba_contracts.testing.checking import ContractChecker

__all__ = ["ciba_contract"]

DEFAULT_PROFILE = "authlete"


class _Settings(NamedTuple):
    profile: str
    select: str | None
    ignore: str | None


def pytest_addoption(parser: pytest.Parser) -> None:
    """Command-line options and ini settings of the ``ciba_contract`` fixture."""
    group = parser.getgroup("ciba-contracts", "CIBA issue API contract (ciba_contract fixture)")
    group.addoption(
        "--ciba-profile",
        dest="ciba_profile",
        default=None,
        metavar="LEVEL",
        help="strictness level of the ciba_contract fixture: sdk, authlete or ciba "
        f"(default: ini ciba_profile, else {DEFAULT_PROFILE})",
    )
    group.addoption(
        "--ciba-select",
        dest="ciba_select",
        default=None,
        metavar="CODES",
        help="comma-separated rule codes, code prefixes or names the fixture checks "
        "(default: every rule of the level)",
    )
    group.addoption(
        "--ciba-ignore",
        dest="ciba_ignore",
        default=None,
        metavar="CODES",
        help="comma-separated rule codes, code prefixes or names the fixture leaves out",
    )
    parser.addini(
        "ciba_profile",
        f"strictness level of the ciba_contract fixture (default {DEFAULT_PROFILE})",
        default=DEFAULT_PROFILE,
    )
    parser.addini("ciba_select", "rules the ciba_contract fixture checks", default="")
    parser.addini("ciba_ignore", "rules the ciba_contract fixture leaves out", default="")


def _settings(config: pytest.Config) -> _Settings:
    def pick(name: str) -> str | None:
        value = config.getoption(name) or config.getini(name)
        text = str(value).strip() if value else ""
        return text or None

    return _Settings(
        pick("ciba_profile") or DEFAULT_PROFILE, pick("ciba_select"), pick("ciba_ignore")
    )


def pytest_configure(config: pytest.Config) -> None:
    """Reject a misspelled level or rule before any test runs, but only when one is set."""
    settings = _settings(config)
    if settings == _Settings(DEFAULT_PROFILE, None, None):
        return
    from ciba_contracts.contract.rules import UnknownRuleError, enabled_rules

    try:
        enabled_rules(settings.profile, settings.select, settings.ignore)
    except (ValueError, UnknownRuleError) as exc:
        raise pytest.UsageError(f"ciba-contracts: {exc}") from None


@pytest.fixture
def ciba_contract(request: pytest.FixtureRequest) -> ContractChecker:
    """A :class:`~ciba_contracts.testing.checking.ContractChecker` at the session's level.

    ``ciba_contract.assert_valid(payload_or_response)`` fails the test with
    every finding when the payload breaks the contract, and returns its
    warnings otherwise.
    """
    from ciba_contracts.testing.checking import ContractChecker

    settings = _settings(request.config)
    return ContractChecker(settings.profile, settings.select, settings.ignore)
