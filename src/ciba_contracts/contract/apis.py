"""The APIs the contract covers, read from the OpenAPI document: paths, statuses, media types.

Each operation of ``schemas/openapi/`` names its API with ``x-ciba-api``
(``issue``, ``authentication``...); the v3 and v2 paths of one API are one
:class:`Api`. What an answer may be (its documented statuses, the media types
of each, and which payload kind its body holds) is read from the operation's
``responses``, so a status or media type is stated once, in the document.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import msgspec

from ciba_contracts.contract.schemas import KIND_EXTENSION, kinds, openapi_document

__all__ = [
    "API_EXTENSION",
    "ISSUE_API",
    "Answer",
    "Api",
    "apis",
    "checked_apis",
    "get_api",
    "payload_kind",
    "request_schema",
]

#: The OpenAPI extension naming the API an operation belongs to.
API_EXTENSION = "x-ciba-api"
#: The API the project began with, and the default wherever an API is not named.
ISSUE_API = "issue"


class Answer(msgspec.Struct, frozen=True):
    """A documented answer: the payload kind its body holds and its media types.

    ``kind`` is a validator kind (``issue-response``, ``result``) or None when
    the project has no validator for that body yet.
    """

    kind: str | None
    media_types: frozenset[str]


class Api(msgspec.Struct, frozen=True):
    """One API of the family, over its paths of every API version."""

    name: str
    method: str
    #: The OpenAPI path templates (``/api/{serviceId}/...`` and ``/api/...``).
    paths: tuple[str, ...]
    #: Status -> documented answer.
    answers: Mapping[int, Answer]
    #: Matches the request paths of the API (templates turned into a pattern).
    pattern: re.Pattern[str]

    @property
    def statuses(self) -> tuple[int, ...]:
        """The documented statuses, in order."""
        return tuple(sorted(self.answers))

    def answer(self, status: int) -> Answer | None:
        """The documented answer with ``status``, or None."""
        return self.answers.get(status)


def payload_kind(api: str, status: int) -> str | None:
    """The payload kind of ``api``'s documented answer with ``status`` (None otherwise)."""
    answer = get_api(api).answer(status)
    return None if answer is None else answer.kind


@functools.cache
def apis() -> Mapping[str, Api]:
    """Every API the OpenAPI document names, by name."""
    doc = openapi_document()
    components = doc.get("components", {}).get("responses", {})
    found: dict[str, tuple[str, list[str], dict[int, Answer]]] = {}
    for path, item in doc.get("paths", {}).items():
        if not isinstance(item, Mapping):
            continue
        for method, operation in item.items():
            if not isinstance(operation, Mapping) or API_EXTENSION not in operation:
                continue
            name = str(operation[API_EXTENSION])
            _, paths, answers = found.setdefault(name, (method.upper(), [], {}))
            paths.append(str(path))
            for code, response in operation.get("responses", {}).items():
                if str(code).isdigit():
                    answers[int(code)] = _answer(_deref(response, components))
    if ISSUE_API not in found:
        raise ValueError("the OpenAPI document names no operation of the issue API")
    return MappingProxyType(
        {
            name: Api(
                name,
                method,
                tuple(paths),
                MappingProxyType(dict(sorted(answers.items()))),
                _pattern(paths),
            )
            for name, (method, paths, answers) in found.items()
        }
    )


@functools.cache
def request_schema(api: str, media_type: str = "application/json") -> Mapping[str, Any]:
    """The schema of ``api``'s request body in ``media_type``, as the vendor states it.

    Read from the OpenAPI document (``#/components/schemas/...`` references
    resolved one level), so the members a request holds and their types are
    stated once, there.
    """
    doc = openapi_document()
    components = doc.get("components", {})
    for item in doc.get("paths", {}).values():
        for operation in item.values() if isinstance(item, Mapping) else ():
            if not isinstance(operation, Mapping) or operation.get(API_EXTENSION) != api:
                continue
            body = _resolve(operation.get("requestBody", {}), components)
            media = body.get("content", {}).get(media_type, {})
            return MappingProxyType(dict(_resolve(media.get("schema", {}), components)))
    raise ValueError(f"the OpenAPI document states no {media_type} request body for {api!r}")


def _resolve(node: Any, components: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = node.get("$ref") if isinstance(node, Mapping) else None
    if isinstance(ref, str) and ref.startswith("#/components/"):
        _, _, section, name = ref.split("/", 3)
        return _resolve(components.get(section, {}).get(name, {}), components)
    return node if isinstance(node, Mapping) else {}


def checked_apis() -> tuple[str, ...]:
    """The APIs whose payloads the project checks (their 200 answer names a payload kind)."""
    return tuple(
        name
        for name, api in apis().items()
        if (answer := api.answer(200)) is not None and answer.kind is not None
    )


def get_api(name: str) -> Api:
    """The API called ``name``; ValueError names the known ones otherwise."""
    known = apis()
    try:
        return known[name]
    except KeyError:
        raise ValueError(f"unknown API {name!r}; expected one of {', '.join(known)}") from None


def _pattern(templates: list[str]) -> re.Pattern[str]:
    # A template's parameters match one path segment; a trailing slash is tolerated,
    # as servers route it to the same operation.
    parts = []
    for template in templates:
        pieces = re.split(r"\{[^}/]+\}", template.rstrip("/"))
        parts.append("[^/]+".join(re.escape(piece) for piece in pieces))
    return re.compile("^(?:" + "|".join(parts) + ")/?$")


def _deref(node: Any, components: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = node.get("$ref") if isinstance(node, Mapping) else None
    if isinstance(ref, str) and ref.startswith("#/components/responses/"):
        return _deref(components[ref.rsplit("/", 1)[1]], components)
    return node if isinstance(node, Mapping) else {}


def _answer(response: Mapping[str, Any]) -> Answer:
    content = response.get("content", {})
    kind = response.get(KIND_EXTENSION)
    if kind is not None and str(kind) not in kinds():
        raise ValueError(f"payload kind {kind!r} has no schema files")
    return Answer(None if kind is None else str(kind), frozenset(str(m).lower() for m in content))
