"""What CI platforms are told: issues and the rules they break, whoever found them.

The SARIF and GitLab Code Quality writers take :class:`Issue` and
:class:`RuleInfo` objects, not a run's report, so every command that finds
something (``validate`` over recordings, ``test`` against a live server, and any
later one) hands its findings over in the same shape and gets the same files.
This module also holds what those formats share: the rule's documentation
link, the finding's fingerprint and the file's path as the platforms want it.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from urllib.parse import quote, urlsplit

from ciba_contracts.contract.catalog_doc import rule_anchor
from ciba_contracts.contract.rules import RULES, Rule, Severity
from ciba_contracts.redact import redact_text
from ciba_contracts.report.model import Located, RunReport, finding_place, finding_text
from ciba_contracts.report.safe import encodable
from ciba_contracts.version import __version__

TOOL_NAME = "ciba-contracts"
TOOL_VERSION = __version__
#: Used when the package metadata cannot be read (a source tree on ``sys.path``).
_DEFAULT_URL = "https://github.com/ciba-contracts/ciba-contracts"
#: Messages longer than this are cut: a live test's curl line may carry a large body.
MAX_MESSAGE = 4_000

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning"}


@functools.cache
def project_url() -> str:
    """The project's repository, as ``[project.urls]`` of pyproject.toml gives it."""
    # Read once: parsing the package metadata costs a quarter of a millisecond, and a
    # SARIF log asks for it once per rule.
    try:
        urls = metadata.metadata("ciba-contracts").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        urls = []
    for entry in urls:
        label, _, url = str(entry).partition(",")
        if label.strip().lower() in {"repository", "source", "homepage"} and url.strip():
            return url.strip().rstrip("/")
    return _DEFAULT_URL


def docs_url(page: str, anchor: str = "") -> str:
    """A page of ``docs/`` on the project's repository, with an optional anchor."""
    url = f"{project_url()}/blob/main/docs/{page}"
    return f"{url}#{anchor}" if anchor else url


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """A rule as CI formats declare it (SARIF ``reportingDescriptor``)."""

    id: str
    name: str
    short: str
    full: str
    help_uri: str
    #: ``error``, ``warning`` or ``note``: the rule's default level.
    level: str
    help_markdown: str = ""


def catalog_rule_info(rule: Rule) -> RuleInfo:
    """A catalog rule, with its doc and a link to its section of docs/rules.md."""
    refs = "\n".join(f"- [{r.title}]({r.url})" for r in rule.references)
    return RuleInfo(
        id=rule.code,
        name=rule.name,
        short=rule.summary,
        full=rule.doc,
        help_uri=docs_url("rules.md", rule_anchor(rule)),
        level=_LEVELS[rule.severity],
        help_markdown=f"{rule.doc}\n\nReferences:\n\n{refs}" if refs else rule.doc,
    )


def rule_info(code: str) -> RuleInfo:
    """The catalog's rule ``code``; a plain entry for a code the catalog does not hold."""
    rule = RULES.get(code)
    if rule is not None:
        return catalog_rule_info(rule)
    return RuleInfo(code, code, code, code, docs_url("rules.md"), "error")


def severity_level(severity: Severity) -> str:
    """A rule severity as a SARIF level."""
    return _LEVELS[severity]


# Not frozen, as Finding is not: a frozen dataclass's __init__ costs several times as
# much, and a CI report makes one Issue per finding. Treat instances as read-only.
@dataclass(slots=True)
class Issue:
    """One finding, located in a file, ready for any CI format.

    ``identity`` holds what makes the finding the same one in the next run (for
    a payload: its entry, pointer and content pointer), never its line or byte
    offset, which move when the file above it changes.
    """

    rule_id: str
    level: str
    message: str
    path: str
    line: int | None = None
    offset: int | None = None
    identity: tuple[str | int | None, ...] = ()
    #: A name for the place inside the file: a JSON pointer, an API operation.
    logical: str | None = None
    logical_kind: str = "member"
    extra: dict[str, str] = field(default_factory=dict)
    #: The producer masked the texts itself. A curl line must not go through
    #: :func:`redact_text` again: its header rule masks to the end of the line,
    #: which would take the URL with it.
    redacted: bool = False


def clean_text(text: str, limit: int = MAX_MESSAGE, *, redact: bool = True) -> str:
    """Redacted (unless already done), encodable as UTF-8, and at most ``limit`` characters."""
    text = encodable(redact_text(text) if redact else text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def fingerprint(issue: Issue, occurrence: int = 0, cwd: str | None = None) -> str:
    """A stable hex digest of ``issue``: rule, path and identity (and which repeat it is).

    ``cwd`` is the working directory, when the caller has it already.
    """
    parts = [issue.rule_id, relative_path(issue.path, cwd), *map(_part, issue.identity)]
    if occurrence:
        parts.append(f"#{occurrence}")
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _part(value: str | int | None) -> str:
    return "\x00" if value is None else str(value)


def fingerprinted(issues: Iterable[Issue], cwd: str | None = None) -> Iterator[tuple[Issue, str]]:
    """Each issue with its fingerprint, repeats of the same finding told apart.

    The same rule at the same place of the same entry can fire twice (two
    messages about one member). Such repeats come together, since findings
    arrive entry by entry, so only the current entry's fingerprints are kept.
    """
    here = cwd or os.getcwd()
    group: tuple[str, str | int | None] | None = None
    seen: dict[str, int] = {}
    for issue in issues:
        key = (issue.path, issue.identity[0] if issue.identity else None)
        if key != group:
            group, seen = key, {}
        base = fingerprint(issue, 0, here)
        count = seen.get(base, 0)
        seen[base] = count + 1
        yield issue, base if count == 0 else fingerprint(issue, count, here)


def relative_path(path: str, cwd: str | None = None) -> str:
    """``path`` relative to the working directory, with ``/`` separators, where it can be.

    URLs (``s3://...``) and paths outside the working directory stay as they are.
    """
    # Every finding of a file asks for its path, twice per CI format: worked out once.
    return _relative_path(path, cwd or os.getcwd())


@functools.lru_cache(maxsize=256)
def _relative_path(path: str, here: str) -> str:
    if _has_scheme(path):
        return path
    full = os.path.normpath(os.path.join(here, path))
    try:
        rel = os.path.relpath(full, here)
    except ValueError:  # another drive on Windows
        return Path(full).as_posix()
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return Path(full).as_posix()
    return Path(rel).as_posix()


def artifact_uri(path: str, cwd: str | None = None) -> tuple[str, bool]:
    """``path`` as a SARIF artifact URI, and whether it is relative to ``%SRCROOT%``."""
    return _artifact_uri(path, cwd or os.getcwd())


@functools.lru_cache(maxsize=256)
def _artifact_uri(path: str, here: str) -> tuple[str, bool]:
    if _has_scheme(path):
        return path, False
    rel = _relative_path(path, here)
    # A file name that is not UTF-8 reached us as surrogate escapes: quote its bytes.
    encoded = quote(os.fsencode(rel), safe="/")
    if rel.startswith("/"):
        return "file://" + encoded, False
    return encoded, True


def _has_scheme(path: str) -> bool:
    scheme = urlsplit(path).scheme
    # A Windows drive letter (C:\...) is no scheme.
    return len(scheme) > 1 and "://" in path


# Findings of ``validate``.


def located_issue(located: Located) -> Issue:
    """A finding of ``validate`` as an :class:`Issue` (also the GitLab reporter's input)."""
    f = located.finding
    entry = located.entry
    pointer = finding_place(f)
    logical = None
    if entry is not None or pointer:
        logical = f"input{pointer}" if entry is None else f"entry {entry}{pointer}"
    return Issue(
        f.rule,
        _LEVELS[f.severity],
        finding_text(located),
        located.source,
        located.line,
        located.offset,
        (entry, f.pointer, f.content_pointer),
        logical,
    )


def fired_rules(report: RunReport) -> list[RuleInfo]:
    """The rules with at least one finding, in catalog order."""
    codes = {located.finding.rule for located in report.findings}
    order = {code: number for number, code in enumerate(RULES)}
    return [rule_info(code) for code in sorted(codes, key=lambda c: (order.get(c, len(order)), c))]
