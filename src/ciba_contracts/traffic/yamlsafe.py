"""Reading YAML with only the standard tags: PyYAML's safe loaders, and what they refuse.

Only the standard YAML tags are ever constructed (what ``yaml.safe_load``
knows). Any other tag, ``!!python/object/apply:...`` included, is reported by
name before anything is constructed. An alias may name an anchor of an
earlier document (a cassette's earlier interaction), which needs the
pure-Python loader; its nesting is bounded first, since that loader recurses
once per level.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

__all__ = [
    "ANCHOR_OR_ALIAS",
    "MAX_ANCHORED",
    "MAX_NESTING",
    "TooDeep",
    "UnsafeTag",
    "anchors_of",
    "safe_load",
    "short_tag",
]

_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SafeLoader(_Loader):  # type: ignore[misc]
    """The safe loader, subclassed so nothing here changes PyYAML's global one."""


class _PySafeLoader(yaml.SafeLoader):
    """The pure-Python safe loader, for what libyaml refuses but YAML allows."""


class _AnchoredLoader(yaml.SafeLoader):
    """The pure-Python safe loader, resolving aliases to earlier interactions' anchors too.

    The C composer cannot be given anchors, and it forgets its own at the end of
    the document; an interaction cut out of a cassette is one document of its
    own, yet its aliases may point into the interactions before it. An anchor
    defined again in a later interaction replaces the earlier one for what
    follows (YAML's rule; interactions were read alone before, so a name reused
    in each of them keeps working), and twice in one interaction it is refused
    as ``safe_load`` refuses it. Its marks count lines from ``first_line``, so a
    node reached through an alias still tells the line it was written on.
    """

    def __init__(self, text: str, earlier: dict[str, yaml.Node], first_line: int) -> None:
        super().__init__(text)
        self._earlier = earlier
        self.line = first_line - 1

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            anchor = self.peek_event().anchor  # type: ignore[no-untyped-call]
            if anchor not in self.anchors and anchor in self._earlier:
                self.get_event()  # type: ignore[no-untyped-call]
                return self._earlier[anchor]
        return super().compose_node(parent, index)

    def compose_document(self) -> yaml.Node | None:
        # The composer fills this dict, then drops it at the end of the document.
        anchors = self.anchors
        node = super().compose_document()
        self.anchors = anchors
        return node


#: The tags the safe constructor knows, and those it folds into their mapping (``<<``
#: merge keys, ``=`` value keys); it refuses the latter anywhere else, as ``safe_load`` does.
_SAFE_TAGS = (frozenset(yaml.SafeLoader.yaml_constructors) - {None}) | {
    "tag:yaml.org,2002:merge",
    "tag:yaml.org,2002:value",
}
#: An anchor or an alias (PyYAML's anchor alphabet); a hit only costs the slower loader.
ANCHOR_OR_ALIAS = re.compile(r"(?:^|[\s\[{,])[&*][0-9A-Za-z_-]", re.MULTILINE)
#: Deepest nesting of an interaction read with anchors (by the pure-Python loader).
MAX_NESTING = 200
#: Text of the interactions (and header) whose anchors are kept for later aliases.
MAX_ANCHORED = 16 * 1024 * 1024


class TooDeep(yaml.YAMLError):
    """The YAML nests deeper than the pure-Python parser can follow."""


class UnsafeTag(Exception):
    """A YAML node carries a tag the safe loader must not construct."""

    def __init__(self, tag: str, line: int | None) -> None:
        super().__init__(tag)
        self.tag = tag
        self.line = line


def safe_load(text: str, first_line: int = 1, anchors: dict[str, yaml.Node] | None = None) -> Any:
    """``yaml.safe_load`` that names the first non-standard tag instead of failing vaguely.

    Raises :class:`UnsafeTag` before constructing anything when a node carries
    a tag outside the standard set; raises ``yaml.YAMLError`` for bad YAML.
    With ``anchors``, aliases may name those anchors too, the anchors ``text``
    defines are added to it, and the marks of a ``yaml.MarkedYAMLError`` count
    lines from ``first_line`` (from the start of ``text`` otherwise).
    """
    loader: _SafeLoader | _AnchoredLoader | _PySafeLoader
    written_at = first_line
    if anchors is None:
        loader = _SafeLoader(text)
    else:
        loader = _AnchoredLoader(text, anchors, first_line)
        first_line = 1
    try:
        if anchors is not None and _nesting(text) > MAX_NESTING:
            raise RecursionError
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            # libyaml refuses the escape of a lone surrogate ("\uDCFF", as PyYAML writes a
            # body byte that is not UTF-8); YAML allows it, and the pure-Python loader reads it.
            if not isinstance(loader, _SafeLoader) or "escape" not in str(exc.problem):
                raise
            loader.dispose()
            loader = _PySafeLoader(text)
            try:
                node = loader.get_single_node()
            except yaml.YAMLError:
                raise exc from None
        if anchors is not None:
            anchors.update(loader.anchors)
        if node is None:
            return None
        _check_tags(node, first_line)
        try:
            return loader.construct_document(node)
        except (ValueError, OverflowError) as exc:
            # A standard tag whose value Python cannot build: an integer of thousands of
            # digits, a date such as 2024-13-45.
            problem = str(exc).split(";")[0]
            raise yaml.constructor.ConstructorError(
                None, None, f"a value cannot be read: {problem}", None
            ) from None
    except RecursionError:
        # The pure-Python parser (taken for anchors and aliases) recurses once per level.
        error = TooDeep()
        error.problem = "it nests too deeply to be read"  # type: ignore[attr-defined]
        # Where the text starts, counted as the marks of the other errors are.
        error.problem_mark = yaml.Mark("", 0, written_at - first_line, 0, "", 0)  # type: ignore[attr-defined]
        raise error from None
    finally:
        loader.dispose()


def _nesting(text: str) -> int:
    """How deep collections nest in ``text`` (up to just past :data:`MAX_NESTING`).

    Read with the C parser where there is one: the pure-Python scanner costs the
    square of the depth of flow collections, and recurses once per level.
    """
    if _Loader is yaml.SafeLoader:
        return 0
    depth = deepest = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > deepest:
                    deepest = depth
                    if deepest > MAX_NESTING:
                        break
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as exc:
        if "nesting depth" in str(exc):
            # libyaml's own limit, met while scanning ahead of the events.
            return MAX_NESTING + 1
        # The loader that reads the text says what else is wrong with it.
    return deepest


def anchors_of(text: str, anchors: dict[str, yaml.Node]) -> None:
    """Add the anchors ``text`` defines to ``anchors``, constructing nothing."""
    loader = _AnchoredLoader(text, anchors, 1)
    try:
        loader.get_single_node()
        anchors.update(loader.anchors)
    except (yaml.YAMLError, RecursionError):
        # Only the anchors are wanted here; the header's faults are not the entries'.
        pass
    finally:
        loader.dispose()


def _check_tags(root: yaml.Node, first_line: int) -> None:
    seen: set[int] = set()
    stack: list[yaml.Node] = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.tag not in _SAFE_TAGS:
            mark = node.start_mark
            raise UnsafeTag(node.tag, first_line + mark.line if mark is not None else None)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append(key)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def short_tag(tag: str) -> str:
    """A tag as written in YAML: ``tag:yaml.org,2002:python/name:x`` -> ``!!python/name:x``."""
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix) :] if tag.startswith(prefix) else tag
