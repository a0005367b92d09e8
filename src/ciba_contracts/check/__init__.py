"""The one exchange checker behind every entry point (see :mod:`ciba_contracts.check.exchange`)."""

from ciba_contracts.check.exchange import ExchangeChecker, check_exchange, input_finding, media_type

__all__ = ["ExchangeChecker", "check_exchange", "input_finding", "media_type"]
