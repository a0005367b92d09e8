"""Which HTTP exchanges are calls of which API, and which kind of body each answer has.

Every entry point that watches traffic (HTTP client hooks, schemathesis checks,
recorded-traffic readers) asks the same two questions, so they have one answer
here: :func:`api_of` (and :func:`is_issue_call`) picks the exchanges,
:func:`kind_for_status` says whether the body is an issue response or
Authlete's ``result`` object. Paths and statuses are read from the OpenAPI
document (:mod:`ciba_contracts.contract.apis`), not restated here.
"""

from __future__ import annotations

import functools
import re
from typing import Final
from urllib.parse import urlsplit

from ciba_contracts.contract.apis import ISSUE_API, Api, apis, get_api

__all__ = [
    "ISSUE_PATH_PATTERN",
    "ISSUE_RESPONSE_STATUS",
    "RESULT_STATUSES",
    "api_of",
    "is_issue_call",
    "is_post_to",
    "kind_for_status",
    "matched_paths",
    "path_of",
]

#: The issue API's paths: v3 ``/api/{serviceId}/...`` and v2 ``/api/...``, trailing slash tolerated.
ISSUE_PATH_PATTERN: Final[re.Pattern[str]] = get_api(ISSUE_API).pattern

_PARAMETERS: Final = re.compile(r";[^/]*")
_SLASHES: Final = re.compile(r"//+")

#: Status whose body is a ``BackchannelAuthenticationIssueResponse``.
ISSUE_RESPONSE_STATUS: Final = next(
    status
    for status, answer in get_api(ISSUE_API).answers.items()
    if answer.kind == "issue-response"
)
#: Statuses whose body is Authlete's ``result`` object.
RESULT_STATUSES: Final = frozenset(
    status for status, answer in get_api(ISSUE_API).answers.items() if answer.kind == "result"
)


#: An absolute URL urlsplit reads plainly: a scheme, ``://``, an authority without IPv6
#: brackets, then the path (from its slash) up to a query, a fragment or the end.
_PLAIN_URL: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^/?#\[\]]*(/[^?#]*)?(?:[?#]|\Z)")


def path_of(url_or_path: str) -> str:
    """The path of an absolute URL or of a path that may carry a query or fragment."""
    if url_or_path[:1] > " " and url_or_path.isascii() and url_or_path.isprintable():
        # The usual recorded URL, read as urlsplit reads it at a fifth of the cost (it runs
        # for every wanted entry of a recording): urlsplit strips leading blanks and
        # controls, drops tabs and line breaks and checks non-ASCII hosts, none of which
        # a printable ASCII URL that starts with neither holds.
        plain = _PLAIN_URL.match(url_or_path)
        if plain is not None:
            return plain.group(1) or ""
    return _path_by_urlsplit(url_or_path)


def _path_by_urlsplit(url_or_path: str) -> str:
    """The path as urlsplit reads it, a bare path cut at its query: the general reading."""
    if "://" in url_or_path or url_or_path.startswith("//"):
        try:
            return urlsplit(url_or_path).path
        except ValueError:
            # A host urlsplit refuses (an unclosed IPv6 bracket): the path is what
            # follows the authority, up to a query or fragment.
            authority_on = url_or_path.split("//", 1)[1]
            found = re.search(r"[/?#]", authority_on)
            url_or_path = authority_on[found.start() :] if found else ""
    # A bare path: cut at the first '?' or '#' without urlsplit, which would read
    # a leading '//' as a host.
    return re.split(r"[?#]", url_or_path, maxsplit=1)[0]


def matched_paths(url_or_path: str) -> tuple[str, ...]:
    """The paths :func:`is_issue_call` tests for ``url_or_path``, as a server routes them.

    Path parameters (``;jsessionid=...`` after any segment) are dropped and runs
    of slashes count as one, as servlet containers and nginx read a path. A
    value starting with ``//`` is read both as a scheme-relative URL
    (``//host/path``) and as a path whose first slash was doubled by a proxy.

    >>> matched_paths("https://h//api/1/issue;jsessionid=A?q=1")
    ('/api/1/issue',)
    >>> matched_paths("//api/1/issue")
    ('/1/issue', '/api/1/issue')
    """
    readings = [path_of(url_or_path)]
    if url_or_path.startswith("//"):
        readings.append(path_of("/" + url_or_path.lstrip("/")))
    paths: list[str] = []
    for path in readings:
        if ";" in path:
            path = _PARAMETERS.sub("", path)
        if "//" in path:
            path = _SLASHES.sub("/", path)
        if path not in paths:
            paths.append(path)
    return tuple(paths)


def is_issue_call(method: str, url_or_path: str, pattern: re.Pattern[str] | None = None) -> bool:
    """Whether ``method url_or_path`` is a call of the issue API.

    ``url_or_path`` is an absolute URL (any scheme and host) or a path; query and
    fragment are ignored, and so are path parameters and repeated slashes (see
    :func:`matched_paths`). The method must be POST (in any case). ``pattern``
    replaces :data:`ISSUE_PATH_PATTERN`; it is *searched* in the path, so anchor
    it yourself when a partial match would select too much.

    >>> is_issue_call("POST", "https://us.authlete.com/api/42/backchannel/authentication/issue")
    True
    >>> is_issue_call("post", "/api/backchannel/authentication/issue/?x=1")
    True
    >>> is_issue_call("POST", "//api/42/backchannel/authentication/issue;jsessionid=A")
    True
    >>> is_issue_call("GET", "/api/backchannel/authentication/issue")
    False
    """
    return is_post_to(method, url_or_path, pattern or ISSUE_PATH_PATTERN)


def is_post_to(method: str, url_or_path: str, pattern: re.Pattern[str]) -> bool:
    """Whether ``method url_or_path`` is a POST (in any case) to a path ``pattern`` is found in.

    Paths are read as :func:`is_issue_call` reads them (:func:`matched_paths`):
    the test for calls picked by a path of the user's (``--path-pattern``, an
    authorization server's endpoint) rather than by an API of the contract.

    >>> is_post_to("post", "https://as.example/bc-authorize;s=1?x", re.compile(r"/bc-authorize$"))
    True
    """
    if method.upper() != "POST":
        return False
    return any(pattern.search(path) is not None for path in matched_paths(url_or_path))


@functools.lru_cache(maxsize=4096)
def api_of(method: str, url_or_path: str) -> str | None:
    """The name of the API ``method url_or_path`` calls (``"issue"``...), or None.

    Paths are read as :func:`is_issue_call` reads them (:func:`matched_paths`).
    Answers are kept: a recording calls the same few URLs again and again.
    """
    paths = matched_paths(url_or_path)
    upper = method.upper()
    any_api, by_group = _any_api()
    for path in paths:
        found = any_api.match(path)
        if found is None:
            continue
        api = by_group[found.lastgroup or ""]
        if api.method == upper and len(paths) == 1:
            return api.name
        break
    else:
        return None
    # Several readings of the path, or a method another API of that path may have.
    return _api_one_by_one(upper, paths)


def _api_one_by_one(upper_method: str, paths: tuple[str, ...]) -> str | None:
    """The first API, in the contract's order, called by ``upper_method`` on one of ``paths``.

    :func:`api_of`'s general reading, which its single pattern of every API stands in for.
    """
    for api in apis().values():
        if upper_method == api.method and any(api.pattern.search(p) for p in paths):
            return api.name
    return None


@functools.cache
def _any_api() -> tuple[re.Pattern[str], dict[str, Api]]:
    """One pattern for the paths of every API (a named group each), and the API of each group.

    The APIs' patterns are anchored at both ends, so the first alternative that matches is
    the first API, in the contract's order, whose pattern matches.
    """
    by_group = {f"a{number}": api for number, api in enumerate(apis().values())}
    either = "|".join(f"(?P<{group}>{api.pattern.pattern})" for group, api in by_group.items())
    return re.compile(either), by_group


def kind_for_status(status: int) -> str | None:
    """The payload kind an issue-API answer with ``status`` carries, or None for other statuses.

    200 carries an issue response (``"issue-response"``); 400, 401, 403, 429 and
    500 carry Authlete's ``result`` object (``"result"``), the kinds of
    :func:`ciba_contracts.get_validator`. The statuses are the OpenAPI document's.
    """
    answer = get_api(ISSUE_API).answer(status)
    return None if answer is None else answer.kind
