"""The ``action`` values of the CIBA APIs' responses, as the vendor's SDK names them.

A typed enum for code that branches on an answer (the reference server, the live
suite, users' own code). The schema files stay the source of truth: a test holds
these members to the schemas' ``action`` enums.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Action", "AuthenticationAction", "CompleteAction", "FailAction"]


class Action(StrEnum):
    """What the authorization server does next (``action``)."""

    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    INVALID_TICKET = "INVALID_TICKET"
    OK = "OK"


class AuthenticationAction(StrEnum):
    """``action`` of the ``/backchannel/authentication`` response."""

    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    BAD_REQUEST = "BAD_REQUEST"
    UNAUTHORIZED = "UNAUTHORIZED"
    USER_IDENTIFICATION = "USER_IDENTIFICATION"


class FailAction(StrEnum):
    """``action`` of the ``/backchannel/authentication/fail`` response."""

    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    BAD_REQUEST = "BAD_REQUEST"
    FORBIDDEN = "FORBIDDEN"


class CompleteAction(StrEnum):
    """``action`` of the ``/backchannel/authentication/complete`` response."""

    SERVER_ERROR = "SERVER_ERROR"
    NO_ACTION = "NO_ACTION"
    NOTIFICATION = "NOTIFICATION"
