"""Typed models of the APIs' responses, mirroring the vendor's SDK models."""

from ciba_contracts.models.authentication import (
    AuthenticationAction,
    BackchannelAuthenticationResponse,
)
from ciba_contracts.models.base import ModelError, VendorModel
from ciba_contracts.models.complete import (
    BackchannelAuthenticationCompleteResponse,
    CompleteAction,
)
from ciba_contracts.models.fail import BackchannelAuthenticationFailResponse, FailAction
from ciba_contracts.models.issue import Action, BackchannelAuthenticationIssueResponse
from ciba_contracts.models.nested import DeliveryMode, GrantManagementAction

__all__ = [
    "Action",
    "AuthenticationAction",
    "BackchannelAuthenticationCompleteResponse",
    "BackchannelAuthenticationFailResponse",
    "BackchannelAuthenticationIssueResponse",
    "BackchannelAuthenticationResponse",
    "CompleteAction",
    "DeliveryMode",
    "FailAction",
    "GrantManagementAction",
    "ModelError",
    "VendorModel",
]
