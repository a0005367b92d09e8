"""Every ``resultCode`` the reference server can answer, in one table.

Authlete's codes are a letter, a three-digit API number and a three-digit
number within that API (``A183001``: API 183, ``/backchannel/authentication/issue``).
Messages start with ``[code]``. Where Authlete documents a code for a case
(``schemas/authlete-result-codes.json``), the stand-in answers with that code and
its documented message; the others are invented in the same style and never
reuse a documented code for a different meaning.
"""

from __future__ import annotations

import enum
from typing import Final

__all__ = ["AUTHENTICATION_API", "COMPLETE_API", "FAIL_API", "ISSUE_API", "Result"]

AUTHENTICATION_API: Final = "/backchannel/authentication"
ISSUE_API: Final = "/backchannel/authentication/issue"
FAIL_API: Final = "/backchannel/authentication/fail"
COMPLETE_API: Final = "/backchannel/authentication/complete"


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
    # Cases Authlete documents a code for (schemas/authlete-result-codes.json).
    AUTHENTICATION_PARAMETER_REPEATED = (
        "A023306",
        "The request parameter '{detail}' is included in the request more than once.",
    )
    AUTHENTICATION_NO_SCOPE = (
        "A176301",
        "The backchannel authentication request does not contain the 'scope' request "
        "parameter or its value is empty.",
    )
    AUTHENTICATION_NO_HINT = (
        "A174301",
        "The backchannel authentication request does not contain any hint.",
    )
    AUTHENTICATION_HINTS = (
        "A174302",
        "The backchannel authentication request contains multiple hints.",
    )
    AUTHENTICATION_EXPIRY_TYPE = (
        "A201301",
        "The value of the 'requested_expiry' request parameter is not an integer.",
    )
    AUTHENTICATION_EXPIRY_RANGE = (
        "A201302",
        "The value of the 'requested_expiry' request parameter must be a positive integer.",
    )
    AUTHENTICATION_HINT_NOT_JOSE = (
        "A175301",
        "The value of the 'id_token_hint' request parameter contained in the backchannel "
        "authentication request failed to be parsed as JOSE.",
    )
    AUTHENTICATION_HINT_NO_SUB = (
        "A175310",
        "The payload of the 'id_token_hint' does not contain the 'sub' claim.",
    )
    AUTHENTICATION_REQUEST_OBJECT = (
        "A167309",
        "Use of the 'request' request parameter is not allowed because the "
        "'backchannel_authentication_request_signing_alg' metadata of the client is not set.",
    )
    AUTHENTICATION_NO_CLIENT = (
        "A168309",
        "The backchannel authentication request does not include any clue to identify the "
        "client application with. Adding the 'client_id' request parameter may solve this "
        "problem.",
    )

    # /backchannel/authentication/issue: the codes and messages Authlete documents
    # (schemas/authlete-result-codes.json); only a malformed body has an own code.
    ISSUE_OK = ("A183001", "An auth_req_id was issued successfully.")
    ISSUE_STORE_FAILED = ("A182101", "Failed to issue an 'auth_req_id' due to a database error.")
    ISSUE_BODY_MALFORMED = ("A183201", "{api}, The request body is malformed: {detail}.")
    ISSUE_TICKET_MISSING = (
        "A182201",
        "The request to /api/backchannel/authentication/issue API does not contain the "
        "'ticket' request parameter or its value is empty.",
    )
    ISSUE_TICKET_UNKNOWN = ("A181201", "The ticket does not exist.")
    ISSUE_TICKET_EXPIRED = ("A181203", "The ticket has already expired.")
    ISSUE_TICKET_CONSUMED = (
        "A181204",
        "The ticket has already been consumed by /api/backchannel/authentication/complete API.",
    )
    ISSUE_TICKET_USED = (
        "A181205",
        "The ticket has already been used to issue an auth_req_id by the previous API call.",
    )

    # Calls the vendor documents no code for: its generic client error.
    CLIENT_ERROR = ("A000201", "Client Error: {detail}")

    # /backchannel/authentication/fail.
    FAIL_OK = (
        "A185001",
        "Successfully generated an error response for the backchannel authentication request.",
    )

    # /backchannel/authentication/complete.
    COMPLETE_TICKET_MISSING = (
        "A186201",
        "The 'ticket' request parameter is missing or its value is empty.",
    )
    COMPLETE_RESULT_MISSING = ("A187201", "The mandatory request parameter 'result' is missing.")
    COMPLETE_TICKET_UNKNOWN = ("A196201", "The ticket is not found.")
    COMPLETE_TICKET_EXPIRED = ("A196202", "The ticket has already expired.")
    COMPLETE_TICKET_CONSUMED = (
        "A196203",
        "The ticket has already been consumed by the previous API call.",
    )
    COMPLETE_NOT_ISSUED = (
        "A196204",
        "No auth_req_id has been issued for the ticket. Call "
        "/api/backchannel/authentication/issue API with the ticket in advance before calling "
        "this API.",
    )
    COMPLETE_TOKENS_LATER = (
        "A198001",
        "Successfully updated the database so that the token endpoint can generate tokens "
        "({detail}).",
    )
    COMPLETE_ERROR_LATER = (
        "A198002",
        "Successfully updated the database so that the token endpoint can generate an error "
        "response ({detail}).",
    )
    COMPLETE_TOKENS_PUSHED = (
        "A198003",
        "Successfully generated tokens that are to be delivered to the client notification "
        "endpoint ({detail}).",
    )
    COMPLETE_ERROR_PUSHED = (
        "A198004",
        "Successfully prepared an error content that is to be reported to the client "
        "notification endpoint ({detail}).",
    )

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
