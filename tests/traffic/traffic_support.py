"""Helpers shared by the recorded-traffic tests (a plain module, not a conftest)."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
from click.testing import CliRunner

from ciba_contracts.cli import main

ISSUE_URL = "https://us.authlete.com/api/715948317/backchannel/authentication/issue"
ISSUE_V2_URL = "https://us.authlete.com/api/backchannel/authentication/issue"
AUTH_URL = "https://us.authlete.com/api/715948317/backchannel/authentication"
AUTH_REQ_ID = "xugWTI84eQEKbIEAz61f3lVkqULK4eYYTd7aHKL5c_o"


def ok_body(**changes: Any) -> bytes:
    """A valid OK issue response, with members changed or (value None) removed."""
    fields: dict[str, Any] = {
        "resultCode": "A183001",
        "resultMessage": "[A183001] An auth_req_id was issued successfully.",
        "action": "OK",
        "authReqId": AUTH_REQ_ID,
        "expiresIn": 600,
        "interval": 5,
    }
    fields.update(changes)
    ack = {
        "auth_req_id": fields.get("authReqId"),
        "expires_in": fields.get("expiresIn"),
        "interval": fields.get("interval"),
    }
    fields.setdefault("responseContent", json.dumps(ack, separators=(",", ":")))
    return orjson.dumps({k: v for k, v in fields.items() if v is not None})


RESULT_401 = (
    b'{"resultCode":"A001202","resultMessage":"[A001202] Authorization header is missing."}'
)


def har_entry(
    url: str = ISSUE_URL,
    status: int = 200,
    body: bytes | None = None,
    *,
    method: str = "POST",
    content_type: str = "application/json",
    base64_body: bool = False,
    request_headers: Sequence[tuple[str, str]] = (("Authorization", "Bearer reference-token"),),
    response_headers: Sequence[tuple[str, str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One HAR 1.2 entry as devtools write it."""
    content: dict[str, Any] = {"size": len(body or b""), "mimeType": content_type}
    if body is not None:
        if base64_body:
            content["text"] = base64.b64encode(body).decode()
            content["encoding"] = "base64"
        else:
            content["text"] = body.decode("utf-8")
    headers = (
        list(response_headers)
        if response_headers is not None
        else [("Content-Type", content_type), ("Cache-Control", "no-store")]
    )
    entry: dict[str, Any] = {
        "startedDateTime": "2024-05-01T10:00:00.000Z",
        "time": 12.5,
        "request": {
            "method": method,
            "url": url,
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": n, "value": v} for n, v in request_headers],
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": 0,
        },
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": n, "value": v} for n, v in headers],
            "cookies": [],
            "content": content,
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(body or b""),
        },
        "cache": {},
        "timings": {"send": 0.1, "wait": 10.0, "receive": 0.4},
    }
    if extra:
        entry.update(extra)
    return entry


def har_document(
    entries: Sequence[dict[str, Any]], creator: str = "WebInspector"
) -> dict[str, Any]:
    """A HAR 1.2 document around ``entries``."""
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": creator, "version": "537.36"},
            "pages": [
                {
                    "startedDateTime": "2024-05-01T10:00:00.000Z",
                    "id": "page_1",
                    "title": "https://as.example.com/",
                    "pageTimings": {},
                }
            ],
            "entries": list(entries),
        }
    }


def write_har(path: Path, entries: Sequence[dict[str, Any]], indent: int | None = 2) -> Path:
    """Write a HAR file; ``indent=None`` writes it minified (one line)."""
    text = json.dumps(har_document(entries), indent=indent, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def run_cli(*args: str, stdin: bytes | None = None) -> tuple[int, str]:
    """``ciba-contracts ARGS`` in-process: exit code and standard output."""
    result = CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)
    return result.exit_code, result.output


def json_report(*args: str, stdin: bytes | None = None) -> tuple[int, dict[str, Any]]:
    """``ciba-contracts validate ARGS --format json``: exit code and parsed report."""
    argv = ["validate", *args, "--format", "json"]
    result = CliRunner().invoke(main, argv, input=stdin, catch_exceptions=False)
    # Standard output only: an unusable input is also named on standard error.
    return result.exit_code, json.loads(result.stdout)


def rules_by_entry(report: dict[str, Any]) -> dict[tuple[str, int | None], list[str]]:
    """(source name, entry) -> sorted rule codes, from a JSON report."""
    out: dict[tuple[str, int | None], list[str]] = {}
    for finding in report["findings"]:
        key = (Path(finding["source"]).name, finding["entry"])
        out.setdefault(key, []).append(finding["rule"])
    return {k: sorted(v) for k, v in out.items()}
