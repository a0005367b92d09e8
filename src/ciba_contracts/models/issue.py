"""A typed model of the issue response, mirroring the vendor's SDK.

The schema files stay the source of truth; a test holds this model to them
(same members, same enum values). It sits above the validator, which
:meth:`BackchannelAuthenticationIssueResponse.from_payload` calls.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Self

import orjson

from ciba_contracts.contract.actions import Action
from ciba_contracts.jsondoc.parse import NotJson, parse_json
from ciba_contracts.models.base import ModelError
from ciba_contracts.validate.engine import get_validator

__all__ = ["Action", "BackchannelAuthenticationIssueResponse", "ModelError"]


@dataclass(frozen=True, slots=True)
class BackchannelAuthenticationIssueResponse:
    """Response of ``/backchannel/authentication/issue``; every member is optional.

    Unknown members are kept in ``extra`` (a tolerant reader).
    """

    result_code: str | None = field(default=None, metadata={"json": "resultCode"})
    result_message: str | None = field(default=None, metadata={"json": "resultMessage"})
    action: Action | None = field(default=None, metadata={"json": "action"})
    response_content: str | None = field(default=None, metadata={"json": "responseContent"})
    auth_req_id: str | None = field(default=None, metadata={"json": "authReqId"})
    expires_in: int | None = field(default=None, metadata={"json": "expiresIn"})
    interval: int | None = field(default=None, metadata={"json": "interval"})
    extra: Mapping[str, Any] = field(default_factory=dict, metadata={"json": None})

    @classmethod
    def json_names(cls) -> dict[str, str]:
        """Python attribute name -> JSON member name, for the published members."""
        return {f.name: f.metadata["json"] for f in fields(cls) if f.metadata.get("json")}

    @classmethod
    def from_payload(cls, payload: bytes | str | Mapping[str, Any]) -> Self:
        """Read a payload; raises :class:`ModelError` listing sdk-level findings."""
        data: Any = payload
        if isinstance(payload, bytes | str):
            # Parsed once here; the validator then judges the object itself. Anything
            # else goes to the validator as given: what is no object is its finding.
            with contextlib.suppress(NotJson):
                data = parse_json(payload)
        validator = get_validator("sdk", kind="issue-response")
        findings = [f for f in validator.validate(data) if f.is_error]
        if findings:
            raise ModelError("; ".join(str(f) for f in findings))
        names = cls.json_names()
        known = set(names.values())
        values: dict[str, Any] = {attr: data.get(name) for attr, name in names.items()}
        if values["action"] is not None:
            values["action"] = Action(values["action"])
        for attr in ("expires_in", "interval"):
            if isinstance(values[attr], float):
                values[attr] = int(values[attr])
        extra = {k: v for k, v in data.items() if k not in known}
        return cls(**values, extra=extra)

    def to_dict(self) -> dict[str, Any]:
        """The payload as JSON members, omitting absent ones (the schema has no null)."""
        out = {
            name: getattr(self, attr)
            for attr, name in self.json_names().items()
            if getattr(self, attr) is not None
        }
        if "action" in out:
            out["action"] = str(out["action"])
        out.update(self.extra)
        return out

    def response_body(self) -> Any:
        """``responseContent`` parsed, or None when absent; raises ValueError if not JSON."""
        if self.response_content is None:
            return None
        return orjson.loads(self.response_content)
