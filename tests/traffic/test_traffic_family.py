"""Recorded calls of the whole family: ``--api`` picks the APIs whose calls are checked by path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from traffic_support import har_entry, json_report, ok_body, run_cli, write_har

from ciba_contracts import validate
from ciba_contracts.config import resolve_apis
from family_cases import ABSENT, fail_answer, no_action, user_identification

V3 = "https://us.authlete.com/api/715948317/backchannel/authentication"
V2 = "https://us.authlete.com/api/backchannel/authentication"

#: One broken answer per API: (API, path after the authentication path, body).
BROKEN: list[tuple[str, str, dict[str, Any]]] = [
    ("authentication", "", user_identification(ticket=ABSENT)),
    ("issue", "/issue", json.loads(ok_body(expiresIn=0))),
    ("fail", "/fail", fail_answer(action="NOPE")),
    ("complete", "/complete", no_action(clientId="x")),
]


def _family_har(path: Path, base: str, *, escaped: bool = False) -> Path:
    entries = [har_entry(base + tail, body=orjson.dumps(body)) for _, tail, body in BROKEN]
    write_har(path, entries, indent=None if escaped else 2)
    if escaped:
        # JSON may escape every slash; the paths must still be recognised.
        path.write_text(path.read_text().replace("/", "\\/"))
    return path


def _rules(report: dict[str, Any]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for finding in report["findings"]:
        out.setdefault(finding["entry"], []).append(finding["rule"])
    return out


def _expected(apis: set[str]) -> dict[int, list[str]]:
    """What the one payload validator says of each chosen API's answer, by entry."""
    out: dict[int, list[str]] = {}
    for entry, (api, _, body) in enumerate(BROKEN):
        if api in apis:
            out[entry] = [f.rule for f in validate(orjson.dumps(body), api=api)]
    return out


def test_the_issue_api_alone_by_default(tmp_path: Path) -> None:
    code, report = json_report(str(_family_har(tmp_path / "f.har", V3)))
    assert code == 1
    assert _rules(report) == _expected({"issue"})
    assert report["summary"]["checked"] == 1
    assert report["summary"]["skipped"] == 3


@pytest.mark.parametrize("base", [V3, V2], ids=["v3", "v2"])
@pytest.mark.parametrize("escaped", [False, True], ids=["plain", "escaped-slashes"])
def test_api_all_checks_each_call_as_its_own_api(tmp_path: Path, base: str, escaped: bool) -> None:
    har = _family_har(tmp_path / "f.har", base, escaped=escaped)
    code, report = json_report(str(har), "--api", "all")
    assert code == 1
    expected = _expected({"authentication", "issue", "fail", "complete"})
    assert all(expected.values())
    assert _rules(report) == expected
    assert report["summary"]["checked"] == 4


def test_one_api_named_checks_its_calls_only(tmp_path: Path) -> None:
    har = str(_family_har(tmp_path / "f.har", V3))
    for api in ("authentication", "fail", "complete"):
        code, report = json_report(har, "--api", api)
        assert code == 1
        assert _rules(report) == _expected({api})
    _, both = json_report(har, "--api", "fail", "--api", "complete")
    assert _rules(both) == _expected({"fail", "complete"})


def test_correct_answers_of_every_api_pass(tmp_path: Path) -> None:
    entries = [
        har_entry(V3, body=orjson.dumps(user_identification())),
        har_entry(V3 + "/issue", body=ok_body()),
        har_entry(V2 + "/fail", body=orjson.dumps(fail_answer())),
        har_entry(V2 + "/complete", body=orjson.dumps(no_action())),
    ]
    har = write_har(tmp_path / "ok.har", entries)
    code, report = json_report(str(har), "--api", "all")
    assert (code, report["findings"], report["summary"]["checked"]) == (0, [], 4)


def test_a_gateway_path_is_checked_as_the_api_named(tmp_path: Path) -> None:
    body = orjson.dumps(fail_answer())
    har = write_har(tmp_path / "gw.har", [har_entry("https://gw.example/ciba/fail", body=body)])
    args = (str(har), "--path-pattern", "^/ciba/fail$")
    _, as_issue = json_report(*args)
    _, as_fail = json_report(*args, "--api", "fail")
    assert (as_fail["summary"]["checked"], as_fail["findings"]) == (1, [])
    assert _rules(as_issue) == {0: [f.rule for f in validate(body, api="issue")]}
    assert as_issue["findings"]


def test_bare_payloads_need_exactly_one_api(tmp_path: Path) -> None:
    payload = tmp_path / "p.json"
    payload.write_bytes(orjson.dumps(fail_answer()))
    assert run_cli("validate", str(payload), "--api", "fail")[0] == 0
    code, output = run_cli("validate", str(payload), "--api", "all")
    assert code == 2
    assert "give one --api" in output
    assert "p.json" in output


def test_the_configuration_names_several_apis(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.ciba-contracts]\napi = ["fail", "complete"]\n')
    har = str(_family_har(tmp_path / "f.har", V3))
    _, report = json_report(har, "--config", str(config))
    assert _rules(report) == _expected({"fail", "complete"})
    config.write_text('[tool.ciba-contracts]\napi = ["fail", "nope"]\n')
    code, output = run_cli("validate", har, "--config", str(config))
    assert code == 2
    assert "api must be one of" in output


def test_resolve_apis_keeps_the_contract_order() -> None:
    assert resolve_apis(["complete", "issue", "complete"]) == ("issue", "complete")
    assert resolve_apis(["all"]) == ("authentication", "issue", "fail", "complete")
    with pytest.raises(ValueError, match="api must be one of"):
        resolve_apis(["token"])


def test_an_exchange_log_of_the_family(tmp_path: Path) -> None:
    lines = [
        {
            "request": {"method": "POST", "url": V2 + tail, "headers": {}, "body": "{}"},
            "response": {
                "status": 200,
                "headers": {"Content-Type": "application/json"},
                "body": json.dumps(body),
            },
        }
        for _, tail, body in BROKEN
    ]
    log = tmp_path / "calls.jsonl"
    log.write_text("".join(json.dumps(line) + "\n" for line in lines))
    _, report = json_report(str(log), "--api", "all")
    assert _rules(report) == _expected({"authentication", "issue", "fail", "complete"})
