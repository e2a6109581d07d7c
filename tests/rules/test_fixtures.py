"""Every rule against its fixture files: findings sit exactly on the `# expect:` lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from pathways.rules import ALL_RULES
from tests.markers import assert_findings_match_markers, expected_markers
from tests.rules.conftest import FIXTURES, findings_of, fixtures_for

CODES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
CASES = [(code, path) for code in CODES for path in fixtures_for(code)]


@pytest.mark.parametrize(("code", "fixture"), CASES, ids=[f"{c}/{p.stem}" for c, p in CASES])
def test_fixture_matches_markers(code: str, fixture: Path) -> None:
    """The rule's findings match the fixture's `# expect:` markers, line for line."""
    assert_findings_match_markers(fixture, findings_of(fixture, code), codes=[code])


@pytest.mark.parametrize("code", CODES)
def test_fixture_kinds(code: str) -> None:
    """Valid fixtures mark nothing; invalid fixtures mark at least one finding of the code."""
    for path in fixtures_for(code):
        marked = expected_markers(path)
        if path.name.startswith("valid"):
            assert not marked, path
        else:
            assert path.name.startswith("invalid"), path
            assert any(c == code for _, c in marked), path


def test_every_rule_has_fixtures() -> None:
    """Each rule code except PW000 has a valid and an invalid fixture (the loading codes
    PW001-PW006 have theirs in tests/data/load, checked by tests/test_loader.py)."""
    for rule in ALL_RULES:
        if rule.code == "PW000" or rule.stage == "load":
            continue
        names = [p.name for p in fixtures_for(rule.code)]
        assert any(n.startswith("valid") for n in names), rule.code
        assert any(n.startswith("invalid") for n in names), rule.code
