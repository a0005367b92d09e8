"""The validator every entry point shares: payload in, findings out."""

from ciba_contracts.validate.engine import Validator, get_validator, validate, validate_result
from ciba_contracts.validate.finding import Finding

__all__ = ["Finding", "Validator", "get_validator", "validate", "validate_result"]
