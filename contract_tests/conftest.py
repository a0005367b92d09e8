"""Options and fixtures of the contract suite: which target, which credentials, which level.

Without ``--base-url`` (or ``CIBA_BASE_URL``) a session fixture starts the bundled
reference server on a free 127.0.0.1 port and stops it after the session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from ciba_contracts.suite.target import ENV_VARS, Target, TargetError

_OPTIONS = (
    ("--base-url", "base_url", "root URL of the API under test"),
    ("--token", "token", "bearer token (API v3)"),
    ("--basic", "basic", "KEY:SECRET (API v2)"),
    ("--service-id", "service_id", "service ID of v3 paths"),
    ("--api-version", "api_version", "2 or 3"),
    ("--client-id", "client_id", "client of the test CIBA requests"),
    ("--client-secret", "client_secret", "its secret"),
    ("--login-hint", "login_hint", "login_hint of the test requests"),
    ("--ciba-contract-profile", "profile", "sdk, authlete or ciba"),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """The target options; each falls back to its ``CIBA_*`` environment variable."""
    group = parser.getgroup("ciba-contract-suite", "CIBA contract suite target")
    for flag, name, help_text in _OPTIONS:
        group.addoption(
            flag, dest=f"ciba_suite_{name}", default=None, help=f"{help_text} [{ENV_VARS[name]}]"
        )
    group.addoption(
        "--ciba-ticket-ttl",
        dest="ciba_suite_ticket_ttl",
        type=float,
        default=None,
        help="seconds the target's tickets stay redeemable; runs the expiry scenario, which "
        "waits that long [CIBA_TICKET_TTL]",
    )
    group.addoption(
        "--ciba-max-examples",
        dest="ciba_suite_max_examples",
        type=int,
        default=10,
        help="generated requests per schemathesis test (default 10)",
    )


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> Iterator[Target]:
    """The API under test; the bundled reference server unless a base URL is given."""
    values = {name: pytestconfig.getoption(f"ciba_suite_{name}") for _, name, _ in _OPTIONS}
    from ciba_contracts.suite.runner import resolve_target

    try:
        with resolve_target(values) as built:
            yield built
    except TargetError as exc:
        raise pytest.UsageError(f"ciba-contracts: {exc}") from None


@pytest.fixture(scope="session")
def max_examples(pytestconfig: pytest.Config) -> int:
    """How many generated requests each schemathesis test sends."""
    return int(pytestconfig.getoption("ciba_suite_max_examples"))


@pytest.fixture(scope="session")
def ticket_ttl(pytestconfig: pytest.Config) -> float | None:
    """The target's ticket lifetime in seconds, when the run was told it (None otherwise)."""
    given = pytestconfig.getoption("ciba_suite_ticket_ttl")
    if given is None:
        raw = os.environ.get("CIBA_TICKET_TTL")
        if raw:
            try:
                given = float(raw)
            except ValueError:
                raise pytest.UsageError(f"CIBA_TICKET_TTL must be a number, not {raw!r}") from None
    if given is not None and not given > 0:
        raise pytest.UsageError("the ticket lifetime must be a positive number of seconds")
    return None if given is None else float(given)


@pytest.fixture(scope="session")
def external_target(pytestconfig: pytest.Config) -> bool:
    """Whether the run checks a server of its own (a base URL) rather than the bundled one."""
    return bool(pytestconfig.getoption("ciba_suite_base_url") or os.environ.get("CIBA_BASE_URL"))
