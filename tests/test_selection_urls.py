"""Reading a recorded URL's path and its API quickly gives what the general reading gives.

``path_of`` reads a plain absolute URL with one pattern instead of urlsplit,
and ``api_of`` tries every API's path pattern at once; both must answer as
urlsplit and the APIs tried one by one, in the contract's order, answer for
every URL, odd ones included (brackets, blanks, controls, non-ASCII hosts,
queries and fragments before any path, doubled slashes, path parameters).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ciba_contracts.selection import (
    _api_one_by_one,
    _path_by_urlsplit,
    api_of,
    matched_paths,
    path_of,
)


def general_api(method: str, url_or_path: str) -> str | None:
    return _api_one_by_one(method.upper(), matched_paths(url_or_path))


PIECES = [
    "https",
    "http",
    "a+b.c-d",
    "1x",
    "://",
    "//",
    "/",
    "?",
    "#",
    ";",
    ":",
    "[",
    "]",
    "[::1]",
    "@",
    " ",
    "\t",
    "\n",
    "\x00",
    "\x7f",
    "é",
    "\uff48",
    "us.authlete.com",
    "api",
    "42",
    "backchannel",
    "authentication",
    "issue",
    "complete",
    "fail",
    "jsessionid=A",
    "x=1",
]
urls = st.lists(st.sampled_from(PIECES), max_size=14).map("".join)
templates = st.builds(
    lambda scheme, host, sid, api, tail: f"{scheme}://{host}/api{sid}/backchannel/{api}{tail}",
    st.sampled_from(["https", "http", "HTTPS"]),
    st.sampled_from(["us.authlete.com", "h:8443", "[::1]", "user@h", "\uff48"]),
    st.sampled_from(["", "/42", "//42", "/4;p=1"]),
    st.sampled_from(["authentication", "authentication/issue", "authentication/fail", "x"]),
    st.sampled_from(["", "/", "?q=1", "#f", "/?a#b", ";jsessionid=A", " ", "\n"]),
)


@settings(max_examples=600)
@given(st.one_of(urls, templates))
def test_path_of_reads_every_url_as_urlsplit_does(url: str) -> None:
    try:
        expected = _path_by_urlsplit(url)
    except ValueError:
        return  # urlsplit refuses the URL in another way: path_of raises as it did
    assert path_of(url) == expected


@settings(max_examples=600)
@given(st.sampled_from(["POST", "post", "GET"]), st.one_of(urls, templates))
def test_api_of_answers_as_the_apis_tried_one_by_one(method: str, url: str) -> None:
    try:
        expected = general_api(method, url)
    except ValueError:
        return
    api_of.cache_clear()
    assert api_of(method, url) == expected


def test_the_usual_urls() -> None:
    url = "https://us.authlete.com/api/42/backchannel/authentication/issue"
    assert path_of(url) == "/api/42/backchannel/authentication/issue"
    assert path_of("https://h?q=/x") == ""
    assert path_of("http://[::1]/x?y") == "/x"
    assert api_of("POST", url) == "issue"
    assert api_of("POST", "//api/42/backchannel/authentication/fail;j=1") == "fail"
    assert api_of("GET", url) is None
    assert api_of("POST", "https://h/api/42/backchannel/authentication") == "authentication"
