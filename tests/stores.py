"""The stores under test: SQLite files and a throwaway PostgreSQL server, behind one interface.

``make test`` runs the store contract tests on both. The PostgreSQL server is started once per
test process from the installed binaries (``initdb`` and ``pg_ctl`` in a temporary directory,
listening on a Unix socket only), as the ``postgres`` user when the tests run as root, since
PostgreSQL refuses to run as root; every test gets a schema of its own. Set
``PATHWAYS_TEST_POSTGRES`` to a DSN to use an existing server instead. Where neither is
possible the PostgreSQL variants fail and say how to install it (tests/conftest.py ``require``).
"""

from __future__ import annotations

import atexit
import glob
import itertools
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

_server: dict[str, Any] = {}
_schemas = itertools.count()


def _binary(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version_key)
    return found[-1] if found else shutil.which(name)


def _version_key(path: str) -> tuple[int, ...]:
    part = Path(path).parent.parent.name
    return tuple(int(x) for x in part.split(".") if x.isdigit())


def _start() -> str:
    """The DSN of a running server, or raise RuntimeError saying why there is none."""
    dsn = os.environ.get("PATHWAYS_TEST_POSTGRES")
    if dsn:
        return dsn
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise RuntimeError("psycopg is not installed: pip install -e '.[postgres]'") from None
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise RuntimeError(
            "PostgreSQL is not installed: sudo apt-get install -y postgresql (make test-deps "
            "does it when run as root)"
        )
    prefix: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="pw-pg-"))
    if os.geteuid() == 0:
        import pwd

        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            raise RuntimeError("running as root and there is no 'postgres' user") from None
        if shutil.which("runuser") is None:
            raise RuntimeError("running as root and there is no runuser to drop to 'postgres'")
        os.chown(folder, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    run = {"check": True, "capture_output": True, "text": True, "timeout": 120}
    try:
        subprocess.run(
            [
                *prefix,
                initdb,
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            **run,
        )
        subprocess.run(
            [
                *prefix,
                pg_ctl,
                "-D",
                str(data),
                "-w",
                "-t",
                "60",
                "-l",
                str(folder / "log"),
                "-o",
                f"-k {folder} -c listen_addresses='' -c max_connections=40",
                "start",
            ],
            **run,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        out = getattr(exc, "stderr", "") or ""
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {out.strip()[-300:]}") from None

    def stop() -> None:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(stop)
    return f"host={folder} port=5432 user=postgres dbname=postgres"


def postgres_dsn() -> str:
    """A fresh schema on the test server; raises RuntimeError (the reason) when none."""
    if "dsn" not in _server and "error" not in _server:
        try:
            _server["dsn"] = _start()
        except RuntimeError as exc:
            _server["error"] = str(exc)
    if "error" in _server:
        raise RuntimeError(_server["error"])
    import psycopg

    schema = f"pw_test_{os.getpid()}_{next(_schemas)}"
    with psycopg.connect(_server["dsn"], autocommit=True) as db:
        db.execute(f"CREATE SCHEMA {schema}")  # type: ignore[arg-type]
    return f"{_server['dsn']} options='-c search_path={schema}'"


class Backend:
    """One store's database under test: opens stores on it, and runs raw SQL on it the way
    someone with write access would (the ``?`` placeholders work on both)."""

    def __init__(self, kind: str, tmp: Path) -> None:
        self.kind = kind
        if kind == "sqlite":
            self.spec = f"sqlite:{tmp / 'cases.db'}"
        else:
            self.spec = postgres_dsn()

    def open(self) -> Any:
        if self.kind == "sqlite":
            from pathways.store import SQLiteStore

            return SQLiteStore(self.spec.removeprefix("sqlite:"))
        from pathways.postgres import PostgresStore

        return PostgresStore(self.spec)

    def sql(self, statement: str, args: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        if self.kind == "sqlite":
            db = sqlite3.connect(self.spec.removeprefix("sqlite:"), isolation_level=None)
            try:
                cur = db.execute(statement, args)
                return cur.fetchall() if cur.description else []
            finally:
                db.close()
        import psycopg

        with psycopg.connect(self.spec, autocommit=True) as pg:
            cur = pg.execute(statement.replace("?", "%s"), args)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    def drop_guards(self) -> None:
        """Remove the append-only triggers, as an attacker with the owner's rights could."""
        if self.kind == "sqlite":
            self.sql("DROP TRIGGER IF EXISTS history_no_update")
            self.sql("DROP TRIGGER IF EXISTS history_no_delete")
        else:
            self.sql("DROP TRIGGER IF EXISTS history_no_update_or_delete ON history")

    def snapshot(self, case_id: str) -> dict[str, Any]:
        (text,) = self.sql("SELECT snapshot FROM cases WHERE id = ?", (case_id,))[0]
        return dict(json.loads(text))

    def set_snapshot(self, case_id: str, snapshot: dict[str, Any]) -> None:
        self.sql(
            "UPDATE cases SET snapshot = ?, step = ? WHERE id = ?",
            (json.dumps(snapshot), snapshot["step"], case_id),
        )

    def edit_snapshot(self, case_id: str, change: Callable[[dict[str, Any]], None]) -> None:
        snapshot = self.snapshot(case_id)
        change(snapshot)
        self.set_snapshot(case_id, snapshot)

    def rows(self) -> tuple[object, ...]:
        return (
            self.sql("SELECT * FROM cases ORDER BY id"),
            self.sql("SELECT * FROM history ORDER BY case_id, seq"),
        )


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """Each store kind in turn (the PostgreSQL variant fails, saying why, without a server)."""
    try:
        return Backend(request.param, tmp_path)
    except RuntimeError as exc:
        pytest.fail(f"no PostgreSQL for the store tests: {exc}", pytrace=False)


@pytest.fixture
def store(backend: Backend) -> Any:
    """An open store of ``backend``'s kind on a fresh database."""
    opened = backend.open()
    yield opened
    opened.close()
