"""Rules: every check of SPEC section 3 beyond loading (placeholder until the rule engine lands)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pathways.findings import Finding
from pathways.model import Pathway

__all__ = ["check"]


def check(
    pathway: Pathway,
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    today: dt.date | None = None,
) -> list[Finding]:
    """Run every selected rule on a loaded pathway and return all findings, sorted."""
    del pathway, select, ignore, today
    return []
