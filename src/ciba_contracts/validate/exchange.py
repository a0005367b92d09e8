"""Checking a recorded issue-API exchange: the HTTP layer, then the body.

What the API may answer is read from the OpenAPI document shipped in
``schemas/openapi/``: the statuses of the issue operation, the media type of
each, and which schema its body has (the issue response for 200, Authlete's
``result`` object for the error statuses). The body itself goes to the one
validator every entry point shares.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.rules import RULES, enabled_rules, split_codes
from ciba_contracts.contract.schemas import ISSUE_RESPONSE_FILES, RESULT_FILES, openapi_document
from ciba_contracts.selection import ISSUE_PATH_PATTERN
from ciba_contracts.traffic.exchange import Exchange
from ciba_contracts.validate.engine import KINDS, Validator, get_validator
from ciba_contracts.validate.finding import Finding

#: Schema file name (as the OpenAPI document ``$ref``s it) -> validator kind.
_KIND_BY_FILE = {
    **dict.fromkeys(ISSUE_RESPONSE_FILES.values(), "issue-response"),
    **dict.fromkeys(RESULT_FILES.values(), "result"),
}


@dataclass(frozen=True, slots=True)
class Answer:
    """A documented answer of the issue operation: payload kind and media types."""

    kind: str
    media_types: frozenset[str]


@functools.cache
def documented_answers() -> Mapping[int, Answer]:
    """Status -> documented answer, over the paths of the issue operation (v3 and v2)."""
    doc = openapi_document()
    components = doc.get("components", {}).get("responses", {})
    answers: dict[int, Answer] = {}
    for path, item in doc.get("paths", {}).items():
        if not ISSUE_PATH_PATTERN.search(str(path)):
            # The document also holds the authentication operations; only the issue
            # operation's answers are checked here.
            continue
        operation = item.get("post") if isinstance(item, Mapping) else None
        if not isinstance(operation, Mapping):
            continue
        for code, response in operation.get("responses", {}).items():
            if not str(code).isdigit():
                continue
            response = _deref(response, components)
            content = response.get("content", {})
            kind = _kind(content)
            if kind is not None:
                answers[int(code)] = Answer(kind, frozenset(str(m).lower() for m in content))
    if not answers:
        raise ValueError("the OpenAPI document documents no answer of the issue operation")
    return answers


def _deref(node: Any, components: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = node.get("$ref") if isinstance(node, Mapping) else None
    if isinstance(ref, str) and ref.startswith("#/components/responses/"):
        return _deref(components[ref.rsplit("/", 1)[1]], components)
    return node if isinstance(node, Mapping) else {}


def _kind(content: Mapping[str, Any]) -> str | None:
    for media in content.values():
        ref = media.get("schema", {}).get("$ref", "") if isinstance(media, Mapping) else ""
        kind = _KIND_BY_FILE.get(str(ref).rsplit("/", 1)[-1])
        if kind is not None:
            return kind
    return None


def media_type(content_type: str) -> str:
    """``application/json; charset=UTF-8`` -> ``application/json``."""
    return content_type.split(";", 1)[0].strip().lower()


class ExchangeChecker:
    """Checks recorded issue-API exchanges at one level with one rule selection.

    Payload and HTTP rules follow ``select`` and ``ignore``; input rules
    (``I...``) say what could not be checked, so only ``ignore`` removes them.
    """

    def __init__(
        self,
        profile: Profile | str = Profile.AUTHLETE,
        select: str | Iterable[str] | None = None,
        ignore: str | Iterable[str] | None = None,
    ) -> None:
        self.profile = Profile.parse(profile)
        selected = split_codes(select)
        ignored = split_codes(ignore)
        self.enabled = enabled_rules(self.profile, selected or None, ignored or None)
        self.inputs_enabled = frozenset(
            c for c in enabled_rules(self.profile, None, ignored or None) if c.startswith("I")
        )
        self._validators: dict[str, Validator] = {
            kind: get_validator(self.profile, selected or None, ignored or None, kind=kind)
            for kind in KINDS
        }
        self._answers = documented_answers()
        self._documented = ", ".join(str(code) for code in sorted(self._answers))

    def reports(self, code: str) -> bool:
        """Whether a finding of rule ``code`` is reported by this run."""
        if code.startswith("I"):
            return code in self.inputs_enabled
        return code in self.enabled

    def check(self, exchange: Exchange) -> list[Finding]:
        """Every finding on one exchange: HTTP layer first, then the body."""
        found: list[Finding] = []
        status = exchange.status
        if status is None:
            self._add(found, "I006", detail="the request got no answer")
            return found
        answer = self._answers.get(status)
        if answer is None:
            self._add(found, "H301", value=str(status), actual=status, expected=self._documented)
            return found
        content_type = self._content_type_problem(exchange, answer)
        body = exchange.body
        if body is None:
            if content_type is not None:
                self._add(found, "H302", **content_type, detail="the body is not recorded")
            self._add(found, "I006", detail=exchange.body_note or "no body")
            return found
        payload = self._validators[answer.kind].validate(body)
        if content_type is not None:
            not_json = [f for f in payload if f.rule == "S001"]
            if not_json:
                # One fault, one finding: a body that is not JSON under a label that is not
                # JSON is what H302 says.
                payload = [f for f in payload if f.rule != "S001"]
                detail = "the body is not JSON either"
            else:
                detail = "the body is JSON"
            self._add(found, "H302", **content_type, detail=detail)
        found.extend(payload)
        return found

    def _content_type_problem(self, exchange: Exchange, answer: Answer) -> dict[str, Any] | None:
        if not exchange.response_headers:
            # Nothing recorded about headers (some logs keep bodies only): nothing to judge.
            return None
        raw = exchange.response_header("content-type")
        allowed = " or ".join(sorted(answer.media_types))
        if raw is None:
            return {"actual": "absent", "expected": allowed, "value": None}
        if media_type(raw) in answer.media_types:
            return None
        return {"actual": raw.strip(), "expected": allowed, "value": raw.strip()}

    def _add(
        self, found: list[Finding], code: str, value: str | None = None, **context: Any
    ) -> None:
        if not self.reports(code):
            return
        found.append(Finding.of(RULES[code], value=value, **context))


def input_finding(code: str, detail: str, value: str | None = None) -> Finding:
    """The finding an input problem becomes."""
    return Finding.of(RULES[code], value=value, detail=detail)
