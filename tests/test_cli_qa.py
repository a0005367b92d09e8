"""Regression tests from a QA pass on ``ciba-contracts validate``'s command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ciba_contracts.cli import main
from ciba_contracts.config import FORMATS


@pytest.mark.parametrize("fmt", FORMATS)
def test_unusable_input_named_on_stderr_in_every_format(tmp_path: Path, fmt: str) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 4)
    result = CliRunner().invoke(main, ["validate", str(junk), "--format", fmt])
    assert result.exit_code == 2
    assert f"cannot use {junk}: not a format ciba-contracts reads" in result.stderr
