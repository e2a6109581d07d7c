"""Small helpers the case runtime modules share: the empty mapping and ISO time conversions.

Private to :mod:`pathways.engine`, :mod:`pathways.case`, :mod:`pathways.history` and
:mod:`pathways.deadlines`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from pathways.clock import as_utc
from pathways.errors import CaseError

_EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})


def _iso(when: dt.datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def _time(text: object, what: str) -> dt.datetime:
    if not isinstance(text, str):
        raise CaseError(f"malformed case snapshot: {what} must be an ISO time string")
    try:
        return as_utc(dt.datetime.fromisoformat(text), what)
    except ValueError as exc:
        raise CaseError(f"malformed case snapshot: {what}: {exc}") from None


def _opt_time(text: object, what: str) -> dt.datetime | None:
    return None if text is None else _time(text, what)
