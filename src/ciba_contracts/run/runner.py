"""One run of ``validate``: inputs -> tasks -> readers -> checkers -> one report.

The runner owns the order of the report (inputs in the order given,
directories walked in sorted order, entries in file order), so every
reporter sees the same sequence, whether the run used one process, many
(:mod:`ciba_contracts.run.parallel` merges slices back into this order) or a
cluster (:mod:`ciba_contracts.run.cluster`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import BinaryIO

from ciba_contracts.config import Settings
from ciba_contracts.contract.profiles import Profile
from ciba_contracts.report.model import RunReport, checked_store, mask_notes
from ciba_contracts.run.errors import ClusterUnavailable, WorkerLost, WorkersUnavailable
from ciba_contracts.run.tasks import Checks, Partial, Progress, Task, check_task
from ciba_contracts.traffic import storage
from ciba_contracts.traffic.detect import STDIN
from ciba_contracts.traffic.walk import is_directory, walk

__all__ = [
    "AUTO_JOBS",
    "AUTO_MIN_MB",
    "ClusterUnavailable",
    "WorkerLost",
    "WorkersUnavailable",
    "auto_jobs",
    "expand",
    "merge",
    "run",
]


def expand(inputs: Sequence[str]) -> Iterator[Task]:
    """Inputs as tasks, directories replaced by the files under them."""
    for name in inputs:
        if name != STDIN and is_directory(name):
            for path in walk(name):
                yield Task(path, in_directory=True, directory=name)
        else:
            yield Task(name)


#: The most processes ``--jobs auto`` starts: on two cores that is all of them, and the
#: memory of the whole run stays near a third of the 150 MB a single run is held to.
AUTO_JOBS = 2
#: Inputs smaller than this (in MB, all files together) are read by one process:
#: starting workers costs more than it saves.
AUTO_MIN_MB = 48


def auto_jobs(tasks: Sequence[Task]) -> int:
    """How many processes ``--jobs auto`` uses for these inputs."""
    if any(task.name == STDIN for task in tasks):
        return 1
    total = 0
    for task in tasks:
        with contextlib.suppress(OSError):
            total += os.stat(task.name).st_size
    if total < AUTO_MIN_MB * 1024 * 1024:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    jobs = max(1, min(AUTO_JOBS, cores))
    if jobs > 1 and len(tasks) == 1:
        from ciba_contracts.run.parallel import pieces

        # One input that cannot be cut (JSON lines, a compressed or minified recording) is
        # read by one process anyway: a worker would only add its start and send every
        # finding back through a pipe.
        if pieces(tasks[0], jobs) < 2:
            return 1
    return jobs


def run(
    inputs: Sequence[str],
    settings: Settings,
    stdin: BinaryIO | None = None,
    progress: Progress | None = None,
) -> RunReport:
    """Check every payload and recorded issue-API exchange of ``inputs``."""
    storage.configure(settings.storage_options)
    tasks = list(expand(inputs))
    partials: list[Partial] | None = None
    jobs = settings.jobs or auto_jobs(tasks)
    if settings.scheduler is not None and STDIN not in inputs:
        from ciba_contracts.run.cluster import run_on_cluster

        partials = run_on_cluster(tasks, settings, progress)
    elif jobs > 1 and STDIN not in inputs:
        from ciba_contracts.run.parallel import run_tasks

        try:
            partials = run_tasks(tasks, replace(settings, jobs=jobs), progress)
        except WorkersUnavailable as exc:
            # No worker processes on this system (no semaphores, no fork): asked for, that
            # is an error; chosen automatically, one process does the same work. (An error
            # a worker met while reading is the run's, as one process would meet it.)
            if settings.jobs:
                raise WorkersUnavailable(
                    f"cannot start {jobs} worker processes ({exc}); try --jobs 1"
                ) from exc
    if partials is None:
        checks = Checks(settings)
        partials = [check_task(task, checks, stdin, progress) for task in tasks]
    report = merge(partials)
    report.profile = settings.profile
    found = {t.directory for t, p in zip(tasks, partials, strict=True) if p.summary.inputs}
    for name in inputs:
        if name != STDIN and is_directory(name) and name not in found:
            report.summary.notes.append(f"{name}: no input files found")
    mask_notes(report)
    return report


def merge(partials: Sequence[Partial]) -> RunReport:
    """The run's report from the partial results, in task order."""
    report = RunReport(Profile.AUTHLETE)
    if any(p.items is not None for p in partials):
        # The checks listed the checked items (Checks.list_items): so does the report.
        report.checked_items = checked_store()
        for partial in partials:
            if partial.items is not None:
                report.checked_items.adopt(partial.items)
    for partial in partials:
        report.summary.absorb(partial.summary)
        report.unreadable.extend(partial.unreadable)
        report.findings.adopt(partial.findings)
    read_anything = any(p.read_anything for p in partials)
    problems = any(p.input_problems for p in partials)
    report.nothing_read = problems and not read_anything
    return report
