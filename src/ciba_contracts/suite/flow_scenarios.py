"""Scenarios through the whole flow: authentication -> issue -> complete, and ``/fail``.

Each scenario walks the four APIs as an authorization server does, and every
answer on the way (authentication, issue, fail, complete) goes to the one
exchange checker with its API, at the target's level (see
:class:`~ciba_contracts.suite.probe.Probe`). Each then checks what the vendor's
text says the flow leads to, a rule of the catalog's live family (L409-L412).
The test client is the target's: its delivery mode is whatever the target
registered for it (the scenarios send no ``client_notification_token``), so
``/complete`` may answer ``NO_ACTION`` (poll) or ``NOTIFICATION``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import httpx

from ciba_contracts.contract.actions import CompleteAction, FailAction
from ciba_contracts.suite.probe import Probe

__all__ = ["FLOW_SCENARIOS"]

#: The actions with which ``/complete`` takes a flow: poll mode ``NO_ACTION``, ping and push
#: ``NOTIFICATION`` (the vendor: ``SERVER_ERROR`` means the call was wrong or Authlete failed).
_COMPLETED: Final = frozenset({CompleteAction.NO_ACTION.value, CompleteAction.NOTIFICATION.value})


def _completed(response: httpx.Response, payload: dict[str, Any]) -> bool:
    return response.status_code == 200 and payload.get("action") in _COMPLETED


def _issue_then_complete(probe: Probe) -> None:
    """authentication -> issue -> complete: ``/complete`` takes the issued ticket (L410).

    The complete API is called as the vendor describes the successful case:
    ``result=AUTHORIZED`` with the ``subject`` (the login hint's end-user). Its
    answer must be 200 with ``NO_ACTION`` or ``NOTIFICATION``; a 200 whose
    action is missing or unknown is the payload rules' finding, not this one's.
    """
    ticket = probe.issued_ticket()
    if ticket is None:
        return
    response, recorded, payload = probe.complete(ticket)
    action = payload.get("action")
    if response.status_code != 200 or action == CompleteAction.SERVER_ERROR:
        probe.broke(
            "issued-ticket-not-completed",
            recorded,
            response.status_code,
            detail=f"action {action}" if isinstance(action, str) else "no action",
            actual=response.status_code,
        )


def _completed_ticket_reissued(probe: Probe) -> None:
    """authentication -> issue -> complete -> issue: the consumed ticket gives no ``OK`` (L409).

    Authlete answers ``INVALID_TICKET`` with ``A181204`` ("The ticket has already
    been consumed by /api/backchannel/authentication/complete API."); any
    answer but ``OK`` keeps the contract. Skipped when ``/complete`` did not
    take the ticket (the issue-then-complete scenario reports that).
    """
    ticket = probe.issued_ticket()
    if ticket is None:
        return
    response, _, payload = probe.complete(ticket)
    if _completed(response, payload):
        probe.expect_refused(ticket, "completed-ticket-issued")


def _fail_took_the_ticket(response: httpx.Response, payload: dict[str, Any]) -> bool:
    """Whether ``/fail`` built its error, and so deleted the ticket given to it.

    The vendor: ``INTERNAL_SERVER_ERROR`` (for a reason other than ``SERVER_ERROR``)
    means "an error occurred on Authlete side, or the request parameters of the
    API call were wrong": nothing is known of the ticket then.
    """
    action = payload.get("action")
    return response.status_code == 200 and action in {
        FailAction.FORBIDDEN.value,
        FailAction.BAD_REQUEST.value,
    }


def _fail(probe: Probe) -> None:
    """authentication -> fail -> issue: the fail answer is checked, and the ticket is gone (L411).

    ``/fail`` is called as the backchannel authentication endpoint does when
    the end-user denies (``reason=ACCESS_DENIED``, the vendor's own example,
    which answers ``FORBIDDEN`` with ``{"error":"access_denied"}``); its answer
    goes to the payload rules (A140, A141). The vendor's documented outcome is
    that "the specified ticket is deleted from the database", so the issue API
    must then refuse it.
    """
    ticket = probe.ticket()
    response, _, payload = probe.abandon(ticket)
    if _fail_took_the_ticket(response, payload):
        probe.expect_refused(ticket, "failed-ticket-issued")


def _fail_after_issue(probe: Probe) -> None:
    """authentication -> issue -> fail -> complete: the deleted ticket completes nothing (L412).

    What the vendor states about ``/fail`` and a ticket whose ``auth_req_id``
    was already issued: nothing particular. Its one statement about the
    ticket ("If this request parameter is given and the ticket belongs to the
    service, the specified ticket is deleted from the database") has no other
    condition, and ``/fail`` is described only as building the error
    response. So the fail answer gets the same payload rules as any (A140,
    A141), and the deletion is checked where it shows: ``/complete`` reads
    "the record of the ticket" and must not answer ``NO_ACTION`` or
    ``NOTIFICATION`` without one (Authlete: ``A186202`` "No record that holds
    the ticket.", ``SERVER_ERROR``). A second ``/issue`` would tell nothing:
    the ticket was already used (``A181205``).
    """
    ticket = probe.issued_ticket()
    if ticket is None:
        return
    response, _, payload = probe.abandon(ticket)
    if not _fail_took_the_ticket(response, payload):
        return
    response, recorded, payload = probe.complete(ticket)
    if _completed(response, payload):
        probe.broke("failed-ticket-completed", recorded, 200, actual=payload.get("action"))


#: The flow scenarios, by name, in the order they run (after the issue API's own).
FLOW_SCENARIOS: Final[dict[str, Callable[[Probe], None]]] = {
    "issue then complete": _issue_then_complete,
    "completed ticket reissued": _completed_ticket_reissued,
    "fail": _fail,
    "fail after issue": _fail_after_issue,
}
