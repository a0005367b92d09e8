"""The reference server over a real socket: paths, statuses, headers, both API versions."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import orjson
import pytest
from server_support import (
    BASIC,
    BEARER,
    GOOD_REQUEST,
    V2_AUTH,
    V2_ISSUE,
    V3_AUTH,
    V3_ISSUE,
    FakeClock,
    assert_result,
    basic_auth,
    content_of,
    credentials_for,
    json_of,
)

from ciba_contracts.server import ServerConfig, TicketStatus, create_app, running_server

ISSUE_PATHS = [V3_ISSUE, V2_ISSUE]
AUTH_PATHS = [V3_AUTH, V2_AUTH]
ALL_PATHS = AUTH_PATHS + ISSUE_PATHS
AUTH_REQ_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")
CLOCK = FakeClock()
TTL = 60.0


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    config = ServerConfig(expires_in=1200, interval=7, ticket_ttl=TTL, clock=CLOCK)
    with running_server(config) as url, httpx.Client(base_url=url, timeout=10) as c:
        yield c


def ticket(client: httpx.Client, path: str = V3_AUTH) -> str:
    response = client.post(path, json=GOOD_REQUEST, headers=credentials_for(path))
    assert response.status_code == 200, response.text
    value: str = response.json()["ticket"]
    return value


def test_running_server_binds_loopback_on_a_free_port() -> None:
    with running_server() as url:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        assert int(url.rsplit(":", 1)[1]) > 0
    with pytest.raises(httpx.ConnectError):
        httpx.post(f"{url}{V3_ISSUE}", json={"ticket": "x"}, headers=BEARER, timeout=2)


@pytest.mark.parametrize(("auth_path", "issue_path"), [(V3_AUTH, V3_ISSUE), (V2_AUTH, V2_ISSUE)])
def test_ticket_redeems_once_for_an_auth_req_id(
    client: httpx.Client, auth_path: str, issue_path: str
) -> None:
    response = client.post(
        issue_path, json={"ticket": ticket(client, auth_path)}, headers=credentials_for(issue_path)
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    body = json_of(response)
    assert body["resultCode"] == "A183001"
    assert body["resultMessage"] == "[A183001] An auth_req_id was issued successfully."
    assert body["action"] == "OK"
    assert AUTH_REQ_ID.match(body["authReqId"])
    assert (body["expiresIn"], body["interval"]) == (1200, 7)
    assert content_of(body) == {
        "auth_req_id": body["authReqId"],
        "expires_in": 1200,
        "interval": 7,
    }


@pytest.mark.parametrize("issue_path", ISSUE_PATHS)
def test_form_body_is_accepted(client: httpx.Client, issue_path: str) -> None:
    response = client.post(
        issue_path, data={"ticket": ticket(client)}, headers=credentials_for(issue_path)
    )
    assert json_of(response)["action"] == "OK"


def test_auth_req_ids_differ(client: httpx.Client) -> None:
    ids = {
        client.post(V3_ISSUE, json={"ticket": ticket(client)}, headers=BEARER).json()["authReqId"]
        for _ in range(5)
    }
    assert len(ids) == 5


@pytest.mark.parametrize("issue_path", ISSUE_PATHS)
def test_used_and_unknown_tickets_are_invalid(client: httpx.Client, issue_path: str) -> None:
    used = ticket(client)
    headers = credentials_for(issue_path)
    assert client.post(issue_path, json={"ticket": used}, headers=headers).json()["action"] == "OK"
    # Authlete's documented codes: used to issue an auth_req_id already, or no such ticket.
    for bad, code in ((used, "A181205"), ("never-issued", "A181201"), ("é" * 10, "A181201")):
        response = client.post(issue_path, json={"ticket": bad}, headers=headers)
        assert response.status_code == 200
        body = json_of(response)
        assert body["action"] == "INVALID_TICKET"
        assert body["resultCode"] == code
        assert body["resultMessage"].startswith(f"[{code}] ")
        assert content_of(body)["error"] == "server_error"
    body = json_of(client.post(issue_path, json={"ticket": "x" * 10_000}, headers=headers))
    assert (body["action"], body["resultCode"]) == ("INVALID_TICKET", "A181201")


def test_expired_ticket_is_invalid(client: httpx.Client) -> None:
    fresh, stale = ticket(client), ticket(client)
    CLOCK.advance(TTL - 1)
    assert client.post(V3_ISSUE, json={"ticket": fresh}, headers=BEARER).json()["action"] == "OK"
    CLOCK.advance(1)
    body = json_of(client.post(V3_ISSUE, json={"ticket": stale}, headers=BEARER))
    assert (body["action"], body["resultCode"]) == ("INVALID_TICKET", "A181203")
    assert content_of(body) == {
        "error": "server_error",
        "error_description": "The authorization server could not issue an auth_req_id.",
    }


def test_authentication_answers_user_identification(client: httpx.Client) -> None:
    response = client.post(V3_AUTH, json=GOOD_REQUEST, headers=BEARER)
    assert response.headers["cache-control"] == "no-store"
    body = json_of(response)
    assert body["resultCode"] == "A179001"
    assert body["action"] == "USER_IDENTIFICATION"
    assert body["hintType"] == "LOGIN_HINT"
    assert body["hint"] == "john"
    assert body["clientId"] == 26862190133482
    assert body["scopes"] == [{"name": "openid", "defaultEntry": False}]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", body["ticket"])


@pytest.mark.parametrize("auth_path", AUTH_PATHS)
def test_authentication_accepts_a_form_body(client: httpx.Client, auth_path: str) -> None:
    response = client.post(auth_path, data=GOOD_REQUEST, headers=credentials_for(auth_path))
    assert json_of(response)["action"] == "USER_IDENTIFICATION"


def test_authentication_rejects_a_bad_ciba_request(client: httpx.Client) -> None:
    request = {**GOOD_REQUEST, "parameters": "scope=profile&login_hint=john"}
    body = json_of(client.post(V3_AUTH, json=request, headers=BEARER))
    assert body["action"] == "BAD_REQUEST"
    assert content_of(body)["error"] == "invalid_scope"
    assert "ticket" not in body


BAD_BODIES = [
    pytest.param(b"", "application/json", id="empty"),
    pytest.param(b"{not json", "application/json", id="not-json"),
    pytest.param(b"[1, 2]", "application/json", id="array"),
    pytest.param(b'"ticket"', "application/json", id="string"),
    pytest.param(b"\xff\xfe", "application/json", id="not-utf8"),
    pytest.param(b"ticket=a&ticket=b", "application/x-www-form-urlencoded", id="form-repeat"),
    pytest.param(b"ticket=%ff", "application/x-www-form-urlencoded", id="form-not-utf8"),
    pytest.param(b"<ticket/>", "application/xml", id="xml"),
]


@pytest.mark.parametrize(("body", "content_type"), BAD_BODIES)
@pytest.mark.parametrize("path", ALL_PATHS)
def test_malformed_body_is_400(
    client: httpx.Client, path: str, body: bytes, content_type: str
) -> None:
    headers = {**credentials_for(path), "Content-Type": content_type}
    assert_result(client.post(path, content=body, headers=headers), 400, "A000201")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({}, "A182201"),
        ({"tickets": "x"}, "A182201"),
        ({"ticket": ""}, "A182201"),
        ({"ticket": None}, "A182201"),
        ({"ticket": 42}, "A182201"),
        ({"ticket": ["x"]}, "A182201"),
        ({"ticket": {"value": "x"}}, "A182201"),
    ],
)
@pytest.mark.parametrize("path", ISSUE_PATHS)
def test_bad_ticket_field_is_400(
    client: httpx.Client, path: str, fields: dict[str, object], code: str
) -> None:
    assert_result(client.post(path, json=fields, headers=credentials_for(path)), 400, code)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"clientId": "1"}, "A166201"),
        ({"parameters": 5}, "A000201"),
        ({"parameters": "scope=openid&login_hint=a", "clientSecret": False}, "A000201"),
    ],
)
def test_bad_authentication_fields_are_400(
    client: httpx.Client, fields: dict[str, object], code: str
) -> None:
    assert_result(client.post(V3_AUTH, json=fields, headers=BEARER), 400, code)


CREDENTIAL_CASES = [
    # (path, headers, result code, challenge scheme)
    pytest.param(V3_ISSUE, {}, "A001202", "Bearer", id="v3-missing"),
    pytest.param(V3_ISSUE, {"Authorization": "Bearer wrong"}, "A003204", "Bearer", id="v3-wrong"),
    pytest.param(V3_ISSUE, {"Authorization": "Bearer"}, "A001203", "Bearer", id="v3-empty"),
    pytest.param(V3_ISSUE, BASIC, "A001203", "Bearer", id="v3-basic"),
    pytest.param(V3_AUTH, {"Authorization": "Token x"}, "A001203", "Bearer", id="v3-auth-scheme"),
    pytest.param(V2_ISSUE, {}, "A001202", "Basic", id="v2-missing"),
    pytest.param(V2_ISSUE, BEARER, "A001203", "Basic", id="v2-bearer"),
    pytest.param(V2_ISSUE, basic_auth("reference-key:nope"), "A003204", "Basic", id="v2-secret"),
    pytest.param(V2_ISSUE, basic_auth("nope:reference-secret"), "A003204", "Basic", id="v2-key"),
    pytest.param(V2_AUTH, {"Authorization": "Basic !!!"}, "A001203", "Basic", id="v2-not-b64"),
    pytest.param(
        V2_AUTH,
        basic_auth("no-colon"),
        "A001203",
        "Basic",
        id="v2-no-colon",
    ),
]


@pytest.mark.parametrize(("path", "headers", "code", "scheme"), CREDENTIAL_CASES)
def test_bad_credentials_are_401(
    client: httpx.Client, path: str, headers: dict[str, str], code: str, scheme: str
) -> None:
    response = client.post(path, json={"ticket": "x"}, headers=headers)
    assert_result(response, 401, code)
    assert response.headers["www-authenticate"].startswith(f"{scheme} realm=")


def test_bearer_scheme_is_case_insensitive(client: httpx.Client) -> None:
    response = client.post(
        V3_ISSUE, json={"ticket": "x"}, headers={"Authorization": "bearer reference-token"}
    )
    assert json_of(response)["action"] == "INVALID_TICKET"


@pytest.mark.parametrize("path", ALL_PATHS)
def test_body_over_64_kib_is_413(client: httpx.Client, path: str) -> None:
    body = orjson.dumps({"ticket": "x" * (64 * 1024)})
    assert_result(client.post(path, content=body, headers=credentials_for(path)), 413, "A000201")


def test_body_of_exactly_64_kib_is_read(client: httpx.Client) -> None:
    body = b'{"ticket": "x"}'.ljust(64 * 1024, b" ")
    response = client.post(V3_ISSUE, content=body, headers=BEARER)
    assert json_of(response)["action"] == "INVALID_TICKET"


@pytest.mark.parametrize("path", ISSUE_PATHS)
def test_chunked_body_over_64_kib_is_413(client: httpx.Client, path: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"ticket": "'
        for _ in range(80):
            yield b"x" * 1024
        yield b'"}'

    request = client.build_request("POST", path, content=chunks(), headers=credentials_for(path))
    assert "content-length" not in request.headers
    assert request.headers["transfer-encoding"] == "chunked"
    assert_result(client.send(request), 413, "A000201")


def test_small_chunked_body_is_read(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"ticket": '
        yield orjson.dumps(ticket(client)) + b"}"

    response = client.post(V3_ISSUE, content=chunks(), headers=BEARER)
    assert json_of(response)["action"] == "OK"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
@pytest.mark.parametrize("path", ALL_PATHS)
def test_wrong_method_is_405_with_allow(client: httpx.Client, path: str, method: str) -> None:
    response = client.request(method, path, headers=credentials_for(path))
    assert_result(response, 405, "A000201")
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize(
    "path",
    ["/", "/api", "/api/1/backchannel", "/api/1/backchannel/authentication/issue/", "/x/y"],
)
def test_unknown_path_is_404(client: httpx.Client, path: str) -> None:
    assert_result(client.post(path, json={}, headers=BEARER), 404, "A000201")


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_single_use_under_concurrency(store: str, tmp_path: Path) -> None:
    """Fifty threads race to redeem one ticket over real connections: exactly one gets OK."""
    db = str(tmp_path / "tickets.sqlite3") if store == "sqlite" else None
    with (
        running_server(ServerConfig(ticket_db=db)) as url,
        httpx.Client(base_url=url, timeout=20, limits=httpx.Limits(max_connections=60)) as c,
    ):
        shared = ticket(c)
        barrier = threading.Barrier(50)

        def redeem(_: int) -> str:
            barrier.wait()
            action: str = c.post(V3_ISSUE, json={"ticket": shared}, headers=BEARER).json()["action"]
            return action

        with ThreadPoolExecutor(max_workers=50) as pool:
            actions = list(pool.map(redeem, range(50)))
    assert actions.count("OK") == 1
    assert actions.count("INVALID_TICKET") == 49


def test_handler_exception_becomes_500_result() -> None:
    class ExplodingStore:
        def issue(self) -> str:
            raise ZeroDivisionError("boom")

        def redeem(self, ticket: str, *, consume: bool = True) -> TicketStatus:
            raise AssertionError("unused")

        def close(self) -> None:
            pass

    app = create_app(store=ExplodingStore())
    with running_server(app=app) as url:
        response = httpx.post(f"{url}{V3_AUTH}", json=GOOD_REQUEST, headers=BEARER)
    body = assert_result(response, 500, "A001101")
    assert "boom" not in body["resultMessage"]
    assert "Traceback" not in response.text


def test_authentication_rejects_wrongly_typed_certificate_path() -> None:
    # Negative tests send documented members with the wrong type; 200 would accept bad data.
    from ciba_contracts.server import ServerConfig, running_server

    body = {"parameters": "scope=openid&login_hint=alice", "clientCertificatePath": [1, 2]}
    with running_server(ServerConfig()) as base, httpx.Client(base_url=base) as client:
        answer = client.post(
            "/api/1/backchannel/authentication",
            json=body,
            headers={"Authorization": "Bearer reference-token"},
        )
    assert answer.status_code == 400
    assert "clientCertificatePath" in answer.json()["resultMessage"]
