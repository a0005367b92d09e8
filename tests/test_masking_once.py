"""Credentials are masked in one place, with one token, before any reporter sees a string."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from ciba_contracts.cli import main
from ciba_contracts.config import FORMATS
from ciba_contracts.contract.rules import Severity
from ciba_contracts.redact import MASK
from ciba_contracts.report.model import Checked, Located
from ciba_contracts.suite.findings import REDACTED, RecordedRequest
from ciba_contracts.validate.finding import Finding

SECRET = "s3cr3t-in-a-file-name"
PAYLOAD = b'{"action": "OK", "resultCode": "A183001", "resultMessage": "no prefix"}'


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_name_holding_a_credential_is_masked_in_every_format(
    tmp_path: Path, fmt: str
) -> None:
    (tmp_path / f"access_token={SECRET}.json").write_bytes(PAYLOAD)
    (tmp_path / f"client_secret={SECRET}.jsonl").write_bytes(b"not json\n")
    # An input that cannot be opened at all: a link to nowhere.
    os.symlink(tmp_path / "missing", tmp_path / f"api_key={SECRET}.json")
    result = CliRunner().invoke(main, ["validate", str(tmp_path), "--format", fmt])
    assert result.exit_code in (1, 2), result.output
    assert SECRET not in result.output
    # SARIF writes file names as URIs, so the mask appears percent-encoded there.
    assert MASK in result.output or quote(MASK) in result.output


def test_the_model_masks_what_reporters_are_given() -> None:
    finding = Finding("S003", Severity.ERROR, "Bearer abcdefgh", "/x", None, '"Bearer abcdefgh"')
    located = Located(finding, f"password={SECRET}.json", 0, 1, None, f"GET /?code={SECRET}")
    checked = Checked(f"password={SECRET}.json", 0, exchange=f"GET /?code={SECRET}")
    texts = [located.finding.message, located.finding.value, located.source, located.exchange]
    texts += [checked.source, checked.exchange]
    for text in texts:
        assert text is not None
        assert SECRET not in text
        assert "abcdefgh" not in text
        assert MASK in text


def test_the_live_suite_writes_the_same_mask_token() -> None:
    assert REDACTED == MASK
    request = RecordedRequest(
        "POST",
        "https://as.example/api/1/backchannel/authentication/issue",
        (("Authorization", f"Bearer {SECRET}"),),
        b'{"ticket": "t"}',
    )
    curl = request.as_curl([SECRET])
    assert SECRET not in curl
    assert f"Bearer {MASK}" in curl
    assert "***" not in curl
