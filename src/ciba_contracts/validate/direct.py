"""The direct path: the usual violations named from what msgspec decodes.

A body the accept path refuses after it decoded as ASCII mostly breaks a simple
keyword or two (a zero lifetime, a short ``auth_req_id``), or carries a
``responseContent`` that is not JSON. The exact path would parse it again, run
the compiled schema, walk the plan member by member and check the relations
again. The direct path decodes the body into structs that state only each
member's type and which members are required, judges every keyword of the
action's plan in generated Python (the tests of
:mod:`ciba_contracts.validate.plan_code`, in the plan's order), and checks the
relations as the accept path does. Its findings come from the same functions the
exact path calls, with the same values in the same order, so they are the same.

Whatever else it meets goes to the exact path: a member of another type, a string
that is not ASCII where a pattern or a length judges it, a relation broken in any
other way than a ``responseContent`` that is not JSON, or nothing found at all.

The loose structs are what the accept path decodes into too (:mod:`ciba_contracts.validate.accept`):
it tests each member by the same conditions (:class:`Guard`) and, when one fails, hands the
decoded body to this path's function for its action, so a violation is decoded once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec

from ciba_contracts.validate.kinds import KindFacts
from ciba_contracts.validate.plan import KeywordCheck, Plan, planner
from ciba_contracts.validate.plan_code import int_failure, string_failure
from ciba_contracts.validate.structs import (
    Patterns,
    Unexpressible,
    attr_of,
    content_lines,
    defaults_of,
    fresh_caches,
    new_cache,
    struct_of,
)

__all__ = ["CODES_KEPT", "DirectHooks", "DirectPath", "Guard", "Named", "direct_path", "pair_cache"]

_UNSET = msgspec.UNSET
_EXACT = "return _exact(body)"
#: Most ``resultMessage`` values whose result-code findings a bound accept or direct path
#: keeps per action.
CODES_KEPT = 4096
_LENGTH_OR_PATTERN = frozenset({"pattern", "minLength", "maxLength"})


class DirectHooks(msgspec.Struct, frozen=True):
    """What the direct path asks of the validator it serves (the exact path's own steps)."""

    #: The finding of a plan's check that fails on a value, as a function of the value.
    maker: Callable[[KeywordCheck], Callable[[Any], Any]]
    #: (action, resultCode, resultMessage) -> the result-code table's findings, unfinished.
    codes: Callable[[str, str, str], list[Any]]
    #: Keeps the enabled rules' findings, drops implied ones and duplicates, sorts.
    finish: Callable[[list[Any]], list[Any]]
    #: The finding of a ``responseContent`` that is not JSON, or None when it is JSON.
    not_json: Callable[[str], Any | None]
    #: The same from the reasons already given alone (None: JSON, or not known yet).
    known_not_json: Callable[[str], Any | None]


class Guard(msgspec.Struct, frozen=True):
    """The tests of one member of a loose struct, as conditions on ``v`` (its value).

    Each test is (the name its finding maker is bound under, the condition under which
    the member breaks that keyword of its action's plan, the keyword), in the plan's
    order. Names the conditions use are in :attr:`DirectPath.constants`.
    """

    member: str
    attr: str
    #: Whether the member may be absent (``v`` is then ``UNSET`` and breaks nothing).
    optional: bool
    #: Whether a pattern or a length judges it (ECMA-262 and Python read them alike on
    #: ASCII only, so the direct path leaves any other string to the exact path).
    ascii_only: bool
    tests: tuple[tuple[str, str, str], ...]
    #: Conditions of which one holds exactly when the member breaks a keyword other than
    #: ``pattern``: the bounds (or lengths) merged into one, with their values written out.
    conditions: tuple[str, ...]

    @property
    def patterns(self) -> tuple[str, ...]:
        """The conditions of ``pattern`` keywords (the accept path skips them for
        ``resultCode`` and ``resultMessage`` once the pair was seen)."""
        return tuple(fails for _, fails, keyword in self.tests if keyword == "pattern")


#: The findings of a body decoded into a loose struct: (decoded body, raw body) -> findings.
Named = Callable[[Any, bytes], Any]


class DirectPath:
    """The direct path of a kind at a level, as the source of one function per action."""

    def __init__(
        self,
        name: str,
        source: str,
        names: Mapping[str, Any],
        checks: Mapping[str, KeywordCheck],
        structs: Mapping[str, tuple[type[msgspec.Struct], tuple[Guard, ...]]],
    ) -> None:
        self._source = compile(source, f"<direct {name}>", "exec")
        self._names = dict(names)
        #: The name under which the source calls each check's finding maker.
        self._checks = dict(checks)
        #: Per action, in the order of the source's functions: its loose struct and guards.
        self.structs = dict(structs)
        #: The compiled tests and bounds the guards' conditions name.
        self.constants = {k: v for k, v in names.items() if k.startswith("_x")}

    def bind(self, exact: Callable[[Any], Any], hooks: DirectHooks) -> dict[str, Named]:
        """Per action, the function naming the findings of a decoded body, in front of
        ``exact`` (given the raw body), with the validator's ``hooks``."""
        names = dict(self._names)
        for key, check in self._checks.items():
            names[key] = hooks.maker(check)
        names.update(
            _exact=exact,
            _finish=hooks.finish,
            _not_json=hooks.not_json,
            _known_not_json=hooks.known_not_json,
            _codes=pair_cache(hooks.codes),
        )
        fresh_caches(names)
        exec(self._source, names)
        return {action: names[f"_named{number}"] for number, action in enumerate(self.structs)}


Entry = tuple[str, tuple[Any, ...]]


def pair_cache(
    codes: Callable[[str, str, str], Sequence[Any]] | None,
) -> Callable[[str, str, str, dict[str, Entry]], Entry]:
    """What the accept and direct paths call for a (code, message) pair they have not seen
    for an action: (code, its result-code findings), kept in the action's cache under the
    message (bounded). Without ``codes`` (no table for the kind or level) there are none."""

    def remember(action: str, code: str, message: str, cache: dict[str, Entry]) -> Entry:
        entry = (code, tuple(codes(action, code, message)) if codes is not None else ())
        if len(cache) >= CODES_KEPT:
            cache.clear()
        cache[message] = entry
        return entry

    return remember


def direct_path(
    facts: KindFacts,
    file: str,
    structs: Mapping[str, tuple[type[msgspec.Struct], Patterns]],
    contents: Mapping[str, tuple[type[msgspec.Struct], Patterns]],
    relations: bool,
) -> DirectPath | None:
    """The direct path of the accept path's ``structs`` (by action), or None when a plan of
    ``file`` cannot be stated as generated tests."""
    if facts.content_variants:
        # What responseContent holds and repeats depends on another member than the action.
        return None
    plans = planner(file)
    if not plans.by_action:
        # A condition on another member: the plan depends on more than the action.
        return None
    names: dict[str, Any] = {
        "_mismatch": msgspec.ValidationError,
        "_malformed": (msgspec.DecodeError, RecursionError),
        "_UNSET": _UNSET,
    }
    lines: list[str] = []
    loose: dict[str, tuple[type[msgspec.Struct], tuple[Guard, ...]]] = {}
    checks: dict[str, KeywordCheck] = {}
    try:
        ordered = sorted(structs, key=lambda action: action != facts.mirror_action)
        for number, action in enumerate(ordered):
            plan = plans.plan_for({"action": action} if facts.has_action else {})
            if plan is None:
                return None
            struct = _loose_struct(plan, action if facts.has_action else None, number)
            names[f"_L{number}"] = struct
            guards = _guards(
                struct, plan, action if facts.has_action else None, number, names, checks
            )
            loose[action] = (struct, guards)
            body = _presence_lines(struct) + _check_lines(guards)
            if relations:
                content = contents.get(action)
                mirror = facts.mirror if action == facts.mirror_action else {}
                body += _relation_lines(struct, content, mirror, (action, number), names)
            body += ["if not found:", f"    {_EXACT}", "return _finish(found)"]
            lines += [f"def _named{number}(obj, body):", *("    " + line for line in body)]
    except (Unexpressible, ValueError):
        return None
    return DirectPath(facts.name, "\n".join(lines), names, checks, loose)


def _loose_struct(plan: Plan, action: str | None, number: int) -> type[msgspec.Struct]:
    """A struct holding each member the plan judges, with its type only."""
    for check in plan.root:
        if check.keyword != "type" or "object" not in _types(check.schema["type"]):
            raise Unexpressible(f"a check of the object itself: {check.keyword}")
    properties: dict[str, Any] = {}
    for group in plan.members:
        if action is not None and group.member == "action":
            if not all(check.holds(action) for check in group.checks):
                raise Unexpressible(f"action {action!r} breaks its own checks")
            continue
        properties[group.member] = {"type": _member_type(group.checks)}
    required = [
        c.member for c in plan.required if not (action is not None and c.member == "action")
    ]
    schema = {"type": "object", "properties": properties, "required": required}
    if action is None:
        return struct_of(schema, f"Loose{number}")[0]
    return struct_of(schema, f"Loose_{action}", tag=action, tag_field="action")[0]


def _types(value: Any) -> set[str]:
    names = value if isinstance(value, list) else [value]
    if not all(isinstance(n, str) for n in names):
        raise Unexpressible(f"type {value!r}")
    return set(names)


def _member_type(checks: tuple[KeywordCheck, ...]) -> str:
    """The one JSON type a member's ``type`` keywords allow that a struct field can hold."""
    allowed: set[str] | None = None
    for check in checks:
        if check.keyword == "type":
            types = _types(check.schema["type"])
            allowed = types if allowed is None else allowed & types
    if allowed is None:
        raise Unexpressible("a member without a type")
    if "string" in allowed and not allowed & {"integer", "number"}:
        return "string"
    if "integer" in allowed and "string" not in allowed:
        return "integer"
    raise Unexpressible(f"a member of types {sorted(allowed)}")


def _guards(
    struct: type[msgspec.Struct],
    plan: Plan,
    action: str | None,
    number: int,
    names: dict[str, Any],
    checks: dict[str, KeywordCheck],
) -> tuple[Guard, ...]:
    """Each member's tests of the plan's keywords, in the plan's order; the checks behind
    them go into ``checks`` under their makers' names, their constants into ``names``."""
    optional = set(defaults_of(struct))
    guards = []
    for group_number, group in enumerate(plan.members):
        if action is not None and group.member == "action":
            continue
        is_string = _member_type(group.checks) == "string"
        failure = string_failure if is_string else int_failure
        tests: list[tuple[str, str, str]] = []
        failing: list[tuple[KeywordCheck, str]] = []
        for index, check in enumerate(group.checks):
            name = f"_x{number}_{group_number}_{index}"
            fails = failure(check.keyword, check.schema[check.keyword], name, names)
            if fails is not None:
                checks[name] = check
                tests.append((name, fails, check.keyword))
                failing.append((check, fails))
        attr = attr_of(struct, group.member)
        ascii_only = is_string and any(c.keyword in _LENGTH_OR_PATTERN for c in group.checks)
        conditions = _merged(failing, is_string)
        guards.append(
            Guard(group.member, attr, attr in optional, ascii_only, tuple(tests), conditions)
        )
    return tuple(guards)


_BOUNDS = frozenset({"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"})


def _merged(failing: list[tuple[KeywordCheck, str]], is_string: bool) -> tuple[str, ...]:
    """The non-pattern conditions of a member's (check, condition) pairs as few conditions:
    an integer's bounds, or a string's lengths, as one range with its ends written out,
    since a run of separate comparisons costs the accept path more than a struct's own
    checks in C did."""
    lows: list[int] = []
    highs: list[int] = []
    rest: list[str] = []
    for check, fails in failing:
        keyword = check.keyword
        value = check.schema[keyword]
        # The same bounds on an integer, in integers: v >= 0.5 is v >= 1, v < 3 is v <= 2.
        if not is_string and keyword == "minimum":
            lows.append(math.ceil(value))
        elif not is_string and keyword == "exclusiveMinimum":
            lows.append(math.floor(value) + 1)
        elif not is_string and keyword == "maximum":
            highs.append(math.floor(value))
        elif not is_string and keyword == "exclusiveMaximum":
            highs.append(math.ceil(value) - 1)
        elif is_string and keyword == "minLength":
            lows.append(value)
        elif is_string and keyword == "maxLength":
            highs.append(value)
        elif keyword != "pattern":
            rest.append(fails)
    measure = "len(v)" if is_string else "v"
    if lows and highs:
        rest.insert(0, f"not ({max(lows)} <= {measure} <= {min(highs)})")
    elif lows:
        rest.insert(0, f"{measure} < {max(lows)}")
    elif highs:
        rest.insert(0, f"{measure} > {min(highs)}")
    return tuple(rest)


def _presence_lines(struct: type[msgspec.Struct]) -> list[str]:
    """Lines leaving a body without a required member to the exact path: the accept path
    may hand over a body decoded into one struct for every action, where all are optional."""
    optional = set(defaults_of(struct))
    required = [attr for attr in struct.__struct_fields__ if attr not in optional]
    if not required:
        return []
    return [f"if {' or '.join(f'obj.{attr} is _UNSET' for attr in required)}:", f"    {_EXACT}"]


def _check_lines(guards: tuple[Guard, ...]) -> list[str]:
    """Lines that judge every keyword of the plan, in its order, into ``found``: the finding
    of each that fails, made by the function bound under its name.

    A member is first tested as the accept path tests it (one range for its bounds):
    only a member that breaks something is judged keyword by keyword.
    """
    lines = ["found = []"]
    for guard in guards:
        conditions = guard.conditions + guard.patterns
        if not conditions:
            continue
        body = [f"if {' or '.join(f'({c})' for c in conditions)}:"]
        if guard.ascii_only:
            # ECMA-262 and Python read patterns and lengths alike on ASCII only.
            body += ["    if not v.isascii():", f"        {_EXACT}"]
        for name, fails, _ in guard.tests:
            body += [f"    if {fails}:", f"        found.append({name}(v))"]
        lines.append(f"v = obj.{guard.attr}")
        if guard.optional:
            lines += ["if v is not _UNSET:", *("    " + line for line in body)]
        else:
            lines += body
    return lines


def _relation_lines(
    struct: type[msgspec.Struct],
    content: tuple[type[msgspec.Struct], Patterns] | None,
    mirror: Mapping[str, str],
    where: tuple[str, int],
    names: dict[str, Any],
) -> list[str]:
    """Lines adding the relations' findings to ``found``, as the exact path would name them."""
    action, number = where
    encoded = struct.__struct_encode_fields__
    if "resultCode" not in encoded or "resultMessage" not in encoded:
        raise Unexpressible("no resultCode or resultMessage")
    cache = new_cache(names, f"_d{number}")
    lines = [
        f"code = obj.{attr_of(struct, 'resultCode')}",
        f"message = obj.{attr_of(struct, 'resultMessage')}",
        "if code is _UNSET or message is _UNSET:",
        f"    {_EXACT}",
        f"entry = {cache}.get(message)",
        "if entry is None or entry[0] != code:",
        "    if not message.startswith('[' + code + ']'):",
        f"        {_EXACT}",
        f"    entry = _codes({action!r}, code, message, {cache})",
        "found += entry[1]",
    ]
    if content is None:
        return lines
    if "responseContent" not in encoded:
        raise Unexpressible("a content schema without responseContent")
    decoder, after = content_lines(struct, content, mirror, f"_e{number}", names, _EXACT)
    lines += [
        f"text = obj.{attr_of(struct, 'responseContent')}",
        "if text is not _UNSET:",
        # A document that starts as one already found not JSON (the vendor's escaped
        # example, copied by many) is named without the decoder's exception.
        "    bad = _known_not_json(text)",
        "    if bad is not None:",
        "        found.append(bad)",
        "    else:",
        "        try:",
        f"            document = {decoder}(text)",
        "        except _mismatch:",
        f"            {_EXACT}",
        "        except _malformed:",
        "            bad = _not_json(text)",
        "            if bad is None:",
        f"                {_EXACT}",
        "            found.append(bad)",
        "        else:",
        *("            " + line for line in after),
    ]
    return lines
