"""The wheel ships the schema files, byte for byte, and an installed copy finds them."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "schemas"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of this checkout, built offline (hatchling comes with the dev extras)."""
    out = tmp_path_factory.mktemp("wheel")
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        str(ROOT),
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "--quiet",
        "-w",
        str(out),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    (built,) = out.glob("ciba_contracts-*.whl")
    return built


def _schema_files() -> dict[str, bytes]:
    return {
        p.relative_to(SCHEMAS).as_posix(): p.read_bytes()
        for p in sorted(SCHEMAS.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_wheel_ships_every_schema_file_unchanged(wheel: Path) -> None:
    files = _schema_files()
    assert "rules.yaml" in files
    assert "issue-response.sdk.json" in files
    with zipfile.ZipFile(wheel) as archive:
        shipped = {
            name.removeprefix("ciba_contracts/schemas/"): archive.read(name)
            for name in archive.namelist()
            if name.startswith("ciba_contracts/schemas/") and not name.endswith("/")
        }
    assert sorted(shipped) == sorted(files)
    for name, content in files.items():
        assert shipped[name] == content, name


def test_wheel_is_typed(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "ciba_contracts/py.typed" in names
    assert "ciba_contracts/__init__.py" in names
    assert not [n for n in names if n.startswith(("tests/", "src/", "schemas/"))]


def test_installed_copy_reads_its_own_schemas(wheel: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path)
    script = (
        "import ciba_contracts, sys\n"
        "from ciba_contracts.contract.schemas import schema_dir\n"
        "print(schema_dir())\n"
        "print(ciba_contracts.__file__)\n"
        "bad = ciba_contracts.validate({'action': 'OK'}, profile='ciba')\n"
        "print(sorted(f.rule for f in bad))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    schema_dir, module, rules = done.stdout.splitlines()
    assert Path(module).is_relative_to(tmp_path)
    assert Path(schema_dir) == tmp_path / "ciba_contracts" / "schemas"
    assert rules == "['A102', 'A103', 'A106', 'A107', 'A108']"
