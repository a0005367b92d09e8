"""Generated requests: schemathesis' built-in checks plus the project's rules as a check.

:func:`ciba_issue_contract` is registered with ``@schemathesis.check``, so every
schemathesis run in a process that imported this module (the CLI, the pytest
suite in ``contract_tests/``) validates each issue-API answer with the shared
validator: 200 as an issue response, 400/401/403/500 as a ``result`` object.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import hypothesis
import hypothesis.errors
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure as _StFailure

from ciba_contracts.contract.schemas import openapi_path
from ciba_contracts.selection import is_issue_call, kind_for_status
from ciba_contracts.suite.findings import ContractFailure, RecordedRequest, finding_location
from ciba_contracts.suite.target import Target
from ciba_contracts.traffic.redact import redact_finding
from ciba_contracts.validate.engine import get_validator

__all__ = [
    "CibaRuleFailure",
    "ciba_issue_contract",
    "load_schema",
    "run_generated",
    "set_profile",
]

_settings: dict[str, str] = {"profile": "authlete"}


def set_profile(profile: str) -> None:
    """The level :func:`ciba_issue_contract` validates at (``authlete`` until set)."""
    _settings["profile"] = profile


class CibaRuleFailure(_StFailure):
    """An issue-API answer breaks rules of the project's catalog."""

    code = "ST990"
    kind_title = "CIBA contract rule violated"

    def __init__(self, *, operation: str, rules: list[str], message: str) -> None:
        super().__init__(
            operation=operation, title=f"CIBA contract rules {', '.join(rules)}", message=message
        )
        self.rules = rules


@schemathesis.check
def ciba_issue_contract(ctx: Any, response: Any, case: Any) -> bool | None:
    """Validate an issue-API answer with the project's validator at the configured level."""
    url = getattr(response.request, "url", None) or case.formatted_path
    if not is_issue_call(case.method, str(url)):
        return None
    kind = kind_for_status(int(response.status_code))
    if kind is None:
        return None
    validator = get_validator(_settings["profile"], kind=kind)
    # The target's answer may carry credentials, and the failure message is output.
    errors = [redact_finding(f) for f in validator.validate(response.content) if f.is_error]
    if not errors:
        return True
    lines = []
    for finding in errors:
        lines.append(f"{finding.rule} {finding_location(finding)}: {finding.message}")
    raise CibaRuleFailure(
        operation=case.operation.label,
        rules=list(dict.fromkeys(f.rule for f in errors)),
        message="\n".join(lines),
    )


def load_schema(target: Target) -> Any:
    """The project's OpenAPI document as a schemathesis schema pointed at ``target``."""
    schema = schemathesis.openapi.from_path(str(openapi_path()))
    schema.config.update(base_url=target.base_url)
    return schema


def _operation(schema: Any, target: Target) -> Any:
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.definition.raw.get("operationId") == target.issue_operation_id:
            return operation
    raise LookupError(target.issue_operation_id)


def _recorded(response: Any) -> RecordedRequest | None:
    request = getattr(response, "request", None)
    if request is None:
        return None
    body = request.body
    if isinstance(body, str):
        body = body.encode()
    headers = tuple((str(k), str(v)) for k, v in request.headers.items())
    return RecordedRequest(str(request.method), str(request.url), headers, body)


def failures_of(exc: BaseException, response: Any, mode: str) -> list[ContractFailure]:
    """The failures a schemathesis check raised, as :class:`ContractFailure` objects."""
    items: list[BaseException] = (
        list(exc.exceptions) if isinstance(exc, BaseExceptionGroup) else [exc]
    )
    out: list[ContractFailure] = []
    recorded = _recorded(response) if response is not None else None
    status = int(response.status_code) if response is not None else None
    for item in items:
        if isinstance(item, CibaRuleFailure):
            for rule in item.rules:
                lines = [line for line in item.message.splitlines() if line.startswith(rule)]
                out.append(
                    ContractFailure(rule, "\n".join(lines), recorded, status, f"generated, {mode}")
                )
            continue
        title = getattr(item, "title", type(item).__name__)
        message = getattr(item, "message", str(item))
        check = _check_name(item)
        out.append(
            ContractFailure(check, f"{title}: {message}", recorded, status, f"generated, {mode}")
        )
    return out


def _check_name(failure: BaseException) -> str:
    checks = getattr(type(failure), "checks", ())
    if checks:
        return str(checks[0])
    return type(failure).__name__


def _foreign_checks() -> list[Any]:
    """The user-facing schemathesis hook checks, when something in the process loaded them.

    They validate with their own settings (environment variables); the suite has
    already checked the same response with its own, and must not report twice or
    at another level.
    """
    hooks = sys.modules.get("ciba_contracts.testing.schemathesis_hooks")
    if hooks is None:
        return []
    return [hooks.ciba_issue_response_contract, hooks.ciba_result_contract]


def _is_json(case: Any) -> bool:
    # Form bodies with repeated or odd field names are refused by real servers too;
    # the contract is stated for JSON bodies.
    return case.media_type in (None, "application/json")


def case_mode(case: Any) -> str:
    """``positive`` or ``negative``: how a generated case was made."""
    meta = getattr(case, "meta", None)
    mode = getattr(getattr(meta, "generation", None), "mode", None)
    return str(getattr(mode, "value", mode or "generated"))


def run_generated(
    target: Target,
    *,
    max_examples: int = 25,
    seed: int | None = None,
    modes: tuple[GenerationMode, ...] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    budget: float | None = None,
    timeout: float = 10.0,
    notes: list[str] | None = None,
) -> tuple[list[ContractFailure], int]:
    """Send generated requests to the issue operation; returns failures and request count.

    Each generation mode gets ``max_examples`` cases; failing cases are recorded
    and generation goes on, so one run reports every distinct failure it meets.
    ``budget`` (seconds) stops generation early on a slow target; ``notes``
    then receives a line saying so. ``timeout`` bounds each request.
    """
    set_profile(target.profile)
    deadline = None if budget is None else time.monotonic() + budget
    stopped = [False]
    schema = load_schema(target)
    operation = _operation(schema, target)
    headers = {"Authorization": target.authorization}
    path_parameters = {"serviceId": target.service_id} if target.api_version == 3 else None
    failures: list[ContractFailure] = []
    count = [0]
    for mode in modes:
        strategy = operation.as_strategy(
            generation_mode=mode, path_parameters=path_parameters
        ).filter(_is_json)

        @hypothesis.settings(
            max_examples=max_examples,
            database=None,
            deadline=None,
            derandomize=seed is None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
        )
        @hypothesis.given(case=strategy)
        def run(case: Any) -> None:
            if deadline is not None and time.monotonic() > deadline:
                stopped[0] = True
                hypothesis.reject()  # out of time: the remaining cases send nothing
            mode_name = case_mode(case)
            count[0] += 1
            try:
                response = case.call(base_url=target.base_url, headers=headers, timeout=timeout)
            except Exception as exc:  # a dropped connection or a timeout is a finding
                failures.append(_transport_failure(case, exc, mode_name, target, headers))
                return
            try:
                case.validate_response(
                    response,
                    excluded_checks=_foreign_checks(),
                    headers=headers,
                    transport_kwargs={
                        "base_url": target.base_url,
                        "headers": headers,
                        "timeout": timeout,
                    },
                )
            except (AssertionError, BaseExceptionGroup) as exc:
                failures.extend(failures_of(exc, response, mode_name))
            except Exception as exc:  # a check's own follow-up request got no answer
                failures.append(_transport_failure(case, exc, mode_name, target, headers))

        if seed is not None:
            run = hypothesis.seed(seed)(run)
        if deadline is not None and time.monotonic() > deadline:
            stopped[0] = True
            break
        try:
            run()
        except hypothesis.errors.Unsatisfiable:
            if not stopped[0]:  # every case rejected for another reason than time
                raise
    if stopped[0] and notes is not None:
        notes.append(
            f"generation stopped at the run's time budget: {count[0]} of "
            f"{max_examples * len(modes)} generated requests were sent (the target is slow; "
            "--time-budget gives it more time)"
        )
    return failures, count[0]


def _transport_failure(
    case: Any, exc: BaseException, mode: str, target: Target, headers: dict[str, str]
) -> ContractFailure:
    name = type(exc).__name__
    check = "timeout" if "timeout" in name.lower() else "transport"
    body = getattr(case, "body", None)
    try:
        raw = None if body is None else json.dumps(body).encode()
    except (TypeError, ValueError):
        raw = None
    url = target.base_url + str(case.formatted_path)
    recorded = RecordedRequest(
        str(case.method).upper(),
        url,
        (("Content-Type", "application/json"), *headers.items()),
        raw,
    )
    return ContractFailure(
        check,
        f"the request got no HTTP answer: {name}: {exc}",
        recorded,
        None,
        f"generated, {mode}",
    )
