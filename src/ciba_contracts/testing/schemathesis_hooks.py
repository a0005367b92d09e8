"""The rule catalog as schemathesis checks, for teams that already run ``st run``.

Load it with schemathesis's hooks variable and the checks join the built-in ones::

    SCHEMATHESIS_HOOKS=ciba_contracts.testing.schemathesis_hooks \\
    CIBA_CONTRACTS_PROFILE=ciba \\
    st run schemas/openapi/issue.openapi.yaml --url http://127.0.0.1:8000 \\
        --header "Authorization: Bearer reference-token" --checks all

One check is registered, ``ciba_contract``, on the responses of the issue API
only (``POST .../backchannel/authentication/issue``, chosen by
:func:`ciba_contracts.selection.is_issue_call`). Each answer goes to the one
exchange checker, as recorded traffic does: a documented status (H301
otherwise), the media type (H302), then the body (a 200 as a
``BackchannelAuthenticationIssueResponse``; a 400, 401, 403, 429 or 500 as a
``result`` object). Responses of other operations are skipped. A failure is a
:class:`~ciba_contracts.violations.ContractViolation` whose message lists every
finding (rule code, pointer, message, value), which schemathesis prints as is.

Settings come from the environment, read at each check so a single process can
change them between runs:

``CIBA_CONTRACTS_PROFILE``  ``sdk``, ``authlete`` (default) or ``ciba``
``CIBA_CONTRACTS_SELECT``   comma-separated rule codes, prefixes or names to check
``CIBA_CONTRACTS_IGNORE``   comma-separated rules to leave out
``CIBA_CONTRACTS_ISSUE_PATH``  a regex replacing the issue-path selection
"""

from __future__ import annotations

import functools
import os
import re
from typing import Any, Final

import schemathesis

from ciba_contracts.check.exchange import check_exchange
from ciba_contracts.contract.apis import ISSUE_API
from ciba_contracts.contract.profiles import Profile
from ciba_contracts.selection import is_issue_call
from ciba_contracts.testing.checking import answer_kind, response_info
from ciba_contracts.violations import ContractViolation

__all__ = [
    "IGNORE_ENV",
    "PATH_ENV",
    "PROFILE_ENV",
    "SELECT_ENV",
    "ciba_contract",
]

PROFILE_ENV: Final = "CIBA_CONTRACTS_PROFILE"
SELECT_ENV: Final = "CIBA_CONTRACTS_SELECT"
IGNORE_ENV: Final = "CIBA_CONTRACTS_IGNORE"
PATH_ENV: Final = "CIBA_CONTRACTS_ISSUE_PATH"
DEFAULT_PROFILE: Final = Profile.AUTHLETE.value


@functools.lru_cache(maxsize=8)
def _pattern(text: str) -> re.Pattern[str] | None:
    return re.compile(text) if text else None


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


@schemathesis.check
def ciba_contract(ctx: Any, response: Any, case: Any) -> bool | None:
    """An issue-API answer keeps the CIBA contract: status, media type and body."""
    __tracebackhide__ = True
    info = response_info(response)
    if not is_issue_call(info.method or "", info.url or "", _pattern(_env(PATH_ENV) or "")):
        return True
    profile = Profile.parse(_env(PROFILE_ENV) or DEFAULT_PROFILE)
    exchange = info.exchange()
    findings = check_exchange(exchange, profile, _env(SELECT_ENV), _env(IGNORE_ENV), api=ISSUE_API)
    if any(f.is_error for f in findings):
        raise ContractViolation(
            findings,
            kind=answer_kind(exchange, ISSUE_API),
            profile=profile.value,
            subject=info.describe(),
        )
    return None
