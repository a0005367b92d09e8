"""The contract of Authlete's CIBA issue API, and the checks that hold payloads to it.

>>> from ciba_contracts import validate
>>> [f.rule for f in validate(b'{"action": "OK"}', profile="sdk")]
[]
"""

from ciba_contracts.check import check_exchange
from ciba_contracts.contract import RULES, Action, Profile, Rule, Severity
from ciba_contracts.exchange import Exchange, Location
from ciba_contracts.models import BackchannelAuthenticationIssueResponse
from ciba_contracts.validate import Finding, Validator, get_validator, validate, validate_result
from ciba_contracts.version import __version__

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
