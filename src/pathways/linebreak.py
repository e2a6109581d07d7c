"""Where a line may break: Khmer word boundaries from ICU's line break iterator.

Khmer writes no spaces between words, so a long Khmer label can only wrap where ICU's
dictionary-based line breaker (``icu4py``, ICU 78) says a word ends. A zero-width space
(U+200B) written in a label is a break opportunity too (ICU honours it), and is never drawn.
A few words of the bundled pathways that ICU's dictionary does not know are kept whole by
:data:`KEEP` (see docs/languages.md for the measurement and how to extend the list).

Examples
--------
>>> from pathways.linebreak import segments, hint
>>> segments("បុគ្គលិកផ្នែកទទួលភ្ញៀវ")
('បុគ្គលិក', 'ផ្នែក', 'ទទួលភ្ញៀវ')
>>> segments("wrap\u200bhere")
('wrap', 'here')
>>> hint("ការទទួល Intake") == "ការ\\u200bទទួល Intake"
True
"""

from __future__ import annotations

import functools

__all__ = ["KEEP", "ZWSP", "breaks", "has_khmer", "hint", "segments"]

ZWSP = "\u200b"
"""Zero-width space: an author's break hint, and what :func:`hint` inserts between words."""

KEEP = frozenset(
    {
        "នរណា",  # who
        "ក្រសួង",  # ministry
        "ហានិភ័យ",  # risk
        "អនឡាញ",  # online
        "ណែនាំ",  # guide, guidance
        "សមាហរណកម្ម",  # (re)integration
        "សុវត្ថិភាព",  # safety
        "កោសល្យវិច្ច័យ",  # forensic (as spelt in the bundled pathways)
        "កោសល្យវិច្ឆ័យ",  # forensic
    }
)
"""Words that ICU's Khmer dictionary splits (it does not know them) and that must stay whole:
no break is allowed inside them. Marked for native review with the catalogue."""


def has_khmer(text: str) -> bool:
    """Whether ``text`` has a Khmer letter or sign (U+1780-U+17FF, U+19E0-U+19FF)."""
    return any("\u1780" <= char <= "\u17ff" or "\u19e0" <= char <= "\u19ff" for char in text)


@functools.lru_cache(maxsize=4096)
def breaks(text: str) -> frozenset[int]:
    """Offsets in ``text`` (0 < i < len) where a line may break, by ICU's line break rules for
    Khmer, less any inside a :data:`KEEP` word."""
    from icu4py.breakers import LineBreaker

    found = {end for _, end in LineBreaker(text, "km").segments() if 0 < end < len(text)}
    for word in KEEP:
        start = text.find(word)
        while start >= 0:
            found -= set(range(start + 1, start + len(word)))
            start = text.find(word, start + 1)
    return frozenset(found)


def segments(text: str) -> tuple[str, ...]:
    """``text`` cut at every break opportunity between two Khmer letters and at every
    zero-width space (which is removed); spaces and other text stay as they are."""
    if ZWSP not in text and not has_khmer(text):
        return (text,)
    cuts = sorted(
        i
        for i in breaks(text)
        if ZWSP in (text[i - 1], text[i]) or (has_khmer(text[i - 1]) and has_khmer(text[i]))
    )
    pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    return tuple(p for piece in pieces if (p := piece.replace(ZWSP, "")))


def hint(text: str) -> str:
    """``text`` with a zero-width space at each Khmer word boundary, so that any browser or
    printer wraps Khmer between words (``segments`` joined by U+200B)."""
    if not has_khmer(text):
        return text
    return ZWSP.join(segments(text))
