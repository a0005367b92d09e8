"""Recordings in object storage, validated on a Dask cluster: real parts on 127.0.0.1.

A LocalCluster of two worker processes and an S3 API (moto's server) are started
once for the module; the reports of cluster and S3 runs are compared with the
report of a plain local run of the same recordings, for every recording format.
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import orjson
import pytest
import yaml
from click.testing import CliRunner
from distributed import Client, LocalCluster
from moto import settings as moto_settings
from moto.server import ThreadedMotoServer
from traffic_support import (
    AUTH_URL,
    ISSUE_URL,
    RESULT_401,
    har_document,
    har_entry,
    ok_body,
    write_har,
)

from ciba_contracts.cli import main
from ciba_contracts.config import Settings
from ciba_contracts.run import cluster as cluster_module
from ciba_contracts.run import parallel, run

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "recordings"
PREFIX = "archive"
#: Credentials of the S3 stand-in: any pass, none may show in a report.
SECRET = "s3cr3t-Zq81-never-shown"


def _interaction(body: bytes, status: int = 200) -> dict[str, Any]:
    return {
        "request": {
            "method": "POST",
            "uri": ISSUE_URL,
            "headers": {"Authorization": ["Bearer reference-token"]},
            "body": '{"ticket":"t"}',
        },
        "response": {
            "status": {"code": status, "message": "OK"},
            "headers": {"Content-Type": ["application/json"]},
            "body": {"string": body.decode()},
        },
    }


def _exchange(url: str, status: int, body: bytes) -> bytes:
    line = {
        "request": {"method": "POST", "url": url, "headers": {}, "body": None},
        "response": {
            "status": status,
            "headers": {"Content-Type": "application/json"},
            "body": body.decode(),
        },
    }
    return orjson.dumps(line) + b"\n"


def _har_entries(n: int) -> list[dict[str, Any]]:
    faults: list[dict[str, Any]] = [
        {},
        {"interval": 0},
        {"expiresIn": -5},
        {"authReqId": "bad id!"},
        {"resultCode": "X1"},
    ]
    entries = []
    for k in range(n):
        entries.append(har_entry(body=ok_body(**faults[k % len(faults)])))
        if k % 3 == 0:
            entries.append(har_entry(AUTH_URL, body=b'{"ticket":"t"}'))
    entries.append(har_entry(status=401, body=RESULT_401))
    entries.append(har_entry(body=b'{"action": "OK", '))
    return entries


#: One file of each recording format, named by what it holds.
FORMATS = [
    "pretty.har",
    "minified.har",
    "capture.har.gz",
    "cassette.yaml",
    "cassette.json",
    "exchanges.jsonl",
    "exchanges.jsonl.gz",
    "payloads/ok.json",
    "payloads/traffic.jsonl",
    "payloads/corpus.jsonl",
]


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory of recordings in every format, some breaking the contract."""
    root = tmp_path_factory.mktemp("recordings")
    write_har(root / "pretty.har", _har_entries(12))
    write_har(root / "minified.har", _har_entries(7), indent=None)
    (root / "capture.har.gz").write_bytes(
        gzip.compress(json.dumps(har_document(_har_entries(9)), indent=2).encode())
    )
    cassette = {
        "interactions": [
            _interaction(ok_body()),
            _interaction(ok_body(interval=-3)),
            _interaction(ok_body(expiresIn=0)),
        ],
        "version": 1,
    }
    (root / "cassette.yaml").write_text(yaml.safe_dump(cassette), encoding="utf-8")
    (root / "cassette.json").write_text(json.dumps(cassette, indent=2), encoding="utf-8")
    lines = [
        _exchange(AUTH_URL, 200, b'{"ticket":"t"}'),
        _exchange(ISSUE_URL, 200, ok_body(interval=0)),
        _exchange(ISSUE_URL, 200, ok_body()),
        _exchange(ISSUE_URL, 401, RESULT_401),
    ]
    (root / "exchanges.jsonl").write_bytes(b"".join(lines))
    (root / "exchanges.jsonl.gz").write_bytes(gzip.compress(b"".join(reversed(lines))))
    (root / "payloads").mkdir()
    shutil.copy(ROOT / "examples/payloads/ok.json", root / "payloads/ok.json")
    shutil.copy(ROOT / "examples/payloads/traffic.jsonl", root / "payloads/traffic.jsonl")
    shutil.copy(ROOT / "tests/corpus/payloads.jsonl", root / "payloads/corpus.jsonl")
    # A directory and a file that sort differently by name and by whole path.
    (root / "logs").mkdir()
    faulty = _exchange(ISSUE_URL, 200, ok_body(expiresIn=0))
    (root / "logs/late.jsonl").write_bytes(faulty)
    (root / "logs.jsonl").write_bytes(faulty)
    (root / ".hidden.har").write_text("not read", encoding="utf-8")
    (root / "notes.txt").write_text("not a recording", encoding="utf-8")
    return root


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def aws_environment() -> Iterator[None]:
    """Credentials for the S3 stand-in, set before any worker process starts."""
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    saved["AWS_DEFAULT_REGION"] = os.environ.get("AWS_DEFAULT_REGION")
    saved["AWS_ENDPOINT_URL"] = os.environ.get("AWS_ENDPOINT_URL")
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY=SECRET, AWS_DEFAULT_REGION="us-east-1"
    )
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def s3(aws_environment: None, recordings: Path) -> Iterator[str]:
    """moto's S3 server on 127.0.0.1 with the recordings under s3://recordings/archive/."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(Bucket=BUCKET)
    for path in sorted(recordings.rglob("*")):
        if path.is_file():
            key = f"{PREFIX}/{path.relative_to(recordings).as_posix()}"
            client.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes())
    yield endpoint
    server.stop()


@pytest.fixture(scope="module")
def scheduler(aws_environment: None) -> Iterator[str]:
    """A LocalCluster of two worker processes; its scheduler's address."""
    with LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        host="127.0.0.1",
    ) as cluster:
        yield str(cluster.scheduler_address)


def _validate(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["validate", *args, "--format", "json"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _report(text: str, *prefixes: str) -> dict[str, Any]:
    """A JSON report with the given source prefixes removed, to compare runs by content."""
    for prefix in prefixes:
        text = text.replace(json.dumps(prefix)[1:-1], "")
    return json.loads(text)  # type: ignore[no-any-return]


def _ciba_tasks(address: str) -> int:
    """How many of the run's tasks the cluster's scheduler has seen finish."""

    def count(dask_scheduler: Any) -> int:
        prefix = dask_scheduler.task_prefixes.get("ciba-contracts")
        return 0 if prefix is None else int(prefix.state_counts["memory"])

    with Client(address, timeout=30) as client:  # type: ignore[no-untyped-call]
        return int(client.run_on_scheduler(count))


@pytest.mark.parametrize("name", FORMATS)
def test_every_format_gives_the_local_report_on_the_cluster_and_from_s3(
    name: str, recordings: Path, scheduler: str, s3: str
) -> None:
    local_code, local, _ = _validate(str(recordings / name))
    expected = _report(local, f"{recordings}/")
    assert expected["summary"]["checked"] > 0
    url = f"s3://{BUCKET}/{PREFIX}/{name}"
    before = _ciba_tasks(scheduler)
    for args, prefix in (
        ((str(recordings / name), "--scheduler", scheduler), f"{recordings}/"),
        ((url,), f"s3://{BUCKET}/{PREFIX}/"),
        ((url, "--scheduler", scheduler), f"s3://{BUCKET}/{PREFIX}/"),
    ):
        code, out, _ = _validate(*args)
        assert (code, _report(out, prefix)) == (local_code, expected), args
    assert _ciba_tasks(scheduler) == before + 2


def test_a_whole_prefix_is_walked_as_the_directory_is(
    recordings: Path, scheduler: str, s3: str
) -> None:
    code, local, _ = _validate(str(recordings))
    expected = _report(local, f"{recordings}/")
    sources = [f["source"] for f in expected["findings"]]
    assert sources.index("logs/late.jsonl") < sources.index("logs.jsonl")
    prefix = f"s3://{BUCKET}/{PREFIX}/"
    for args in ((prefix,), (prefix, "--scheduler", scheduler), (f"s3://{BUCKET}/{PREFIX}",)):
        got_code, out, _ = _validate(*args)
        assert (got_code, _report(out, prefix)) == (code, expected), args
    assert SECRET not in local


def test_a_glob_picks_files_in_walk_order(recordings: Path, s3: str) -> None:
    # As a shell expands it: hidden files left out.
    hars = sorted(str(p) for p in recordings.glob("*.har") if not p.name.startswith("."))
    code, local, _ = _validate(*hars)
    got_code, out, _ = _validate(f"s3://{BUCKET}/{PREFIX}/*.har")
    assert (got_code, _report(out, f"s3://{BUCKET}/{PREFIX}/")) == (
        code,
        _report(local, f"{recordings}/"),
    )


def test_file_urls_are_read_like_paths(recordings: Path) -> None:
    code, local, _ = _validate(str(recordings))
    got_code, out, _ = _validate(recordings.as_uri())
    assert (got_code, _report(out, f"{recordings.as_uri()}/")) == (
        code,
        _report(local, f"{recordings}/"),
    )


def test_a_large_har_file_is_cut_into_slices_on_the_cluster(
    recordings: Path, scheduler: str, s3: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, local, _ = _validate(str(recordings / "pretty.har"), "--jobs", "1")
    monkeypatch.setattr(parallel, "SPLIT_MIN", 1024)
    before = _ciba_tasks(scheduler)
    for args, prefix in (
        ((str(recordings / "pretty.har"),), f"{recordings}/"),
        ((f"s3://{BUCKET}/{PREFIX}/pretty.har",), f"s3://{BUCKET}/{PREFIX}/"),
    ):
        got_code, out, _ = _validate(*args, "--scheduler", scheduler)
        assert (got_code, _report(out, prefix)) == (code, _report(local, f"{recordings}/"))
    # Two workers: three rounds of two slices of the file each run.
    assert _ciba_tasks(scheduler) == before + 2 * 2 * len(parallel.ROUNDS)


def test_progress_counts_tasks_done_out_of_all(recordings: Path, scheduler: str) -> None:
    calls: list[tuple[str, int, int | None]] = []
    settings = Settings(scheduler=scheduler)
    run([str(recordings)], settings, progress=lambda *call: calls.append(call))
    tasks = len([p for p in recordings.rglob("*") if p.is_file() and p.name[0] != "."])
    assert [c[0] for c in calls] == [f"{k} of {tasks} tasks" for k in range(1, tasks + 1)]
    assert calls[-1][1] == calls[-1][2]


def test_a_missing_object_is_an_unreadable_input_and_the_rest_is_checked(
    scheduler: str, s3: str
) -> None:
    good = f"s3://{BUCKET}/{PREFIX}/pretty.har"
    missing = f"s3://{BUCKET}/{PREFIX}/gone.har"
    code, out, err = _validate(good, missing, "--scheduler", scheduler)
    report = json.loads(out)
    assert code == 2
    assert report["summary"]["checked"] > 0
    assert f"cannot read {missing}: not found" in err


def test_a_missing_bucket_ends_the_run_with_one_line(s3: str) -> None:
    code, out, err = _validate("s3://no-such-bucket/archive/")
    assert code == 2
    assert out == ""
    assert err.strip().splitlines() == [
        "error: s3://no-such-bucket/archive/: the bucket 'no-such-bucket' does not exist"
    ]


def test_refused_credentials_end_the_run_with_one_line_and_no_secret(
    s3: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(moto_settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
    code, out, err = _validate(
        f"s3://{BUCKET}/{PREFIX}/",
        "--storage-option",
        "key=AKIAEXAMPLEKEY",
        "--storage-option",
        f"secret={SECRET}",
        "--storage-option",
        "skip_instance_cache=true",
    )
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: s3://{BUCKET}/{PREFIX}/: access refused")
    assert SECRET not in out + err
    assert "AKIAEXAMPLEKEY" not in out + err
    assert "Traceback" not in err


def test_an_unreachable_scheduler_ends_the_run_with_one_line(
    recordings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT", 1.0)
    address = f"tcp://127.0.0.1:{_free_port()}"
    code, out, err = _validate(str(recordings / "pretty.har"), "--scheduler", address)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: cannot reach the Dask scheduler at {address}")


def test_a_bad_storage_option_is_a_usage_error() -> None:
    code, _, err = _validate("s3://b/k", "--storage-option", "no-equals-sign")
    assert code == 2
    assert "KEY=VALUE" in err


def test_a_worker_killed_mid_run_has_its_tasks_run_again(
    recordings: Path, scheduler: str, tmp_path: Path
) -> None:
    big = [har_entry(body=ok_body(interval=k % 3)) for k in range(1000)]
    for k in range(12):
        write_har(tmp_path / f"part-{k:02}.har", big)
    code, local, _ = _validate(str(tmp_path), "--jobs", "1")
    killed: list[int] = []

    def kill_a_busy_worker() -> None:
        with Client(scheduler, timeout=30) as client:  # type: ignore[no-untyped-call]
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not killed:
                for address, keys in client.processing().items():
                    if any(str(k).startswith("ciba-contracts-") for k in keys):
                        pid = client.run(os.getpid, workers=[address])[address]
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
                        return
                time.sleep(0.005)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    got_code, out, _ = _validate(str(tmp_path), "--scheduler", scheduler)
    killer.join()
    assert killed, "no worker was busy with the run"
    assert (got_code, _report(out)) == (code, _report(local))


@pytest.fixture
def hand_started_cluster(aws_environment: None) -> Iterator[str]:
    """``dask scheduler`` and two ``dask worker`` processes, as an operator starts them."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).with_name("dask"))
    common = ["--no-dashboard"]
    # The workers know no S3 endpoint of their own: the run gives them the client's.
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    processes = [
        subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), *common],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        for _ in range(2):
            processes.append(
                subprocess.Popen(
                    [dask, "worker", address, "--nthreads", "1", "--host", "127.0.0.1", *common],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    env=environment,
                )
            )
        with Client(address, timeout=60) as client:  # type: ignore[no-untyped-call]
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for process in processes:
            process.kill()
        for process in processes:
            process.wait(timeout=30)


def test_a_hand_started_scheduler_and_workers_give_the_local_report(
    recordings: Path, s3: str, hand_started_cluster: str
) -> None:
    code, local, _ = _validate(str(recordings))
    expected = _report(local, f"{recordings}/")
    got_code, out, _ = _validate(str(recordings), "--scheduler", hand_started_cluster)
    assert (got_code, _report(out, f"{recordings}/")) == (code, expected)
    prefix = f"s3://{BUCKET}/{PREFIX}/"
    got_code, out, _ = _validate(prefix, "--scheduler", hand_started_cluster)
    assert (got_code, _report(out, prefix)) == (code, expected)
    assert _ciba_tasks(hand_started_cluster) > 0


@pytest.fixture
def http_root(recordings: Path) -> Iterator[str]:
    """The recordings served over HTTP on 127.0.0.1."""
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(recordings))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("name", ["pretty.har", "capture.har.gz", "cassette.yaml"])
def test_http_urls_are_read_like_paths(name: str, recordings: Path, http_root: str) -> None:
    code, local, _ = _validate(str(recordings / name))
    got_code, out, _ = _validate(http_root + name)
    assert (got_code, _report(out, http_root)) == (code, _report(local, f"{recordings}/"))


def test_a_local_run_imports_neither_fsspec_nor_dask(recordings: Path) -> None:
    script = (
        "import sys\n"
        "from ciba_contracts.cli import main\n"
        "try:\n"
        f"    main(['validate', {str(recordings)!r}, '--format', 'json', '-o', '/dev/null'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(loaded & {'fsspec', 'dask', 'distributed'}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"
