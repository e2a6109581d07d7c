"""Fixture files mark expected findings with ``# expect: CODE`` comments on the lines concerned.

One helper then checks both a rule and the line tracking, after bpmnlint's RuleTester and
ruff's ``# error`` comments.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from pathways.findings import Finding

_MARKER = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+?)\s*(?:-->)?\s*$")
"""``# expect: PW103`` at the end of a line; in XML (BPMN fixtures) inside ``<!-- ... -->``."""


def expected_markers(path: Path) -> Counter[tuple[int, str]]:
    """(line, code) pairs marked in the file, with multiplicity."""
    expected: Counter[tuple[int, str]] = Counter()
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _MARKER.search(text)
        if match:
            for code in match.group(1).split(","):
                if code.strip():
                    expected[(number, code.strip())] += 1
    return expected


def assert_findings_match_markers(
    path: Path, findings: Iterable[Finding], codes: Iterable[str] | None = None
) -> None:
    """The findings (limited to ``codes`` prefixes) sit exactly on the marked lines."""
    prefixes = tuple(codes) if codes is not None else None
    got: Counter[tuple[int, str]] = Counter(
        (f.location.line, f.code)
        for f in findings
        if prefixes is None or f.code.startswith(prefixes)
    )
    expected = expected_markers(path)
    assert got == expected, (
        f"{path}: unexpected {sorted((got - expected).elements())}, "
        f"missing {sorted((expected - got).elements())}\n" + "\n".join(str(f) for f in findings)
    )
