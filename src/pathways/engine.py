"""The case runtime: :class:`Engine` moves live cases through a pathway on one shared machine.

An :class:`Engine` compiles a :class:`~pathways.model.Pathway` once into a single
``transitions.Machine`` (:mod:`pathways.machine`: states are step ids, triggers are events,
conditions are the parsed guards and the ``by`` roles). Cases are small records
(:class:`~pathways.case.Case`), not models registered with the machine: ``Machine.add_model``
costs about 0.35 ms and 17 KB per model and grows quadratically with the number of models
(transitions issues #434 and #146). Instead, while an event fires, the engine copies the case's
step and data onto one reusable binding object, calls ``machine.events[event].trigger(binding)``
(transitions runs the conditions and callbacks and moves the binding), reads the result back and
writes it into the case. A lock makes the bind/fire/unbind sequence safe to use from several
threads.

A refused event (:class:`~pathways.errors.TransitionNotAllowed`,
:class:`~pathways.errors.NotAuthorized`, :class:`~pathways.errors.CaseError`) changes nothing.
Every accepted event appends a :class:`~pathways.history.HistoryEntry` whose ``hash`` covers the
previous hash, so the history is tamper-evident (:meth:`Case.verify
<pathways.case.Case.verify>`). Deadlines are kept by :mod:`pathways.deadlines`.

The records are defined in :mod:`pathways.case` (:class:`~pathways.case.Case`,
:class:`~pathways.case.Actor`) and :mod:`pathways.history`
(:class:`~pathways.history.HistoryEntry`).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pathways._replay import clone, replay
from pathways._replay import facts as _facts
from pathways._runtime import _EMPTY
from pathways.case import Actor, Case, Referral
from pathways.clock import Clock, SystemClock, as_utc
from pathways.deadlines import Deadlines, Due
from pathways.errors import CaseError, NotAuthorized, TransitionNotAllowed
from pathways.guards import GuardError, evaluate
from pathways.history import (
    SNAPSHOT_FORMAT,
    HistoryEntry,
    _canonical,
    _digest,
    append_entry,
    broken_at,
    open_entry,
)
from pathways.machine import _DECLINE, _Binding, compile_machine
from pathways.model import Pathway
from pathways.versions import fingerprint

__all__ = ["Engine"]

OnEnter = Callable[[str, "Case"], object]
"""``on_enter(step_id, case)``: called after a case entered a step (see :class:`Engine`)."""


class Engine:
    """Runs cases of one pathway on one shared ``transitions.Machine``.

    Parameters
    ----------
    pathway
        A loaded pathway; its guards must parse (run ``pathways validate`` first).
    clock
        Where "now" comes from when an ``at`` is not given; default :class:`SystemClock`.
    on_enter
        ``on_enter(step_id, case)``, called after a case entered a step (on open, on every
        transition and on a declined referral), once the case record holds the new step and
        history entry, and outside the engine's lock (so a hook may fire further events). If a
        hook raises, the exception reaches the caller of ``open``/``fire``/``decline``, but the
        transition stands: the case is moved, its history and chain are intact, and it should
        still be saved. Hooks are not retried. (When the hook raises during ``open``, the new
        case is not returned; nothing was stored, so the open is as if it had not happened.)
    key
        A secret (at least 16 bytes) from the embedding application: every history hash is
        then an HMAC-SHA-256 under it, so a forged history re-hashed without the key does not
        verify. Without a key the hashes are plain SHA-256 (see docs/deploying.md for what
        each detects).
    previous_keys
        Keys being retired: entries hashed under them still verify; new entries use ``key``.

    Raises
    ------
    CaseError
        A transition names an unknown step, or a guard does not parse.

    Examples
    --------
    >>> import pathways as pw
    >>> p = pw.load("pathways/kh/csa-in-person.yaml")
    >>> engine = pw.Engine(p)
    >>> case = engine.open(data={"hours_since_incident": 10}, entry="report_police", case_id="c-1")
    >>> _ = case.fire("to_notify", actor=pw.Actor(id="u7", role="police_officer"))
    >>> case.step, [e.event for e in case.history]
    ('notify', ['open', 'to_notify'])
    """

    def __init__(
        self,
        pathway: Pathway,
        *,
        clock: Clock | None = None,
        on_enter: OnEnter | None = None,
        key: bytes | None = None,
        previous_keys: Sequence[bytes] = (),
    ) -> None:
        self.pathway = pathway
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.on_enter = on_enter
        for k in (key, *previous_keys):
            if k is not None and (not isinstance(k, bytes) or len(k) < 16):
                raise ValueError("a history key must be bytes, at least 16 of them")
        if previous_keys and key is None:
            raise ValueError("previous_keys without a key: pass the current key as key=")
        self._key = key
        self._keys: tuple[bytes | None, ...] = (key, *previous_keys)
        self.fingerprint = fingerprint(pathway)
        """The pathway's :func:`~pathways.versions.fingerprint`; it seeds every chain."""
        self._lock = threading.Lock()
        self._binding = _Binding()
        self._compile()

    def _compile(self) -> None:
        compiled = compile_machine(self.pathway)  # raises CaseError for a bad file
        self.machine = compiled.machine
        self._fields = self.pathway.case_fields
        self._edges, self._exits, self._events = compiled.edges, compiled.exits, compiled.events
        self._allowed, self._answerers = compiled.allowed, compiled.answerers
        self._deadlines = Deadlines(self.pathway, compiled.succ)
        self._entries = self.pathway.entry_steps()
        # parallel tracks (SPEC 7.1): the kind of each step, and the transitions into each join
        self._kind = {s.id: s.kind for s in self.pathway.steps}
        self.parallel = any(k in ("fork", "join") for k in self._kind.values())
        """Whether the pathway has fork or join steps (its cases may have several tracks)."""
        # access by agency: the agency of each role and the agency owning each step (its role's)
        self._role_agency = {r.id: r.agency for r in self.pathway.roles}
        self._owner = {
            s.id: self._role_agency.get(s.role) if s.role else None for s in self.pathway.steps
        }
        self._agency_ids = frozenset(a.id for a in self.pathway.agencies)
        self._join_in: dict[str, tuple[int, ...]] = {
            s.id: tuple(i for i, t in enumerate(self.pathway.transitions) if t.to == s.id)
            for s in self.pathway.steps
            if s.kind == "join"
        }

    def __repr__(self) -> str:
        return f"<Engine {self.pathway.id!r} {self.pathway.version}>"

    # --- inputs ------------------------------------------------------------------------

    def _now(self, at: dt.datetime | None) -> dt.datetime:
        when = self.clock.now() if at is None else at
        if isinstance(when, dt.datetime) and when.tzinfo is dt.UTC:
            return when  # the common case, without a conversion
        try:
            return as_utc(when, "at")
        except ValueError as exc:
            raise CaseError(str(exc)) from None

    def check_data(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """``data`` checked against the pathway's case fields; returns a plain copy.

        Fields may be left out (a guard that needs a missing field does not hold).

        Raises
        ------
        CaseError
            ``data`` names an undeclared field, or a value is not of its field's type and
            domain; the message names the field, the value and what is expected.
        """
        if not isinstance(data, Mapping):
            raise CaseError(f"case data must be a mapping of field to value, not {data!r}")
        out: dict[str, Any] = {}
        for name, value in data.items():
            spec = self._fields.get(name)
            if spec is None:
                declared = ", ".join(repr(f) for f in self._fields) or "none"
                raise CaseError(
                    f"unknown case field {name!r}; pathway {self.pathway.id!r} declares: {declared}"
                )
            if not spec.accepts(value) or (isinstance(value, float) and not math.isfinite(value)):
                raise CaseError(
                    f"case field {name!r}: {value!r} ({type(value).__name__}) is not "
                    f"{spec.describe()}"
                )
            out[name] = value
        return out

    @staticmethod
    def _check_note(note: object, what: str = "note") -> str | None:
        if note is not None and not isinstance(note, str):
            raise CaseError(f"{what} must be text or None, not {type(note).__name__}")
        return note

    def _check_case(self, case: Case) -> None:
        if case._engine is not self:
            raise CaseError(f"case {case.id!r} belongs to another engine ({case._engine!r})")

    # --- open --------------------------------------------------------------------------

    def open(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        entry: str | None = None,
        case_id: str | None = None,
        at: dt.datetime | None = None,
        actor: Actor | None = None,
        note: str | None = None,
    ) -> Case:
        """Open a case at an entry step.

        Parameters
        ----------
        data
            Case field values, checked against ``case_fields`` (see :meth:`check_data`).
        entry
            An entry step; default: the pathway's only entry step.
        case_id
            The case id; default a random UUID (hex).
        at
            When the case was opened (aware); default ``clock.now()``.
        actor
            Who opened it; if given, its role must be the entry step's role. Default: recorded
            as actor ``"system"`` with no role.

        Raises
        ------
        CaseError
            Bad data, an ``entry`` that is not an entry step, or several entry steps and no
            ``entry``; the message lists the entry steps.
        NotAuthorized
            ``actor.role`` is not the entry step's role.
        """
        entries = self._entries
        if entry is None:
            if len(entries) != 1:
                raise CaseError(
                    f"pathway {self.pathway.id!r} has {len(entries)} entry steps; pass "
                    f"entry= one of: {', '.join(entries) or 'none'}"
                )
            entry = entries[0]
        elif entry not in entries:
            raise CaseError(
                f"{entry!r} is not an entry step of pathway {self.pathway.id!r}; entry steps: "
                f"{', '.join(entries) or 'none'}"
            )
        step = self.pathway.steps_by_id[entry]
        entry = step.id  # the pathway's own string, shared by every case
        if case_id is None:
            case_id = uuid.uuid4().hex
        elif not isinstance(case_id, str) or not case_id:
            raise CaseError(f"case_id must be a non-empty string, not {case_id!r}")
        if actor is not None and actor.role != step.role:
            raise NotAuthorized(
                f"role {actor.role!r} may not open a case at {entry!r}; allowed: {step.role}",
                event="open",
                role=actor.role,
            )
        if actor is not None:
            self._check_agency(None, case_id, actor, "open", "open a case", entry)
        values = self.check_data(data) if data else {}
        self._check_note(note)
        when = self._now(at)
        who, role = (actor.id, actor.role) if actor else ("system", "")
        first = open_entry(
            self.pathway.id,
            case_id,
            entry,
            who,
            role,
            when,
            note,
            values,
            tracks=(entry,) if self.parallel else None,
            fingerprint=self.fingerprint,
            key=self._key,
            agency=actor.agency if actor else None,
        )
        clocks = self._deadlines.open_clocks(entry, when)
        case = Case(self, case_id, entry, entry, values, [first], None, clocks or None)
        self._deadlines.meet(case, entry, when)
        if self.on_enter is not None:
            self.on_enter(entry, case)
        return case

    # --- firing ------------------------------------------------------------------------

    def _trigger(
        self, step: str, trigger: str, role: str, data: Mapping[str, Any]
    ) -> tuple[bool, int, str, str]:
        """Bind a track at ``step`` to the machine, fire, unbind: (taken, transition index,
        target, guard problem). Called with the lock held."""
        b = self._binding
        b.pathways_step = step
        b.data = data
        b.role = role
        b.chosen = -1
        b.guard_problem = ""
        try:
            taken = self.machine.events[trigger].trigger(b)
            return bool(taken), b.chosen, b.pathways_step, b.guard_problem
        finally:
            b.data = _EMPTY

    def _refusal(self, case: Case, event: str) -> TransitionNotAllowed:
        tracks = case._tracks
        if len(tracks) > 1:
            return self._refusal_tracks(case, event)
        step = tracks[0][0]
        here = self._events.get(step, []) if tracks[0][1] < 0 else []
        if event not in self._events_all():
            why = f"pathway {self.pathway.id!r} has no event {event!r}"
        else:
            why = f"no transition for {event!r} leaves {step!r}"
        why += f" (events here: {', '.join(here)})" if here else " (no events leave it)"
        return TransitionNotAllowed(f"Can't {event} when in {step}: {why}.", event=event, step=step)

    def _refusal_tracks(self, case: Case, event: str) -> TransitionNotAllowed:
        where = ", ".join(case.steps)
        if event not in self._events_all():
            why = f"pathway {self.pathway.id!r} has no event {event!r}"
        else:
            why = f"no transition for {event!r} leaves a step where a track can move"
        here = [
            f"{s}: {', '.join(self._events.get(s, ())) or 'none'}" for s, w in case._tracks if w < 0
        ]
        waiting = case.waiting
        return TransitionNotAllowed(
            f"Can't {event} when in {where}: {why}"
            + (f" (events by track: {'; '.join(here)})" if here else "")
            + (f" (waiting at join: {', '.join(waiting)})" if waiting else "")
            + ".",
            event=event,
            step=where,
        )

    def _pick(self, case: Case, event: str, at: str | None) -> int:
        """Index of the track ``event`` moves (SPEC 7.1); raises TransitionNotAllowed when no
        track can move or several steps could and ``at`` names none."""
        tracks = case._tracks
        if at is not None:
            if not isinstance(at, str) or at not in self._kind:
                raise TransitionNotAllowed(
                    f"Can't {event} at {at!r}: pathway {self.pathway.id!r} has no step {at!r}.",
                    event=str(event),
                    step=str(at),
                )
            live = [i for i, (s, w) in enumerate(tracks) if s == at and w < 0]
            if live:
                return live[0]
            if any(s == at for s, _ in tracks):
                raise TransitionNotAllowed(
                    f"Can't {event} at {at}: the track there waits for the other tracks of the "
                    "join; the join is entered when the last one arrives.",
                    event=str(event),
                    step=at,
                )
            raise TransitionNotAllowed(
                f"Can't {event} at {at}: no track of case {case.id!r} is at {at!r} (tracks at: "
                f"{', '.join(case.steps)}).",
                event=str(event),
                step=at,
            )
        exits = self._exits
        found = [
            i
            for i, (s, w) in enumerate(tracks)
            if w < 0 and isinstance(event, str) and (s, event) in exits
        ]
        if not found:
            raise self._refusal(case, str(event))
        first = tracks[found[0]][0]
        others = sorted({tracks[i][0] for i in found} - {first})
        if others:
            raise TransitionNotAllowed(
                f"Can't {event} without at=: it could move the tracks at "
                f"{', '.join([first, *others])}; name the track's step with at=.",
                event=event,
                step=", ".join([first, *others]),
            )
        return found[0]

    def _events_all(self) -> set[str]:
        return {t.event for t in self.pathway.transitions}

    def fire(
        self,
        case: Case,
        event: str,
        actor: Actor,
        at: dt.datetime | None,
        note: str | None,
        data: Mapping[str, Any] | None,
        track: str | None = None,
    ) -> HistoryEntry:
        """Fire ``event`` on ``case`` (see :meth:`Case.fire <pathways.case.Case.fire>`)."""
        self._check_case(case)
        if not isinstance(actor, Actor):
            raise CaseError(f"actor must be a pathways.Actor, not {actor!r}")
        self._check_note(note)
        update = self.check_data(data) if data else {}
        when = self._now(at)
        with self._lock:
            tracks = case._tracks
            if track is None and len(tracks) == 1 and tracks[0][1] < 0:
                i = 0  # the common case: one track, no choice to make
            else:
                i = self._pick(case, event, track)
            step = tracks[i][0]
            edges = self._exits.get((step, event)) if isinstance(event, str) else None
            if not edges:
                raise self._refusal(case, str(event))
            if actor.role not in self._allowed[(step, event)]:
                raise NotAuthorized(
                    f"role {actor.role!r} may not fire {event!r} at {step!r}; allowed: "
                    f"{', '.join(sorted(self._allowed[(step, event)])) or 'no role'}",
                    event=event,
                    role=actor.role,
                )
            if self._owner[step] is not None:
                self._check_agency(case, case.id, actor, event, f"fire {event!r}", step)
            self._check_order(case, when)
            merged = {**case.data, **update} if update else case.data
            if self._kind[step] == "fork":  # every exit at once: one new track on each
                moves = [(e.index, e.transition.to) for e in edges]
                target = step
            else:
                taken, index, target, problem = self._trigger(step, event, actor.role, merged)
                if not taken:
                    guards = [e.transition.when for e in edges if e.transition.when]
                    shown = " nor ".join(repr(g) for g in guards)
                    why = (
                        f"the guard {shown} does not hold"
                        if len(guards) == 1
                        else (
                            f"neither guard {shown} holds" if guards else "no transition was taken"
                        )
                    )
                    raise TransitionNotAllowed(
                        f"Can't {event} when in {step}: {why}"
                        + (f" ({problem})" if problem else "")
                        + ".",
                        event=event,
                        step=step,
                    )
                moves = [(index, target)]
            # -- commit: nothing below can fail on user input --------------------------------
            if self.parallel:
                entered, after = self._move(tracks, i, moves)
                listed: tuple[str, ...] | None = tuple(s for s, _ in after)
            else:
                entered, after, listed = [target], [(target, -1)], None
            entry = append_entry(
                case.history,
                event,
                step,
                target,
                actor.id,
                actor.role,
                when,
                note,
                update,
                self._key,
                listed,
                actor.agency,
            )
            pending = case.referral
            if pending is not None and pending.target != step:
                pending = next(
                    (r for r in case.referrals or () if r.answer is None and r.target == step),
                    None,
                )
            if pending is not None:  # acting at the referral's target accepts it
                pending.answer, pending.answered_at, pending.answered_by = (
                    "accepted",
                    when,
                    actor.id,
                )
            if update:
                case.data = merged
            for index, _ in moves:
                t = self._edges[index].transition
                if t.kind == "referral":
                    within = t.response_within
                    if case.referrals is None:
                        case.referrals = []
                    case.referrals.append(
                        Referral(
                            index,
                            t.event,
                            t.source,
                            t.to,
                            t.on_reject or t.source,
                            when,
                            None if within is None else when + dt.timedelta(hours=within),
                        )
                    )
            case._tracks = after
            for s in entered:
                self._deadlines.start_and_meet(case, s, when)
        if self.on_enter is not None:
            for s in entered:
                self.on_enter(s, case)
        return entry

    def _move(
        self, tracks: list[tuple[str, int]], i: int, moves: list[tuple[int, str]]
    ) -> tuple[list[str], list[tuple[str, int]]]:
        """The token game of SPEC 7.1: track ``i`` moves along ``moves`` (transition index,
        target); returns the steps entered, in order, and the tracks after the move."""
        kind, join_in = self._kind, self._join_in
        if len(moves) == 1:  # the common case: one track moves to an ordinary step
            target = moves[0][1]
            k = kind[target]
            if k != "join" and k != "outcome":
                after = tracks.copy()
                after[i] = (target, -1)
                return [target], after
        entered: list[str] = []
        placed: list[tuple[str, int]] = []
        for index, target in moves:
            if kind[target] == "join" and index >= 0:
                placed.append((target, index))  # waits on its transition
            else:
                placed.append((target, -1))
                entered.append(target)
        after = [*tracks[:i], *placed, *tracks[i + 1 :]]
        for join in dict.fromkeys(s for s, w in placed if w >= 0):
            needed = join_in[join]
            first: dict[int, int] = {}  # transition -> position of its first waiting track
            for pos, (s, w) in enumerate(after):
                if s == join and w >= 0 and w not in first:
                    first[w] = pos
            if all(n in first for n in needed):  # the last one arrived: the join is entered
                at = min(first[n] for n in needed)
                gone = {first[n] for n in needed} - {at}
                after = [(join, -1) if p == at else t for p, t in enumerate(after) if p not in gone]
                entered.append(join)
        # a track that enters an outcome ends; the case keeps the outcome its last track entered
        ended = [p for p, (s, w) in enumerate(after) if w < 0 and kind[s] == "outcome"]
        if ended:
            if len(ended) == len(after):
                after = [after[ended[-1]]]
            else:
                after = [t for p, t in enumerate(after) if p not in set(ended)]
        return entered, after

    def answer(
        self,
        case: Case,
        answer: str,
        actor: Actor,
        at: dt.datetime | None,
        note: str | None,
        track: str | None = None,
    ) -> HistoryEntry:
        """Accept or decline the pending referral (:meth:`Case.accept <pathways.case.Case.accept>`,
        :meth:`Case.decline <pathways.case.Case.decline>`)."""
        self._check_case(case)
        if not isinstance(actor, Actor):
            raise CaseError(f"actor must be a pathways.Actor, not {actor!r}")
        self._check_note(note, "reason" if answer == "decline" else "note")
        if answer == "decline" and not (note and note.strip()):
            raise CaseError("declining a referral needs a reason")
        when = self._now(at)
        with self._lock:
            pending = self._pending(case, answer, track)
            step = pending.target
            if actor.role not in self._answerers[step]:
                raise NotAuthorized(
                    f"role {actor.role!r} may not {answer} the referral to {step!r}; allowed: "
                    f"{', '.join(sorted(self._answerers[step])) or 'no role'}",
                    event=answer,
                    role=actor.role,
                )
            self._check_agency(
                case, case.id, actor, answer, f"{answer} the referral to {step!r}", step
            )
            self._check_order(case, when)
            tracks = case._tracks
            i = next((p for p, (s, w) in enumerate(tracks) if s == step and w < 0), 0)
            target = step
            entered: list[str] = []
            after = tracks
            if answer == "decline":
                if self._kind.get(pending.on_reject) == "join":
                    raise CaseError(
                        f"the referral to {step!r} falls back into join {pending.on_reject!r}, "
                        "which gives no move (PW113); fix the pathway's on_reject"
                    )
                taken, _, target, _ = self._trigger(
                    step, f"{_DECLINE}{pending.transition}", actor.role, case.data
                )
                if not taken:  # pragma: no cover - the decline transition has no condition
                    raise CaseError(f"the machine refused to decline the referral to {step!r}")
                if target != step:
                    entered, after = (
                        self._move(tracks, i, [(-1, target)])
                        if self.parallel
                        else ([target], [(target, -1)])
                    )
            entry = append_entry(
                case.history,
                answer,
                step,
                target,
                actor.id,
                actor.role,
                when,
                note,
                _EMPTY,
                self._key,
                tuple(s for s, _ in after) if self.parallel else None,
                actor.agency,
            )
            pending.answer = "accepted" if answer == "accept" else "declined"
            pending.answered_at, pending.answered_by = when, actor.id
            if after is not tracks:
                case._tracks = after
                for s in entered:
                    self._deadlines.start_and_meet(case, s, when)
        if self.on_enter is not None:
            for s in entered:
                self.on_enter(s, case)
        return entry

    def _pending(self, case: Case, answer: str, track: str | None) -> Referral:
        """The pending referral an accept or decline answers (``track``: its target step)."""
        if track is None:
            pending = case.referral
            if pending is None:
                raise CaseError(f"case {case.id!r} has no pending referral to {answer}")
            if self.parallel:
                targets = sorted({r.target for r in case.pending_referrals})
                if len(targets) > 1:
                    raise CaseError(
                        f"case {case.id!r} has referrals pending to {', '.join(targets)}; "
                        f"name the one to {answer} with at=STEP"
                    )
            return pending
        for r in case.pending_referrals:
            if r.target == track:
                return r
        raise CaseError(
            f"case {case.id!r} has no pending referral to {track!r} to {answer} (pending: "
            f"{', '.join(r.target for r in case.pending_referrals) or 'none'})"
        )

    def agency_of(self, actor: Actor) -> str | None:
        """The agency ``actor`` acts for: its own, or without one its role's agency in the
        pathway (None: the role is not one of the pathway's)."""
        return actor.agency if actor.agency is not None else self._role_agency.get(actor.role)

    @staticmethod
    def _referred_to(case: Case, owner: Mapping[str, str | None]) -> list[str]:
        """The agencies the case is referred to: those owning the target of a referral that
        is pending or was accepted (a declined referral gives no access), sorted."""
        return sorted(
            {
                agency
                for r in case.referrals or ()
                if r.answer != "declined" and (agency := owner.get(r.target)) is not None
            }
        )

    def _agency_refusal(self, case: Case | None, actor: Actor, step: str) -> str | None:
        """Why ``actor`` may not act at ``step`` of ``case`` for its agency, or None.

        The rule (docs/deploying.md, "Access by agency"): a step belongs to the agency of its
        role; an actor acts at a step of its own agency, and at a step of another agency only
        while the case is referred to its own (a referral, pending or accepted, to a step of
        its agency: Primero's referral, which adds the receiving agency to those holding the
        case; declining it takes that away)."""
        owner = self._owner[step]
        mine = self.agency_of(actor)
        if owner is None or owner == mine:
            return None
        if mine is None:
            return f"role {actor.role!r} belongs to no agency of the pathway"
        if actor.agency is not None and actor.agency not in self._agency_ids:
            return f"{mine!r} is not an agency of pathway {self.pathway.id!r}"
        referred = [] if case is None else self._referred_to(case, self._owner)
        if mine in referred:
            return None
        listed = ", ".join(repr(a) for a in referred) or "no agency"
        return f"the case is not referred to {mine!r} (it is referred to {listed})"

    def _check_agency(
        self, case: Case | None, case_id: str, actor: Actor, event: str, doing: str, step: str
    ) -> None:
        """Raise NotAuthorized if ``actor``'s agency may not act at ``step`` (one message: who,
        which step, which agency owns it, why)."""
        why = self._agency_refusal(case, actor, step)
        if why is None:
            return
        mine = self.agency_of(actor)
        who = f"actor {actor.id!r} ({actor.role!r}" + (
            f" of agency {mine!r})" if mine is not None else ")"
        )
        raise NotAuthorized(
            f"{who} may not {doing} at {step!r} of case {case_id!r}: the step belongs to "
            f"agency {self._owner[step]!r} and {why}",
            event=event,
            role=actor.role,
            agency=mine or "",
            step=step,
        )

    def _check_order(self, case: Case, when: dt.datetime) -> None:
        last = case.history[-1].at
        if when < last:
            raise CaseError(
                f"time {when.isoformat()} is before the last event of case {case.id!r} "
                f"at {last.isoformat()}"
            )

    def available(self, case: Case, actor: Actor, at: str | None = None) -> list[str]:
        """See :meth:`Case.available <pathways.case.Case.available>`."""
        self._check_case(case)
        out: list[str] = []
        for step, wait in case._tracks:
            if wait >= 0 or (at is not None and step != at):
                continue
            if self._agency_refusal(case, actor, step) is not None:
                continue
            for event in self._events.get(step, ()):
                if event in out:
                    continue
                for edge in self._exits[(step, event)]:
                    try:
                        holds = edge.guard is None or evaluate(edge.guard, case.data)
                    except GuardError:
                        holds = False
                    if holds:
                        if actor.role in edge.by:
                            out.append(event)
                        break
        return out

    # --- deadlines ---------------------------------------------------------------------

    def _all_limits(self, case: Case) -> list[Due]:
        return self._deadlines.all_limits(case)

    def due(self, case: Case) -> list[Due]:
        """See :meth:`Case.due <pathways.case.Case.due>`."""
        self._check_case(case)
        return self._deadlines.due(case)

    def overdue(self, case: Case, now: dt.datetime) -> list[Due]:
        """See :meth:`Case.overdue <pathways.case.Case.overdue>`."""
        self._check_case(case)
        return self._deadlines.overdue(case, self._now(now))

    def deadlines_snapshot(self, case: Case) -> dict[str, Any]:
        """The ``deadlines`` part of :meth:`Case.to_dict <pathways.case.Case.to_dict>`."""
        return self._deadlines.to_dict(case._clocks)

    def overdue_from(self, case: Case) -> dt.datetime | None:
        """The earliest time at which ``case.overdue(now)`` is non-empty if no further event
        happens (None: never). Stores index cases by it."""
        missed = self.overdue(case, dt.datetime.max.replace(tzinfo=dt.UTC))
        return missed[0].due_at if missed else None

    # --- snapshots ---------------------------------------------------------------------

    def migrate(
        self,
        case: Case,
        to: Pathway | Engine,
        mapping: Mapping[str, str] | None = None,
        *,
        actor: Actor,
        at: dt.datetime | None = None,
        note: str | None = None,
    ) -> Case:
        """Move an open case of this engine to a new version of the pathway.

        Every track goes to ``mapping[step]`` (or the step of the same id); the case's data,
        the deadline clocks of deadlines the new version keeps and the referrals whose moves
        it keeps carry over. A ``migrate`` entry is appended to the hash chain: the old and
        new version and fingerprint, the mapping, ``actor`` and the case's state after the
        move. The case is returned on the new engine; ``case`` itself is unchanged.

        Parameters
        ----------
        to
            The new version, as a pathway (an engine is made with this engine's clock and
            key) or an engine.
        mapping
            Old step id -> new step id, for steps renamed or removed.

        Raises
        ------
        CaseError
            The case cannot move (the message lists why: see
            :func:`pathways.migration.plan_case`), or the time is before its last event.
        ValueError
            The mapping names a step missing from the old or the new version.

        Examples
        --------
        >>> import datetime as dt, pathways as pw
        >>> p = pw.load("pathways/kh/csa-in-person.yaml")
        >>> engine = pw.Engine(p)
        >>> at = dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)
        >>> case = engine.open(entry="report_police", case_id="c-1", at=at)
        >>> new = engine.migrate(case, p.model_copy(update={"version": "0.2.0"}),
        ...                      actor=pw.Actor(id="admin", role="dosvy_supervisor"), at=at)
        >>> new.pathway_version, new.history[-1].event, new.verify()
        ('0.2.0', 'migrate', True)
        """
        from pathways.migration import migrate_case

        if isinstance(to, Engine):
            engine = to
        else:
            retired = tuple(k for k in self._keys[1:] if k is not None)
            engine = Engine(to, clock=self.clock, key=self._key, previous_keys=retired)
        return migrate_case(case, engine, mapping, actor=actor, at=at, note=note)

    def restore(self, snapshot: Mapping[str, Any]) -> Case:
        """The case a :meth:`Case.to_dict` snapshot describes.

        The history decides: its chain is checked, its events are replayed on this engine,
        and every other fact of the snapshot (step, data, referrals, deadline clocks, entry,
        times) must be what the replay gives.

        Raises
        ------
        CaseError
            The snapshot is of another pathway id, version or fingerprint, is malformed, or
            its history does not verify or does not account for one of its facts (the message
            names the entry or the fact).
        """
        if not isinstance(snapshot, Mapping) or snapshot.get("format") != SNAPSHOT_FORMAT:
            raise CaseError(f"not a case snapshot (expected format {SNAPSHOT_FORMAT!r})")
        p = self.pathway
        case_id = snapshot.get("id")
        theirs = (snapshot.get("pathway"), snapshot.get("pathway_version"))
        if theirs != (p.id, p.version):
            move = (
                "; move open cases to the new version with Engine.migrate or `pathways migrate`"
                if theirs[0] == p.id
                else ""
            )
            raise CaseError(
                f"case {case_id!r} is a case of pathway {theirs[0]!r} version "
                f"{theirs[1]!r}; this engine runs {p.id!r} version {p.version!r}{move}"
            )
        if snapshot.get("fingerprint") != self.fingerprint:
            raise CaseError(
                f"case {case_id!r} follows pathway {p.id!r} version {p.version} as it was "
                f"(fingerprint {str(snapshot.get('fingerprint'))[:19]}...), but this engine's "
                f"file of version {p.version} says something else (fingerprint "
                f"{self.fingerprint[:19]}...): the pathway changed without a new version. Give "
                "the changed file a new version and move open cases to it with Engine.migrate "
                "or `pathways migrate` (see `pathways diff` for what changed)"
            )
        if not isinstance(case_id, str) or not case_id:
            raise CaseError(f"malformed case snapshot: id {case_id!r}")
        try:
            history = [HistoryEntry.from_dict(e) for e in snapshot["history"]]
            version = snapshot["version"]
            if not isinstance(version, int) or isinstance(version, bool) or version < 0:
                raise CaseError(f"malformed case snapshot: version {version!r}")
            step, data = snapshot["step"], snapshot["data"]
            tracks = self._restore_tracks(snapshot.get("tracks"), step)
            broken = broken_at(
                p.id,
                case_id,
                history,
                tracks[0][0],
                data,
                tuple(s for s, _ in tracks),
                fingerprint=self.fingerprint,
                keys=self._keys,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise CaseError(f"malformed case snapshot: {type(exc).__name__}: {exc}") from None
        if broken is not None:
            raise CaseError(
                f"the history of case {case_id!r} does not verify at entry {broken}: it was "
                "changed after it was written"
            )
        case = replay(self, case_id, history)
        case.version = version
        self._compare(case, snapshot)
        case._checkpoint = clone(case)
        return case

    def _compare(self, case: Case, snapshot: Mapping[str, Any]) -> None:
        for name, value in _facts(case).items():
            if snapshot.get(name) != value:
                raise CaseError(
                    f"case {case.id!r}: its {name} is not what its history gives (stored "
                    f"{_short(snapshot.get(name))}, replayed {_short(value)}); it was changed "
                    "after it was written"
                )

    def problem(self, case: Case) -> str | None:
        """What is wrong with ``case`` (None: nothing): a broken chain, or a fact that
        replaying its history on this engine does not give. Costs a replay of the history."""
        self._check_case(case)
        broken = broken_at(
            self.pathway.id,
            case.id,
            case.history,
            case._tracks[0][0],
            case.data,
            case.steps,
            fingerprint=self.fingerprint,
            keys=self._keys,
        )
        if broken is not None:
            return f"the history of case {case.id!r} does not verify at entry {broken}"
        try:
            self._compare(replay(self, case.id, case.history), case.to_dict(history=False))
        except CaseError as exc:
            return str(exc)
        return None

    def check_unsaved(
        self, case: Case, stored: int, *, facts: Mapping[str, Any] | None = None
    ) -> Case:
        """Check the entries of ``case`` after the first ``stored`` (the ones a store is about
        to append) and that the case's facts are what its history gives; return the replayed
        case, to become the case's checkpoint once the save commits.

        After a load or a save only the new events are replayed (the case keeps a checkpoint),
        so a save does not cost more for a longer history. ``facts`` is the case's
        ``to_dict(history=False)`` without ``version``, when the caller has it already.

        Raises
        ------
        CaseError
            The case does not verify; the message says where. Nothing is to be written.
        """
        self._check_case(case)
        point = case._checkpoint
        if point is None or len(point.history) != stored or stored > len(case.history):
            base, start = None, 0
        else:
            base, start = clone(point), stored
            if case.history[stored - 1] is not point.history[-1] and (
                case.history[stored - 1].hash != point.history[-1].hash
            ):
                raise CaseError(
                    f"the history of case {case.id!r} does not verify at entry {stored - 1}: "
                    "it is not the history the case was loaded with"
                )
        new = case.history[start:]
        if base is None:
            broken = broken_at(
                self.pathway.id,
                case.id,
                new,
                case._tracks[0][0],
                case.data,
                case.steps,
                fingerprint=self.fingerprint,
                keys=self._keys,
            )
        else:
            broken = _broken_tail(base.history[-1], new, self._keys)
        if broken is not None:
            raise CaseError(
                f"the history of case {case.id!r} does not verify at entry {start + broken}; "
                "it is not saved"
            )
        replayed = replay(self, case.id, new, base)
        replayed.version = case.version
        mine = _facts(case) if facts is None else facts
        for name, value in _facts(replayed).items():
            if mine.get(name) != value:
                raise CaseError(
                    f"case {case.id!r}: its {name} is not what its history gives (replayed "
                    f"{_short(value)}); it is not saved"
                )
        return replayed

    def _restore_tracks(self, listed: object, step: object) -> list[tuple[str, int]]:
        """The tracks of a snapshot, checked against the pathway (SPEC 7.1)."""
        steps = self.pathway.steps_by_id
        if listed is None:
            if step not in steps:
                raise CaseError(f"malformed case snapshot: unknown step {step!r}")
            return [(steps[str(step)].id, -1)]
        if not isinstance(listed, list) or not listed:
            raise CaseError("malformed case snapshot: tracks must be a non-empty list")
        transitions = self.pathway.transitions
        tracks: list[tuple[str, int]] = []
        for t in listed:
            if not isinstance(t, Mapping) or set(t) != {"step", "waiting_on"}:
                raise CaseError(
                    f"malformed case snapshot: a track must be {{step, waiting_on}}, not {t!r}"
                )
            at, wait = t["step"], t["waiting_on"]
            if at not in steps:
                raise CaseError(
                    f"case snapshot does not fit pathway {self.pathway.id!r}: a track is at "
                    f"unknown step {at!r}"
                )
            if wait is not None and (
                not isinstance(wait, int)
                or isinstance(wait, bool)
                or not 0 <= wait < len(transitions)
                or transitions[wait].to != at
                or self._kind[at] != "join"
            ):
                raise CaseError(
                    f"case snapshot does not fit pathway {self.pathway.id!r}: a track waits at "
                    f"{at!r} on {wait!r}, which is not a transition into that join"
                )
            tracks.append((steps[at].id, -1 if wait is None else wait))
        if len(tracks) > 1 and not self.parallel:
            raise CaseError(
                f"case snapshot does not fit pathway {self.pathway.id!r}: it has "
                f"{len(tracks)} tracks, but the pathway has no fork step"
            )
        for join, needed in self._join_in.items():
            waiting = {w for s, w in tracks if s == join and w >= 0}
            if needed and waiting.issuperset(needed):
                raise CaseError(
                    f"case snapshot does not fit pathway {self.pathway.id!r}: a track waits on "
                    f"every transition into join {join!r}, so the join should have been entered"
                )
        if len(tracks) > 1 and any(self._kind[s] == "outcome" and w < 0 for s, w in tracks):
            raise CaseError(
                f"case snapshot does not fit pathway {self.pathway.id!r}: a track that entered "
                "an outcome has ended and cannot be listed beside running tracks"
            )
        if step is not None and (len(tracks) != 1 or tracks[0][0] != step):
            raise CaseError(
                f"malformed case snapshot: step {step!r} does not match tracks "
                f"{[s for s, _ in tracks]}"
            )
        return tracks


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _broken_tail(
    last: HistoryEntry, new: Sequence[HistoryEntry], keys: Sequence[bytes | None]
) -> int | None:
    """Index in ``new`` of the first entry that does not chain from ``last``, or None."""
    previous, seq = last.hash, last.seq
    for i, e in enumerate(new):
        try:
            text = f"{previous}\n{_canonical(e.payload())}"
        except (TypeError, ValueError):
            return i
        if e.seq != seq + 1 + i or not any(_digest(k, text) == e.hash for k in keys):
            return i
        previous = e.hash
    return None
