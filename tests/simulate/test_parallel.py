"""The same seed gives the same JSON whatever the workers: processes and a real Dask cluster."""

from __future__ import annotations

import json

import pytest

import pathways as pw
from pathways.simulate.compile import compile_pathway
from pathways.simulate.parallel import CHUNK_CASES, REPLICATION_CASES, chunk_sizes, run_chunks

from ._pathways import build, move, step


@pytest.fixture(scope="module")
def csa() -> pw.Pathway:
    # a bundled pathway the vectorised walk runs: kh-csa-in-person has parallel tracks now,
    # which run on the track loop (its worker determinism: tests/simulate/test_tracks.py)
    return pw.load("pathways/kh/school-disclosure.yaml")


def unqueued(p: pw.Pathway) -> pw.Pathway:
    from pathways.simulate.overrides import apply_overrides

    return apply_overrides(p, {f"roles.{r.id}.capacity": None for r in p.roles if r.capacity})


def test_chunks_are_fixed_by_the_case_count_alone() -> None:
    assert chunk_sizes(CHUNK_CASES * 2 + 5, queued=False) == [CHUNK_CASES, CHUNK_CASES, 5]
    assert chunk_sizes(REPLICATION_CASES, queued=True) == [REPLICATION_CASES]


def test_processes_give_the_same_json_as_one_process(csa: pw.Pathway) -> None:
    """workers=2 runs chunks in other processes; the merged result is identical."""
    p = unqueued(csa)
    cases = CHUNK_CASES * 2 + 1234
    one = pw.simulate(p, cases=cases, seed=4).to_dict()
    two = pw.simulate(p, cases=cases, seed=4, workers=2).to_dict()
    assert one["run"]["chunks"] == 3
    assert json.dumps(one) == json.dumps(two)


def test_replications_with_queues_are_identical_across_processes() -> None:
    """With capacities each chunk is a replication; processes do not change the answer."""
    p = build(
        [step("in", "entry", duration={"mean": "1h"}), step("out", "outcome")],
        [move("in", "out")],
        roles=[{"id": "r", "agency": "a", "title": "R", "capacity": 2}],
        simulation={"arrivals_per_day": 30},
    )
    cases = REPLICATION_CASES + 500
    one = pw.simulate(p, cases=cases, seed=1).to_dict()
    two = pw.simulate(p, cases=cases, seed=1, workers=2).to_dict()
    assert one["run"]["chunks"] == 2
    assert json.dumps(one) == json.dumps(two)


@pytest.mark.slow
def test_dask_cluster_gives_the_same_json(csa: pw.Pathway) -> None:
    """A real distributed.LocalCluster (2 worker processes) returns the workers=1 JSON."""
    distributed = pytest.importorskip("distributed")
    p = unqueued(csa)
    cases = CHUNK_CASES * 2 + 77
    local = pw.simulate(p, cases=cases, seed=12).to_dict()
    # parallel tracks with working calendars (the bundled P1 and its office-hours scenario)
    tracked = pw.load("pathways/kh/csa-in-person.yaml")
    options = {"cases": 3000, "seed": 5, "scenario": "front-line-office-hours"}
    local_tracked = pw.simulate(tracked, **options).to_dict()
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        remote = pw.simulate(p, cases=cases, seed=12, scheduler=cluster.scheduler_address)
        remote_tracked = pw.simulate(tracked, scheduler=cluster.scheduler_address, **options)
        # progress from inside the chunks, through the scheduler
        seen: list[int] = []
        run_chunks(
            compile_pathway(tracked),
            [1500, 1000],
            5,
            scheduler=cluster.scheduler_address,
            progress=seen.append,
        )
    assert sum(seen) == 2500 and len(seen) > 20
    assert json.dumps(remote.to_dict()) == json.dumps(local)
    assert json.dumps(remote_tracked.to_dict()) == json.dumps(local_tracked)
