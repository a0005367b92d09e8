"""What every traffic reader yields: recorded exchanges, and problems with the input.

Readers never raise for bad recordings. An entry that cannot be read becomes an
:class:`InputProblem` carrying the rule code of the input check it breaks and
where it sits, so the run reports it and goes on with the next entry. The
exchange itself is the package's one model, :class:`ciba_contracts.exchange.Exchange`.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from ciba_contracts.contract.rules import rule_named
from ciba_contracts.exchange import Exchange, Headers, Location, find_header, header_pairs

__all__ = [
    "ENTRY_UNREADABLE",
    "INPUT_NOT_UTF8",
    "INPUT_TRUNCATED",
    "INPUT_UNREADABLE",
    "UNKNOWN_FORMAT",
    "UNSAFE_YAML",
    "Exchange",
    "Headers",
    "InputProblem",
    "Location",
    "Record",
    "Skipped",
    "Wanted",
    "find_header",
    "header_pairs",
]


#: The input rules a reader's problems break (codes of the catalog, looked up by name).
ENTRY_UNREADABLE = rule_named("entry-unreadable").code
INPUT_TRUNCATED = rule_named("input-truncated").code
INPUT_NOT_UTF8 = rule_named("input-not-utf8").code
UNKNOWN_FORMAT = rule_named("unknown-format").code
UNSAFE_YAML = rule_named("unsafe-yaml").code
INPUT_UNREADABLE = rule_named("input-unreadable").code


class InputProblem(msgspec.Struct, frozen=True):
    """An input that could not be read, in whole or in part.

    ``rule`` is an input rule of the catalog (``I001``...); ``message`` names
    what is wrong in words a person can act on. ``fatal`` marks a problem
    after which nothing more of this source could be read.
    """

    location: Location
    rule: str
    message: str
    fatal: bool = False
    #: The offending value where the rule shows one (the tag of an unsafe YAML node).
    value: str | None = None

    @property
    def source(self) -> str:
        """The input the problem is in."""
        return self.location.source


class Skipped(msgspec.Struct, frozen=True):
    """Exchanges the caller's selection did not want; read no further than that.

    ``count`` is how many: readers that turn entries away without parsing them
    report them in runs, with the location of the last one.
    """

    location: Location
    method: str = ""
    url: str = ""
    count: int = 1


#: What a reader yields.
Record = Exchange | InputProblem | Skipped

#: A reader's question to its caller: is ``(method, url)`` an exchange to read in full?
Wanted = Callable[[str, str], bool]
