"""A worker process for the store concurrency and crash tests (run as a script, not collected).

    python tests/store_worker.py writer|reader STORE PATHWAY SECONDS SEED

STORE is ``sqlite:PATH`` or a PostgreSQL DSN (``postgresql://...``). A writer loads one of the
cases ``s0``..``s2`` at random, fires the next event of the loop (work -> review -> work) and
saves; a reader loads cases at random. Both run for SECONDS and print one JSON line: what was
acknowledged (case id, history length, last hash), how many conflicts, and every other error.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time

import pathways as pw

CASES = ("s0", "s1", "s2")
COUNSELLOR = pw.Actor(id="w", role="counsellor")
CASEWORKER = pw.Actor(id="r", role="caseworker")


def open_store(spec: str) -> object:
    if spec.startswith("sqlite:"):
        from pathways.store import SQLiteStore

        return SQLiteStore(spec.removeprefix("sqlite:"))
    from pathways.postgres import PostgresStore

    return PostgresStore(spec)


def main() -> None:
    role, spec, pathway, seconds, seed = sys.argv[1:6]
    engine = pw.Engine(pw.load(pathway))
    store = open_store(spec)
    rng = random.Random(int(seed))
    end = time.monotonic() + float(seconds)
    acked: list[tuple[str, int, str]] = []
    errors: list[str] = []
    conflicts = reads = 0
    while time.monotonic() < end:
        case_id = rng.choice(CASES)
        try:
            case = store.load(case_id, engine)  # type: ignore[attr-defined]
            reads += 1
            if not case.verify():
                errors.append(f"{case_id}: loaded case does not verify")
            if role == "reader":
                continue
            at = case.updated_at + dt.timedelta(minutes=1)
            if case.step == "work":
                case.fire("refer", actor=COUNSELLOR, at=at)
            else:
                visits = case.data.get("visits", 0) + 1
                case.fire("back", actor=CASEWORKER, at=at, data={"visits": visits})
            store.save(case)  # type: ignore[attr-defined]
            acked.append((case_id, len(case.history), case.history[-1].hash))
        except pw.ConflictError:
            conflicts += 1
        except Exception as exc:  # every other failure is reported, not raised
            errors.append(f"{case_id}: {type(exc).__name__}: {exc}")
    print(json.dumps({"acked": acked, "conflicts": conflicts, "reads": reads, "errors": errors}))


if __name__ == "__main__":
    main()
