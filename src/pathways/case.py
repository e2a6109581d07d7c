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
from typing import TYPE_CHECKING, Any, Literal

from pathways._runtime import _iso, _opt_time, _time
from pathways.errors import CaseError
from pathways.history import SNAPSHOT_FORMAT, HistoryEntry

if TYPE_CHECKING:
    from pathways.engine import Engine

__all__ = ["Actor", "Case", "Due", "Referral"]


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


# ------------------------------------------------------------------------------------- case


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
        self._checkpoint: Case | None = None  # the case as last loaded or saved (see stores)

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
            "step": self.step,
            "data": dict(self.data),
            "version": self.version,
            "opened_at": self.opened_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "referrals": [r.to_dict() for r in self.referrals or ()],
            "deadlines": self._engine._deadlines.to_dict(self._clocks),
        }
        if history:
            out["history"] = [e.to_dict() for e in self.history]
        return out

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
