"""The contract as data: schema files, strictness levels and the rule catalog."""

from ciba_contracts.contract.actions import Action
from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.rules import RULES, Rule, Severity, UnknownRuleError, enabled_rules
from ciba_contracts.contract.schemas import (
    SCHEMA_BASE_URI,
    load_schema,
    openapi_document,
    schema_dir,
    schema_for,
)

__all__ = [
    "RULES",
    "SCHEMA_BASE_URI",
    "Action",
    "Profile",
    "Rule",
    "Severity",
    "UnknownRuleError",
    "enabled_rules",
    "load_schema",
    "openapi_document",
    "schema_dir",
    "schema_for",
]
