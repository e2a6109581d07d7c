"""The PW0xx codes that loading reports, their rule names, and the one way to make such a finding.

Shared by :mod:`pathways.load` (PW001, PW002, PW005), :mod:`pathways.load.references` (PW003, PW004)
and :mod:`pathways.load.schema_errors` (PW002, PW006); every load finding is an error.
"""

from __future__ import annotations

from pathways.findings import Finding, Location, Severity

__all__ = ["LOAD_RULES", "finding"]

LOAD_RULES = {
    "PW001": "yaml-syntax",
    "PW002": "schema",
    "PW003": "unknown-reference",
    "PW004": "duplicate-id",
    "PW005": "invalid-guard",
    "PW006": "invalid-duration",
}
"""Rule name of each loading code; the pages are the load-stage rules of
:mod:`pathways.rules.loading`, which take their names from here."""


def finding(code: str, message: str, location: Location, *, step: str | None = None) -> Finding:
    """An error finding of load code ``code`` (a key of :data:`LOAD_RULES`)."""
    return Finding(code, LOAD_RULES[code], Severity.ERROR, message, location, step=step)
