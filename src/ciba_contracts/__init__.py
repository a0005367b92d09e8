"""The contract of Authlete's CIBA issue API, and the checks that hold payloads to it.

>>> from ciba_contracts import validate
>>> [f.rule for f in validate(b'{"action": "OK"}', profile="sdk")]
[]

The public names are imported on first use: pytest imports this package in
every session through the plugin entry point, and the rule catalog and the
validator should cost nothing to a session that does not use them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ciba_contracts.contract import (
        RULES,
        Action,
        BackchannelAuthenticationIssueResponse,
        Profile,
        Rule,
        Severity,
    )
    from ciba_contracts.validate import (
        Finding,
        Validator,
        get_validator,
        validate,
        validate_result,
    )

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_HOMES = {
    "RULES": "ciba_contracts.contract",
    "Action": "ciba_contracts.contract",
    "BackchannelAuthenticationIssueResponse": "ciba_contracts.contract",
    "Profile": "ciba_contracts.contract",
    "Rule": "ciba_contracts.contract",
    "Severity": "ciba_contracts.contract",
    "Finding": "ciba_contracts.validate",
    "Validator": "ciba_contracts.validate",
    "get_validator": "ciba_contracts.validate",
    "validate": "ciba_contracts.validate",
    "validate_result": "ciba_contracts.validate",
}

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
