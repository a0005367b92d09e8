"""The accept path: typed decoding with msgspec, generated from the schema files.

For a kind and level, each action's flat schema (:mod:`ciba_contracts.validate.fast`)
is turned into a msgspec ``Struct`` whose constraints msgspec checks in C while
it decodes: types, ``Literal`` enums, ``Meta(ge=, le=, min_length=)``; patterns
are tested after decoding (:mod:`ciba_contracts.validate.structs`). The structs
of a kind's actions form one union tagged by ``action``; what ``responseContent``
holds per action becomes a struct too. A body is accepted when it decodes and the
relations hold (the ``resultMessage`` prefix, the embedded document, the mirrored
members); that is the same test the compiled schemas and
:meth:`Relations.build_test` make, done without building a dict.

An accepted body has no finding but, where the kind's codes are held to
Authlete's table, the table's, which depend on ``action``, ``resultCode`` and
``resultMessage`` alone and are looked up by the message. A body it refuses
goes to the direct path (:mod:`ciba_contracts.validate.direct`, loose structs
below) or to the exact path, as does any schema keyword it cannot state
exactly, so findings never depend on it.

Where the direct path can be stated (the usual case), the accept path decodes into
its loose structs instead (types and required members only) and tests the keywords
by the direct path's own conditions, in Python: a valid body pays a few comparisons
more, and a body that breaks one is handed over decoded, without the exception of
a strict decode and a second decode. Bodies that are not ASCII go to the exact path at once:
msgspec does not check the UTF-8 of the members it skips, and a body with bad
UTF-8 is a finding.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import msgspec

from ciba_contracts.contract.profiles import Profile
from ciba_contracts.validate.direct import (
    CODES_KEPT,
    DirectHooks,
    DirectPath,
    Guard,
    direct_path,
    pair_cache,
)
from ciba_contracts.validate.fast import fast_schema
from ciba_contracts.validate.kinds import KindFacts, facts_of
from ciba_contracts.validate.structs import (
    Patterns,
    Unexpressible,
    attr_of,
    content_lines,
    defaults_of,
    fresh_caches,
    new_cache,
    pattern_lines,
    struct_of,
    translate_pattern,
    types_only,
)

__all__ = [
    "CODES_KEPT",
    "AcceptPath",
    "Unexpressible",
    "acceptor",
    "struct_of",
    "translate_pattern",
]
_UNSET = msgspec.UNSET

_R = TypeVar("_R")
#: (action, resultCode, resultMessage) -> the findings of the result-code table on a payload
#: whose other members keep every rule (they depend on these three members alone).
Codes = Callable[[str, str, str], tuple[Any, ...]]


class AcceptPath:
    """The accept test of a kind at a level, as the source of one function.

    :meth:`bind` compiles it in front of an exact checker: a bytes body that
    decodes into its action's struct and keeps every stated constraint and
    relation costs no more than that. A body decoded into the direct path's loose
    structs that breaks a test goes, decoded, to that path's function for its action
    (:mod:`ciba_contracts.validate.direct`) when one is bound; anything else goes to
    the exact checker (always so behind strict structs).
    """

    def __init__(
        self, name: str, source: str, names: Mapping[str, Any], direct: DirectPath | None = None
    ) -> None:
        self._name = name
        self._source = compile(source, f"<accept {name}>", "exec")
        self._names = dict(names)
        #: The direct path of the same kind and level, if its plans can be stated.
        self.direct = direct
        self._probe = self.bind(_refused, lambda *_: ())

    def bind(
        self,
        exact: Callable[[Any], _R],
        codes: Codes | None = None,
        hooks: DirectHooks | None = None,
    ) -> Callable[[Any], _R | list[Any]]:
        """``exact`` behind the accept path (and the direct path, given its ``hooks``).

        ``codes`` gives the findings of the result-code rules, which depend on
        ``action``, ``resultCode`` and ``resultMessage`` alone; they are cached per
        action and pair (bounded). Without it (a level or kind without the table),
        an accepted body has no finding.
        """
        names = dict(self._names)
        names["_exact"] = exact
        if self.direct is not None:
            named = self.direct.bind(exact, hooks) if hooks is not None else {}
            for number, action in enumerate(self.direct.structs):
                names[f"_named{number}"] = named.get(action) or _exact_of(exact)
        names["_codes"] = pair_cache(codes)
        fresh_caches(names)
        exec(self._source, names)
        checker: Callable[[Any], _R | list[Any]] = names["accept"]
        return checker

    def accepts(self, body: bytes) -> bool:
        """Whether ``body`` keeps every constraint the structs state (result codes aside)."""
        return self._probe(body) is not None


def _refused(_body: Any) -> None:
    return None


def _exact_of(exact: Callable[[Any], _R]) -> Callable[[Any, bytes], _R]:
    """What a decoded body that breaks a test gets without a bound direct path."""
    return lambda _obj, body: exact(body)


@functools.cache
def acceptor(kind: str, profile: Profile, relations: bool) -> AcceptPath | None:
    """The accept path of a kind at a level, or None when its schemas cannot be stated.

    ``relations``: whether the level checks the relations (``authlete`` and up).
    """
    facts = facts_of(kind)
    if facts.content_variants:
        # The structs state one document and one mirror per action; a document (and the
        # fields it repeats) that depends on another member, as a push notification's
        # tokens on deliveryMode, is the exact path's.
        return None
    file = facts.files[profile]
    ok_action = facts.mirror_action
    try:
        structs: dict[str, tuple[type[msgspec.Struct], Patterns]] = {}
        if facts.has_action:
            if len(facts.actions) < 2:
                # A lone tagged struct is no union: msgspec would not insist on its tag.
                raise Unexpressible("a kind with one action")
            for action in facts.actions:
                schema = fast_schema(file, action)
                structs[action] = struct_of(
                    schema, f"Accept_{action}", tag=action, tag_field="action"
                )
        else:
            structs[""] = struct_of(fast_schema(file, ""), "Accept")
        contents: dict[str, tuple[type[msgspec.Struct], Patterns]] = {}
        for action, name in facts.content_schemas.items():
            content_schema = fast_schema(name, "")
            if action == ok_action and facts.mirror_only:
                # Members equal to fields the struct already checked cannot break the
                # document's schema (the exact path's shortcut too): only types are left.
                content_schema = types_only(content_schema)
            contents[action] = struct_of(content_schema, f"Content_{action}")
    except (Unexpressible, ValueError):
        # ValueError: a schema the specialisation cannot state (a fragment reference).
        return None
    direct = direct_path(facts, file, structs, contents, relations)
    if direct is not None:
        try:
            source, names = _compiled_loose(facts, direct, contents, relations)
        except Unexpressible:
            direct = None
    if direct is None:
        try:
            source, names = _compiled(facts, structs, contents, relations)
        except Unexpressible:
            return None
    return AcceptPath(facts.name, source, names, direct)


_FAIL = "return _exact(body)"
_ERRORS = (msgspec.ValidationError, msgspec.DecodeError, RecursionError)
#: What a document's decoder may raise; TypeError: an absent ``responseContent`` (UNSET).
_CONTENT_ERRORS = (*_ERRORS, TypeError)


#: Most documents kept per action as keeping their schema (see _pair_and_content_lines).
DOCUMENTS_KEPT = 1024


def _keep_document(kept: dict[str, None], text: str) -> None:
    """Remember ``text`` as a document that keeps its schema (bounded)."""
    if len(kept) >= DOCUMENTS_KEPT:
        kept.clear()
    kept[text] = None


def _one_of(structs: list[type[msgspec.Struct]]) -> Any:
    """The type a body of any of ``structs`` decodes as: the struct, or their tagged union."""
    return structs[0] if len(structs) == 1 else Union[tuple(structs)]  # noqa: UP007


def _head(decoded: Any, dispatch: str) -> tuple[list[str], dict[str, Any]]:
    """The first lines of an accept function and the names they use: an ASCII body decoded
    as ``decoded``, anything else left to the exact path; ``dispatch`` then tells the
    decoded structs apart (``kind = type(obj)`` or ``action = obj.action``)."""
    names: dict[str, Any] = {
        "_decode": msgspec.json.Decoder(decoded).decode,
        "_errors": _ERRORS,
        "_content_errors": _CONTENT_ERRORS,
        "_UNSET": _UNSET,
        "_note": _keep_document,
    }
    lines = [
        "def accept(body):",
        # msgspec does not check the UTF-8 of members it skips; bad UTF-8 is a finding.
        "    if type(body) is not bytes or not body.isascii():",
        f"        {_FAIL}",
        "    try:",
        "        obj = _decode(body)",
        "    except _errors:",
        # A member of another type, or a required one missing: the exact path names it.
        f"        {_FAIL}",
        f"    {dispatch}",
    ]
    return lines, names


def _compiled(
    facts: KindFacts,
    structs: Mapping[str, tuple[type[msgspec.Struct], Patterns]],
    contents: Mapping[str, tuple[type[msgspec.Struct], Patterns]],
    relations: bool,
) -> tuple[str, dict[str, Any]]:
    """The accept path as the source of one function.

    The same steps as the compiled schemas and :meth:`Relations.build_test`,
    but as straight-line code per struct: attribute reads, no look-ups by name
    and no call per step, which is a third of the cost of the general form.
    """
    lines, names = _head(_one_of([struct for struct, _ in structs.values()]), "kind = type(obj)")
    # The action whose body the kind mirrors (OK) is the usual one: its test comes first.
    ordered = sorted(structs.items(), key=lambda item: item[0] != facts.mirror_action)
    for number, (action, (struct, patterns)) in enumerate(ordered):
        names[f"_S{number}"] = struct
        lines.append(f"    if kind is _S{number}:")
        if relations:
            content = contents.get(action)
            mirror = facts.mirror if action == facts.mirror_action else {}
            body = _relation_lines(struct, patterns, content, mirror, (action, number), names)
        else:
            body = pattern_lines(struct, patterns, "obj", f"_p{number}_", names, _FAIL)
            body.append("return []")
        lines += ["        " + line for line in body]
    lines.append(f"    {_FAIL}")
    return "\n".join(lines), names


def _relation_lines(
    struct: type[msgspec.Struct],
    patterns: Patterns,
    content: tuple[type[msgspec.Struct], Patterns] | None,
    mirror: Mapping[str, str],
    where: tuple[str, int],
    names: dict[str, Any],
) -> list[str]:
    """Lines for one decoded strict struct at a level that checks the relations, ending in
    a return: its patterns, then :func:`_pair_and_content_lines`."""
    _, number = where
    code, message = _pair_attrs(struct)
    paired = tuple((attr, test) for attr, test in patterns if attr in (code, message))
    others = tuple((attr, test) for attr, test in patterns if attr not in (code, message))
    lines = pattern_lines(struct, others, "obj", f"_p{number}_", names, _FAIL)
    paired_lines = pattern_lines(struct, paired, "obj", f"_q{number}_", names, _FAIL)
    return lines + _pair_and_content_lines(
        struct, paired_lines, content, mirror, where, names, _FAIL
    )


def _pair_attrs(struct: type[msgspec.Struct]) -> tuple[str, str]:
    """The attributes of ``resultCode`` and ``resultMessage`` (Unexpressible without them)."""
    encoded = struct.__struct_encode_fields__
    if "resultCode" not in encoded or "resultMessage" not in encoded:
        raise Unexpressible("no resultCode or resultMessage")
    return attr_of(struct, "resultCode"), attr_of(struct, "resultMessage")


def _pair_and_content_lines(
    struct: type[msgspec.Struct],
    paired: list[str],
    content: tuple[type[msgspec.Struct], Patterns] | None,
    mirror: Mapping[str, str],
    where: tuple[str, int],
    names: dict[str, Any],
    fail: str,
) -> list[str]:
    """Lines testing the ``resultCode``/``resultMessage`` pair and ``responseContent`` of one
    decoded struct, ending in a return; ``paired``: the lines testing the pair's patterns.

    ``resultCode`` and ``resultMessage`` repeat from payload to payload: a message
    seen before with the same code passed their patterns and the prefix rule, and
    its result-code findings are known, so one look-up by the message replaces them.
    """
    action, number = where
    code, message = _pair_attrs(struct)
    cache = new_cache(names, f"_k{number}")
    lines = [
        f"code = obj.{code}",
        f"message = obj.{message}",
        f"entry = {cache}.get(message)",
        "if entry is None or entry[0] != code:",
        "    if code is _UNSET or message is _UNSET:",
        f"        {fail}",
        *("    " + line for line in paired),
        "    if not message.startswith('[' + code + ']'):",
        f"        {fail}",
        f"    entry = _codes({action!r}, code, message, {cache})",
    ]
    closing = ["found = entry[1]", "return list(found) if found else []"]
    if content is None or "responseContent" not in struct.__struct_encode_fields__:
        return lines + closing
    decoder, after = content_lines(struct, content, mirror, f"_c{number}", names, fail)
    inner = [
        "try:",
        f"    document = {decoder}(text)",
        # TypeError: an absent responseContent (UNSET) given to its decoder.
        "except _content_errors:",
        f"    {fail}",
        *after,
    ]
    if not mirror:
        # A document that repeats no member of the payload keeps its schema or not by its
        # text alone, and such documents repeat (Authlete writes one per result code): one
        # that kept it is not decoded and judged again.
        kept = new_cache(names, f"_g{number}")
        inner = [f"if text not in {kept}:", *("    " + line for line in inner)]
        inner.append(f"    _note({kept}, text)")
    content_attr = attr_of(struct, "responseContent")
    lines.append(f"text = obj.{content_attr}")
    if content_attr in defaults_of(struct):
        lines.append("if text is not _UNSET:")
        inner = ["    " + line for line in inner]
    return lines + inner + closing


def _compiled_loose(
    facts: KindFacts,
    direct: DirectPath,
    contents: Mapping[str, tuple[type[msgspec.Struct], Patterns]],
    relations: bool,
) -> tuple[str, dict[str, Any]]:
    """The accept path over the direct path's loose structs, as the source of one function.

    A loose struct states types and required members only; the keywords are tested in
    Python by the direct path's own conditions, so a body that breaks one is already
    decoded when it goes to the direct path's function for its action (a strict struct
    would refuse it with an exception, and the direct path decode it again).
    """
    loose = [struct for struct, _ in direct.structs.values()]
    flat = _flat_struct(direct) if facts.has_action and len(loose) > 1 else None
    if flat is not None:
        lines, names = _head(flat, "action = obj.action")
    else:
        lines, names = _head(_one_of(loose), "kind = type(obj)")
    names.update(direct.constants)
    for number, (action, (struct, guards)) in enumerate(direct.structs.items()):
        names[f"_S{number}"] = struct
        fail = f"return _named{number}(obj, body)"
        # In the one struct of every action, a required member may be absent (UNSET).
        required = set(struct.__struct_fields__) - set(defaults_of(struct))
        absent = required if flat is not None else set()
        body: list[str] = []
        paired: tuple[Guard, ...] = ()
        if relations:
            paired = tuple(g for g in guards if g.member in ("resultCode", "resultMessage"))
        for guard in guards:
            conditions = guard.conditions if guard in paired else guard.conditions + guard.patterns
            if guard.attr in absent and conditions:
                conditions = ("v is _UNSET", *conditions)
                absent.discard(guard.attr)
            body += _guard_lines(guard, conditions, fail)
        if relations:
            # resultCode and resultMessage are tested for UNSET with the pair; responseContent
            # by its decoder, when the action has a document.
            absent -= {g.attr for g in paired}
            content = contents.get(action)
            mirror = facts.mirror if action == facts.mirror_action else {}
            if content is not None and "responseContent" in struct.__struct_encode_fields__:
                absent.discard(attr_of(struct, "responseContent"))
            tail = _loose_relation_lines(struct, paired, content, mirror, (action, number), names)
        else:
            tail = ["return []"]
        if absent:
            test = " or ".join(f"obj.{attr} is _UNSET" for attr in sorted(absent))
            body = [f"if {test}:", f"    {fail}", *body]
        body += tail
        test = f"action == {action!r}" if flat is not None else f"kind is _S{number}"
        lines += [f"    if {test}:", *("        " + line for line in body)]
    lines.append(f"    {_FAIL}")
    return "\n".join(lines), names


def _flat_struct(direct: DirectPath) -> type[msgspec.Struct] | None:
    """One struct holding the members of every action's loose struct, all optional, and the
    action as a ``Literal``: decoding it costs less than a union, which looks for the tag
    first. None when two actions give a member different types (or attributes)."""
    members: dict[str, tuple[str, Any]] = {}
    # Member -> attribute: a member struct_of names by its index (not an identifier) may be
    # held under another attribute by another action, and one struct holds it under one.
    attrs: dict[str, str] = {}
    for struct, _ in direct.structs.values():
        types = struct.__annotations__
        for attr, member in zip(
            struct.__struct_fields__, struct.__struct_encode_fields__, strict=True
        ):
            plain = _without_unset(types[attr])
            if members.setdefault(attr, (member, plain)) != (member, plain):
                return None
            if attrs.setdefault(member, attr) != attr:
                return None
    # The member the union's structs are tagged by (struct_of's tag_field).
    tag = "action"
    if tag in members or any(member == tag for member, _ in members.values()):
        return None
    options: list[tuple[str, Any] | tuple[str, Any, Any]] = [(tag, Literal[tuple(direct.structs)])]
    options += [
        (attr, Union[plain, msgspec.UnsetType], _UNSET)  # noqa: UP007
        for attr, (_, plain) in members.items()
    ]
    rename = {attr: member for attr, (member, _) in members.items() if attr != member}
    return msgspec.defstruct("Flat", options, rename=rename or None, gc=False)


def _without_unset(annotation: Any) -> Any:
    """``annotation`` without the ``UnsetType`` of an optional member."""
    if get_origin(annotation) is Union:
        args = tuple(a for a in get_args(annotation) if a is not msgspec.UnsetType)
        return args[0] if len(args) == 1 else Union[args]  # noqa: UP007
    return annotation


def _guard_lines(guard: Guard, conditions: tuple[str, ...], fail: str) -> list[str]:
    """Lines that run ``fail`` when the member breaks one of ``conditions``."""
    if not conditions:
        return []
    test = " or ".join(f"({condition})" for condition in conditions)
    if guard.optional:
        test = f"v is not _UNSET and ({test})"
    return [f"v = obj.{guard.attr}", f"if {test}:", f"    {fail}"]


def _loose_relation_lines(
    struct: type[msgspec.Struct],
    paired: tuple[Guard, ...],
    content: tuple[type[msgspec.Struct], Patterns] | None,
    mirror: Mapping[str, str],
    where: tuple[str, int],
    names: dict[str, Any],
) -> list[str]:
    """:func:`_pair_and_content_lines` for a loose struct, the patterns of ``resultCode``
    and ``resultMessage`` (``paired``) tested only for a pair not seen before."""
    fail = f"return _named{where[1]}(obj, body)"
    paired_lines = [line for guard in paired for line in _guard_lines(guard, guard.patterns, fail)]
    return _pair_and_content_lines(struct, paired_lines, content, mirror, where, names, fail)
