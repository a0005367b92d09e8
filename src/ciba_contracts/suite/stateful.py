"""Stateful runs through the OpenAPI links: authentication -> issue, fail, complete.

schemathesis builds a state machine from the links of the project's OpenAPI
document (a ticket from the authentication answer feeds the issue, fail and
complete requests; an issued ticket feeds complete, fail and a second issue)
and walks it with generated data. Every answer gets the same checks as the
generated requests (:func:`ciba_contracts.suite.generated.excluded_checks`),
the project's exchange checker among them. The first failing sequence is
reported with the request that broke it.
"""

from __future__ import annotations

import time
from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase

from ciba_contracts.suite.findings import ContractFailure, Recorder
from ciba_contracts.suite.generated import (
    excluded_checks,
    failures_of,
    load_schema,
    record_response,
    set_target,
)
from ciba_contracts.suite.target import Target

__all__ = ["run_stateful"]


def run_stateful(
    target: Target,
    *,
    max_examples: int = 10,
    budget: float | None = None,
    notes: list[str] | None = None,
    record: Recorder | None = None,
) -> tuple[list[ContractFailure], int]:
    """Walk the links of the target's API version; returns failures and request count.

    ``budget`` (seconds) stops the walk early on a slow target; ``notes`` then
    receives a line saying so.
    """
    set_target(target)
    excluded = excluded_checks(target)
    schema = load_schema(target)
    prefix = "/api/{serviceId}/" if target.api_version == 3 else "/api/backchannel"
    schema = schema.include(path_regex="^" + prefix.replace("{", r"\{").replace("}", r"\}"))
    headers = {"Authorization": target.authorization}
    deadline = None if budget is None else time.monotonic() + budget
    sent = [0]
    stopped = [False]
    last: list[Any] = [None]

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            if target.api_version == 3 and case.path_parameters is not None:
                case.path_parameters["serviceId"] = target.service_id
            return {"base_url": target.base_url, "headers": headers}

        def call(self, case: Any, **kwargs: Any) -> Any:
            if deadline is not None and time.monotonic() > deadline:
                stopped[0] = True
                hypothesis.reject()  # out of time: the rest of the walk sends nothing
            sent[0] += 1
            response = super().call(case, **kwargs)
            last[0] = response
            if record is not None:
                record_response(record, response, "stateful")
            return response

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            # The same checks as generated requests: built-ins that restate a rule, or
            # expect what the vendor does not state, are left out.
            case.validate_response(
                response,
                additional_checks=additional_checks,
                excluded_checks=excluded,
                transport_kwargs=kwargs,
            )

    failures: list[ContractFailure] = []
    try:
        Workflow.run(
            settings=hypothesis.settings(
                max_examples=max_examples,
                stateful_step_count=4,
                database=None,
                deadline=None,
                derandomize=True,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
                report_multiple_bugs=False,
            )
        )
    except (AssertionError, BaseExceptionGroup) as exc:
        failures.extend(failures_of(exc, last[0], "stateful"))
    except hypothesis.errors.Unsatisfiable:
        if not stopped[0]:
            raise
    if stopped[0] and notes is not None:
        notes.append(f"the stateful walk stopped at the run's time budget after {sent[0]} requests")
    return failures, sent[0]
