"""Reading a case at a clearance (pathways.access.view): nothing above the reader's clearance
is ever in the view. Hypothesis walks random cases through a bundled pathway with restricted
steps and checks every role's view against an oracle written here."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pathways as pw
from pathways.access import view
from pathways.model import Confidentiality
from tests.hyp import examples

P = pw.load("pathways/kh/csa-in-person.yaml")
ENGINE = pw.Engine(P)
T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
RANKS = ["public", "internal", "sensitive", "restricted"]


def level(step_id: str | None) -> int:
    if step_id is None:
        return -1
    (step,) = [s for s in P.steps if s.id == step_id]
    return RANKS.index(step.confidentiality.value)


@st.composite
def walks(draw: st.DrawFn) -> pw.Case:
    """A case opened at a random entry with random data and moved by random events, each
    with a note that names its sequence number (a secret to look for in the views)."""
    entry = draw(st.sampled_from(P.entry_steps()))
    data = {
        "hours_since_incident": draw(st.integers(0, 200)),
        "risk": draw(st.sampled_from(["low", "medium", "high"])),
    }
    case = ENGINE.open(data=data, entry=entry, case_id="c", at=T0, note="SECRET-0")
    for i in range(1, draw(st.integers(0, 10)) + 1):
        options = sorted(  # track by track: the pathway runs tracks at once (SPEC 7.1)
            {
                (role.id, event, step)
                for step in case.steps
                for role in P.roles
                for event in case.available(pw.Actor(id="x", role=role.id), at=step)
            }
        )
        if not options:
            break
        role, event, step = draw(st.sampled_from(options))
        case.fire(
            event,
            actor=pw.Actor(id=f"u{i}", role=role),
            at=step,
            when=T0 + dt.timedelta(hours=i),
            note=f"SECRET-{i}",
        )
    return case


@settings(max_examples=examples(40))
@given(case=walks(), reader=st.sampled_from([r.id for r in P.roles]))
def test_no_view_holds_anything_above_the_clearance(case: pw.Case, reader: str) -> None:
    """For every reader: no note or hash of an entry above its clearance, no field such an
    entry set; everything else is there; the counts say what was withheld."""
    (role,) = [r for r in P.roles if r.id == reader]
    rank = RANKS.index(role.clearance.value)
    seen = view(case, pw.Actor(id="r", role=reader))
    text = json.dumps(seen)
    above = [e for e in case.history if max(level(e.source), level(e.target)) > rank]
    for e in case.history:
        shown = seen["history"][e.seq]
        if e in above:
            assert f'"SECRET-{e.seq}"' not in text and e.hash not in text
            assert shown["data"] == {} and shown["note"] is None
        else:
            assert shown["note"] == e.note and shown["hash"] == e.hash
    secret_fields = {f for e in above for f in e.data}
    assert secret_fields.isdisjoint(seen["data"])
    assert set(seen["data"]) | secret_fields >= set(case.data)
    assert seen["withheld"] == {
        "fields": len(secret_fields & set(case.data)),
        "notes": len(above),
    }


def test_a_role_of_another_pathway_may_not_read() -> None:
    """A reader whose role the pathway does not have is refused with NotAuthorized."""
    case = ENGINE.open(entry="report_police", case_id="c", at=T0)
    with pytest.raises(pw.NotAuthorized, match="not a role of pathway"):
        view(case, pw.Actor(id="x", role="journalist"))
    assert view(case, Confidentiality.RESTRICTED)["withheld"] == {"fields": 0, "notes": 0}
