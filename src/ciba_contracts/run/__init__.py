"""Running ``validate``: tasks, worker processes, clusters, and the merged report.

- :mod:`~ciba_contracts.run.tasks`: one input (or a slice of one) read and checked;
- :mod:`~ciba_contracts.run.parallel`: ``--jobs N``, slices of large files over processes;
- :mod:`~ciba_contracts.run.one_file`: one large file read by this process and workers;
- :mod:`~ciba_contracts.run.workers`: what those processes share (start, bytes read);
- :mod:`~ciba_contracts.run.cluster`: ``--scheduler``, the same tasks on Dask;
- :mod:`~ciba_contracts.run.runner`: the run itself, which merges what the tasks found.
"""

from ciba_contracts.run.runner import (
    AUTO_JOBS,
    AUTO_MIN_MB,
    WorkerLost,
    WorkersUnavailable,
    auto_jobs,
    expand,
    merge,
    run,
)
from ciba_contracts.run.tasks import Task

__all__ = [
    "AUTO_JOBS",
    "AUTO_MIN_MB",
    "Task",
    "WorkerLost",
    "WorkersUnavailable",
    "auto_jobs",
    "expand",
    "merge",
    "run",
]
