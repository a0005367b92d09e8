"""The vendor's nested objects and enums shared by the CIBA responses' models.

Generated from the ``$defs`` of ``schemas/authentication-response.sdk.json``; a
test holds them to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ciba_contracts.models.base import VendorModel, meta

__all__ = [
    "AuthorizationDetailsElement",
    "AuthzDetails",
    "DeliveryMode",
    "DynamicScope",
    "Grant",
    "GrantManagementAction",
    "GrantScope",
    "Pair",
    "Scope",
    "TaggedValue",
]


class DeliveryMode(StrEnum):
    """The backchannel token delivery mode (``delivery_mode``)."""

    PING = "PING"
    POLL = "POLL"
    PUSH = "PUSH"


class GrantManagementAction(StrEnum):
    """The grant management action (``grant_management_action``)."""

    CREATE = "CREATE"
    QUERY = "QUERY"
    REPLACE = "REPLACE"
    REVOKE = "REVOKE"
    MERGE = "MERGE"


@dataclass(frozen=True, slots=True)
class Pair(VendorModel):
    """A key and a value (``pair``)."""

    key: str | None = field(default=None, metadata=meta("key"))
    value: str | None = field(default=None, metadata=meta("value"))
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TaggedValue(VendorModel):
    """A value in one language (``tagged_value``)."""

    tag: str | None = field(default=None, metadata=meta("tag"))
    value: str | None = field(default=None, metadata=meta("value"))
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Scope(VendorModel):
    """A scope (``scope``)."""

    name: str | None = field(default=None, metadata=meta("name"))
    default_entry: bool | None = field(default=None, metadata=meta("defaultEntry"))
    description: str | None = field(default=None, metadata=meta("description"))
    descriptions: list[TaggedValue] | None = field(
        default=None, metadata=meta("descriptions", TaggedValue, many=True)
    )
    attributes: list[Pair] | None = field(
        default=None, metadata=meta("attributes", Pair, many=True)
    )
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DynamicScope(VendorModel):
    """A dynamic scope (``dynamic_scope``)."""

    name: str | None = field(default=None, metadata=meta("name"))
    value: str | None = field(default=None, metadata=meta("value"))
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AuthorizationDetailsElement(VendorModel):
    """One element of RAR authorization details (``authorization_details_element``)."""

    type: str | None = field(default=None, metadata=meta("type"))
    locations: list[str] | None = field(default=None, metadata=meta("locations", many=True))
    actions: list[str] | None = field(default=None, metadata=meta("actions", many=True))
    data_types: list[str] | None = field(default=None, metadata=meta("dataTypes", many=True))
    identifier: str | None = field(default=None, metadata=meta("identifier"))
    privileges: list[str] | None = field(default=None, metadata=meta("privileges", many=True))
    other_fields: str | None = field(default=None, metadata=meta("otherFields"))
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AuthzDetails(VendorModel):
    """RAR authorization details (``authz_details``)."""

    elements: list[AuthorizationDetailsElement] | None = field(
        default=None, metadata=meta("elements", AuthorizationDetailsElement, many=True)
    )
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GrantScope(VendorModel):
    """Scopes of a grant (``grant_scope``)."""

    scope: str | None = field(default=None, metadata=meta("scope"))
    resource: list[str] | None = field(default=None, metadata=meta("resource", many=True))
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Grant(VendorModel):
    """A grant of Grant Management (``grant``)."""

    scopes: list[GrantScope] | None = field(
        default=None, metadata=meta("scopes", GrantScope, many=True)
    )
    claims: list[str] | None = field(default=None, metadata=meta("claims", many=True))
    authorization_details: AuthzDetails | None = field(
        default=None, metadata=meta("authorizationDetails", AuthzDetails)
    )
    extra: Mapping[str, Any] = field(default_factory=dict)
