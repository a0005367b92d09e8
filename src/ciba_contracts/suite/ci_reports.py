"""The live suite's failures as SARIF and GitLab Code Quality reports.

A live failure has no recording to point at: its place is the contract it
breaks, the OpenAPI document (``schemas/openapi/issue.openapi.yaml``, at the
line of the operation the failing request called). The message carries the
``curl`` line that reproduces it, credentials masked as in the text report.

Any command that tests a live server (``test`` today, a relay test later)
builds a :class:`~ciba_contracts.suite.findings.SuiteReport` and calls
:func:`write_suite_report`; the document itself is written by the shared
writers in :mod:`ciba_contracts.report`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TextIO
from urllib.parse import urlsplit

from ciba_contracts.contract.rules import RULES
from ciba_contracts.contract.schemas import OPENAPI_FILE, openapi_document, openapi_path
from ciba_contracts.redact import redact_text
from ciba_contracts.report.ci import Issue, RuleInfo, docs_url, rule_info
from ciba_contracts.report.gitlab import write_gitlab_issues
from ciba_contracts.report.sarif import Invocation, write_sarif_log
from ciba_contracts.suite.findings import ContractFailure, SuiteReport

__all__ = ["CONTRACT_FILE", "SUITE_FORMATS", "suite_issues", "suite_rules", "write_suite_report"]

#: The contract file as the project's repository names it: the same path on every machine,
#: so a finding's fingerprint does not depend on where the package is installed.
CONTRACT_FILE = f"schemas/{OPENAPI_FILE}"
#: Formats written here (``text``, ``json`` and ``junit`` stay with the command).
SUITE_FORMATS = ("sarif", "gitlab")

#: The suite's own checks (besides the catalog's rule codes and schemathesis' checks).
_CHECKS = {
    "status": "The API answered with a status the contract does not document for the request.",
    "content-type": "The API's answer is not labelled application/json.",
    "cache-control": "A 200 answer may be cached: it has neither Cache-Control: no-store "
    "nor Pragma: no-cache.",
    "auth": "A request with missing or wrong credentials was not refused with 401.",
    "authentication": "The authentication API gave no ticket, so the issue API could not be "
    "tested.",
    "issue": "A fresh ticket did not give action OK.",
    "form body": "A fresh ticket sent as a form did not give action OK.",
    "ticket reuse": "A ticket that was already redeemed gave action OK a second time.",
    "unknown ticket": "A ticket that was never issued gave action OK.",
    "ticket expiry": "A ticket redeemed after its lifetime gave action OK.",
    "distinct auth_req_id": "Two tickets gave the same auth_req_id.",
    "timeout": "A request got no answer in time.",
    "transport": "A request got no HTTP answer (the connection failed or dropped).",
}


def _slug(check: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", check.lower()).strip("-") or "check"


def _rule_id(check: str) -> str:
    return check if check in RULES else _slug(check)


def _check_rule(check: str) -> RuleInfo:
    if check in RULES:
        return rule_info(check)
    summary = _CHECKS.get(check, f"The schemathesis check `{check}` failed.")
    full = (
        f"{summary} Found by the live contract suite (`ciba-contracts test`); the message "
        "holds a curl line that reproduces the request."
    )
    slug = _slug(check)
    return RuleInfo(slug, slug, summary, full, docs_url("contract-tests.md"), "error")


def suite_rules(report: SuiteReport) -> list[RuleInfo]:
    """The rules and checks that failed, in the order they first failed."""
    return [_check_rule(check) for check in report.checks]


@dataclass(frozen=True, slots=True)
class _Operation:
    method: str
    template: str
    operation_id: str
    line: int
    pattern: re.Pattern[str]


@cache
def _operations() -> tuple[_Operation, ...]:
    lines = openapi_path().read_text(encoding="utf-8").splitlines()
    out = []
    for template, item in openapi_document().get("paths", {}).items():
        path_line = _line_of(lines, f"{template}:", 0)
        for method, operation in item.items():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            line = _line_of(lines, f"{method}:", path_line) or path_line
            regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
            out.append(
                _Operation(
                    method.upper(),
                    template,
                    str(operation["operationId"]),
                    line,
                    re.compile(f"{regex}/?$"),
                )
            )
    # Longest templates first: /issue must not be taken for its parent path.
    return tuple(sorted(out, key=lambda o: -len(o.template)))


def _line_of(lines: list[str], key: str, after: int) -> int:
    """The 1-based line of the first mapping key ``key`` after line ``after``; 0 if none."""
    for number in range(after, len(lines)):
        if lines[number].strip() == key:
            return number + 1
    return 0


def _operation_of(failure: ContractFailure) -> _Operation | None:
    request = failure.request
    operations = _operations()
    if request is not None:
        path = urlsplit(request.url).path
        for operation in operations:
            if operation.method == request.method.upper() and operation.pattern.search(path):
                return operation
    # No request (a check about the run), or one the document does not describe: the issue API.
    return next((o for o in operations if o.template.endswith("/issue")), None)


#: Numbers and quoted values change from run to run (generated data); the rest of the first
#: line of a message tells two failures of one check apart.
_VOLATILE = re.compile(r"'[^']*'|\"[^\"]*\"|\d+")


def suite_issues(report: SuiteReport) -> Iterator[Issue]:
    """Each failure as an :class:`Issue` on the contract file, with its curl line."""
    for failure in report.failures:
        operation = _operation_of(failure)
        message = report.shown_message(failure)
        status = f" (HTTP {failure.status})" if failure.status is not None else ""
        # Masked here, line by line, before the curl line (masked by the suite) is added.
        text = redact_text(f"[{failure.check}]{status} {failure.source}: {message}")
        curl = report.shown_curl(failure)
        if curl is not None:
            text += f"\nReproduce with: {curl}"
        first = message.splitlines()[0] if message else ""
        name = f"{operation.method} {operation.template}" if operation else None
        yield Issue(
            rule_id=_rule_id(failure.check),
            level="error",
            message=text,
            path=CONTRACT_FILE,
            line=operation.line if operation else None,
            # The first part groups repeats (see report.ci.fingerprinted): one group, the run.
            identity=(
                "live",
                operation.operation_id if operation else None,
                failure.check,
                _VOLATILE.sub("_", first),
            ),
            logical=f"{operation.operation_id} ({name})" if operation else None,
            logical_kind="function",
            extra={"curl": curl} if curl is not None else {},
            redacted=True,
        )


def write_suite_report(report: SuiteReport, fmt: str, out: TextIO) -> None:
    """Write ``report`` in one of :data:`SUITE_FORMATS`."""
    if fmt == "sarif":
        notes = [("note", note) for note in report.notes]
        invocation = Invocation(exit_code=0 if report.ok else 1, successful=True, notes=notes)
        write_sarif_log(
            out,
            suite_rules(report),
            lambda: suite_issues(report),
            invocation,
            total=len(report.failures),
        )
    elif fmt == "gitlab":
        write_gitlab_issues(out, suite_issues(report))
    else:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {SUITE_FORMATS}")
