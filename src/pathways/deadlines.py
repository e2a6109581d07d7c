"""Time limits on cases: pathway deadlines and referral answers, compiled once per engine.

:class:`Deadlines` holds the pathway's deadline rules indexed by the steps that start and meet
them, and the step graph's reachability. A case keeps one clock per started deadline,
``{deadline id: (started_at, met_at)}``; the engine starts and meets them as the case moves
(:meth:`Deadlines.start_and_meet`), and :meth:`Deadlines.due` and :meth:`Deadlines.overdue`
answer :meth:`Case.due <pathways.case.Case.due>` and :meth:`Case.overdue
<pathways.case.Case.overdue>`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pathways._runtime import _iso
from pathways.history import HistoryEntry
from pathways.model import Pathway

__all__ = ["DeadlineRule", "Deadlines", "Due", "TimedCase"]

Clocks = dict[str, tuple[dt.datetime, dt.datetime | None]]
"""A case's deadline clocks: ``{deadline id: (started_at, met_at or None)}``."""


@dataclass(frozen=True, slots=True)
class Due:
    """A time limit on a case: a pathway deadline, or the answer to a referral.

    ``id`` is the deadline id, or ``referral:<event>`` for a referral answer; ``targets`` are
    the steps that meet it (the referral's target step for an answer); ``met_at`` is when it
    was met (None while open).
    """

    id: str
    kind: Literal["deadline", "referral"]
    due_at: dt.datetime
    started_at: dt.datetime
    targets: tuple[str, ...]
    met_at: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """The deadline as JSON-able values."""
        return {
            "id": self.id,
            "kind": self.kind,
            "due_at": self.due_at.isoformat(),
            "started_at": self.started_at.isoformat(),
            "targets": list(self.targets),
            "met_at": _iso(self.met_at),
        }


class _Answerable(Protocol):
    """What the time limits read of a referral (:class:`pathways.case.Referral`)."""

    @property
    def event(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def referred_at(self) -> dt.datetime: ...
    @property
    def due_at(self) -> dt.datetime | None: ...
    @property
    def answered_at(self) -> dt.datetime | None: ...


class TimedCase(Protocol):
    """What the time limits read and keep of a case (:class:`pathways.case.Case`): its
    tracks, referrals and history, and its deadline clocks, which :class:`Deadlines` starts
    and meets."""

    _clocks: Clocks | None
    _tracks: list[tuple[str, int]]

    @property
    def referrals(self) -> Sequence[_Answerable] | None: ...
    @property
    def history(self) -> Sequence[HistoryEntry]: ...


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    """A pathway deadline as the engine uses it: started at ``source`` (None: at open), met
    by entering one of ``targets`` within ``within``."""

    id: str
    source: str | None
    targets: frozenset[str]
    ordered_targets: tuple[str, ...]
    within: dt.timedelta


class Deadlines:
    """The deadline rules of one pathway and the reachability of its steps.

    ``succ`` maps each step to the steps one transition (or a declined referral) leads to.
    """

    __slots__ = ("_reach", "_succ", "by_id", "default_starts", "meets", "rules", "starts")

    def __init__(self, pathway: Pathway, succ: Mapping[str, set[str]]) -> None:
        p = pathway
        self.rules = tuple(
            DeadlineRule(
                d.id,
                d.source,
                frozenset(p.deadline_targets(d)),
                tuple(p.deadline_targets(d)),
                dt.timedelta(hours=d.within),
            )
            for d in p.deadlines
        )
        self.by_id = {r.id: r for r in self.rules}
        self.starts: dict[str, tuple[DeadlineRule, ...]] = {}
        self.meets: dict[str, tuple[DeadlineRule, ...]] = {}
        for s in p.steps:
            self.starts[s.id] = tuple(r for r in self.rules if r.source == s.id)
            self.meets[s.id] = tuple(r for r in self.rules if s.id in r.targets)
        self.default_starts = tuple(r for r in self.rules if r.source is None)
        self._succ = succ
        self._reach: dict[str, frozenset[str]] = {}

    # --- clocks ------------------------------------------------------------------------

    def open_clocks(self, entry: str, when: dt.datetime) -> Clocks:
        """The clocks of a case opened at ``entry`` at ``when`` (not met yet)."""
        return {r.id: (when, None) for r in (*self.default_starts, *self.starts[entry])}

    def start_and_meet(self, case: TimedCase, step: str, when: dt.datetime) -> None:
        """Meet the deadlines ``step`` meets, then start those it starts (once per case)."""
        self.meet(case, step, when)
        starts = self.starts[step]
        if starts:
            clocks = case._clocks if case._clocks is not None else {}
            for rule in starts:
                if rule.id not in clocks:  # a deadline runs once per case: from the first entry
                    clocks[rule.id] = (when, None)
            case._clocks = clocks

    def meet(self, case: TimedCase, step: str, when: dt.datetime) -> None:
        """Mark the running deadlines ``step`` is a target of as met at ``when``."""
        clocks = case._clocks
        if clocks is None:
            return
        for rule in self.meets[step]:
            state = clocks.get(rule.id)
            if state is not None and state[1] is None:
                clocks[rule.id] = (state[0], when)

    def to_dict(self, clocks: Clocks | None) -> dict[str, Any]:
        """The ``deadlines`` part of a case snapshot."""
        return {
            rid: {
                "started_at": s.isoformat(),
                "met_at": _iso(m),
                "due_at": (s + self.by_id[rid].within).isoformat(),
            }
            for rid, (s, m) in (clocks or {}).items()
        }

    # --- queries -----------------------------------------------------------------------

    def reachable(self, step: str) -> frozenset[str]:
        """The steps reachable from ``step`` (itself included)."""
        found = self._reach.get(step)
        if found is None:
            seen = {step}
            todo = [step]
            while todo:
                for nxt in self._succ[todo.pop()]:
                    if nxt not in seen:
                        seen.add(nxt)
                        todo.append(nxt)
            found = self._reach[step] = frozenset(seen)
        return found

    def all_limits(self, case: TimedCase) -> list[Due]:
        """Every started deadline and every referral answer limit, met or not, earliest first."""
        out = []
        rules = self.by_id
        for rid, (started, met) in (case._clocks or {}).items():
            rule = rules[rid]
            out.append(
                Due(rid, "deadline", started + rule.within, started, rule.ordered_targets, met)
            )
        for r in case.referrals or ():
            if r.due_at is not None:
                out.append(
                    Due(
                        f"referral:{r.event}",
                        "referral",
                        r.due_at,
                        r.referred_at,
                        (r.target,),
                        r.answered_at,
                    )
                )
        out.sort(key=lambda d: (d.due_at, d.id))
        return out

    def due(self, case: TimedCase) -> list[Due]:
        """See :meth:`Case.due <pathways.case.Case.due>`."""
        tracks = case._tracks
        here = (
            self.reachable(tracks[0][0])
            if len(tracks) == 1
            else frozenset().union(*(self.reachable(s) for s, _ in tracks))
        )
        return [
            d
            for d in self.all_limits(case)
            if d.met_at is None and (d.kind == "referral" or not here.isdisjoint(d.targets))
        ]

    def overdue(self, case: TimedCase, now: dt.datetime) -> list[Due]:
        """See :meth:`Case.overdue <pathways.case.Case.overdue>` (``now`` is aware UTC)."""
        out = []
        for d in self.all_limits(case):
            if d.due_at >= now or (d.met_at is not None and d.met_at <= d.due_at):
                continue
            if (
                d.kind == "deadline"
                and d.met_at is None
                and all(
                    s in self._succ and self.reachable(s).isdisjoint(d.targets)
                    for s in _steps_at(case, d.due_at)
                )
            ):
                # The case had taken a branch that never reaches the target. (A step of an
                # older version, before a migration, counts as one that might.)
                continue
            out.append(d)
        return out


def _steps_at(case: TimedCase, when: dt.datetime) -> tuple[str, ...]:
    """The steps of the case's tracks at ``when`` (from its history)."""
    for entry in reversed(case.history):
        if entry.at <= when:
            return entry.tracks if entry.tracks is not None else (entry.target,)
    first = case.history[0]
    return first.tracks if first.tracks is not None else (first.target,)
