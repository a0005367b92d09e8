"""Payloads per second of the validator, side by side with jsonschema, openapi-core and orjson.

Run from the repository root with the project installed::

    python benchmarks/throughput.py               # table
    python benchmarks/throughput.py --json        # machine-readable
    python benchmarks/throughput.py --profile     # plus where the ciba level spends its time

Every contender gets the same list of ``bytes`` (see ``payloads.py``) and parses
each body itself, so parsing is included on both sides:

* ``ciba-contracts <level>``: ``get_validator(level).validate(body)``;
* ``jsonschema``: ``Draft202012Validator(sdk schema)`` in four variants,
  ``iter_errors`` (consumed fully) or ``is_valid``, after ``json.loads`` or
  ``orjson.loads``; the headline ratio uses the fastest of the four;
* ``openapi-core``: ``OpenAPI.validate_response`` of each body as the 200
  answer of ``POST /api/{serviceId}/backchannel/authentication/issue``, on an
  evenly spaced sample of the list (it is slow; its figure is a rate, so the
  sample only makes it noisier);
* ``orjson.loads``: the ceiling, parsing and nothing else;
* ``least work``: the calls any validator of the ``ciba`` level built on
  orjson and jsonschema-rs has to make for a payload that keeps the contract
  (parse it, run the compiled schema of its action, test the ``resultMessage``
  prefix, parse ``responseContent`` and compare the mirrored members), with no
  error handling and no findings. It bounds what the targets can ask of that
  design: ``least work / orjson`` is the best ``ciba / orjson`` could be.

Each measurement runs a contender over its whole list, repeated enough times to
last ``--min-time`` seconds; a round measures every contender once, in an order
that rotates from round to round; the reported rate is the best round (the
median is shown beside it). The garbage collector stays on, as in real use, and
runs before each measurement.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import platform
import pstats
import resource
import statistics
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from importlib import metadata
from operator import itemgetter
from typing import Any, Final

import orjson
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.response.exceptions import ResponseValidationError

import ciba_contracts
from ciba_contracts.contract.schemas import (
    ISSUE_RESPONSE_FILES,
    OPENAPI_FILE,
    load_schema,
    schema_dir,
)
from ciba_contracts.validate.accept import acceptor
from ciba_contracts.validate.fast import fast_validators
from ciba_contracts.validate.kinds import facts_of
from payloads import ISSUE_MIX, LEVELS, Mix, Sample, generate, mix_table

#: Targets of the issue, for ``ciba_contracts.validate(body, profile="ciba")`` as users call
#: it (all rules, responseContent parsed), against jsonschema's ``iter_errors`` after
#: ``json.loads`` and against ``orjson.loads``.
TARGET_VS_JSONSCHEMA: Final = 25.0
TARGET_VS_ORJSON: Final = 0.4
TARGET_BASELINE: Final = "jsonschema-iter-errors-json"

SERVICE_ID: Final = "715948317"
OPERATION_PATH: Final = "/api/{serviceId}/backchannel/authentication/issue"

Runner = Callable[[], None]


@dataclass
class Contender:
    """One thing being timed: a loop over ``size`` payloads."""

    key: str
    label: str
    size: int
    run: Runner
    passes: int = 1
    times_ns: list[int] = field(default_factory=list)

    def rates(self) -> tuple[float, float]:
        """Best-round and median-round payloads per second."""
        work = self.size * self.passes * 1e9
        return work / min(self.times_ns), work / statistics.median(self.times_ns)


# -- contenders ------------------------------------------------------------------


def orjson_contender(data: Sequence[bytes]) -> Contender:
    loads = orjson.loads

    def run() -> None:
        for body in data:
            loads(body)

    return Contender("orjson", "orjson.loads (ceiling)", len(data), run)


def least_work_contender(data: Sequence[bytes]) -> Contender:
    """The bare calls of the ciba level on a valid payload, in a loop with nothing else.

    The compiled schemas are the validator's own per-action fast-path schemas.
    A payload that breaks the contract just stops early (its findings are not
    looked for), so on any mix this is a bound the validator cannot beat.
    """
    schema_file = ISSUE_RESPONSE_FILES[ciba_contracts.Profile.CIBA]
    # The actions and the mirror as the schema files state them; the same action tuple as the
    # validator's, so the compiled schemas are its very own (one cache entry).
    facts = facts_of("issue-response")
    fast = fast_validators(schema_file, facts.actions).__getitem__
    ok_action, mirror = facts.mirror_action, dict(facts.mirror)
    loads = orjson.loads
    content_side = itemgetter(*mirror)
    field_side = itemgetter(*mirror.values())

    def run() -> None:
        for body in data:
            # Violations end in an exception somewhere; the loop only has to go on. A bare
            # try costs nothing until it catches; contextlib.suppress would cost two calls.
            try:
                obj = loads(body)
                action = obj["action"]
                if fast(action).is_valid(obj) and obj["resultMessage"].startswith(
                    "[" + obj["resultCode"] + "]"
                ):
                    content = obj.get("responseContent")
                    if content is not None:
                        document = loads(content)
                        if action == ok_action:
                            _ = content_side(document) == field_side(obj)
            except Exception:
                pass

    return Contender("least-work", "least work (ciba, see above)", len(data), run)


def least_work_msgspec_contender(data: Sequence[bytes]) -> Contender:
    """The bound of this design: the accept path alone (msgspec structs from the schema files).

    For a payload that keeps the contract it is all the validator does: decode into the
    struct of its action, the ``authReqId`` pattern, one look-up of the ``resultMessage``
    (which stands for the ``resultCode`` pattern, the prefix and the result-code table once
    the pair was seen), decode ``responseContent`` and compare the mirrored members. A
    violation stops at its first broken constraint, with no finding named, so on any mix
    nothing checks less.
    """
    path = acceptor("issue-response", ciba_contracts.Profile.CIBA, True)
    assert path is not None
    # Nothing behind it, and no result-code finding (each pair is still looked up).
    accept = path.bind(lambda _body: None)

    def run() -> None:
        for body in data:
            accept(body)

    return Contender("least-work-msgspec", "least work (accept path alone)", len(data), run)


def ours_contender(level: str, data: Sequence[bytes]) -> Contender:
    validate = ciba_contracts.get_validator(level).validate

    def run() -> None:
        for body in data:
            validate(body)

    return Contender(f"ours-{level}", f"ciba-contracts {level}", len(data), run)


def validate_contender(data: Sequence[bytes]) -> Contender:
    """The top-level function, as users call it: its per-call overhead counts."""
    validate = ciba_contracts.validate

    def run() -> None:
        for body in data:
            validate(body, profile="ciba")

    return Contender("validate-ciba", 'validate(body, profile="ciba")', len(data), run)


def jsonschema_contender(
    validator: Any, method: str, parser: str, data: Sequence[bytes]
) -> Contender:
    parse: Callable[[bytes], Any] = json.loads if parser == "json" else orjson.loads
    key = f"jsonschema-{method}-{parser}"
    label = f"jsonschema {method.replace('-', '_')} + {parser}.loads"
    if method == "iter-errors":
        iter_errors = validator.iter_errors
        consume = deque[Any](maxlen=0).extend  # exhausts the iterator, keeps nothing

        def run() -> None:
            for body in data:
                consume(iter_errors(parse(body)))

    else:
        is_valid = validator.is_valid

        def run() -> None:
            for body in data:
                is_valid(parse(body))

    return Contender(key, label, len(data), run)


def openapi_contender(app: OpenAPI, request: MockRequest, data: Sequence[bytes]) -> Contender:
    validate_response = app.validate_response

    def run() -> None:
        for body in data:
            with suppress(ResponseValidationError):
                validate_response(request, MockResponse(body))

    return Contender("openapi-core", "openapi-core validate_response", len(data), run)


# -- openapi-core set-up and its sanity check --------------------------------------


def openapi_app() -> tuple[OpenAPI, MockRequest]:
    """The OpenAPI document of the issue operation, and a request to pair responses with."""
    app = OpenAPI.from_file_path(str(schema_dir() / OPENAPI_FILE))
    request = MockRequest(
        "https://us.authlete.com",
        "POST",
        OPERATION_PATH.format(serviceId=SERVICE_ID),
        path_pattern=OPERATION_PATH,
        view_args={"serviceId": SERVICE_ID},
        headers={"Authorization": "Bearer benchmark"},
        data=b'{"ticket":"NFIHGx_btVrWmtAD093D-87JxvT4DAtuijEkLVHbS4Q"}',
    )
    return app, request


def openapi_accepts(app: OpenAPI, request: MockRequest, body: bytes) -> bool:
    try:
        app.validate_response(request, MockResponse(body))
    except ResponseValidationError:
        return False
    return True


def openapi_is_real(app: OpenAPI, request: MockRequest) -> list[str]:
    """Problems showing openapi-core would be timing a no-op (empty when it checks for real).

    The only type and enum facts are in ``issue-response.sdk.json``, which the
    OpenAPI document reaches by a relative ``$ref``: rejecting these bodies
    proves the reference resolved.
    """
    problems = []
    good = b'{"resultCode":"A183001","action":"OK","expiresIn":3600}'
    if not openapi_accepts(app, request, good):
        problems.append("openapi-core rejects a valid body")
    for bad in (b'{"expiresIn":"3600"}', b'{"action":"ISSUED"}', b'{"authReqId":null}', b"[]"):
        if openapi_accepts(app, request, bad):
            problems.append(f"openapi-core accepts the ill-typed body {bad.decode()}")
    return problems


# -- measuring -----------------------------------------------------------------------


def calibrate(contender: Contender, min_time: float) -> None:
    """One untimed warm-up pass, then enough passes per measurement to last ``min_time``."""
    start = time.perf_counter_ns()
    contender.run()
    elapsed = max(time.perf_counter_ns() - start, 1)
    contender.passes = max(1, round(min_time * 1e9 / elapsed))


def measure(contender: Contender) -> None:
    run, passes = contender.run, contender.passes
    gc.collect()
    start = time.perf_counter_ns()
    for _ in range(passes):
        run()
    contender.times_ns.append(time.perf_counter_ns() - start)


def measure_all(contenders: Sequence[Contender], rounds: int, min_time: float) -> None:
    for contender in contenders:
        calibrate(contender, min_time)
    for index in range(rounds):
        shift = index % len(contenders)
        for contender in [*contenders[shift:], *contenders[:shift]]:
            measure(contender)


# -- sanity ------------------------------------------------------------------------------


@dataclass
class Sanity:
    invalid: dict[str, int]
    expected_invalid: dict[str, int]
    label_mismatches: dict[str, int]
    jsonschema_invalid: int
    jsonschema_disagreements: int
    openapi_sample: int
    openapi_invalid: int
    openapi_disagreements: int
    openapi_problems: list[str]

    @property
    def ok(self) -> bool:
        return not (
            any(self.label_mismatches.values())
            or self.jsonschema_disagreements
            or self.openapi_disagreements
            or self.openapi_problems
        )


def sanity(
    samples: Sequence[Sample],
    js: Any,
    openapi: tuple[OpenAPI, MockRequest] | None,
    openapi_data: Sequence[bytes],
) -> Sanity:
    invalid = dict.fromkeys(LEVELS, 0)
    expected = dict.fromkeys(LEVELS, 0)
    mismatches = dict.fromkeys(LEVELS, 0)
    sdk_valid: list[bool] = []
    for level in LEVELS:
        validate = ciba_contracts.get_validator(level).validate
        for sample in samples:
            bad = any(f.is_error for f in validate(sample.body))
            invalid[level] += bad
            expected[level] += sample.invalid_at(level)
            mismatches[level] += bad != sample.invalid_at(level)
            if level == "sdk":
                sdk_valid.append(not bad)
    js_valid = [bool(js.is_valid(json.loads(s.body))) for s in samples]
    # Both jsonschema spellings must agree with each other too.
    js_iter_valid = [not any(True for _ in js.iter_errors(orjson.loads(s.body))) for s in samples]
    disagreements = sum(
        a != b or a != c for a, b, c in zip(sdk_valid, js_valid, js_iter_valid, strict=True)
    )
    openapi_invalid = openapi_disagreements = 0
    problems: list[str] = []
    if openapi is not None:
        app, request = openapi
        problems = openapi_is_real(app, request)
        for body in openapi_data:
            accepted = openapi_accepts(app, request, body)
            openapi_invalid += not accepted
            openapi_disagreements += accepted != bool(js.is_valid(json.loads(body)))
    return Sanity(
        invalid=invalid,
        expected_invalid=expected,
        label_mismatches=mismatches,
        jsonschema_invalid=js_valid.count(False),
        jsonschema_disagreements=disagreements,
        openapi_sample=len(openapi_data),
        openapi_invalid=openapi_invalid,
        openapi_disagreements=openapi_disagreements,
        openapi_problems=problems,
    )


# -- profiling ----------------------------------------------------------------------------


def profile_text(level: str, data: Sequence[bytes], top: int) -> str:
    """cProfile of ``Validator.validate`` at ``level`` over the list, by own time."""
    validate = ciba_contracts.get_validator(level).validate
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(3):
        for body in data:
            validate(body)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    return out.getvalue()


def cost_by_kind(level: str, samples: Sequence[Sample]) -> list[tuple[str, int, float, float]]:
    """Rows ``(kind, payloads, µs per payload, share of the total time)``, costliest first.

    Each kind's payloads are validated as one list, best of three passes.
    """
    validate = ciba_contracts.get_validator(level).validate
    groups: dict[str, list[bytes]] = {}
    for sample in samples:
        name = (
            sample.kind if sample.category == "violation" else f"{sample.category}: {sample.kind}"
        )
        groups.setdefault(name, []).append(sample.body)
    spent: dict[str, int] = {}
    for name, bodies in groups.items():
        best = None
        for _ in range(3):
            start = time.perf_counter_ns()
            for body in bodies:
                validate(body)
            elapsed = time.perf_counter_ns() - start
            best = elapsed if best is None else min(best, elapsed)
        spent[name] = best or 1
    total = sum(spent.values())
    rows = [
        (name, len(groups[name]), spent[name] / len(groups[name]) / 1000, spent[name] / total)
        for name in groups
    ]
    return sorted(rows, key=lambda row: row[3], reverse=True)


def profile_report(level: str, samples: Sequence[Sample], top: int = 25) -> str:
    lines = [f"Cost of Validator.validate at the {level} level by kind of payload:"]
    lines.append(f"  {'kind':<34} {'payloads':>8} {'us/payload':>11} {'share of time':>14}")
    for name, n, micros, share in cost_by_kind(level, samples):
        lines.append(f"  {name:<34} {n:>8} {micros:>11.2f} {share:>14.1%}")
    lines.append("")
    lines.append(f"cProfile of Validator.validate at the {level} level (3 passes, by own time):")
    lines.append(profile_text(level, [s.body for s in samples], top))
    return "\n".join(lines)


# -- reporting ----------------------------------------------------------------------------


def peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("ciba-contracts", "orjson", "jsonschema", "jsonschema-rs", "openapi-core"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "?"
    return out


@dataclass
class Ratio:
    #: A level, or a contender key when ``contender`` is set.
    numerator: str
    denominator: str
    value: float
    target: float | None = None
    contender: bool = False

    @property
    def key(self) -> str:
        return self.numerator if self.contender else f"ours-{self.numerator}"

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.value >= self.target


def ratios(rates: dict[str, float], js_key: str, has_openapi: bool) -> list[Ratio]:
    """Each level against each reference; ``validate()`` at ciba carries the issue's targets."""
    baseline = TARGET_BASELINE
    references: list[tuple[str, float | None]] = [(baseline, TARGET_VS_JSONSCHEMA)]
    if js_key != baseline:
        references.append((js_key, None))
    if has_openapi:
        references.append(("openapi-core", None))
    references.append(("orjson", TARGET_VS_ORJSON))
    out = []
    top = rates["validate-ciba"]
    for key, target in references:
        out.append(Ratio("validate-ciba", key, top / rates[key], target, contender=True))
    for level in reversed(LEVELS):
        ours = rates[f"ours-{level}"]
        for key, _ in references:
            out.append(Ratio(level, key, ours / rates[key]))
    if "least-work-msgspec" in rates:
        bound = rates["least-work-msgspec"]
        out.append(Ratio("validate-ciba", "least-work-msgspec", top / bound, contender=True))
        out.append(Ratio("least-work-msgspec", "orjson", bound / rates["orjson"], contender=True))
        out.append(Ratio("least-work-msgspec", baseline, bound / rates[baseline], contender=True))
    if "least-work" in rates:
        bound = rates["least-work"]
        out.append(Ratio("ciba", "least-work", rates["ours-ciba"] / bound))
        out.append(Ratio("least-work", "orjson", bound / rates["orjson"], contender=True))
        out.append(Ratio("least-work", js_key, bound / rates[js_key], contender=True))
    return out


def short_name(key: str) -> str:
    return {
        "orjson": "orjson",
        "openapi-core": "openapi-core",
        "jsonschema-iter-errors-json": "jsonschema(iter_errors+json)",
        "jsonschema-is-valid-json": "jsonschema(is_valid+json)",
        "jsonschema-iter-errors-orjson": "jsonschema(iter_errors+orjson)",
        "jsonschema-is-valid-orjson": "jsonschema(is_valid+orjson)",
        "least-work": "least work",
        "validate-ciba": "validate(ciba)",
        "least-work-msgspec": "least work (accept path)",
    }.get(key, key)


def print_table(
    report: dict[str, Any], contenders: Sequence[Contender], found: list[Ratio], check: Sanity
) -> None:
    args = report["settings"]
    env = report["environment"]
    print(
        f"ciba-contracts throughput: {args['count']} payloads, seed {args['seed']}, "
        f"best of {args['rounds']} rounds (>= {args['min_time']} s each measurement)"
    )
    print("  " + ", ".join(f"{k} {v}" for k, v in env.items()))
    print()
    print("Mix:")
    for category, kind, n, share in report["mix"]:
        name = f"  {kind}" if kind else category
        print(f"  {name:<32} {n:>8} {share:>7.2%}")
    print()
    js_key = report["headline_jsonschema"]
    print(f"{'contender':<40} {'payloads':>9} {'best/s':>12} {'median/s':>12}")
    for c in contenders:
        best, median = c.rates()
        note = ""
        if c.key == js_key:
            note = "  <- fastest jsonschema, used for the headline"
        elif c.key == "openapi-core":
            note = "  (evenly spaced sample)"
        print(f"{c.label:<40} {c.size:>9} {best:>12,.0f} {median:>12,.0f}{note}")
    print()
    print("Ratios (best-round rates):")
    for r in found:
        verdict = ""
        if r.target is not None:
            verdict = f"   target >= {r.target:g}x: {'met' if r.met else 'NOT MET'}"
        name = short_name(r.numerator) + " / " + short_name(r.denominator)
        print(f"  {name:<46} {r.value:>9.2f}x{verdict}")
    print()
    print("Sanity:")
    per_level = ", ".join(
        f"{level} {check.invalid[level]} (expected {check.expected_invalid[level]})"
        for level in LEVELS
    )
    print(f"  payloads with error findings: {per_level} of {args['count']}")
    if any(check.label_mismatches.values()):
        print(f"  WARNING: verdicts differ from the generator's labels: {check.label_mismatches}")
    print(
        f"  jsonschema vs sdk level: {check.jsonschema_disagreements} disagreements of "
        f"{args['count']} ({check.jsonschema_invalid} invalid for both)"
        if not check.jsonschema_disagreements
        else f"  WARNING: jsonschema vs sdk level: {check.jsonschema_disagreements} disagreements"
    )
    if check.openapi_sample:
        real = "yes" if not check.openapi_problems else "NO"
        print(
            f"  openapi-core: rejects ill-typed bodies ({real}); "
            f"{check.openapi_invalid} of {check.openapi_sample} sampled bodies invalid, "
            f"{check.openapi_disagreements} disagreements with jsonschema"
        )
    for problem in check.openapi_problems:
        print(f"  WARNING: {problem}")
    print()
    print(f"Peak RSS: {report['peak_rss_mib']:.1f} MiB")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Payloads per second of ciba-contracts vs jsonschema, openapi-core and orjson.",
    )
    parser.add_argument("--count", type=int, default=10_000, help="payloads in the list (10000)")
    parser.add_argument("--rounds", type=int, default=5, help="measurements per contender (5)")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the payload generator")
    parser.add_argument(
        "--min-time",
        type=float,
        default=0.2,
        help="least seconds per measurement; fast contenders repeat the list (0.2)",
    )
    parser.add_argument(
        "--openapi-sample",
        type=int,
        default=1_000,
        help="payloads openapi-core validates, evenly spaced; 0 skips it (1000)",
    )
    parser.add_argument(
        "--mix",
        choices=("issue", "broad"),
        default="issue",
        help="issue: 80 %% OK, 10 %% INVALID_TICKET, 10 %% of three violations (the targets' "
        "mix); broad: 85/8/7 with every error action and 19 kinds of violation",
    )
    parser.add_argument("--ok-share", type=float, help="share of valid OK payloads")
    parser.add_argument("--error-share", type=float, help="share of valid error actions")
    parser.add_argument("--violation-share", type=float, help="share of contract violations")
    parser.add_argument("--json", action="store_true", help="print JSON, not the table")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile Validator.validate at the ciba level (to stderr with --json)",
    )
    parser.add_argument(
        "--check-targets",
        action="store_true",
        help="exit 1 when a throughput target is not met (sanity failures always exit 1)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.count < 1 or args.rounds < 1 or args.openapi_sample < 0 or args.min_time < 0:
        parser.error("--count, --rounds must be > 0; --openapi-sample, --min-time >= 0")
    try:
        shares, error_kinds, violation_kinds = (
            ISSUE_MIX if args.mix == "issue" else ((0.85, 0.08, 0.07), None, None)
        )
        given = (args.ok_share, args.error_share, args.violation_share)
        mix = Mix(*(g if g is not None else d for g, d in zip(given, shares, strict=True)))
        samples = generate(args.count, args.seed, mix, error_kinds, violation_kinds)
    except ValueError as exc:
        parser.error(str(exc))
    data = [s.body for s in samples]

    js = Draft202012Validator(load_schema(ISSUE_RESPONSE_FILES[ciba_contracts.Profile.SDK]))
    contenders = [orjson_contender(data), validate_contender(data)]
    contenders += [ours_contender(level, data) for level in LEVELS]
    contenders.append(least_work_contender(data))
    contenders.append(least_work_msgspec_contender(data))
    for method in ("iter-errors", "is-valid"):
        for parser_name in ("json", "orjson"):
            contenders.append(jsonschema_contender(js, method, parser_name, data))
    openapi: tuple[OpenAPI, MockRequest] | None = None
    openapi_data: list[bytes] = []
    if args.openapi_sample:
        openapi = openapi_app()
        step = max(1, len(data) // args.openapi_sample)
        openapi_data = data[::step][: args.openapi_sample]
        contenders.append(openapi_contender(*openapi, openapi_data))

    check = sanity(samples, js, openapi, openapi_data)
    measure_all(contenders, args.rounds, args.min_time)

    best = {c.key: c.rates()[0] for c in contenders}
    js_key = max((k for k in best if k.startswith("jsonschema-")), key=best.__getitem__)
    found = ratios(best, js_key, openapi is not None)
    targets_met = all(r.met for r in found if r.target is not None)
    report: dict[str, Any] = {
        "settings": {
            "count": args.count,
            "rounds": args.rounds,
            "seed": args.seed,
            "min_time": args.min_time,
            "openapi_sample": len(openapi_data),
            "mix": args.mix,
            "shares": {"ok": mix.ok, "error": mix.error, "violation": mix.violation},
            "statistic": "best round",
        },
        "environment": versions(),
        "mix": mix_table(samples),
        "contenders": {
            c.key: {
                "label": c.label,
                "payloads": c.size,
                "passes_per_round": c.passes,
                "best_per_s": c.rates()[0],
                "median_per_s": c.rates()[1],
                "round_ns": c.times_ns,
            }
            for c in contenders
        },
        "headline_jsonschema": js_key,
        "ratios": [
            {
                "numerator": r.key,
                "denominator": r.denominator,
                "value": r.value,
                "target": r.target,
                "met": r.met,
            }
            for r in found
        ],
        "targets_met": targets_met,
        "sanity": {**asdict(check), "ok": check.ok},
    }
    profile = profile_report("ciba", samples) if args.profile else ""
    report["peak_rss_mib"] = peak_rss_mib()
    if args.json:
        sys.stdout.write(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n")
        if profile:
            sys.stderr.write(profile)
    else:
        print_table(report, contenders, found, check)
        if profile:
            print()
            print(profile)
    if not check.ok:
        return 1
    return 1 if args.check_targets and not targets_met else 0


if __name__ == "__main__":
    sys.exit(main())
