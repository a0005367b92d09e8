"""Every ``resultCode`` the reference server can answer, in one table.

Authlete's codes are a letter, a three-digit API number and a three-digit
number within that API (``A183001``: API 183, ``/backchannel/authentication/issue``).
Messages start with ``[code]``. Every code here is one Authlete documents
(``schemas/authlete-result-codes.json``), with its documented message and the
placeholders filled in, so the stand-in keeps result-code rules A190-A194 on
every API. Where the table names no code for a case, the stand-in answers with
the vendor's generic client error (``A000201 Client Error: {Error Message}``).
"""

from __future__ import annotations

import enum
from typing import Final

__all__ = ["AUTHENTICATION_API", "COMPLETE_API", "FAIL_API", "ISSUE_API", "Result"]

AUTHENTICATION_API: Final = "/backchannel/authentication"
ISSUE_API: Final = "/backchannel/authentication/issue"
FAIL_API: Final = "/backchannel/authentication/fail"
COMPLETE_API: Final = "/backchannel/authentication/complete"


@enum.unique
class Result(enum.Enum):
    """A result code with its message template (``str.format`` fields: ``api``, ``detail``)."""

    # Generic API-level answers: Authlete's A001xxx/A003xxx, and its generic client
    # error (A000201) where the table names no case of its own.
    SERVER_ERROR = ("A001101", "{api}, Authlete Server error.")
    AUTHORIZATION_MISSING = ("A001202", "{api}, Authorization header is missing.")
    # The documented message ends with the header's value; the stand-in shows only its
    # scheme there, since the rest is a credential.
    AUTHORIZATION_MALFORMED = (
        "A001203",
        "{api}, Credentials in Authorization header are malformed: {detail}",
    )
    CREDENTIALS_INVALID = (
        "A003204",
        "{api}, The API credentials do not match those of the service (API Key = {detail}).",
    )
    BODY_TOO_LARGE = (
        "A000201",
        "Client Error: {api}, the request body is larger than {detail} bytes.",
    )
    BODY_MALFORMED = ("A000201", "Client Error: {api}, the request body is malformed: {detail}.")
    NOT_FOUND = ("A000201", "Client Error: no API is available at {detail}.")
    METHOD_NOT_ALLOWED = (
        "A000201",
        "Client Error: {api}, the HTTP method is not allowed; use {detail}.",
    )
    #: Calls the vendor documents no code for: its generic client error.
    CLIENT_ERROR = ("A000201", "Client Error: {detail}")

    # /backchannel/authentication.
    AUTHENTICATION_OK = (
        "A179001",
        "The backchannel authentication request was processed successfully.",
    )
    AUTHENTICATION_PARAMETERS_MISSING = (
        "A166201",
        "The API call does not contain the 'parameters' request parameter.",
    )
    AUTHENTICATION_PARAMETERS_MALFORMED = (
        "A166202",
        "The format of the 'parameters' request parameter passed to this API does not conform "
        "to application/x-www-form-urlencoded.",
    )
    AUTHENTICATION_FIELD_TYPE = ("A000201", "Client Error: {api}, '{detail}' has the wrong type.")
    AUTHENTICATION_MANDATORY_SCOPE = (
        "A176304",
        "The backchannel authentication request does not include the mandatory scope '{detail}'.",
    )
    AUTHENTICATION_NO_SECRET = (
        "A157304",
        "The client authentication method is '{detail}' but the request does not include a "
        "client secret.",
    )
    AUTHENTICATION_SECRET_MISMATCH = (
        "A157305",
        "The client secret presented by the client does not match the expected one.",
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
    # (schemas/authlete-result-codes.json).
    ISSUE_OK = ("A183001", "An auth_req_id was issued successfully.")
    ISSUE_STORE_FAILED = ("A182101", "Failed to issue an 'auth_req_id' due to a database error.")
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
