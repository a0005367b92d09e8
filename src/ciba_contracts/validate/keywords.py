"""Naming the failing keywords of a payload: one finding per keyword, with its rule.

The one-keyword checks of :mod:`ciba_contracts.validate.plan` say which
keywords fail; where a schema cannot be planned, ``iter_errors`` does. Either
way the ``x-ciba-rule`` annotation at the keyword names the rule, and
:class:`~ciba_contracts.validate.messages.KnownPart` the fixed part of its message.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from ciba_contracts.contract.rules import rule_named
from ciba_contracts.jsondoc.parse import judgeable
from ciba_contracts.jsondoc.render import pointer, render, truncate
from ciba_contracts.validate.finding import Finding
from ciba_contracts.validate.kinds import CONTENT_POINTER, known_members
from ciba_contracts.validate.messages import KNOWN_LIMIT, KnownPart, actual_text
from ciba_contracts.validate.plan import KeywordCheck, Planner

__all__ = ["KeywordFindings"]

_WRONG_TYPE = rule_named("wrong-type")


class KeywordFindings:
    """The findings of the failing keywords of one compiled schema (and its content schemas).

    ``plans`` maps ``id(compiled schema)`` to its planner (None: not plannable).
    Caches what it learns per keyword and place; safe to share between threads.
    """

    def __init__(self, schema: Any, plans: Mapping[int, Planner | None]) -> None:
        self._schema = schema
        self._plans = plans
        self._known: dict[tuple[object, ...], KnownPart] = {}

    def findings(
        self,
        instance: dict[str, Any],
        validator: Any = None,
        content: bool = False,
        original: dict[str, Any] | None = None,
    ) -> list[Finding]:
        schema = self._schema if validator is None else validator
        plans = self._plans.get(id(schema))
        found: list[Finding] = []
        failures: list[tuple[KeywordCheck, Any]] | None = None
        try:
            plan = plans.plan_for(instance) if plans is not None else None
            if plan is not None:
                failures = plan.failures(instance)
        except (ValueError, TypeError, OverflowError, RecursionError):
            # Values the compiled checks cannot read: the reported way says what they are.
            failures = None
        # Values shown, by id (with the value, which keeps the id its own): two keywords
        # failing on one value (its type and its enum, say) render it once.
        shown: dict[int, tuple[Any, str]] = {}
        if failures is not None:
            finding = self._finding
            try:
                for check, judged in failures:
                    found.append(
                        finding(check.path, check.location, judged, check, content, original, shown)
                    )
            except (ValueError, TypeError, OverflowError, RecursionError):
                # A value the one-keyword check judged but cannot quote in its message (a
                # lone surrogate inside an array, say): the reported way says what it is.
                found = []
            else:
                return found
        for path, location, judged, error in self._reported_failures(
            schema, instance, content, original, found
        ):
            found.append(self._finding(path, location, judged, error, content, original, shown))
        return found

    def finding_of(self, check: KeywordCheck, judged: Any) -> Finding:
        """The finding of a plan's check that fails on ``judged``, a member of the payload."""
        return self._finding(check.path, check.location, judged, check, False, None, {})

    def maker_of(self, check: KeywordCheck) -> Callable[[Any], Finding]:
        """:meth:`finding_of` for one check, as a function of the value alone.

        The same finding, made with fewer steps: the fixed part is looked up
        once, not per call. Integers repeat (a zero lifetime, say), and their
        finding depends on the value alone, so it is kept per value (bounded)
        and the same finding object is given again, as the result-code findings
        are; findings are read-only.
        """
        if check.keyword == "required":
            # Nothing to gain: a missing member's finding has no value to show.
            return functools.partial(self.finding_of, check)
        known = self._known.get((check.location, False, check.path))
        if known is None:
            known = self._learn(check.path, check.location, False)
        code, severity = known.code, known.severity
        where, inside = known.pointer, known.content_pointer
        wants_value, wants_actual = known.wants_value, known.wants_actual
        wants_detail, keyword, fill = known.wants_detail, known.keyword, known.fill
        detail_of = check.message
        named = f"`{known.member}`: " if check.path else ""
        template = known.template
        kept: dict[int, Finding] = {}

        def make(judged: Any) -> Finding:
            is_int = type(judged) is int
            if is_int:
                found = kept.get(judged)
                if found is not None:
                    return found
            value_text = render(judged)
            context: dict[str, object] = {}
            if wants_value:
                context["value"] = value_text
            if wants_actual:
                context["actual"] = actual_text(keyword, judged)
            if wants_detail:
                context["detail"] = named + str(detail_of(judged))
            text = fill(context) if context else template
            found = Finding(code, severity, text, where, inside, value_text)
            if is_int and len(kept) < KNOWN_LIMIT:
                kept[judged] = found
            return found

        return make

    def _finding(
        self,
        path: tuple[str | int, ...],
        location: str,
        judged: Any,
        source: Any,
        content: bool,
        original: dict[str, Any] | None,
        rendered: dict[int, tuple[Any, str]],
    ) -> Finding:
        """The finding of one failing keyword; what does not depend on the value is cached.

        ``path`` is the instance path of the failing value (for ``required``, of
        the missing member), ``judged`` the value the check saw, ``source`` the
        jsonschema-rs error or the plan's check, for the message if the rule
        quotes it.
        """
        known = self._known.get((location, content, path))
        if known is None:
            known = self._learn(path, location, content)
        value_text: str | None = None
        context: dict[str, object] = {}
        if not known.required:
            shown = judged
            if original is not None and len(path) == 1 and path[0] in original:
                # Show what the payload said, not the stand-in the check saw.
                shown = original[path[0]]
            known_text = rendered.get(id(shown))
            if known_text is not None and known_text[0] is shown:
                value_text = known_text[1]
            else:
                value_text = render(shown)
                rendered[id(shown)] = (shown, value_text)
            if known.wants_value:
                context["value"] = value_text
            if known.wants_actual:
                context["actual"] = actual_text(known.keyword, shown)
        if known.wants_detail:
            text = source.message(judged) if isinstance(source, KeywordCheck) else source.message
            context["detail"] = f"`{known.member}`: {text}" if path else str(text)
        text = known.fill(context) if context else known.template
        return Finding(
            known.code, known.severity, text, known.pointer, known.content_pointer, value_text
        )

    def _learn(self, path: tuple[str | int, ...], location: str, content: bool) -> KnownPart:
        """The part of a keyword's finding that does not depend on the value, kept (bounded)."""
        known = KnownPart.of(path, location, content)
        if len(self._known) < KNOWN_LIMIT:
            self._known[(location, content, path)] = known
        return known

    def _reported_failures(
        self,
        schema: Any,
        instance: dict[str, Any],
        content: bool,
        original: dict[str, Any] | None,
        found: list[Finding],
    ) -> list[tuple[tuple[str | int, ...], str, Any, Any]]:
        """The failing keywords as ``iter_errors`` reports them, for schemas without a plan.

        Members the compiled validator cannot read at all become findings of
        their own, added to ``found``.
        """
        try:
            errors = list(schema.iter_errors(instance))
        except (ValueError, TypeError, OverflowError, RecursionError):
            instance, problems = judgeable(instance, known_members())
            for member, type_name in problems:
                where = pointer([member])
                found.append(
                    Finding.of(
                        _WRONG_TYPE,
                        CONTENT_POINTER if content else where,
                        content_pointer=where if content else None,
                        value=truncate(repr(original.get(member) if original else None)),
                        member=member,
                        actual=f"a Python {type_name}",
                        expected="JSON data",
                    )
                )
            try:
                errors = list(schema.iter_errors(instance))
            except (ValueError, TypeError, OverflowError, RecursionError):
                errors = []
        failures = []
        for error in errors:
            location = error.absolute_keyword_location or ""
            path = tuple(error.instance_path)
            if location.endswith("/required"):
                path += (str(getattr(error.kind, "property", "")) or "?",)
            failures.append((path, location, error.instance, error))
        return failures
