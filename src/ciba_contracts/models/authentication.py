"""A typed model of the authentication response, mirroring the vendor's SDK.

The schema files stay the source of truth; a test holds this model to
``schemas/authentication-response.sdk.json`` (same members, same enum values).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ciba_contracts.contract.actions import AuthenticationAction
from ciba_contracts.models.base import VendorModel, meta
from ciba_contracts.models.nested import (
    AuthzDetails,
    DeliveryMode,
    DynamicScope,
    Grant,
    GrantManagementAction,
    Pair,
    Scope,
)

__all__ = ["AuthenticationAction", "BackchannelAuthenticationResponse"]


@dataclass(frozen=True, slots=True)
class BackchannelAuthenticationResponse(VendorModel):
    """Response of ``/backchannel/authentication``; every member is optional.

    Unknown members are kept in ``extra`` (a tolerant reader).
    """

    KIND: ClassVar[str | None] = "authentication-response"

    result_code: str | None = field(default=None, metadata=meta("resultCode"))
    result_message: str | None = field(default=None, metadata=meta("resultMessage"))
    action: AuthenticationAction | None = field(
        default=None, metadata=meta("action", AuthenticationAction)
    )
    response_content: str | None = field(default=None, metadata=meta("responseContent"))
    client_id: int | None = field(default=None, metadata=meta("clientId", int))
    client_id_alias: str | None = field(default=None, metadata=meta("clientIdAlias"))
    client_id_alias_used: bool | None = field(default=None, metadata=meta("clientIdAliasUsed"))
    client_name: str | None = field(default=None, metadata=meta("clientName"))
    scopes: list[Scope] | None = field(default=None, metadata=meta("scopes", Scope, many=True))
    claim_names: list[str] | None = field(default=None, metadata=meta("claimNames", many=True))
    client_notification_token: str | None = field(
        default=None, metadata=meta("clientNotificationToken")
    )
    acrs: list[str] | None = field(default=None, metadata=meta("acrs", many=True))
    hint_type: str | None = field(default=None, metadata=meta("hintType"))
    hint: str | None = field(default=None, metadata=meta("hint"))
    sub: str | None = field(default=None, metadata=meta("sub"))
    binding_message: str | None = field(default=None, metadata=meta("bindingMessage"))
    user_code: str | None = field(default=None, metadata=meta("userCode"))
    user_code_required: bool | None = field(default=None, metadata=meta("userCodeRequired"))
    requested_expiry: int | None = field(default=None, metadata=meta("requestedExpiry", int))
    request_context: str | None = field(default=None, metadata=meta("requestContext"))
    warnings: list[str] | None = field(default=None, metadata=meta("warnings", many=True))
    ticket: str | None = field(default=None, metadata=meta("ticket"))
    resources: list[str] | None = field(default=None, metadata=meta("resources", many=True))
    authorization_details: AuthzDetails | None = field(
        default=None, metadata=meta("authorizationDetails", AuthzDetails)
    )
    service_attributes: list[Pair] | None = field(
        default=None, metadata=meta("serviceAttributes", Pair, many=True)
    )
    client_attributes: list[Pair] | None = field(
        default=None, metadata=meta("clientAttributes", Pair, many=True)
    )
    dynamic_scopes: list[DynamicScope] | None = field(
        default=None, metadata=meta("dynamicScopes", DynamicScope, many=True)
    )
    delivery_mode: DeliveryMode | None = field(
        default=None, metadata=meta("deliveryMode", DeliveryMode)
    )
    client_auth_method: str | None = field(default=None, metadata=meta("clientAuthMethod"))
    gm_action: GrantManagementAction | None = field(
        default=None, metadata=meta("gmAction", GrantManagementAction)
    )
    grant_id: str | None = field(default=None, metadata=meta("grantId"))
    grant: Grant | None = field(default=None, metadata=meta("grant", Grant))
    grant_subject: str | None = field(default=None, metadata=meta("grantSubject"))
    client_entity_id: str | None = field(default=None, metadata=meta("clientEntityId"))
    client_entity_id_used: bool | None = field(default=None, metadata=meta("clientEntityIdUsed"))
    metadata_document_location: str | None = field(
        default=None, metadata=meta("metadataDocumentLocation")
    )
    metadata_document_used: bool | None = field(default=None, metadata=meta("metadataDocumentUsed"))
    extra: Mapping[str, Any] = field(default_factory=dict)
