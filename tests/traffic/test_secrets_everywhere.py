"""One marker in every place a credential sits, in every input format, in every report format.

The marker is put into each credential placement (headers, form and JSON
bodies, query strings, URL user information, path parameters, JWTs whole and
cut by value truncation, tokens inside ``responseContent``, file names), in
recordings of each format the CLI reads (HAR, VCR.py YAML and JSON cassettes,
exchange logs, payload files). Every report format the CLI offers (read from
its own ``--format`` choices, so a new format is covered as it comes) is
rendered, to standard output and through ``--output``, and the marker (and
the base64 forms it takes inside a Basic credential or a JWT) appears nowhere.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import click
import orjson
import pytest
import yaml
from click.testing import CliRunner
from traffic_support import ok_body

from ciba_contracts.cli import main

MARK = "Mk7qZ2"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _jwt(subject: str) -> str:
    header = _b64url(b'{"alg":"RS256","typ":"JWT","kid":"' + subject.encode() + b'"}')
    claims = _b64url(json.dumps({"sub": subject, "iss": "https://as.example"}).encode())
    return f"{header}.{claims}.{_b64url(subject.encode() * 12)}"


JWT = _jwt(f"{MARK}-jwt")
BASIC = base64.b64encode(f"svc-key:{MARK}-basic".encode()).decode()
#: What a leak looks like: the marker, and the base64 texts that carry it.
LEAKS = (MARK, BASIC[:12], JWT.split(".")[0][:16], JWT.split(".")[1][:12])

HOST = "https://us.authlete.com"
ISSUE_PATH = "/api/715948317/backchannel/authentication/issue"
URLS = (
    f"https://svc:{MARK}-userinfo@us.authlete.com{ISSUE_PATH}",
    f"{HOST}{ISSUE_PATH}?access_token={MARK}-query&client_secret={MARK}-query2&code={MARK}-c",
    f"{HOST}/api/715948317;jsessionid={MARK}-path/backchannel/authentication/issue",
    f"{HOST}{ISSUE_PATH};sid={MARK}-path2",
)
REQUEST_HEADERS = (
    ("Authorization", f"Bearer {MARK}-bearer"),
    ("Proxy-Authorization", f"Basic {BASIC}"),
    ("Cookie", f"session={MARK}-cookie; theme=dark"),
    ("X-Api-Key", f"{MARK}-apikey"),
)
RESPONSE_HEADERS = (
    ("Content-Type", "application/json"),
    ("Set-Cookie", f"sid={MARK}-setcookie; HttpOnly"),
    ("X-Api-Key", f"{MARK}-apikey2"),
)
REQUEST_BODIES = (
    f"grant_type=x&client_id=c&client_secret={MARK}-form&password={MARK}-pw",
    json.dumps({"ticket": "t", "clientSecret": f"{MARK}-json", "apiSecret": f"{MARK}-json2"}),
)


def _bodies() -> list[bytes]:
    """Answers whose findings quote values holding credentials."""
    padding = "x" * 40
    return [
        # A105 quotes resultMessage: a scheme credential and a whole JWT.
        ok_body(resultMessage=f"[A000000] retried with Bearer {MARK}-message and {JWT}"),
        # S003 quotes a value cut to its limit: the JWT is cut inside its payload.
        ok_body(resultMessage=[f"Basic {BASIC}", padding, JWT]),
        ok_body(resultMessage=[f"{padding}{padding[:25]}", JWT]),
        # A111 quotes responseContent that is not JSON, with tokens in it.
        ok_body(
            responseContent=f'{{\\"access_token\\":\\"{MARK}-content\\",\\"id_token\\":\\"{JWT}\\"}}'
        ),
        # A112 quotes members of responseContent.
        ok_body(responseContent=json.dumps({"auth_req_id": f"Bearer {MARK}-ack", "expires_in": 9})),
        ok_body(responseContent=json.dumps({"auth_req_id": JWT, "expires_in": 600})),
        # A115 quotes an error object holding tokens.
        orjson.dumps(
            {
                "resultCode": "A181201",
                "resultMessage": "[A181201] no",
                "action": "INVALID_TICKET",
                "responseContent": json.dumps(
                    {"refresh_token": f"{MARK}-refresh", "access_token": JWT}
                ),
            }
        ),
        # S001 quotes the start of a body that is not JSON: a form and header lines.
        f"client_secret={MARK}-form2&refresh_token={MARK}-form3".encode(),
        f"Authorization: Bearer {MARK}-trace\nCookie: a={MARK}-trace2".encode(),
        # S002 quotes a JSON body that is no object.
        json.dumps([{"client_secret": f"{MARK}-array"}, {"accessToken": JWT}]).encode(),
        # S003 quotes a member of the wrong type.
        ok_body(expiresIn=f"Basic {BASIC}"),
        ok_body(interval={"token": f"{MARK}-obj", "api_key": f"{MARK}-obj2"}),
    ]


def _exchanges() -> list[tuple[str, bytes, tuple[tuple[str, str], ...], str]]:
    """(URL, answer, request headers, request body) of every recorded exchange."""
    out: list[tuple[str, bytes, tuple[tuple[str, str], ...], str]] = []
    for i, body in enumerate(_bodies()):
        out.append((URLS[i % len(URLS)], body, REQUEST_HEADERS, REQUEST_BODIES[i % 2]))
    return out


def _har(path: Path) -> None:
    entries: list[dict[str, Any]] = []
    for url, body, headers, sent in _exchanges():
        entries.append(
            {
                "startedDateTime": "2024-05-01T10:00:00.000Z",
                "time": 1,
                "request": {
                    "method": "POST",
                    "url": url,
                    "httpVersion": "HTTP/1.1",
                    "headers": [{"name": n, "value": v} for n, v in headers],
                    "queryString": [
                        {"name": "access_token", "value": f"{MARK}-qs"},
                    ],
                    "cookies": [{"name": "session", "value": f"{MARK}-harcookie"}],
                    "postData": {
                        "mimeType": "application/x-www-form-urlencoded",
                        "text": sent,
                        "params": [{"name": "client_secret", "value": f"{MARK}-param"}],
                    },
                    "headersSize": -1,
                    "bodySize": len(sent),
                },
                "response": {
                    "status": 200,
                    "statusText": "OK",
                    "httpVersion": "HTTP/1.1",
                    "headers": [{"name": n, "value": v} for n, v in RESPONSE_HEADERS],
                    "cookies": [{"name": "sid", "value": f"{MARK}-harsetcookie"}],
                    "content": {
                        "size": len(body),
                        "mimeType": "application/json",
                        "text": body.decode(),
                    },
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": len(body),
                },
                "cache": {},
                "timings": {"send": 0, "wait": 1, "receive": 0},
            }
        )
    document = {
        "log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}
    }
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")


def _interactions() -> list[dict[str, Any]]:
    return [
        {
            "request": {
                "method": "POST",
                "uri": url,
                "body": sent,
                "headers": {name: [value] for name, value in headers},
            },
            "response": {
                "status": {"code": 200, "message": "OK"},
                "headers": {name: [value] for name, value in RESPONSE_HEADERS},
                "body": {"string": body.decode()},
            },
        }
        for url, body, headers, sent in _exchanges()
    ]


def _inputs(folder: Path) -> list[str]:
    folder.mkdir()
    _har(folder / "recording.har")
    document = {"interactions": _interactions(), "version": 1}
    (folder / "cassette.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    (folder / "cassette.json").write_text(json.dumps(document), encoding="utf-8")
    lines = [
        orjson.dumps(
            {
                "request": {"method": "POST", "url": url, "headers": list(headers), "body": sent},
                "response": {
                    "status": 200,
                    "headers": dict(RESPONSE_HEADERS),
                    "body": body.decode(),
                },
            }
        )
        for url, body, headers, sent in _exchanges()
    ]
    (folder / "exchanges.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    bodies = _bodies()
    (folder / "payloads.jsonl").write_bytes(b"\n".join(bodies) + b"\n")
    (folder / f"access_token={MARK}-name.json").write_bytes(bodies[0])
    (folder / f"client_secret={MARK}-name2.jsonl").write_bytes(b"not json\n")
    return [str(folder)]


def _cli_formats() -> list[str]:
    """The CLI's own ``--format`` choices of ``validate``."""
    command = main.commands["validate"]
    option = next(p for p in command.params if "--format" in getattr(p, "opts", ()))
    assert isinstance(option.type, click.Choice)
    return [str(choice) for choice in option.type.choices]


def _leaks(text: str) -> list[str]:
    return [line for line in text.splitlines() if any(leak in line for leak in LEAKS)]


def test_every_input_format_is_read(tmp_path: Path) -> None:
    # So that a reader that read nothing cannot pass the test below.
    result = CliRunner().invoke(main, ["validate", *_inputs(tmp_path / "in"), "--format", "json"])
    report = json.loads(result.stdout)
    sources = {Path(f["source"]).name for f in report["findings"]}
    for name in ("recording.har", "cassette.yaml", "cassette.json", "exchanges.jsonl"):
        assert name in sources, name
    assert "payloads.jsonl" in sources
    per_entry = {(f["source"], f["entry"]) for f in report["findings"]}
    assert len(per_entry) >= 5 * len(_bodies())
    assert {f["rule"] for f in report["findings"]} >= {"A105", "A111", "A112", "S001", "S003"}


@pytest.mark.parametrize("fmt", _cli_formats())
def test_the_marker_reaches_no_report(tmp_path: Path, fmt: str) -> None:
    inputs = _inputs(tmp_path / "in")
    result = CliRunner().invoke(main, ["validate", *inputs, "--format", fmt])
    assert result.exit_code in (1, 2), result.output
    assert "[REDACTED]" in result.output
    assert not _leaks(result.output)
    target = tmp_path / f"report.{fmt}"
    CliRunner().invoke(main, ["validate", *inputs, "--format", fmt, "--output", str(target)])
    assert not _leaks(target.read_text(encoding="utf-8"))
