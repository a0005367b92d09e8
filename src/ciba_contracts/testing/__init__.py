"""Contract checks inside users' own test suites.

- :mod:`ciba_contracts.testing.pytest_plugin`: the ``ciba_contract`` fixture
  (active as soon as the package is installed).
- :mod:`ciba_contracts.testing.checking`: :class:`ContractChecker`, the same
  checks outside pytest.
- :mod:`ciba_contracts.testing.schemathesis_hooks`: the rules as schemathesis
  checks (``SCHEMATHESIS_HOOKS=ciba_contracts.testing.schemathesis_hooks``).
- :mod:`ciba_contracts.testing.hooks`: HTTP client hooks for httpx and requests
  (also importable as :mod:`ciba_contracts.hooks`).

Each of them builds an :class:`~ciba_contracts.exchange.Exchange` and hands it
to the one exchange checker. Hypothesis strategies live in
:mod:`ciba_contracts.strategies`. Nothing is imported eagerly: pytest imports
this package in every session, used or not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ciba_contracts.testing.checking import ContractChecker
    from ciba_contracts.violations import ContractViolation, ContractWarning

__all__ = ["ContractChecker", "ContractViolation", "ContractWarning"]


def __getattr__(name: str) -> Any:
    if name == "ContractChecker":
        from ciba_contracts.testing.checking import ContractChecker

        return ContractChecker
    if name in ("ContractViolation", "ContractWarning"):
        from ciba_contracts import violations

        return getattr(violations, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
