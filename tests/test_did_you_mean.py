"""The one 'did you mean' of the tool (:func:`pathways.i18n.closest`, :func:`did_you_mean`):
how close is close enough, case, no options, how an odd guess is quoted, and that the clause
it writes is the one the Khmer templates read."""

from __future__ import annotations

import pytest

from pathways.i18n import closest, did_you_mean
from pathways.messages import error_message, finding_message


def test_the_closest_of_several() -> None:
    assert closest("hihg", ["low", "medium", "high"]) == "high"
    assert closest("docter", iter(["police", "doctor", "doctors"])) == "doctor"
    assert closest("risc", {"risk": 1, "age": 2}) == "risk"  # a mapping: its keys


def test_cutoff() -> None:
    # "kh" and "km" share half their letters: a ratio of 0.5
    assert closest("kh", ["km"]) is None  # the default asks for 0.6
    assert closest("kh", ["km"], cutoff=0.5) == "km"
    assert did_you_mean("kh", ["km"]) == ""
    assert did_you_mean("kh", ["km"], cutoff=0.5) == "; did you mean 'km'?"
    assert closest("kh", ["km"], cutoff=0.51) is None


def test_case_counts() -> None:
    assert closest("High", ["high"]) == "high"  # three letters of four
    assert closest("HIGH", ["high"]) is None  # no letter alike
    assert closest("high", ["HIGH", "higher"]) == "higher"


@pytest.mark.parametrize("options", [[], (), {}, iter([])])
def test_no_options(options: object) -> None:
    assert closest("anything", options) is None  # type: ignore[arg-type]
    assert did_you_mean("anything", []) == ""


def test_no_word() -> None:
    assert closest("", ["a", "b"]) is None
    assert did_you_mean("", ["a"]) == ""


@pytest.mark.parametrize(
    ("option", "clause"),
    [
        ("doctor", "; did you mean 'doctor'?"),
        ("child's", '; did you mean "child\'s"?'),
        ("a 'b' \"c\"", "; did you mean 'a \\'b\\' \"c\"'?"),
        ("new\nline", "; did you mean 'new\\nline'?"),
        ("back\\slash", "; did you mean 'back\\\\slash'?"),
        ("គ្រូពេទ្យ", "; did you mean 'គ្រូពេទ្យ'?"),  # Khmer as written, not escaped
    ],
)
def test_the_guess_is_quoted_as_python_writes_it(option: str, clause: str) -> None:
    assert did_you_mean(option + "x", [option, "zzzzzzzzzzzzzzzzzzzz"]) == clause


def test_the_clause_is_the_one_the_khmer_templates_read() -> None:
    english = f"unknown role 'docter'{did_you_mean('docter', ['doctor', 'police'])}"
    assert english == "unknown role 'docter'; did you mean 'doctor'?"
    khmer = finding_message(english, "km")
    assert khmer != english and "'doctor'" in khmer and "did you mean" not in khmer
    odd = "unknown role 'childs'" + did_you_mean("childs", ["child's"])
    assert finding_message(odd, "km") != odd
    error = f"--set roles.docter.capacity: no role 'docter'{did_you_mean('docter', ['doctor'])}"
    assert "did you mean" not in error_message(error, "km")
