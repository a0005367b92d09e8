"""Arbitrary bodies never crash the reference server: every answer is a documented one."""

from __future__ import annotations

import json
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from server_support import V2_AUTH, V3_AUTH, V3_ISSUE, AsgiClient, credentials_for, json_of

from ciba_contracts.server import ServerConfig, create_app

CLIENT = AsgiClient(create_app(ServerConfig()))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/x-www-form-urlencoded",
        "text/plain",
        "",
        "application/x+json",
    ]
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def assert_documented(path: str, status: int, body: dict[str, Any]) -> None:
    assert status in {200, 400}, (status, body)
    assert body["resultMessage"].startswith(f"[{body['resultCode']}] ")
    if status == 200:
        expected = {"OK", "INVALID_TICKET"} if path == V3_ISSUE else None
        if expected:
            assert body["action"] in expected


@SETTINGS
@given(body=st.binary(max_size=300), content_type=CONTENT_TYPES)
def test_any_bytes(body: bytes, content_type: str) -> None:
    for path in (V3_ISSUE, V2_AUTH):
        headers = {"Content-Type": content_type} if content_type else {}
        response = CLIENT.post(path, content=body, headers={**credentials_for(path), **headers})
        assert_documented(path, response.status_code, json_of(response))


@SETTINGS
@given(ticket=JSON_VALUES, extra=st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=3))
def test_any_ticket_value(ticket: Any, extra: dict[str, Any]) -> None:
    payload = {**extra, "ticket": ticket}
    # stdlib json, because orjson refuses the big integers worth sending.
    response = CLIENT.post(V3_ISSUE, content=json.dumps(payload).encode())
    assert_documented(V3_ISSUE, response.status_code, json_of(response))


@SETTINGS
@given(parameters=st.text(max_size=200), client_id=st.none() | st.text(max_size=20))
def test_any_ciba_parameters(parameters: str, client_id: str | None) -> None:
    request: dict[str, Any] = {"parameters": parameters, "clientSecret": "s"}
    if client_id is not None:
        request["clientId"] = client_id
    response = CLIENT.post(V3_AUTH, content=orjson.dumps(request))
    body = json_of(response)
    assert response.status_code == 200
    # INTERNAL_SERVER_ERROR: `parameters` that are not form-encoded UTF-8 (`%80`) are the
    # calling service's fault, Authlete's A166202 (server/authentication.py).
    assert body["action"] in {
        "USER_IDENTIFICATION",
        "BAD_REQUEST",
        "UNAUTHORIZED",
        "INTERNAL_SERVER_ERROR",
    }
    if body["action"] != "USER_IDENTIFICATION":
        error = orjson.loads(body["responseContent"])
        assert set(error) == {"error", "error_description"}
