"""HTTP client hooks (httpx sync and async, requests) and the issue-call selection they share."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import warnings
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

import httpx
import pytest
import requests

from builders import ack, ok
from ciba_contracts.hooks import (
    ContractHook,
    ResponseRecord,
    async_httpx_hook,
    httpx_hook,
    requests_hook,
)
from ciba_contracts.selection import ISSUE_PATH_PATTERN, is_issue_call, kind_for_status, path_of
from ciba_contracts.violations import ContractViolation, ContractWarning
from loopback import serve_handler

GOOD = ok()
NEGATIVE_INTERVAL = ok(interval=-1, responseContent=ack(interval=-1))
WARNING_ONLY = {
    "resultCode": "A182101",
    "resultMessage": "[A182101] Failed to issue an 'auth_req_id' due to a database error.",
    "action": "INTERNAL_SERVER_ERROR",
    "responseContent": json.dumps({"error": "server_error", "error_description": "déjà"}),
}
GOOD_RESULT = {"resultCode": "A001202", "resultMessage": "[A001202] Authorization header missing."}
V3 = "https://us.authlete.com/api/42/backchannel/authentication/issue"
V2 = "https://us.authlete.com/api/backchannel/authentication/issue"


# -- selection ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "expected"),
    [
        ("POST", V3, True),
        ("POST", V2, True),
        ("post", V3, True),
        ("POST", V3 + "/", True),
        ("POST", V3 + "?trace=1#frag", True),
        ("POST", "http://127.0.0.1:8080/api/svc-1/backchannel/authentication/issue", True),
        ("POST", "/api/42/backchannel/authentication/issue", True),
        ("POST", "/api/backchannel/authentication/issue/?x=1", True),
        ("GET", V3, False),
        ("PUT", V2, False),
        ("POST", "https://us.authlete.com/api/42/backchannel/authentication", False),
        ("POST", "https://us.authlete.com/api/42/backchannel/authentication/issue/x", False),
        ("POST", "https://us.authlete.com/api/42/7/backchannel/authentication/issue", False),
        ("POST", "https://us.authlete.com/gw/api/42/backchannel/authentication/issue", False),
        ("POST", "https://us.authlete.com/API/42/backchannel/authentication/issue", False),
        ("POST", "", False),
        # Path parameters are no part of the route; servlet containers add a session id.
        ("POST", V3 + ";jsessionid=ABC", True),
        ("POST", "/api/42/backchannel/authentication/issue;jsessionid=ABC?x=1", True),
        ("POST", "/api/42;v=1/backchannel/authentication/issue/;a=b", True),
        # Runs of slashes count as one, as servers and nginx route them.
        ("POST", "//api/42/backchannel/authentication/issue", True),
        ("POST", "https://us.authlete.com//api/42/backchannel/authentication/issue", True),
        ("POST", "https://us.authlete.com/api//backchannel/authentication/issue", True),
        ("POST", "/api/42/backchannel//authentication/issue//", True),
        ("POST", "//us.authlete.com/api/42/backchannel/authentication/issue", True),
        # The other backchannel APIs stay out, however their path is spelt.
        ("POST", "/api/42/backchannel/authentication;jsessionid=ABC", False),
        ("POST", "//api/42/backchannel/authentication", False),
        ("POST", "/api/42//backchannel/authentication/complete", False),
        ("POST", "/api/42/backchannel/authentication/complete;x=/issue", False),
        ("POST", "/api/42/backchannel/authentication/issue;x=/complete", False),
        ("POST", "/api/42/backchannel/authentication/fail", False),
    ],
)
def test_is_issue_call(method: str, url: str, expected: bool) -> None:
    assert is_issue_call(method, url) is expected


def test_custom_pattern_is_searched_in_the_path() -> None:
    gateway = re.compile(r"/authlete/api/[^/]+/backchannel/authentication/issue$")
    assert is_issue_call(
        "POST", "https://gw.example/authlete/api/1/backchannel/authentication/issue", gateway
    )
    assert not is_issue_call("POST", V3, gateway)
    assert not is_issue_call(
        "GET", "https://gw.example/authlete/api/1/backchannel/authentication/issue", gateway
    )


def test_path_of() -> None:
    assert path_of("https://h:1/a/b?q=1#f") == "/a/b"
    assert path_of("/a/b?q=//x") == "/a/b"
    assert path_of("//host/a") == "/a"
    assert ISSUE_PATH_PATTERN.search("/api/1/backchannel/authentication/issue")
    assert not ISSUE_PATH_PATTERN.search("/x/api/1/backchannel/authentication/issue")


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (200, "issue-response"),
        (400, "result"),
        (401, "result"),
        (403, "result"),
        (500, "result"),
        (201, None),
        (404, None),
        (422, None),
        (502, None),
    ],
)
def test_kind_for_status(status: int, kind: str | None) -> None:
    assert kind_for_status(status) == kind


# -- httpx (MockTransport) ----------------------------------------------------------------------


def mock_transport(routes: dict[str, tuple[int, Any]]) -> httpx.MockTransport:
    """Answers each path with (status, JSON body or raw bytes); 404 elsewhere."""

    def handler(request: httpx.Request) -> httpx.Response:
        status, body = routes.get(request.url.path, (404, b"not found"))
        if isinstance(body, bytes):
            return httpx.Response(status, content=body)
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handler)


def client_for(hook: Any, routes: dict[str, tuple[int, Any]]) -> httpx.Client:
    return httpx.Client(
        transport=mock_transport(routes),
        base_url="https://us.authlete.com",
        event_hooks={"response": [hook]},
    )


ISSUE_V3 = "/api/42/backchannel/authentication/issue"
ISSUE_V2 = "/api/backchannel/authentication/issue"


def test_httpx_raise_policy() -> None:
    hook = httpx_hook()
    routes = {ISSUE_V3: (200, NEGATIVE_INTERVAL), ISSUE_V2: (200, GOOD)}
    with client_for(hook, routes) as client:
        assert client.post(ISSUE_V2, json={"ticket": "t"}).json() == GOOD
        with pytest.raises(ContractViolation) as info:
            client.post(ISSUE_V3, json={"ticket": "t"})
    violation = info.value
    assert violation.rules == {"A110"}
    assert violation.kind == "issue-response"
    message = str(violation)
    assert f"POST https://us.authlete.com{ISSUE_V3} -> 200" in message
    assert "A110 [error] /interval" in message
    # Both checked responses are recorded, the clean one with no findings.
    assert [(r.status, r.ok) for r in hook.records] == [(200, True), (200, False)]


def test_httpx_checks_result_objects_of_error_statuses() -> None:
    hook = httpx_hook(policy="collect")
    routes = {
        ISSUE_V3: (401, {"resultCode": "A001202"}),
        ISSUE_V2: (500, GOOD_RESULT),
    }
    with client_for(hook, routes) as client:
        client.post(ISSUE_V3)
        client.post(ISSUE_V2)
    first, second = hook.records
    assert (first.kind, first.status, [f.rule for f in first.findings]) == ("result", 401, ["A103"])
    assert (second.kind, second.ok) == ("result", True)


def test_httpx_ignores_other_requests() -> None:
    hook = httpx_hook()
    routes = {"/api/42/backchannel/authentication": (200, b"not json at all")}
    with client_for(hook, routes) as client:
        client.post("/api/42/backchannel/authentication")
        client.get(ISSUE_V3)  # a GET is no issue call
    assert hook.records == []


def test_an_undocumented_status_is_a_finding_not_a_pass() -> None:
    hook = httpx_hook(policy="collect")
    with client_for(hook, {ISSUE_V2: (302, b"<html>")}) as client:
        client.post(ISSUE_V2)
    (record,) = hook.records
    assert [f.rule for f in record.findings] == ["H301"]
    assert record.kind == "answer"


class _Chunks(httpx.SyncByteStream):
    """A body that says whether anyone read it."""

    def __init__(self) -> None:
        self.read = False

    def __iter__(self) -> Iterator[bytes]:
        self.read = True
        yield b"{}"


def test_httpx_hook_does_not_read_unrelated_streams() -> None:
    stream = _Chunks()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=stream))
    hook = httpx_hook()
    with (
        httpx.Client(transport=transport, event_hooks={"response": [hook]}) as client,
        client.stream("POST", "https://as.example/download") as response,
    ):
        assert not stream.read
        assert response.read() == b"{}"
    assert hook.records == []


def test_httpx_stream_is_read_by_the_hook() -> None:
    hook = httpx_hook(policy="collect")
    with (
        client_for(hook, {ISSUE_V3: (200, GOOD)}) as client,
        client.stream("POST", ISSUE_V3) as response,
    ):
        # The hook read the body, and the caller can still use it.
        assert response.json() == GOOD
    assert len(hook.records) == 1
    assert hook.records[0].ok


def test_warn_policy() -> None:
    hook = httpx_hook(policy="warn")
    with (
        client_for(hook, {ISSUE_V3: (200, NEGATIVE_INTERVAL)}) as client,
        pytest.warns(ContractWarning, match="A110") as caught,
    ):
        response = client.post(ISSUE_V3)
    assert response.status_code == 200
    warning = caught[0].message
    assert isinstance(warning, ContractWarning)
    assert [f.rule for f in warning.findings] == ["A110"]


def test_raise_policy_warns_on_warning_only_findings() -> None:
    hook = httpx_hook()
    with (
        client_for(hook, {ISSUE_V3: (200, WARNING_ONLY)}) as client,
        pytest.warns(ContractWarning, match="A116"),
    ):
        client.post(ISSUE_V3)
    assert hook.records[0].ok
    hook.assert_clean()


def test_collect_policy_and_assert_clean() -> None:
    hook = httpx_hook(profile="ciba", policy="collect")
    zero = ok(interval=0, responseContent=ack(interval=0))
    routes = {ISSUE_V3: (200, zero), ISSUE_V2: (200, GOOD)}
    with client_for(hook, routes) as client, warnings.catch_warnings():
        warnings.simplefilter("error")  # collect never warns
        client.post(ISSUE_V3)
        client.post(ISSUE_V2)
        client.post(ISSUE_V3)
    assert len(hook.records) == 3
    assert [r.describe() for r in hook.violations] == [
        f"POST https://us.authlete.com{ISSUE_V3} -> 200"
    ] * 2
    assert [f.rule for f in hook.findings] == ["C203", "C203"]
    with pytest.raises(ContractViolation) as info:
        hook.assert_clean()
    message = str(info.value)
    assert message.startswith("2 issue API responses broke the CIBA contract at profile ciba:")
    assert message.count("C203 [error] /interval") == 2
    record = hook.violations[0]
    assert isinstance(record, ResponseRecord)
    assert str(record).splitlines()[0] == record.describe()
    hook.reset()
    assert hook.records == []
    hook.assert_clean()


def test_select_ignore_and_path_pattern() -> None:
    hook = httpx_hook(ignore="A110", path_pattern=r"/custom/issue$")
    routes = {"/custom/issue": (200, NEGATIVE_INTERVAL), ISSUE_V3: (200, {"action": "OK"})}
    with client_for(hook, routes) as client:
        client.post("/custom/issue")  # A110 ignored
        client.post(ISSUE_V3)  # not selected by the custom pattern
    assert [r.url for r in hook.records] == ["https://us.authlete.com/custom/issue"]
    strict = httpx_hook(select=["A110"], path_pattern=re.compile(r"/custom/issue$"))
    with client_for(strict, routes) as client, pytest.raises(ContractViolation, match="A110"):
        client.post("/custom/issue")


def test_bad_settings() -> None:
    with pytest.raises(ValueError, match="unknown policy"):
        httpx_hook(policy="explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown profile"):
        requests_hook(profile="strictest")
    with pytest.raises(ValueError, match="no rule matches"):
        async_httpx_hook(select="Z9")


def test_hook_repr_and_base_class() -> None:
    hook = httpx_hook(profile="sdk", policy="collect")
    assert isinstance(hook, ContractHook)
    assert repr(hook) == "HttpxHook(profile='sdk', policy='collect', records=0)"


# -- httpx AsyncClient ------------------------------------------------------------


def test_async_hook() -> None:
    hook = async_httpx_hook(policy="collect")
    routes = {ISSUE_V3: (200, NEGATIVE_INTERVAL), ISSUE_V2: (403, GOOD_RESULT)}

    async def main() -> None:
        async with httpx.AsyncClient(
            transport=mock_transport(routes),
            base_url="https://us.authlete.com",
            event_hooks={"response": [hook]},
        ) as client:
            async with client.stream("POST", ISSUE_V3) as response:
                await response.aread()
            await client.post(ISSUE_V2)
            await client.post("/api/42/backchannel/authentication")

    asyncio.run(main())
    assert [(r.status, r.kind, [f.rule for f in r.findings]) for r in hook.records] == [
        (200, "issue-response", ["A110"]),
        (403, "result", []),
    ]


def test_async_hook_raises() -> None:
    hook = async_httpx_hook()

    async def main() -> None:
        async with httpx.AsyncClient(
            transport=mock_transport({ISSUE_V3: (200, {"action": "NOPE"})}),
            base_url="https://us.authlete.com",
            event_hooks={"response": [hook]},
        ) as client:
            await client.post(ISSUE_V3)

    with pytest.raises(ContractViolation, match="S005"):
        asyncio.run(main())


# -- a real socket server ------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, bytes]]] = {}

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        status, body = self.routes.get(self.path.split("?")[0], (404, b"{}"))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        return


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    _Handler.routes = {
        ISSUE_V3: (200, json.dumps(NEGATIVE_INTERVAL).encode()),
        ISSUE_V2: (200, json.dumps(GOOD).encode()),
        "/api/7/backchannel/authentication/issue": (401, b'{"resultCode": "A001202"}'),
    }
    with serve_handler(_Handler) as url:
        yield url


def test_requests_hook_over_a_socket(server: str) -> None:
    hook = requests_hook()
    with requests.Session() as session:
        session.hooks["response"].append(hook)
        assert session.post(server + ISSUE_V2, json={"ticket": "t"}).json() == GOOD
        with pytest.raises(ContractViolation) as info:
            session.post(server + ISSUE_V3, json={"ticket": "t"})
        with pytest.raises(ContractViolation, match="A103"):
            session.post(server + "/api/7/backchannel/authentication/issue")
        session.post(server + "/api/42/backchannel/authentication")  # not the issue API
    assert info.value.rules == {"A110"}
    assert f"POST {server}{ISSUE_V3} -> 200" in str(info.value)
    assert len(hook.records) == 3


def test_requests_hook_per_request_and_collect(server: str) -> None:
    hook = requests_hook(profile="ciba", policy="collect")
    response = requests.post(server + ISSUE_V3, hooks={"response": hook}, timeout=10)
    assert response.status_code == 200
    assert [f.rule for f in hook.findings] == ["A110"]


def test_httpx_hook_over_a_socket(server: str) -> None:
    hook = httpx_hook(policy="collect")
    with httpx.Client(base_url=server, event_hooks={"response": [hook]}) as client:
        client.post(ISSUE_V2)
        client.post(ISSUE_V3)
    assert [r.ok for r in hook.records] == [True, False]


def test_hook_is_thread_safe(server: str) -> None:
    hook = httpx_hook(policy="collect")

    def call() -> None:
        with httpx.Client(base_url=server, event_hooks={"response": [hook]}) as client:
            for _ in range(5):
                client.post(ISSUE_V3)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(hook.records) == 20
    assert len(hook.findings) == 20


def test_reports_never_show_credentials_from_the_url() -> None:
    hook = httpx_hook()
    url = "https://svc:s3cret@us.authlete.com/api/42/backchannel/authentication/issue?client_secret=abc"
    with (
        httpx.Client(
            transport=httpx.MockTransport(lambda r: httpx.Response(200, json={"action": "NOPE"})),
            event_hooks={"response": [hook]},
        ) as client,
        pytest.raises(ContractViolation) as info,
    ):
        client.post(url)
    assert "s3cret" not in str(info.value)
    assert "abc" not in str(info.value)
    assert "us.authlete.com/api/42/backchannel/authentication/issue" in str(info.value)
