"""Why a run could not start the processes or reach the cluster it was asked for.

Kept apart from the code that raises them, so that the command line can catch
them without loading that code (the cluster module takes a while to import).
"""

from __future__ import annotations

__all__ = ["ClusterUnavailable", "WorkerLost", "WorkersUnavailable"]


class ClusterUnavailable(RuntimeError):
    """The scheduler cannot be reached, or was lost during the run; the message says which."""


class WorkersUnavailable(RuntimeError):
    """``--jobs N`` was asked for and this system cannot start worker processes."""


class WorkerLost(RuntimeError):
    """A worker process ended without handing back its outcome (it was killed, or ran
    out of memory), or its outcome could not be handed back."""
