"""The HTTP client hooks, at the import path the documentation has always used.

They live in :mod:`ciba_contracts.testing.hooks`, beside the pytest plugin and
the schemathesis checks; this module only re-exports them, under the names that
module lists (so the two cannot drift apart).
"""

from ciba_contracts.testing.hooks import *  # noqa: F403
from ciba_contracts.testing.hooks import __all__ as __all__
