"""The level files of the authentication, fail and complete APIs, and their OpenAPI operations.

Each schema rule of these APIs fires on its row of ``family_cases.ROWS`` at its
level, at the member the row names, stays quiet on the near miss and below its
level; correct answers of every action keep every level; the sdk files say what
the vendor publishes; the OpenAPI document marks every validated answer with its
kind and level files.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
import yaml

from ciba_contracts.contract import RULES, Profile
from family_cases import CORRECT, FAMILY_SCHEMA_RULES, ROWS, Row
from family_schema_check import SCHEMA_DIR, content_refs, findings, load

ROOT = Path(__file__).resolve().parents[1]
OPENAPI = SCHEMA_DIR / "openapi" / "issue.openapi.yaml"
LEVELS = ("sdk", "authlete", "ciba")
APIS = ("authentication", "issue", "fail", "complete")
NEWEST_SPEC = "authlete-openapi-3.0.16-2026-08.yaml"
VENDOR = {
    "authentication": "backchannel_authentication_response",
    "fail": "backchannel_authentication_fail_response",
    "complete": "backchannel_authentication_complete_response",
}


def _row_id(row: Row) -> str:
    return f"{row.api}-{row.code}"


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_rule_fires_at_its_member(row: Row) -> None:
    found = findings(row.api, row.level, row.fire)
    assert (row.code, row.pointer, row.content_pointer) in found, sorted(map(str, found))
    assert RULES[row.code].level == row.level


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_rule_stays_quiet_on_the_near_miss(row: Row) -> None:
    found = findings(row.api, "ciba", row.quiet)
    assert row.code not in {code for code, *_ in found}, sorted(map(str, found))


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_rule_is_quiet_below_its_level(row: Row) -> None:
    for level in LEVELS:
        if not Profile.parse(level).includes(RULES[row.code].level):
            assert row.code not in {code for code, *_ in findings(row.api, level, row.fire)}


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_every_failing_keyword_names_a_rule(row: Row) -> None:
    assert "?" not in {code for code, *_ in findings(row.api, "ciba", row.fire)}


@pytest.mark.parametrize(("api", "payload"), CORRECT, ids=lambda v: str(v)[:40])
def test_correct_answers_keep_every_level(api: str, payload: dict[str, Any]) -> None:
    for level in LEVELS:
        assert findings(api, level, payload) == set(), level


def test_every_schema_rule_of_the_family_has_a_row() -> None:
    named: set[str] = set()
    for api in ("authentication", "fail", "complete"):
        for level in LEVELS:
            named |= _annotated(load(f"{api}-response.{level}.json"))
    for name in (
        "ciba-error.bad-request.json",
        "ciba-error.unauthorized.json",
        "fail-error.bad-request.json",
        "fail-error.forbidden.json",
        "ciba-notification.json",
        "ciba-ping-notification.json",
        "ciba-push-notification.json",
    ):
        named |= _annotated(load(name))
    issue_rules = set().union(*(_annotated(load(f"issue-response.{lv}.json")) for lv in LEVELS))
    issue_rules |= _annotated(load("oauth-error.json"))
    new = named - issue_rules - {"S002", "S003", "S005"} - {"A101", "A102", "A103", "A104"}
    assert new == FAMILY_SCHEMA_RULES


def _annotated(node: Any) -> set[str]:
    out: set[str] = set()
    if isinstance(node, dict):
        note = node.get("x-ciba-rule")
        if isinstance(note, str):
            out.add(note)
        elif isinstance(note, dict):
            out.update(str(v) for v in note.values())
        for value in node.values():
            out |= _annotated(value)
    elif isinstance(node, list):
        for value in node:
            out |= _annotated(value)
    return out


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"action": "NOTIFICATION", "deliveryMode": "PING"}, "ciba-ping-notification.json"),
        ({"action": "NOTIFICATION", "deliveryMode": "PUSH"}, "ciba-push-notification.json"),
        ({"action": "NOTIFICATION"}, "ciba-notification.json"),
    ],
)
def test_the_delivery_mode_picks_the_notification_schema(
    payload: dict[str, Any], expected: str
) -> None:
    refs = content_refs(load("complete-response.ciba.json"), payload)
    assert refs[-1] == expected
    # The innermost schema includes the action's, so it alone is enough.
    assert "ciba-notification.json" in refs


# -- the sdk level is the vendor's schema ------------------------------------------------


def _reference(name: str) -> Path:
    for folder in ROOT.parents:
        candidate = folder / "shared" / "reference" / name
        if candidate.is_file():
            return candidate
    pytest.fail(f"the vendor reference {name} is not beside the checkout (shared/reference/)")


@functools.cache
def _vendor_schemas() -> dict[str, Any]:
    spec = yaml.safe_load(_reference(NEWEST_SPEC).read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    assert isinstance(schemas, dict)
    return schemas


def _vendor(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    return _vendor_schemas()[ref.rsplit("/", 1)[1]] if isinstance(ref, str) else node


def _ours(node: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str):
        resolved = doc["$defs"][ref.rsplit("/", 1)[1]]
        assert isinstance(resolved, dict)
        return resolved
    return node


def _same(vendor: dict[str, Any], ours: dict[str, Any], doc: dict[str, Any], where: str) -> None:
    vendor, ours = _vendor(vendor), _ours(ours, doc)
    kind = ours.get("type")
    types = kind if isinstance(kind, list) else [kind]
    assert vendor.get("type") == types[0], where
    assert ours.get("format") == vendor.get("format"), where
    assert ours.get("enum") == vendor.get("enum"), where
    assert ours.get("required") == vendor.get("required"), where
    if "items" in vendor:
        _same(vendor["items"], ours["items"], doc, f"{where}[]")
    vendor_members = vendor.get("properties", {})
    assert list(ours.get("properties", {})) == list(vendor_members), where
    for name, member in vendor_members.items():
        _same(member, ours["properties"][name], doc, f"{where}.{name}")


@pytest.mark.parametrize("api", sorted(VENDOR))
def test_sdk_file_is_the_vendor_schema(api: str) -> None:
    ours = load(f"{api}-response.sdk.json")
    vendor = _vendor_schemas()[VENDOR[api]]
    assert "required" not in vendor
    assert "required" not in ours
    assert ours.get("additionalProperties", True) is not False
    _same(vendor, ours, ours, api)


def test_the_authentication_response_has_its_37_members() -> None:
    assert len(load("authentication-response.sdk.json")["properties"]) == 37


@pytest.mark.parametrize("api", sorted(VENDOR))
def test_vendor_example_keeps_the_sdk_level(api: str) -> None:
    spec = yaml.safe_load(_reference(NEWEST_SPEC).read_text(encoding="utf-8"))
    suffix = "" if api == "authentication" else f"/{api}"
    operation = spec["paths"][f"/api/{{serviceId}}/backchannel/authentication{suffix}"]["post"]
    example = operation["responses"]["200"]["content"]["application/json"]["example"]
    assert findings(api, "sdk", example) == set()
    # The stricter levels answer with findings, never a crash.
    for level in ("authlete", "ciba"):
        assert isinstance(findings(api, level, example), set)


# -- the OpenAPI document ----------------------------------------------------------------


@functools.cache
def _openapi() -> dict[str, Any]:
    doc = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def _operations() -> list[tuple[str, dict[str, Any]]]:
    return [
        (path, item["post"])
        for path, item in _openapi()["paths"].items()
        if "x-ciba-api" in item.get("post", {})
    ]


def _response(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str):
        found = _openapi()["components"]["responses"][ref.rsplit("/", 1)[1]]
        assert isinstance(found, dict)
        return found
    return node


def test_every_api_has_a_v3_and_a_v2_operation() -> None:
    by_api: dict[str, list[str]] = {}
    for path, operation in _operations():
        by_api.setdefault(operation["x-ciba-api"], []).append(path)
    assert sorted(by_api) == sorted(APIS)
    for api, paths in by_api.items():
        assert sorted(p.startswith("/api/{serviceId}/") for p in paths) == [False, True], api


@pytest.mark.parametrize("status", ["200", "400", "401", "403", "429", "500"])
def test_every_documented_answer_names_its_kind_and_levels(status: str) -> None:
    for path, operation in _operations():
        response = _response(operation["responses"][status])
        kind = response.get("x-ciba-kind")
        api = operation["x-ciba-api"]
        assert kind == (f"{api}-response" if status == "200" else "result"), (path, status)
        levels = response["x-ciba-contracts-levels"]
        assert sorted(levels) == sorted(LEVELS), (path, status)
        for file in levels.values():
            assert (OPENAPI.parent / file).resolve().is_file(), file
        schema_ref = response["content"]["application/json"]["schema"]["$ref"]
        assert schema_ref == levels["sdk"], (path, status)


def test_links_name_operations_of_the_document() -> None:
    ids = {operation["operationId"] for _, operation in _operations()}
    links = [
        (name, link)
        for response in _openapi()["components"]["responses"].values()
        for name, link in response.get("links", {}).items()
    ]
    assert {name for name, _ in links} >= {
        "IssueWithTicket",
        "FailWithTicket",
        "CompleteAfterIssue",
        "FailAfterIssue",
    }
    for name, link in links:
        assert link["operationId"] in ids, name


def test_request_bodies_are_the_vendors() -> None:
    spec = yaml.safe_load(_reference(NEWEST_SPEC).read_text(encoding="utf-8"))
    ours = _openapi()["components"]["schemas"]
    for mine, theirs in (
        ("FailRequest", "backchannel_authentication_fail_request"),
        ("CompleteRequest", "backchannel_authentication_complete_request"),
    ):
        vendor = spec["components"]["schemas"][theirs]
        assert ours[mine]["required"] == vendor["required"], mine
        assert list(ours[mine]["properties"]) == list(vendor["properties"]), mine
        for name, member in vendor["properties"].items():
            assert ours[mine]["properties"][name].get("type") == member.get("type"), name
            assert ours[mine]["properties"][name].get("enum") == member.get("enum"), name


def test_the_family_corpus_is_current() -> None:
    from family_corpus import CORPUS, render

    assert CORPUS.read_text(encoding="utf-8") == render(), "run python tests/family_corpus.py"
