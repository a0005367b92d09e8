"""What a check reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ciba_contracts.contract.rules import Rule, Severity


# Not frozen: a frozen dataclass's __init__ costs four times as much, and a run
# with many violations builds many findings. Hashable by value all the same;
# treat instances as read-only.
@dataclass(slots=True, unsafe_hash=True)
class Finding:
    """One rule firing on one place of one payload.

    ``pointer`` is the JSON pointer (RFC 6901) of the offending member of the
    payload; for a fault inside ``responseContent`` it is ``/responseContent``
    and ``content_pointer`` locates the member inside that embedded document.
    ``value`` is a short rendering of the offending value, or None when the
    member is missing.
    """

    rule: str
    severity: Severity
    message: str
    pointer: str = ""
    content_pointer: str | None = None
    value: str | None = None

    @classmethod
    def of(
        cls,
        rule: Rule,
        pointer: str = "",
        *,
        content_pointer: str | None = None,
        value: str | None = None,
        **context: object,
    ) -> Finding:
        """The finding of ``rule`` at a place, its message filled from ``context``.

        ``value`` is both the finding's rendering of the offending value and,
        unless ``context`` gives another, the message's ``{value}``.
        """
        context.setdefault("value", value)
        return cls(rule.code, rule.severity, rule.render(context), pointer, content_pointer, value)

    @property
    def is_error(self) -> bool:
        """Whether this finding makes the payload invalid."""
        return self.severity is Severity.ERROR

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (the shape used by the JSON report)."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "pointer": self.pointer,
            "content_pointer": self.content_pointer,
            "value": self.value,
        }

    def __str__(self) -> str:
        where = self.pointer or "/"
        if self.content_pointer is not None:
            where += f" -> {self.content_pointer or '/'}"
        shown = f" (value: {self.value})" if self.value is not None else ""
        return f"{self.rule} [{self.severity.value}] {where}: {self.message}{shown}"
