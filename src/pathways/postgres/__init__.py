"""Cases in PostgreSQL: :class:`PostgresStore`, for several application servers on one database.

Needs psycopg 3 (``pip install 'pathways[postgres]'``). Same interface and guarantees as
:class:`~pathways.store.SQLiteStore`: one transaction per save, an append-only history
enforced by triggers, optimistic concurrency on a row version, reads from one snapshot. The
schema is versioned: the plain SQL files in ``pathways/postgres/migrations`` are applied in
order by number and recorded in the ``pathways_migrations`` table, under an advisory lock so
that several servers starting at once apply each migration once.
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import resources
from typing import TYPE_CHECKING, Any

from pathways.errors import ConflictError
from pathways.model import Confidentiality
from pathways.store import (
    Prepared,
    _aware,
    _json,
    changed,
    check_page,
    denial,
    history_rows,
    not_a_prefix,
    save_together,
    stored_case,
)

if TYPE_CHECKING:
    import psycopg

    from pathways.case import Actor, Case
    from pathways.engine import Engine

__all__ = ["PostgresStore", "migrations"]

_MIGRATION = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_LOCK_ID = 0x70617468  # pg_advisory_xact_lock key for migrations ("path")


def migrations() -> list[tuple[int, str, str]]:
    """The schema migrations shipped with the package: (number, file name, SQL), in order."""
    folder = resources.files(__package__).joinpath("migrations")
    out = []
    for item in folder.iterdir():
        match = _MIGRATION.match(item.name)
        if match:
            out.append((int(match.group(1)), item.name, item.read_text(encoding="utf-8")))
    return sorted(out)


def _same(when: dt.datetime) -> dt.datetime:
    return when  # psycopg writes aware datetimes to timestamptz as they are


class PostgresStore:
    """Cases in a PostgreSQL database (psycopg 3), shared by any number of processes.

    Tables: ``cases`` (id, pathway, version, step, data, snapshot, row_version, overdue_at),
    ``tracks`` (case_id, track, step: the tracks of a case that has several, whose ``step``
    column lists them separated by spaces) and ``history`` (case_id, seq, entry, hash), which
    triggers keep append-only (no
    ``UPDATE``, ``DELETE`` or ``TRUNCATE``); for defence in depth, grant the application's
    role only ``SELECT, INSERT`` on ``history``. The store holds one connection behind a lock
    (share a store between threads, or open one per worker process).

    Parameters
    ----------
    dsn
        A libpq connection string or URI, e.g. ``"postgresql://app@db/cases"``.
    migrate
        Apply pending schema migrations on connect (default). Pass False where the
        application's role may not change the schema, after running them once as the owner
        (``PostgresStore(dsn_of_owner).close()``).

    Raises
    ------
    ImportError
        psycopg is not installed (``pip install 'pathways[postgres]'``).
    """

    def __init__(self, dsn: str, *, migrate: bool = True) -> None:
        try:
            import psycopg
        except ImportError:  # pragma: no cover - depends on the installation
            raise ImportError(
                "PostgresStore needs psycopg 3: pip install 'pathways[postgres]'"
            ) from None
        self._psycopg = psycopg
        self._lock = threading.Lock()
        self._db: psycopg.Connection[Any] = psycopg.connect(dsn, autocommit=True)
        self.dsn = dsn
        if migrate:
            self.migrate()

    def migrate(self) -> list[str]:
        """Apply the migrations not applied yet, each in its own transaction; return their
        file names."""
        applied = []
        with self._lock:
            db = self._db
            with db.transaction():
                db.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
                db.execute(
                    "CREATE TABLE IF NOT EXISTS pathways_migrations (version integer PRIMARY "
                    "KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
                )
                done = {r[0] for r in db.execute("SELECT version FROM pathways_migrations")}
                for number, name, sql in migrations():
                    if number in done:
                        continue
                    db.execute(sql.encode())  # the package's own SQL files
                    db.execute(
                        "INSERT INTO pathways_migrations (version, name) VALUES (%s, %s)",
                        (number, name),
                    )
                    applied.append(name)
        return applied

    @contextmanager
    def _transaction(self, *, read: bool = False) -> Iterator[psycopg.Connection[Any]]:
        with self._lock, self._db.transaction():
            if read:  # one snapshot for every query of the transaction
                self._db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield self._db

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return "PostgresStore(...)"  # the DSN may hold a password

    # --- writing -----------------------------------------------------------------------

    def save(self, case: Case, *, outbox: Sequence[Mapping[str, Any]] = ()) -> None:
        """Store the case and append its new history entries, in one transaction, with the
        ``outbox`` messages (see :meth:`SQLiteStore.save <pathways.store.SQLiteStore.save>`).

        Raises
        ------
        ConflictError
            The stored case changed since this one was loaded (or a new case's id is taken).
            Nothing is written.
        CaseError
            The case does not verify (its history does not give its facts). Nothing is
            written.
        """
        self._save_all([(case, outbox)])

    def save_all(self, cases: Sequence[Case]) -> None:
        """Save several cases in one transaction: all of them, or none (see :meth:`save`).

        Used by :func:`pathways.migration.migrate_store` to move a store's open cases to a new
        pathway version all at once.
        """
        self._save_all([(case, ()) for case in cases])

    def _save_all(self, items: Sequence[tuple[Case, Sequence[Mapping[str, Any]]]]) -> None:
        save_together(self._transaction, self._save_in, items, _same)

    def _save_in(self, db: psycopg.Connection[Any], p: Prepared) -> tuple[int, Case]:
        case, expected, row = p.case, p.expected, p.row
        new = expected + 1
        history = case.history
        steps = case.steps
        stored, checkpoint = p.stored, p.checkpoint
        if expected == 0:
            stored = 0
            cur = db.execute(
                "INSERT INTO cases (step, data, snapshot, row_version, overdue_at, closed, "
                "unmet_at, agency, level, id, pathway, version) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (id) DO NOTHING",
                (*row, case.id, case.pathway_id, case.pathway_version),
            )
            if cur.rowcount != 1:
                raise ConflictError(
                    f"case {case.id!r} is already stored; load it instead of saving a new "
                    "case with the same id"
                )
        else:
            # The conditional update takes the row lock first: once it holds, no other
            # save of this case can append to its history until this transaction ends.
            cur = db.execute(
                "UPDATE cases SET step = %s, data = %s, snapshot = %s, row_version = %s, "
                "overdue_at = %s, closed = %s, unmet_at = %s, agency = %s, level = %s, "
                "version = %s "
                "WHERE id = %s AND row_version = %s",
                (*row, case.pathway_version, case.id, expected),
            )
            if cur.rowcount != 1:
                found = db.execute(
                    "SELECT row_version FROM cases WHERE id = %s", (case.id,)
                ).fetchone()
                raise changed(case, expected, found)
            if stored is None:  # no checkpoint at this row version: read what is stored
                last = db.execute(
                    "SELECT seq, hash FROM history WHERE case_id = %s ORDER BY seq DESC LIMIT 1",
                    (case.id,),
                ).fetchone()
                stored = 0 if last is None else int(last[0]) + 1
                if last is not None and (
                    stored > len(history) or history[stored - 1].hash != last[1]
                ):
                    raise not_a_prefix(case)
                checkpoint = case.engine.check_unsaved(case, stored, facts=p.facts)
        rows = history_rows(case, stored)
        insert = "INSERT INTO history (case_id, seq, entry, hash) VALUES (%s, %s, %s, %s)"
        with db.cursor() as c:
            if p.expected != 0 and p.tracks_stored:
                c.execute("DELETE FROM tracks WHERE case_id = %s", (case.id,))
            if len(steps) > 1:
                c.executemany(
                    "INSERT INTO tracks (case_id, track, step) VALUES (%s, %s, %s)",
                    [(case.id, i, s) for i, s in enumerate(steps)],
                )
            try:
                if len(rows) == 1:
                    c.execute(insert, rows[0])
                else:
                    c.executemany(insert, rows)
            except self._psycopg.errors.UniqueViolation:  # that seq is stored: not as loaded
                raise not_a_prefix(case) from None
            if p.outbox:
                c.executemany(
                    "INSERT INTO outbox (case_id, message) VALUES (%s, %s)",
                    [(case.id, _json(dict(m))) for m in p.outbox],
                )
        assert checkpoint is not None
        return new, checkpoint

    # --- reading -----------------------------------------------------------------------

    def load(self, case_id: str, engine: Engine) -> Case:
        """The stored case ``case_id`` restored on ``engine`` (see :meth:`Engine.restore
        <pathways.engine.Engine.restore>`), read from one snapshot of the database.

        Raises
        ------
        KeyError
            No case with that id is stored.
        CaseError
            The case is of another pathway, version or fingerprint than the engine's, or its
            history does not verify or does not give its stored facts.
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
        with self._transaction(read=True) as db:
            row = db.execute("SELECT snapshot FROM cases WHERE id = %s", (case_id,)).fetchone()
            entries = db.execute(
                "SELECT entry, hash FROM history WHERE case_id = %s ORDER BY seq", (case_id,)
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
        """Ids of the stored cases matching every filter given, sorted bytewise; the filters
        are those of :meth:`SQLiteStore.list <pathways.store.SQLiteStore.list>`."""
        sql = "SELECT id FROM cases WHERE true"
        args: builtins.list[object] = []
        if step is not None:  # a case with several tracks is at each of their steps
            sql += " AND (step = %s OR id IN (SELECT case_id FROM tracks WHERE step = %s))"
            args += [step, step]
        if pathway is not None:
            sql += " AND pathway = %s"
            args.append(pathway)
        if agency is not None:  # the agencies of a case's tracks, separated by spaces
            sql += " AND strpos(' ' || agency || ' ', ' ' || %s || ' ') > 0"
            args.append(agency)
        if open_only:
            sql += " AND NOT closed"
        if overdue_at is not None:
            sql += " AND overdue_at IS NOT NULL AND overdue_at < %s"
            args.append(_aware(overdue_at, "overdue_at"))
        if unmet_deadlines_at is not None:
            sql += " AND unmet_at IS NOT NULL AND unmet_at < %s"
            args.append(_aware(unmet_deadlines_at, "unmet_deadlines_at"))
        if after is not None:
            sql += " AND id > %s"
            args.append(after)
        if clearance is not None:
            sql += " AND level <= %s"
            args.append(Confidentiality(clearance).rank)
        check_page(limit)
        sql += " ORDER BY id" + ("" if limit is None else f" LIMIT {int(limit)}")
        with self._transaction(read=True) as db:
            rows = db.execute(sql.encode(), args).fetchall()
        return [r[0] for r in rows]

    def outbox_pending(self, limit: int = 100) -> builtins.list[tuple[int, dict[str, Any]]]:
        """Up to ``limit`` outbox messages not marked sent, oldest first: (id, message)."""
        check_page(limit)
        with self._transaction(read=True) as db:
            rows = db.execute(
                "SELECT id, message FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT %s",
                (limit,),
            ).fetchall()
        return [(int(i), json.loads(m)) for i, m in rows]

    def outbox_sent(self, ids: Iterable[int]) -> None:
        """Mark outbox messages as sent."""
        with self._transaction() as db, db.cursor() as c:
            c.executemany(
                "UPDATE outbox SET sent_at = now() WHERE id = %s AND sent_at IS NULL",
                [(int(i),) for i in ids],
            )

    def record_denial(
        self, actor: Actor, action: str, reason: str, case_id: str | None = None
    ) -> None:
        """Append a refused access (a NotAuthorized) to the append-only ``access_log``, with
        the actor's id, role and agency (None when it gave none)."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO access_log (actor, role, agency, case_id, action, reason) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                (actor.id, actor.role, actor.agency, case_id, action, reason),
            )

    def denials(self, limit: int = 100) -> builtins.list[dict[str, Any]]:
        """The latest ``limit`` entries of the access log, newest first."""
        check_page(limit)
        with self._transaction(read=True) as db:
            rows = db.execute(
                "SELECT at, actor, role, case_id, action, reason, agency FROM access_log "
                "ORDER BY id DESC LIMIT %s",
                (limit,),
            ).fetchall()
        return [denial(r[0].astimezone(dt.UTC).isoformat(), r) for r in rows]

    def count(self) -> int:
        """The number of stored cases."""
        with self._transaction(read=True) as db:
            found = db.execute("SELECT COUNT(*) FROM cases").fetchone()
        return int(found[0]) if found else 0
