"""Typed models of the APIs' responses, mirroring the vendor's SDK models."""

from ciba_contracts.models.issue import Action, BackchannelAuthenticationIssueResponse, ModelError

__all__ = ["Action", "BackchannelAuthenticationIssueResponse", "ModelError"]
