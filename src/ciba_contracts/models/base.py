"""Reading and writing the family's typed models: members named by field metadata.

Each model is a frozen dataclass whose fields carry the JSON member name
(``metadata={"json": "clientId"}``) and, for nested vendor objects, the model or
enum a value becomes (``"type"``; ``int`` turns an integral float into an int)
and whether the member is a list (``"list"``).
Members the model does not know are kept in ``extra``, as a tolerant reader.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import fields
from enum import StrEnum
from typing import Any, ClassVar, Self

import orjson

from ciba_contracts.jsondoc.parse import NotJson, parse_json

__all__ = ["ModelError", "VendorModel", "meta"]


class ModelError(ValueError):
    """The payload cannot be read into the model (it breaks the sdk level)."""


def meta(json: str, kind: type | None = None, *, many: bool = False) -> dict[str, Any]:
    """The metadata of a field holding the JSON member ``json`` (a ``kind``, or a list of)."""
    return {"json": json, "type": kind, "list": many}


def _read(value: Any, kind: type | None, many: bool) -> Any:
    if value is None or kind is None:
        return value
    if kind is int and isinstance(value, float) and value.is_integer():
        # The schemas' integers admit 3600.0 and 3.6e3; the model holds an int.
        return int(value)
    if many and isinstance(value, list):
        return [_read(item, kind, False) for item in value]
    if issubclass(kind, StrEnum):
        return kind(value)
    if issubclass(kind, VendorModel) and isinstance(value, Mapping):
        return kind.from_dict(value)
    return value


def _write(value: Any) -> Any:
    if isinstance(value, VendorModel):
        return value.to_dict()
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, list):
        return [_write(item) for item in value]
    return value


class VendorModel:
    """Shared behaviour of the models; subclasses are frozen dataclasses with ``extra``."""

    #: The validator kind of the response (None for nested objects).
    KIND: ClassVar[str | None] = None

    @classmethod
    def json_names(cls) -> dict[str, str]:
        """Python attribute name -> JSON member name, for the published members."""
        return {
            f.name: f.metadata["json"]
            for f in fields(cls)  # type: ignore[arg-type]
            if f.metadata.get("json")
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build the model from a parsed object, without checking it (see ``from_payload``)."""
        values: dict[str, Any] = {}
        known: set[str] = set()
        for f in fields(cls):  # type: ignore[arg-type]
            name = f.metadata.get("json")
            if not name:
                continue
            known.add(name)
            values[f.name] = _read(data.get(name), f.metadata.get("type"), f.metadata["list"])
        values["extra"] = {k: v for k, v in data.items() if k not in known}
        return cls(**values)

    @classmethod
    def from_payload(cls, payload: bytes | str | Mapping[str, Any]) -> Self:
        """Read a response; raises :class:`ModelError` listing its sdk-level findings."""
        # Imported here: the validator learns the other APIs' kinds from the OpenAPI document.
        from ciba_contracts.validate import get_validator

        data: Any = payload
        if isinstance(payload, bytes | str):
            with contextlib.suppress(NotJson):
                data = parse_json(payload)
        if cls.KIND is None:
            raise TypeError(f"{cls.__name__} is a nested object, not a response")
        findings = [f for f in get_validator("sdk", kind=cls.KIND).validate(data) if f.is_error]
        if findings:
            raise ModelError("; ".join(str(f) for f in findings))
        return cls.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        """The object as JSON members, omitting absent ones (the schemas have no null)."""
        out = {
            name: _write(getattr(self, attr))
            for attr, name in self.json_names().items()
            if getattr(self, attr) is not None
        }
        out.update(getattr(self, "extra", {}))
        return out

    def response_body(self) -> Any:
        """``responseContent`` parsed, or None when absent; raises ValueError if not JSON."""
        content = getattr(self, "response_content", None)
        return None if content is None else orjson.loads(content)
