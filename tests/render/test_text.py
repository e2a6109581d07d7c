"""`printable`'s fast path (text without a suspect character returned as it is) against the
character-by-character rule it short-cuts."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from pathways.render._text import printable

_NOT_XML = ("\ufffe", "\uffff", "\ud800", "\udfff")
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def _reference(value: str) -> str:
    return "".join(
        " "
        if c == "\t"
        else "\ufffd"
        if c in _BIDI
        or c in "\ufffe\uffff"  # XML 1.0 cannot hold them: Graphviz refused the label
        or (unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\r")
        else c
        for c in value
    )


@given(
    st.text(
        alphabet=st.one_of(
            st.characters(),
            st.sampled_from(
                ["\t", "\n", "\r", "\x00", "\x1f", "\x7f", "\x85", "\x9f", *_BIDI, *_NOT_XML]
            ),
            st.sampled_from("កខគឃ\u200bអ្នក"),
        )
    )
)
def test_printable_matches_the_character_rule(value: str) -> None:
    assert printable(value) == _reference(value)
