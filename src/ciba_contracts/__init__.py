"""The contract of Authlete's CIBA issue API, and the checks that hold payloads to it.

>>> from ciba_contracts import validate
>>> [f.rule for f in validate(b'{"action": "OK"}', profile="sdk")]
[]
"""

from ciba_contracts.contract import (
    RULES,
    Action,
    BackchannelAuthenticationIssueResponse,
    Profile,
    Rule,
    Severity,
)
from ciba_contracts.validate import Finding, Validator, get_validator, validate, validate_result

__version__ = "0.1.0"

__all__ = [
    "RULES",
    "Action",
    "BackchannelAuthenticationIssueResponse",
    "Finding",
    "Profile",
    "Rule",
    "Severity",
    "Validator",
    "__version__",
    "get_validator",
    "validate",
    "validate_result",
]
