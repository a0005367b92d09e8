"""Locating and loading the schema files shipped with the package.

Installed wheels carry ``schemas/`` inside the package (see pyproject.toml); a
source checkout reads the top-level ``schemas/`` folder, so there is exactly
one copy of every file.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import orjson

from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.yaml_files import load_yaml

SCHEMA_BASE_URI = "https://schemas.ciba-contracts.dev/v1/"

ACKNOWLEDGEMENT_FILE = "ciba-acknowledgement.json"
OAUTH_ERROR_FILE = "oauth-error.json"
OPENAPI_FILE = "openapi/issue.openapi.yaml"
RULES_FILE = "rules.yaml"


@functools.cache
def schema_dir() -> Path:
    """The folder holding the schema files, inside the package or the checkout."""
    # The package is installed as files (a wheel), so its folder is found from this
    # module's path; importlib.resources would do the same at a tenth of every start-up.
    packaged = Path(__file__).resolve().parents[1] / "schemas"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[3] / "schemas"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        "ciba-contracts schema files are missing: neither the installed package nor the "
        "source checkout holds a schemas/ folder"
    )


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    """A JSON Schema file of ``schemas/`` by file name, parsed (cached, do not mutate)."""
    data = orjson.loads((schema_dir() / name).read_bytes())
    if not isinstance(data, dict):
        raise ValueError(f"schema file {name} does not hold a JSON object")
    return data


def schema_files() -> list[str]:
    """Names of every JSON Schema file shipped, relative to :func:`schema_dir`."""
    return sorted(p.name for p in schema_dir().glob("*.json"))


@functools.cache
def schemas_by_uri() -> dict[str, dict[str, Any]]:
    """Every JSON Schema file keyed by its ``$id``."""
    out: dict[str, dict[str, Any]] = {}
    for name in schema_files():
        doc = load_schema(name)
        out[str(doc["$id"])] = doc
    return out


def schema_for(
    profile: Profile | str = Profile.AUTHLETE, *, kind: str = "issue-response"
) -> dict[str, Any]:
    """The schema of payload ``kind`` (``issue-response``, ``result``...) at a level."""
    return load_schema(kind_files(kind)[Profile.parse(profile)])


def yaml_mapping(name: str) -> dict[str, Any]:
    """The bundled YAML file ``name`` (under :func:`schema_dir`), which must hold a mapping."""
    data = load_yaml(schema_dir() / name)
    if not isinstance(data, dict):
        raise ValueError(f"{name} does not hold a mapping")
    return data


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the issue operation (its ``$ref`` left unresolved)."""
    return yaml_mapping(OPENAPI_FILE)


def openapi_path() -> Path:
    """Filesystem path of the OpenAPI document (its relative ``$ref`` resolve from here)."""
    return schema_dir() / OPENAPI_FILE


#: Marks the project's own request constraints in the OpenAPI document.
STRICT_EXTENSION = "x-ciba-strict"


def strict_openapi_document() -> dict[str, Any]:
    """The OpenAPI document with every ``x-ciba-strict`` constraint merged into its node.

    The vendor states only the plain document; ``--strict-requests`` uses this one.
    """
    return _with_strict(openapi_document())  # type: ignore[no-any-return]


def _with_strict(node: Any) -> Any:
    if isinstance(node, dict):
        merged = {k: _with_strict(v) for k, v in node.items() if k != STRICT_EXTENSION}
        extra = node.get(STRICT_EXTENSION)
        if isinstance(extra, dict):
            merged.update(_with_strict(extra))
        return merged
    if isinstance(node, list):
        return [_with_strict(item) for item in node]
    return node


@functools.cache
def strict_openapi_path() -> Path:
    """A file holding :func:`strict_openapi_document`, beside copies of the schema files.

    Written once per process into a temporary folder (removed at exit), laid out as
    ``schemas/`` is, so that the document's relative ``$ref`` resolve the same way.
    """
    import atexit
    import shutil
    import tempfile

    import yaml

    folder = Path(tempfile.mkdtemp(prefix="ciba-contracts-strict-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    for item in schema_dir().glob("*.json"):
        shutil.copyfile(item, folder / item.name)
    target = folder / OPENAPI_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(strict_openapi_document(), sort_keys=False), "utf-8")
    return target


#: The OpenAPI extensions naming a response body's payload kind and its file per level.
KIND_EXTENSION = "x-ciba-kind"
LEVELS_EXTENSION = "x-ciba-contracts-levels"


@functools.cache
def kinds() -> Mapping[str, Mapping[Profile, str]]:
    """Payload kind -> its schema file at each level, as the OpenAPI document states them.

    Every response the project validates carries ``x-ciba-kind`` and
    ``x-ciba-contracts-levels``; adding an API's payload means adding its files
    and those two annotations, not code.
    """
    responses = openapi_document().get("components", {}).get("responses", {})
    found: dict[str, Mapping[Profile, str]] = {}
    for response in responses.values():
        if not isinstance(response, Mapping) or KIND_EXTENSION not in response:
            continue
        name = str(response[KIND_EXTENSION])
        levels = response.get(LEVELS_EXTENSION)
        if not isinstance(levels, Mapping) or set(levels) != {p.value for p in Profile}:
            raise ValueError(f"payload kind {name!r} names no schema file for every level")
        files = MappingProxyType(
            {Profile(level): str(ref).rsplit("/", 1)[-1] for level, ref in levels.items()}
        )
        if found.setdefault(name, files) != files:
            raise ValueError(f"payload kind {name!r} has two sets of schema files")
    return MappingProxyType(found)


def kind_files(kind: str) -> Mapping[Profile, str]:
    """The schema file of payload ``kind`` at each level; ValueError names the known kinds."""
    known = kinds()
    try:
        return known[kind]
    except KeyError:
        raise ValueError(
            f"unknown payload kind {kind!r}; expected one of {', '.join(known)}"
        ) from None


@functools.cache
def rules_document() -> dict[str, Any]:
    """The rule catalog file, parsed."""
    return yaml_mapping(RULES_FILE)


#: Schema file of the issue response at each level.
ISSUE_RESPONSE_FILES: Mapping[Profile, str] = kind_files("issue-response")
#: Schema file of Authlete's ``result`` object at each level (ciba adds nothing to it).
RESULT_FILES: Mapping[Profile, str] = kind_files("result")
