"""Named faults: each makes the reference server break one promise of the contract.

A fault exists to prove that a check catches it, so each one changes exactly one
observable thing and names the rule of the project's catalog it is meant to
trip, by the rule's name (``expires-in-type``, ``ticket-redeemed-twice``...):
payload rules, the HTTP layer's and the live family's alike.
Where a fault necessarily breaks a second rule too, the project's catalog marks
that rule ``implied_by`` the first, so a checker reports one finding per fault.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from ciba_contracts.contract.rules import Rule

__all__ = [
    "FAULTS",
    "Fault",
    "UnknownFaultError",
    "fault_names",
    "get_fault",
    "iter_faults",
    "validate_fault_names",
]


@dataclass(frozen=True)
class Fault:
    """One way of breaking the contract.

    ``rule_name`` names the catalog rule the fault is meant to trip; ``breaks``
    says what changes; ``scope`` says which responses change; ``api`` names the
    API whose answers change (``issue``, ``authentication``, ``fail``,
    ``complete``; ``all`` for the HTTP layer of every API).
    """

    name: str
    rule_name: str
    breaks: str
    scope: str
    api: str = "issue"

    @property
    def rule(self) -> str:
        """The code of the rule the fault trips (``S003``, ``L402``...)."""
        return _catalog_rule(self.rule_name).code

    @property
    def level(self) -> str:
        """The lowest level whose checks catch it: ``sdk``, ``authlete`` or ``ciba``."""
        return _catalog_rule(self.rule_name).level.value

    @property
    def opt_in(self) -> bool:
        """Whether the rule is the project's own opinion, reported only when selected."""
        return _catalog_rule(self.rule_name).opt_in


def _catalog_rule(name: str) -> Rule:
    # Imported here: the catalog is read from rules.yaml, which listing or choosing
    # faults (the serve command's start-up) never needs.
    from ciba_contracts.contract.rules import rule_named

    return rule_named(name)


class UnknownFaultError(ValueError):
    """Raised for a fault name that is not in the catalog."""


_ISSUE_OK = "issue API, action OK"
_ISSUE_ALL = "issue API, every 200 answer"
_ISSUE_ERR = "issue API, INVALID_TICKET / INTERNAL_SERVER_ERROR"
_ISSUE_STATE = "issue API, ticket redemption"
_BOTH = "every API"
_AUTH_UI = "authentication API, USER_IDENTIFICATION"
_AUTH_ERR = "authentication API, BAD_REQUEST / UNAUTHORIZED / INTERNAL_SERVER_ERROR"
_FAIL = "fail API, every answer"
_NOTIFY = "complete API, NOTIFICATION"
_PUSH = "complete API, NOTIFICATION in push mode with AUTHORIZED"

_CATALOG: Final[tuple[Fault, ...]] = (
    # Payload shape (sdk level).
    Fault("payload-not-json", "payload-not-json", "the 200 body is truncated JSON", _ISSUE_ALL),
    Fault(
        "payload-not-object",
        "payload-not-object",
        "the 200 body is a JSON array holding the object",
        _ISSUE_ALL,
    ),
    Fault(
        "expires-in-string",
        "wrong-type",
        'expiresIn (and expires_in) is a string such as "600"',
        _ISSUE_OK,
    ),
    Fault(
        "expires-in-int32-overflow",
        "int32-range",
        "expiresIn (and expires_in) is 2147483648, outside int32",
        _ISSUE_OK,
    ),
    Fault(
        "unknown-action", "unknown-action", 'action is "ISSUED", not one of the enum', _ISSUE_ALL
    ),
    # Documented behaviour (authlete level).
    Fault("missing-action", "action-missing", "action is absent", _ISSUE_ALL),
    Fault("missing-result-code", "result-code-missing", "resultCode is absent", _ISSUE_ALL),
    Fault(
        "missing-result-message", "result-message-missing", "resultMessage is absent", _ISSUE_ALL
    ),
    Fault(
        "malformed-result-code",
        "result-code-format",
        "resultCode loses its last digit (A183001 becomes A18300); the message prefix follows it",
        _ISSUE_ALL,
    ),
    Fault(
        "unprefixed-result-message",
        "result-message-prefix",
        "resultMessage does not start with [resultCode]",
        _ISSUE_ALL,
    ),
    Fault("missing-auth-req-id", "auth-req-id-missing", "authReqId is absent on OK", _ISSUE_OK),
    Fault("missing-expires-in", "expires-in-missing", "expiresIn is absent on OK", _ISSUE_OK),
    Fault(
        "missing-response-content",
        "response-content-missing",
        "responseContent is absent on OK",
        _ISSUE_OK,
    ),
    Fault(
        "zero-expires-in",
        "expires-in-not-positive",
        "expiresIn and expires_in are 0",
        _ISSUE_OK,
    ),
    Fault(
        "negative-interval",
        "interval-negative",
        "interval and interval in responseContent are -1",
        _ISSUE_OK,
    ),
    Fault(
        "response-content-backslashes",
        "response-content-not-json",
        "responseContent has literal backslashes before quotes, like the vendor's example",
        _ISSUE_OK,
    ),
    Fault(
        "response-content-mismatch",
        "response-content-mismatch",
        "responseContent's auth_req_id differs from authReqId",
        _ISSUE_OK,
    ),
    Fault(
        "acknowledgement-missing-expires-in",
        "acknowledgement-malformed",
        "responseContent is a JSON object without expires_in",
        _ISSUE_OK,
    ),
    Fault(
        "internal-error-without-content",
        "error-content-missing",
        "an invalid ticket answers INTERNAL_SERVER_ERROR without responseContent",
        _ISSUE_ERR,
    ),
    Fault(
        "error-content-not-oauth",
        "error-body-invalid",
        'error responseContent is {"message": ...}, not an OAuth error object',
        _ISSUE_ERR,
    ),
    # CIBA Core 1.0 §7.3 (ciba level).
    Fault(
        "auth-req-id-charset",
        "auth-req-id-charset",
        "authReqId uses standard base64 (+, / and = padding)",
        _ISSUE_OK,
    ),
    Fault(
        "short-auth-req-id",
        "auth-req-id-entropy",
        "authReqId has 16 characters (96 bits), below 128 bits of entropy",
        _ISSUE_OK,
    ),
    Fault(
        "zero-interval",
        "interval-not-positive",
        "interval and interval in responseContent are 0",
        _ISSUE_OK,
    ),
    # The authentication API (documented behaviour; CIBA Core §13).
    Fault("missing-ticket", "ticket-missing", "ticket is absent", _AUTH_UI, "authentication"),
    Fault(
        "scopes-without-openid",
        "scopes-without-openid",
        "scopes lose openid",
        _AUTH_UI,
        "authentication",
    ),
    Fault(
        "authentication-error-without-content",
        "authentication-error-content-missing",
        "error answers have no responseContent",
        _AUTH_ERR,
        "authentication",
    ),
    Fault(
        "bad-request-error-code",
        "authentication-error-code",
        'BAD_REQUEST carries {"error": "access_denied"}, a code CIBA gives only with 403',
        "authentication API, BAD_REQUEST",
        "authentication",
    ),
    Fault(
        "unauthorized-error-code",
        "unauthorized-error-code",
        'UNAUTHORIZED carries {"error": "unauthorized_client"}, not invalid_client',
        "authentication API, UNAUTHORIZED",
        "authentication",
    ),
    # The fail API.
    Fault(
        "fail-without-content", "fail-content-missing", "responseContent is absent", _FAIL, "fail"
    ),
    Fault(
        "fail-wrong-error-code",
        "fail-error-code",
        'BAD_REQUEST and FORBIDDEN carry {"error": "invalid_request"}',
        "fail API, BAD_REQUEST / FORBIDDEN",
        "fail",
    ),
    # The complete API.
    Fault(
        "notification-without-endpoint",
        "notification-member-missing",
        "clientNotificationEndpoint is absent",
        _NOTIFY,
        "complete",
    ),
    Fault(
        "notification-in-poll-mode",
        "delivery-mode-action-mismatch",
        "poll-mode flows answer NOTIFICATION, not NO_ACTION",
        "complete API, poll mode",
        "complete",
    ),
    Fault(
        "push-without-tokens",
        "push-tokens-missing",
        "the push notification (token_type aside) and the answer carry no tokens and no error",
        _PUSH,
        "complete",
    ),
    Fault(
        "ping-notification-with-error",
        "ping-notification-extra",
        "the ping notification carries an error besides auth_req_id",
        "complete API, NOTIFICATION in ping mode",
        "complete",
    ),
    Fault(
        "notification-over-http",
        "notification-endpoint-not-https",
        "clientNotificationEndpoint is an http URL",
        _NOTIFY,
        "complete",
    ),
    Fault(
        "push-token-mismatch",
        "response-content-mismatch",
        "the push notification's id_token is another token than idToken",
        _PUSH,
        "complete",
    ),
    Fault(
        "push-without-token-type",
        "push-token-type-missing",
        "the push notification has no token_type",
        _PUSH,
        "complete",
    ),
    # Result codes (Authlete's table).
    Fault(
        "undocumented-result-code",
        "result-code-undocumented",
        "success answers carry A198009, a code Authlete does not document",
        "complete API, NO_ACTION / NOTIFICATION",
        "complete",
    ),
    Fault(
        "result-code-action-mismatch",
        "result-code-action-mismatch",
        "INVALID_TICKET answers carry A183001 and its success message",
        "issue API, INVALID_TICKET",
    ),
    # HTTP-level promises.
    Fault(
        "crash-on-bad-body",
        "content-type-not-json",
        "a malformed body answers 500 text/plain with a traceback instead of 400 JSON",
        _BOTH,
        "all",
    ),
    Fault(
        "status-422",
        "status-undocumented",
        "a malformed body answers 422, a status the API does not document",
        _BOTH,
        "all",
    ),
    Fault(
        "html-content-type",
        "content-type-not-json",
        "200 answers carry Content-Type text/html;charset=UTF-8",
        _BOTH,
        "all",
    ),
    Fault(
        "missing-no-store",
        "no-store-missing",
        "answers carry neither Cache-Control: no-store nor Pragma: no-cache",
        _BOTH,
        "all",
    ),
    Fault(
        "ignore-credentials",
        "credentials-not-refused",
        "missing or wrong credentials are accepted (no 401)",
        _BOTH,
        "all",
    ),
    # Ticket state.
    Fault(
        "ticket-reuse",
        "ticket-redeemed-twice",
        "a ticket stays valid after it was redeemed",
        _ISSUE_STATE,
    ),
    Fault(
        "accept-unknown-ticket",
        "unknown-ticket-accepted",
        "a ticket that was never issued is accepted",
        _ISSUE_STATE,
    ),
    Fault(
        "accept-expired-ticket",
        "expired-ticket-accepted",
        "an expired ticket is accepted",
        _ISSUE_STATE,
    ),
    # The flow through /complete and /fail.
    Fault(
        "completed-ticket-issued",
        "completed-ticket-issued",
        "a ticket /complete consumed gives OK at the issue API again",
        "issue API, a ticket /complete consumed",
    ),
    Fault(
        "issued-ticket-not-completed",
        "issued-ticket-not-completed",
        "/complete answers SERVER_ERROR (A196204) as if no auth_req_id had been issued",
        "complete API, a ticket whose auth_req_id was issued",
        "complete",
    ),
    Fault(
        "failed-ticket-issued",
        "failed-ticket-issued",
        "/fail keeps the ticket: the issue API still gives OK for it",
        "issue API, a ticket given to /fail before /issue",
    ),
    Fault(
        "failed-ticket-completed",
        "failed-ticket-completed",
        "/fail after /issue keeps the flow: /complete still takes the ticket",
        "complete API, a ticket given to /fail after /issue",
        "complete",
    ),
)

FAULTS: Final[Mapping[str, Fault]] = MappingProxyType({fault.name: fault for fault in _CATALOG})
"""The catalog by name, in a stable order (payload rules first, then HTTP, state and flows)."""


def iter_faults() -> Iterator[Fault]:
    """Every fault, in catalog order."""
    return iter(_CATALOG)


def fault_names() -> tuple[str, ...]:
    """Every fault name, in catalog order."""
    return tuple(fault.name for fault in _CATALOG)


def get_fault(name: str) -> Fault:
    """The fault called ``name``; raises :class:`UnknownFaultError` if there is none."""
    try:
        return FAULTS[name]
    except KeyError:
        raise UnknownFaultError(
            f"unknown fault {name!r}; known faults: {', '.join(fault_names())}"
        ) from None


def validate_fault_names(names: Iterable[str]) -> frozenset[str]:
    """Check every name against the catalog and return them as a frozenset."""
    checked = frozenset(names)
    for name in sorted(checked):
        get_fault(name)
    return checked
