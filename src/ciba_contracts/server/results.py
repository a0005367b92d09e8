"""Every ``resultCode`` the reference server can answer, in one table.

Authlete's codes are a letter, a three-digit API number and a three-digit
number within that API (``A183001``: API 183, ``/backchannel/authentication/issue``).
Messages start with ``[code]``. Codes the vendor documents keep their documented
meaning; the others are invented in the same style and never reuse a documented
code for a different meaning.
"""

from __future__ import annotations

import enum
from typing import Final

__all__ = ["AUTHENTICATION_API", "ISSUE_API", "Result"]

AUTHENTICATION_API: Final = "/backchannel/authentication"
ISSUE_API: Final = "/backchannel/authentication/issue"


class Result(enum.Enum):
    """A result code with its message template (``str.format`` fields: ``api``, ``detail``)."""

    # Generic API-level answers (documented codes: A001101, A001202).
    SERVER_ERROR = ("A001101", "{api}, Authlete Server error.")
    AUTHORIZATION_MISSING = ("A001202", "{api}, Authorization header is missing.")
    CREDENTIALS_INVALID = (
        "A001203",
        "{api}, The credentials in the Authorization header are invalid.",
    )
    AUTHORIZATION_SCHEME = ("A001204", "{api}, This API requires {detail} authentication.")
    BODY_TOO_LARGE = ("A001205", "{api}, The request body is larger than {detail} bytes.")
    NOT_FOUND = ("A001206", "No API is available at the requested path.")
    METHOD_NOT_ALLOWED = ("A001207", "{api}, The HTTP method is not allowed; use {detail}.")

    # /backchannel/authentication (documented: A179001).
    AUTHENTICATION_OK = (
        "A179001",
        "The backchannel authentication request was processed successfully.",
    )
    AUTHENTICATION_BODY_MALFORMED = ("A179201", "{api}, The request body is malformed: {detail}.")
    AUTHENTICATION_PARAMETERS_MISSING = ("A179202", "{api}, The request has no 'parameters'.")
    AUTHENTICATION_FIELD_TYPE = ("A179203", "{api}, '{detail}' has the wrong type.")
    AUTHENTICATION_INVALID_REQUEST = (
        "A179301",
        "{api}, The backchannel authentication request is invalid: {detail}.",
    )
    AUTHENTICATION_INVALID_SCOPE = (
        "A179302",
        "{api}, The backchannel authentication request does not include the 'openid' scope.",
    )
    AUTHENTICATION_CLIENT_UNAUTHORIZED = (
        "A179303",
        "{api}, Client authentication failed: {detail}.",
    )

    # /backchannel/authentication/issue (documented: A183001).
    ISSUE_OK = ("A183001", "An auth_req_id was issued successfully.")
    ISSUE_STORE_FAILED = ("A183101", "{api}, The ticket could not be looked up.")
    ISSUE_BODY_MALFORMED = ("A183201", "{api}, The request body is malformed: {detail}.")
    ISSUE_TICKET_MISSING = ("A183202", "{api}, The request has no 'ticket'.")
    ISSUE_TICKET_TYPE = ("A183203", "{api}, 'ticket' must be a non-empty string.")
    ISSUE_TICKET_UNKNOWN = ("A183301", "{api}, The ticket does not exist or has been used.")
    ISSUE_TICKET_EXPIRED = ("A183302", "{api}, The ticket has expired.")

    @property
    def code(self) -> str:
        """The bare code, e.g. ``A183001``."""
        code: str = self.value[0]
        return code

    def message(self, api: str = "", detail: str = "") -> str:
        """The ``resultMessage``: ``[code]`` followed by the filled-in template."""
        template: str = self.value[1]
        return f"[{self.code}] {template.format(api=api, detail=detail)}"

    def body(self, api: str = "", detail: str = "") -> dict[str, str]:
        """The ``result`` object Authlete answers with on 4xx/5xx."""
        return {"resultCode": self.code, "resultMessage": self.message(api, detail)}
