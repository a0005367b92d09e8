"""Report formats (text, json, junit, github), and no secret of a recording in any of them."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import orjson
import pytest
import yaml
from traffic_support import ISSUE_URL, har_entry, json_report, ok_body, run_cli, write_har

from builders import JSON_FINDING_KEYS
from ciba_contracts.config import FORMATS

MARK = "sEcReT"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzRWNSZVQtand0In0." + base64.urlsafe_b64encode(
    f"{MARK}-signature".encode()
).decode().rstrip("=")
BASIC = base64.b64encode(f"svc-key:{MARK}-basic".encode()).decode()
SECRET_URL = (
    f"https://user:{MARK}-userinfo@us.authlete.com/api/715948317/backchannel/authentication/issue"
    f"?access_token={MARK}-query&client_secret={MARK}-query2"
)
REQUEST_HEADERS = (
    ("Authorization", f"Bearer {MARK}-bearer"),
    ("Proxy-Authorization", f"Basic {BASIC}"),
    ("Cookie", f"session={MARK}-cookie"),
)
RESPONSE_HEADERS = (
    ("Content-Type", "application/json"),
    ("Set-Cookie", f"sid={MARK}-setcookie; HttpOnly"),
)
# Bodies whose findings show values that hold credentials.
SECRET_BODIES = [
    # A105 shows resultMessage.
    ok_body(resultMessage=f"[A000000] retried with Bearer {MARK}-message and id_token {JWT}"),
    # A111 shows responseContent, JSON with literal backslashes.
    ok_body(
        responseContent=f'{{\\"access_token\\":\\"{MARK}-content\\",\\"refresh_token\\":\\"{MARK}-r\\"}}'
    ),
    # S001 shows the start of a body that is not JSON.
    f"upstream said: client_secret={MARK}-form&refresh_token={MARK}-form2".encode(),
    # S003 shows a member's value.
    ok_body(expiresIn=f"Basic {BASIC}"),
    # A112 shows the acknowledgement member.
    ok_body(responseContent=json.dumps({"auth_req_id": f"Bearer {MARK}-ack", "expires_in": 600})),
]


def _recordings(tmp_path: Path) -> list[str]:
    entries = [
        har_entry(
            SECRET_URL,
            200,
            body,
            request_headers=REQUEST_HEADERS,
            response_headers=RESPONSE_HEADERS,
        )
        for body in SECRET_BODIES
    ]
    entries.append(
        har_entry(
            SECRET_URL,
            500,
            f"Traceback: Authorization: Bearer {MARK}-trace".encode(),
            content_type="text/plain",
            request_headers=REQUEST_HEADERS,
        )
    )
    har = write_har(tmp_path / "secrets.har", entries)
    cassette = tmp_path / "secrets.yaml"
    interactions = [
        {
            "request": {
                "method": "POST",
                "uri": SECRET_URL,
                "body": f'{{"ticket": "t", "client_secret": "{MARK}-req"}}',
                "headers": {name: [value] for name, value in REQUEST_HEADERS},
            },
            "response": {
                "status": {"code": 200, "message": "OK"},
                "headers": {name: [value] for name, value in RESPONSE_HEADERS},
                "body": {"string": body.decode()},
            },
        }
        for body in SECRET_BODIES
    ]
    cassette.write_text(yaml.safe_dump({"interactions": interactions, "version": 1}))
    log = tmp_path / "secrets.jsonl"
    log.write_bytes(
        b"".join(
            orjson.dumps(
                {
                    "request": {
                        "method": "POST",
                        "url": SECRET_URL,
                        "headers": dict(REQUEST_HEADERS),
                        "body": f"client_secret={MARK}-body",
                    },
                    "response": {
                        "status": 200,
                        "headers": dict(RESPONSE_HEADERS),
                        "body": body.decode(),
                    },
                }
            )
            + b"\n"
            for body in SECRET_BODIES
        )
    )
    payloads = tmp_path / "payloads.jsonl"
    payloads.write_bytes(b"\n".join(SECRET_BODIES) + b"\n")
    return [str(har), str(cassette), str(log), str(payloads)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_secret_reaches_any_report(tmp_path: Path, fmt: str) -> None:
    inputs = _recordings(tmp_path)
    code, out = run_cli("validate", *inputs, "--format", fmt)
    assert code == 1
    assert MARK not in out, [line for line in out.splitlines() if MARK in line]
    assert "[REDACTED]" in out
    for rule in ("A105", "A111", "S001", "S003", "A112", "H302"):
        assert rule in out, rule
    # The same through --output.
    target = tmp_path / f"report.{fmt}"
    run_cli("validate", *inputs, "--format", fmt, "--output", str(target))
    assert MARK not in target.read_text(encoding="utf-8")


def test_junit_is_valid_and_has_a_case_per_checked_exchange(tmp_path: Path) -> None:
    entries = [
        har_entry(ISSUE_URL, 200, ok_body()),
        har_entry(ISSUE_URL, 200, ok_body(expiresIn=0)),
        har_entry(ISSUE_URL, 200, ok_body(), method="GET"),
        har_entry(ISSUE_URL, 200, b"!!"),
    ]
    entries[3]["response"]["content"]["encoding"] = "base64"
    path = write_har(tmp_path / "j.har", entries)
    code, out = run_cli("validate", str(path), "--format", "junit")
    assert code == 1
    root = ET.fromstring(out)
    assert root.tag == "testsuites"
    cases = root.findall("./testsuite/testcase")
    # Two checked exchanges and one unreadable entry; the GET is skipped, not a test.
    assert len(cases) == 3
    failures = [c for c in cases if c.find("failure") is not None]
    assert len(failures) == 2
    assert root.get("tests") == "3"
    assert root.get("failures") == "2"
    assert "A109" in (failures[0].find("failure").text or "")  # type: ignore[union-attr]
    assert "entry 1" in (failures[0].get("name") or "")


def test_github_annotations_are_escaped(tmp_path: Path) -> None:
    body = ok_body(resultMessage="[A000000] line one\nline two, 100% sure: yes")
    path = write_har(tmp_path / "gh.har", [har_entry(ISSUE_URL, 200, body)])
    code, out = run_cli("validate", str(path), "--format", "github")
    assert code == 1
    lines = out.splitlines()
    assert all(line.startswith("::") for line in lines)
    annotation = next(line for line in lines if "A105" in line)
    assert annotation.startswith(f"::error file={path},line=")
    assert "%25" in annotation
    assert "100% " not in annotation


def test_text_report_groups_by_source_and_entry_and_has_no_colour_when_piped(
    tmp_path: Path,
) -> None:
    path = write_har(
        tmp_path / "t.har",
        [har_entry(ISSUE_URL, 200, ok_body(expiresIn=0)), har_entry(ISSUE_URL, 422, b"{}")],
    )
    code, out = run_cli("validate", str(path))
    assert code == 1
    assert "\x1b[" not in out
    assert out.startswith(f"{path}\n  entry 0, line ")
    assert f"POST {ISSUE_URL} -> 200" in out
    assert "    H301 error: HTTP status 422" in out


def test_json_report_keys(tmp_path: Path) -> None:
    path = write_har(tmp_path / "k.har", [har_entry(ISSUE_URL, 200, ok_body(expiresIn=0))])
    _, report = json_report(str(path))
    finding = report["findings"][0]
    assert set(finding) == JSON_FINDING_KEYS
    assert finding["exchange"] == f"POST {ISSUE_URL} -> 200"


# Credentials given as name/value pairs, as HAR writes headers and postData.params and
# as loggers write parameters, inside values that findings show.
PAIR_BODIES = [
    # A105 shows resultMessage.
    ok_body(resultMessage=f'[A000000] params [["client_secret","{MARK}-pair"]]'),
    ok_body(resultMessage=f"[A000000] params [('client_secret', '{MARK}-tuple')]"),
    ok_body(resultMessage=f'[A000000] {{"value": "{MARK}-reversed", "name": "Authorization"}}'),
    # S003 shows a member's value, rendered as JSON.
    ok_body(expiresIn={"name": "client_secret", "value": f"{MARK}-object"}),
    ok_body(expiresIn=[{"name": "scope", "value": "openid"}, {"name": "Cookie", "value": MARK}]),
    ok_body(interval={"key": "api_key", "value": f"{MARK}-key"}),
    ok_body(interval={"client_secret": [f"{MARK}-list"]}),
    # A111 shows responseContent, JSON held in a string with escaped quotes.
    ok_body(
        responseContent=json.dumps({"params": [["client_secret", f"{MARK}-escaped"]]})[:-1]
        + json.dumps({"name": "password", "value": f"{MARK}-escaped2"})
    ),
    # S001 shows the start of a body that is not JSON.
    f'error: ["access_token", "{MARK}-text"]'.encode(),
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_secret_given_as_a_pair_reaches_any_report(tmp_path: Path, fmt: str) -> None:
    har = write_har(tmp_path / "pairs.har", [har_entry(body=body) for body in PAIR_BODIES])
    code, out = run_cli("validate", str(har), "--format", fmt)
    assert code == 1
    assert MARK not in out, [line for line in out.splitlines() if MARK in line]
    assert out.count("[REDACTED]") >= len(PAIR_BODIES)
    _, report = json_report(str(har))
    assert {f["entry"] for f in report["findings"]} == set(range(len(PAIR_BODIES)))
    # What is not a credential stays readable.
    assert '"name":"scope","value":"openid"' in json.dumps(report).replace(" ", "").replace(
        "\\", ""
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_session_id_in_a_path_parameter_reaches_no_report(tmp_path: Path, fmt: str) -> None:
    # Servlet containers carry the session cookie in the URL when cookies are off; the call
    # is an issue-API call (path parameters are ignored), and its URL is shown.
    url = f"{ISSUE_URL};jsessionid={MARK}-session"
    har = write_har(tmp_path / "session.har", [har_entry(url, 200, ok_body(expiresIn=0))])
    code, out = run_cli("validate", str(har), "--format", fmt)
    assert code == 1
    assert MARK not in out, [line for line in out.splitlines() if MARK in line]
    assert ";jsessionid=[REDACTED]" in out.replace("%5B", "[").replace("%5D", "]")
