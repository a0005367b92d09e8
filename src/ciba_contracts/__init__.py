"""The contract of Authlete's CIBA issue API, and the checks that hold payloads to it.

>>> from ciba_contracts import validate
>>> [f.rule for f in validate(b'{"action": "OK"}', profile="sdk")]
[]
"""

from typing import TYPE_CHECKING, Any

from ciba_contracts.check import check_exchange
from ciba_contracts.contract import RULES, Action, Profile, Rule, Severity
from ciba_contracts.exchange import Exchange, Location
from ciba_contracts.validate import Finding, Validator, get_validator, validate, validate_result
from ciba_contracts.version import __version__

if TYPE_CHECKING:
    from ciba_contracts.models import BackchannelAuthenticationIssueResponse

__all__ = [
    "RULES",
    "Action",
    "BackchannelAuthenticationIssueResponse",
    "Exchange",
    "Finding",
    "Location",
    "Profile",
    "Rule",
    "Severity",
    "Validator",
    "__version__",
    "check_exchange",
    "get_validator",
    "validate",
    "validate_result",
]


def __getattr__(name: str) -> Any:
    # The SDK models are dataclasses that take a while to build, and the command line and
    # the checkers never use them: they are imported when first asked for.
    if name == "BackchannelAuthenticationIssueResponse":
        from ciba_contracts.models import BackchannelAuthenticationIssueResponse

        return BackchannelAuthenticationIssueResponse
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
