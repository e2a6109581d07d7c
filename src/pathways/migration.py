"""Moving open cases to a new version of their pathway: plans, the move, and whole stores.

A case records the :func:`~pathways.versions.fingerprint` of the pathway it follows; an engine
refuses a case of another fingerprint. When the working group agrees a new version, open cases
are moved on purpose, case by case or a store at a time:

- :func:`plan_case` says where a case will be (each track's step through the ``mapping``,
  unmapped steps keeping their id), which deadline clocks and referrals carry over, and why a
  case cannot move (a step that is gone, a case field the new version does not declare, a
  pending referral whose transition is gone, tracks the new version cannot hold);
- :meth:`Engine.migrate <pathways.engine.Engine.migrate>` moves one case: it appends a
  ``migrate`` entry to the case's hash-chained history (old and new version and fingerprint,
  the mapping, who did it, and the case's state after the move) and returns the case on the new
  engine; the old case is unchanged;
- :func:`migrate_store` plans every open case of the old version in a store and, unless it is
  a dry run, moves them all in one transaction: all or nothing.

Events before a migration ran on another version: the chain covers them and a restore checks
it, but only the events after the last migration are replayed (the entry holds the state the
earlier ones led to).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast

from pathways._runtime import _time
from pathways.case import Actor, Case, CaseEngine, Referral
from pathways.errors import CaseError, PathwayError
from pathways.history import HistoryEntry, chain_hash

if TYPE_CHECKING:
    from pathways.model import Pathway


class MigrationEngine(CaseEngine, Protocol):
    """What a migration needs of the two engines (:class:`pathways.Engine` is one), so that
    this module never imports the engine (it is the engine that calls it)."""

    _key: bytes | None

    def _check_case(self, case: Case) -> None: ...

    def _now(self, at: dt.datetime | None) -> dt.datetime: ...

    def _check_note(self, note: object, what: str = "note") -> str | None: ...


__all__ = ["CasePlan", "StoreMigration", "case_from_migration", "migrate_case", "plan_case"]


@dataclass(frozen=True)
class CasePlan:
    """What moving one case to a new version does, or why it cannot move."""

    case_id: str
    steps_from: tuple[str, ...]
    steps_to: tuple[str, ...]
    deadlines_kept: tuple[str, ...] = ()
    deadlines_dropped: tuple[str, ...] = ()
    deadlines_new: tuple[str, ...] = ()
    referrals_kept: tuple[str, ...] = ()
    referrals_dropped: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def movable(self) -> bool:
        """Whether the case can move (no problems)."""
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-ready data."""
        return {
            "case": self.case_id,
            "movable": self.movable,
            "from": list(self.steps_from),
            "to": list(self.steps_to),
            "deadlines_kept": list(self.deadlines_kept),
            "deadlines_dropped": list(self.deadlines_dropped),
            "deadlines_new": list(self.deadlines_new),
            "referrals_kept": list(self.referrals_kept),
            "referrals_dropped": list(self.referrals_dropped),
            "problems": list(self.problems),
        }

    def describe(self) -> str:
        """One line for a coordinator: where the case goes, or why it cannot move."""
        where = f"{', '.join(self.steps_from)} -> {', '.join(self.steps_to)}"
        if self.problems:
            return f"{self.case_id}: cannot move ({where}): {'; '.join(self.problems)}"
        extra = []
        if self.deadlines_kept:
            extra.append(f"deadlines kept: {', '.join(self.deadlines_kept)}")
        if self.deadlines_dropped:
            extra.append(f"deadlines dropped: {', '.join(self.deadlines_dropped)}")
        if self.referrals_kept:
            extra.append(f"referrals kept: {', '.join(self.referrals_kept)}")
        if self.referrals_dropped:
            extra.append(f"answered referrals dropped: {', '.join(self.referrals_dropped)}")
        return f"{self.case_id}: {where}" + (f" ({'; '.join(extra)})" if extra else "")


def _check_mapping(old: Pathway, new: Pathway, mapping: Mapping[str, str]) -> None:
    for a, b in mapping.items():
        if a not in old.steps_by_id:
            raise ValueError(f"mapping {a}={b}: version {old.version} has no step {a!r}")
        if b not in new.steps_by_id:
            raise ValueError(f"mapping {a}={b}: version {new.version} has no step {b!r}")


def _transition_index(p: Pathway) -> dict[tuple[str, str, str], int]:
    out: dict[tuple[str, str, str], int] = {}
    for i, t in enumerate(p.transitions):
        out.setdefault((t.source, t.to, t.event), i)
    return out


def _key(p: Pathway, index: int, mapping: Mapping[str, str]) -> tuple[str, str, str]:
    t = p.transitions[index]
    to = mapping.get(t.to, t.to)
    event = f"to_{to}" if t.event == f"to_{t.to}" else t.event  # a default event follows
    return (mapping.get(t.source, t.source), to, event)


@dataclass
class _State:
    entry: str
    tracks: list[tuple[str, int]]
    data: dict[str, Any]
    referrals: list[Referral] = field(default_factory=list)
    clocks: dict[str, tuple[dt.datetime, dt.datetime | None]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry": self.entry,
            "tracks": [{"step": s, "waiting_on": None if w < 0 else w} for s, w in self.tracks],
            "data": dict(self.data),
            "referrals": [r.to_dict() for r in self.referrals],
            "deadlines": {
                rid: {"started_at": s.isoformat(), "met_at": None if m is None else m.isoformat()}
                for rid, (s, m) in self.clocks.items()
            },
        }


def _plan(
    case: Case, new: MigrationEngine, mapping: Mapping[str, str]
) -> tuple[CasePlan, _State | None]:
    old_p, new_p = case.engine.pathway, new.pathway
    _check_mapping(old_p, new_p, mapping)
    problems: list[str] = []
    if new_p.id != old_p.id:
        problems.append(f"pathway {new_p.id!r} is not a version of {old_p.id!r}")
    steps = new_p.steps_by_id
    index = _transition_index(new_p)
    tracks: list[tuple[str, int]] = []
    for s, w in case._tracks:
        target = mapping.get(s, s)
        if target not in steps:
            problems.append(f"step {s!r} is not in version {new_p.version} (map it with {s}=NEW)")
            continue
        if w >= 0:
            moved = index.get(_key(old_p, w, mapping))
            if moved is None:
                problems.append(f"a track waits at join {s!r} on a move the new version lacks")
                continue
            w = moved
        tracks.append((steps[target].id, w))
    if len(case._tracks) > 1 and not new.parallel:
        problems.append(f"the case has {len(case._tracks)} tracks; the new version has none")
    entry = mapping.get(case.entry, case.entry)
    if entry not in steps:
        problems.append(f"entry step {case.entry!r} is not in version {new_p.version}")
    for name, value in case.data.items():
        spec = new_p.case_fields.get(name)
        if spec is None:
            problems.append(f"case field {name!r} is not declared in version {new_p.version}")
        elif not spec.accepts(value):
            problems.append(f"{name} = {value!r} is not {spec.describe()} in the new version")
    referrals: list[Referral] = []
    kept: list[str] = []
    dropped: list[str] = []
    for r in case.referrals or ():
        moved = index.get(_key(old_p, r.transition, mapping))
        label = f"{r.source} -> {r.target}"
        if moved is None:
            if r.pending:
                problems.append(f"pending referral {label}: its move is not in the new version")
            else:
                dropped.append(label)
            continue
        t = new_p.transitions[moved]
        on_reject = mapping.get(r.on_reject, r.on_reject)
        if on_reject not in steps:
            on_reject = t.on_reject or t.source
        referrals.append(
            Referral(
                transition=moved,
                event=t.event,
                source=t.source,
                target=t.to,
                on_reject=on_reject,
                referred_at=r.referred_at,
                due_at=r.due_at,
                answer=r.answer,
                answered_at=r.answered_at,
                answered_by=r.answered_by,
            )
        )
        kept.append(label)
    new_ids = {d.id for d in new_p.deadlines}
    clocks = dict(case._clocks or {})
    plan = CasePlan(
        case_id=case.id,
        steps_from=case.steps,
        steps_to=tuple(s for s, _ in tracks),
        deadlines_kept=tuple(sorted(i for i in clocks if i in new_ids)),
        deadlines_dropped=tuple(sorted(i for i in clocks if i not in new_ids)),
        deadlines_new=tuple(sorted(new_ids - {d.id for d in old_p.deadlines})),
        referrals_kept=tuple(kept),
        referrals_dropped=tuple(dropped),
        problems=tuple(problems),
    )
    if problems:
        return plan, None
    state = _State(
        entry=steps[entry].id,
        tracks=tracks,
        data=dict(case.data),
        referrals=referrals,
        clocks={k: v for k, v in clocks.items() if k in new_ids},
    )
    return plan, state


def plan_case(
    case: Case, new: MigrationEngine, mapping: Mapping[str, str] | None = None
) -> CasePlan:
    """Where ``case`` would be on ``new`` (steps mapped by ``mapping``, others keeping their
    id), what carries over, and why it cannot move (``plan.problems``). Changes nothing.

    Raises
    ------
    ValueError
        The mapping names a step missing from the old or the new version.
    """
    return _plan(case, new, dict(mapping or {}))[0]


def migrate_case(
    case: Case,
    new: MigrationEngine,
    mapping: Mapping[str, str] | None = None,
    *,
    actor: Actor,
    at: dt.datetime | None = None,
    note: str | None = None,
) -> Case:
    """The case moved to ``new``'s pathway, with a ``migrate`` entry in its history.

    Use :meth:`Engine.migrate <pathways.engine.Engine.migrate>`; see there.
    """
    if not isinstance(actor, Actor):
        raise CaseError(f"migrate needs an Actor, not {actor!r}")
    old = cast("MigrationEngine", case.engine)
    old._check_case(case)
    plan, state = _plan(case, new, dict(mapping or {}))
    if state is None:
        raise CaseError(
            f"case {case.id!r} cannot move to version {new.pathway.version}: "
            + "; ".join(plan.problems)
        )
    when = new._now(at)
    if when < case.updated_at:
        raise CaseError(
            f"a migration at {when.isoformat()} would come before the case's last event "
            f"({case.updated_at.isoformat()})"
        )
    new._check_note(note)
    record = {
        "from": {
            "pathway": old.pathway.id,
            "version": old.pathway.version,
            "fingerprint": old.fingerprint,
        },
        "to": {
            "pathway": new.pathway.id,
            "version": new.pathway.version,
            "fingerprint": new.fingerprint,
        },
        "mapping": {k: v for k, v in sorted((mapping or {}).items()) if k != v},
        "state": state.to_dict(),
    }
    history = list(case.history)
    tracks = tuple(s for s, _ in state.tracks) if new.parallel else None
    payload: dict[str, Any] = {
        "seq": len(history),
        "event": "migrate",
        "source": case._tracks[0][0],
        "target": state.tracks[0][0],
        "actor": actor.id,
        "role": actor.role,
        "at": when.isoformat(),
        "note": note,
        "data": {},
        "migration": record,
    }
    if tracks is not None:
        payload["tracks"] = list(tracks)
    if actor.agency is not None:
        payload["agency"] = actor.agency
    entry = HistoryEntry(
        len(history),
        "migrate",
        case._tracks[0][0],
        state.tracks[0][0],
        actor.id,
        actor.role,
        when,
        note,
        {},
        chain_hash(history[-1].hash, payload, new._key),
        tracks,
        record,
        actor.agency,
    )
    history.append(entry)
    moved = _build(new, case.id, state, history)
    moved.version = case.version
    moved._checkpoint = case._checkpoint
    return moved


def _build(engine: CaseEngine, case_id: str, state: _State, history: list[HistoryEntry]) -> Case:
    return Case(
        engine,
        case_id,
        state.entry,
        state.tracks[0][0],
        dict(state.data),
        history,
        list(state.referrals) or None,
        dict(state.clocks) or None,
        0,
        list(state.tracks) if engine.parallel else None,
    )


def case_from_migration(
    engine: CaseEngine, case_id: str, history: Sequence[HistoryEntry], entry: HistoryEntry
) -> Case:
    """The case a ``migrate`` entry describes, on ``engine`` (the new version), carrying
    ``history`` (which ends with that entry). Used when a migrated case is restored.

    Raises
    ------
    CaseError
        The entry's state does not fit the engine's pathway.
    """
    record = entry.migration or {}
    to = record.get("to") or {}
    p = engine.pathway
    if (to.get("pathway"), to.get("version"), to.get("fingerprint")) != (
        p.id,
        p.version,
        engine.fingerprint,
    ):
        raise CaseError(
            f"it moved the case to {to.get('pathway')!r} version {to.get('version')!r}, not to "
            f"{p.id!r} {p.version}"
        )
    raw = record["state"]
    steps = p.steps_by_id
    tracks: list[tuple[str, int]] = []
    for t in raw["tracks"]:
        step, waiting = t["step"], t["waiting_on"]
        if step not in steps:
            raise CaseError(f"unknown step {step!r}")
        if waiting is not None and not (
            isinstance(waiting, int) and 0 <= waiting < len(p.transitions)
        ):
            raise CaseError(f"bad waiting transition {waiting!r}")
        tracks.append((steps[step].id, -1 if waiting is None else waiting))
    if not tracks or (len(tracks) > 1 and not engine.parallel):
        raise CaseError("its tracks do not fit the pathway")
    if entry.tracks is not None and tuple(s for s, _ in tracks) != entry.tracks:
        raise CaseError("its state and its tracks disagree")
    if entry.target != tracks[0][0]:
        raise CaseError("its state and its target disagree")
    if raw["entry"] not in steps:
        raise CaseError(f"unknown entry step {raw['entry']!r}")
    data = engine.check_data(raw["data"]) if raw["data"] else {}
    referrals = [Referral.from_dict(r) for r in raw["referrals"]]
    for r in referrals:
        if not 0 <= r.transition < len(p.transitions):
            raise CaseError(f"referral on unknown transition {r.transition}")
    clocks: dict[str, tuple[dt.datetime, dt.datetime | None]] = {}
    rules = {d.id for d in p.deadlines}
    for rid, c in raw["deadlines"].items():
        if rid not in rules:
            raise CaseError(f"unknown deadline {rid!r}")
        met = c["met_at"]
        clocks[rid] = (
            _time(c["started_at"], "started_at"),
            None if met is None else _time(met, "met_at"),
        )
    state = _State(steps[raw["entry"]].id, tracks, data, referrals, clocks)
    return _build(engine, case_id, state, list(history))


# ----------------------------------------------------------------------------------- stores


@dataclass(frozen=True)
class StoreMigration:
    """The result of :func:`migrate_store`: one plan per open case of the old version."""

    plans: tuple[CasePlan, ...]
    moved: tuple[str, ...]
    skipped: tuple[str, ...]
    dry_run: bool

    @property
    def blocked(self) -> tuple[CasePlan, ...]:
        """The plans of the cases that cannot move."""
        return tuple(p for p in self.plans if not p.movable)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "moved": list(self.moved),
            "blocked": [p.case_id for p in self.blocked],
            "skipped": list(self.skipped),
            "plans": [p.to_dict() for p in self.plans],
        }


class MigrationBlocked(PathwayError):
    """Some open cases cannot move; nothing was written (``.result`` has every plan)."""

    def __init__(self, result: StoreMigration) -> None:
        self.result = result
        blocked = result.blocked
        super().__init__(
            f"{len(blocked)} open case{'s' * (len(blocked) != 1)} cannot move (nothing was "
            f"moved); first: {blocked[0].describe()}"
        )


def migrate_store(
    store: Any,
    old: MigrationEngine,
    new: MigrationEngine,
    mapping: Mapping[str, str] | None = None,
    *,
    actor: Actor,
    dry_run: bool = False,
    at: dt.datetime | None = None,
    note: str | None = None,
    partial: bool = False,
) -> StoreMigration:
    """Plan, then move, every open case of ``old``'s version in ``store`` to ``new``.

    Cases of other pathways or versions, and closed cases, are skipped. With ``dry_run`` only
    the plans are made. Otherwise every movable case is moved and saved in one transaction of
    the store (``store.save_all``): all or nothing. When a case cannot move, nothing is moved
    (:class:`MigrationBlocked`) unless ``partial`` is set, in which case the others move and
    the blocked ones are listed.
    """
    mapping = dict(mapping or {})
    _check_mapping(old.pathway, new.pathway, mapping)
    plans: list[CasePlan] = []
    skipped: list[str] = []
    cases: list[tuple[Case, CasePlan]] = []
    for case_id in store.list():
        try:
            case = store.load(case_id, old)
        except CaseError:
            skipped.append(case_id)  # another pathway or version (or a case that is broken)
            continue
        if case.done:
            skipped.append(case_id)
            continue
        plan = plan_case(case, new, mapping)
        plans.append(plan)
        cases.append((case, plan))
    result = StoreMigration(tuple(plans), (), tuple(skipped), dry_run)
    if dry_run:
        return result
    if result.blocked and not partial:
        raise MigrationBlocked(result)
    moved = [
        migrate_case(case, new, mapping, actor=actor, at=at, note=note)
        for case, plan in cases
        if plan.movable
    ]
    store.save_all(moved)
    return StoreMigration(tuple(plans), tuple(c.id for c in moved), tuple(skipped), dry_run)
