"""``--jobs N`` gives the report of a single process: same findings, same order, same places.

The default, ``auto``, starts workers only for large inputs."""

from __future__ import annotations

import concurrent.futures
import gc
import gzip
import io
import json
import os
import tempfile
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from jobs_support import (
    corrupt_middle,
    cut_at_entries,
    mixed_entries,
    one_and_two_processes,
    relay_entries,
)
from traffic_support import ISSUE_URL, har_document, har_entry, ok_body, write_har

from ciba_contracts.cli import main as cli
from ciba_contracts.config import ConfigError, Settings, load_settings
from ciba_contracts.report import store
from ciba_contracts.report.json_report import write_json
from ciba_contracts.run import Task, joining, parallel, run, runner
from ciba_contracts.run.cuts import Layout, entry_layout
from ciba_contracts.run.tasks import Partial
from ciba_contracts.run.workers import ReadCount


def _cores(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(count)))


@pytest.fixture
def auto_on_two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--jobs auto`` on a two-core machine, with the test's small files counted as large."""
    monkeypatch.setattr(runner, "AUTO_MIN_MB", 0)
    monkeypatch.setattr(parallel, "SPLIT_MIN", 1)
    _cores(monkeypatch, 2)


def test_many_files(tmp_path: Path) -> None:
    inputs = []
    for n in range(5):
        path = write_har(tmp_path / f"f{n}.har", mixed_entries(20 + n))
        inputs.append(str(path))
    corrupt_middle(tmp_path / "f2.har")
    single, multi = one_and_two_processes(inputs)
    assert single == multi
    assert json.loads(single)["summary"]["inputs"] == 5


def _layout(path: Path) -> Layout:
    layout = entry_layout(str(path))
    assert layout is not None
    return layout


def test_one_large_file_read_in_rounds_where_processes_cannot_be_forked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # macOS and Windows: no worker is forked by hand; a pool reads the file's slices in
    # shrinking rounds, to the same report.
    monkeypatch.setattr(parallel, "SPLIT_MIN", 1)
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    planned: list[int] = []
    plan = parallel.plan

    def counted_plan(tasks: Any, jobs: int) -> Any:
        groups = plan(tasks, jobs)
        planned.append(sum(len(group) for group in groups))
        return groups

    monkeypatch.setattr(parallel, "plan", counted_plan)
    monkeypatch.setattr(parallel, "read_one_file", None)  # never called
    path = write_har(tmp_path / "big.har", mixed_entries(300))
    corrupt_middle(path)
    single, multi = one_and_two_processes([str(path)])
    assert single == multi
    # The file went to the pool in slices.
    assert planned
    assert planned[0] > 1


@pytest.mark.parametrize("fmt", ["json", "junit"])
def test_one_large_file_cut_in_slices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.setattr(parallel, "SPLIT_MIN", 1)
    monkeypatch.setattr(parallel, "ROUNDS", (1,) * 4)
    path = write_har(tmp_path / "big.har", mixed_entries(300))
    corrupt_middle(path)
    size = path.stat().st_size
    cuts = parallel._cut_points(str(path), size, (1,) * 8, _layout(path))
    assert len(cuts) == 7
    single, multi = one_and_two_processes([str(path)], fmt)
    assert single == multi
    if fmt == "json":
        report = json.loads(single)
        assert {f["rule"] for f in report["findings"]} >= {"A109", "H301", "I001", "I003"}
        assert max(f["entry"] for f in report["findings"]) > 250


def test_slices_shrink_round_by_round_and_report_as_one_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two processes take the big slices first and share the small ones at the end as they
    # come free, so neither waits long for the other.
    monkeypatch.setattr(parallel, "SPLIT_MIN", 1)
    path = write_har(tmp_path / "rounds.har", mixed_entries(700))
    corrupt_middle(path)
    pieces = parallel.plan([Task(str(path))], 2)[0]
    assert len(pieces) == 2 * len(parallel.ROUNDS)
    sizes = [(piece.stop or path.stat().st_size) - (piece.start or 0) for piece in pieces]
    shares = [weight for weight in parallel.ROUNDS for _ in range(2)]
    entry = 2 * max(len(json.dumps(e, indent=2)) for e in mixed_entries(7))
    for size, share in zip(sizes, shares, strict=True):
        wanted = path.stat().st_size * share / sum(shares)
        assert abs(size - wanted) < entry + wanted * 0.05, (sizes, shares)
    assert sizes[0] > sizes[2] > sizes[4]
    assert sizes[1] > sizes[3] > sizes[5]
    single, multi = one_and_two_processes([str(path)])
    assert single == multi


def test_cut_points_in_a_second_array_fall_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pages after the entries, at the same indentation: a cut can land among them.
    monkeypatch.setattr(parallel, "SPLIT_MIN", 1)
    monkeypatch.setattr(parallel, "ROUNDS", (1,) * 4)
    document = har_document(mixed_entries(40))
    pages = [{"id": f"page_{i}", "title": "x" * 400, "request": {}} for i in range(60)]
    log = document["log"]
    document["log"] = {"version": "1.2", "entries": log["entries"], "pages": pages}
    path = tmp_path / "pages-after.har"
    path.write_text(json.dumps(document, indent=2))
    single, multi = one_and_two_processes([str(path)])
    assert single == multi
    assert json.loads(single)["summary"]["checked"] + json.loads(single)["summary"][
        "skipped"
    ] == len(log["entries"])


def test_minified_files_are_not_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "SPLIT_MIN", 1)
    path = tmp_path / "min.har"
    path.write_bytes(orjson.dumps(har_document(mixed_entries(50))))
    assert entry_layout(str(path)) is None  # so it is never cut
    assert parallel._slices(Task(str(path)), 4) == [Task(str(path))]
    single, multi = one_and_two_processes([str(path)])
    assert single == multi


def test_a_cut_that_is_no_entry_start_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Hand-edited layout: one entry holds an object whose braces sit at the entries'
    # indentation, so a cut point can land inside that entry.
    monkeypatch.setattr(parallel, "SPLIT_MIN", 1)
    monkeypatch.setattr(parallel, "ROUNDS", (1,) * 8)
    entries = [json.dumps(e, indent=2).replace("\n", "\n    ") for e in mixed_entries(30)]
    odd = json.dumps(har_entry(ISSUE_URL, 200, ok_body(expiresIn=0)))[:-1]
    odd += ',\n"_note":\n    {\n"text": "' + "n" * 3000 + '"\n    }\n}'
    entries.insert(15, odd)
    text = '{"log": {"version": "1.2", "entries": [\n    ' + ",\n    ".join(entries) + "\n]}}"
    path = tmp_path / "odd.har"
    path.write_text(text)
    cuts = parallel._cut_points(str(path), path.stat().st_size, (1,) * 16, _layout(path))
    inside = text.index('\n    {\n"text"') + 5
    assert text[inside] == "{"
    assert inside not in cuts
    # Force a cut at that brace, as a cut point search could find it.
    bogus = sorted({*cuts, inside})
    monkeypatch.setattr(parallel, "_cut_points", lambda *_: bogus)
    calls: list[object] = []
    real = joining.check_task  # type: ignore[attr-defined]

    def spy(*args: object, **kwargs: object) -> object:
        calls.append(args[0])
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(joining, "check_task", spy)
    single, multi = one_and_two_processes([str(path)])
    assert single == multi
    assert calls, "no slice was read again in the main process"
    report = json.loads(single)
    assert report["summary"]["checked"] + report["summary"]["skipped"] == 31
    assert ["A109"] in [[f["rule"] for f in report["findings"] if f["entry"] == 15]]


def test_a_slice_reads_its_first_entry_as_one_process_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Entries that are no issue call are not parsed in one process, so a syntax error
    # in them (a raw line break in a string) is not reported; nor when a slice starts there.
    path = write_har(tmp_path / "broken-others.har", mixed_entries(40))
    raw = path.read_bytes().replace(b"https://cdn.example.com/", b"https://cdn.example.com/\n")
    path.write_bytes(raw)
    cuts = cut_at_entries(monkeypatch, path)
    assert len(cuts) == 40
    single, multi = one_and_two_processes([str(path)])
    assert single == multi
    report = json.loads(single)
    assert report["summary"]["checked"] + report["summary"]["skipped"] == 40
    assert "I001" not in {f["rule"] for f in report["findings"]}


def test_a_truncated_file_says_the_same_whatever_the_slices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = mixed_entries(8) + [
        har_entry("https://cdn.example.com/x.js", 200, b"x", method="GET") for _ in range(4)
    ]
    path = write_har(tmp_path / "cut.har", entries)
    raw = path.read_bytes()
    path.write_bytes(raw[: raw.rindex(b"\n      }") + len(b"\n      }")])
    cut_at_entries(monkeypatch, path)
    single, multi = one_and_two_processes([str(path)])
    assert single == multi
    messages = [f["message"] for f in json.loads(single)["findings"] if f["rule"] == "I002"]
    assert len(messages) == 1
    assert messages[0].endswith("after the last complete entry")


def test_auto_uses_one_process_for_small_inputs_and_stdin(tmp_path: Path) -> None:
    small = write_har(tmp_path / "small.har", mixed_entries(10))
    assert runner.auto_jobs([Task(str(small))]) == 1
    assert runner.auto_jobs([Task("-")]) == 1


@pytest.mark.usefixtures("auto_on_two_cores")
def test_auto_spreads_large_inputs_over_at_most_two_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_har(tmp_path / "big.har", mixed_entries(200))
    _cores(monkeypatch, 8)
    assert runner.auto_jobs([Task(str(path))]) == 2
    _cores(monkeypatch, 1)
    assert runner.auto_jobs([Task(str(path))]) == 1


@pytest.mark.usefixtures("auto_on_two_cores")
def test_auto_uses_one_process_for_a_single_input_it_cannot_cut(tmp_path: Path) -> None:
    # A worker would read it alone and send every finding back: slower, and more memory.
    lines = tmp_path / "payloads.jsonl"
    lines.write_text("\n".join(json.dumps({"action": f"MADE_UP_{i}"}) for i in range(50)))
    har = write_har(tmp_path / "big.har", mixed_entries(200))
    packed = tmp_path / "big.har.gz"
    packed.write_bytes(gzip.compress(har.read_bytes()))
    assert runner.auto_jobs([Task(str(lines))]) == 1
    assert runner.auto_jobs([Task(str(packed))]) == 1
    assert runner.auto_jobs([Task(str(har))]) == 2
    assert runner.auto_jobs([Task(str(lines)), Task(str(packed))]) == 2


@pytest.mark.usefixtures("auto_on_two_cores")
def test_auto_is_the_default_and_gives_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_har(tmp_path / "big.har", mixed_entries(120))
    corrupt_middle(path)
    started: list[int] = []
    real = parallel.run_tasks

    def spy(tasks: object, settings: Settings, progress: object) -> object:
        started.append(settings.jobs)
        return real(tasks, settings, progress)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel, "run_tasks", spy)
    assert Settings().jobs == 0
    out = []
    for settings in (Settings(format="json"), Settings(jobs=1, format="json")):
        buffer = io.StringIO()
        write_json(run([str(path)], settings), buffer)
        out.append(buffer.getvalue())
    assert started == [2]
    assert out[0] == out[1]


def test_without_worker_processes_auto_falls_back_and_asked_for_jobs_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "AUTO_MIN_MB", 0)
    _cores(monkeypatch, 2)

    def no_workers(*_args: object, **_options: object) -> object:
        raise PermissionError(13, "semaphores are not available")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_workers)
    path = write_har(tmp_path / "f.har", mixed_entries(30))
    report = run([str(path)], Settings(format="json"))
    assert report.summary.checked > 0
    with pytest.raises(runner.WorkersUnavailable, match="try --jobs 1"):
        run([str(path)], Settings(jobs=2, format="json"))
    result = CliRunner().invoke(cli, ["validate", "--jobs", "2", str(path)])
    assert result.exit_code == 2
    assert "cannot start 2 worker processes" in result.output


@pytest.mark.parametrize(
    ("value", "message"),
    [("0", "not a positive number"), ("x", "neither a positive number nor auto")],
)
def test_jobs_flag_rejects_what_is_not_a_count(tmp_path: Path, value: str, message: str) -> None:
    path = write_har(tmp_path / "f.har", mixed_entries(3))
    result = CliRunner().invoke(cli, ["validate", "--jobs", value, str(path)])
    assert result.exit_code == 2
    assert message in result.output
    ok = CliRunner().invoke(cli, ["validate", "--jobs", "auto", str(path)])
    assert ok.exit_code == 1, ok.output


def test_jobs_in_the_configuration(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.ciba-contracts]\njobs = "auto"\n')
    assert load_settings(path=config).jobs == 0
    # Spelled as the flag accepts it.
    config.write_text('[tool.ciba-contracts]\njobs = "AUTO"\n')
    assert load_settings(path=config).jobs == 0
    config.write_text("[tool.ciba-contracts]\njobs = 3\n")
    assert load_settings(path=config).jobs == 3
    config.write_text('[tool.ciba-contracts]\njobs = "many"\n')
    with pytest.raises(ConfigError, match='positive integer or "auto"'):
        load_settings(path=config)


def test_findings_past_the_memory_limit_cross_processes_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Workers are forked: they keep at most a handful of findings in memory and hand the
    # rest over as a file.
    monkeypatch.setattr(store, "MEMORY_LIMIT", 5)
    monkeypatch.setattr(store, "BATCH", 3)
    monkeypatch.setattr(parallel, "SPLIT_MIN", 1)
    monkeypatch.setattr(parallel, "ROUNDS", (1,) * 3)
    path = write_har(tmp_path / "many.har", mixed_entries(400))
    corrupt_middle(path)
    before = set(Path(tempfile.gettempdir()).glob("ciba-contracts-*.findings"))
    single, multi = one_and_two_processes([str(path)])
    assert single == multi
    assert len(json.loads(single)["findings"]) > 100
    gc.collect()
    after = set(Path(tempfile.gettempdir()).glob("ciba-contracts-*.findings"))
    assert after <= before


def test_relays_pair_across_slices_as_one_read_pairs_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both legs of most relays sit in different slices when the file is cut at every entry.
    path = write_har(tmp_path / "relays.har", relay_entries(12))
    cuts = cut_at_entries(monkeypatch, path)
    assert len(cuts) == 24
    single, multi = one_and_two_processes([str(path)])
    assert single == multi
    report = json.loads(single)
    assert report["summary"]["relay_pairs"] == 12
    assert report["summary"]["relay_unpaired"] == 0
    assert [f["rule"] for f in report["findings"]].count("R503") == 4


def test_progress_with_no_total_shows_the_bytes_read() -> None:
    # A size that cannot be told (total 0) must not pin the bytes shown at 0.
    future: Future[Partial] = Future()
    count = ReadCount()
    count.add(500)
    calls: list[tuple[str, int, int | None]] = []
    timer = threading.Timer(0.3, future.set_result, (Partial(),))
    timer.start()
    try:
        results = list(count.results([future], lambda *c: calls.append(c), 0))
    finally:
        timer.cancel()
    assert len(results) == 1
    assert calls
    assert calls[0] == ("", 500, None)


def test_progress_under_jobs_ends_at_the_whole_size_and_never_goes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Slices are joined as they come in; the bytes read are still shown until the last.
    monkeypatch.setattr(parallel, "SPLIT_MIN", 1)
    path = write_har(tmp_path / "progress.har", mixed_entries(400))
    calls: list[tuple[str, int, int | None]] = []
    multi = run([str(path)], Settings(jobs=2), progress=lambda *call: calls.append(call))
    single = run([str(path)], Settings(jobs=1))
    size = path.stat().st_size
    assert calls[-1] == ("", size, size)
    done = [call[1] for call in calls]
    assert done == sorted(done)
    assert all(call[2] == size for call in calls)
    buffers = [io.StringIO(), io.StringIO()]
    write_json(single, buffers[0])
    write_json(multi, buffers[1])
    assert buffers[0].getvalue() == buffers[1].getvalue()
