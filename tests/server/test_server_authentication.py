"""How ``/backchannel/authentication`` judges CIBA requests (CIBA Core 1.0 §7.1, §13)."""

from __future__ import annotations

import base64
import re
from typing import Any

import orjson
import pytest

from ciba_contracts.contract.result_codes import check_result_code, message_matches
from ciba_contracts.server.authentication import process_authentication_request
from ciba_contracts.server.results import Result

PRINTABLE = re.compile(r"^[\x20-\x21\x23-\x5B\x5D-\x7E]*$")


def judge(parameters: str, client_id: str | None = "1001", secret: str | None = "s") -> Any:
    return process_authentication_request(parameters, client_id, secret)


def jwt(claims: dict[str, object]) -> str:
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    return ".".join([part(b'{"alg":"none"}'), part(orjson.dumps(claims)), "sig"])


@pytest.mark.parametrize(
    ("parameters", "hint_type", "hint"),
    [
        ("scope=openid&login_hint=john", "LOGIN_HINT", "john"),
        ("scope=openid+email&login_hint_token=tok", "LOGIN_HINT_TOKEN", "tok"),
        (f"scope=openid&id_token_hint={jwt({'sub': 'u-1'})}", "ID_TOKEN_HINT", None),
        ("scope=openid&login_hint=john&id_token_hint=", "LOGIN_HINT", "john"),
    ],
)
def test_valid_requests_need_a_ticket(parameters: str, hint_type: str, hint: str | None) -> None:
    outcome = judge(parameters)
    assert outcome.needs_ticket
    body = outcome.body
    assert body["action"] == "USER_IDENTIFICATION"
    assert body["resultCode"] == Result.AUTHENTICATION_OK.code
    assert body["resultMessage"] == (
        "[A179001] The backchannel authentication request was processed successfully."
    )
    assert body["hintType"] == hint_type
    if hint is not None:
        assert body["hint"] == hint
    assert "responseContent" not in body


def test_rich_request_fills_the_documented_fields() -> None:
    parameters = (
        "scope=openid%20profile%20email&login_hint=john&acr_values=a1%20a2"
        "&binding_message=W4SCT&user_code=1234&requested_expiry=120"
        "&client_notification_token=cnt"
    )
    body = judge(parameters).body
    assert body["scopes"] == [
        {"name": name, "defaultEntry": False} for name in ("openid", "profile", "email")
    ]
    assert "email_verified" in body["claimNames"]
    assert "preferred_username" in body["claimNames"]
    assert body["acrs"] == ["a1", "a2"]
    assert body["bindingMessage"] == "W4SCT"
    assert body["userCode"] == "1234"
    assert body["requestedExpiry"] == 120
    assert body["clientNotificationToken"] == "cnt"
    assert body["deliveryMode"] == "PING"
    assert body["clientId"] == 1001
    assert body["clientIdAliasUsed"] is False


def test_id_token_hint_exposes_sub() -> None:
    assert judge(f"scope=openid&id_token_hint={jwt({'sub': 'alice'})}").body["sub"] == "alice"


def test_client_alias_and_post_authentication() -> None:
    body = judge("scope=openid&login_hint=j", "my-client", "s").body
    assert body["clientIdAlias"] == "my-client"
    assert body["clientIdAliasUsed"] is True
    assert isinstance(body["clientId"], int)
    assert body["clientId"] == judge("scope=openid&login_hint=j", "my-client", "s").body["clientId"]
    posted = judge("scope=openid&login_hint=j&client_id=77&client_secret=x", None, None).body
    assert (posted["clientId"], posted["clientAuthMethod"]) == (77, "CLIENT_SECRET_POST")


BAD = [
    ("login_hint=john", "BAD_REQUEST", "invalid_request", "A176301"),
    ("scope=profile&login_hint=john", "BAD_REQUEST", "invalid_scope", "A176304"),
    ("scope=openid", "BAD_REQUEST", "invalid_request", "A174301"),
    ("scope=openid&login_hint=a&login_hint_token=b", "BAD_REQUEST", "invalid_request", "A174302"),
    ("scope=openid&login_hint=a&login_hint=b", "BAD_REQUEST", "invalid_request", "A023306"),
    ("scope=openid&login_hint=a&requested_expiry=-5", "BAD_REQUEST", "invalid_request", "A201302"),
    ("scope=openid&login_hint=a&requested_expiry=x", "BAD_REQUEST", "invalid_request", "A201301"),
    ("scope=openid&id_token_hint=not-a-jwt", "BAD_REQUEST", "invalid_request", "A175301"),
    ("scope=openid&id_token_hint=a.%21%21.c", "BAD_REQUEST", "invalid_request", "A175301"),
    ("scope=openid&request=eyJ.eyJ.x", "BAD_REQUEST", "invalid_request", "A167309"),
    # Parameters that are no form: Authlete's A166202 blames the calling service.
    ("scope=openid&login_hint=%ff", "INTERNAL_SERVER_ERROR", "server_error", "A166202"),
    ("&".join(f"p{i}=1" for i in range(200)), "INTERNAL_SERVER_ERROR", "server_error", "A166202"),
]


@pytest.mark.parametrize(("parameters", "action", "error", "code"), BAD)
def test_bad_requests_answer_an_oauth_error(
    parameters: str, action: str, error: str, code: str
) -> None:
    outcome = judge(parameters)
    assert not outcome.needs_ticket
    body = outcome.body
    assert (body["action"], body["resultCode"]) == (action, code)
    # A documented code with its documented message, of the party the action blames.
    assert check_result_code("authentication", body) == []
    content = orjson.loads(body["responseContent"])
    assert content["error"] == error
    assert PRINTABLE.match(content["error_description"])


@pytest.mark.parametrize(("client_id", "secret"), [(None, "s"), ("1", None), ("", ""), ("1", "")])
def test_unauthenticated_clients_are_unauthorized(
    client_id: str | None, secret: str | None
) -> None:
    body = judge("scope=openid&login_hint=a", client_id, secret).body
    assert body["action"] == "UNAUTHORIZED"
    # No client ID: Authlete's A168309; an ID without a secret: A157304.
    assert body["resultCode"] == ("A157304" if client_id else "A168309")
    assert message_matches(body["resultCode"], body["resultMessage"])
    assert orjson.loads(body["responseContent"])["error"] == "invalid_client"


def test_echoed_names_stay_printable() -> None:
    body = judge("scope=openid&login_hint=a&%22%5C%C3%A9=1&%22%5C%C3%A9=2").body
    assert PRINTABLE.match(orjson.loads(body["responseContent"])["error_description"])
