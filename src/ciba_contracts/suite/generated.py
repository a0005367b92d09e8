"""Generated requests: schemathesis' built-in checks plus the project's rules as a check.

:func:`ciba_issue_contract` is registered with ``@schemathesis.check``, so every
schemathesis run in a process that imported this module (the CLI, the pytest
suite in ``contract_tests/``) hands each issue-API answer to the one exchange
checker, as recorded traffic is checked. The built-in checks that would judge
the same status, media type or body a second time under other names are left
out (:data:`SAME_AS_RULES`), and so are those that expect what the vendor does
not state (:data:`STRICT_ONLY`) unless the target asks for strict requests.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any, Final

import hypothesis
import hypothesis.errors
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure as _StFailure

from ciba_contracts.check.exchange import check_exchange
from ciba_contracts.contract.actions import Action
from ciba_contracts.contract.apis import ISSUE_API, get_api
from ciba_contracts.contract.rules import RULES, rule_named
from ciba_contracts.contract.schemas import openapi_path, strict_openapi_path
from ciba_contracts.redact import redact_finding
from ciba_contracts.selection import is_issue_call
from ciba_contracts.suite.findings import (
    ContractFailure,
    RecordedExchange,
    RecordedRequest,
    Recorder,
    finding_location,
)
from ciba_contracts.suite.target import Target
from ciba_contracts.testing.checking import exchange_of
from ciba_contracts.validate.finding import Finding

__all__ = [
    "SAME_AS_RULES",
    "STRICT_ONLY",
    "CibaRuleFailure",
    "ciba_issue_contract",
    "excluded_checks",
    "load_schema",
    "run_generated",
    "set_profile",
    "set_target",
]

#: Built-in checks that judge what the exchange checker's rules judge (status, media type,
#: body schema): left out, so one fault is one failure, named by its rule.
SAME_AS_RULES: Final = (
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
#: Built-in checks that expect answers the vendor does not document: a 2xx for every
#: request its schema allows (an empty ticket may get 400) and a 4xx for every request
#: it refuses (a 200 with a non-OK action is fine). On only with strict requests.
STRICT_ONLY: Final = ("positive_data_acceptance", "negative_data_rejection")

_settings: dict[str, Target | None] = {"target": None}


def set_target(target: Target | None) -> None:
    """The target whose level and rule selection :func:`ciba_issue_contract` checks at."""
    _settings["target"] = target


def set_profile(profile: str) -> None:
    """The level :func:`ciba_issue_contract` validates at, for a target-less run."""
    current = _settings["target"]
    base = current or Target(base_url="http://127.0.0.1", token="unused")
    _settings["target"] = base.replace(profile=profile)


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
    """Check an issue-API answer with the one exchange checker at the target's level."""
    url = getattr(response.request, "url", None) or case.formatted_path
    if not is_issue_call(case.method, str(url)):
        return None
    target = _settings["target"]
    profile = target.profile if target is not None else "authlete"
    select = target.select if target is not None else None
    ignore = target.ignore if target is not None else None
    found = check_exchange(exchange_of(response), profile, select, ignore, api=ISSUE_API)
    # The target's answer may carry credentials, and the failure message is output.
    errors = [redact_finding(f) for f in found if f.is_error]
    errors.extend(_accepted_bad_request(response, case, target))
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


def _accepted_bad_request(response: Any, case: Any, target: Target | None) -> list[Finding]:
    """A request the vendor's schema refuses must never give ``OK`` (result code A182201)."""
    if case_mode(case) != "negative":
        return []
    try:
        payload = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return []
    if not isinstance(payload, dict) or payload.get("action") != Action.OK:
        return []
    rule = rule_named("bad-request-accepted")
    if target is not None and not target.reports(rule.code):
        return []
    return [Finding.of(RULES[rule.code], detail="a request the vendor's schema refuses")]


def load_schema(target: Target) -> Any:
    """The project's OpenAPI document as a schemathesis schema pointed at ``target``.

    With strict requests, the document's ``x-ciba-strict`` constraints are merged in.
    """
    path = strict_openapi_path() if target.strict_requests else openapi_path()
    schema = schemathesis.openapi.from_path(str(path))
    schema.config.update(base_url=target.base_url)
    return schema


def _operation(schema: Any, target: Target) -> Any:
    # The issue operation of the target's API version, by the path the document states.
    path, method = target.path_of(ISSUE_API), get_api(ISSUE_API).method
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == path and operation.method.upper() == method:
            return operation
    raise LookupError(f"{method} {path}")


def _recorded(response: Any) -> RecordedRequest | None:
    request = getattr(response, "request", None)
    if request is None:
        return None
    body = request.body
    if isinstance(body, str):
        body = body.encode()
    headers = tuple((str(k), str(v)) for k, v in request.headers.items())
    return RecordedRequest(str(request.method), str(request.url), headers, body)


def record_response(record: Recorder, response: Any, source: str) -> None:
    """Hand a schemathesis response, and the request it answers, to ``record``."""
    request = _recorded(response)
    if request is None:
        return
    headers = tuple(
        (str(name), str(value))
        for name, values in dict(getattr(response, "headers", {}) or {}).items()
        for value in (values if isinstance(values, list) else [values])
    )
    record(RecordedExchange(request, int(response.status_code), headers, response.content, source))


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
    return [hooks.ciba_contract]


def excluded_checks(target: Target) -> list[Any]:
    """The checks a run against ``target`` leaves out (see the module's docstring)."""
    excluded = [*_foreign_checks(), *_builtin_checks(SAME_AS_RULES)]
    if not target.strict_requests:
        excluded.extend(_builtin_checks(STRICT_ONLY))
    return excluded


def _builtin_checks(names: tuple[str, ...]) -> list[Any]:
    """schemathesis' own check functions of these names (those this version has)."""
    # Importing the OpenAPI checks registers them, as loading a schema does.
    import schemathesis.specs.openapi.checks  # noqa: F401
    from schemathesis.checks import CHECKS

    found = []
    for name in names:
        try:
            found.append(CHECKS.get_one(name))
        except Exception:  # a name this schemathesis version does not have
            continue
    return found


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
    record: Recorder | None = None,
) -> tuple[list[ContractFailure], int]:
    """Send generated requests to the issue operation; returns failures and request count.

    Each generation mode gets ``max_examples`` cases; failing cases are recorded
    and generation goes on, so one run reports every distinct failure it meets.
    ``budget`` (seconds) stops generation early on a slow target; ``notes``
    then receives a line saying so. ``timeout`` bounds each request.
    """
    set_target(target)
    excluded = excluded_checks(target)
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
                failure = _transport_failure(case, exc, mode_name, target, headers)
                failures.append(failure)
                if record is not None and failure.request is not None:
                    record(RecordedExchange(failure.request, None, (), b"", failure.source))
                return
            if record is not None:
                record_response(record, response, f"generated, {mode_name}")
            try:
                case.validate_response(
                    response,
                    excluded_checks=excluded,
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
