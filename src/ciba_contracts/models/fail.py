"""A typed model of the fail response, mirroring the vendor's SDK.

The schema files stay the source of truth; a test holds this model to
``schemas/fail-response.sdk.json`` (same members, same enum values).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ciba_contracts.contract.actions import FailAction
from ciba_contracts.models.base import VendorModel, meta

__all__ = ["BackchannelAuthenticationFailResponse", "FailAction"]


@dataclass(frozen=True, slots=True)
class BackchannelAuthenticationFailResponse(VendorModel):
    """Response of ``/backchannel/authentication/fail``; every member is optional.

    Unknown members are kept in ``extra`` (a tolerant reader).
    """

    KIND: ClassVar[str | None] = "fail-response"

    result_code: str | None = field(default=None, metadata=meta("resultCode"))
    result_message: str | None = field(default=None, metadata=meta("resultMessage"))
    action: FailAction | None = field(default=None, metadata=meta("action", FailAction))
    response_content: str | None = field(default=None, metadata=meta("responseContent"))
    extra: Mapping[str, Any] = field(default_factory=dict)
