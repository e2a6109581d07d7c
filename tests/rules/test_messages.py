"""Finding messages a reader acts on: counts in the right number, exits named by their target.

The fixtures' golden outputs record these too, but a re-recording would take a wrong wording
along; these tests state it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pathways import check, load
from pathways.messages import finding_message

FIXTURES = Path(__file__).parent / "fixtures"


def _messages(fixture: str, code: str) -> list[str]:
    return [f.message for f in check(load(FIXTURES / fixture), select=[code])]


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        (
            "PW301/invalid-limit-zero.yaml",
            "a route has 1 interview, above the limit of 0; "
            "'police_interview' is interview 1 on it",
        ),
        (
            "PW301/invalid-second-interview.yaml",
            "a route has 2 interviews, above the limit of 1; 'court_hearing' is interview 2 on it",
        ),
        (
            "PW301/invalid-tracks-limit-zero.yaml",
            "a run has 1 interview over its tracks, above the limit of 0; "
            "'police_interview' is interview 1 on it",
        ),
        (
            "PW301/invalid-tracks-two-interviews.yaml",
            "a run has 2 interviews over its tracks, above the limit of 1; "
            "'court_hearing' is interview 2 on it",
        ),
        (
            "PW301/invalid-tracks-unbounded.yaml",
            "a run has an unbounded number of interviews over its tracks, above the limit of 1; "
            "'police_interview' is interview 2 on it",
        ),
    ],
    ids=lambda v: Path(v).stem if v.endswith(".yaml") else "",
)
def test_pw301_counts_interviews_in_the_singular_and_plural(fixture: str, expected: str) -> None:
    """One interview (a limit of 0) is "1 interview", with or without tracks, and an interview
    on a loop "an unbounded number of interviews"; each message reads wholly in Khmer."""
    assert _messages(fixture, "PW301") == [expected]
    assert finding_message(expected, "km") != expected


def test_pw113_names_a_fork_exit_by_its_target() -> None:
    """A guarded or weighted fork exit is named by the fork and its target, not by its index
    in the file's transitions (the first exit of a fork read "exit 5")."""
    shapes = _messages("PW113/invalid-shapes.yaml", "PW113")
    weighted = _messages("PW113/invalid-weighted-exits.yaml", "PW113")
    rest = "every exit of a fork is taken at once"
    assert f"the exit of fork 'split' to 'medical' has a guard; {rest}" in shapes
    assert weighted == [
        f"the exit of fork 'split' to 'medical' has a probability; {rest}",
        f"the exit of fork 'split' to 'police' has a guard and a probability; {rest}",
    ]
    for message in [*shapes, *weighted]:
        if "the exit of fork" in message:
            assert finding_message(message, "km") != message
