"""Streaming the interactions of a YAML cassette, safely.

VCR.py and schemathesis write a cassette as one YAML mapping whose
``interactions`` (VCR.py) or ``http_interactions`` (schemathesis) key holds a
block sequence, one item per recorded exchange. Both write every item
starting with ``- `` at the sequence's own indentation (column 0 for the
usual indentless style). Reading the file line by line and cutting it there
gives each interaction as a small YAML document of its own, parsed on its own:
memory depends on the largest interaction, a broken interaction does not take
the rest of the file with it, and every interaction has an exact line and byte
offset. A cassette with another layout (flow style, odd indentation) is read
whole instead, up to :data:`MAX_WHOLE` bytes.

Only the standard YAML tags are ever constructed (what ``yaml.safe_load``
knows). Any other tag, ``!!python/object/apply:...`` included, is reported by
name and the interaction holding it is not constructed at all. Merge keys
(``<<: *defaults``) are standard YAML and read as ``safe_load`` reads them; an
alias may name an anchor of an earlier interaction or of the lines before the
sequence, as it may in the whole document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, BinaryIO

import yaml

from ciba_contracts.traffic.yamlsafe import (
    ANCHOR_OR_ALIAS,
    MAX_ANCHORED,
    UnsafeTag,
    anchors_of,
    safe_load,
    short_tag,
)

#: A cassette whose layout cannot be cut into interactions is read whole up to this size.
MAX_WHOLE = 64 * 1024 * 1024
#: Lines kept from outside the interactions (header and trailer), for the tag check.
MAX_OUTSIDE = 1024 * 1024

SEQUENCE_KEYS = ("interactions", "http_interactions")

_KEY_LINE = re.compile(rb"^(interactions|http_interactions)[ \t]*:[ \t]*(?:#.*)?\r?\n?$")
_KEY_INLINE = re.compile(rb"^(interactions|http_interactions)[ \t]*:[ \t]*(\S.*?)\s*$")
_ITEM = re.compile(rb"^([ \t]*)-(?:[ \t]|\r?\n|$)")


@dataclass(frozen=True, slots=True)
class YamlProblem:
    """What went wrong, as a kind (``corrupt``, ``truncated``, ``not-utf8``, ``unsafe``,
    ``format``), a message, and a 1-based line and byte offset where known."""

    kind: str
    message: str
    line: int | None = None
    offset: int | None = None
    tag: str | None = None


@dataclass(frozen=True, slots=True)
class YamlItem:
    """One item of the interactions sequence."""

    index: int
    offset: int
    line: int
    value: Any
    problems: tuple[YamlProblem, ...] = ()
    last: bool = False


def _preamble(lines: list[bytes]) -> bool:
    """Whether ``lines`` hold nothing but blank lines, comments and directives."""
    return all(not line.strip() or line.lstrip().startswith((b"#", b"%", b"---")) for line in lines)


class YamlSequence:
    """The items of a cassette's interactions sequence, read line by line.

    After iteration, :attr:`key` names the sequence key found (None when there
    was none) and :attr:`problems` lists problems outside any item.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.key: str | None = None
        self.problems: list[YamlProblem] = []
        # Anchors defined so far, for aliases in later interactions; kept while the
        # text that defined them stays under MAX_ANCHORED, so memory stays bounded.
        self._anchors: dict[str, yaml.Node] = {}
        self._anchored = 0

    def __iter__(self) -> Iterator[YamlItem]:
        outside: list[bytes] = []
        outside_size = 0
        trailer: list[bytes] = []
        trailer_line = 1
        indent: bytes | None = None
        item: list[bytes] = []
        item_start = (0, 0)  # (offset, line)
        index = 0
        state = "header"
        offset = 0
        number = 0
        pending: YamlItem | None = None
        whole: list[bytes] | None = None
        for raw in self._stream:
            number += 1
            line_offset = offset
            offset += len(raw)
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                # A byte order mark, which YAML allows (editors on Windows write one).
                raw = raw[3:]
            if whole is not None:
                whole.append(raw)
                if offset > MAX_WHOLE:
                    self.problems.append(_too_large())
                    return
                continue
            if state == "header":
                m = _KEY_LINE.match(raw)
                if m:
                    self.key = m.group(1).decode()
                    state = "start"
                    self._keep_anchors(b"".join(outside).decode("utf-8", "replace"))
                    continue
                inline = _KEY_INLINE.match(raw)
                if inline and inline.group(2).startswith(b"[]"):
                    self.key = inline.group(1).decode()
                    state = "trailer"
                    continue
                if inline or (raw.lstrip().startswith(b"{") and _preamble(outside)):
                    # Flow style or a scalar: not a layout that can be cut; read it whole.
                    whole = [*outside, raw]
                    continue
                if outside_size < MAX_OUTSIDE:
                    outside.append(raw)
                    outside_size += len(raw)
                continue
            if state == "start":
                if not raw.strip() or raw.lstrip().startswith(b"#"):
                    continue
                m = _ITEM.match(raw)
                if m is None:
                    # `interactions:` with no items, then the next top-level key.
                    state = "trailer"
                    trailer_line = number
                else:
                    indent = m.group(1)
                    state = "items"
                    item = [raw]
                    item_start = (line_offset, number)
                    continue
            if state == "items":
                assert indent is not None
                m = _ITEM.match(raw)
                if m is not None and m.group(1) == indent:
                    if pending is not None:
                        yield pending
                    pending = self._item(index, item_start, item)
                    index += 1
                    item = [raw]
                    item_start = (line_offset, number)
                    continue
                stripped = raw.strip()
                leading = len(raw) - len(raw.lstrip(b" \t"))
                if not stripped or stripped.startswith(b"#") or leading > len(indent):
                    item.append(raw)
                    continue
                # Back at the sequence's own indentation without a `- `: the next key.
                state = "trailer"
                trailer_line = number
                if pending is not None:
                    yield pending
                pending = self._item(index, item_start, item)
                index += 1
                item = []
            if state == "trailer":
                if raw.strip() in (b"...", b"---") or len(trailer) > MAX_OUTSIDE:
                    continue
                trailer.append(raw)
        if whole is not None:
            yield from self._whole(whole)
            return
        if state == "items" and item:
            if pending is not None:
                yield pending
            pending = self._item(index, item_start, item)
        if pending is not None:
            yield replace(pending, last=True)
        self._check_outside(outside, 1)
        self._check_outside(trailer, trailer_line)
        if self.key is None:
            self.problems.append(
                YamlProblem("format", "no `interactions` or `http_interactions` key at column 0")
            )

    def _item(self, index: int, start: tuple[int, int], lines: list[bytes]) -> YamlItem:
        offset, line = start
        raw = b"".join(lines)
        problems: list[YamlProblem] = []
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(
                YamlProblem(
                    "not-utf8",
                    f"byte 0x{raw[exc.start]:02x} at offset {offset + exc.start} is not UTF-8",
                    line + raw.count(b"\n", 0, exc.start),
                    offset + exc.start,
                )
            )
            text = raw.decode("utf-8", "replace")
        anchors = self._anchors if ANCHOR_OR_ALIAS.search(text) else None
        known = len(self._anchors)
        try:
            value = safe_load(text, line, anchors)
        except UnsafeTag as exc:
            problems.append(
                YamlProblem(
                    "unsafe",
                    "the interaction was not constructed",
                    exc.line,
                    offset,
                    short_tag(exc.tag),
                )
            )
            return YamlItem(index, offset, line, None, tuple(problems))
        except yaml.YAMLError as exc:
            counted_from = line if anchors is None else 1
            problems.append(_yaml_problem(exc, counted_from, offset, text))
            return YamlItem(index, offset, line, None, tuple(problems))
        finally:
            if len(self._anchors) > known:
                self._count_anchored(len(raw))
        if not isinstance(value, list) or len(value) != 1:
            problems.append(
                YamlProblem("corrupt", "the interaction is not one sequence item", line, offset)
            )
            return YamlItem(index, offset, line, None, tuple(problems))
        return YamlItem(index, offset, line, value[0], tuple(problems))

    def _keep_anchors(self, header: str) -> None:
        """Remember the anchors of the lines before the sequence, for aliases in it."""
        if ANCHOR_OR_ALIAS.search(header):
            anchors_of(header, self._anchors)
            if self._anchors:
                self._count_anchored(len(header))

    def _count_anchored(self, size: int) -> None:
        # The anchored nodes keep the text they were read from alive.
        self._anchored += size
        if self._anchored > MAX_ANCHORED:
            # Past the budget, aliases to earlier interactions are reported as undefined.
            self._anchors = {}
            self._anchored = 0

    def _whole(self, lines: list[bytes]) -> Iterator[YamlItem]:
        raw = b"".join(lines)
        lines.clear()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.problems.append(
                YamlProblem(
                    "not-utf8",
                    f"byte 0x{raw[exc.start]:02x} at offset {exc.start} is not UTF-8",
                    raw.count(b"\n", 0, exc.start) + 1,
                    exc.start,
                )
            )
            text = raw.decode("utf-8", "replace")
        try:
            document = safe_load(text)
        except UnsafeTag as exc:
            self.problems.append(
                YamlProblem(
                    "unsafe", "the cassette was not constructed", exc.line, None, short_tag(exc.tag)
                )
            )
            return
        except yaml.YAMLError as exc:
            self.problems.append(_yaml_problem(exc, 1, 0, text))
            return
        if not isinstance(document, dict):
            self.problems.append(YamlProblem("format", "the YAML document is not a mapping"))
            return
        for key in SEQUENCE_KEYS:
            items = document.get(key)
            if isinstance(items, list):
                self.key = key
                for index, value in enumerate(items):
                    yield YamlItem(index, 0, 1, value, (), index == len(items) - 1)
                return

    def _check_outside(self, lines: list[bytes], first_line: int) -> None:
        """Parse the lines outside the interactions only to find hostile tags in them."""
        text = b"".join(lines).decode("utf-8", "replace")
        if "!" not in text:
            return
        try:
            safe_load(text, first_line)
        except UnsafeTag as exc:
            self.problems.append(
                YamlProblem(
                    "unsafe",
                    "found outside the interactions; not constructed",
                    exc.line,
                    None,
                    short_tag(exc.tag),
                )
            )
        except yaml.YAMLError:
            # Header and trailer are read only for this check; what they hold is not used.
            pass


def _yaml_problem(exc: yaml.YAMLError, first_line: int, offset: int, text: str) -> YamlProblem:
    mark = getattr(exc, "problem_mark", None)
    line = first_line + mark.line if mark is not None else first_line
    what = " ".join(str(getattr(exc, "problem", None) or exc).split())
    at_end = mark is not None and mark.index >= len(text.rstrip()) - 1
    kind = "truncated" if at_end and "end of stream" in str(exc) else "corrupt"
    return YamlProblem(kind, f"not valid YAML: {what} (line {line})", line, offset)


def _too_large() -> YamlProblem:
    return YamlProblem(
        "format",
        f"the cassette's layout cannot be read interaction by interaction and it is larger "
        f"than {MAX_WHOLE // (1024 * 1024)} MiB",
    )
