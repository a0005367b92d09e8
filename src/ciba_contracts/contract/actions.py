"""The ``action`` values of the issue response, as the vendor's SDK names them.

A typed enum for code that branches on an answer (the reference server, the live
suite, users' own code). The schema files stay the source of truth: a test holds
these members to the schema's ``action`` enum.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Action"]


class Action(StrEnum):
    """What the authorization server does next (``action``)."""

    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    INVALID_TICKET = "INVALID_TICKET"
    OK = "OK"
