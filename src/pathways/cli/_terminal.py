"""What the command line writes is shown by a terminal, never obeyed.

User text (labels, titles, the values a message quotes) can hold ESC and the other C0 and C1
controls, carriage returns, backspaces and bidi overrides. Written as they are, a terminal
obeys them: it recolours or hides text, overwrites or erases a line, moves the cursor, sets its
title, rings, or writes the clipboard (OSC 52). So:

- :func:`shown` puts U+FFFD in their place (tabs and newlines stay); the text outputs
  (``routes``, ``trace``, ``diff``, ``validate``) and ``simulate``'s labels go through it,
  whether they go to a terminal, a pipe or a file that is shown later;
- :func:`pathways.cli.main` writes through :class:`Shown` streams: what reaches a terminal
  keeps only the colour sequences (SGR, ``ESC [ ... m``) that rich writes for help and tables.
  A pipe or a file gets the bytes as written (JSON keeps its strings exact). rich's progress
  bar draws on :attr:`Shown.unfiltered` (it moves the cursor, and holds no user text).
"""

from __future__ import annotations

import re
from typing import Any, TextIO

__all__ = ["Shown", "shown", "shown_stream"]

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""C0 controls but tab and newline, DEL, the C1 controls and the bidi embeddings, overrides
and isolates."""
_SGR = re.compile(r"\x1b\[[0-9;]*m")


def shown(text: str) -> str:
    r"""``text`` with every character a terminal would obey replaced by U+FFFD.

    Examples
    --------
    >>> from pathways.cli._terminal import shown
    >>> shown("Intake\x1b]0;owned\x07\r\tdone\n") == "Intake\ufffd]0;owned\ufffd\ufffd\tdone\n"
    True
    """
    return text if _UNSAFE.search(text) is None else _UNSAFE.sub("\ufffd", text)


def _styled(text: str) -> str:
    """:func:`shown`, but for the SGR colour sequences (rich's)."""
    if _UNSAFE.search(text) is None:
        return text
    pieces = _SGR.split(text)
    codes = _SGR.findall(text)
    out = [shown(pieces[0])]
    for code, piece in zip(codes, pieces[1:], strict=True):
        out += [code, shown(piece)]
    return "".join(out)


class Shown:
    """A text stream that writes to a terminal only what it shows (:func:`shown`, colours
    kept); to a pipe or a file, everything as written."""

    def __init__(self, inner: TextIO) -> None:
        self.unfiltered = inner

    def write(self, text: str) -> int:
        if isinstance(text, str) and self.unfiltered.isatty():
            self.unfiltered.write(_styled(text))
            return len(text)
        return self.unfiltered.write(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        if name == "buffer":  # click would write bytes past the filter
            raise AttributeError(name)
        return getattr(self.unfiltered, name)


def shown_stream(stream: Any) -> Any:
    """``stream`` written through a :class:`Shown`; as it is when there is none (``None``,
    as under pythonw: click then writes nothing) or it already is one."""
    return stream if stream is None or isinstance(stream, Shown) else Shown(stream)
