"""The validator on every API of the family: the corpus of vendor examples and rule rows.

``tests/corpus/family-payloads.jsonl`` holds the vendor's published payloads of the
authentication, fail and complete APIs (every spec version) and a firing payload per
rule, with the error findings each level must give. ``validate(payload, api=...)``
must give exactly those, as ``ciba-contracts validate --api`` does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ciba_contracts import validate
from ciba_contracts.cli import main

CORPUS = Path(__file__).parent / "corpus" / "family-payloads.jsonl"
ROWS = [json.loads(line) for line in CORPUS.read_text("utf-8").splitlines() if line.strip()]


def _errors(payload: Any, api: str, level: str) -> list[tuple[str, str]]:
    found = validate(payload, api=api, profile=level)
    return sorted({(f.rule, f.pointer) for f in found if f.is_error})


@pytest.mark.parametrize("row", ROWS, ids=[row["name"] for row in ROWS])
def test_the_validator_gives_the_corpus_findings(row: dict[str, Any]) -> None:
    for level, expected in row["expect"].items():
        want = sorted({(rule, pointer) for rule, pointer, *_ in expected})
        assert _errors(row["payload"], row["api"], level) == want, level
        # The raw body gives the same verdict as the parsed object.
        raw = json.dumps(row["payload"]).encode()
        assert _errors(raw, row["api"], level) == want, level


def test_the_cli_takes_the_api_of_bare_payloads(tmp_path: Path) -> None:
    row = next(r for r in ROWS if r["api"] == "complete" and r["expect"]["authlete"])
    path = tmp_path / "complete.json"
    path.write_text(json.dumps(row["payload"]))
    result = CliRunner().invoke(
        main, ["validate", str(path), "--api", "complete", "--format", "json"]
    )
    assert result.exit_code == 1, result.output
    rules = {f["rule"] for f in json.loads(result.output)["findings"]}
    assert {rule for rule, *_ in row["expect"]["authlete"]} <= rules


_NOTIFICATION = {
    "action": "NOTIFICATION",
    "resultCode": "A186101",
    "resultMessage": "[A186101] Failed to get the record for the ticket from the database.",
    "authReqId": "Ppj9zKPzGZSaFDMEbW_9mRgG5rEPqEC4",
    "clientNotificationEndpoint": "https://rp.example.com/ciba/notify",
    "clientNotificationToken": "8d67dc78-7faa-4d41-aabd-67707b374255",
}
_TOKENS = {"access_token": "a", "id_token": "i", "token_type": "Bearer"}
#: The fields a push notification's tokens repeat.
_TOKEN_FIELDS = {"accessToken": "a", "idToken": "i"}


@pytest.mark.parametrize("mode", [None, "PING", "PUSH"])
def test_a_notification_of_another_request_is_a_mismatch_in_every_mode(mode: str | None) -> None:
    # The ping and push documents are narrower statements of the same notification:
    # their auth_req_id repeats authReqId as the plain one's does.
    payload = dict(_NOTIFICATION, **({"deliveryMode": mode} if mode else {}))
    if mode == "PUSH":
        payload |= _TOKEN_FIELDS
    body = {"auth_req_id": "another-request-id"} | (_TOKENS if mode == "PUSH" else {})
    payload["responseContent"] = json.dumps(body)
    for given in (payload, json.dumps(payload).encode()):
        assert _errors(given, "complete", "authlete") == [("A112", "/responseContent")]
    body["auth_req_id"] = payload["authReqId"]
    payload["responseContent"] = json.dumps(body)
    assert _errors(payload, "complete", "authlete") == []


@pytest.mark.parametrize(
    ("api", "payload", "rule"),
    [
        ("complete", dict(_NOTIFICATION, deliveryMode="PUSH"), "A162"),
        ("complete", _NOTIFICATION, "A162"),
        ("authentication", {"action": "BAD_REQUEST"}, "A115"),
        ("issue", {"action": "OK", "authReqId": "x", "expiresIn": 1}, "A113"),
    ],
)
def test_a_document_that_is_no_object_breaks_its_own_schema_rule(
    api: str, payload: dict[str, Any], rule: str
) -> None:
    payload = dict(payload, responseContent="[1]")
    found = {f.rule for f in validate(payload, api=api, profile="authlete") if f.is_error}
    assert rule in found
    assert {"A113", "A115", "A162"} & found == {rule}
