"""``relay-test``: does an authorization server relay Authlete's answers as ``action`` says?"""

from ciba_contracts.relay.runner import (
    DEFAULT_TIME_BUDGET,
    RelayOptions,
    RelayRound,
    RelayTestError,
    relay_rounds,
    run_relay_test,
)

__all__ = [
    "DEFAULT_TIME_BUDGET",
    "RelayOptions",
    "RelayRound",
    "RelayTestError",
    "relay_rounds",
    "run_relay_test",
]
