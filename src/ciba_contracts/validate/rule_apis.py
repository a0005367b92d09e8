"""Which rules hold for which API, read from the schema files and the kinds' facts.

A payload rule belongs to an API when a schema file of that API's answer (its
200 kind at any level, and the documents its ``responseContent`` may hold)
names it with ``x-ciba-rule``; the ``result`` object's rules belong to every
API, since every API answers its errors with it. The result-code rules belong
to the APIs whose codes are held to Authlete's table. Rules of the HTTP layer,
the live suite, the relay and the input are about exchanges, not one API's
payload, and are listed apart.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ciba_contracts.contract import result_codes
from ciba_contracts.contract.annotations import RULE_KEYWORD, annotated_codes
from ciba_contracts.contract.apis import apis
from ciba_contracts.contract.rules import RULES, rule_named
from ciba_contracts.contract.schemas import kind_files, load_schema
from ciba_contracts.validate.kinds import facts_of, walk

__all__ = ["EXCHANGE_PREFIXES", "rules_by_api"]

#: Code prefixes of the rules about exchanges rather than one API's payload.
EXCHANGE_PREFIXES = ("H", "L", "R", "I")
#: The catalog names of the rules of Authlete's result-code table.
_RESULT_CODE_NAMES = frozenset(
    {
        result_codes.UNDOCUMENTED,
        result_codes.MESSAGE,
        result_codes.ACTION,
        result_codes.PARTY,
        result_codes.OTHER_API,
    }
)
#: Rules the validator checks in Python for every payload, and for payloads whose
#: ``responseContent`` the schema files state (and whose members it repeats).
_EVERY_PAYLOAD = ("payload-not-json", "payload-not-object", "result-message-prefix")
_WITH_CONTENT = ("response-content-not-json",)
_WITH_MIRROR = ("response-content-mismatch",)


@functools.cache
def rules_by_api() -> Mapping[str, tuple[str, ...]]:
    """API name -> the codes of the payload rules its answers are held to, in catalog order."""
    shared = _codes_in(kind_files("result").values())
    out: dict[str, tuple[str, ...]] = {}
    for name, api in apis().items():
        answer = api.answer(200)
        if answer is None or answer.kind is None:
            continue
        facts = facts_of(answer.kind)
        found = shared | _codes_in(kind_files(answer.kind).values())
        names = list(_EVERY_PAYLOAD)
        if facts.content_schemas:
            names += _WITH_CONTENT
            found |= _codes_in(facts.content_schemas.values())
            for variants in facts.content_variants.values():
                found |= _codes_in(file for _, _, file in variants)
        if facts.mirror:
            names += _WITH_MIRROR
        if name in result_codes.api_codes():
            names += sorted(_RESULT_CODE_NAMES)
        found |= {rule_named(n).code for n in names}
        out[name] = tuple(code for code in RULES if code in found)
    return MappingProxyType(out)


def _codes_in(files: Any) -> set[str]:
    codes: set[str] = set()
    seen: set[str] = set()
    pending = list(files)
    while pending:
        file = pending.pop()
        if file in seen:
            continue
        seen.add(file)
        for node in walk(load_schema(file)):
            codes |= annotated_codes(node.get(RULE_KEYWORD))
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                pending.append(ref.rsplit("/", 1)[-1].split("#", 1)[0])
    return {code for code in codes if code in RULES}
