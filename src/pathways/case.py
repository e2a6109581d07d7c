"""Live cases and their records: :class:`Case`, :class:`Actor`, :class:`Referral` and :class:`Due`.

A :class:`Case` is a plain record (step, data, referrals, deadline clocks, history) that the
:class:`~pathways.engine.Engine` it belongs to moves; its methods hand over to the engine.
:meth:`Case.to_dict` writes the JSON-able snapshot that :meth:`Engine.restore
<pathways.engine.Engine.restore>` reads back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pathways._runtime import _iso, _opt_time, _time
from pathways.deadlines import Due
from pathways.errors import CaseError
from pathways.history import SNAPSHOT_FORMAT, HistoryEntry
from pathways.model import Pathway

__all__ = ["Actor", "Case", "CaseEngine", "Referral"]


# ------------------------------------------------------------------------------------ records


@dataclass(frozen=True, slots=True)
class Actor:
    """Who fires an event: a person (or system) ``id`` acting in a pathway ``role``, working
    for ``agency`` (an agency id of the pathway).

    The agency decides where the actor may act besides the role (docs/deploying.md, "Access
    by agency"): at a step whose role belongs to another agency, only while the case is
    referred to the actor's agency (a referral to one of its steps, pending or accepted).
    Without an agency (None, the default) the actor counts as working for its role's agency
    in the pathway, so it acts only where its role's own agency may. The history records the
    agency when one is given.

    Examples
    --------
    >>> import pathways as pw
    >>> pw.Actor(id="u7", role="social_worker")
    Actor(id='u7', role='social_worker')
    >>> pw.Actor(id="u9", role="lawyer", agency="aple")
    Actor(id='u9', role='lawyer', agency='aple')
    """

    id: str
    role: str
    agency: str | None = None

    def __post_init__(self) -> None:
        for name in ("id", "role"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"Actor.{name} must be a non-empty string, got {value!r}")
        agency = self.agency
        if agency is not None and (not isinstance(agency, str) or not agency):
            raise ValueError(f"Actor.agency must be a non-empty string or None, got {agency!r}")

    def __repr__(self) -> str:
        more = "" if self.agency is None else f", agency={self.agency!r}"
        return f"Actor(id={self.id!r}, role={self.role!r}{more})"


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


# ------------------------------------------------------------------------------------- case


class CaseEngine(Protocol):
    """What a :class:`Case` needs from the engine that moves it (:class:`pathways.Engine`).

    The case hands every move and query over to these public methods, so this module never
    imports the engine; :class:`Case`'s methods of the same names document them.
    """

    @property
    def pathway(self) -> Pathway:
        """The pathway the engine runs."""

    @property
    def fingerprint(self) -> str:
        """The pathway's fingerprint; it seeds every history chain."""

    @property
    def parallel(self) -> bool:
        """Whether the pathway has fork or join steps (cases may have several tracks)."""

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
        """See :meth:`Case.fire`."""

    def answer(
        self,
        case: Case,
        answer: str,
        actor: Actor,
        at: dt.datetime | None,
        note: str | None,
        track: str | None = None,
    ) -> HistoryEntry:
        """:meth:`Case.accept` (``answer="accept"``) or :meth:`Case.decline`."""

    def available(self, case: Case, actor: Actor, at: str | None = None) -> list[str]:
        """See :meth:`Case.available`."""

    def due(self, case: Case) -> list[Due]:
        """See :meth:`Case.due`."""

    def overdue(self, case: Case, now: dt.datetime) -> list[Due]:
        """See :meth:`Case.overdue`."""

    def overdue_from(self, case: Case) -> dt.datetime | None:
        """The earliest time at which something of the case is overdue (stores index by it)."""

    def problem(self, case: Case) -> str | None:
        """What is wrong with the case's history, or None."""

    def check_unsaved(
        self, case: Case, stored: int, *, facts: Mapping[str, Any] | None = None
    ) -> Case:
        """The replayed case a store saves (see :meth:`pathways.Engine.check_unsaved`)."""

    def deadlines_snapshot(self, case: Case) -> dict[str, Any]:
        """The ``deadlines`` part of :meth:`Case.to_dict`."""

    def check_data(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Case data checked against the pathway's ``case_fields`` (see
        :meth:`pathways.Engine.check_data`)."""


class Case:
    """One child's journey through a pathway: step, data, referrals, deadlines and history.

    Create cases with :meth:`Engine.open` or :meth:`Engine.restore`, not directly. ``version``
    is the store's row version the case was loaded at (0: never saved); stores use it for
    optimistic concurrency.
    """

    __slots__ = (
        "_checkpoint",
        "_clocks",
        "_engine",
        "_tracks",
        "data",
        "entry",
        "history",
        "id",
        "referrals",
        "version",
    )

    def __init__(
        self,
        engine: CaseEngine,
        case_id: str,
        entry: str,
        step: str,
        data: dict[str, Any],
        history: list[HistoryEntry],
        referrals: list[Referral] | None = None,
        clocks: dict[str, tuple[dt.datetime, dt.datetime | None]] | None = None,
        version: int = 0,
        tracks: list[tuple[str, int]] | None = None,
    ) -> None:
        self._engine = engine
        self.id = case_id
        self.entry = entry
        # one (step, waiting-on transition index or -1) per running track (SPEC 7.1)
        self._tracks: list[tuple[str, int]] = [(step, -1)] if tracks is None else tracks
        self.data = data
        self.history = history
        self.referrals = referrals
        self._clocks = clocks
        self.version = version
        self._checkpoint: Case | None = None  # the case as last loaded or saved (see stores)

    # --- read-only views ---------------------------------------------------------------

    @property
    def step(self) -> str:
        """The step the case is at, while it has one track (see :attr:`steps`).

        Raises
        ------
        CaseError
            The case has several tracks running; read :attr:`steps`.
        """
        tracks = self._tracks
        if len(tracks) == 1:
            return tracks[0][0]
        raise CaseError(
            f"case {self.id!r} has {len(tracks)} tracks (at {', '.join(self.steps)}); "
            "read case.steps"
        )

    @step.setter
    def step(self, value: str) -> None:
        # Puts the case on one track at ``value``: what older code that set ``case.step`` did.
        # The engine never does; a store refuses a case whose history does not give its tracks.
        self._tracks = [(value, -1)]

    @property
    def steps(self) -> tuple[str, ...]:
        """One step per running track (SPEC 7.1); a track waiting at a join is listed by the
        join's id. A finished case keeps the outcome its last track entered."""
        return tuple(s for s, _ in self._tracks)

    @property
    def waiting(self) -> tuple[str, ...]:
        """The joins at which a track waits for the other tracks, one entry per waiting
        track (a subset of :attr:`steps`)."""
        return tuple(s for s, w in self._tracks if w >= 0)

    @property
    def engine(self) -> CaseEngine:
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
        """The pending referral (the latest one, when several tracks wait for answers), or
        None."""
        refs = self.referrals
        if refs:
            if refs[-1].answer is None:
                return refs[-1]
            if len(self._tracks) > 1 or self._engine.parallel:
                for r in reversed(refs):
                    if r.answer is None:
                        return r
        return None

    @property
    def pending_referrals(self) -> list[Referral]:
        """Every pending referral, oldest first (several when several tracks were referred)."""
        return [r for r in self.referrals or () if r.answer is None]

    @property
    def done(self) -> bool:
        """Whether the case has ended: its last track is at an outcome step."""
        tracks = self._tracks
        return len(tracks) == 1 and self._engine.pathway.steps_by_id[tracks[0][0]].kind == "outcome"

    # --- events ------------------------------------------------------------------------

    def fire(
        self,
        event: str,
        *,
        actor: Actor,
        at: dt.datetime | str | None = None,
        note: str | None = None,
        data: Mapping[str, Any] | None = None,
        when: dt.datetime | None = None,
    ) -> HistoryEntry:
        """Fire ``event`` as ``actor``; return the new history entry.

        Among the transitions for ``event`` leaving the track's step, the first (in file order)
        whose guard holds is taken; at a ``fork`` step all exits are taken at once, one new
        track on each. ``data`` sets case fields with the event (checked like
        :meth:`Engine.open`'s data, and seen by the guards). Firing an event from the target of
        a pending referral counts as accepting it.

        ``at`` is either a step id (a string: the track to move, SPEC 7.1) or the time of the
        event (an aware datetime; default ``clock.now()``). To give both, pass the step as
        ``at`` and the time as ``when``. Without a step, the event moves the one track it can
        move; if it could move tracks at more than one step, the call is refused.

        Raises
        ------
        TransitionNotAllowed
            No transition for ``event`` leaves the track's step, none of their guards holds,
            the event could move tracks at several steps and ``at`` names none, or ``at`` names
            a step where no track can move.
        NotAuthorized
            ``actor.role`` is not in the ``by`` roles of the transition, or the step belongs to
            another agency than the actor's and the case is not referred to the actor's agency
            (docs/deploying.md, "Access by agency").
        CaseError
            Bad ``data``, ``note`` or time (naive, or before the last event).

        A refusal changes nothing. See :class:`Engine` for what ``on_enter`` hooks do.
        """
        track, time = _split_at(at, when)
        return self._engine.fire(self, event, actor, time, note, data, track)

    def accept(
        self,
        actor: Actor,
        *,
        at: dt.datetime | str | None = None,
        note: str | None = None,
        when: dt.datetime | None = None,
    ) -> HistoryEntry:
        """Accept the pending referral as ``actor`` (a role of the target step).

        ``at`` is the referral's target step (when referrals to several tracks are pending) or
        the time, as for :meth:`fire`.

        Raises
        ------
        CaseError
            There is no pending referral, or several and ``at`` names none of them.
        NotAuthorized
            ``actor.role`` is neither the target step's role nor a role that may fire an event
            from it, or the actor's agency may not act at the target step (as for
            :meth:`fire`).
        """
        track, time = _split_at(at, when)
        return self._engine.answer(self, "accept", actor, time, note, track)

    def decline(
        self,
        actor: Actor,
        reason: str,
        *,
        at: dt.datetime | str | None = None,
        when: dt.datetime | None = None,
    ) -> HistoryEntry:
        """Decline the pending referral: the track goes to the referral's ``on_reject`` step.

        Without ``on_reject`` in the file, the track goes back to the step it was referred
        from. ``reason`` is required and kept as the entry's note. ``at`` as for
        :meth:`accept`.

        Raises
        ------
        CaseError
            There is no pending referral, or ``reason`` is empty.
        NotAuthorized
            As for :meth:`accept`.
        """
        track, time = _split_at(at, when)
        return self._engine.answer(self, "decline", actor, time, reason, track)

    def available(self, actor: Actor, *, at: str | None = None) -> list[str]:
        """The events ``actor`` may fire now (guards holding, role allowed), in file order;
        with tracks, track by track (``at``: only the track at that step).

        Accepting or declining a pending referral is not listed; see :attr:`referral`.
        """
        return self._engine.available(self, actor, at)

    # --- deadlines ---------------------------------------------------------------------

    def due(self) -> list[Due]:
        """Open time limits, earliest first: started deadlines not met yet whose target can
        still be reached from the current step, and the pending referral's answer.

        A limit stays listed after its due time until it is met; :meth:`overdue` says which
        are missed.
        """
        return self._engine.due(self)

    def overdue(self, now: dt.datetime) -> list[Due]:
        """The time limits missed by ``now``, earliest first.

        A deadline is missed when its due time is before ``now`` and no target step was
        entered by then, provided a target could still be reached from the step the case was
        at when it fell due (a case that took another branch is not counted). A referral
        answer is missed when it came after ``response_within`` or has not come by ``now``.
        An empty list means nothing is overdue.
        """
        return self._engine.overdue(self, now)

    # --- integrity and snapshots -------------------------------------------------------

    def verify(self) -> bool:
        """Whether the history is intact and accounts for every fact of the case; returns
        False (never raises) when not.

        Checks every hash (HMACs under the engine's keys when it has one), the sequence
        numbers, that each entry leaves the step the previous one entered, and that replaying
        the events on the engine gives exactly this case's step, data, referrals, deadline
        clocks and entry step. :meth:`Engine.problem <pathways.engine.Engine.problem>` says
        what is wrong.
        """
        return self._engine.problem(self) is None

    def to_dict(self, *, history: bool = True) -> dict[str, Any]:
        """A JSON-able snapshot; :meth:`Engine.restore` gives the same case back.

        Times are ISO 8601 strings in UTC; the pending referral, the deadline clocks, the
        pathway's fingerprint and the whole history (unless ``history=False``) are included.
        """
        out = {
            "format": SNAPSHOT_FORMAT,
            "id": self.id,
            "pathway": self.pathway_id,
            "pathway_version": self.pathway_version,
            "fingerprint": self._engine.fingerprint,
            "entry": self.entry,
            "step": self._tracks[0][0] if len(self._tracks) == 1 else None,
            **self._tracks_dict(),
            "data": dict(self.data),
            "version": self.version,
            "opened_at": self.opened_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "referrals": [r.to_dict() for r in self.referrals or ()],
            "deadlines": self._engine.deadlines_snapshot(self),
        }
        if history:
            out["history"] = [e.to_dict() for e in self.history]
        return out

    def _tracks_dict(self) -> dict[str, Any]:
        if not self._engine.parallel:
            return {}
        return {
            "tracks": [{"step": s, "waiting_on": None if w < 0 else w} for s, w in self._tracks]
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Case):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        pending = ", referral pending" if self.referral else ""
        where = repr(self._tracks[0][0]) if len(self._tracks) == 1 else repr(self.steps)
        return (
            f"<Case {self.id!r} of {self.pathway_id!r} at {where}, "
            f"{len(self.history)} events{pending}>"
        )


def _split_at(
    at: dt.datetime | str | None, when: dt.datetime | None
) -> tuple[str | None, dt.datetime | None]:
    """``at`` as (track step, time): a string names a track's step, anything else is a time."""
    if isinstance(at, str):
        return at, when
    if when is not None and at is not None:
        raise CaseError("give the time once: as at= or as when=, not both")
    return None, at if when is None else when
