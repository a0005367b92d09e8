"""Throughput and memory of ``ciba-contracts validate`` on a large HAR file.

Generates a HAR file of the requested size (1 GiB by default) as a recording
proxy writes it (pretty-printed, two-space indentation), holding an
authorization server's calls to Authlete (the issue API among the others)
and unrelated traffic, then measures, each in its own process:

* ``ciba-contracts validate FILE --format json --jobs 1`` (one process), with
  ``--jobs N``, and as it runs by default (``--jobs auto``, which on this file
  is one of the two, so it is not run a third time);
* a bare streaming pass of ijson (``ijson.basic_parse``, C backend) over the
  same file: the ceiling for a streaming reader;
* the openapi-core route a user would take by hand: ``json.load`` the file,
  then ``OpenAPI.validate_response`` on every issue-API entry (with the path
  pattern already resolved, which spares openapi-core its path search). It
  runs on the same file by default; ``json.load`` of a 1 GiB HAR takes about
  4 GB of memory, so ``--openapi-mb N`` runs it on an N MB file of the same
  mix instead and compares rates (MB/s).

Peak RSS is polled from ``/proc``: the whole process tree's resident bytes
every 50 ms (so ``--jobs`` counts its workers), and the child's own high water
mark (``VmHWM``) every 5 ms, which holds its peaks between two polls (a peak in
its last 5 ms goes unseen). Generated
files are cached in ``benchmarks/data/`` (git-ignored).

    python benchmarks/traffic.py                 # 1 GiB, about a minute to generate
    python benchmarks/traffic.py --size-mb 200 --jobs 2
    python benchmarks/traffic.py --json          # one JSON document on stdout
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from ciba_contracts.run import Task, auto_jobs  # noqa: E402
from halves import TWO_AT_ONCE, cut_in_two  # noqa: E402
from payloads import generate as generate_payloads  # noqa: E402

DATA = HERE / "data"
MB = 1_000_000
#: Bump when the generated content changes, so cached files are not reused.
GENERATOR_VERSION = 3

#: Share of entries (by count) of each kind of exchange in the generated recording: what a
#: proxy between an authorization server and Authlete sees in a CIBA deployment (per flow:
#: backchannel/authentication, issue, complete, a few token polls, then introspection of
#: the tokens), plus the unrelated traffic such a proxy also carries.
MIX: tuple[tuple[str, float], ...] = (
    ("issue", 0.12),  # POST .../backchannel/authentication/issue
    ("authlete", 0.55),  # the AS's other Authlete calls: token, introspection, CIBA...
    ("api", 0.18),  # unrelated JSON APIs
    ("asset", 0.10),  # scripts, stylesheets, HTML
    ("image", 0.05),  # binary bodies, base64 in the HAR
)
#: The dense recording of a gateway between an authorization server and Authlete: issue calls
#: are 30 % of the entries, the rest are the server's other Authlete calls (POSTs whose
#: bodies hold 0.2-4 KB).
DENSE_MIX: tuple[tuple[str, float], ...] = (("issue", 0.30), ("post", 0.70))
MIXES = {"sparse": MIX, "dense": DENSE_MIX}
#: The files measured by default: (mix, layout). ``pretty`` is indented as mitmproxy and
#: devtools write; ``compact`` is one entry per line as ``json.dumps`` writes it.
FILES = ("dense-compact", "dense-pretty", "sparse-pretty")
AUTHLETE = "https://us.authlete.com"
RESULT_400 = (
    b'{"resultCode":"A001201","resultMessage":'
    b'"[A001201] /backchannel/authentication/issue, TLS must be used."}'
)
AUTHLETE_CALLS = (
    "/api/{sid}/auth/token",
    "/api/{sid}/auth/introspection",
    "/api/{sid}/backchannel/authentication",
    "/api/{sid}/backchannel/authentication/complete",
    "/api/{sid}/auth/userinfo",
)


# -- generating the recording ---------------------------------------------------------


def _headers(rng: random.Random, names: Sequence[str]) -> list[dict[str, str]]:
    return [
        {
            "name": name,
            "value": "".join(rng.choices("abcdefghijklmnop0123456789-", k=rng.randint(8, 60))),
        }
        for name in names
    ]


_REQUEST_HEADERS = ("Accept", "Accept-Encoding", "User-Agent", "X-Request-Id", "Traceparent")
_RESPONSE_HEADERS = ("Date", "Server", "X-Request-Id", "Vary", "Strict-Transport-Security")


def _entry(
    rng: random.Random,
    method: str,
    url: str,
    status: int,
    mime: str,
    body: bytes,
    binary: bool = False,
    request_body: bytes | None = None,
) -> dict[str, Any]:
    request_headers = _headers(rng, _REQUEST_HEADERS)
    if url.startswith(AUTHLETE):
        request_headers.append({"name": "Authorization", "value": "Bearer " + "t" * 43})
    content: dict[str, Any] = {"size": len(body), "mimeType": mime}
    if binary:
        content["text"] = base64.b64encode(body).decode()
        content["encoding"] = "base64"
    else:
        content["text"] = body.decode()
    request: dict[str, Any] = {
        "method": method,
        "url": url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": request_headers,
        "queryString": [],
        "headersSize": -1,
        "bodySize": len(request_body or b""),
    }
    if request_body is not None:
        request["postData"] = {"mimeType": "application/json", "text": request_body.decode()}
    return {
        "startedDateTime": "2024-05-01T10:00:00.000000+00:00",
        "time": round(rng.uniform(2, 400), 3),
        "request": request,
        "response": {
            "status": status,
            "statusText": "OK" if status == 200 else "Error",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [
                *_headers(rng, _RESPONSE_HEADERS),
                {"name": "Content-Type", "value": mime},
            ],
            "content": content,
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(body),
        },
        "cache": {},
        "timings": {
            "send": 0.1,
            "wait": round(rng.uniform(1, 300), 3),
            "receive": 0.5,
        },
    }


def _post_body(rng: random.Random) -> bytes:
    """An Authlete answer of 0.2-4 KB (token, introspection, userinfo...)."""
    target = rng.randint(200, 4000)
    fields: dict[str, Any] = {"resultCode": "A000000", "resultMessage": "[A000000] ok"}
    fields["action"] = "OK"
    size = 60
    j = 0
    while size < target:
        value = "".join(rng.choices("abcdef0123456789", k=rng.randint(8, 120)))
        fields[f"field{j}"] = value if j % 5 else rng.randint(0, 10**9)
        size += len(value) + 12
        j += 1
    return orjson.dumps(fields)


def _pool(
    seed: int, size: int, mix: str = "sparse", layout: str = "pretty"
) -> list[tuple[str, bytes, bytes | None]]:
    """Distinct entries, already serialised (indented or compact), the kind of each, and
    the ``authReqId`` of an issue call whose body holds a well-formed one."""
    rng = random.Random(seed)
    issue_bodies = generate_payloads(max(50, size // 10), seed=seed)
    kinds = [k for k, _ in MIXES[mix]]
    weights = [w for _, w in MIXES[mix]]
    out: list[tuple[str, bytes, bytes | None]] = []
    for i in range(size):
        kind = rng.choices(kinds, weights)[0]
        sid = str(rng.randint(10_000, 99_999_999))
        auth_req_id: bytes | None = None
        if kind == "issue":
            sample = issue_bodies[i % len(issue_bodies)]
            path = (
                "/api/backchannel/authentication/issue"
                if i % 10 == 0
                else (f"/api/{sid}/backchannel/authentication/issue")
            )
            status = 200
            body = sample.body
            if i % 40 == 1:
                status = 400
                body = RESULT_400
            auth_req_id = _well_formed_id(body)
            entry = _entry(
                rng,
                "POST",
                AUTHLETE + path,
                status,
                "application/json",
                body,
                request_body=b'{"ticket":"'
                + base64.urlsafe_b64encode(rng.randbytes(32)).rstrip(b"=")
                + b'"}',
            )
        elif kind == "authlete":
            path = rng.choice(AUTHLETE_CALLS).format(sid=sid)
            fields = {
                f"field{j}": "".join(rng.choices("abcdef0123456789", k=rng.randint(8, 64)))
                for j in range(rng.randint(3, 25))
            }
            body = orjson.dumps(
                {"resultCode": "A000000", "resultMessage": "[A000000] ok", "action": "OK", **fields}
            )
            entry = _entry(
                rng,
                "POST",
                AUTHLETE + path,
                200,
                "application/json",
                body,
                request_body=b'{"parameters":"x=1"}',
            )
        elif kind == "post":
            path = rng.choice(AUTHLETE_CALLS).format(sid=sid)
            entry = _entry(
                rng,
                "POST",
                AUTHLETE + path,
                200,
                "application/json",
                _post_body(rng),
                request_body=b'{"parameters":"grant_type=urn%3Aopenid%3Aparams%3Agrant-type%3Aciba"}',
            )
        elif kind == "api":
            items = [
                {"id": j, "name": f"item {j}", "price": j * 1.25, "tags": ["a", "b", "c"]}
                for j in range(rng.randint(2, 40))
            ]
            entry = _entry(
                rng,
                "GET",
                f"https://api.example.com/v2/items?page={i}",
                200,
                "application/json",
                orjson.dumps(items),
            )
        elif kind == "asset":
            text = f"function f{i}(a, b) {{ return a + b; }}\n" * rng.randint(20, 400)
            entry = _entry(
                rng,
                "GET",
                f"https://app.example.com/static/app.{i}.js",
                200,
                "application/javascript",
                text.encode(),
            )
        else:
            entry = _entry(
                rng,
                "GET",
                f"https://app.example.com/img/{i}.png",
                200,
                "image/png",
                rng.randbytes(rng.randint(500, 30_000)),
                binary=True,
            )
        if layout == "compact":
            out.append((kind, json.dumps(entry).encode(), auth_req_id))
        else:
            serialised = orjson.dumps(entry, option=orjson.OPT_INDENT_2).replace(b"\n", b"\n    ")
            out.append((kind, b"    " + serialised, auth_req_id))
    return out


def _well_formed_id(body: bytes) -> bytes | None:
    """The body's ``authReqId`` if it is a long base64url one, which stays well formed
    when its end is replaced by a number."""
    try:
        value = orjson.loads(body).get("authReqId")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    if not isinstance(value, str) or len(value) < 24:
        return None
    if not all(c.isascii() and (c.isalnum() or c in "-_") for c in value):
        return None
    return value.encode()


#: What a generated file holds before its first entry and after its last, by layout, and
#: between two entries (from the comma to the next entry's brace).
HEADER = {
    "compact": b'{"log": {"version": "1.2", "creator": {"name": "benchmarks/traffic.py", '
    b'"version": "1"}, "pages": [], "entries": [\n',
    "pretty": b'{\n  "log": {\n    "version": "1.2",\n'
    b'    "creator": {"name": "benchmarks/traffic.py", "version": "1"},\n'
    b'    "pages": [],\n    "entries": [\n',
}
TRAILER = {"compact": b"\n]}}\n", "pretty": b"\n    ]\n  }\n}\n"}
BETWEEN = {"compact": b",\n{", "pretty": b",\n    {"}


def generate_har(
    path: Path, size: int, seed: int = 7, mix: str = "sparse", layout: str = "pretty"
) -> dict[str, int]:
    """Write a HAR file of about ``size`` bytes; return counts of entries by kind."""
    pool = _pool(seed, 4000, mix, layout)
    rng = random.Random(seed + 1)
    counts = {kind: 0 for kind, _ in MIXES[mix]}
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as out:
        out.write(HEADER[layout])
        written = 0
        first = True
        issued = 0
        while written < size:
            kind, text, auth_req_id = pool[rng.randrange(len(pool))]
            if auth_req_id is not None:
                # Every issue call of a real recording has its own authReqId: the relay
                # pairer keeps each OK answer waiting for a client leg, as it would there.
                issued += 1
                unique = auth_req_id[:-10] + b"%010d" % issued
                text = text.replace(auth_req_id, unique)
            if not first:
                out.write(b",\n")
            out.write(text)
            written += len(text) + 2
            counts[kind] += 1
            first = False
        out.write(TRAILER[layout])
    tmp.replace(path)
    return counts


def har_file(
    size_mb: int, seed: int, data: Path = DATA, kind: str = "sparse-pretty"
) -> tuple[Path, dict[str, int]]:
    """The cached recording of ``size_mb`` MB (``kind``: mix-layout), generated when missing."""
    data.mkdir(parents=True, exist_ok=True)
    mix, layout = kind.split("-")
    name = f"traffic-v{GENERATOR_VERSION}-{size_mb}mb-seed{seed}.har"
    if kind != "sparse-pretty":
        name = f"traffic-v{GENERATOR_VERSION}-{kind}-{size_mb}mb-seed{seed}.har"
    path = data / name
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        return path, json.loads(meta.read_text())
    counts = generate_har(path, size_mb * MB, seed, mix, layout)
    meta.write_text(json.dumps(counts))
    return path, counts


# -- measuring ------------------------------------------------------------------------


@dataclass
class Measure:
    """One timed run of a command in its own process."""

    name: str
    seconds: float
    peak_rss_mb: float
    megabytes: float
    exit_code: int

    @property
    def rate(self) -> float:
        """MB per second."""
        return self.megabytes / self.seconds if self.seconds else float("inf")


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants, from /proc.

    Polled while a run goes on, so it must take little of the CPU the run shares: the tree
    is walked by each thread's ``children`` list where the kernel keeps one, instead of
    reading every process's ``stat`` (ten times the work, taken from a two-process run).
    """
    if not _CHILDREN_LISTS:
        return _tree_rss_by_scan(root)
    total = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * _PAGE
            for thread in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{thread}/children", "rb") as handle:
                    stack.extend(int(child) for child in handle.read().split())
        except (OSError, IndexError, ValueError):
            continue
    return total


_PAGE = os.sysconf("SC_PAGE_SIZE")
_CHILDREN_LISTS = os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children")


def _tree_rss_by_scan(root: int) -> int:
    """:func:`_tree_rss` from every process's ``stat`` (kernels without ``children``)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * _PAGE
        except (OSError, IndexError, ValueError):
            continue
    total = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, ()))
    return total


#: Every route runs with its modules' bytecode cached, as a package pip installed has it
#: (pip compiles at install). A machine that sets PYTHONDONTWRITEBYTECODE would otherwise
#: compile an editable install's modules again at every start, about 0.1 s of each run.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def best_of(repeat: int, name: str, command: Sequence[str], megabytes: float) -> Measure:
    """The fastest of ``repeat`` runs (the least disturbed), with the highest peak RSS."""
    return interleaved(repeat, [(name, list(command), megabytes)])[0]


def measure(name: str, command: Sequence[str], megabytes: float) -> Measure:
    """Run ``command``; its wall time and peak RSS (the process tree's, polled)."""
    start = time.perf_counter()
    child = subprocess.Popen(list(command), stdout=subprocess.DEVNULL, env=CHILD_ENV)
    peak = 0
    done = threading.Event()

    def poll() -> None:
        # The child's own high water mark every 5 ms (one small read of a file kept open:
        # this thread takes CPU from the runs that use both cores), the whole tree's
        # resident bytes every 50 ms: a peak of the child in its last 5 ms goes unseen.
        nonlocal peak
        next_tree = 0.0
        with _HighWater(child.pid) as high_water:
            while not done.is_set():
                if time.monotonic() >= next_tree:
                    peak = max(peak, _tree_rss(child.pid))
                    next_tree = time.monotonic() + 0.05
                peak = max(peak, high_water.read())
                done.wait(0.005)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    _, status, _ = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    done.set()
    watcher.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    return Measure(name, seconds, peak / MB, megabytes, child.returncode)


class _HighWater:
    """A process's peak resident bytes since it started its program (``VmHWM``), read
    from its status file, opened once.

    What ``wait4`` reports is no use here: a forked child counts the benchmark's own
    memory until it runs its program, which put 42 MB on a bare ijson pass of 30 MB.
    """

    def __init__(self, pid: int) -> None:
        try:
            self._fd: int | None = os.open(f"/proc/{pid}/status", os.O_RDONLY)
        except OSError:
            self._fd = None

    def __enter__(self) -> _HighWater:
        return self

    def __exit__(self, *_: object) -> None:
        if self._fd is not None:
            os.close(self._fd)

    def read(self) -> int:
        """The peak so far; 0 when it cannot be read (the process has gone)."""
        if self._fd is None:
            return 0
        try:
            status = os.pread(self._fd, 4096, 0)
            at = status.index(b"VmHWM:")
            return int(status[at + 6 : status.index(b"\n", at)].split()[0]) * 1024
        except (OSError, ValueError, IndexError):
            return 0


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("ciba-contracts")
    if script.exists():
        return [str(script)]
    found = shutil.which("ciba-contracts")
    if found:
        return [found]
    return [sys.executable, "-c", "from ciba_contracts.cli import run; run()"]


IJSON_PASS = """
import sys, ijson
assert ijson.backend == "yajl2_c", ijson.backend
with open(sys.argv[1], "rb") as handle:
    for _ in ijson.basic_parse(handle, use_float=True):
        pass
"""

#: The least work of this design, in one process: start-up (imports, the checks built),
#: the marker passes, and the wanted entries (issue calls and relay legs) decoded into
#: exchanges, with nothing checked, paired or reported.
LEAST_WORK = """
import sys
from ciba_contracts.config import Settings
from ciba_contracts.run.tasks import Checks
from ciba_contracts.traffic.har import read_har
checks = Checks(Settings())
with open(sys.argv[1], "rb") as handle:
    for _ in read_har(handle, sys.argv[1], checks.wanted, None, checks.candidate):
        pass
"""

OPENAPI_ROUTE = """
import json, sys
from contextlib import suppress
from urllib.parse import urlsplit
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.response.exceptions import ResponseValidationError
from ciba_contracts.contract.schemas import openapi_path
from ciba_contracts.selection import is_issue_call

app = OpenAPI.from_file_path(str(openapi_path()))
with open(sys.argv[1], "rb") as handle:
    har = json.load(handle)
checked = invalid = 0
for entry in har["log"]["entries"]:
    request, response = entry["request"], entry["response"]
    if not is_issue_call(request["method"], request["url"]):
        continue
    url = urlsplit(request["url"])
    parts = url.path.strip("/").split("/")
    if len(parts) == 5:
        pattern, args = "/api/{serviceId}/backchannel/authentication/issue", {"serviceId": parts[1]}
    else:
        pattern, args = "/api/backchannel/authentication/issue", {}
    mock = MockRequest(
        f"{url.scheme}://{url.netloc}", "POST", url.path, path_pattern=pattern, view_args=args,
        data=request.get("postData", {}).get("text", "").encode(),
        content_type="application/json",
    )
    content = response["content"]
    body = content["text"].encode()
    checked += 1
    try:
        app.validate_response(mock, MockResponse(body, status_code=response["status"]))
    except ResponseValidationError:
        invalid += 1
print(json.dumps({"checked": checked, "invalid": invalid}))
"""


#: Targets of the issue, on every file.
TARGET_IJSON = 1.5  # one process / ijson bare pass
TARGET_IJSON_DEFAULT = 2.5  # the default run / ijson bare pass
TARGET_OPENAPI = 30.0  # the default run / the openapi-core route
TARGET_RSS_MB = 150.0
TARGET_JOBS = 1.7  # two processes / one process, on files of 200 MB or more
JOBS_TARGET_MIN_MB = 200


@dataclass
class Result:
    """Everything the benchmark reports about one file."""

    kind: str
    file: str
    size_mb: float
    entries: dict[str, int]
    ciba: Measure
    ciba_jobs: Measure | None
    #: Processes ``--jobs auto`` (the default) uses on this file.
    auto_jobs: int
    ijson: Measure
    openapi: Measure
    openapi_file_mb: float
    #: One process with ``--no-relay``: what relay pairing costs.
    no_relay: Measure | None = None
    #: The reader alone (see ``LEAST_WORK``): the bound of this design.
    least: Measure | None = None
    #: The file's two halves read at once, one process each (``halves.py``): the most two
    #: processes do on this machine.
    halves: Measure | None = None

    def ratios(self) -> dict[str, float]:
        """ciba-contracts' rate over each other route's (one process, and by default)."""
        out = {
            "openapi-core": self.ciba.rate / self.openapi.rate,
            "ijson": self.ciba.rate / self.ijson.rate,
            "openapi-core-default": self.default.rate / self.openapi.rate,
            "ijson-default": self.default.rate / self.ijson.rate,
            "default-over-one": self.default.rate / self.ciba.rate,
        }
        if self.ciba_jobs is not None:
            out["jobs-over-one"] = self.ciba_jobs.rate / self.ciba.rate
        if self.no_relay is not None:
            out["relay-cost"] = self.no_relay.rate / self.ciba.rate - 1
        if self.least is not None:
            out["least-over-ijson"] = self.least.rate / self.ijson.rate
            out["one-over-least"] = self.ciba.rate / self.least.rate
        if self.halves is not None:
            out["halves-over-one"] = self.halves.rate / self.ciba.rate
            if self.ciba_jobs is not None:
                out["jobs-over-halves"] = self.ciba_jobs.rate / self.halves.rate
        return out

    def targets(self) -> list[tuple[str, float, float, bool]]:
        """(what, measured, target, met) for each target of the issue that applies."""
        r = self.ratios()
        peak = max(m.peak_rss_mb for m in (self.ciba, self.default))
        rows = [
            ("one process / ijson bare pass", r["ijson"], TARGET_IJSON, r["ijson"] >= TARGET_IJSON),
            (
                f"default run (--jobs auto: {self.auto_jobs}) / ijson bare pass",
                r["ijson-default"],
                TARGET_IJSON_DEFAULT,
                r["ijson-default"] >= TARGET_IJSON_DEFAULT,
            ),
            (
                "default run / openapi-core route",
                r["openapi-core-default"],
                TARGET_OPENAPI,
                r["openapi-core-default"] >= TARGET_OPENAPI,
            ),
            ("peak RSS MB (any run)", peak, TARGET_RSS_MB, peak < TARGET_RSS_MB),
            ("default run / one process", r["default-over-one"], 1.0, r["default-over-one"] >= 1),
        ]
        if "jobs-over-one" in r and self.size_mb >= JOBS_TARGET_MIN_MB:
            rows.append(
                (
                    "two processes / one process",
                    r["jobs-over-one"],
                    TARGET_JOBS,
                    r["jobs-over-one"] >= TARGET_JOBS,
                )
            )
        return rows

    @property
    def default(self) -> Measure:
        """The measure of the plain command: ``--jobs auto`` is one of the runs made."""
        if self.auto_jobs > 1 and self.ciba_jobs is not None:
            return self.ciba_jobs
        return self.ciba


def check_exits(measured: Mapping[str, Measure], strict: Collection[str] = ()) -> None:
    """Stop on a route that failed, whose time would be a bogus rate: any exit status but
    0 and 1 (findings: the recordings hold violations), or any but 0 for ``strict`` ones
    (the baselines, which report nothing)."""
    for key, measured_run in measured.items():
        allowed = (0,) if key in strict else (0, 1)
        if measured_run.exit_code not in allowed:
            raise SystemExit(
                f"{measured_run.name} failed with exit status {measured_run.exit_code}"
            )


def warm_up(command: Sequence[str]) -> None:
    """Run ``command`` once, not counted: it writes the bytecode cache the measured runs
    read, and reads the recordings into the page cache."""
    warm(command)
    measure("warm-up", command, 0.0)


def warm(command: Sequence[str]) -> None:
    """Read the recordings ``command`` names through, untimed, so that every route finds
    them in the page cache. The machine's proactive reclaim drops pages of cold files
    between runs (13 MB of the 400 MB compact file after one benchmark run), and a route
    that met them on disk was charged the reads, one route more than another."""
    for arg in command:
        if arg.endswith(".har") and os.path.isfile(arg):
            with open(arg, "rb", buffering=0) as handle:
                while handle.read(8 * 1024 * 1024):
                    pass


def interleaved(repeat: int, routes: list[tuple[str, list[str], float]]) -> list[Measure]:
    """Each route ``repeat`` times, round after round (so a busy spell of a shared machine
    spreads over all of them); per route the fastest run, with the highest peak RSS."""
    runs: list[list[Measure]] = [[] for _ in routes]
    for _ in range(max(1, repeat)):
        for found, (name, command, megabytes) in zip(runs, routes, strict=True):
            warm(command)
            found.append(measure(name, command, megabytes))
    out = []
    for found in runs:
        fastest = min(found, key=lambda m: m.seconds)
        fastest.peak_rss_mb = max(m.peak_rss_mb for m in found)
        out.append(fastest)
    return out


def run(args: argparse.Namespace, kind: str = "sparse-pretty") -> Result:
    """Generate (or reuse) one file and measure every route on it."""
    data = Path(args.data_dir)
    path, counts = har_file(args.size_mb, args.seed, data, kind)
    size = path.stat().st_size / MB
    cli = _cli()
    base = [*cli, "validate", str(path), "--format", "json", "--output", os.devnull]
    auto = auto_jobs([Task(str(path))])
    # Each route under a key of its own, so that its measure is found by the key.
    routes: dict[str, tuple[str, list[str], float]] = {
        "one": ("ciba-contracts validate --jobs 1", [*base, "--jobs", "1"], size),
        "ijson": (
            "ijson.basic_parse (bare pass)",
            [sys.executable, "-c", IJSON_PASS, str(path)],
            size,
        ),
        "least": ("least work (reading only)", [sys.executable, "-c", LEAST_WORK, str(path)], size),
    }
    jobs_n = args.jobs if args.jobs > 1 else (auto if auto > 1 else 0)
    if jobs_n:
        command = [*base, "--jobs", str(jobs_n)]
        routes["jobs"] = (f"ciba-contracts validate --jobs {jobs_n}", command, size)
    if auto > 1 and auto != jobs_n:
        # The default differs from the runs above (a machine with more cores).
        routes["auto"] = (f"ciba-contracts validate (--jobs auto: {auto})", base, size)
    if args.no_relay:
        command = [*base, "--jobs", "1", "--no-relay"]
        routes["no-relay"] = ("ciba-contracts validate --jobs 1 --no-relay", command, size)
    if jobs_n == 2:
        layout = kind.split("-")[1]
        first, second = cut_in_two(path, HEADER[layout], TRAILER[layout], BETWEEN[layout])
        one_each = [*cli, "validate", "--format", "json", "--output", os.devnull, "--jobs", "1"]
        command = [sys.executable, "-S", "-c", TWO_AT_ONCE, *one_each, str(first), str(second)]
        routes["halves"] = ("two halves at once, one process each", command, size)
    warm_up([*base, "--jobs", "1"])
    measured = dict(zip(routes, interleaved(args.repeat, list(routes.values())), strict=True))
    ciba, ijson_run, least = measured["one"], measured["ijson"], measured["least"]
    check_exits(measured, strict=("ijson", "least"))
    jobs = measured.get("auto", measured.get("jobs"))
    no_relay = measured.get("no-relay")
    two_halves = measured.get("halves")
    if args.openapi_mb and args.openapi_mb < args.size_mb:
        small, _ = har_file(args.openapi_mb, args.seed, data, kind)
    else:
        small = path
    small_size = small.stat().st_size / MB
    route = [sys.executable, "-c", OPENAPI_ROUTE, str(small)]
    # As many runs as every other route: the best of one against the best of five would
    # flatter the ratio.
    repeat = args.openapi_repeat or args.repeat
    openapi = best_of(repeat, "json.load + openapi-core", route, small_size)
    check_exits({"openapi": openapi}, strict=("openapi",))
    return Result(
        kind,
        str(path),
        size,
        counts,
        ciba,
        jobs,
        auto,
        ijson_run,
        openapi,
        small_size,
        no_relay,
        least,
        two_halves,
    )


def report(result: Result) -> str:
    """The result as a table with the ratios and targets."""
    lines = [
        f"HAR file ({result.kind}): {result.file} ({result.size_mb:.0f} MB, "
        + ", ".join(f"{n} {k}" for k, n in result.entries.items())
        + " entries)",
        "",
        f"{'route':46} {'MB/s':>8} {'peak RSS MB':>12} {'seconds':>8}",
    ]
    rows = [
        result.ciba,
        *([result.ciba_jobs] if result.ciba_jobs else []),
        *([result.no_relay] if result.no_relay else []),
        *([result.least] if result.least else []),
        *([result.halves] if result.halves else []),
        result.ijson,
        result.openapi,
    ]
    for m in rows:
        lines.append(f"{m.name:46} {m.rate:8.1f} {m.peak_rss_mb:12.1f} {m.seconds:8.2f}")
    ratios = result.ratios()
    lines += [
        "",
        f"openapi-core route measured on {result.openapi_file_mb:.0f} MB of the same mix",
        f"  one process / openapi-core: {ratios['openapi-core']:.1f}x",
    ]
    if "least-over-ijson" in ratios:
        lines.append(
            f"  least work / ijson bare pass: {ratios['least-over-ijson']:.2f}; "
            f"one process / least work: {ratios['one-over-least']:.2f}"
        )
    if "relay-cost" in ratios:
        lines.append(f"  one process runs {ratios['relay-cost']:.0%} faster with --no-relay")
    if "jobs-over-halves" in ratios:
        lines.append(
            f"  two halves at once / one process: {ratios['halves-over-one']:.2f} (what two "
            f"processes can give here); two processes reach {ratios['jobs-over-halves']:.0%} "
            "of it"
        )
    for what, value, target, met in result.targets():
        sign = "<" if what.startswith("peak") else ">="
        lines.append(
            f"  {what}: {value:.2f} (target {sign} {target:g}: {'met' if met else 'NOT MET'})"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--size-mb", type=int, default=400, help="size of each HAR file (default 400)"
    )
    parser.add_argument(
        "--files",
        nargs="+",
        choices=FILES,
        default=list(FILES),
        help="the recordings to measure: mix-layout (default: all three)",
    )
    parser.add_argument(
        "--openapi-mb",
        type=int,
        default=0,
        help="run the openapi-core route on a file of this size (default 0: the big file "
        "itself, which json.load needs about 4 GB of memory for at 1 GiB)",
    )
    parser.add_argument(
        "--openapi-repeat",
        type=int,
        default=0,
        help="runs of the openapi-core route (default 0: as many as --repeat)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="also measure --jobs N (1: skip)")
    parser.add_argument(
        "--no-relay", action="store_true", help="also measure one process with --no-relay"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs per route, interleaved; the fastest counts (default 3)",
    )
    parser.add_argument(
        "--data-dir", default=str(DATA), help="where generated files are cached (benchmarks/data)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    results = [run(args, kind) for kind in args.files]
    if args.json:
        documents = []
        for result in results:
            document = asdict(result)
            document["ratios"] = result.ratios()
            document["targets"] = [
                {"what": w, "value": v, "target": t, "met": m} for w, v, t, m in result.targets()
            ]
            for key in ("ciba", "ciba_jobs", "ijson", "openapi", "no_relay", "least"):
                if document[key] is not None:
                    document[key]["rate_mb_s"] = getattr(result, key).rate
            documents.append(document)
        print(json.dumps({"files": documents}, indent=2))
    else:
        print("\n\n".join(report(result) for result in results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
