"""The curl line a contract failure carries replays the request and gives away no credential."""

from __future__ import annotations

import shlex

from ciba_contracts.suite.findings import RecordedRequest


def test_curl_line_masks_configured_secrets_headers_and_credentials_in_the_body() -> None:
    body = (
        b'{"parameters": "login_hint=alice&client_id=app&client_secret=s3cr3t-value",'
        b' "clientSecret": "another-s3cr3t", "ticket": "TICKET-1"}'
    )
    request = RecordedRequest(
        "POST",
        "https://as.example.com/api/42/backchannel/authentication",
        (("Authorization", "Bearer service-token-123"), ("Content-Type", "application/json")),
        body,
    )
    line = request.as_curl(secrets=("another-s3cr3t",))
    for secret in ("s3cr3t-value", "another-s3cr3t", "service-token-123"):
        assert secret not in line
    words = shlex.split(line)
    assert words[:4] == ["curl", "-sS", "-X", "POST"]
    assert words[-1] == "https://as.example.com/api/42/backchannel/authentication"
    # What is not a credential stays, so the line still says what was sent.
    assert "login_hint=alice" in line
    assert "TICKET-1" in line
    assert "Content-Type: application/json" in line


def test_curl_line_of_a_request_without_credentials_is_unchanged_by_masking() -> None:
    request = RecordedRequest(
        "POST", "http://127.0.0.1:8080/api/backchannel/authentication/issue", (), b'{"ticket":"t"}'
    )
    assert shlex.split(request.as_curl())[-2:] == [
        '{"ticket":"t"}',
        "http://127.0.0.1:8080/api/backchannel/authentication/issue",
    ]
