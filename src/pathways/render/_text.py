"""Text for diagrams: what may be drawn (no control characters) and how it wraps.

Khmer writes no spaces between words, so long Khmer words are split between letter
clusters, never between a consonant and its vowel signs or subscript consonants.
"""

from __future__ import annotations

import textwrap
import unicodedata

from pathways.durations import format_hours

__all__ = ["hours_text", "printable", "shorten", "wrap"]

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(value: str) -> str:
    r"""Replace control characters (and bidi overrides, which can disguise text) with U+FFFD.

    XML cannot hold most C0 controls and DOT's parser stops at them, so they never reach a
    renderer; newlines stay (they split lines) and tabs become spaces.

    Examples
    --------
    >>> from pathways.render._text import printable
    >>> printable("a\x00b\tc\u202ed") == "a\ufffdb c\ufffdd"
    True
    """
    out = []
    for char in value:
        if char == "\t":
            out.append(" ")
        elif char in _BIDI_CONTROLS or (unicodedata.category(char) == "Cc" and char not in "\n\r"):
            out.append("\ufffd")
        else:
            out.append(char)
    return "".join(out)


_COENG = "\u17d2"  # Khmer sign that stacks the next consonant under the previous one


def _clusters(word: str) -> list[str]:
    """Split a word into grapheme-like clusters: a base letter with its signs and subscripts."""
    out: list[str] = []
    for char in word:
        starts = unicodedata.category(char) in ("Lo", "Lu", "Ll", "Nd") and not (
            out and out[-1].endswith(_COENG)
        )
        if starts or not out:
            out.append(char)
        else:
            out[-1] += char
    return out


def _split_long(word: str, width: int) -> list[str]:
    if len(word) <= width or not any("\u1780" <= char <= "\u17ff" for char in word):
        return [word]
    # Balanced pieces (not greedy), so no line ends up holding a lone syllable.
    target = len(word) / -(-len(word) // width)
    parts: list[str] = []
    for cluster in _clusters(word):
        if parts and len(parts[-1]) < target and len(parts[-1]) + len(cluster) <= width:
            parts[-1] += cluster
        else:
            parts.append(cluster)
    return parts


def wrap(text: str, width: int) -> list[str]:
    """Split text into lines of at most about ``width`` characters (keeping newlines).

    Khmer words longer than a line (Khmer writes no spaces between words) are split between
    clusters, never between a consonant and its vowel signs or subscript consonants.
    """
    lines: list[str] = []
    for paragraph in printable(text).splitlines() or [""]:
        words = [part for word in paragraph.split(" ") for part in _split_long(word, width)]
        lines.extend(
            textwrap.wrap(" ".join(words), width, break_on_hyphens=False, break_long_words=False)
            or [""]
        )
    return lines


def hours_text(hours: float) -> str:
    """Time limits up to four days read best in hours ("72h", not "3d")."""
    if hours <= 96 and hours == int(hours) and hours >= 1:
        return f"{int(hours)}h"
    return format_hours(hours)


def shorten(value: str, width: int) -> str:
    if len(value) <= width:
        return value
    cut = value[: width - 1].rsplit(" ", 1)[0] if " " in value[: width - 1] else value[: width - 1]
    return cut.rstrip(" ,;:") + "…"
