"""Stateful runs through the OpenAPI links: authentication -> issue with the answer's ticket."""

from __future__ import annotations

from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase

from ciba_contracts.suite.generated import excluded_checks, load_schema, set_target
from ciba_contracts.suite.target import Target


def test_links_keep_the_contract(target: Target, max_examples: int) -> None:
    set_target(target)
    excluded = excluded_checks(target)
    schema = load_schema(target)
    prefix = "/api/{serviceId}/" if target.api_version == 3 else "/api/backchannel"
    schema = schema.include(path_regex="^" + prefix.replace("{", r"\{").replace("}", r"\}"))
    workflow = schema.as_state_machine()
    headers = {"Authorization": target.authorization}

    class Workflow(workflow):  # type: ignore[misc,valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            if target.api_version == 3 and case.path_parameters is not None:
                case.path_parameters["serviceId"] = target.service_id
            return {"base_url": target.base_url, "headers": headers}

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

    Workflow.run(
        settings=hypothesis.settings(
            max_examples=max_examples,
            stateful_step_count=4,
            database=None,
            deadline=None,
            derandomize=True,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
    )
