"""The tamper-evident history of a case: :class:`HistoryEntry`, canonical JSON and the hash chain.

Every accepted event appends a :class:`HistoryEntry` whose ``hash`` is the SHA-256 of the
previous entry's hash and the canonical JSON of this entry's other fields; the first entry
chains from a value derived from the pathway and case ids (:func:`chain_hash`). Rewriting,
reordering or moving an entry breaks the chain, and :func:`broken_at` finds where.
"""

from __future__ import annotations

import datetime as dt
import hashlib
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
    "open_entry",
]

SNAPSHOT_FORMAT: Final = "pathways-case/1"
"""The ``format`` key of :meth:`~pathways.case.Case.to_dict` snapshots (it also seeds every
history chain)."""


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


# --------------------------------------------------------------------------------- the chain


def chain_hash(previous: str, payload: Mapping[str, Any]) -> str:
    """SHA-256 hex of ``previous``, a newline and the canonical JSON of ``payload``."""
    return hashlib.sha256(f"{previous}\n{_canonical(payload)}".encode()).hexdigest()


def _genesis(pathway_id: str, case_id: str) -> str:
    # Binding the first link to the case id keeps entries from being moved between cases.
    return hashlib.sha256(f"{SNAPSHOT_FORMAT}\n{pathway_id}\n{case_id}".encode()).hexdigest()


def open_entry(
    pathway_id: str,
    case_id: str,
    target: str,
    actor: str,
    role: str,
    when: dt.datetime,
    note: str | None,
    data: dict[str, Any],
) -> HistoryEntry:
    """The ``open`` entry (seq 0) of a new case, chained from the pathway and case ids."""
    payload = {
        "seq": 0,
        "event": "open",
        "source": None,
        "target": target,
        "actor": actor,
        "role": role,
        "at": when.isoformat(),
        "note": note,
        "data": data,
    }
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
        chain_hash(_genesis(pathway_id, case_id), payload),
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
) -> HistoryEntry:
    """Append the entry of an accepted event to ``history`` (chained from its last entry)."""
    seq = len(history)
    text = _entry_json(seq, event, source, target, actor, role, when.isoformat(), note, data)
    digest = hashlib.sha256(f"{history[-1].hash}\n{text}".encode()).hexdigest()
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
    )
    history.append(entry)
    return entry


def broken_at(
    pathway_id: str,
    case_id: str,
    history: Sequence[HistoryEntry],
    step: str,
    data: Mapping[str, Any],
) -> int | None:
    """Index of the first entry of ``history`` that does not verify, or None.

    Checks every hash, the sequence numbers, that each entry leaves the step the previous one
    entered, that the last entry ends at ``step``, and that replaying the entries' ``data``
    gives ``data``.
    """
    previous = _genesis(pathway_id, case_id)
    replayed: dict[str, Any] = {}
    at: str | None = None
    for i, e in enumerate(history):
        if e.seq != i or (i == 0) != (e.source is None) or (i > 0 and e.source != at):
            return i
        try:
            expected = chain_hash(previous, e.payload())
        except (TypeError, ValueError):
            return i
        if expected != e.hash:
            return i
        previous, at = e.hash, e.target
        replayed.update(e.data)
    if not history:
        return 0
    if at != step or replayed != data:
        return len(history) - 1
    return None
