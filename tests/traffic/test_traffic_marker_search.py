"""The marker search answers as a search of each element's own bytes would, however it is fed.

:class:`~ciba_contracts.traffic.markers.MarkerSearch` keeps, per marker and
escape, where it stopped, and remembers its last answer, while the buffer it
is given grows and drops its head. Drawn texts full of markers, near misses
and escapes are read as a reader reads them (element ranges moving forward,
blocks appended, the head dropped), and every answer is held to one computed
afresh from the element's bytes.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ciba_contracts.check.relay_pairs import DEFAULT_RELAY_MARKERS
from ciba_contracts.traffic.markers import (
    _LONGEST_SPELLING,
    MarkerSearch,
    escape_markers,
    holds_escaped,
)

_PIECES = [
    b"/issue",
    b"\\/issue",
    b"/\\u0069ssue",
    b"\\u002fissue",
    b"\\u002F\\u0069\\u0073sue",
    b"\\\\u0069",
    b"\\u00e9",
    b"\\u003c",
    b"/iss",
    b"ue",
    b"backchannel",
    b'backchannel"',
    b"backchannel/",
    b"backchannel-auth",
    b"backchannel?",
    b"backchannel_auth",
    b"backchannelauth",
    b"backchannel\\/",
    b"backchannel;",
    b"backchannel#",
    b'backchannel/"',
    b"backchannel//",
    b"\\u002f",
    b"\\u006",
    b"\\u003",
    b'"',
    b"?",
    b";",
    b"#",
    b"backchan",
    b"nel",
    b"-auth",
    b"bc-authori",
    b"BAD_REQUEST",
    b"UNAUTHORIZED",
    b"authentication",
    b"\\",
    b"/",
    b"u",
    b"x" * 40,
    b"\n    }",
]
_MARKER_SETS = [
    (b"/issue",),
    (b"/issue", *DEFAULT_RELAY_MARKERS),
    (b"authentication/issue", b"/fail"),
]


def _holds(data: bytes, pos: int, end: int, markers: tuple[bytes, ...]) -> bool:
    """What ``within`` promises, from the element's bytes alone."""
    element = data[pos:end]
    if any(marker in element for marker in markers):
        return True
    reach = _LONGEST_SPELLING * max(len(m) for m in markers)
    for escape in escape_markers(markers):
        at = element.find(escape)
        while at >= 0:
            window = element[max(0, at - reach) : at + reach]
            if holds_escaped(window, markers):
                return True
            at = element.find(escape, at + 1)
    return False


@settings(deadline=None, max_examples=400)
@given(
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=60),
    st.sampled_from(_MARKER_SETS),
    st.lists(st.tuples(st.integers(0, 120), st.integers(1, 200)), min_size=1, max_size=30),
    st.integers(8, 300),
)
def test_answers_agree_with_the_elements_own_bytes(
    pieces: list[bytes],
    markers: tuple[bytes, ...],
    steps: list[tuple[int, int]],
    block: int,
) -> None:
    text = b"".join(pieces)
    search = MarkerSearch(markers)
    base = 0
    read = min(len(text), block)
    pos = 0
    for gap, length in steps:
        pos += gap
        if pos >= len(text):
            break
        # Read on until the element is in the buffer, and sometimes drop what is behind.
        while read < min(len(text), pos + length):
            read = min(len(text), read + block)
        if gap % 3 == 0:
            base = pos
        end = min(read, pos + length)
        data = text[base:read]
        first = search.first(data, base, pos - base)
        holds = _holds(text, pos, end, markers)
        assert search.within(data, base, pos - base, end - base) == holds
        if first is not None:
            assert first >= pos - base
        if holds:
            # A run skipped up to the first hit never holds an element that is wanted.
            assert first is not None
            assert first < end - base
        pos = end


def test_markers_of_one_stem_are_found_after_more_is_read() -> None:
    # The client-path markers are searched for as their stem, `backchannel`, each hit
    # tested against what follows it. A hit too near the end of what is read to tell is
    # taken as one; once more is read, the test is made in full.
    text = b"x" * 10 + b'backchannel"' + b"/backchannel/a" * 3 + b"backchannel/;s=1" + b"z" * 200
    search = MarkerSearch((b"/issue", *DEFAULT_RELAY_MARKERS))
    assert search.first(text[:100], 0, 0) == 10
    second = text.index(b"backchannel/;", 11)
    assert search.first(text[:300], 0, 11) == second
    assert search.within(text[:300], 0, 11, second + 12) is False
    assert search.within(text[:300], 0, 11, second + 13) is True


def test_a_stem_cut_by_the_end_of_what_is_read_is_told_once_more_is_read() -> None:
    text = b"/api/1/backchannel/authentication/complete" * 3
    search = MarkerSearch((b"/issue", *DEFAULT_RELAY_MARKERS))
    last = text.index(b"backchannel", 50)
    # What follows is not read: the stem stands for a marker, and the run stops there.
    assert search.first(text[: last + 13], 0, 0) == last
    # Read in full, it is none.
    assert search.within(text, 0, 0, len(text)) is False
    assert search.first(text, 0, last + 1) is None


@pytest.mark.parametrize(
    "url",
    [
        b"/backchannel/",
        b"\\/backchannel\\/",
        b"/backchannel;jsessionid=1",
        b"/backchannel#x",
        b"/backchannel\\/\\/",
        b"/backchannel/?a=1",
        b"/backchannel\\u002f",
    ],
)
def test_every_client_path_spelling_is_found(url: bytes) -> None:
    text = b'{"url": "https://as.example' + url + b'", "x": "' + b"y" * 100 + b'"}'
    search = MarkerSearch((b"/issue", *DEFAULT_RELAY_MARKERS))
    assert search.within(text, 0, 0, len(text)) is True


def test_a_stem_followed_by_slashes_only_is_no_marker() -> None:
    text = b"/api/1/backchannel/authentication/complete" * 50
    search = MarkerSearch((b"/issue", *DEFAULT_RELAY_MARKERS))
    assert search.first(text, 0, 0) is None
    assert search.within(text, 0, 0, len(text)) is False


@pytest.mark.parametrize(
    ("text", "held"),
    [
        (b'x\\u006backchannel\\/"', False),  # reads `kackchannel/"`
        (b"x\\u003backchannel\\/\\/", False),  # reads `;ackchannel//`
        (b'x\\u006backchannel"', True),  # `backchannel"` stands in the bytes as it is
        (b'x/backchannel\\/"', True),
    ],
)
def test_a_stem_whose_first_byte_ends_an_escape_is_read_as_the_escape(
    text: bytes, held: bool
) -> None:
    markers = (b"/issue", *DEFAULT_RELAY_MARKERS)
    text += b"y" * 60
    assert _holds(text, 0, len(text), markers) is held
    assert MarkerSearch(markers).within(text, 0, 0, len(text)) is held
