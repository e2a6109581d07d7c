"""Shared helpers for rule tests: fixtures by code, and checking a fixture file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pathways import check, load
from pathways.findings import Finding

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = dt.date(2026, 11, 28)


def fixtures_for(code: str) -> list[Path]:
    """Every fixture file of one rule code (YAML, or BPMN for PW007), valid ones first."""
    files = [*(FIXTURES / code).glob("*.yaml"), *(FIXTURES / code).glob("*.bpmn")]
    return sorted(files, key=lambda p: (not p.name.startswith("valid"), p.name))


def findings_of(path: Path, code: str) -> list[Finding]:
    """Load a fixture and run only ``code`` on it, with a fixed today."""
    return check(load(path), select=[code], today=TODAY)
