"""Choosing a reporter by name."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TextIO

from ciba_contracts.report.model import RunReport

Reporter = Callable[..., None]

#: Where each ``--format``'s reporter lives. A run writes one format, and importing the
#: others (XML escaping, package metadata, hashing) would add to every start-up.
_WHERE = {
    "text": ("ciba_contracts.report.text", "write_text"),
    "json": ("ciba_contracts.report.json_report", "write_json"),
    "junit": ("ciba_contracts.report.junit", "write_junit"),
    "github": ("ciba_contracts.report.github", "write_github"),
    "sarif": ("ciba_contracts.report.sarif", "write_sarif"),
    "gitlab": ("ciba_contracts.report.gitlab", "write_gitlab"),
}


def _on_first_use(module: str, name: str) -> Reporter:
    def reporter(*args: Any, **kwargs: Any) -> None:
        function: Reporter = getattr(importlib.import_module(module), name)
        function(*args, **kwargs)

    reporter.__name__ = reporter.__qualname__ = name
    reporter.__doc__ = f"``{module}.{name}``, imported when first called."
    return reporter


#: Reporter functions by ``--format`` name; each takes (report, out, *, color).
REPORTERS: dict[str, Reporter] = {fmt: _on_first_use(*where) for fmt, where in _WHERE.items()}


def write_report(report: RunReport, fmt: str, out: TextIO, *, color: bool = False) -> None:
    """Render ``report`` in format ``fmt`` to ``out``."""
    try:
        reporter = REPORTERS[fmt]
    except KeyError:
        raise ValueError(
            f"unknown report format {fmt!r}; expected one of {', '.join(REPORTERS)}"
        ) from None
    reporter(report, out, color=color)
