"""What the contract suite reports: failures, each with a request that reproduces it."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from ciba_contracts.redact import MASK, SECRET_HEADERS, redact_text, redact_url
from ciba_contracts.validate.finding import Finding

__all__ = [
    "RECORD_LIMIT",
    "REDACTED",
    "ContractFailure",
    "RecordedExchange",
    "RecordedRequest",
    "Recorder",
    "SuiteReport",
    "finding_location",
    "redact",
]

#: The one mask token of every report (the traffic reports write the same).
REDACTED = MASK


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value replaced by ``[REDACTED]``."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def finding_location(finding: Finding) -> str:
    """Where a payload finding points: ``pointer`` or ``pointer -> content pointer``."""
    where = finding.pointer or "/"
    if finding.content_pointer:
        where += f" -> {finding.content_pointer}"
    return where


@dataclass(frozen=True)
class RecordedRequest:
    """A request as sent, enough to replay it with curl."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None

    def safe_headers(self, secrets: Iterable[str] = ()) -> list[tuple[str, str]]:
        """The headers with credentials (all but an auth scheme) and secret values masked."""
        secrets = tuple(secrets)
        safe = []
        for name, value in self.headers:
            if name.lower() in SECRET_HEADERS:
                scheme = value.split(" ", 1)[0] if " " in value else ""
                value = f"{scheme} {REDACTED}".strip()
            safe.append((name, redact(value, secrets)))
        return safe

    def safe_url(self, secrets: Iterable[str] = ()) -> str:
        """The URL with user information, secret parameters and secret values masked."""
        return redact(redact_url(self.url), secrets)

    def as_curl(self, secrets: Iterable[str] = ()) -> str:
        """A ``curl`` command line; credentials and secret values are masked.

        The configured ``secrets`` become ``[REDACTED]``; other credentials (a
        ``client_secret`` parameter, tokens) the way the traffic reports mask them.
        """
        secrets = tuple(secrets)
        parts = ["curl", "-sS", "-X", self.method]
        for name, value in self.safe_headers(secrets):
            parts += ["-H", f"{name}: {value}"]
        # Headers are masked above; the body and the URL the way the traffic reports mask
        # them (a client_secret parameter, tokens, a JWT), each on its own: the header
        # rule of redact_text masks to the end of a line, which here is the whole command.
        if self.body is not None:
            parts += ["--data-binary", redact_text(self.body.decode("utf-8", "replace"))]
        parts.append(self.safe_url(secrets))
        return redact(" ".join(shlex.quote(p) for p in parts), secrets)


@dataclass(frozen=True)
class ContractFailure:
    """One broken promise.

    ``check`` names what broke: a rule code of the catalog (``A109``), a
    schemathesis check (``status_code_conformance``) or one of the suite's own
    (``status``, ``content-type``, ``cache-control``, ``auth``, ``ticket reuse``,
    ``unknown ticket``, ``distinct auth_req_id``). ``request`` reproduces it.
    """

    check: str
    message: str
    request: RecordedRequest | None = None
    status: int | None = None
    source: str = "scenario"

    @property
    def key(self) -> tuple[str, str]:
        """What makes two failures the same: the check and the message's first line."""
        return (self.check, self.message.splitlines()[0] if self.message else "")


@dataclass(frozen=True)
class RecordedExchange:
    """One request the suite sent and the answer it got (``status`` None: no answer)."""

    request: RecordedRequest
    status: int | None
    headers: tuple[tuple[str, str], ...]
    body: bytes
    source: str


#: A callback receiving every exchange of a run (``--har``).
Recorder = Callable[[RecordedExchange], None]
#: Most exchanges a run keeps for its HAR file; the rest are counted, not kept.
RECORD_LIMIT = 20_000


@dataclass
class SuiteReport:
    """Failures of one run, deduplicated, in the order they were first seen.

    ``exchanges`` is None unless the run records them (``--har``); then it holds
    every exchange, up to :data:`RECORD_LIMIT`.
    """

    secrets: tuple[str, ...] = ()
    failures: list[ContractFailure] = field(default_factory=list)
    requests: int = 0
    notes: list[str] = field(default_factory=list)
    exchanges: list[RecordedExchange] | None = None
    unrecorded: int = 0
    _seen: set[tuple[str, str]] = field(default_factory=set, repr=False)

    def record(self, exchange: RecordedExchange) -> None:
        """Keep one exchange for the HAR file (a :data:`Recorder`)."""
        if self.exchanges is None:
            return
        if len(self.exchanges) < RECORD_LIMIT:
            self.exchanges.append(exchange)
        else:
            self.unrecorded += 1

    def add(self, failure: ContractFailure) -> None:
        """Record ``failure`` unless the same one was recorded already."""
        if failure.key in self._seen:
            return
        self._seen.add(failure.key)
        self.failures.append(failure)

    def extend(self, failures: Iterable[ContractFailure]) -> None:
        """Record several failures."""
        for failure in failures:
            self.add(failure)

    @property
    def ok(self) -> bool:
        """Whether the target kept the contract."""
        return not self.failures

    @property
    def checks(self) -> list[str]:
        """The distinct checks that failed, in order."""
        return list(dict.fromkeys(f.check for f in self.failures))

    def shown_message(self, failure: ContractFailure) -> str:
        """``failure``'s message as every report shows it: configured secrets masked."""
        return redact(failure.message, self.secrets)

    def shown_curl(self, failure: ContractFailure) -> str | None:
        """The curl line that reproduces ``failure``, credentials masked; None without a request."""
        return failure.request.as_curl(self.secrets) if failure.request is not None else None

    def render(self) -> str:
        """A plain-text report: one block per failure, each with a curl line."""
        lines: list[str] = []
        for number, failure in enumerate(self.failures, 1):
            status = f" (HTTP {failure.status})" if failure.status is not None else ""
            lines.append(f"{number}. [{failure.check}]{status} {failure.source}")
            for text in self.shown_message(failure).splitlines():
                lines.append(f"   {text}" if text else "")
            curl = self.shown_curl(failure)
            if curl is not None:
                lines.append("   Reproduce with:")
                lines.append("     " + curl)
            lines.append("")
        for note in self.notes:
            lines.append(f"Note: {note}")
        verdict = (
            "The target keeps the contract."
            if self.ok
            else f"{len(self.failures)} distinct failure(s): {', '.join(self.checks)}"
        )
        lines.append(f"{verdict} ({self.requests} requests)")
        return "\n".join(lines)

    def to_dict(self) -> Mapping[str, object]:
        """A JSON-ready summary, masked as :meth:`render` is."""
        return {
            "ok": self.ok,
            "notes": list(self.notes),
            "failures": [
                {
                    "check": f.check,
                    "message": self.shown_message(f),
                    "status": f.status,
                    "source": f.source,
                    "curl": self.shown_curl(f),
                }
                for f in self.failures
            ],
        }
