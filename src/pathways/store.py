"""Case stores: where live cases are kept between events.

:class:`CaseStore` is the protocol an embedding system implements for its own database;
:class:`SQLiteStore` is the embedded default. Both keep the history append-only and use
optimistic concurrency: a case carries the row version it was loaded at, and a save with a
stale version raises :class:`~pathways.errors.ConflictError` and writes nothing.
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pathways.errors import CaseError, ConflictError
from pathways.model import Confidentiality

if TYPE_CHECKING:
    from pathways.case import Actor, Case
    from pathways.engine import Engine

__all__ = ["CaseStore", "SQLiteStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    id          TEXT PRIMARY KEY,
    pathway     TEXT NOT NULL,
    version     TEXT NOT NULL,
    step        TEXT NOT NULL,
    data        TEXT NOT NULL,
    snapshot    TEXT NOT NULL,
    row_version INTEGER NOT NULL,
    overdue_us  INTEGER
);
CREATE INDEX IF NOT EXISTS cases_step ON cases (pathway, step);
CREATE INDEX IF NOT EXISTS cases_overdue ON cases (overdue_us);
CREATE TABLE IF NOT EXISTS history (
    case_id TEXT NOT NULL REFERENCES cases (id),
    seq     INTEGER NOT NULL,
    entry   TEXT NOT NULL,
    hash    TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);
CREATE TABLE IF NOT EXISTS tracks (
    case_id TEXT NOT NULL REFERENCES cases (id),
    track   INTEGER NOT NULL,
    step    TEXT NOT NULL,
    PRIMARY KEY (case_id, track)
);
CREATE INDEX IF NOT EXISTS tracks_step ON tracks (step);
CREATE TRIGGER IF NOT EXISTS history_no_update BEFORE UPDATE ON history
BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
CREATE TRIGGER IF NOT EXISTS history_no_delete BEFORE DELETE ON history
BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
"""

# Schema changes after the first, applied in order; PRAGMA user_version counts those applied.
_MIGRATIONS = (
    """
    ALTER TABLE cases ADD COLUMN closed INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE cases ADD COLUMN unmet_us INTEGER;
    ALTER TABLE cases ADD COLUMN agency TEXT;
    CREATE INDEX IF NOT EXISTS cases_pathway ON cases (pathway, id);
    CREATE INDEX IF NOT EXISTS cases_unmet ON cases (unmet_us) WHERE unmet_us IS NOT NULL;
    CREATE INDEX IF NOT EXISTS cases_agency ON cases (agency, id);
    """,
    """
    CREATE TABLE outbox (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        case_id    TEXT NOT NULL REFERENCES cases (id),
        message    TEXT NOT NULL,
        created_us INTEGER NOT NULL,
        sent_us    INTEGER
    );
    CREATE INDEX outbox_pending ON outbox (id) WHERE sent_us IS NULL;
    """,
    """
    CREATE TABLE access_log (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        at_us   INTEGER NOT NULL,
        actor   TEXT NOT NULL,
        role    TEXT NOT NULL,
        case_id TEXT,
        action  TEXT NOT NULL,
        reason  TEXT NOT NULL
    );
    CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
    BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
    CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
    BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
    """,
    """
    ALTER TABLE cases ADD COLUMN level INTEGER NOT NULL DEFAULT 0;
    """,
    """
    ALTER TABLE access_log ADD COLUMN agency TEXT;
    """,
)

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# the columns of ``cases`` in an index that a save may change (besides ``version``)
_INDEXED = ("step", "overdue_us", "unmet_us", "agency")


def _micros(when: dt.datetime) -> int:
    return (when - _EPOCH) // dt.timedelta(microseconds=1)


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _statements(script: str) -> Iterator[str]:
    """The SQL statements of ``script`` (a trigger's body keeps its semicolons)."""
    buffer = ""
    for part in script.split(";"):
        buffer += part + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \n;"):
                yield buffer
            buffer = ""


def _aware(when: dt.datetime, name: str) -> dt.datetime:
    if when.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")
    return when.astimezone(dt.UTC)


def level_of(case: Case) -> int:
    """The highest confidentiality rank of the steps the case is at (0 public ... 3
    restricted): a reader below it does not see the case in ``list(clearance=...)``."""
    steps = case.engine.pathway.steps_by_id
    return max(steps[s].confidentiality.rank for s in case.steps)


def query_facts(case: Case) -> tuple[bool, dt.datetime | None, str | None]:
    """What the stores index a case by besides its steps: (closed, the earliest due time of
    its open time limits, the agencies of the roles of its steps, separated by spaces)."""
    engine = case.engine
    if case.done:
        return True, None, None
    due = engine.due(case)
    p = engine.pathway
    of_role = {r.id: r.agency for r in p.roles}
    agencies = sorted(
        {of_role[role] for s in case.steps if (role := p.steps_by_id[s].role) in of_role}
    )
    return False, (due[0].due_at if due else None), " ".join(agencies) or None


_MAX_PAGE = 2**63 - 1
"""The largest ``limit``: SQLite's and PostgreSQL's largest integer (a larger one raised
OverflowError or IntegrityError from the driver)."""


def check_page(limit: int | None) -> None:
    if limit is not None and (
        not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= _MAX_PAGE
    ):
        raise ValueError(f"limit must be a positive integer up to 2**63 - 1, not {limit!r}")


@runtime_checkable
class CaseStore(Protocol):
    """What the runtime needs from a store of cases.

    ``save`` is atomic, uses optimistic concurrency on ``case.version`` and refuses a case that
    does not verify (:meth:`Engine.check_unsaved <pathways.engine.Engine.check_unsaved>`);
    ``load`` reads in one transaction and gives back a case equal to the saved one; ``list``
    answers the queries a service needs, with keyset pagination.
    """

    def save(self, case: Case) -> None:
        """Store the case and its new history entries, or raise ConflictError."""
        ...

    def load(self, case_id: str, engine: Engine) -> Case:
        """The stored case, restored on ``engine``; KeyError when there is none."""
        ...

    def list(
        self,
        step: str | None = None,
        overdue_at: dt.datetime | None = None,
        *,
        pathway: str | None = None,
        open_only: bool = False,
        unmet_deadlines_at: dt.datetime | None = None,
        agency: str | None = None,
        limit: int | None = None,
        after: str | None = None,
        clearance: Confidentiality | None = None,
    ) -> builtins.list[str]:
        """Ids of the stored cases matching every filter given, sorted (see
        :meth:`SQLiteStore.list`)."""
        ...


@dataclass(slots=True)
class Prepared:
    """One case's save, computed before the store's transaction (so the database's write lock
    is held only for the statements): the row to write, and, when the case carries a
    checkpoint of its last load or save at its row version, how many history entries are
    stored already and the verified case to become the new checkpoint."""

    case: Case
    outbox: Sequence[Mapping[str, Any]]
    expected: int
    """The row version the case was loaded at (0: a new case)."""
    row: tuple[Any, ...]
    """step, data, snapshot, row_version, overdue, closed, unmet, agency, level."""
    stored: int | None
    """History entries already stored; None: read it in the transaction."""
    checkpoint: Case | None
    """The verified case (``check_unsaved``); None until ``stored`` is known."""
    tracks_stored: bool
    """Whether the stored case may have rows in ``tracks`` (several tracks)."""
    facts: dict[str, Any]
    """The case's facts (its snapshot without ``version``), for ``check_unsaved``."""


def prepare(
    case: Case, outbox: Sequence[Mapping[str, Any]], time: Callable[[dt.datetime], object]
) -> Prepared:
    """What saving ``case`` writes; ``time`` turns a datetime into the store's column value.

    The case is checked here (:meth:`Engine.check_unsaved
    <pathways.engine.Engine.check_unsaved>`, raising CaseError: nothing is written) when its
    checkpoint says how much of its history is stored: always after a load or a save by a
    store. The transaction then needs no read: its conditional ``UPDATE`` (on the row version)
    and the history's primary key refuse a stale case.
    """
    engine = case.engine
    expected = case.version
    snapshot = case.to_dict(history=False)
    facts = dict(snapshot)
    del facts["version"]
    snapshot["version"] = expected + 1
    overdue = engine.overdue_from(case)
    closed, unmet, agency = query_facts(case)
    row = (
        " ".join(case.steps),
        _json(snapshot["data"]),
        _json(snapshot),
        expected + 1,
        None if overdue is None else time(overdue),
        closed,
        None if unmet is None else time(unmet),
        agency,
        level_of(case),
    )
    point = case._checkpoint
    stored: int | None = None
    checkpoint = None
    tracks = True
    if expected == 0:
        stored, tracks = 0, False
    elif (
        point is not None and point.version == expected and len(point.history) <= len(case.history)
    ):
        stored, tracks = len(point.history), len(point.steps) > 1
    if stored is not None:
        checkpoint = engine.check_unsaved(case, stored, facts=facts)
    return Prepared(case, outbox, expected, row, stored, checkpoint, tracks, facts)


def not_a_prefix(case: Case) -> ConflictError:
    return ConflictError(
        f"the stored history of case {case.id!r} is not a prefix of this case's history; "
        "load it again"
    )


def changed(case: Case, expected: int, found: Sequence[Any] | None) -> ConflictError:
    now = "it is not stored" if found is None else f"it is at version {found[0]}"
    return ConflictError(
        f"case {case.id!r} changed since it was loaded at version {expected} ({now}); load it "
        "again and retry"
    )


def history_rows(case: Case, stored: int) -> builtins.list[tuple[str, int, str, str]]:
    """The history rows a save appends: (case id, seq, entry JSON, hash)."""
    cid = case.id
    return [(cid, e.seq, _json(e.to_dict()), e.hash) for e in case.history[stored:]]


def stored_case(
    case_id: str, row: Sequence[Any] | None, entries: Iterable[Sequence[Any]]
) -> dict[str, Any]:
    """A case as both stores export it: its snapshot (``row``, the ``snapshot`` column) with
    the history rows ``(entry JSON, hash)`` in order, each entry checked against its hash
    column (a row edited behind the store's back is refused, not exported)."""
    if row is None:
        raise KeyError(f"no case {case_id!r} in the store")
    snapshot = json.loads(row[0])
    history = []
    for text, digest in entries:
        entry = json.loads(text)
        if entry.get("hash") != digest:
            raise CaseError(f"history of case {case_id!r}: entry and hash column disagree")
        history.append(entry)
    snapshot["history"] = history
    return dict(snapshot)


def denial(at: str, row: Sequence[Any]) -> dict[str, Any]:
    """An access-log row ``(at, actor, role, case_id, action, reason, agency)`` as both
    stores give it, ``at`` already in ISO 8601."""
    return {
        "at": at,
        "actor": row[1],
        "role": row[2],
        "case": row[3],
        "action": row[4],
        "reason": row[5],
        "agency": row[6],
    }


SaveIn = Callable[[Any, Prepared], tuple[int, "Case"]]


def save_together(
    transaction: Callable[[], AbstractContextManager[Any]],
    save_in: SaveIn,
    items: Sequence[tuple[Case, Sequence[Mapping[str, Any]]]],
    time: Callable[[dt.datetime], object],
) -> None:
    """Save ``(case, outbox)`` items in one transaction of a store, then (only once it has
    committed) give each case its new row version and checkpoint. Shared by both stores: the
    cases are prepared (serialised and checked) before the transaction begins."""
    prepared = [prepare(case, outbox, time) for case, outbox in items]
    done = []
    with transaction() as db:
        for p in prepared:
            done.append((p.case, *save_in(db, p)))
    for case, new, checkpoint in done:
        case.version = new
        checkpoint.version = new
        case._checkpoint = checkpoint


def holds_case_store(path: str | Path) -> bool:
    """Whether the SQLite file ``path`` holds a case store (its ``cases`` and ``history``
    tables), read without changing it: an empty file or another database does not.

    Raises
    ------
    sqlite3.DatabaseError
        The file is not a SQLite database (or cannot be read).
    """
    db = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    finally:
        db.close()
    return {"cases", "history"} <= {name for (name,) in rows}


class SQLiteStore:
    """Cases in one SQLite file: WAL journal, ``synchronous=FULL``, one transaction per save.

    Tables: ``cases`` (id, pathway, version, step, data, snapshot, row_version, overdue_us:
    the time, in microseconds since 1970, from which the case is overdue if nothing happens),
    ``history`` (case_id, seq, entry, hash), which triggers keep append-only, and ``tracks``
    (case_id, track, step): one row per track of a case that has several (SPEC 7.1); the
    ``step`` column of such a case lists its tracks' steps separated by spaces. A committed
    save survives a crash of the process or the machine. The store may be shared by threads
    (one connection behind a lock) and by processes (SQLite's file locking; a writer waits up
    to ``timeout`` seconds).

    Parameters
    ----------
    path
        The database file (created if missing), or ``":memory:"``.
    timeout
        Seconds to wait for another process's write lock.

    Examples
    --------
    >>> import pathways as pw
    >>> from pathways.store import SQLiteStore
    >>> engine = pw.Engine(pw.load("pathways/kh/csa-in-person.yaml"))
    >>> store = SQLiteStore(":memory:")
    >>> case = engine.open(entry="report_police", case_id="c-1")
    >>> store.save(case)
    >>> store.load("c-1", engine) == case, case.version
    (True, 1)
    >>> store.list(step="report_police")
    ['c-1']
    """

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            self.path, timeout=timeout, isolation_level=None, check_same_thread=False
        )
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError:  # not a database: no connection left open
            self._db.close()
            raise
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        with self._lock:
            self._db.executescript(_SCHEMA)  # idempotent (IF NOT EXISTS), autocommitted
            self._db.execute("BEGIN IMMEDIATE")
            try:
                done = self._db.execute("PRAGMA user_version").fetchone()[0]
                for number, script in enumerate(_MIGRATIONS[done:], start=done + 1):
                    for statement in _statements(script):
                        self._db.execute(statement)
                    self._db.execute(f"PRAGMA user_version = {int(number)}")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees the database as of one commit (WAL
        readers keep the snapshot their first read took until the transaction ends)."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield self._db
            finally:
                self._db.execute("COMMIT")

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path!r})"

    # --- writing -----------------------------------------------------------------------

    def save(self, case: Case, *, outbox: Sequence[Mapping[str, Any]] = ()) -> None:
        """Store the case and append its new history entries, in one transaction.

        ``outbox`` messages (JSON-able mappings, e.g. the notifications the engine's
        ``on_enter`` hook collected) are written to the ``outbox`` table in the same
        transaction: they exist exactly when the save committed. Send them afterwards
        (:meth:`outbox_pending`, :meth:`outbox_sent`).

        A case never saved (``case.version == 0``) is inserted; otherwise the row is updated
        only if its ``row_version`` still equals ``case.version``. On success
        ``case.version`` is the new row version.

        Raises
        ------
        ConflictError
            The stored case changed since this one was loaded (or a new case's id is taken),
            or the stored history is not a prefix of the case's history. Nothing is written.
        """
        self._save_all([(case, outbox)])

    def save_all(self, cases: Sequence[Case]) -> None:
        """Save several cases in one transaction: all of them, or none (see :meth:`save`).

        Used by :func:`pathways.migration.migrate_store` to move a store's open cases to a new
        pathway version all at once.
        """
        self._save_all([(case, ()) for case in cases])

    def _save_all(self, items: Sequence[tuple[Case, Sequence[Mapping[str, Any]]]]) -> None:
        save_together(self._transaction, self._save_in, items, _micros)

    def _save_in(self, db: sqlite3.Connection, p: Prepared) -> tuple[int, Case]:
        case, expected, row = p.case, p.expected, p.row
        new = expected + 1
        history = case.history
        steps = case.steps
        stored, checkpoint = p.stored, p.checkpoint
        if expected == 0:
            stored = 0
            try:
                db.execute(
                    "INSERT INTO cases (step, data, snapshot, row_version, overdue_us, "
                    "closed, unmet_us, agency, level, id, pathway, version) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*row, case.id, case.pathway_id, case.pathway_version),
                )
            except sqlite3.IntegrityError:
                raise ConflictError(
                    f"case {case.id!r} is already stored; load it instead of saving a new "
                    "case with the same id"
                ) from None
        else:
            if stored is None:  # no checkpoint at this row version: read what is stored
                last = db.execute(
                    "SELECT seq, hash FROM history WHERE case_id = ? ORDER BY seq DESC LIMIT 1",
                    (case.id,),
                ).fetchone()
                stored = 0 if last is None else last[0] + 1
                if stored > len(history) or (stored and history[stored - 1].hash != last[1]):
                    found = db.execute(
                        "SELECT row_version FROM cases WHERE id = ?", (case.id,)
                    ).fetchone()
                    if found is not None and found[0] == expected:
                        raise not_a_prefix(case)
                    raise changed(case, expected, found)
                checkpoint = case.engine.check_unsaved(case, stored, facts=p.facts)
            # SQLite rewrites an index for every indexed column in SET, changed or not (a
            # page each): set the indexed columns only when their value changes.
            indexed = db.execute(
                "SELECT row_version, step, overdue_us, unmet_us, agency FROM cases WHERE id = ?",
                (case.id,),
            ).fetchone()
            if indexed is None or indexed[0] != expected:
                raise changed(case, expected, indexed)
            sets = ["data = ?", "snapshot = ?", "row_version = ?", "closed = ?", "level = ?"]
            sets.append("version = ?")
            args = [row[1], row[2], row[3], row[5], row[8], case.pathway_version]
            for name, value, old in zip(
                _INDEXED, (row[0], row[4], row[6], row[7]), indexed[1:], strict=True
            ):
                if value != old:
                    sets.append(f"{name} = ?")
                    args.append(value)
            cur = db.execute(
                f"UPDATE cases SET {', '.join(sets)} WHERE id = ? AND row_version = ?",
                (*args, case.id, expected),
            )
            if cur.rowcount != 1:  # pragma: no cover - the write lock is held since the read
                raise changed(case, expected, None)
            if p.tracks_stored:
                db.execute("DELETE FROM tracks WHERE case_id = ?", (case.id,))
        if len(steps) > 1:
            db.executemany(
                "INSERT INTO tracks (case_id, track, step) VALUES (?, ?, ?)",
                [(case.id, i, s) for i, s in enumerate(steps)],
            )
        rows = history_rows(case, stored)
        insert = "INSERT INTO history (case_id, seq, entry, hash) VALUES (?, ?, ?, ?)"
        try:
            if len(rows) == 1:
                db.execute(insert, rows[0])
            else:
                db.executemany(insert, rows)
        except sqlite3.IntegrityError:  # an entry of that seq is stored: not what was loaded
            raise not_a_prefix(case) from None
        if p.outbox:
            created = _micros(dt.datetime.now(dt.UTC))
            db.executemany(
                "INSERT INTO outbox (case_id, message, created_us) VALUES (?, ?, ?)",
                [(case.id, _json(dict(m)), created) for m in p.outbox],
            )
        assert checkpoint is not None
        return new, checkpoint

    # --- reading -----------------------------------------------------------------------

    def load(self, case_id: str, engine: Engine) -> Case:
        """The stored case ``case_id`` restored on ``engine`` (its history verified).

        Raises
        ------
        KeyError
            No case with that id is stored.
        CaseError
            The case is of another pathway or version than the engine's, or its stored
            history does not verify.
        """
        return engine.restore(self.export(case_id))

    def export(self, case_id: str) -> dict[str, Any]:
        """The stored snapshot of ``case_id`` with its history, as stored: not verified (see
        :meth:`load` for that); read in one transaction. For audits and exports.

        Raises
        ------
        KeyError
            No case with that id is stored.
        CaseError
            A history row's entry and hash columns disagree.
        """
        with self._read() as db:  # one snapshot: the row and its history from one commit
            row = db.execute("SELECT snapshot FROM cases WHERE id = ?", (case_id,)).fetchone()
            entries = db.execute(
                "SELECT entry, hash FROM history WHERE case_id = ? ORDER BY seq", (case_id,)
            ).fetchall()
        return stored_case(case_id, row, entries)

    def list(
        self,
        step: str | None = None,
        overdue_at: dt.datetime | None = None,
        *,
        pathway: str | None = None,
        open_only: bool = False,
        unmet_deadlines_at: dt.datetime | None = None,
        agency: str | None = None,
        limit: int | None = None,
        after: str | None = None,
        clearance: Confidentiality | None = None,
    ) -> builtins.list[str]:
        """Ids of the stored cases that match every filter given, sorted (bytewise).

        Parameters
        ----------
        step
            Cases at this step.
        overdue_at
            Cases with a time limit missed by then, as :meth:`Case.overdue` counts them (a
            deadline met late stays missed: this is the record, not the to-do list).
        pathway
            Cases of this pathway id (one store may hold several pathways).
        open_only
            Cases not at an outcome step.
        unmet_deadlines_at
            Open cases with a time limit not met yet that falls due before this time (what a
            reminder job needs; a deadline met, even late, or a closed case is not listed).
        agency
            Cases whose current step is worked by a role of this agency.
        limit, after
            Keyset pagination: at most ``limit`` ids, all greater than ``after`` (the last id
            of the previous page). Pages stay stable while cases are added.
        clearance
            Only cases whose steps are all at or below this confidentiality (a reader's
            clearance, see :mod:`pathways.access`): a case at a restricted shelter placement
            is not listed to a reader with sensitive clearance.
        """
        sql = "SELECT id FROM cases WHERE 1 = 1"
        args: builtins.list[object] = []
        if step is not None:  # a case with several tracks is at each of their steps
            sql += " AND (step = ? OR id IN (SELECT case_id FROM tracks WHERE step = ?))"
            args += [step, step]
        if pathway is not None:
            sql += " AND pathway = ?"
            args.append(pathway)
        if agency is not None:  # the agencies of a case's tracks, separated by spaces
            sql += " AND instr(' ' || agency || ' ', ' ' || ? || ' ') > 0"
            args.append(agency)
        if open_only:
            sql += " AND closed = 0"
        if overdue_at is not None:
            sql += " AND overdue_us IS NOT NULL AND overdue_us < ?"
            args.append(_micros(_aware(overdue_at, "overdue_at")))
        if unmet_deadlines_at is not None:
            sql += " AND unmet_us IS NOT NULL AND unmet_us < ?"
            args.append(_micros(_aware(unmet_deadlines_at, "unmet_deadlines_at")))
        if after is not None:
            sql += " AND id > ?"
            args.append(after)
        if clearance is not None:
            sql += " AND level <= ?"
            args.append(Confidentiality(clearance).rank)
        check_page(limit)
        sql += " ORDER BY id" + ("" if limit is None else f" LIMIT {int(limit)}")
        with self._read() as db:
            rows = db.execute(sql, args).fetchall()
        return [r[0] for r in rows]

    def outbox_pending(self, limit: int = 100) -> builtins.list[tuple[int, dict[str, Any]]]:
        """Up to ``limit`` outbox messages not marked sent, oldest first: (id, message)."""
        check_page(limit)
        with self._read() as db:
            rows = db.execute(
                "SELECT id, message FROM outbox WHERE sent_us IS NULL ORDER BY id LIMIT ?",
                (limit,),
            ).fetchall()
        return [(int(i), json.loads(m)) for i, m in rows]

    def outbox_sent(self, ids: Iterable[int]) -> None:
        """Mark outbox messages as sent."""
        now = _micros(dt.datetime.now(dt.UTC))
        with self._transaction() as db:
            db.executemany(
                "UPDATE outbox SET sent_us = ? WHERE id = ? AND sent_us IS NULL",
                [(now, int(i)) for i in ids],
            )

    def record_denial(
        self, actor: Actor, action: str, reason: str, case_id: str | None = None
    ) -> None:
        """Append a refused access (a NotAuthorized) to the append-only ``access_log``, with
        the actor's id, role and agency (None when it gave none)."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO access_log (at_us, actor, role, agency, case_id, action, reason) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    _micros(dt.datetime.now(dt.UTC)),
                    actor.id,
                    actor.role,
                    actor.agency,
                    case_id,
                    action,
                    reason,
                ),
            )

    def denials(self, limit: int = 100) -> builtins.list[dict[str, Any]]:
        """The latest ``limit`` entries of the access log, newest first."""
        check_page(limit)
        with self._read() as db:
            rows = db.execute(
                "SELECT at_us, actor, role, case_id, action, reason, agency FROM access_log "
                "ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [denial((_EPOCH + dt.timedelta(microseconds=r[0])).isoformat(), r) for r in rows]

    def count(self) -> int:
        """The number of stored cases."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM cases").fetchone()[0])
