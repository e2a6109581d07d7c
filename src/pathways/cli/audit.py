"""``pathways audit STORE CASE_ID``: a case's history as JSON lines, with its verification."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from pathways.cli._app import app
from pathways.cli._common import load_or_report
from pathways.i18n import N_


def open_store(target: str) -> Any:
    """A SQLiteStore for an existing file, a PostgresStore for a PostgreSQL connection string
    (``postgresql://...`` or ``host=... dbname=...``)."""
    if os.path.isfile(target):
        from pathways.store import SQLiteStore

        return SQLiteStore(target)
    if target.startswith(("postgresql://", "postgres://")) or "=" in target:
        from pathways.postgres import PostgresStore

        return PostgresStore(target, migrate=False)
    raise ValueError(f"{target}: no such store file (a SQLite file or a PostgreSQL DSN)")


def read_key(name: str | None) -> bytes | None:
    """The history key from the environment variable ``name`` (hex), or None."""
    if name is None:
        return None
    value = os.environ.get(name)
    if not value:
        raise ValueError(f"--key-env {name}: the environment variable is not set")
    try:
        return bytes.fromhex(value.strip())
    except ValueError:
        raise ValueError(f"--key-env {name}: the key must be hex digits") from None


HELP_AUDIT = N_(
    """Export a stored case's history as JSON lines, then one line with the verification.

Each history entry is one line (as stored, with its hash); the last line is
{"case": ..., "entries": N, "verified": true|false, "problem": ...}. Exit 0 when the case
verifies, 1 when it does not, 2 when it cannot be read.

Examples:

  pathways audit cases.sqlite case-42 --pathway pathway.yaml"""
)


@app.command("audit", help=HELP_AUDIT)
def audit(
    store: Annotated[
        str,
        typer.Argument(
            help=N_("The case store: a SQLite file, or a PostgreSQL DSN."), show_default=False
        ),
    ],
    case_id: Annotated[str, typer.Argument(help=N_("The case id."), show_default=False)],
    pathway: Annotated[
        str,
        typer.Option(
            "--pathway",
            help=N_("The pathway file the case runs on (to verify it)."),
            show_default=False,
        ),
    ],
    key_env: Annotated[
        str | None,
        typer.Option(
            "--key-env",
            help=N_("Environment variable holding the history key (hex), if the engine uses one."),
        ),
    ] = None,
) -> int:
    from pathways.engine import Engine
    from pathways.errors import CaseError

    loaded = load_or_report(Path(pathway))
    if loaded is None:
        return 2
    try:
        key = read_key(key_env)
        engine = Engine(loaded, key=key)
        opened = open_store(store)
    except Exception as exc:  # bad DSN, unreachable server, bad key: one line, no traceback
        typer.echo(f"error: {type(exc).__name__}: {exc}".splitlines()[0], err=True)
        return 2
    try:
        try:
            raw = opened.export(case_id)
        except KeyError:
            typer.echo(f"error: no case {case_id!r} in the store", err=True)
            return 2
        except CaseError as exc:
            typer.echo(json.dumps({"case": case_id, "verified": False, "problem": str(exc)}))
            return 1
        for entry in raw["history"]:
            typer.echo(json.dumps(entry, ensure_ascii=False, sort_keys=True))
        problem = None
        try:
            engine.restore(raw)
        except CaseError as exc:
            problem = str(exc)
        summary = {
            "case": case_id,
            "entries": len(raw["history"]),
            "verified": problem is None,
            "problem": problem,
        }
        typer.echo(json.dumps(summary, ensure_ascii=False, sort_keys=True))
        return 0 if problem is None else 1
    finally:
        opened.close()
