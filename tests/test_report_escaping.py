"""Report texts escaped for their format, by the quick way and the careful one alike.

The JUnit writer skips ``quoteattr``/``escape`` for the common text that
holds nothing to escape; the answer must be the one the careful way gives,
for any text, including characters XML 1.0 cannot hold at all.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from hypothesis import given
from hypothesis import strategies as st

from ciba_contracts.report.junit import _attr, _content, _text

_AWKWARD = "&<>\"'\t\n\r \x00\x1f\x7f\x85\ud800\udfff\ufffe\uffff\U0001f600a"
_TEXTS = st.text(max_size=40) | st.text(alphabet=_AWKWARD, max_size=12)


@given(_TEXTS)
def test_attribute_values_are_escaped_as_quoteattr_does(text: str) -> None:
    assert _attr(text) == quoteattr(_text(text))


@given(_TEXTS)
def test_element_content_is_escaped_as_escape_does(text: str) -> None:
    assert _content(text) == escape(_text(text))


@given(_TEXTS.filter(lambda t: not any(0xD800 <= ord(c) <= 0xDFFF for c in t)))
def test_what_is_written_reads_back(text: str) -> None:
    # XML readers turn a line break in content into "\n"; in an attribute it is a reference.
    element = ET.fromstring(f"<a b={_attr(text)}>{_content(text)}</a>")
    assert element.get("b") == _text(text)
    content = _text(text).replace("\r\n", "\n").replace("\r", "\n")
    assert (element.text or "") == content
