"""``--scheduler``: a run's tasks on a dask.distributed cluster, with a local run's report.

The tasks are those of ``--jobs``: one per input file, and byte ranges of a large
pretty-printed HAR file (:func:`ciba_contracts.run.parallel.plan`), in rounds of as
many slices as the cluster has worker threads, smaller round by round. Each worker
reads its input straight from where it lives (object storage, a shared file
system); the client sends a task's name and the run's settings, and receives the
findings. Results are put back in task order and slices joined as ``--jobs``
does, so the report is the one a single process gives. A task whose worker dies
is run again elsewhere (Dask's doing); one that keeps killing workers becomes an
unreadable input, not a lost run.

dask.distributed is imported only here, and only when ``--scheduler`` is given.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import msgspec

from ciba_contracts.config import Settings
from ciba_contracts.redact import redact_url
from ciba_contracts.report.model import findings_store, located_from_row, located_row
from ciba_contracts.run.errors import ClusterUnavailable
from ciba_contracts.run.parallel import assemble, plan
from ciba_contracts.run.tasks import Checks, Partial, Progress, Task, check_task
from ciba_contracts.traffic import storage

#: ``--scheduler local``: a cluster of this machine's cores, started for the run.
LOCAL = "local"
#: Seconds to wait for the scheduler before giving up.
CONNECT_TIMEOUT = 10.0
_QUIET = (
    "distributed",
    "distributed.client",
    "distributed.core",
    "distributed.comm",
    "distributed.worker",
    "distributed.nanny",
    "distributed.scheduler",
)


def run_on_cluster(
    tasks: Sequence[Task], settings: Settings, progress: Progress | None
) -> list[Partial]:
    """Partial results of ``tasks``, in task order, computed on ``settings.scheduler``."""
    address = settings.scheduler or LOCAL
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ClusterUnavailable(
            "--scheduler needs dask.distributed: pip install 'ciba-contracts[cluster]'"
        ) from None
    with _quiet(), _connect(address, Client) as client:
        try:
            threads = sum(client.nthreads().values())
        except Exception as exc:
            raise _lost(address, exc) from None
        groups = plan(tasks, max(1, threads))
        flat = [piece for group in groups for piece in group]
        sizes = [_piece_size(piece) for piece in flat] if progress is not None else []
        total = sum(sizes)
        run_id = uuid.uuid4().hex[:12]
        endpoint = storage.endpoint_from_environment()
        base = os.getcwd()
        futures = [
            client.submit(
                _work, piece, settings, endpoint, base, key=f"ciba-contracts-{run_id}-{i}"
            )
            for i, piece in enumerate(flat)
        ]
        index = {future.key: i for i, future in enumerate(futures)}
        done_bytes = 0
        try:
            finishing = as_completed(futures)  # type: ignore[no-untyped-call]
            for finished, future in enumerate(finishing, 1):
                if progress is not None:
                    done_bytes += sizes[index[future.key]]
                    progress(f"{finished} of {len(futures)} tasks", done_bytes, total or None)
            results = [_result(future, piece) for future, piece in zip(futures, flat, strict=True)]
        except ClusterUnavailable:
            raise
        except Exception as exc:
            raise _lost(address, exc) from None
    return assemble(tasks, groups, results, settings)


@contextlib.contextmanager
def _connect(address: str, client_type: Any) -> Iterator[Any]:
    shown = redact_url(address)
    if address == LOCAL:
        from distributed import LocalCluster

        try:
            cores = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            cores = os.cpu_count() or 1
        try:
            cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=cores, threads_per_worker=1, processes=True, dashboard_address=None
            )
        except Exception as exc:
            raise ClusterUnavailable(f"cannot start a local Dask cluster: {exc}") from None
        with cluster, client_type(cluster) as client:
            yield client
        return
    try:
        client = client_type(address, timeout=CONNECT_TIMEOUT)
    except Exception as exc:
        text = storage.scrub(str(exc).strip().splitlines()[0] if str(exc).strip() else "")
        raise ClusterUnavailable(
            f"cannot reach the Dask scheduler at {shown}: {text or type(exc).__name__}"
        ) from None
    with client:
        yield client


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Dask logs workers it restarts and connections it retries or loses; the run's
    report and its one error line say what matters, so Dask's loggers keep quiet while
    the run lasts."""
    loggers = [logging.getLogger(name) for name in _QUIET]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _lost(address: str, exc: BaseException) -> ClusterUnavailable:
    text = storage.scrub(str(exc).strip().splitlines()[0] if str(exc).strip() else "")
    detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return ClusterUnavailable(f"lost the Dask scheduler at {redact_url(address)}: {detail}")


def _piece_size(piece: Task) -> int:
    try:
        size = storage.stat(piece.name)[0]
    except OSError:
        return 0
    stop = size if piece.stop is None else piece.stop
    return max(0, stop - (piece.start or 0))


def _result(future: Any, piece: Task) -> Partial:
    """A finished task's partial result; a task that failed is an unreadable input."""
    try:
        shipped = future.result()
    except Exception as exc:
        from distributed import KilledWorker

        if not isinstance(exc, KilledWorker):
            raise
        partial = Partial()
        partial.summary.inputs = 1 if piece.start is None else 0
        partial.unreadable.append(
            (storage.display_name(piece.name), "its task was lost with every worker that ran it")
        )
        return partial
    finally:
        future.release()
    partial, rows = shipped
    partial.findings.extend(located_from_row(row) for row in rows)
    return partial  # type: ignore[no-any-return]


# -- on a worker -------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _checks(settings: Settings) -> Checks:
    # Built once per worker process and settings: it loads every schema.
    return Checks(settings)


def _work(
    piece: Task, settings: Settings, endpoint: str | None, base: str
) -> tuple[Partial, list[Any]]:
    """Check one piece where the worker runs; the findings travel as plain rows, since a
    store that spilled to this worker's disk cannot be read by the client."""
    storage.configure(settings.storage_options, endpoint, base)
    try:
        partial = check_task(piece, _checks(settings))
    except Exception as exc:
        partial = Partial()
        partial.summary.inputs = 1 if piece.start is None else 0
        reason = storage.scrub(f"{type(exc).__name__}: {exc}".splitlines()[0])
        shown = storage.display_name(piece.name)
        partial.unreadable.append((shown, f"failed on a worker: {reason}"))
    rows = [located_row(located) for located in partial.findings]
    return msgspec.structs.replace(partial, findings=findings_store()), rows
