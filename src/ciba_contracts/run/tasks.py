"""The unit of work of ``validate``: one input (or a slice of one), read and checked.

A task reads its input with the reader its format needs, picks the calls of
the contract's APIs, hands each exchange to the one exchange checker (and
each relay pair to the relay checker), and keeps what it found in a
:class:`Partial`, in entry order. :mod:`ciba_contracts.run.runner` runs the
tasks here, in worker processes (:mod:`~ciba_contracts.run.parallel`) or on
a Dask cluster (:mod:`~ciba_contracts.run.cluster`), and merges the partials
in task order.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO, TypeVar

import msgspec

from ciba_contracts.check.exchange import ExchangeChecker, input_finding
from ciba_contracts.check.relay import RelayChecker
from ciba_contracts.check.relay_pairs import (
    DEFAULT_RELAY_MARKERS,
    RelayCounts,
    RelayPairer,
)
from ciba_contracts.config import Settings
from ciba_contracts.contract.apis import get_api
from ciba_contracts.redact import redact_url
from ciba_contracts.report.model import (
    Checked,
    Located,
    Summary,
    checked_store,
    findings_store,
)
from ciba_contracts.report.store import SpillingList
from ciba_contracts.selection import api_of, is_post_to
from ciba_contracts.traffic import storage
from ciba_contracts.traffic.detect import (
    CASSETTE,
    EXCHANGES,
    HAR,
    PAYLOADS,
    VCR_JSON,
    Opened,
    describe_unknown,
    open_input,
)
from ciba_contracts.traffic.exchange import (
    INPUT_NOT_UTF8,
    INPUT_TRUNCATED,
    INPUT_UNREADABLE,
    UNKNOWN_FORMAT,
    Exchange,
    InputProblem,
    Location,
    Record,
    Wanted,
)
from ciba_contracts.traffic.exchange_jsonl import read_exchange_lines
from ciba_contracts.traffic.har import SliceState, read_har
from ciba_contracts.traffic.jsonstream import Candidate, StopWatch
from ciba_contracts.traffic.payloads import PAYLOAD_SUFFIXES, read_payload_stream
from ciba_contracts.traffic.vcr import read_cassette_yaml, read_vcr_json
from ciba_contracts.validate.engine import Validator, get_validator, kind_of_api
from ciba_contracts.validate.finding import Finding

T = TypeVar("T")
#: The API a recorded call is checked as, or None when it is not checked.
ApiOf = Callable[[str, str], str | None]
#: Progress callback: (source, bytes done, bytes in total or None).
Progress = Callable[[str, int, int | None], None]

#: Readers of the exchange formats other than HAR, which takes a slice and a candidate test.
_READERS: dict[str, Callable[[BinaryIO, str, Wanted | None], Iterator[Record]]] = {
    CASSETTE: read_cassette_yaml,
    VCR_JSON: read_vcr_json,
    EXCHANGES: read_exchange_lines,
}
#: Records between two progress reports.
_TICK = 64
#: Records read before they are checked, and the most bytes of bodies they may hold: a
#: reader's code and the checks' each run this many times in a row, which keeps them in
#: the CPU's caches (a dense recording read 5-9 % faster in one process).
_CHUNK = 64
_CHUNK_BYTES = 1024 * 1024


class Task(msgspec.Struct, frozen=True):
    """One unit of work: an input, or a byte range of the entries of a large HAR file."""

    name: str
    in_directory: bool = False
    start: int | None = None
    stop: int | None = None
    #: The directory given on the command line that this file was found in.
    directory: str | None = None


class Partial(msgspec.Struct):
    """What one task found, to be merged into the run's report in task order."""

    findings: SpillingList[Located] = msgspec.field(default_factory=findings_store)
    #: Counts and notes of this part, added to the run's when merged.
    summary: Summary = msgspec.field(default_factory=Summary)
    unreadable: list[tuple[str, str]] = msgspec.field(default_factory=list)
    read_anything: bool = False
    input_problems: int = 0
    #: Checked payloads and exchanges, kept only when the report lists them.
    items: SpillingList[Checked] | None = None
    #: For a slice of a HAR file: where the reader stopped and what it saw.
    slice: SliceState | None = None
    #: For a slice read with relay pairing: what its pairer did, and the legs still
    #: waiting, which the slices' join pairs across slices.
    relay_counts: RelayCounts | None = None
    #: Encoded (:meth:`~ciba_contracts.check.relay_pairs.RelayPairer.drain`): a slice
    #: hands them to another process, and may leave thousands waiting.
    relay_pending: bytes = b""
    #: Instead, for the file's first slice read in the process that joins the slices
    #: (``keep_pairer``): its pairer, with the legs waiting, to go on as the join's.
    #: Never handed to another process.
    relay_live: RelayPairer | None = None

    def add(self, located: Located) -> None:
        """Keep one finding and count it."""
        self.findings.append(located)
        self.summary.count(located.finding)


class Checks:
    """The checks of one run: selection, the exchange checker, the payload validator."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        select = settings.select or None
        ignore = settings.ignore or None
        apis = settings.apis
        self.exchanges = ExchangeChecker(settings.profile, select, ignore, apis[0])
        #: Bare payloads say nothing of their API: they are checked when one API is named.
        self.payloads: Validator | None = None
        if len(apis) == 1:
            self.payloads = get_validator(
                settings.profile, select, ignore, kind=kind_of_api(apis[0])
            )
        self.candidate: Candidate | None = None
        if settings.path_pattern:
            pattern = re.compile(settings.path_pattern)
            # A gateway may rewrite paths: a call the pattern picks is checked as the API its
            # URL names, if that is one of the chosen, or else as the first chosen.
            self.api_for: ApiOf = _remembered(
                lambda method, url: _api_by_pattern(method, url, pattern, apis)
            )
        else:
            # Each API's paths end in one segment ("/issue", "/fail"...), which JSON may write
            # with an escaped slash: the raw text of a HAR entry that holds none of them calls
            # none of the chosen APIs and need not be parsed.
            ends = sorted({end for name in apis for end in _path_ends(name)})
            self.candidate = tuple(end.encode() for end in ends)
            chosen = frozenset(apis)

            def by_path_end(method: str, url: str) -> str | None:
                # Most recorded calls are calls of none of them; a substring test turns
                # them away before the URL is parsed (api_of, which keeps its answers, also
                # takes ".../authentication//issue" and ".../authentication;p=1/issue", so
                # the test is on the last segment).
                for end in ends:
                    if end in url:
                        break
                else:
                    return None
                name = api_of(method, url)
                return name if name in chosen else None

            self.api_for = _remembered(by_path_end)
        api_for = self.api_for
        #: Whether ``api_for`` answers what ``api_of`` says of the URL (no --path-pattern).
        self.api_is_url_api = not settings.path_pattern
        #: What readers parse in full: calls of the chosen APIs (and legs of relays, below).
        self.wanted: Wanted = lambda method, url: api_for(method, url) is not None
        #: Whether to list every checked item (the JUnit report has a test case for each).
        self.list_items = settings.format == "junit"
        self.relays: RelayChecker | None = None
        if settings.relay:
            self.relays = _relay_checker(settings)
            leg = _remembered(self.pairer().is_leg)
            self.wanted = lambda method, url: api_for(method, url) is not None or leg(method, url)
            if self.candidate is not None:
                # A custom --relay-path has no raw marker: every entry is parsed then.
                markers = DEFAULT_RELAY_MARKERS
                self.candidate = None if settings.relay_path else (*self.candidate, *markers)

    def pairer(self) -> RelayPairer:
        """A pairer of relay legs for one input (legs pair within one input only)."""
        assert self.relays is not None
        return relay_pairer(self.settings, self.relays)


def relay_pairer(settings: Settings, checker: RelayChecker | None = None) -> RelayPairer:
    """A pairer of relay legs judging with ``checker`` (by default one made for ``settings``).

    Joining the slices of a parallel run needs only this, without the other checks of
    :class:`Checks`, which take a while to make.
    """
    if checker is None:
        checker = _relay_checker(settings)
    return RelayPairer(checker, settings.relay_path, settings.correlate)


def _relay_checker(settings: Settings) -> RelayChecker:
    return RelayChecker(settings.profile, settings.select or None, settings.ignore or None)


def _remembered(test: Callable[[str, str], T]) -> Callable[[str, str], T]:
    """``test`` with its answers kept: the reader asks of each entry it parses, and the
    run asks again of the same a chunk of records (:data:`_CHUNK`) later; a URL called
    again and again (a gateway path) is split once."""
    return functools.lru_cache(maxsize=1024)(test)


def _path_ends(api: str) -> set[str]:
    """The last segments of ``api``'s path templates (``{"/issue"}``)."""
    return {"/" + path.rstrip("/").rsplit("/", 1)[-1] for path in get_api(api).paths}


def _api_by_pattern(
    method: str, url: str, pattern: re.Pattern[str], apis: tuple[str, ...]
) -> str | None:
    """The API a call picked by ``--path-pattern`` is checked as, or None if not picked."""
    if not is_post_to(method, url, pattern):
        return None
    name = api_of(method, url)
    return name if name in apis else apis[0]


def check_task(
    task: Task,
    checks: Checks,
    stdin: BinaryIO | None = None,
    progress: Progress | None = None,
    stop_watch: StopWatch | None = None,
    keep_pairer: bool = False,
) -> Partial:
    """Read and check one task; never raises for bad input.

    ``stop_watch`` lets another process take the end of a slice of a HAR file while it
    is read (see :data:`~ciba_contracts.traffic.jsonstream.StopWatch`). With
    ``keep_pairer``, a slice keeps its relay pairer live (:attr:`Partial.relay_live`)
    rather than encoding the legs waiting: the file's first slice, joined where read.
    """
    partial = Partial(items=checked_store() if checks.list_items else None)
    try:
        opened = open_input(task.name, stdin, start=task.start)
    except OSError as exc:
        partial.summary.inputs = 1
        partial.unreadable.append((storage.display_name(task.name), exc.strerror or str(exc)))
        return partial
    try:
        _check_opened(task, opened, checks, partial, progress, stop_watch, keep_pairer)
    except OSError as exc:
        partial.unreadable.append((storage.display_name(task.name), exc.strerror or str(exc)))
    finally:
        opened.close()
    return partial


def _check_opened(
    task: Task,
    opened: Opened,
    checks: Checks,
    partial: Partial,
    progress: Progress | None,
    stop_watch: StopWatch | None = None,
    keep_pairer: bool = False,
) -> None:
    fmt = opened.format
    if task.in_directory and (
        fmt is None or (fmt == PAYLOADS and opened.suffix not in PAYLOAD_SUFFIXES)
    ):
        partial.summary.notes.append(f"skipped {task.name}: not a known input format")
        return
    if task.start is None:
        partial.summary.inputs = 1
    source = opened.source
    for note in opened.notes:
        _add_problem(partial, checks, InputProblem(Location(source), INPUT_NOT_UTF8, note))
    if fmt is None:
        if opened.error is not None:
            # The decompression broke before anything could be read.
            _compression_problem(partial, checks, opened, truncated=False)
            return
        problem = InputProblem(
            Location(source), UNKNOWN_FORMAT, describe_unknown(opened.head), True
        )
        _add_problem(partial, checks, problem)
        return
    if fmt == PAYLOADS:
        _check_payloads(opened, checks, partial)
        return
    if task.start is not None or task.stop is not None:
        # A slice of a large HAR file (opened at its offset, not sniffed).
        partial.slice = SliceState(task.start, task.stop)
    if partial.slice is not None or fmt == HAR:
        records = read_har(
            opened.stream, source, checks.wanted, partial.slice, checks.candidate, stop_watch
        )
    else:
        records = _READERS[fmt](opened.stream, source, checks.wanted)
    size = opened.size
    pairer = checks.pairer() if checks.relays is not None else None
    truncated = _check_records(records, checks, partial, pairer, progress, opened)
    _compression_problem(partial, checks, opened, truncated)
    if pairer is not None and partial.slice is not None:
        # The other slices may hold the partners: the join pairs what is left.
        if keep_pairer:
            partial.relay_counts = pairer.take_counts()
            partial.relay_live = pairer
        else:
            partial.relay_pending = pairer.drain()
            partial.relay_counts = pairer.counts
        add_relay_counts(partial, partial.relay_counts)
    elif pairer is not None:
        counts = pairer.finish()
        add_relay_counts(partial, counts)
        relay_note = counts.describe(source)
        if relay_note is not None:
            partial.summary.notes.append(relay_note)
    if progress is not None:
        progress(source, _position(opened), size)


def _check_records(
    records: Iterable[Record],
    checks: Checks,
    partial: Partial,
    pairer: RelayPairer | None,
    progress: Progress | None,
    opened: Opened,
) -> bool:
    """Check and count what a reader yields; whether it said the input was cut short."""
    truncated = False
    source, size = opened.source, opened.size
    # Looked up once: this runs for each of a recording's wanted entries.
    summary, items = partial.summary, partial.items
    api_for, check = checks.api_for, checks.exchanges.check
    url_api = checks.api_is_url_api
    count = 0
    for chunk in _chunks(records):
        for record in chunk:
            count += 1
            if progress is not None and count % _TICK == 0:
                progress(source, _position(opened), size)
            if isinstance(record, Exchange):
                api = api_for(record.method, record.url)
                if pairer is not None:
                    _pair(pairer, record, api, url_api, partial)
                    if api is None:
                        # A relay leg only: counted as before, as an exchange that is no
                        # issue call.
                        summary.skipped += 1
                        continue
                partial.read_anything = True
                summary.checked += 1
                found = check(record, api)
                if not found and items is None:
                    continue
                description = _describe(record)
                if items is not None:
                    loc = record.location
                    items.append(Checked(loc.source, loc.entry, loc.line, loc.offset, description))
                for finding in found:
                    partial.add(_locate(finding, record.location, description))
            elif isinstance(record, InputProblem):
                truncated = truncated or record.rule == INPUT_TRUNCATED
                _add_problem(partial, checks, record)
            else:
                partial.read_anything = True
                summary.skipped += record.count
    return truncated


def _chunks(records: Iterable[Record]) -> Iterator[list[Record]]:
    """``records`` in lists of :data:`_CHUNK` (fewer when their bodies pass
    :data:`_CHUNK_BYTES`), in order. Those read before a read error are handed on first."""
    chunk: list[Record] = []
    weight = 0
    try:
        for record in records:
            chunk.append(record)
            if isinstance(record, Exchange):
                weight += len(record.body or b"") + len(record.request_body or b"")
            if len(chunk) >= _CHUNK or weight >= _CHUNK_BYTES:
                yield chunk
                chunk, weight = [], 0
    except OSError:
        if chunk:
            yield chunk
        raise
    if chunk:
        yield chunk


def _pair(
    pairer: RelayPairer, record: Exchange, api: str | None, url_api: bool, partial: Partial
) -> None:
    """Offer one exchange to the relay pairer; report the findings of a pair it completes.

    ``api``: the chosen API the exchange calls (a gateway path under ``--path-pattern``
    included), None otherwise (the pairer reads its URL). ``url_api``: that API is the
    one its URL names, so the pairer need not read the URL again.
    """
    authlete = True if api is not None else None
    known = api if url_api else None
    found_at = len(partial.findings)
    for client, found in pairer.feed(record, authlete=authlete, at=found_at, api=known):
        for located in relay_located(client, found):
            partial.add(located)


def relay_located(client: Exchange, found: list[Finding]) -> list[Located]:
    """The findings of one relay pair, placed at its client leg."""
    description = _describe(client) if found else None
    return [_locate(finding, client.location, description) for finding in found]


def add_relay_counts(partial: Partial, counts: RelayCounts) -> None:
    """Count pairs and unpaired legs in a partial's summary."""
    partial.summary.relay_pairs += counts.pairs
    partial.summary.relay_unpaired += counts.unpaired_authlete + counts.unpaired_client


def _compression_problem(partial: Partial, checks: Checks, opened: Opened, truncated: bool) -> None:
    """Report a gzip stream that broke, unless the reader already said the input was cut."""
    error = opened.error
    if error is None:
        return
    where = Location(opened.source)
    if isinstance(error, EOFError):
        if not truncated:
            detail = f"the compressed stream ends early ({error})"
            _add_problem(partial, checks, InputProblem(where, INPUT_TRUNCATED, detail))
    else:
        detail = f"the compressed stream is broken ({error})"
        _add_problem(partial, checks, InputProblem(where, INPUT_UNREADABLE, detail))


def _check_payloads(opened: Opened, checks: Checks, partial: Partial) -> None:
    if checks.payloads is None:
        named = ", ".join(checks.settings.apis)
        detail = f"bare payloads do not say which API answered them: give one --api (not {named})"
        _add_problem(partial, checks, InputProblem(Location(opened.source), UNKNOWN_FORMAT, detail))
        return
    for entry in read_payload_stream(opened.source, opened.stream, opened.suffix):
        partial.read_anything = True
        partial.summary.checked += 1
        if partial.items is not None:
            partial.items.append(Checked(entry.source, entry.entry, entry.line))
        for finding in checks.payloads.validate(entry.body):
            partial.add(Located(finding, entry.source, entry.entry, entry.line))


def _position(opened: Opened) -> int:
    try:
        return opened.raw.tell()
    except (OSError, ValueError):
        return 0


def _describe(exchange: Exchange) -> str:
    status = "no answer" if exchange.status is None else str(exchange.status)
    return f"{exchange.method} {redact_url(exchange.url)} -> {status}"


def _add_problem(partial: Partial, checks: Checks, problem: InputProblem) -> None:
    partial.input_problems += 1
    if not checks.exchanges.reports(problem.rule):
        return
    finding = input_finding(problem.rule, problem.message, problem.value)
    partial.add(_locate(finding, problem.location, None))


def _locate(finding: Finding, location: Location, exchange: str | None) -> Located:
    return Located(
        finding,
        location.source,
        location.entry,
        location.line,
        location.offset,
        exchange,
    )
