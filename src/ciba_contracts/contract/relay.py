"""What the authorization server returns to its client for each ``action``: the relay.

Read from ``schemas/relay.yaml``, so a status, a media type or the body an
action demands is stated once, there. The relay checker
(:mod:`ciba_contracts.check.relay`) and ``relay-test`` ask this module; neither
restates the table.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import msgspec

from ciba_contracts.contract.schemas import yaml_mapping

__all__ = [
    "BODY_OAUTH_ERROR",
    "BODY_RESPONSE_CONTENT",
    "RELAY_FILE",
    "Relay",
    "relay_for",
    "relays",
]

RELAY_FILE = "relay.yaml"
#: The body is ``responseContent``, equal as a JSON value.
BODY_RESPONSE_CONTENT = "response-content"
#: The AS writes an OAuth error object (RFC 6749 §5.2) itself.
BODY_OAUTH_ERROR = "oauth-error"
_BODIES = frozenset({BODY_RESPONSE_CONTENT, BODY_OAUTH_ERROR})


class Relay(msgspec.Struct, frozen=True):
    """What one action of one API demands of the AS's answer to its client.

    ``status`` is None for an action that answers no client (``next`` names the
    API the AS calls instead, e.g. ``USER_IDENTIFICATION`` -> ``issue``).
    """

    api: str
    action: str
    status: int | None
    body: str | None
    media_types: frozenset[str]
    no_store: bool
    challenge: bool = False
    next: str | None = None

    @property
    def answers_client(self) -> bool:
        """Whether this action ends in an answer to the client."""
        return self.status is not None


@functools.cache
def relays() -> Mapping[str, Mapping[str, Relay]]:
    """Every relay the table states: API name -> action -> :class:`Relay`."""
    doc = yaml_mapping(RELAY_FILE)
    common = doc.get("answer", {})
    media = frozenset(str(m).lower() for m in common.get("media_types", ()))
    no_store = bool(common.get("no_store", False))
    out: dict[str, Mapping[str, Relay]] = {}
    for api, entry in doc.get("apis", {}).items():
        actions: dict[str, Relay] = {}
        for action, raw in entry.get("actions", {}).items():
            actions[str(action)] = _relay(str(api), str(action), raw, media, no_store)
        out[str(api)] = MappingProxyType(actions)
    return MappingProxyType(out)


def _relay(api: str, action: str, raw: Any, media: frozenset[str], no_store: bool) -> Relay:
    if not isinstance(raw, Mapping):
        raise ValueError(f"{RELAY_FILE}: {api}.{action} is not a mapping")
    body = raw.get("body")
    if body is not None and body not in _BODIES:
        raise ValueError(f"{RELAY_FILE}: {api}.{action} has an unknown body {body!r}")
    status = raw.get("status")
    return Relay(
        api=api,
        action=action,
        status=None if status is None else int(status),
        body=None if body is None else str(body),
        media_types=media,
        no_store=no_store,
        challenge=bool(raw.get("challenge", False)),
        next=None if raw.get("next") is None else str(raw["next"]),
    )


def relay_for(api: str, action: str) -> Relay | None:
    """The relay of ``action`` on ``api``, or None when the table states none."""
    return relays().get(api, {}).get(action)
