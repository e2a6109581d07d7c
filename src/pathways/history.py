"""The tamper-evident history of a case: :class:`HistoryEntry`, canonical JSON and the hash chain.

Every accepted event appends a :class:`HistoryEntry` whose ``hash`` is the SHA-256 of the
previous entry's hash and the canonical JSON of this entry's other fields; the first entry
chains from a value derived from the pathway id, the case id and the pathway's
:func:`~pathways.versions.fingerprint` (:func:`genesis`). Rewriting, reordering or moving
an entry breaks the chain, and :func:`broken_at` finds where.

With a secret key (``Engine(pathway, key=...)``) every hash is an HMAC-SHA-256 under that key
instead: then whoever can write the database but does not hold the key cannot re-hash a forged
chain so that it verifies. Without a key, the chain detects accidental and careless changes,
not a forger who recomputes the hashes (see docs/deploying.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pathways._runtime import _EMPTY, _time

__all__ = [
    "SNAPSHOT_FORMAT",
    "HistoryEntry",
    "append_entry",
    "broken_at",
    "chain_hash",
    "genesis",
    "migrated_fingerprints",
    "open_entry",
]

SNAPSHOT_FORMAT: Final = "pathways-case/2"
"""The ``format`` key of :meth:`~pathways.case.Case.to_dict` snapshots (it also seeds every
history chain)."""


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One accepted event of a case (``open``, a pathway event, ``accept`` or ``decline``).

    ``hash`` is the SHA-256 (hex) of the previous entry's hash and the canonical JSON of this
    entry's other fields (:meth:`payload`); the first entry chains from a value derived from
    the pathway and case ids. ``data`` holds the case fields this event set (all of them for
    ``open``). ``source`` is None for ``open``.

    In a pathway with ``fork`` or ``join`` steps (SPEC 7.1), ``source`` is the step of the
    track that moved and ``tracks`` lists the case's tracks after the event (as
    :attr:`Case.steps <pathways.case.Case.steps>`); ``target`` is the step the track entered
    (the fork itself when a fork started its tracks; the join when the track arrived there,
    waiting or not). ``tracks`` is None, and not hashed, in pathways without tracks.
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
    tracks: tuple[str, ...] | None = None
    migration: Mapping[str, Any] | None = None
    """For a ``migrate`` entry (:meth:`Engine.migrate <pathways.engine.Engine.migrate>`): the
    old and new pathway (id, version, fingerprint), the step mapping and the case's state
    after the move; hashed like every other field. None, and not hashed, otherwise."""
    agency: str | None = None
    """The agency the actor acted for (:attr:`Actor.agency <pathways.case.Actor.agency>`),
    hashed like every other field; None, and not hashed, when the actor gave none."""

    def payload(self) -> dict[str, Any]:
        """The hashed fields as JSON-able values (every field except ``hash``; ``tracks``,
        ``migration`` and ``agency`` only when set)."""
        out = {
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
        if self.tracks is not None:
            out["tracks"] = list(self.tracks)
        if self.migration is not None:
            out["migration"] = self.migration
        if self.agency is not None:
            out["agency"] = self.agency
        return out

    def to_dict(self) -> dict[str, Any]:
        """The entry as JSON-able values, ``hash`` included."""
        out = self.payload()
        out["hash"] = self.hash
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> HistoryEntry:
        """The entry back from :meth:`to_dict` (the hash is kept, not recomputed)."""
        tracks = d.get("tracks")
        if tracks is not None and (
            not isinstance(tracks, list) or not all(isinstance(t, str) for t in tracks)
        ):
            raise ValueError(f"history tracks must be a list of step ids, not {tracks!r}")
        migration = d.get("migration")
        if migration is not None and not isinstance(migration, Mapping):
            raise ValueError(f"a history migration must be a map, not {migration!r}")
        agency = d.get("agency")
        if agency is not None and (not isinstance(agency, str) or not agency):
            raise ValueError(f"a history agency must be a non-empty string, not {agency!r}")
        seq = d["seq"]
        if not isinstance(seq, int) or isinstance(seq, bool):  # int(inf): OverflowError
            raise ValueError(f"a history seq must be an integer, not {seq!r}")
        return cls(
            seq=seq,
            event=str(d["event"]),
            source=None if d["source"] is None else str(d["source"]),
            target=str(d["target"]),
            actor=str(d["actor"]),
            role=str(d["role"]),
            at=_time(d["at"], "history at"),
            note=None if d["note"] is None else str(d["note"]),
            data=dict(d["data"]) if d["data"] else _EMPTY,
            hash=str(d["hash"]),
            tracks=None if tracks is None else tuple(tracks),
            migration=None if migration is None else dict(migration),
            agency=agency,
        )


# ----------------------------------------------------------------------------- canonical JSON

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
    tracks: tuple[str, ...] | None = None,
    agency: str | None = None,
) -> str:
    """``_canonical(payload)`` of a history entry, written out directly (the hot path of
    every event); keys in sorted order, exactly as ``json`` would write them."""
    return (
        f'{{"actor":{_str(actor)},'
        + ("" if agency is None else f'"agency":{_str(agency)},')
        + f'"at":{_str(at)},'
        f'"data":{_CANONICAL.encode(dict(data)) if data else "{}"},'
        f'"event":{_str(event)},"note":{"null" if note is None else _str(note)},'
        f'"role":{_str(role)},"seq":{int(seq)},'
        f'"source":{"null" if source is None else _str(source)},"target":{_str(target)}'
        + ("}" if tracks is None else f',"tracks":[{",".join(map(_str, tracks))}]}}')
    )


# --------------------------------------------------------------------------------- the chain


def _digest(key: bytes | None, text: str) -> str:
    if key is None:
        return hashlib.sha256(text.encode()).hexdigest()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def chain_hash(previous: str, payload: Mapping[str, Any], key: bytes | None = None) -> str:
    """SHA-256 hex (HMAC-SHA-256 under ``key`` if given) of ``previous``, a newline and the
    canonical JSON of ``payload``."""
    return _digest(key, f"{previous}\n{_canonical(payload)}")


def genesis(pathway_id: str, case_id: str, fingerprint: str = "", key: bytes | None = None) -> str:
    """The value the first entry of a case chains from: the hash of the snapshot format, the
    pathway id, the case id and the pathway's fingerprint, each on its own line.

    Binding the first link to the case id keeps entries from being moved between cases; the
    fingerprint binds the case to what the pathway did when the case was opened.
    """
    return _digest(key, f"{SNAPSHOT_FORMAT}\n{pathway_id}\n{case_id}\n{fingerprint}")


def _genesis(pathway_id: str, case_id: str) -> str:
    return genesis(pathway_id, case_id)


def open_entry(
    pathway_id: str,
    case_id: str,
    target: str,
    actor: str,
    role: str,
    when: dt.datetime,
    note: str | None,
    data: dict[str, Any],
    tracks: tuple[str, ...] | None = None,
    *,
    fingerprint: str = "",
    key: bytes | None = None,
    agency: str | None = None,
) -> HistoryEntry:
    """The ``open`` entry (seq 0) of a new case, chained from :func:`genesis`."""
    # The canonical JSON written out directly, as for every later entry: the generic encoder
    # took a third of opening a case.
    text = _entry_json(0, "open", None, target, actor, role, when.isoformat(), note, data, tracks,
                       agency)  # fmt: skip
    previous = genesis(pathway_id, case_id, fingerprint, key)
    return HistoryEntry(
        0,
        "open",
        None,
        target,
        actor,
        role,
        when,
        note,
        dict(data) if data else _EMPTY,
        _digest(key, f"{previous}\n{text}"),
        tracks,
        agency=agency,
    )


def append_entry(
    history: list[HistoryEntry],
    event: str,
    source: str,
    target: str,
    actor: str,
    role: str,
    when: dt.datetime,
    note: str | None,
    data: Mapping[str, Any],
    key: bytes | None = None,
    tracks: tuple[str, ...] | None = None,
    agency: str | None = None,
) -> HistoryEntry:
    """Append the entry of an accepted event to ``history`` (chained from its last entry)."""
    seq = len(history)
    text = _entry_json(
        seq, event, source, target, actor, role, when.isoformat(), note, data, tracks, agency
    )
    digest = _digest(key, f"{history[-1].hash}\n{text}")
    entry = HistoryEntry(
        seq,
        event,
        source,
        target,
        actor,
        role,
        when,
        note,
        dict(data) if data else _EMPTY,
        digest,
        tracks,
        agency=agency,
    )
    history.append(entry)
    return entry


def _migration_fingerprint(entry: HistoryEntry, side: str) -> str | None:
    record = entry.migration
    part = record.get(side) if isinstance(record, Mapping) else None
    value = part.get("fingerprint") if isinstance(part, Mapping) else None
    return value if isinstance(value, str) else None


def migrated_fingerprints(
    history: Sequence[HistoryEntry], fingerprint: str
) -> tuple[str, int | None]:
    """(the fingerprint the case was opened on, the index of a bad ``migrate`` entry or None).

    A case never migrated was opened on ``fingerprint`` (its engine's). A migrated case was
    opened on its first migration's old fingerprint; each migration must start from the
    fingerprint the previous one ended on, and the last must end on ``fingerprint``.
    """
    moves = [i for i, e in enumerate(history) if e.migration is not None]
    if not moves:
        return fingerprint, None
    current = _migration_fingerprint(history[moves[0]], "from")
    if current is None:
        return fingerprint, moves[0]
    opened_on = current
    for i in moves:
        if _migration_fingerprint(history[i], "from") != current:
            return opened_on, i
        current = _migration_fingerprint(history[i], "to")
        if current is None:
            return opened_on, i
    if current != fingerprint:
        return opened_on, moves[-1]
    return opened_on, None


def broken_at(
    pathway_id: str,
    case_id: str,
    history: Sequence[HistoryEntry],
    step: str,
    data: Mapping[str, Any],
    steps: tuple[str, ...] | None = None,
    *,
    fingerprint: str = "",
    keys: Sequence[bytes | None] = (None,),
) -> int | None:
    """Index of the first entry of ``history`` that does not verify, or None.

    Checks every hash (each entry may be under any of ``keys``: the current key and those
    being retired), the sequence numbers, that each entry leaves the step the previous one
    entered (with tracks: a step where the previous entry left a track), that the last entry
    ends at ``step`` (with tracks: leaves the tracks ``steps``), and that replaying the
    entries' ``data`` gives ``data``.
    """
    replayed: dict[str, Any] = {}
    at: str | None = None
    previous = ""
    here: tuple[str, ...] = ()
    opened_on, problem = migrated_fingerprints(history, fingerprint)
    if problem is not None:
        return problem
    fingerprint = opened_on
    for i, e in enumerate(history):
        if e.seq != i or (i == 0) != (e.source is None):
            return i
        if i > 0 and (e.source not in here if here else e.source != at):
            return i
        try:
            text = _canonical(e.payload())
        except (TypeError, ValueError):
            return i
        if not any(
            _digest(
                k, f"{genesis(pathway_id, case_id, fingerprint, k) if i == 0 else previous}\n{text}"
            )
            == e.hash
            for k in keys
        ):
            return i
        previous, at = e.hash, e.target
        here = e.tracks or ()
        replayed.update(e.data)
    if not history:
        return 0
    last = history[-1].tracks
    if replayed != data or (
        at != step
        if last is None
        else (step not in last if steps is None else last != tuple(steps))
    ):
        return len(history) - 1
    return None
