"""A typed model of the issue response, mirroring the vendor's SDK.

The schema files stay the source of truth; a test holds this model to them
(same members, same enum values). It sits above the validator, which
:meth:`~ciba_contracts.models.base.VendorModel.from_payload` calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ciba_contracts.contract.actions import Action
from ciba_contracts.models.base import ModelError, VendorModel, meta

__all__ = ["Action", "BackchannelAuthenticationIssueResponse", "ModelError"]


@dataclass(frozen=True, slots=True)
class BackchannelAuthenticationIssueResponse(VendorModel):
    """Response of ``/backchannel/authentication/issue``; every member is optional.

    Unknown members are kept in ``extra`` (a tolerant reader).
    """

    KIND: ClassVar[str | None] = "issue-response"

    result_code: str | None = field(default=None, metadata=meta("resultCode"))
    result_message: str | None = field(default=None, metadata=meta("resultMessage"))
    action: Action | None = field(default=None, metadata=meta("action", Action))
    response_content: str | None = field(default=None, metadata=meta("responseContent"))
    auth_req_id: str | None = field(default=None, metadata=meta("authReqId"))
    expires_in: int | None = field(default=None, metadata=meta("expiresIn", int))
    interval: int | None = field(default=None, metadata=meta("interval", int))
    extra: Mapping[str, Any] = field(default_factory=dict)
