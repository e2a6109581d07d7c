"""Text for diagrams: what may be drawn (no control characters) and how it wraps.

Khmer writes no spaces between words, so Khmer text wraps at the word boundaries of ICU's line
breaker (:mod:`pathways.linebreak`), never inside a word.
"""

from __future__ import annotations

import functools
import re
import textwrap
import unicodedata

from pathways.durations import format_hours
from pathways.linebreak import ZWSP, has_khmer, segments

__all__ = ["MAX_TEXT", "hours_text", "printable", "shorten", "wrap"]

MAX_TEXT = 400
"""The most characters of one text (a label, a title, a contact) a diagram draws; longer text
is cut with "…". A title or an unbroken word of over 16,384 bytes made Graphviz refuse the
whole drawing (its limit for a run of text in an HTML-like label), and a long word stretched
its box across pages."""

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NOT_XML = frozenset("\ufffe\uffff")
"""Noncharacters XML 1.0 cannot hold (Graphviz's HTML-like label parser refuses them)."""
_SUSPECT = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff\ud800-\udfff]")
"""Every character :func:`printable` may change (the Cc category is U+0000-U+001F and
U+007F-U+009F; Cs the lone surrogates): text without one is returned as it is, without a
look at each character."""


def printable(value: str) -> str:
    r"""Replace control characters (and bidi overrides, which can disguise text) with U+FFFD.

    XML cannot hold most C0 controls, nor U+FFFE, U+FFFF and lone surrogates, and DOT's parser
    stops at them, so they never reach a renderer; newlines stay (they split lines) and tabs
    become spaces.

    Examples
    --------
    >>> from pathways.render._text import printable
    >>> printable("a\x00b\tc\u202ed") == "a\ufffdb c\ufffdd"
    True
    >>> printable("x\ufffey\uffff") == "x\ufffdy\ufffd"
    True
    """
    if _SUSPECT.search(value) is None:
        return value
    out = []
    for char in value:
        if char == "\t":
            out.append(" ")
        elif (
            char in _BIDI_CONTROLS
            or char in _NOT_XML
            or (unicodedata.category(char) in ("Cc", "Cs") and char not in "\n\r")
        ):
            out.append("\ufffd")
        else:
            out.append(char)
    return "".join(out)


def wrap(text: str, width: int) -> list[str]:
    """Split text into lines of at most about ``width`` characters (keeping newlines).

    Khmer writes no spaces between words: Khmer text wraps only at word boundaries
    (:func:`pathways.linebreak.segments`, ICU's line breaker), and at an author's zero-width
    space, which is never drawn. A word longer than a line stays whole. Text without Khmer
    wraps at spaces, as before. Text longer than :data:`MAX_TEXT` is cut first.
    """
    return list(_wrap(shorten(text, MAX_TEXT), width))


@functools.lru_cache(maxsize=8192)
def _wrap(text: str, width: int) -> tuple[str, ...]:
    """:func:`wrap`, remembered: pagination draws the same labels on page after page and
    round after round."""
    lines: list[str] = []
    for paragraph in printable(text).splitlines() or [""]:
        if ZWSP in paragraph or has_khmer(paragraph):
            lines.extend(_fill(paragraph, width) or [""])
        else:
            lines.extend(
                textwrap.wrap(paragraph, width, break_on_hyphens=False, break_long_words=False)
                or [""]
            )
    return tuple(lines)


def _fill(paragraph: str, width: int) -> list[str]:
    """Greedy filling of words: a space glues words the text separated by a space, nothing
    glues the Khmer words of one run."""
    lines: list[str] = []
    line = ""
    for word in paragraph.split(" "):
        for index, piece in enumerate(segments(word) if word else ()):
            glue = " " if index == 0 else ""
            if not line:
                line = piece
            elif len(line) + len(glue) + len(piece) <= width:
                line += glue + piece
            else:
                lines.append(line)
                line = piece
    if line:
        lines.append(line)
    return lines


def hours_text(hours: float) -> str:
    """Time limits up to four days read best in hours ("72h", not "3d")."""
    if hours <= 96 and hours == int(hours) and hours >= 1:
        return f"{int(hours)}h"
    return format_hours(hours)


@functools.lru_cache(maxsize=4096)  # markers name the same step round after round
def shorten(value: str, width: int) -> str:
    """``value`` cut to ``width`` characters with an ellipsis, at a space or a Khmer word
    boundary where there is one."""
    if len(value) <= width:
        return value
    if has_khmer(value):
        cut = ""
        for piece in segments(value):
            if len(cut) + len(piece) > width - 1:
                break
            cut += piece
        if cut:
            return cut.rstrip(" ,;:") + "…"
    cut = value[: width - 1].rsplit(" ", 1)[0] if " " in value[: width - 1] else value[: width - 1]
    return cut.rstrip(" ,;:") + "…"
