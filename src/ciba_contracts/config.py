"""Settings of a run: defaults, ``[tool.ciba-contracts]`` in pyproject.toml, then flags."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ciba_contracts.contract.apis import checked_apis
from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.rules import enabled_rules, split_codes
from ciba_contracts.report.render import REPORTERS

TABLE = "ciba-contracts"
#: Report formats: the reporters' names.
FORMATS = tuple(REPORTERS)


class ConfigError(ValueError):
    """The configuration is wrong; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a ``validate`` run needs to know besides its inputs."""

    profile: Profile = Profile.AUTHLETE
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    format: str = "text"
    output: str | None = None
    path_pattern: str | None = None
    #: ``--api``: the APIs whose recorded calls are checked, picked by their paths; bare
    #: payloads are the answers of the one API named (``issue`` by default).
    apis: tuple[str, ...] = ("issue",)
    #: Processes; 0 is "auto": more than one only for large inputs (see ``run.runner``).
    jobs: int = 0
    #: ``--storage-option`` pairs for URL inputs (credentials, maybe: never shown).
    storage_options: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    #: ``--scheduler``: a Dask scheduler's address, or ``local``; None runs here.
    scheduler: str | None = None
    #: Pair the legs of relays in recordings and apply the relay rules (``--no-relay``: off).
    relay: bool = True
    #: ``--relay-path``: the AS's backchannel authentication endpoint, searched in paths.
    relay_path: str | None = None
    #: ``--correlate``: a request header whose value pairs the two legs of a relay.
    correlate: str | None = None
    #: The pyproject.toml the settings came from, if any.
    origin: Path | None = field(default=None, compare=False)

    def updated(self, **changes: Any) -> Settings:
        """A copy with the non-None ``changes`` applied (command-line flags win)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


#: ``--api all``: every API the contract checks.
ALL_APIS = "all"


def resolve_apis(names: Iterable[str]) -> tuple[str, ...]:
    """``--api`` values as API names, in the contract's order (``all`` stands for every one).

    >>> resolve_apis(["complete", "issue", "issue"])
    ('issue', 'complete')
    """
    known = checked_apis()
    wanted: set[str] = set()
    for name in names:
        if name == ALL_APIS:
            wanted.update(known)
        elif name in known:
            wanted.add(name)
        else:
            raise ValueError(f"api must be one of {', '.join((*known, ALL_APIS))}, not {name!r}")
    return tuple(name for name in known if name in wanted)


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above ``start``."""
    here = start.resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_settings(start: Path | None = None, path: Path | None = None) -> Settings:
    """Settings from ``path`` or the nearest pyproject.toml; defaults when it has none."""
    source = path if path is not None else find_pyproject(start or Path.cwd())
    if source is None:
        return Settings()
    import tomllib  # here: only a run that finds a configuration file reads TOML

    try:
        with source.open("rb") as handle:
            document = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    table = document.get("tool", {}).get(TABLE)
    if table is None:
        return Settings()
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: [tool.{TABLE}] must be a table")
    return settings_from_table(table, source)


def settings_from_table(table: Mapping[str, Any], source: Path) -> Settings:
    """Check and convert a ``[tool.ciba-contracts]`` table."""
    where = f"{source}: [tool.{TABLE}]"
    known = {"profile", "select", "ignore", "format", "output", "path-pattern", "jobs", "api"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})"
        )
    values: dict[str, Any] = {"origin": source}
    if "profile" in table:
        try:
            values["profile"] = Profile.parse(_string(table, "profile", where))
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    for key in ("select", "ignore"):
        if key in table:
            raw = table[key]
            if isinstance(raw, str) or (
                isinstance(raw, list) and all(isinstance(v, str) for v in raw)
            ):
                values[key] = split_codes(raw)
            else:
                raise ConfigError(f"{where}: {key} must be a list of rule codes")
    if "format" in table:
        fmt = _string(table, "format", where)
        if fmt not in FORMATS:
            raise ConfigError(f"{where}: format must be one of {', '.join(FORMATS)}")
        values["format"] = fmt
    if "output" in table:
        values["output"] = _string(table, "output", where)
    if "path-pattern" in table:
        pattern = _string(table, "path-pattern", where)
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(
                f"{where}: path-pattern is not a valid regular expression: {exc}"
            ) from None
        values["path_pattern"] = pattern
    if "api" in table:
        raw = table["api"]
        names = [raw] if isinstance(raw, str) else raw
        if not isinstance(names, list) or not names or not all(isinstance(v, str) for v in names):
            raise ConfigError(f"{where}: api must be an API name or a list of them")
        try:
            values["apis"] = resolve_apis(names)
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    if "jobs" in table:
        jobs = table["jobs"]
        if isinstance(jobs, str) and jobs.strip().lower() == "auto":
            values["jobs"] = 0
        elif not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
            raise ConfigError(f'{where}: jobs must be a positive integer or "auto"')
        else:
            values["jobs"] = jobs
    settings = Settings(**values)
    check_rules(settings, where)
    return settings


def check_rules(settings: Settings, where: str) -> None:
    """Fail early, naming the place, when select/ignore name no rule."""
    try:
        enabled_rules(settings.profile, settings.select or None, settings.ignore or None)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _string(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table[key]
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be a string")
    return value
