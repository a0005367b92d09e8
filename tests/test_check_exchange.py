"""The one exchange checker: the HTTP layer's rules firing and staying quiet, and the API table."""

from __future__ import annotations

import json

import msgspec
import pytest

from builders import ok
from ciba_contracts import Exchange, Finding, Location, check_exchange
from ciba_contracts.check import ExchangeChecker, media_type
from ciba_contracts.contract.apis import ISSUE_API, apis, get_api, request_schema
from ciba_contracts.contract.schemas import openapi_document, strict_openapi_document
from ciba_contracts.selection import api_of

ISSUE_URL = "https://as.example/api/1/backchannel/authentication/issue"
RESULT = {"resultCode": "A001202", "resultMessage": "[A001202] Authorization header missing."}


def exchange(
    status: int | None = 200,
    body: object = None,
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),),
    url: str = ISSUE_URL,
) -> Exchange:
    raw = None if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    return Exchange(Location("test"), "POST", url, status, (), headers, raw)


def rules(found: list[Finding]) -> list[str]:
    return [f.rule for f in found]


def test_a_good_answer_has_no_findings() -> None:
    assert check_exchange(exchange(200, ok()), "ciba") == []
    assert check_exchange(exchange(401, RESULT)) == []
    assert check_exchange(exchange(429, RESULT)) == []


@pytest.mark.parametrize("status", [201, 204, 302, 404, 413, 422, 502, 503])
def test_h301_fires_on_every_undocumented_status(status: int) -> None:
    found = check_exchange(exchange(status, ok()))
    assert rules(found) == ["H301"]
    assert "200, 400, 401, 403, 429, 500" in found[0].message


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=UTF-8",
        "Application/JSON",
        " application/json ",
    ],
)
def test_h302_stays_quiet_on_json_with_parameters_and_any_case(content_type: str) -> None:
    assert check_exchange(exchange(200, ok(), (("Content-Type", content_type),))) == []


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "text/html", "application/problem+json", "application/vnd.authlete+json"],
)
def test_h302_fires_on_every_other_media_type(content_type: str) -> None:
    found = check_exchange(exchange(200, ok(), (("Content-Type", content_type),)))
    assert rules(found) == ["H302"]
    assert found[0].value == content_type


def test_h302_fires_on_a_missing_label_and_says_a_non_json_body_once() -> None:
    assert rules(check_exchange(exchange(200, ok(), (("Server", "x"),)))) == ["H302"]
    found = check_exchange(exchange(200, b"<html>", (("Content-Type", "text/html"),)))
    assert rules(found) == ["H302"]
    assert "not JSON either" in found[0].message


def test_without_recorded_headers_the_label_is_not_judged() -> None:
    assert check_exchange(exchange(200, ok(), ())) == []


def test_h303_is_opt_in() -> None:
    bare = exchange(200, ok())
    assert check_exchange(bare, "ciba") == []
    assert rules(check_exchange(bare, "ciba", select="H303")) == ["H303"]
    assert rules(check_exchange(bare, "ciba", select="H")) == []
    stored = exchange(
        200, ok(), (("Content-Type", "application/json"), ("Cache-Control", "no-store"))
    )
    assert check_exchange(stored, "ciba", select="H303") == []
    pragma = exchange(200, ok(), (("Content-Type", "application/json"), ("Pragma", "no-cache")))
    assert check_exchange(pragma, "ciba", select="no-store-missing") == []


def test_no_answer_and_no_body_are_input_findings() -> None:
    assert rules(check_exchange(exchange(None))) == ["I006"]
    assert rules(check_exchange(exchange(200, None))) == ["I006"]
    assert check_exchange(exchange(None), ignore="I006") == []


def test_the_body_goes_to_the_validator_of_its_status() -> None:
    found = sorted(rules(check_exchange(exchange(200, {"action": "OK"}))))
    assert found == ["A102", "A103", "A106", "A107", "A108"]
    assert sorted(rules(check_exchange(exchange(500, {"resultCode": "A1"})))) == ["A103", "A104"]


def test_the_api_is_read_from_the_url() -> None:
    assert api_of("POST", ISSUE_URL) == ISSUE_API
    assert api_of("POST", "https://h/api/backchannel/authentication/issue/") == ISSUE_API
    assert api_of("POST", "https://h/api/1/backchannel/authentication") == "authentication"
    assert api_of("GET", ISSUE_URL) is None
    assert api_of("POST", "https://h/other") is None
    # An answer of the authentication API is held to that API's response, not the issue's.
    authentication = exchange(
        200, {"anything": 1}, url="https://h/api/1/backchannel/authentication"
    )
    assert {"A101", "A102", "A103"} <= set(rules(check_exchange(authentication)))
    assert "A106" not in rules(check_exchange(authentication))
    assert rules(check_exchange(exchange(302, {}, url=authentication.url))) == ["H301"]


def test_the_api_table_is_the_openapi_document() -> None:
    issue = get_api(ISSUE_API)
    assert issue.statuses == (200, 400, 401, 403, 429, 500)
    assert {a.kind for a in issue.answers.values()} == {"issue-response", "result"}
    assert all(a.media_types == {"application/json"} for a in issue.answers.values())
    assert set(apis()) == {"issue", "authentication", "fail", "complete"}
    with pytest.raises(ValueError, match="unknown API"):
        get_api("nope")
    with pytest.raises(ValueError, match="unknown API"):
        ExchangeChecker(api="nope")


def test_requests_hold_only_what_the_vendor_states_unless_strict() -> None:
    ticket = request_schema(ISSUE_API)["properties"]["ticket"]
    assert "minLength" not in ticket
    strict = strict_openapi_document()["components"]["schemas"]["IssueRequest"]
    assert strict["properties"]["ticket"]["minLength"] == 1
    assert "x-ciba-strict" not in json.dumps(strict)
    assert "x-ciba-strict" in json.dumps(openapi_document())


def test_media_type() -> None:
    assert media_type("Application/JSON; charset=UTF-8") == "application/json"
    assert media_type("") == ""


def test_exchanges_are_equal_whatever_their_notes_say() -> None:
    # Two readers may word why a body is missing apart; the exchange is the same.
    one = Exchange(Location("a", 1), "POST", "https://x/issue", 200, body=None, body_note="a")
    other = Exchange(Location("a", 1), "POST", "https://x/issue", 200, body=None, body_note="b")
    assert one == other
    assert not one != other  # noqa: SIM202 (`!=` is what is tested)
    assert hash(one) == hash(other)
    assert Exchange.__struct_fields__[-1] == "body_note"
    for field in Exchange.__struct_fields__[:-1]:
        changed = msgspec.structs.replace(one, **{field: "changed"})
        assert changed != one, field
        assert not changed == one, field  # noqa: SIM201
