"""The bundled YAML files' kept parses: the same data as ``yaml.safe_load``, and never stale."""

from __future__ import annotations

import datetime
import marshal
from pathlib import Path

import pytest
import yaml

from ciba_contracts.contract import schemas
from ciba_contracts.contract.yaml_files import load_yaml


def _kept(folder: Path) -> list[Path]:
    return sorted((folder / "__pycache__").glob("*.marshal"))


def test_a_file_is_parsed_once_and_then_read_from_its_kept_parse(tmp_path: Path) -> None:
    source = tmp_path / "doc.yaml"
    source.write_text("responses:\n  200: {description: ok}\nlist: [1, 2.5, null, true]\n")
    first = load_yaml(source)
    assert first == yaml.safe_load(source.read_text())
    # Integer keys (an OpenAPI document's status codes) survive, as JSON would not keep them.
    assert 200 in first["responses"]
    (kept,) = _kept(tmp_path)
    # What is read back is the kept parse: a forged one shows through.
    kept.write_bytes(marshal.dumps({"forged": True}))
    assert load_yaml(source) == {"forged": True}


def test_an_edited_file_is_parsed_again_and_its_old_parse_removed(tmp_path: Path) -> None:
    source = tmp_path / "doc.yaml"
    source.write_text("a: 1\n")
    assert load_yaml(source) == {"a": 1}
    (old,) = _kept(tmp_path)
    source.write_text("a: 2\n")
    assert load_yaml(source) == {"a": 2}
    (new,) = _kept(tmp_path)
    assert new != old


def test_what_a_stopped_run_left_while_keeping_a_parse_is_removed(tmp_path: Path) -> None:
    source = tmp_path / "doc.yaml"
    source.write_text("a: 1\n")
    load_yaml(source)
    (kept,) = _kept(tmp_path)
    left = kept.with_name(kept.name + ".4242-1.tmp")
    left.write_bytes(b"half a parse")
    source.write_text("a: 3\n")
    assert load_yaml(source) == {"a": 3}
    assert not left.exists()
    assert [p.suffix for p in (tmp_path / "__pycache__").iterdir()] == [".marshal"]


def test_data_marshal_cannot_hold_is_parsed_at_every_load(tmp_path: Path) -> None:
    source = tmp_path / "dated.yaml"
    source.write_text("day: 2024-05-01\n")
    assert load_yaml(source) == {"day": datetime.date(2024, 5, 1)}
    assert _kept(tmp_path) == []
    assert load_yaml(source) == {"day": datetime.date(2024, 5, 1)}


def test_a_folder_that_cannot_be_written_keeps_nothing_and_loses_nothing(tmp_path: Path) -> None:
    source = tmp_path / "doc.yaml"
    source.write_text("a: [1, 2]\n")
    # A file where the folder would go: no folder can be made, whoever runs this.
    (tmp_path / "__pycache__").write_text("")
    assert load_yaml(source) == {"a": [1, 2]}
    assert load_yaml(source) == {"a": [1, 2]}
    assert list(tmp_path.glob("**/*.marshal")) == []
    assert list(tmp_path.glob("*.tmp")) == []


def test_a_damaged_kept_parse_is_parsed_anew(tmp_path: Path) -> None:
    source = tmp_path / "doc.yaml"
    source.write_text("a: 1\n")
    load_yaml(source)
    (kept,) = _kept(tmp_path)
    kept.write_bytes(b"\x00 not marshal")
    assert load_yaml(source) == {"a": 1}


@pytest.mark.parametrize("name", [schemas.RULES_FILE, schemas.OPENAPI_FILE])
def test_every_bundled_file_reads_as_safe_load_reads_it(name: str) -> None:
    path = schemas.schema_dir() / name
    expected = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert load_yaml(path) == expected
    assert load_yaml(path) == expected
