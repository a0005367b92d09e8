"""The live contract suite: checks running CIBA APIs (or the bundled reference server).

:func:`run_suite` runs explicit scenarios (httpx) and schemathesis-generated
requests against a :class:`Target` and returns a :class:`SuiteReport`; the
``ciba-contracts test`` command and the pytest files in ``contract_tests/``
are thin wrappers around these pieces.
"""

from __future__ import annotations

from ciba_contracts.suite.findings import ContractFailure, RecordedRequest, SuiteReport
from ciba_contracts.suite.target import Target, TargetError

__all__ = [
    "ContractFailure",
    "RecordedRequest",
    "SuiteReport",
    "Target",
    "TargetError",
    "run_suite",
]


def __getattr__(name: str) -> object:
    # The runner imports schemathesis, which is slow to import; load it on first use.
    if name == "run_suite":
        from ciba_contracts.suite.runner import run_suite

        return run_suite
    raise AttributeError(name)
