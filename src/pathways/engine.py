"""The case runtime: live cases moving through a pathway on one shared ``transitions.Machine``.

An :class:`Engine` compiles a :class:`~pathways.model.Pathway` once into a single
``transitions.Machine`` (states are step ids, triggers are events, conditions are the parsed
guards and the ``by`` roles). Cases are small records (:class:`Case`), not models registered
with the machine: ``Machine.add_model`` costs about 0.35 ms and 17 KB per model and grows
quadratically with the number of models (transitions issues #434 and #146). Instead, while an
event fires, the engine copies the case's step and data onto one reusable binding object, calls
``machine.events[event].trigger(binding)`` (transitions runs the conditions and callbacks and
moves the binding), reads the result back and writes it into the case. A lock makes the
bind/fire/unbind sequence safe to use from several threads.

A refused event (:class:`~pathways.errors.TransitionNotAllowed`,
:class:`~pathways.errors.NotAuthorized`, :class:`~pathways.errors.CaseError`) changes nothing.
Every accepted event appends a :class:`HistoryEntry` whose ``hash`` covers the previous hash, so
the history is tamper-evident (:meth:`Case.verify`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, Literal

from transitions import Machine

from pathways.clock import Clock, SystemClock, as_utc
from pathways.errors import CaseError, NotAuthorized, TransitionNotAllowed
from pathways.guards import Expr, GuardError, evaluate, parse_guard
from pathways.model import Pathway, Transition

__all__ = ["SNAPSHOT_FORMAT", "Actor", "Case", "Due", "Engine", "HistoryEntry", "Referral"]

SNAPSHOT_FORMAT: Final = "pathways-case/1"
"""The ``format`` key of :meth:`Case.to_dict` snapshots."""

OnEnter = Callable[[str, "Case"], object]
"""``on_enter(step_id, case)``: called after a case entered a step (see :class:`Engine`)."""

_STEP_ATTR: Final = "pathways_step"  # the binding's state attribute ("state" could be an event)
_DECLINE: Final = "pathways:decline:"  # machine trigger of a declined referral, + its index
_EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})


def _iso(when: dt.datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def _time(text: object, what: str) -> dt.datetime:
    if not isinstance(text, str):
        raise CaseError(f"malformed case snapshot: {what} must be an ISO time string")
    try:
        return as_utc(dt.datetime.fromisoformat(text), what)
    except ValueError as exc:
        raise CaseError(f"malformed case snapshot: {what}: {exc}") from None


def _opt_time(text: object, what: str) -> dt.datetime | None:
    return None if text is None else _time(text, what)


# ------------------------------------------------------------------------------------ records


@dataclass(frozen=True, slots=True)
class Actor:
    """Who fires an event: a person (or system) ``id`` acting in a pathway ``role``.

    Examples
    --------
    >>> import pathways as pw
    >>> pw.Actor(id="u7", role="social_worker")
    Actor(id='u7', role='social_worker')
    """

    id: str
    role: str

    def __post_init__(self) -> None:
        for name in ("id", "role"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"Actor.{name} must be a non-empty string, got {value!r}")


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One accepted event of a case (``open``, a pathway event, ``accept`` or ``decline``).

    ``hash`` is the SHA-256 (hex) of the previous entry's hash and the canonical JSON of this
    entry's other fields (:meth:`payload`); the first entry chains from a value derived from
    the pathway and case ids. ``data`` holds the case fields this event set (all of them for
    ``open``). ``source`` is None for ``open``.
    """

    seq: int
    event: str
    source: str | None
    target: str
    actor: str
    role: str
    at: dt.datetime
    note: str | None
    data: Mapping[str, Any]
    hash: str

    def payload(self) -> dict[str, Any]:
        """The hashed fields as JSON-able values (every field except ``hash``)."""
        return {
            "seq": self.seq,
            "event": self.event,
            "source": self.source,
            "target": self.target,
            "actor": self.actor,
            "role": self.role,
            "at": self.at.isoformat(),
            "note": self.note,
            "data": dict(self.data),
        }

    def to_dict(self) -> dict[str, Any]:
        """The entry as JSON-able values, ``hash`` included."""
        out = self.payload()
        out["hash"] = self.hash
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> HistoryEntry:
        """The entry back from :meth:`to_dict` (the hash is kept, not recomputed)."""
        return cls(
            seq=int(d["seq"]),
            event=str(d["event"]),
            source=None if d["source"] is None else str(d["source"]),
            target=str(d["target"]),
            actor=str(d["actor"]),
            role=str(d["role"]),
            at=_time(d["at"], "history at"),
            note=None if d["note"] is None else str(d["note"]),
            data=dict(d["data"]) if d["data"] else _EMPTY,
            hash=str(d["hash"]),
        )


_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def _canonical(payload: Mapping[str, Any]) -> str:
    return _CANONICAL.encode(payload)


_str = json.encoder.encode_basestring  # what the canonical encoder uses for str (C accelerated)


def _entry_json(
    seq: int,
    event: str,
    source: str | None,
    target: str,
    actor: str,
    role: str,
    at: str,
    note: str | None,
    data: Mapping[str, Any],
) -> str:
    """``_canonical(payload)`` of a history entry, written out directly (the hot path of
    every event); keys in sorted order, exactly as ``json`` would write them."""
    return (
        f'{{"actor":{_str(actor)},"at":{_str(at)},'
        f'"data":{_CANONICAL.encode(dict(data)) if data else "{}"},'
        f'"event":{_str(event)},"note":{"null" if note is None else _str(note)},'
        f'"role":{_str(role)},"seq":{int(seq)},'
        f'"source":{"null" if source is None else _str(source)},"target":{_str(target)}}}'
    )


def chain_hash(previous: str, payload: Mapping[str, Any]) -> str:
    """SHA-256 hex of ``previous``, a newline and the canonical JSON of ``payload``."""
    return hashlib.sha256(f"{previous}\n{_canonical(payload)}".encode()).hexdigest()


def _genesis(pathway_id: str, case_id: str) -> str:
    # Binding the first link to the case id keeps entries from being moved between cases.
    return hashlib.sha256(f"{SNAPSHOT_FORMAT}\n{pathway_id}\n{case_id}".encode()).hexdigest()


@dataclass(slots=True)
class Referral:
    """A referral made by a ``kind: referral`` transition, pending until answered.

    ``answer`` is None while pending, then ``"accepted"`` or ``"declined"``; ``due_at`` is the
    referral time plus ``response_within`` (None without one).
    """

    transition: int
    event: str
    source: str
    target: str
    on_reject: str
    referred_at: dt.datetime
    due_at: dt.datetime | None
    answer: Literal["accepted", "declined"] | None = None
    answered_at: dt.datetime | None = None
    answered_by: str | None = None

    @property
    def pending(self) -> bool:
        """Whether the receiving role has not answered yet."""
        return self.answer is None

    def to_dict(self) -> dict[str, Any]:
        """The referral as JSON-able values."""
        return {
            "transition": self.transition,
            "event": self.event,
            "source": self.source,
            "target": self.target,
            "on_reject": self.on_reject,
            "referred_at": self.referred_at.isoformat(),
            "due_at": _iso(self.due_at),
            "answer": self.answer,
            "answered_at": _iso(self.answered_at),
            "answered_by": self.answered_by,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Referral:
        """The referral back from :meth:`to_dict`."""
        answer = d["answer"]
        if answer not in (None, "accepted", "declined"):
            raise CaseError(f"malformed case snapshot: referral answer {answer!r}")
        return cls(
            transition=int(d["transition"]),
            event=str(d["event"]),
            source=str(d["source"]),
            target=str(d["target"]),
            on_reject=str(d["on_reject"]),
            referred_at=_time(d["referred_at"], "referred_at"),
            due_at=_opt_time(d["due_at"], "due_at"),
            answer=answer,
            answered_at=_opt_time(d["answered_at"], "answered_at"),
            answered_by=d["answered_by"],
        )


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


@dataclass(frozen=True, slots=True)
class _DeadlineRule:
    id: str
    source: str | None
    targets: frozenset[str]
    ordered_targets: tuple[str, ...]
    within: dt.timedelta


@dataclass(frozen=True, slots=True)
class _Edge:
    index: int
    transition: Transition
    guard: Expr | None
    by: frozenset[str]


# ------------------------------------------------------------------- machine-side callables


class _Binding:
    """The one lightweight model the machine moves while an event fires (under the lock)."""

    __slots__ = ("chosen", "data", "guard_problem", "pathways_step", "role")

    def __init__(self) -> None:
        self.pathways_step = ""
        self.data: Mapping[str, Any] = _EMPTY
        self.role = ""
        self.chosen = -1
        self.guard_problem = ""


class _GuardCheck:
    """Condition: the transition's guard holds for the bound data."""

    __slots__ = ("expr",)

    def __init__(self, expr: Expr) -> None:
        self.expr = expr

    def __call__(self, event: Any) -> bool:
        binding: _Binding = event.model
        try:
            return evaluate(self.expr, binding.data)
        except GuardError as exc:  # a field the guard needs has no value yet
            binding.guard_problem = str(exc)
            return False


class _RoleCheck:
    """Condition: the bound role may fire the transition chosen by its guard."""

    __slots__ = ("edge",)

    def __init__(self, edge: _Edge) -> None:
        self.edge = edge

    def __call__(self, event: Any) -> bool:
        role = event.model.role
        if role in self.edge.by:
            return True
        t = self.edge.transition
        raise NotAuthorized(
            f"role {role!r} may not fire {t.event!r} from {t.source!r} to {t.to!r}; "
            f"allowed: {', '.join(sorted(self.edge.by)) or 'no role'}",
            event=t.event,
            role=role,
        )


class _Choose:
    """``before`` callback: remembers which transition the machine took."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    def __call__(self, event: Any) -> None:
        event.model.chosen = self.index


# ------------------------------------------------------------------------------------- case


class Case:
    """One child's journey through a pathway: step, data, referrals, deadlines and history.

    Create cases with :meth:`Engine.open` or :meth:`Engine.restore`, not directly. ``version``
    is the store's row version the case was loaded at (0: never saved); stores use it for
    optimistic concurrency.
    """

    __slots__ = (
        "_clocks",
        "_engine",
        "data",
        "entry",
        "history",
        "id",
        "referrals",
        "step",
        "version",
    )

    def __init__(
        self,
        engine: Engine,
        case_id: str,
        entry: str,
        step: str,
        data: dict[str, Any],
        history: list[HistoryEntry],
        referrals: list[Referral] | None = None,
        clocks: dict[str, tuple[dt.datetime, dt.datetime | None]] | None = None,
        version: int = 0,
    ) -> None:
        self._engine = engine
        self.id = case_id
        self.entry = entry
        self.step = step
        self.data = data
        self.history = history
        self.referrals = referrals
        self._clocks = clocks
        self.version = version

    # --- read-only views ---------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The engine the case runs on."""
        return self._engine

    @property
    def pathway_id(self) -> str:
        """The id of the pathway the case follows."""
        return self._engine.pathway.id

    @property
    def pathway_version(self) -> str:
        """The version of the pathway the case follows."""
        return self._engine.pathway.version

    @property
    def opened_at(self) -> dt.datetime:
        """When the case was opened (the time of its first history entry)."""
        return self.history[0].at

    @property
    def updated_at(self) -> dt.datetime:
        """The time of the last accepted event."""
        return self.history[-1].at

    @property
    def referral(self) -> Referral | None:
        """The pending referral, or None."""
        if self.referrals and self.referrals[-1].answer is None:
            return self.referrals[-1]
        return None

    @property
    def done(self) -> bool:
        """Whether the case is at an outcome step."""
        return self._engine.pathway.steps_by_id[self.step].kind == "outcome"

    # --- events ------------------------------------------------------------------------

    def fire(
        self,
        event: str,
        *,
        actor: Actor,
        at: dt.datetime | None = None,
        note: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> HistoryEntry:
        """Fire ``event`` as ``actor``; return the new history entry.

        Among the transitions for ``event`` leaving the current step, the first (in file order)
        whose guard holds is taken. ``data`` sets case fields with the event (checked like
        :meth:`Engine.open`'s data, and seen by the guards). Firing an event from the target of
        a pending referral counts as accepting it.

        Raises
        ------
        TransitionNotAllowed
            No transition for ``event`` leaves the step, or none of their guards holds.
        NotAuthorized
            ``actor.role`` is not in the ``by`` roles of the transition.
        CaseError
            Bad ``data``, ``note`` or ``at`` (naive, or before the last event).

        A refusal changes nothing. See :class:`Engine` for what ``on_enter`` hooks do.
        """
        return self._engine._fire(self, event, actor, at, note, data)

    def accept(
        self, actor: Actor, *, at: dt.datetime | None = None, note: str | None = None
    ) -> HistoryEntry:
        """Accept the pending referral as ``actor`` (a role of the target step).

        Raises
        ------
        CaseError
            There is no pending referral.
        NotAuthorized
            ``actor.role`` is neither the target step's role nor a role that may fire an event
            from it.
        """
        return self._engine._answer(self, "accept", actor, at, note)

    def decline(self, actor: Actor, reason: str, *, at: dt.datetime | None = None) -> HistoryEntry:
        """Decline the pending referral: the case goes to the referral's ``on_reject`` step.

        Without ``on_reject`` in the file, the case goes back to the step it was referred from.
        ``reason`` is required and kept as the entry's note.

        Raises
        ------
        CaseError
            There is no pending referral, or ``reason`` is empty.
        NotAuthorized
            As for :meth:`accept`.
        """
        return self._engine._answer(self, "decline", actor, at, reason)

    def available(self, actor: Actor) -> list[str]:
        """The events ``actor`` may fire now (guards holding, role allowed), in file order.

        Accepting or declining a pending referral is not listed; see :attr:`referral`.
        """
        return self._engine._available(self, actor)

    # --- deadlines ---------------------------------------------------------------------

    def due(self) -> list[Due]:
        """Open time limits, earliest first: started deadlines not met yet whose target can
        still be reached from the current step, and the pending referral's answer.

        A limit stays listed after its due time until it is met; :meth:`overdue` says which
        are missed.
        """
        return self._engine._due(self)

    def overdue(self, now: dt.datetime) -> list[Due]:
        """The time limits missed by ``now``, earliest first.

        A deadline is missed when its due time is before ``now`` and no target step was
        entered by then, provided a target could still be reached from the step the case was
        at when it fell due (a case that took another branch is not counted). A referral
        answer is missed when it came after ``response_within`` or has not come by ``now``.
        An empty list means nothing is overdue.
        """
        return self._engine._overdue(self, now)

    # --- integrity and snapshots -------------------------------------------------------

    def verify(self) -> bool:
        """Whether the history chain is intact; returns False (never raises) when broken.

        Checks every hash, the sequence numbers, that each entry leaves the step the previous
        one entered, that the last entry ends at :attr:`step`, and that replaying the entries'
        ``data`` gives :attr:`data`.
        """
        return self._engine._broken_at(self) is None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able snapshot; :meth:`Engine.restore` gives the same case back.

        Times are ISO 8601 strings in UTC; the pending referral, the deadline clocks and the
        whole history are included.
        """
        return self._engine._snapshot(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Case):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        pending = ", referral pending" if self.referral else ""
        return (
            f"<Case {self.id!r} of {self.pathway_id!r} at {self.step!r}, "
            f"{len(self.history)} events{pending}>"
        )


# ----------------------------------------------------------------------------------- engine


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
        self, pathway: Pathway, *, clock: Clock | None = None, on_enter: OnEnter | None = None
    ) -> None:
        self.pathway = pathway
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.on_enter = on_enter
        self._lock = threading.Lock()
        self._binding = _Binding()
        self._reach: dict[str, frozenset[str]] = {}
        self._compile()

    def _compile(self) -> None:
        p = self.pathway
        steps = p.steps_by_id
        self._fields = p.case_fields
        self._exits: dict[tuple[str, str], list[_Edge]] = {}
        self._events: dict[str, list[str]] = {}
        self._edges: list[_Edge] = []
        self._succ: dict[str, set[str]] = {s.id: set() for s in p.steps}
        config: list[dict[str, Any]] = []
        for i, t in enumerate(p.transitions):
            for end in (t.source, t.to, t.on_reject):
                if end is not None and end not in steps:
                    raise CaseError(
                        f"{p.file}: transition {i} ({t.source!r} -> {t.to!r}) names unknown step "
                        f"{end!r}; run `pathways validate` on the file"
                    )
            try:
                guard = parse_guard(t.when) if t.when else None
            except GuardError as exc:
                raise CaseError(
                    f"{p.file}: transition {i} ({t.source!r} -> {t.to!r}): guard {t.when!r} "
                    f"does not parse: {exc}; run `pathways validate` on the file"
                ) from None
            edge = _Edge(i, t, guard, frozenset(t.by or ()))
            self._edges.append(edge)
            self._exits.setdefault((t.source, t.event), []).append(edge)
            events = self._events.setdefault(t.source, [])
            if t.event not in events:
                events.append(t.event)
            self._succ[t.source].add(t.to)
            conditions: list[Any] = [] if guard is None else [_GuardCheck(guard)]
            conditions.append(_RoleCheck(edge))
            config.append(
                {
                    "trigger": t.event,
                    "source": t.source,
                    "dest": t.to,
                    "conditions": conditions,
                    "before": [_Choose(i)],
                }
            )
            if t.kind == "referral":
                back = t.on_reject or t.source
                self._succ[t.to].add(back)
                config.append(
                    {
                        "trigger": f"{_DECLINE}{i}",
                        "source": t.to,
                        "dest": back,
                        "before": [_Choose(i)],
                    }
                )
        # Roles that may fire (step, event) at all: checked before any guard is evaluated.
        self._allowed = {
            key: frozenset().union(*(e.by for e in es)) for key, es in self._exits.items()
        }
        # The engine checks the union of roles before firing; a transition's own role check is
        # needed only when transitions sharing its step and event differ in `by`.
        for item in config:
            if "conditions" in item:
                item["conditions"] = [
                    c
                    for c in item["conditions"]
                    if not isinstance(c, _RoleCheck)
                    or c.edge.by != self._allowed[(item["source"], item["trigger"])]
                ]
        self._answerers: dict[str, frozenset[str]] = {}
        for s in p.steps:
            roles = {s.role} if s.role else set()
            for event in self._events.get(s.id, ()):
                roles |= self._allowed[(s.id, event)]
            self._answerers[s.id] = frozenset(roles)
        self._rules = tuple(
            _DeadlineRule(
                d.id,
                d.source,
                frozenset(p.deadline_targets(d)),
                tuple(p.deadline_targets(d)),
                dt.timedelta(hours=d.within),
            )
            for d in p.deadlines
        )
        self._starts: dict[str, tuple[_DeadlineRule, ...]] = {}
        self._meets: dict[str, tuple[_DeadlineRule, ...]] = {}
        for s in p.steps:
            self._starts[s.id] = tuple(r for r in self._rules if r.source == s.id)
            self._meets[s.id] = tuple(r for r in self._rules if s.id in r.targets)
        self._default_starts = tuple(r for r in self._rules if r.source is None)
        self._entries = self.pathway.entry_steps()
        self.machine = Machine(
            model=None,
            states=[s.id for s in p.steps],
            initial=None,
            transitions=config,
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
            model_attribute=_STEP_ATTR,
            name=p.id,
        )

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
        values = self.check_data(data) if data else {}
        self._check_note(note)
        when = self._now(at)
        payload = {
            "seq": 0,
            "event": "open",
            "source": None,
            "target": entry,
            "actor": actor.id if actor else "system",
            "role": actor.role if actor else "",
            "at": when.isoformat(),
            "note": note,
            "data": values,
        }
        who, role = (actor.id, actor.role) if actor else ("system", "")
        first = HistoryEntry(
            0,
            "open",
            None,
            entry,
            who,
            role,
            when,
            note,
            dict(values) if values else _EMPTY,
            chain_hash(_genesis(self.pathway.id, case_id), payload),
        )
        clocks: dict[str, tuple[dt.datetime, dt.datetime | None]] = {
            r.id: (when, None) for r in (*self._default_starts, *self._starts[entry])
        }
        case = Case(self, case_id, entry, entry, values, [first], None, clocks or None)
        self._meet(case, entry, when)
        if self.on_enter is not None:
            self.on_enter(entry, case)
        return case

    # --- firing ------------------------------------------------------------------------

    def _trigger(
        self, case: Case, trigger: str, role: str, data: Mapping[str, Any]
    ) -> tuple[bool, int, str, str]:
        """Bind the case to the machine, fire, unbind: (taken, transition index, target,
        guard problem). Called with the lock held."""
        b = self._binding
        b.pathways_step = case.step
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
        here = self._events.get(case.step, [])
        if event not in self._events_all():
            why = f"pathway {self.pathway.id!r} has no event {event!r}"
        else:
            why = f"no transition for {event!r} leaves {case.step!r}"
        why += f" (events here: {', '.join(here)})" if here else " (no events leave it)"
        return TransitionNotAllowed(
            f"Can't {event} when in {case.step}: {why}.", event=event, step=case.step
        )

    def _events_all(self) -> set[str]:
        return {t.event for t in self.pathway.transitions}

    def _fire(
        self,
        case: Case,
        event: str,
        actor: Actor,
        at: dt.datetime | None,
        note: str | None,
        data: Mapping[str, Any] | None,
    ) -> HistoryEntry:
        self._check_case(case)
        if not isinstance(actor, Actor):
            raise CaseError(f"actor must be a pathways.Actor, not {actor!r}")
        self._check_note(note)
        update = self.check_data(data) if data else {}
        when = self._now(at)
        with self._lock:
            step = case.step
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
            self._check_order(case, when)
            merged = {**case.data, **update} if update else case.data
            taken, index, target, problem = self._trigger(case, event, actor.role, merged)
            if not taken:
                guards = [e.transition.when for e in edges if e.transition.when]
                shown = " nor ".join(repr(g) for g in guards)
                why = (
                    f"the guard {shown} does not hold"
                    if len(guards) == 1
                    else (f"neither guard {shown} holds" if guards else "no transition was taken")
                )
                raise TransitionNotAllowed(
                    f"Can't {event} when in {step}: {why}"
                    + (f" ({problem})" if problem else "")
                    + ".",
                    event=event,
                    step=step,
                )
            # -- commit: nothing below can fail on user input --------------------------------
            entry = self._append(case, event, step, target, actor, when, note, update)
            pending = case.referral
            if pending is not None:  # acting at the referral's target accepts it
                pending.answer, pending.answered_at, pending.answered_by = (
                    "accepted",
                    when,
                    actor.id,
                )
            if update:
                case.data = merged
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
            case.step = target
            self._start_and_meet(case, target, when)
        if self.on_enter is not None:
            self.on_enter(target, case)
        return entry

    def _answer(
        self, case: Case, answer: str, actor: Actor, at: dt.datetime | None, note: str | None
    ) -> HistoryEntry:
        self._check_case(case)
        if not isinstance(actor, Actor):
            raise CaseError(f"actor must be a pathways.Actor, not {actor!r}")
        self._check_note(note, "reason" if answer == "decline" else "note")
        if answer == "decline" and not (note and note.strip()):
            raise CaseError("declining a referral needs a reason")
        when = self._now(at)
        with self._lock:
            pending = case.referral
            if pending is None:
                raise CaseError(f"case {case.id!r} has no pending referral to {answer}")
            step = case.step
            if actor.role not in self._answerers[step]:
                raise NotAuthorized(
                    f"role {actor.role!r} may not {answer} the referral to {step!r}; allowed: "
                    f"{', '.join(sorted(self._answerers[step])) or 'no role'}",
                    event=answer,
                    role=actor.role,
                )
            self._check_order(case, when)
            target = step
            if answer == "decline":
                taken, _, target, _ = self._trigger(
                    case, f"{_DECLINE}{pending.transition}", actor.role, case.data
                )
                if not taken:  # pragma: no cover - the decline transition has no condition
                    raise CaseError(f"the machine refused to decline the referral to {step!r}")
            entry = self._append(case, answer, step, target, actor, when, note, _EMPTY)
            pending.answer = "accepted" if answer == "accept" else "declined"
            pending.answered_at, pending.answered_by = when, actor.id
            if target != step:
                case.step = target
                self._start_and_meet(case, target, when)
        if target != step and self.on_enter is not None:
            self.on_enter(target, case)
        return entry

    def _check_order(self, case: Case, when: dt.datetime) -> None:
        last = case.history[-1].at
        if when < last:
            raise CaseError(
                f"time {when.isoformat()} is before the last event of case {case.id!r} "
                f"at {last.isoformat()}"
            )

    def _append(
        self,
        case: Case,
        event: str,
        source: str,
        target: str,
        actor: Actor,
        when: dt.datetime,
        note: str | None,
        data: Mapping[str, Any],
    ) -> HistoryEntry:
        seq = len(case.history)
        text = _entry_json(
            seq, event, source, target, actor.id, actor.role, when.isoformat(), note, data
        )
        digest = hashlib.sha256(f"{case.history[-1].hash}\n{text}".encode()).hexdigest()
        entry = HistoryEntry(
            seq,
            event,
            source,
            target,
            actor.id,
            actor.role,
            when,
            note,
            dict(data) if data else _EMPTY,
            digest,
        )
        case.history.append(entry)
        return entry

    def _start_and_meet(self, case: Case, step: str, when: dt.datetime) -> None:
        self._meet(case, step, when)
        starts = self._starts[step]
        if starts:
            clocks = case._clocks if case._clocks is not None else {}
            for rule in starts:
                if rule.id not in clocks:  # a deadline runs once per case: from the first entry
                    clocks[rule.id] = (when, None)
            case._clocks = clocks

    def _meet(self, case: Case, step: str, when: dt.datetime) -> None:
        clocks = case._clocks
        if clocks is None:
            return
        for rule in self._meets[step]:
            state = clocks.get(rule.id)
            if state is not None and state[1] is None:
                clocks[rule.id] = (state[0], when)

    def _available(self, case: Case, actor: Actor) -> list[str]:
        self._check_case(case)
        out = []
        for event in self._events.get(case.step, ()):
            for edge in self._exits[(case.step, event)]:
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

    def _reachable(self, step: str) -> frozenset[str]:
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

    def _all_limits(self, case: Case) -> list[Due]:
        out = []
        rules = {r.id: r for r in self._rules}
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

    def _due(self, case: Case) -> list[Due]:
        self._check_case(case)
        here = self._reachable(case.step)
        return [
            d
            for d in self._all_limits(case)
            if d.met_at is None and (d.kind == "referral" or not here.isdisjoint(d.targets))
        ]

    def _step_at(self, case: Case, when: dt.datetime) -> str:
        for entry in reversed(case.history):
            if entry.at <= when:
                return entry.target
        return case.history[0].target

    def _overdue(self, case: Case, now: dt.datetime) -> list[Due]:
        self._check_case(case)
        now = self._now(now)
        out = []
        for d in self._all_limits(case):
            if d.due_at >= now or (d.met_at is not None and d.met_at <= d.due_at):
                continue
            if (
                d.kind == "deadline"
                and d.met_at is None
                and self._reachable(self._step_at(case, d.due_at)).isdisjoint(d.targets)
            ):
                continue  # the case had taken a branch that never reaches the target
            out.append(d)
        return out

    def overdue_from(self, case: Case) -> dt.datetime | None:
        """The earliest time at which ``case.overdue(now)`` is non-empty if no further event
        happens (None: never). Stores index cases by it."""
        missed = self._overdue(case, dt.datetime.max.replace(tzinfo=dt.UTC))
        return missed[0].due_at if missed else None

    # --- integrity ---------------------------------------------------------------------

    def _broken_at(self, case: Case) -> int | None:
        """Index of the first history entry that does not verify, or None."""
        previous = _genesis(self.pathway.id, case.id)
        data: dict[str, Any] = {}
        step: str | None = None
        for i, e in enumerate(case.history):
            if e.seq != i or (i == 0) != (e.source is None) or (i > 0 and e.source != step):
                return i
            try:
                expected = chain_hash(previous, e.payload())
            except (TypeError, ValueError):
                return i
            if expected != e.hash:
                return i
            previous, step = e.hash, e.target
            data.update(e.data)
        if not case.history:
            return 0
        if step != case.step or data != case.data:
            return len(case.history) - 1
        return None

    # --- snapshots ---------------------------------------------------------------------

    def _snapshot(self, case: Case) -> dict[str, Any]:
        self._check_case(case)
        rules = {r.id: r for r in self._rules}
        return {
            "format": SNAPSHOT_FORMAT,
            "id": case.id,
            "pathway": self.pathway.id,
            "pathway_version": self.pathway.version,
            "entry": case.entry,
            "step": case.step,
            "data": dict(case.data),
            "version": case.version,
            "opened_at": case.opened_at.isoformat(),
            "updated_at": case.updated_at.isoformat(),
            "referrals": [r.to_dict() for r in case.referrals or ()],
            "deadlines": {
                rid: {
                    "started_at": s.isoformat(),
                    "met_at": _iso(m),
                    "due_at": (s + rules[rid].within).isoformat(),
                }
                for rid, (s, m) in (case._clocks or {}).items()
            },
            "history": [e.to_dict() for e in case.history],
        }

    def restore(self, snapshot: Mapping[str, Any]) -> Case:
        """The case a :meth:`Case.to_dict` snapshot describes.

        Raises
        ------
        CaseError
            The snapshot is of another pathway id or version, is malformed, names steps or
            fields this pathway does not have, or its history chain does not verify.
        """
        if not isinstance(snapshot, Mapping) or snapshot.get("format") != SNAPSHOT_FORMAT:
            raise CaseError(f"not a case snapshot (expected format {SNAPSHOT_FORMAT!r})")
        p = self.pathway
        theirs = (snapshot.get("pathway"), snapshot.get("pathway_version"))
        if theirs != (p.id, p.version):
            raise CaseError(
                f"case {snapshot.get('id')!r} is a case of pathway {theirs[0]!r} version "
                f"{theirs[1]!r}; this engine runs {p.id!r} version {p.version!r}"
            )
        try:
            case_id = snapshot["id"]
            step, entry = snapshot["step"], snapshot["entry"]
            for name, value in (("step", step), ("entry", entry)):
                if value not in p.steps_by_id:
                    raise CaseError(f"malformed case snapshot: unknown {name} {value!r}")
            rules = {r.id for r in self._rules}
            clocks: dict[str, tuple[dt.datetime, dt.datetime | None]] = {}
            for rid, state in dict(snapshot["deadlines"]).items():
                if rid not in rules:
                    raise CaseError(f"malformed case snapshot: unknown deadline {rid!r}")
                clocks[rid] = (
                    _time(state["started_at"], "started_at"),
                    _opt_time(state["met_at"], "met_at"),
                )
            history = [HistoryEntry.from_dict(e) for e in snapshot["history"]]
            referrals = [Referral.from_dict(r) for r in snapshot["referrals"]]
            version = snapshot["version"]
            if not isinstance(version, int) or isinstance(version, bool) or version < 0:
                raise CaseError(f"malformed case snapshot: version {version!r}")
            data = self.check_data(snapshot["data"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise CaseError(f"malformed case snapshot: {type(exc).__name__}: {exc}") from None
        case = Case(
            self,
            str(case_id),
            p.steps_by_id[entry].id,
            p.steps_by_id[step].id,
            data,
            history,
            referrals or None,
            clocks or None,
            version,
        )
        broken = self._broken_at(case)
        if broken is not None:
            raise CaseError(
                f"the history of case {case_id!r} does not verify at entry {broken}: it was "
                "changed after it was written"
            )
        return case
