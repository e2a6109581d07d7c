"""Replaying a history through the engine: how a case's facts are derived from its history.

Every fact of a case besides its history (step, data, pending and answered referrals,
deadline clocks, entry step, open and update times) is what the engine computes when the
history's events are fired again, in order, on a fresh case. :func:`replay` does that on a
copy of the engine without ``on_enter`` hooks, checks that each event replays to the entry
that was stored (same target, data, actor, role, time and note), and returns the replayed case
carrying the stored entries. :meth:`Engine.restore <pathways.engine.Engine.restore>` compares
the facts of a snapshot with it; stores replay only the events since the last save.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from pathways.case import Actor, Case, CaseEngine
from pathways.errors import CaseError
from pathways.history import HistoryEntry

__all__ = ["Replayer", "clone", "facts", "replay"]


class Replayer(CaseEngine, Protocol):
    """What a replay needs of the engine (:class:`pathways.Engine`), beyond what a case needs:
    its ``on_enter`` hook (switched off on the copy that replays) and :meth:`open`."""

    on_enter: Any

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
        """See :meth:`pathways.Engine.open`."""


def facts(case: Case) -> dict[str, Any]:
    """Everything a snapshot says about the case besides its history and row version."""
    state = case.to_dict(history=False)
    state.pop("version")
    return state


def clone(case: Case) -> Case:
    """A copy of the case sharing its engine and history entries: its containers copied one
    level deep (a referral is mutable; entries, times and field values are not)."""
    twin = object.__new__(Case)
    for name in Case.__slots__:
        value = getattr(case, name)
        if isinstance(value, list):
            value = list(value) if name == "history" else [copy.copy(v) for v in value]
        elif isinstance(value, dict):
            value = dict(value)
        setattr(twin, name, value)
    twin._checkpoint = None
    return twin


def _actor(entry: HistoryEntry) -> Actor:
    try:
        return Actor(id=entry.actor, role=entry.role, agency=entry.agency)
    except ValueError as exc:
        raise CaseError(str(exc)) from None


def replay(
    engine: Replayer, case_id: str, entries: Sequence[HistoryEntry], start: Case | None = None
) -> Case:
    """The case ``entries`` make on ``engine``: from an open if ``start`` is None, otherwise
    continuing ``start`` (a case whose history is the prefix before ``entries``; it is used up).

    Raises
    ------
    CaseError
        An entry the engine refuses to replay, or one that replays to a different entry; the
        message names the entry's index.
    """
    shadow = copy.copy(engine)  # the same machine, lock and deadlines, without the hooks
    shadow.on_enter = None
    case = start
    first = 0 if start is None else len(start.history)
    moves = [i for i, e in enumerate(entries) if e.migration is not None]
    if moves:
        # Events before the last migration ran on another version of the pathway: they are
        # covered by the chain, not replayed; the migration entry holds the state they led to.
        from pathways.migration import case_from_migration

        last = moves[-1]
        before = list(start.history) if start is not None else []
        try:
            case = case_from_migration(
                shadow, case_id, [*before, *entries[: last + 1]], entries[last]
            )
        except (CaseError, KeyError, TypeError, ValueError) as exc:
            raise CaseError(
                f"the history of case {case_id!r} does not replay at entry {first + last} "
                f"('migrate'): {exc}"
            ) from None
        first, entries = first + last + 1, entries[last + 1 :]
    for offset, stored in enumerate(entries):
        i = first + offset
        try:
            if case is None:
                if stored.event != "open" or stored.seq != 0:
                    raise CaseError("the first entry is not an open")
                system = (stored.actor, stored.role, stored.agency) == ("system", "", None)
                who = None if system else _actor(stored)
                case = shadow.open(
                    dict(stored.data),
                    entry=stored.target,
                    case_id=case_id,
                    at=stored.at,
                    actor=who,
                    note=stored.note,
                )
            else:
                case._engine = shadow
                who = _actor(stored)
                pending = case.referral
                several = len(case._tracks) > 1  # tracks (SPEC 7.1): the entry names its track
                track = stored.source if several else None
                if (
                    stored.event in ("accept", "decline")
                    and pending is not None
                    and stored.source in case.steps
                    and (stored.event == "decline" or stored.target == stored.source)
                    and not stored.data
                ):
                    shadow.answer(case, stored.event, who, stored.at, stored.note, track)
                else:
                    shadow.fire(
                        case,
                        stored.event,
                        who,
                        stored.at,
                        stored.note,
                        dict(stored.data) or None,
                        track,
                    )
        except CaseError as exc:  # TransitionNotAllowed and NotAuthorized are CaseErrors
            raise CaseError(
                f"the history of case {case_id!r} does not replay at entry {i} "
                f"({stored.event!r}): {exc}"
            ) from None
        made = case.history[-1]
        # equal hashes (chained from the same stored entry) mean equal payloads; compare the
        # payloads only when they differ (a stored entry under a retired key, or a forgery)
        if made.hash != stored.hash and made.payload() != stored.payload():
            raise CaseError(
                f"the history of case {case_id!r} does not verify at entry {i}: replaying "
                f"{stored.event!r} gives {made.target!r}, the history says {stored.target!r}"
            )
        case.history[-1] = stored  # keep the stored hash (it may be under a retired key)
    if case is None:
        raise CaseError(f"the history of case {case_id!r} is empty")
    case._engine = engine
    return case
