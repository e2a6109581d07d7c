"""The structural fuzzer (pathways.testing.fuzz) with a small budget; `make fuzz` runs it long.

Property: hostile variants of the bundled and generated pathways go through load, check,
dump, simulate, render and report raising nothing but pathways.PathwayError, and no output at
the reader's level holds a marker of an agency hidden from that reader.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.testing.fuzz import MARK, exercise, hostile_texts
from tests.hyp import examples


@settings(max_examples=examples(8))
@given(text=hostile_texts(), reader=st.sampled_from(["public", "partners"]))
def test_hostile_files_raise_only_pathway_errors_and_leak_nothing(text: str, reader: str) -> None:
    exercise(text, reader)


def test_the_fuzzer_marks_hidden_agencies_and_would_see_a_leak() -> None:
    """A control: a marker of a restricted agency in a visible place is reported."""
    import pytest

    text = f"""
format: pathways/1
id: control
visibility: public
agencies:
  - {{id: {MARK}a0, name: {MARK} Agency, sector: ngo, visibility: restricted}}
  - {{id: open, name: Open, sector: social}}
roles:
  - {{id: r, agency: open, title: R}}
steps:
  - {{id: intake, kind: entry, role: r, label: "{MARK} Agency"}}
  - {{id: done, kind: outcome}}
transitions:
  - {{from: intake, to: done}}
"""
    with pytest.raises(AssertionError, match="shows"):
        exercise(text, "public")
