"""A typed model of the complete response, mirroring the vendor's SDK.

The schema files stay the source of truth; a test holds this model to
``schemas/complete-response.sdk.json`` (same members, same enum values).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ciba_contracts.contract.actions import CompleteAction
from ciba_contracts.models.base import VendorModel, meta
from ciba_contracts.models.nested import AuthzDetails, DeliveryMode, Pair

__all__ = ["BackchannelAuthenticationCompleteResponse", "CompleteAction"]


@dataclass(frozen=True, slots=True)
class BackchannelAuthenticationCompleteResponse(VendorModel):
    """Response of ``/backchannel/authentication/complete``; every member is optional.

    Unknown members are kept in ``extra`` (a tolerant reader).
    """

    KIND: ClassVar[str | None] = "complete-response"

    result_code: str | None = field(default=None, metadata=meta("resultCode"))
    result_message: str | None = field(default=None, metadata=meta("resultMessage"))
    action: CompleteAction | None = field(default=None, metadata=meta("action", CompleteAction))
    response_content: str | None = field(default=None, metadata=meta("responseContent"))
    client_id: int | None = field(default=None, metadata=meta("clientId", int))
    client_id_alias: str | None = field(default=None, metadata=meta("clientIdAlias"))
    client_id_alias_used: bool | None = field(default=None, metadata=meta("clientIdAliasUsed"))
    client_name: str | None = field(default=None, metadata=meta("clientName"))
    delivery_mode: DeliveryMode | None = field(
        default=None, metadata=meta("deliveryMode", DeliveryMode)
    )
    client_notification_endpoint: str | None = field(
        default=None, metadata=meta("clientNotificationEndpoint")
    )
    client_notification_token: str | None = field(
        default=None, metadata=meta("clientNotificationToken")
    )
    auth_req_id: str | None = field(default=None, metadata=meta("authReqId"))
    access_token: str | None = field(default=None, metadata=meta("accessToken"))
    refresh_token: str | None = field(default=None, metadata=meta("refreshToken"))
    id_token: str | None = field(default=None, metadata=meta("idToken"))
    access_token_duration: int | None = field(
        default=None, metadata=meta("accessTokenDuration", int)
    )
    refresh_token_duration: int | None = field(
        default=None, metadata=meta("refreshTokenDuration", int)
    )
    id_token_duration: int | None = field(default=None, metadata=meta("idTokenDuration", int))
    jwt_access_token: str | None = field(default=None, metadata=meta("jwtAccessToken"))
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
    grant_id: str | None = field(default=None, metadata=meta("grantId"))
    client_entity_id: str | None = field(default=None, metadata=meta("clientEntityId"))
    client_entity_id_used: bool | None = field(default=None, metadata=meta("clientEntityIdUsed"))
    metadata_document_location: str | None = field(
        default=None, metadata=meta("metadataDocumentLocation")
    )
    metadata_document_used: bool | None = field(default=None, metadata=meta("metadataDocumentUsed"))
    consented_claims: list[str] | None = field(
        default=None, metadata=meta("consentedClaims", many=True)
    )
    extra: Mapping[str, Any] = field(default_factory=dict)
