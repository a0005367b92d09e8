"""A reference stand-in for Authlete's CIBA APIs, plus named faults that break the contract.

Typical use in a test::

    from ciba_contracts.server import ServerConfig, running_server

    with running_server(ServerConfig().with_faults("zero-interval")) as url:
        ...  # POST to f"{url}/api/1/backchannel/authentication/issue"
"""

from ciba_contracts.server.app import CONFIG_ENV, create_app, create_app_from_env, make_store
from ciba_contracts.server.config import DEFAULT_BASIC, DEFAULT_TOKEN, MAX_BODY_BYTES, ServerConfig
from ciba_contracts.server.faults import (
    FAULTS,
    Fault,
    UnknownFaultError,
    fault_names,
    get_fault,
    iter_faults,
)
from ciba_contracts.server.results import Result
from ciba_contracts.server.runner import running_server
from ciba_contracts.server.tickets import (
    MemoryTicketStore,
    SqliteTicketStore,
    TicketStatus,
    TicketStore,
)

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_BASIC",
    "DEFAULT_TOKEN",
    "FAULTS",
    "MAX_BODY_BYTES",
    "Fault",
    "MemoryTicketStore",
    "Result",
    "ServerConfig",
    "SqliteTicketStore",
    "TicketStatus",
    "TicketStore",
    "UnknownFaultError",
    "create_app",
    "create_app_from_env",
    "fault_names",
    "get_fault",
    "iter_faults",
    "make_store",
    "running_server",
]
