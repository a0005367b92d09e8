"""The corpus of the authentication, fail and complete APIs: payloads with their expected findings.

``tests/corpus/family-payloads.jsonl`` holds, per line, a payload of one API
(the vendor's published examples of every spec version beside the checkout,
the rows of ``family_cases`` and a few stand-in mistakes) and, per level, the
error findings (rule, pointer, content pointer) the contract gives it: what the
level files say (read by ``family_schema_check``) plus the result-code rules.
The payloads are chosen so that the rules the engine checks in code alone
(S001, A105, A112) do not fire. ``python tests/family_corpus.py`` rewrites the
file; ``test_family_schemas`` holds it to these functions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from ciba_contracts.contract import RULES, Profile
from ciba_contracts.contract.result_codes import check_result_code
from family_cases import CORRECT, ROWS, no_action, user_identification
from family_schema_check import findings

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus" / "family-payloads.jsonl"
LEVELS = ("sdk", "authlete", "ciba")
SPECS = (
    "authlete-openapi-v2.yaml",
    "authlete-openapi-v3.yaml",
    "authlete-openapi-3.0.16-2026-08.yaml",
)
PATHS = {
    "authentication": "backchannel/authentication",
    "fail": "backchannel/authentication/fail",
    "complete": "backchannel/authentication/complete",
}


def reference_folder() -> Path | None:
    """``shared/reference/`` beside the checkout (in its parent or a higher folder)."""
    for folder in ROOT.parents:
        candidate = folder / "shared" / "reference"
        if candidate.is_dir():
            return candidate
    return None


def _vendor_examples() -> list[dict[str, Any]]:
    folder = reference_folder()
    if folder is None:
        raise FileNotFoundError("shared/reference/ is not beside the checkout")
    out = []
    for spec_name in SPECS:
        spec = yaml.safe_load((folder / spec_name).read_text(encoding="utf-8"))
        for api, path in PATHS.items():
            item = spec["paths"].get(f"/api/{{serviceId}}/{path}") or spec["paths"][f"/api/{path}"]
            answer = item["post"]["responses"]["200"]["content"]["application/json"]
            out.append(
                {"name": f"vendor-{api}-{spec_name[:-5]}", "api": api, "payload": answer["example"]}
            )
    return out


def cases() -> list[dict[str, Any]]:
    """Every case of the corpus, without expectations."""
    out = _vendor_examples()
    for row in ROWS:
        out.append({"name": f"{row.api}-{row.code}-fires", "api": row.api, "payload": row.fire})
        out.append(
            {"name": f"{row.api}-{row.code}-near-miss", "api": row.api, "payload": row.quiet}
        )
    for index, (api, payload) in enumerate(CORRECT):
        out.append({"name": f"{api}-correct-{index}", "api": api, "payload": payload})
    out += [
        {
            "name": "authentication-nulls",
            "api": "authentication",
            "payload": user_identification(ticket=None, acrs=None),
        },
        {
            "name": "authentication-client-id-as-string",
            "api": "authentication",
            "payload": user_identification(clientId="26862190133482"),
        },
        {
            "name": "authentication-scope-name-number",
            "api": "authentication",
            "payload": user_identification(scopes=[{"name": "openid"}, {"name": 7}]),
        },
        {
            "name": "complete-duration-overflow",
            "api": "complete",
            "payload": no_action(accessTokenDuration=2**63),
        },
        {
            "name": "complete-no-action-with-wrong-code",
            "api": "complete",
            "payload": no_action(
                resultCode="A198003",
                resultMessage="[A198003] Successfully "
                "generated tokens that are to be delivered to the client "
                "notification endpoint (mode = poll, result = AUTHORIZED).",
            ),
        },
        {
            "name": "fail-action-unknown",
            "api": "fail",
            "payload": {
                "resultCode": "A185001",
                "resultMessage": "[A185001] Successfully generated "
                "an error response for the backchannel authentication request.",
                "action": "OK",
                "responseContent": '{"error":"access_denied"}',
            },
        },
    ]
    return out


def expected(api: str, payload: Any) -> dict[str, list[list[str | None]]]:
    """Per level, the sorted error findings [rule, pointer, content pointer]."""
    out: dict[str, list[list[str | None]]] = {}
    for level in LEVELS:
        found = {f for f in findings(api, level, payload) if RULES[f[0]].severity == "error"}
        if isinstance(payload, dict):
            for name, pointer, _ in check_result_code(api, payload):
                rule = next(r for r in RULES.values() if r.name == name)
                if rule.severity == "error" and Profile.parse(level).includes(rule.level):
                    found.add((rule.code, pointer, None))
        out[level] = [list(f) for f in sorted(found, key=lambda f: (f[0], f[1], f[2] or ""))]
    return out


def render() -> str:
    lines = []
    for case in cases():
        case["expect"] = expected(case["api"], case["payload"])
        lines.append(json.dumps(case, ensure_ascii=False, separators=(", ", ": ")))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    CORPUS.write_text(render(), encoding="utf-8")
