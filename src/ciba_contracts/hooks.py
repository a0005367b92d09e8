"""The HTTP client hooks, at the import path the documentation has always used.

They live in :mod:`ciba_contracts.testing.hooks`, beside the pytest plugin and
the schemathesis checks; this module only re-exports them.
"""

from ciba_contracts.testing.hooks import (
    AsyncHttpxHook,
    ContractHook,
    HttpxHook,
    Policy,
    RequestsHook,
    ResponseRecord,
    async_httpx_hook,
    httpx_hook,
    requests_hook,
)

__all__ = [
    "AsyncHttpxHook",
    "ContractHook",
    "HttpxHook",
    "Policy",
    "RequestsHook",
    "ResponseRecord",
    "async_httpx_hook",
    "httpx_hook",
    "requests_hook",
]
