"""The rule catalog as schemathesis checks, for teams that already run ``st run``.

Load it with schemathesis's hooks variable and the checks join the built-in ones::

    SCHEMATHESIS_HOOKS=ciba_contracts.testing.schemathesis_hooks \\
    CIBA_CONTRACTS_PROFILE=ciba \\
    st run schemas/openapi/issue.openapi.yaml --url http://127.0.0.1:8000 \\
        --header "Authorization: Bearer reference-token" --checks all

Two checks are registered, both on the responses of the issue API only
(``POST .../backchannel/authentication/issue``, chosen by
:func:`ciba_contracts.selection.is_issue_call`):

``ciba_issue_response_contract``
    a 200 body is a ``BackchannelAuthenticationIssueResponse`` keeping the
    contract at the profile;
``ciba_result_contract``
    a 400, 401, 403 or 500 body is a ``result`` object keeping it.

Responses of other operations, and other statuses, are skipped. A failure is a
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

from ciba_contracts.contract.profiles import Profile
from ciba_contracts.selection import is_issue_call, kind_for_status
from ciba_contracts.testing.checking import response_info
from ciba_contracts.validate.engine import get_validator
from ciba_contracts.violations import ContractViolation

__all__ = [
    "IGNORE_ENV",
    "PATH_ENV",
    "PROFILE_ENV",
    "SELECT_ENV",
    "ciba_issue_response_contract",
    "ciba_result_contract",
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


def _check(response: Any, expected_kind: str) -> bool | None:
    """Run the shared validator on one schemathesis response; True means "not applicable"."""
    __tracebackhide__ = True
    info = response_info(response)
    if not is_issue_call(info.method or "", info.url or "", _pattern(_env(PATH_ENV) or "")):
        return True
    if kind_for_status(info.status) != expected_kind:
        return True
    profile = _env(PROFILE_ENV) or DEFAULT_PROFILE
    validator = get_validator(profile, _env(SELECT_ENV), _env(IGNORE_ENV), kind=expected_kind)
    findings = validator.validate(info.body)
    if any(f.is_error for f in findings):
        raise ContractViolation(
            findings,
            kind=expected_kind,
            profile=validator.profile.value,
            subject=info.describe(),
        )
    return None


@schemathesis.check
def ciba_issue_response_contract(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 200 answer of the issue API holds an issue response that keeps the CIBA contract."""
    return _check(response, "issue-response")


@schemathesis.check
def ciba_result_contract(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 400/401/403/500 answer of the issue API holds a ``result`` object keeping the contract."""
    return _check(response, "result")
