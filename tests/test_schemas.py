"""The schema files: well formed, self-consistent, faithful to the vendor's spec.

``schemas/`` is the single source of truth of the contract, so these tests read
the files themselves (not the package's cached copies) and hold them to three
things: they are valid JSON Schema 2020-12 whose references all resolve, the
sdk level says exactly what the vendor publishes, and every ``x-ciba-rule``
annotation names a rule of the catalog (and every payload rule is checked
somewhere).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import orjson
import pytest
import yaml
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from ciba_contracts.contract import RULES, SCHEMA_BASE_URI

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_DIR = ROOT / "schemas"
SCHEMA_FILES = sorted(SCHEMA_DIR.glob("*.json"))
OPENAPI_FILE = SCHEMA_DIR / "openapi" / "issue.openapi.yaml"
CORPUS = Path(__file__).resolve().parent / "corpus" / "payloads.jsonl"
VENDOR_NAME = "backchannel_authentication_issue_response"

#: Rules a schema keyword cannot express, checked in Python by
#: ``ciba_contracts.validate`` (engine.py): S001 (not JSON), S002 (not an object; the
#: engine answers it before the schema runs), A105 (resultMessage starts with
#: [resultCode]), A111 (responseContent is JSON), A112 (responseContent agrees
#: with the fields). Keep in step with engine.py.
PYTHON_CHECKED_RULES = frozenset({"S001", "S002", "A105", "A111", "A112"})
#: Prefixes of the rules that judge the payload (and so belong to the schemas).
PAYLOAD_RULE_PREFIXES = ("S", "A", "C")
RULE_KEYWORD = "x-ciba-rule"
INT32 = (-(2**31), 2**31 - 1)


def _vendor_spec_path() -> Path | None:
    """The vendor's OpenAPI v3 document, wherever this checkout keeps it."""
    candidates = [
        os.environ.get("CIBA_VENDOR_SPEC", ""),
        str(ROOT / "reference" / "authlete-openapi-v3.yaml"),
        str(ROOT / "docs" / "reference" / "authlete-openapi-v3.yaml"),
        # The project's shared folder sits beside the checkout (also in CI).
        str(ROOT.parent / "shared" / "reference" / "authlete-openapi-v3.yaml"),
        "/work/shared/reference/authlete-openapi-v3.yaml",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


@functools.cache
def _vendor_spec() -> dict[str, Any]:
    path = _vendor_spec_path()
    if path is None:
        pytest.skip(
            "the vendor's authlete-openapi-v3.yaml is not available "
            "(set CIBA_VENDOR_SPEC to its path)"
        )
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@functools.cache
def _load(path: Path) -> dict[str, Any]:
    data = orjson.loads(path.read_bytes())
    assert isinstance(data, dict), f"{path.name} does not hold a JSON object"
    return data


def _registry() -> Registry[Any]:
    resources: list[tuple[str, Resource[Any]]] = [
        (str(_load(p)["$id"]), DRAFT202012.create_resource(_load(p))) for p in SCHEMA_FILES
    ]
    return Registry().with_resources(resources)


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object of a JSON document, with its JSON pointer."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}/{index}")


def _annotations() -> Iterator[tuple[str, str, dict[str, Any], str | None, str]]:
    """(file, pointer, node, keyword or None for a whole-subschema code, code)."""
    for path in SCHEMA_FILES:
        for where, node in _walk(_load(path)):
            annotation = node.get(RULE_KEYWORD)
            if annotation is None:
                continue
            if isinstance(annotation, str):
                yield path.name, where, node, None, annotation
            else:
                assert isinstance(annotation, dict), f"{path.name}{where}: bad {RULE_KEYWORD}"
                for keyword, code in annotation.items():
                    yield path.name, where, node, str(keyword), str(code)


def test_schema_files_exist() -> None:
    names = {p.name for p in SCHEMA_FILES}
    for level in ("sdk", "authlete", "ciba"):
        assert f"issue-response.{level}.json" in names
    assert {"authlete-result.json", "authlete-result.sdk.json"} <= names


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_valid_against_meta_schema(path: Path) -> None:
    schema = _load(path)
    assert schema.get("$schema") == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_ids_unique_and_named_after_their_file() -> None:
    ids = [str(_load(p).get("$id")) for p in SCHEMA_FILES]
    assert len(set(ids)) == len(ids), ids
    # Relative $refs name files; they resolve to the same document by $id (the
    # registry) and by path (OpenAPI tools) only if the $id ends in the file name.
    for path, schema_id in zip(SCHEMA_FILES, ids, strict=True):
        assert schema_id == SCHEMA_BASE_URI + path.name


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_ref_resolves_with_referencing(path: Path) -> None:
    schema = _load(path)
    resolver = _registry().resolver(base_uri=str(schema["$id"]))
    refs = [(where, node["$ref"]) for where, node in _walk(schema) if "$ref" in node]
    for where, ref in refs:
        try:
            resolved = resolver.lookup(ref)
        except Unresolvable as exc:  # pragma: no cover - the failure message
            pytest.fail(f"{path.name}{where}: $ref {ref!r} does not resolve: {exc}")
        assert isinstance(resolved.contents, dict)
    # And the whole schema compiles and runs with the pure-Python validator.
    validator = Draft202012Validator(schema, registry=_registry())
    validator.is_valid({})
    validator.is_valid({"action": "OK", "responseContent": "{}"})


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_compiles_with_jsonschema_rs(path: Path) -> None:
    registry = jsonschema_rs.Registry([(str(_load(p)["$id"]), _load(p)) for p in SCHEMA_FILES])
    validator = jsonschema_rs.validator_for(_load(path), registry=registry)
    validator.is_valid({})


def test_jsonschema_rs_rejects_an_unresolvable_ref() -> None:
    # Guards the test above: compiling must fail (not fetch, not ignore) on a bad $ref.
    registry = jsonschema_rs.Registry([(str(_load(p)["$id"]), _load(p)) for p in SCHEMA_FILES])
    broken = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_BASE_URI + "broken.json",
        "$ref": "no-such-file.json",
    }
    with pytest.raises(Exception, match=r"no-such-file"):
        jsonschema_rs.validator_for(broken, registry=registry)


# -- the sdk level is the published schema ---------------------------------------


def _vendor_schema() -> dict[str, Any]:
    schema = _vendor_spec()["components"]["schemas"][VENDOR_NAME]
    assert isinstance(schema, dict)
    return schema


def _sdk_schema() -> dict[str, Any]:
    return _load(SCHEMA_DIR / "issue-response.sdk.json")


def test_sdk_schema_has_the_published_members() -> None:
    vendor, ours = _vendor_schema(), _sdk_schema()
    assert ours["type"] == vendor["type"] == "object"
    assert list(ours["properties"]) == list(vendor["properties"])


def test_sdk_schema_has_the_published_types_and_formats() -> None:
    vendor, ours = _vendor_schema()["properties"], _sdk_schema()["properties"]
    for name, published in vendor.items():
        assert ours[name]["type"] == published["type"], name
        assert ours[name].get("format") == published.get("format"), name


def test_sdk_schema_has_the_published_enum() -> None:
    vendor, ours = _vendor_schema()["properties"], _sdk_schema()["properties"]
    assert ours["action"]["enum"] == vendor["action"]["enum"]
    assert [n for n, p in ours.items() if "enum" in p] == ["action"]


def test_sdk_schema_requires_nothing_and_tolerates_unknown_members() -> None:
    ours = _sdk_schema()
    assert "required" not in ours
    assert "required" not in _vendor_schema()
    assert ours.get("additionalProperties", True) is not False
    assert "unevaluatedProperties" not in ours
    assert "propertyNames" not in ours


def test_sdk_schema_states_the_int32_range() -> None:
    ours = _sdk_schema()["properties"]
    for name in ("expiresIn", "interval"):
        assert ours[name]["format"] == "int32"
        assert (ours[name]["minimum"], ours[name]["maximum"]) == INT32, name


def test_vendor_example_is_the_corpus_vendor_case() -> None:
    """The published 200 example, as the YAML has it, is the corpus's first case."""
    operation = _vendor_spec()["paths"]["/api/{serviceId}/backchannel/authentication/issue"]
    example = operation["post"]["responses"]["200"]["content"]["application/json"]["example"]
    cases = [orjson.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    by_name = {case["name"]: case for case in cases if isinstance(case, dict)}
    assert by_name["vendor-example-200"]["payload"] == example
    # The YAML is single-quoted: the backslashes are literally in the string.
    assert example["responseContent"].startswith('{\\"auth_req_id\\":')
    assert example["interval"] == 0


# -- rules named by the schemas ------------------------------------------------


def test_every_annotation_names_a_catalog_rule() -> None:
    unknown = [
        f"{name}{where}: {code}" for name, where, _, _, code in _annotations() if code not in RULES
    ]
    assert not unknown


def test_keyword_annotations_name_keywords_of_their_subschema() -> None:
    # {"type": "S003"} on a node without "type" would be dead: no error can reach it.
    dead = [
        f"{name}{where}: {keyword}"
        for name, where, node, keyword, _ in _annotations()
        if keyword is not None and keyword not in node
    ]
    assert not dead


def test_annotations_name_payload_rules_of_a_matching_level() -> None:
    # A keyword in the sdk schemas can only fire at sdk; it must name an sdk rule,
    # else the sdk level would report (or hide) a rule of a stricter level.
    for name, where, _, _, code in _annotations():
        assert code.startswith(PAYLOAD_RULE_PREFIXES), f"{name}{where}: {code}"
        if name.endswith(".sdk.json"):
            assert RULES[code].level == "sdk", f"{name}{where}: {code}"


def test_every_payload_rule_is_checked_somewhere() -> None:
    named = {code for *_, code in _annotations()}
    payload_rules = {code for code in RULES if code.startswith(PAYLOAD_RULE_PREFIXES)}
    unchecked = payload_rules - named - PYTHON_CHECKED_RULES - _result_code_rules()
    assert not unchecked, f"rules no schema names and the engine does not check: {unchecked}"
    assert set(RULES) >= PYTHON_CHECKED_RULES


def _result_code_rules() -> set[str]:
    """The rules ``contract/result_codes.py`` checks (named there by rule name)."""
    from ciba_contracts.contract import result_codes

    names = {
        result_codes.UNDOCUMENTED,
        result_codes.MESSAGE,
        result_codes.ACTION,
        result_codes.PARTY,
        result_codes.OTHER_API,
    }
    return {code for code, rule in RULES.items() if rule.name in names}


def test_engine_still_checks_the_python_rules_itself() -> None:
    # If the validator stops naming one of these rules, the allowlist above lies. The code
    # names rules by their catalog names, never by code.
    sources = sorted((ROOT / "src" / "ciba_contracts" / "validate").glob("*.py"))
    if not sources:  # pragma: no cover - a checkout without sources
        pytest.skip("validator sources not available")
    code_text = "\n".join(p.read_text("utf-8") for p in sources)
    for code in sorted(PYTHON_CHECKED_RULES):
        assert f'"{RULES[code].name}"' in code_text, code
        assert not re.search(rf"[\"']{code}[\"']", code_text), f"{code} as a literal"


# -- the OpenAPI document --------------------------------------------------------


def test_openapi_document_is_valid() -> None:
    if not OPENAPI_FILE.is_file():
        pytest.skip(f"{OPENAPI_FILE.relative_to(ROOT)} does not exist yet")
    from openapi_spec_validator import validate

    spec = yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))
    assert isinstance(spec, dict)
    assert str(spec.get("openapi", "")).startswith("3.1")
    validate(spec, base_uri=OPENAPI_FILE.resolve().as_uri())


def test_openapi_document_refs_point_at_schema_files() -> None:
    if not OPENAPI_FILE.is_file():
        pytest.skip(f"{OPENAPI_FILE.relative_to(ROOT)} does not exist yet")
    spec = yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))
    for where, node in _walk(spec):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            target = (OPENAPI_FILE.parent / ref.split("#", 1)[0]).resolve()
            assert target.is_file(), f"{where}: $ref {ref!r} names no file"


@pytest.mark.parametrize(
    "name",
    ["rules.yaml", "openapi/issue.openapi.yaml", "relay.yaml", "result-code-families.yaml"],
)
def test_bundled_yaml_reads_as_safe_load_reads_it(name: str) -> None:
    # The package reads its YAML with libyaml's safe loader where it can, for start-up
    # time; what it gets must be what the pure-Python safe_load gets.
    from ciba_contracts.contract import schemas

    text = (schemas.schema_dir() / name).read_text(encoding="utf-8")
    assert schemas.yaml_mapping(name) == yaml.safe_load(text)
