"""The queries a service needs, on every store: by pathway, open cases, unmet deadlines (what
a reminder job asks), step, agency, and stable keyset pagination."""

from __future__ import annotations

import datetime as dt

import pytest

import pathways as pw
from pathways.store import CaseStore
from tests.stores import Backend

SMALL = "tests/data/engine-small.yaml"
LOOP = "tests/data/store-loop.yaml"
T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
COUNSELLOR = pw.Actor(id="c1", role="counsellor")
CASEWORKER = pw.Actor(id="w1", role="caseworker")


def hours(h: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=h)


@pytest.fixture(scope="module")
def small() -> pw.Engine:
    return pw.Engine(pw.load(SMALL))


@pytest.fixture(scope="module")
def loop() -> pw.Engine:
    return pw.Engine(pw.load(LOOP))


def fill(store: CaseStore, small: pw.Engine, loop: pw.Engine) -> None:
    """Cases of two pathways: open, closed on time, closed after a missed deadline,
    referred to the shelter (another agency), and a loop case."""
    at_intake = small.open(data={"online": False, "risk": "high"}, case_id="a-intake", at=T0)
    late = small.open(data={"online": False, "risk": "high"}, case_id="b-late", at=T0)
    late.fire("screen", actor=COUNSELLOR, at=hours(1))
    late.fire("refer", actor=COUNSELLOR, at=hours(2))
    late.accept(CASEWORKER, at=hours(3))
    late.fire("close", actor=CASEWORKER, at=hours(100))  # placed-2d met at 2h; closed-5d ok
    closed = small.open(data={"online": False, "risk": "low"}, case_id="c-closed", at=T0)
    closed.fire("screen", actor=COUNSELLOR, at=hours(1))
    closed.fire("close", actor=COUNSELLOR, at=hours(2))
    missed = small.open(data={"online": False, "risk": "high"}, case_id="d-missed", at=T0)
    missed.fire("screen", actor=COUNSELLOR, at=hours(1))
    missed.fire("refer", actor=COUNSELLOR, at=hours(60))  # placed-2d missed (met late)
    missed.accept(CASEWORKER, at=hours(61))
    missed.fire("close", actor=CASEWORKER, at=hours(62))
    referred = small.open(data={"online": False, "risk": "high"}, case_id="e-referred", at=T0)
    referred.fire("screen", actor=COUNSELLOR, at=hours(1))
    referred.fire("refer", actor=COUNSELLOR, at=hours(2))
    looping = loop.open(case_id="f-loop", at=T0)
    for case in (at_intake, late, closed, missed, referred, looping):
        store.save(case)


def test_filters(store: CaseStore, backend: Backend, small: pw.Engine, loop: pw.Engine) -> None:
    """pathway=, open_only=, step=, agency= and their combinations."""
    fill(store, small, loop)
    assert store.list() == ["a-intake", "b-late", "c-closed", "d-missed", "e-referred", "f-loop"]
    assert store.list(pathway="store-loop") == ["f-loop"]
    assert store.list(pathway="engine-small", open_only=True) == ["a-intake", "e-referred"]
    assert store.list(open_only=True) == ["a-intake", "e-referred", "f-loop"]
    assert store.list(agency="shelter") == ["e-referred"]
    assert store.list(agency="hotline") == ["a-intake", "f-loop"]
    assert store.list(step="intake", pathway="engine-small") == ["a-intake"]


def test_unmet_deadlines_exclude_met_and_closed_cases(
    store: CaseStore, backend: Backend, small: pw.Engine, loop: pw.Engine
) -> None:
    """unmet_deadlines_at=T: open cases with a time limit not met and due before T. A case
    whose deadline was met late, or that is closed, is not listed (overdue_at= still lists
    the late one: it records that the deadline was missed)."""
    fill(store, small, loop)
    assert store.list(unmet_deadlines_at=hours(1)) == []
    # e-referred: the referral answer (1 day) falls due at 26h; a-intake: placed-2d at 48h
    assert store.list(unmet_deadlines_at=hours(27)) == ["e-referred"]
    assert store.list(unmet_deadlines_at=hours(49)) == ["a-intake", "e-referred"]
    assert store.list(unmet_deadlines_at=hours(49), agency="hotline") == ["a-intake"]
    assert "d-missed" in store.list(overdue_at=hours(200))
    assert "d-missed" not in store.list(unmet_deadlines_at=hours(10_000))
    with pytest.raises(ValueError, match="timezone-aware"):
        store.list(unmet_deadlines_at=dt.datetime(2026, 3, 1))


def test_keyset_pagination_is_stable(
    store: CaseStore, backend: Backend, small: pw.Engine, loop: pw.Engine
) -> None:
    """Pages of limit= cases after= the last id cover every case once, in order, even when
    cases are added between pages."""
    for i in range(7):
        store.save(small.open(data={"online": False}, case_id=f"p{i:02d}", at=T0))
    pages, after = [], None
    while True:
        page = store.list(limit=3, after=after)
        if not page:
            break
        pages.append(page)
        after = page[-1]
        if len(pages) == 1:  # a case added before the cursor does not shift later pages
            store.save(small.open(data={"online": False}, case_id="a-new", at=T0))
    assert pages == [["p00", "p01", "p02"], ["p03", "p04", "p05"], ["p06"]]
    assert store.list(limit=2) == ["a-new", "p00"]
    with pytest.raises(ValueError, match="limit"):
        store.list(limit=0)


def test_schema_migrations_are_applied_once(backend: Backend) -> None:
    """Opening a store applies its schema migrations in order, once: PostgreSQL records them
    in pathways_migrations, SQLite counts them in PRAGMA user_version."""
    for _ in range(2):
        backend.open().close()
    if backend.kind == "sqlite":
        assert backend.sql("PRAGMA user_version") == [(5,)]
    else:
        rows = backend.sql("SELECT version, name FROM pathways_migrations ORDER BY version")
        assert rows == [
            (1, "0001_cases_and_history.sql"),
            (2, "0002_queries.sql"),
            (3, "0003_outbox.sql"),
            (4, "0004_access_log.sql"),
            (5, "0005_level.sql"),
            (6, "0006_access_log_agency.sql"),
        ]


def test_outbox_messages_exist_exactly_when_the_save_committed(
    store: CaseStore, backend: Backend, small: pw.Engine
) -> None:
    """Messages passed to save() are written in its transaction: a refused save (a conflict)
    leaves none; pending messages are listed oldest first until marked sent."""
    case = small.open(data={"online": False}, case_id="o-1", at=T0)
    store.save(case, outbox=[{"to": "hotline", "case": "o-1"}])  # type: ignore[call-arg]
    with pytest.raises(pw.ConflictError):
        store.save(  # type: ignore[call-arg]
            small.open(data={"online": False}, case_id="o-1", at=T0), outbox=[{"to": "x"}]
        )
    pending = store.outbox_pending()  # type: ignore[attr-defined]
    assert [m for _, m in pending] == [{"to": "hotline", "case": "o-1"}]
    store.outbox_sent([i for i, _ in pending])  # type: ignore[attr-defined]
    assert store.outbox_pending() == []  # type: ignore[attr-defined]


def test_denials_go_to_an_append_only_access_log(store: CaseStore, backend: Backend) -> None:
    """record_denial appends; the log is listed newest first and refuses UPDATE and DELETE."""
    doctor = pw.Actor(id="d1", role="doctor")
    store.record_denial(doctor, "read", "role 'doctor' may not", case_id="c-1")  # type: ignore[attr-defined]
    ngo = pw.Actor(id="d2", role="doctor", agency="ngo_clinic")
    store.record_denial(ngo, "fire:close", "no")  # type: ignore[attr-defined]
    log = store.denials()  # type: ignore[attr-defined]
    assert [(d["action"], d["case"], d["actor"], d["agency"]) for d in log] == [
        ("fire:close", None, "d2", "ngo_clinic"),
        ("read", "c-1", "d1", None),
    ]
    for statement in ("UPDATE access_log SET reason = 'x'", "DELETE FROM access_log"):
        with pytest.raises(Exception, match="append-only"):
            backend.sql(statement)


def test_list_honours_a_clearance(store: CaseStore, backend: Backend) -> None:
    """list(clearance=...) leaves out the cases at a step above it (the same rule as the
    redacted view): a case at a restricted shelter placement is not listed to police."""
    from pathways.model import Confidentiality

    csa = pw.Engine(pw.load("pathways/kh/csa-in-person.yaml"))
    levels = {s.id: s.confidentiality for s in csa.pathway.steps}
    open_case = csa.open(entry="report_police", case_id="k-1", at=T0)
    store.save(open_case)
    for clearance in Confidentiality:
        found = store.list(clearance=clearance)  # type: ignore[call-arg]
        assert found == (["k-1"] if levels["report_police"].rank <= clearance.rank else [])
    assert store.list(clearance=Confidentiality.RESTRICTED) == ["k-1"]  # type: ignore[call-arg]
