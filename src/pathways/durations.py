"""Durations: ``"72h"``, ``"PT72H"``, ``{min, mode, max}`` and friends, turned into hours.

Every time in pathways is a float number of hours inside the library. A duration is written as
a compact string (``45m``, ``2h``, ``3d``, ``2w``, combinations such as ``1d12h``, decimals such
as ``0.5h``) or as ISO 8601 (``PT72H``, ``P5D``, ``P1DT2H30M``).
"""

from __future__ import annotations

import decimal
import functools
import math
import re

__all__ = ["MAX_HOURS", "DurationError", "format_hours", "parse_hours"]

MAX_HOURS = 100 * 8766.0
"""The longest duration a pathway may hold: 100 years (876,600 h). Longer ones are refused."""

_UNIT_HOURS = {"s": 1 / 3600, "m": 1 / 60, "h": 1.0, "d": 24.0, "w": 168.0}
_COMPACT = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_ISO = re.compile(
    r"P(?:(?P<w>\d+(?:\.\d+)?)W)?(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?"
)


class DurationError(ValueError):
    """A duration string does not parse; the message says which forms are accepted."""


@functools.lru_cache(maxsize=4096)  # files repeat the same few durations many times
def parse_hours(text: str) -> float:
    """Parse a duration string into hours.

    Parameters
    ----------
    text : str
        ``45m``, ``2h``, ``3d``, ``2w``, ``1d12h``, ``0.5h`` or ISO 8601 ``PT72H``, ``P5D``.

    Returns
    -------
    float
        The duration in hours (never negative).

    Raises
    ------
    DurationError
        When the text is none of the accepted forms.

    Examples
    --------
    >>> from pathways.durations import parse_hours
    >>> parse_hours("72h"), parse_hours("PT72H"), parse_hours("1d12h"), parse_hours("45m")
    (72.0, 72.0, 36.0, 0.75)
    """
    s = text.strip()
    if not s:
        raise DurationError("empty duration; write e.g. '30m', '2h', '3d', '2w' or 'PT72H'")
    if s[0] in "Pp":
        match = _ISO.fullmatch(s.upper())
        if match and any(match.group(k) for k in "wdhms") and not s.upper().endswith("T"):
            parts = {k: float(v) for k, v in match.groupdict().items() if v}
            return _bounded(text, sum(parts[k] * _UNIT_HOURS[k] for k in parts))
    else:
        pos = 0
        total = 0.0
        seen = False
        for match in _COMPACT.finditer(s):
            if s[pos : match.start()].strip():
                break
            total += float(match.group(1)) * _UNIT_HOURS[match.group(2)]
            pos = match.end()
            seen = True
        if seen and not s[pos:].strip():
            return _bounded(text, total)
    raise DurationError(
        f"cannot read duration {_short(text)}; "
        "write e.g. '30m', '2h', '3d', '2w', '1d12h' or ISO 8601 'PT72H'"
    )


def _short(text: str) -> str:
    """The text quoted for a message, cut to 40 characters (a 400-digit value stays short)."""
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _bounded(text: str, hours: float) -> float:
    if not math.isfinite(hours) or hours > MAX_HOURS:
        raise DurationError(
            f"duration {_short(text)} is longer than 100 years; a pathway's durations are "
            "far shorter"
        )
    return hours + 0.0  # -0.0 -> 0.0


def format_hours(hours: float) -> str:
    """Write hours back as a duration string that :func:`parse_hours` reads to the same float.

    Examples
    --------
    >>> from pathways.durations import format_hours
    >>> format_hours(72.0), format_hours(0.75), format_hours(168.0)
    ('3d', '45m', '1w')
    """
    for unit, size in (("w", 168.0), ("d", 24.0), ("h", 1.0), ("m", 1 / 60)):
        count = hours / size
        if count >= 1 and count == int(count) and int(count) * size == hours:
            return f"{int(count)}{unit}"
    text = repr(hours + 0.0)  # -0.0 -> 0.0
    if "e" in text or "E" in text:  # 2.7e-11: written out in full, the form parse_hours reads
        text = format(decimal.Decimal(text), "f")
    return f"{text}h"
