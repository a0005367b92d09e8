"""Helpers shared by the reference server tests (a plain module, not a conftest,
so its name cannot clash with other test packages' conftest modules)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Mapping
from typing import Any, Final

import anyio
import httpx
import orjson
from starlette.applications import Starlette

from ciba_contracts.contract.result_codes import message_matches
from ciba_contracts.server import DEFAULT_BASIC, DEFAULT_TOKEN

SERVICE: Final = "715948317"
V3_AUTH: Final = f"/api/{SERVICE}/backchannel/authentication"
V3_ISSUE: Final = f"/api/{SERVICE}/backchannel/authentication/issue"
V2_AUTH: Final = "/api/backchannel/authentication"
V2_ISSUE: Final = "/api/backchannel/authentication/issue"
BEARER: Final = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}


def basic_auth(credentials: str) -> dict[str, str]:
    """The Basic Authorization header of ``credentials`` (``KEY:SECRET``, or anything)."""
    return {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}


BASIC: Final = basic_auth(":".join(DEFAULT_BASIC))
GOOD_REQUEST: Final = {
    "parameters": "scope=openid&login_hint=john",
    "clientId": "26862190133482",
    "clientSecret": "client-secret",
}


def credentials_for(path: str) -> dict[str, str]:
    """The headers that authenticate a call to ``path`` (v3: bearer, v2: basic)."""
    return BASIC if path.startswith("/api/backchannel") else BEARER


class FakeClock:
    """A clock tests move by hand, so expiry needs no sleeping."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class AsgiClient:
    """A synchronous client that calls the app in-process (no socket, no lifespan)."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request and return the fully read response."""

        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                response = await c.request(
                    method, path, json=json, data=data, content=content, headers=headers
                )
                await response.aread()
                return response

        return anyio.run(go)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        """POST with the right credentials for ``path`` unless ``headers`` is given."""
        kwargs.setdefault("headers", credentials_for(path))
        return self.request("POST", path, **kwargs)

    def stream_post(self, path: str, chunks: list[bytes]) -> httpx.Response:
        """POST a body without Content-Length (chunked), as an async stream."""

        async def body() -> AsyncIterator[bytes]:
            for chunk in chunks:
                yield chunk

        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                response = await c.post(path, content=body(), headers=credentials_for(path))
                await response.aread()
                return response

        return anyio.run(go)

    def ticket(self, path: str = V3_AUTH) -> str:
        """A fresh ticket from the authentication API."""
        response = self.post(path, json=GOOD_REQUEST)
        assert response.status_code == 200, response.text
        ticket: str = response.json()["ticket"]
        return ticket


def json_of(response: httpx.Response) -> dict[str, Any]:
    """The response body as a JSON object (asserting it is one)."""
    body = orjson.loads(response.content)
    assert isinstance(body, dict), body
    return body


def content_of(payload: Mapping[str, Any]) -> Any:
    """The parsed ``responseContent`` of a payload."""
    return orjson.loads(payload["responseContent"])


def assert_result(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert ``response`` is a JSON ``result`` answer with ``status`` and ``code``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    body = json_of(response)
    assert body["resultCode"] == code
    # The stand-in answers only codes Authlete documents, with their documented messages.
    assert message_matches(code, body["resultMessage"]), body["resultMessage"]
    return body
