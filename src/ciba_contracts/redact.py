"""Keeping secrets from recordings out of reports.

Recordings carry credentials: the service's Bearer token or Basic API key and
secret on every Authlete call, cookies, and tokens inside bodies. A report
shows values (the offending member, a URL, a cut of a body that is not JSON),
so every string a report shows goes through :func:`redact_text` first, and
headers through :func:`redact_headers`. Redaction errs on the side of hiding:
a false positive costs a ``[REDACTED]`` in a message, a false negative leaks a
credential into a CI log.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

MASK = "[REDACTED]"

#: Headers whose whole value is a credential.
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
    }
)

#: Members and parameters whose value is a credential, in both spellings Authlete uses.
SECRET_NAMES = (
    "client_secret",
    "clientSecret",
    "access_token",
    "accessToken",
    "refresh_token",
    "refreshToken",
    "id_token",
    "idToken",
    "client_assertion",
    "clientAssertion",
    "password",
    "apiSecret",
    "api_secret",
    "serviceApiSecret",
    "serviceOwnerApiSecret",
)

#: Any other member or parameter whose name ends in one of these words (``serviceAccessToken``,
#: ``api_key``, ``Access-Token``, ``client%5Fsecret``) holds a credential too.
SECRET_SUFFIXES = ("secret", "token", "password", "passwd", "assertion", "key")

# A name ending in a suffix: the whole run of name characters, then a look back at its end.
# Every rule wants a quote, a blank, ':' or '=' after a name, never another name character,
# so taking the run whole finds the same names without trying each suffix at each length.
_NAMES = (
    "|".join(sorted(SECRET_NAMES, key=len, reverse=True))
    + "|[A-Za-z0-9_-]*+(?:"
    + "|".join(f"(?<={suffix})" for suffix in SECRET_SUFFIXES)
    + ")"
)
_HEADER_NAMES = "|".join(sorted(SECRET_HEADERS, key=len, reverse=True))
#: HTTP authentication schemes, whose credentials follow their name.
_SCHEMES = ("Bearer", "Basic", "DPoP", "Digest", "Negotiate")
# A quote as it appears in JSON, in JSON held in a string (\"), or in a Python repr.
_Q = r"\\*[\"']"
# A quoted string whose whole text names a credential: a secret member or parameter, or
# a credential-bearing header (as name/value pairs give headers).
_QUOTED_SECRET_NAME = rf"{_Q}(?:{_NAMES}|{_HEADER_NAMES}){_Q}"
# The rest of a quoted value after its opening quote (group 2), to the closing quote.
_QUOTED_REST = r"(?:(?!\2).)*(?:\2|$)"


class _Lazy:
    """A pattern compiled when first asked for (``lazy()``): a text shown seldom holds the
    words of more than one or two rules, and compiling all of them is a twentieth of a
    run's start-up."""

    __slots__ = ("_compiled", "_flags", "_source")

    def __init__(self, source: str, flags: int = 0) -> None:
        self._source = source
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    def __call__(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self._source, self._flags)
        return self._compiled


_RULES: tuple[tuple[_Lazy, str], ...] = (
    # Name/value objects, {"name": "client_secret", "value": "..."} as HAR writes headers
    # and postData.params, in either member order; before the member rule below, which
    # would mask the name of {"key": "api_key", "value": "..."} and leave the value.
    (
        _Lazy(
            rf"({_Q}(?:name|key){_Q}\s*:\s*{_QUOTED_SECRET_NAME}[^{{}}]*?{_Q}value{_Q}\s*:\s*)"
            rf"({_Q}){_QUOTED_REST}",
            re.IGNORECASE,
        ),
        rf"\1\2{MASK}\2",
    ),
    (
        _Lazy(
            rf"({_Q}value{_Q}\s*:\s*)({_Q})(?:(?!\2).)*\2"
            rf"(?=[^{{}}]*?{_Q}(?:name|key){_Q}\s*:\s*{_QUOTED_SECRET_NAME})",
            re.IGNORECASE,
        ),
        rf"\1\2{MASK}\2",
    ),
    # "name": "value" in JSON, also inside JSON held in a string (\"name\": \"value\"),
    # also cut short by a truncated rendering.
    (
        _Lazy(
            rf'(\\*["\']?\b(?:{_NAMES})\b\\*["\']?\s*:\s*)(\\*["\'])(?:(?!\2).)*(?:\2|$)',
            re.IGNORECASE,
        ),
        rf"\1\2{MASK}\2",
    ),
    # A secret member whose value is no string: a number, or a list of values.
    (
        _Lazy(
            rf"({_Q}\b(?:{_NAMES})\b{_Q}\s*:\s*)(?:\[[^\]]*\]?|-?\d[^,}}\]\s]*)",
            re.IGNORECASE,
        ),
        rf"\1{MASK}",
    ),
    # The pair form, ["client_secret", "..."] (lists of pairs, Python tuples); a quoted
    # string followed by a colon is the next member's name, not a value.
    (
        _Lazy(rf"({_QUOTED_SECRET_NAME}\s*,\s*)({_Q}){_QUOTED_REST}(?!\s*:)", re.IGNORECASE),
        rf"\1\2{MASK}\2",
    ),
    # name=value in forms, query strings and logs (an authorization code is a credential
    # there), and an unquoted "name: value" in text.
    (
        _Lazy(
            rf"(\b(?:(?:{_NAMES}|code)\b\s*=|(?:{_NAMES})\b\s*:(?!\s*\\*[\"']))\s*)"
            rf"[^&\s\"'\\,;<>]*",
            re.IGNORECASE,
        ),
        rf"\1{MASK}",
    ),
    # Header lines quoted in text: "Authorization: Bearer ...", "Cookie: a=b".
    (
        _Lazy(rf"(\b(?:{_HEADER_NAMES})\b\\*[\"']?\s*[:=]\s*)[^\r\n]*", re.IGNORECASE),
        rf"\1{MASK}",
    ),
    # Credentials of an HTTP authentication scheme, wherever they appear.
    (
        _Lazy(
            rf"\b({'|'.join(_SCHEMES)})(\s+|%20|\+)"
            # Six characters make a credential; fewer, when the text ends there (cut short).
            rf"(?:[A-Za-z0-9\-._~+/:%]{{6,}}=*|[A-Za-z0-9\-._~+/:%]+=*(?=…|\\*[\"']?$))",
            re.IGNORECASE,
        ),
        rf"\1\2{MASK}",
    ),
    # JSON Web Tokens (id tokens, JWT access tokens, client assertions), known by their
    # start (base64url of '{"'), so that one cut short, without its payload or signature,
    # is still masked.
    (
        _Lazy(r"\beyJ[A-Za-z0-9_-]{3,}(?:\.[A-Za-z0-9_-]*){0,2}"),
        MASK,
    ),
    # user:password@ in URLs.
    (_Lazy(r"(\b[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE), rf"\1{MASK}@"),
)


def _fewest(words: Iterable[str]) -> tuple[str, ...]:
    """The lower-cased ``words`` that hold none of the others: a text holds one of ``words``
    (in any case) exactly when its lower-cased form holds one of these."""
    lowered = {word.lower() for word in words}
    return tuple(sorted(w for w in lowered if not any(o != w and o in w for o in lowered)))


def _word_trie(words: Iterable[str]) -> str:
    """A regex matching any of ``words``, as a tree of their shared beginnings: the engine
    then tries each position once instead of once per word (a quarter less than ``in``
    per word on a value's 160 characters)."""
    tree: dict[str, dict[str, Any]] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def alternatives(node: dict[str, Any]) -> str:
        parts = [
            re.escape(char) + alternatives(rest) if char else ""
            for char, rest in sorted(node.items())
        ]
        return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"

    return alternatives(tree)


_NAME_WORDS = (*SECRET_NAMES, *SECRET_SUFFIXES)
#: The words each rule of _RULES (same order) needs in a text to find anything in it.
_RULE_TRIGGERS = (
    _fewest((*_NAME_WORDS, *SECRET_HEADERS)),  # name/value objects, name first
    _fewest((*_NAME_WORDS, *SECRET_HEADERS)),  # name/value objects, value first
    _fewest(_NAME_WORDS),  # "name": "value"
    _fewest(_NAME_WORDS),  # "name": 123 or [...]
    _fewest((*_NAME_WORDS, *SECRET_HEADERS)),  # ["name", "value"]
    # "code", not "code=": the rule also takes "code = ..." with blanks.
    _fewest((*_NAME_WORDS, "code")),  # name=value, name: value
    _fewest(SECRET_HEADERS),  # header lines
    _fewest(_SCHEMES),  # scheme credentials
    ("eyj",),  # JWTs
    ("@",),  # user information in URLs
)
#: Every word some rule needs.
_RULE_WORDS = frozenset(word for words in _RULE_TRIGGERS for word in words)
#: Substrings (lower case) at least one of which every text to redact holds: a cheap test
#: before the patterns, since most texts shown hold no credential at all. The rules' own
#: words, so a word a rule is given cannot slip past this test.
_TRIGGERS = _fewest(_RULE_WORDS)
#: Whether a lower-cased text holds one of _TRIGGERS.
_ANY_TRIGGER = re.compile(_word_trie(_TRIGGERS)).search


# -- the name rules on long texts ------------------------------------------------------
#
# The rules that start at a member or parameter name ("name": "value", "name": 123,
# ["name", "value"], name=value) try a match at every place of a text, and a place where
# a word starts costs them a look at fifteen names: a few hundred nanoseconds a character.
# A long text (a message quoting a body) is searched for the places a name can be first:
# every name those rules know ends in one of these words, in a run of name characters
# (letters, digits, "_" and "-"), after at most a quote and the backslashes before it,
# or is empty and comes right after such a word.
# The rules are then tried there only, in order, as ``sub`` would try them: the same
# matches, for the cost of a few ``str.find``.

#: The rules of _RULES (by place) that start at a secret name, a header name or "code".
_NAME_RULES = frozenset({2, 3, 4, 5})
#: Words one of which ends every name those rules look for.
_LAST_WORDS = tuple(
    sorted(
        {
            *(word.lower() for word in SECRET_SUFFIXES),
            *(
                name.lower()
                for name in (*SECRET_NAMES, *SECRET_HEADERS, "code")
                if not name.lower().endswith(tuple(s.lower() for s in SECRET_SUFFIXES))
            ),
        }
    )
)
#: Shorter texts are searched by the rules themselves.
_SEARCHED_FROM = 256
_NOT_NAME_CHAR = re.compile(r"[^\w-]")


def _folded(text: str) -> str:
    """``text`` in lower case, character for character, with the four letters that
    IGNORECASE takes for ASCII ones (U+0130 and U+0131 for i, U+017F for s; U+212A,
    the Kelvin sign, lowers to k)."""
    if "\u0130" in text:
        # The only character whose lower case is two characters.
        text = text.replace("\u0130", "i")
    folded = text.lower()
    if "\u0131" in folded:
        folded = folded.replace("\u0131", "i")
    if "\u017f" in folded:
        folded = folded.replace("\u017f", "s")
    return folded


def _name_starts(text: str) -> list[int] | None:
    """Every place of ``text`` where a name rule's match can start, in order; None when
    there are so many that the rules' own search costs less."""
    folded = _folded(text)
    limit = len(text) // 8
    words: set[int] = set()
    # A name may also be empty, right after such a word: a match looks back at the word
    # ("password:" matches from its colon when the word before it is longer).
    starts: set[int] = set()
    for word in _LAST_WORDS:
        at = folded.find(word)
        while at >= 0:
            words.add(at)
            starts.add(at + len(word))
            if len(words) > limit:
                return None
            at = folded.find(word, at + 1)
    backwards = ""
    previous = -1
    for at in sorted(words):
        if previous < 0 or _NOT_NAME_CHAR.search(text, previous, at) is not None:
            # The run of name characters this word is in: where it starts, and the quote
            # and backslashes that may come before a name there.
            if not backwards:
                backwards = text[::-1]
            before = _NOT_NAME_CHAR.search(backwards, len(text) - at)
            run = 0 if before is None else len(text) - before.start()
            first = run
            if first > 0 and text[first - 1] in "\"'":
                first -= 1
            while first > 0 and text[first - 1] == "\\":
                first -= 1
            starts.update(range(first, run + 1))
            dashes_from = run
        else:
            dashes_from = previous
        # Inside the run a word starts only next to a "-" (the one character of the run
        # that is no word character).
        dash = text.find("-", dashes_from, at + 1)
        while dash >= 0:
            starts.add(dash)
            starts.add(dash + 1)
            dash = text.find("-", dash + 1, at + 1)
        if len(starts) > limit:
            return None
        previous = at
    return sorted(starts)


def _sub_at(pattern: re.Pattern[str], replacement: str, text: str, starts: list[int]) -> str:
    """``pattern.sub(replacement, text)`` for a pattern that matches only at ``starts``."""
    out: list[str] = []
    done = 0
    for start in starts:
        if start < done:
            continue
        found = pattern.match(text, start)
        if found is not None:
            out.append(text[done:start])
            out.append(found.expand(replacement))
            done = found.end()
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)


#: Texts up to this length are masked once and remembered: a run shows the same message,
#: source name and exchange line for many findings (one per entry of a large recording).
_REMEMBERED_LENGTH = 512


def redact_text(text: str) -> str:
    """``text`` with every credential it holds replaced by ``[REDACTED]``."""
    if not text:
        return text
    if len(text) <= _REMEMBERED_LENGTH:
        masked = _masked_short(text)
        # The very object given when nothing was masked, as for a long text.
        return text if masked is None else masked
    return _masked(text)


@functools.lru_cache(maxsize=4096)
def _masked_short(text: str) -> str | None:
    """:func:`_masked` of a short text, or None when it holds nothing to mask."""
    masked = _masked(text)
    return None if masked == text else masked


def _masked(text: str) -> str:
    lowered = text.lower()
    if _ANY_TRIGGER(lowered) is None:
        return text
    long = len(text) > _SEARCHED_FROM
    # On a long text each word is looked for once, not once per rule that wants it.
    present = frozenset(w for w in _RULE_WORDS if w in lowered) if long else None
    starts: list[int] | None = None
    starts_of: str | None = None
    for rule, ((lazy, replacement), triggers) in enumerate(
        zip(_RULES, _RULE_TRIGGERS, strict=True)
    ):
        # Only the rules whose own words are there: "resultCode" in a payload asks for
        # the name=value rule, not for the nine others, each a pass over the text.
        if present is not None:
            if present.isdisjoint(triggers):
                continue
        elif not any(trigger in lowered for trigger in triggers):
            continue
        pattern = lazy()
        if long and rule in _NAME_RULES:
            if starts_of is not text:
                starts, starts_of = _name_starts(text), text
            if starts is not None:
                text = _sub_at(pattern, replacement, text, starts)
                continue
        text = pattern.sub(replacement, text)
    return text


def redact_optional(text: str | None) -> str | None:
    """:func:`redact_text` that passes None through."""
    return None if text is None else redact_text(text)


class _Shown(Protocol):
    """Anything a report shows a message and a value of (a finding, say)."""

    message: str
    value: str | None


ShownT = TypeVar("ShownT", bound=_Shown)


def redact_finding(finding: ShownT) -> ShownT:
    """A finding (a dataclass with ``message`` and ``value``) with its credentials masked.

    The same object when nothing needed masking, so the common case allocates nothing.
    """
    message = redact_text(finding.message)
    value = redact_optional(finding.value)
    if message is finding.message and value is finding.value:
        return finding
    return dataclasses.replace(finding, message=message, value=value)  # type: ignore[type-var]


#: The value of a path parameter (``;jsessionid=...``).
_PATH_PARAMETER = re.compile(r"(;[^/;=]*=)[^/;]*")


def redact_url(url: str) -> str:
    """A URL without user information, path parameter values (``;jsessionid=``, a session
    cookie carried in the URL) and with secret query parameters masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(_PATH_PARAMETER.sub(rf"\1{MASK}", url))
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    path = parts.path
    if ";" in path:
        path = _PATH_PARAMETER.sub(rf"\1{MASK}", path)
    rebuilt = urlunsplit((parts.scheme, netloc, path, parts.query, parts.fragment))
    return redact_text(rebuilt)


def redact_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Headers with credential-bearing values masked and the others scrubbed."""
    out = []
    for name, value in headers:
        if name.lower() in SECRET_HEADERS:
            out.append((name, MASK))
        else:
            out.append((name, redact_text(value)))
    return out
