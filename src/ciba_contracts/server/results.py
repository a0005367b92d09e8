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
import functools
from typing import Final

from ciba_contracts.contract.result_codes import message_parts

__all__ = ["AUTHENTICATION_API", "COMPLETE_API", "FAIL_API", "ISSUE_API", "Result"]

AUTHENTICATION_API: Final = "/backchannel/authentication"
ISSUE_API: Final = "/backchannel/authentication/issue"
FAIL_API: Final = "/backchannel/authentication/fail"
COMPLETE_API: Final = "/backchannel/authentication/complete"


@enum.unique
class Result(enum.Enum):
    """A result code, and what fills each placeholder of the message Authlete documents for it.

    The message is read from ``schemas/authlete-result-codes.json``; each fill is a
    ``str.format`` template of the fields ``api`` and ``detail`` (and ``mode`` and
    ``result`` for ``/complete``), in the order of the placeholders. Where the table names
    no code for a case, ``A000201``'s ``{Error Message}`` is filled with a sentence of the
    stand-in's own.
    """

    # Generic API-level answers: Authlete's A001xxx/A003xxx, and its generic client
    # error (A000201) where the table names no case of its own.
    SERVER_ERROR = ("A001101", ("{api}",))
    AUTHORIZATION_MISSING = ("A001202", ("{api}",))
    # The documented message ends with the header's value; the stand-in shows only its
    # scheme there, since the rest is a credential.
    AUTHORIZATION_MALFORMED = ("A001203", ("{api}", "{detail}"))
    CREDENTIALS_INVALID = ("A003204", ("{api}", "{detail}"))
    BODY_TOO_LARGE = ("A000201", ("{api}, the request body is larger than {detail} bytes.",))
    BODY_MALFORMED = ("A000201", ("{api}, the request body is malformed: {detail}.",))
    NOT_FOUND = ("A000201", ("no API is available at {detail}.",))
    METHOD_NOT_ALLOWED = ("A000201", ("{api}, the HTTP method is not allowed; use {detail}.",))
    #: Calls the vendor documents no code for: its generic client error.
    CLIENT_ERROR = ("A000201", ("{detail}",))

    # /backchannel/authentication.
    AUTHENTICATION_OK = ("A179001", ())
    AUTHENTICATION_PARAMETERS_MISSING = ("A166201", ())
    AUTHENTICATION_PARAMETERS_MALFORMED = ("A166202", ())
    AUTHENTICATION_FIELD_TYPE = ("A000201", ("{api}, '{detail}' has the wrong type.",))
    AUTHENTICATION_MANDATORY_SCOPE = ("A176304", ("{detail}",))
    AUTHENTICATION_NO_SECRET = ("A157304", ("{detail}",))
    AUTHENTICATION_SECRET_MISMATCH = ("A157305", ())
    # Cases Authlete documents a code for (schemas/authlete-result-codes.json).
    AUTHENTICATION_PARAMETER_REPEATED = ("A023306", ("{detail}",))
    AUTHENTICATION_NO_SCOPE = ("A176301", ())
    AUTHENTICATION_NO_HINT = ("A174301", ())
    AUTHENTICATION_HINTS = ("A174302", ())
    AUTHENTICATION_EXPIRY_TYPE = ("A201301", ())
    AUTHENTICATION_EXPIRY_RANGE = ("A201302", ())
    AUTHENTICATION_HINT_NOT_JOSE = ("A175301", ())
    AUTHENTICATION_HINT_NO_SUB = ("A175310", ())
    AUTHENTICATION_REQUEST_OBJECT = ("A167309", ())
    AUTHENTICATION_NO_CLIENT = ("A168309", ())

    # /backchannel/authentication/issue: the codes and messages Authlete documents
    # (schemas/authlete-result-codes.json).
    ISSUE_OK = ("A183001", ())
    ISSUE_STORE_FAILED = ("A182101", ())
    ISSUE_TICKET_MISSING = ("A182201", ())
    ISSUE_TICKET_UNKNOWN = ("A181201", ())
    ISSUE_TICKET_EXPIRED = ("A181203", ())
    ISSUE_TICKET_CONSUMED = ("A181204", ())
    ISSUE_TICKET_USED = ("A181205", ())

    # /backchannel/authentication/fail.
    FAIL_OK = ("A185001", ())

    # /backchannel/authentication/complete.
    COMPLETE_TICKET_MISSING = ("A186201", ())
    COMPLETE_RESULT_MISSING = ("A187201", ())
    COMPLETE_TICKET_UNKNOWN = ("A196201", ())
    COMPLETE_TICKET_EXPIRED = ("A196202", ())
    COMPLETE_TICKET_CONSUMED = ("A196203", ())
    COMPLETE_NOT_ISSUED = ("A196204", ())
    COMPLETE_TOKENS_LATER = ("A198001", ("{mode}", "{result}"))
    COMPLETE_ERROR_LATER = ("A198002", ("{mode}", "{result}"))
    COMPLETE_TOKENS_PUSHED = ("A198003", ("{mode}", "{result}"))
    COMPLETE_ERROR_PUSHED = ("A198004", ("{mode}", "{result}"))

    @property
    def code(self) -> str:
        """The bare code, e.g. ``A183001``."""
        code: str = self.value[0]
        return code

    @property
    def template(self) -> str:
        """The documented message with this member's fills in its placeholders."""
        return _template(self.code, self.value[1])

    def message(self, api: str = "", detail: str = "", **fields: str) -> str:
        """The ``resultMessage``: ``[code]`` followed by the filled-in template."""
        return f"[{self.code}] {self.template.format(api=api, detail=detail, **fields)}"

    def body(self, api: str = "", detail: str = "", **fields: str) -> dict[str, str]:
        """The ``result`` object Authlete answers with on 4xx/5xx."""
        return {"resultCode": self.code, "resultMessage": self.message(api, detail, **fields)}


@functools.cache
def _template(code: str, fills: tuple[str, ...]) -> str:
    parts = message_parts(code)
    if parts is None:
        raise ValueError(f"{code} is not a code Authlete documents")
    if len(parts) != len(fills) + 1:
        raise ValueError(f"{code}'s documented message has {len(parts) - 1} placeholder(s)")
    # The documented text is literal: its braces, if any, must not read as fields.
    literal = [part.replace("{", "{{").replace("}", "}}") for part in parts]
    return literal[0] + "".join(fill + part for fill, part in zip(fills, literal[1:], strict=True))
