"""A Hypothesis rule-based state machine that drives one pathway's runtime at random.

:func:`PathwayStateMachine` builds a ``RuleBasedStateMachine`` class for a pathway: each run
opens a case at a random entry step with random case data, then fires random events (known
ones, unknown ones, and ones the actor may fire now) as random roles, accepts and declines
referrals, and moves time forward. After every step it checks the runtime's invariants.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from pathways.case import Actor, Case
from pathways.engine import Engine
from pathways.errors import CaseError
from pathways.graph import to_networkx
from pathways.model import Pathway
from pathways.testing.strategies import case_data

__all__ = ["PathwayStateMachine"]

_START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
_UNKNOWN_EVENT = "pathways-no-such-event"


def PathwayStateMachine(pathway: Pathway) -> type[RuleBasedStateMachine]:
    """A Hypothesis ``RuleBasedStateMachine`` class that fuzzes ``pathway``'s runtime.

    Rules: fire a random event (including one the pathway does not have) as a random role;
    fire an event the actor may fire now, sometimes setting case data with it; accept or
    decline a pending referral as a random role; let time pass. Invariants, checked after
    every rule:

    - every track of the case is at a step of the pathway's graph, a finished case has one;
      a track waits only at a ``join`` (SPEC 7.1);
    - a refused event changes nothing (the snapshot before equals the snapshot after);
    - the history has one entry per accepted event (open included);
    - the history chain verifies;
    - the snapshot round-trips exactly through JSON and :meth:`Engine.restore`.

    Parameters
    ----------
    pathway
        A loaded pathway (its guards must parse).

    Returns
    -------
    type
        A ``RuleBasedStateMachine`` subclass; its ``TestCase`` attribute is a
        ``unittest.TestCase`` that pytest collects.

    Examples
    --------
    In a test module::

        import pathways as pw
        from hypothesis import settings
        from pathways.testing import PathwayStateMachine

        Fuzz = PathwayStateMachine(pw.load("pathways/kh/csa-in-person.yaml"))
        Fuzz.TestCase.settings = settings(max_examples=50, stateful_step_count=30)
        TestCsaRuntime = Fuzz.TestCase
    """
    engine = Engine(pathway)
    graph_steps = frozenset(to_networkx(pathway).nodes)
    roles = sorted(
        {r.id for r in pathway.roles}
        | {s.role for s in pathway.steps if s.role}
        | {role for t in pathway.transitions for role in t.by or ()}
    ) or ["nobody"]
    events = [*sorted({t.event for t in pathway.transitions}), _UNKNOWN_EVENT]
    step_ids = [s.id for s in pathway.steps]
    kinds = {s.id: s.kind for s in pathway.steps}
    entries = pathway.entry_steps()
    data = case_data(pathway, partial=True)

    class _Fuzz(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.case: Case | None = None
            self.accepted = 0
            self.now = _START
            self.refusals = 0

        # --- helpers -------------------------------------------------------------------

        def _attempt(self, action: Any) -> None:
            assert self.case is not None
            before = self.case.to_dict()
            try:
                action()
            except CaseError:
                self.refusals += 1
                assert self.case.to_dict() == before, "a refused event changed the case"
            else:
                self.accepted += 1

        # --- rules ---------------------------------------------------------------------

        @initialize(entry=st.sampled_from(entries), values=data)
        def open_case(self, entry: str, values: dict[str, Any]) -> None:
            role = pathway.steps_by_id[entry].role
            actor = Actor("opener", role) if role else None
            self.case = engine.open(
                data=values, entry=entry, case_id="fuzz", at=self.now, actor=actor
            )
            self.accepted = 1

        @rule(hours=st.floats(0, 24 * 30, allow_nan=False))
        def wait(self, hours: float) -> None:
            self.now += dt.timedelta(hours=hours)

        @rule(
            event=st.sampled_from(events),
            role=st.sampled_from(roles),
            track=st.none() | st.sampled_from(step_ids),
        )
        def fire_any(self, event: str, role: str, track: str | None) -> None:
            assert self.case is not None
            case = self.case
            actor = Actor("u1", role)
            self._attempt(lambda: case.fire(event, actor=actor, at=track, when=self.now))

        @rule(role=st.sampled_from(roles), choice=st.data(), values=data)
        def fire_available(self, role: str, choice: st.DataObject, values: dict[str, Any]) -> None:
            assert self.case is not None
            case = self.case
            actor = Actor("u2", role)
            options = [
                (s, e) for s in dict.fromkeys(case.steps) for e in case.available(actor, at=s)
            ]
            if not options:
                return
            step, event = choice.draw(st.sampled_from(options), label="move")
            track = step if len(case.steps) > 1 else None
            update = values if choice.draw(st.booleans(), label="with data") else None
            self._attempt(
                lambda: case.fire(event, actor=actor, at=track, when=self.now, data=update)
            )

        @precondition(lambda self: self.case is not None and self.case.referral is not None)
        @rule(role=st.sampled_from(roles), decline=st.booleans(), choice=st.data())
        def answer_referral(self, role: str, decline: bool, choice: st.DataObject) -> None:
            assert self.case is not None
            case = self.case
            actor = Actor("u3", role)
            targets = sorted({r.target for r in case.pending_referrals})
            track = choice.draw(st.sampled_from(targets), label="at") if len(targets) > 1 else None
            if decline:
                self._attempt(lambda: case.decline(actor, "no capacity", at=track, when=self.now))
            else:
                self._attempt(lambda: case.accept(actor, at=track, when=self.now))

        @rule()
        def answer_without_referral(self) -> None:
            assert self.case is not None
            case = self.case
            if case.referral is None:
                self._attempt(lambda: case.accept(Actor("u4", roles[0]), at=self.now))

        # --- invariants ----------------------------------------------------------------

        @invariant()
        def at_a_step_of_the_graph(self) -> None:
            if self.case is not None:
                steps = self.case.steps
                assert steps and all(s in graph_steps for s in steps)
                assert all(kinds[s] == "join" for s in self.case.waiting)
                if len(steps) > 1:
                    assert not any(kinds[s] == "outcome" for s in steps), "an ended track runs"

        @invariant()
        def one_history_entry_per_accepted_event(self) -> None:
            if self.case is not None:
                assert len(self.case.history) == self.accepted

        @invariant()
        def chain_verifies(self) -> None:
            if self.case is not None:
                assert self.case.verify()

        @invariant()
        def snapshot_round_trips(self) -> None:
            if self.case is not None:
                snapshot = self.case.to_dict()
                again = engine.restore(json.loads(json.dumps(snapshot)))
                assert again.to_dict() == snapshot

    _Fuzz.__name__ = _Fuzz.__qualname__ = f"PathwayStateMachine_{pathway.id.replace('-', '_')}"
    return _Fuzz
