"""``pathways migrate STORE --from OLD --to NEW``: move a store's open cases to a new version."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from pathlib import Path
from typing import Annotated

import typer

from pathways.cli._app import app
from pathways.cli._common import (
    TextOrJson,
    Usage,
    check_choice,
    load_versions_or_report,
    parse_renames,
)
from pathways.i18n import N_

FORMATS = ("text", "json")


HELP_MIGRATE = N_(
    """Plan, then move, every open case of the old version to the new one, in one transaction.

Cases at a step the new version removed need a --map; cases that cannot move are listed and,
unless --partial, nothing moves. Exit 0 when every open case moved (or could, with
--dry-run), 1 when some cannot, 2 for a usage error.

Examples:

  pathways migrate cases.sqlite --from v1.yaml --to v2.yaml --dry-run

  pathways migrate cases.sqlite --from v1.yaml --to v2.yaml --map old=new"""
)


@app.command("migrate", help=HELP_MIGRATE)
def migrate(
    store: Annotated[
        Path, typer.Argument(help=N_("The SQLite case store (a file)."), show_default=False)
    ],
    old: Annotated[
        str,
        typer.Option(
            "--from", help=N_("The version the open cases follow (a file or git:REV:PATH).")
        ),
    ],
    new: Annotated[
        str, typer.Option("--to", help=N_("The version to move them to (a file or git:REV:PATH)."))
    ],
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map", help=N_("Send cases at step OLD_ID to NEW_ID (OLD_ID=NEW_ID; repeatable).")
        ),
    ] = None,
    actor: Annotated[
        str,
        typer.Option(
            "--actor", help=N_("Who moves the cases, recorded in each history (ID:ROLE).")
        ),
    ] = "migration:administrator",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help=N_("Show the plan for every open case; move nothing."))
    ] = False,
    partial: Annotated[
        bool,
        typer.Option(
            "--partial", help=N_("Move the cases that can move even if some cannot (listed).")
        ),
    ] = False,
    at: Annotated[
        str | None,
        typer.Option(
            "--at", help=N_("When the move is recorded (ISO 8601 with a time zone); default: now.")
        ),
    ] = None,
    format: TextOrJson = "text",
) -> int:
    from pathways.case import Actor
    from pathways.engine import Engine
    from pathways.errors import PathwayError
    from pathways.migration import MigrationBlocked, migrate_store
    from pathways.store import SQLiteStore, holds_case_store

    check_choice(format, FORMATS)
    mapping = parse_renames(map_, param_hint="--map")
    who, sep, role = actor.partition(":")
    if not sep or not who or not role:
        raise Usage(f"{actor!r}; write ID:ROLE", param_hint="--actor")
    when = None
    if at is not None:
        try:
            when = dt.datetime.fromisoformat(at)
        except ValueError:
            when = None
        if when is None or when.tzinfo is None:
            raise Usage(
                f"{at!r}; write an ISO 8601 time with a zone, e.g. 2027-01-04T09:00+07:00",
                param_hint="--at",
            )
    if not os.path.isfile(store):  # False, not OSError, for a name too long to be a file
        raise Usage(f"no such file: {str(store)!r}", param_hint="STORE")
    versions = load_versions_or_report(old, new)
    if versions is None:
        return 2
    before, after = versions
    # a migration moves the cases of an existing store: opening an empty file or another
    # database as a store would make it one (our tables), with nothing to move
    give = "give the SQLite file the cases are saved in"
    if os.path.getsize(store) == 0:
        raise Usage(f"{str(store)!r} is empty, not a case store; {give}", param_hint="STORE")
    try:
        ours = holds_case_store(store)
        opened = SQLiteStore(store) if ours else None
    except sqlite3.DatabaseError:  # a pathway file, a text file: 'file is not a database'
        raise Usage(f"{str(store)!r} is not a SQLite case store", param_hint="STORE") from None
    if opened is None:
        raise Usage(
            f"{str(store)!r} is a SQLite database without cases; {give}", param_hint="STORE"
        )
    with opened as cases:
        old_engine, new_engine = Engine(before), Engine(after)
        try:
            result = migrate_store(
                cases,
                old_engine,
                new_engine,
                mapping,
                actor=Actor(id=who, role=role),
                dry_run=dry_run,
                partial=partial,
                at=when,
            )
        except MigrationBlocked as exc:
            result = exc.result
        except (PathwayError, ValueError) as exc:
            typer.echo(f"error: {exc}", err=True)
            return 2
    if format == "json":
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        head = "plan" if dry_run else "moved"
        typer.echo(
            f"{before.id} {before.version} -> {after.version}: {len(result.plans)} open "
            f"case{'s' * (len(result.plans) != 1)}, {len(result.blocked)} cannot move"
            + ("" if dry_run else f", {len(result.moved)} moved")
        )
        for plan in result.plans:
            typer.echo(f"  {head if plan.movable else 'blocked'}: {plan.describe()}")
        if result.blocked and not dry_run and not result.moved:
            typer.echo("nothing was moved: map the steps above with --map, or use --partial")
    return 1 if result.blocked else 0
