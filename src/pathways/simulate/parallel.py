"""Spreading chunks over processes or a Dask cluster, with results independent of the spread.

The cases are cut into chunks of a fixed size (:data:`CHUNK_CASES`, or :data:`REPLICATION_CASES`
when roles have capacities and each chunk is a whole replication with its own arrival stream).
Chunk ``i`` draws from ``SeedSequence(seed).spawn(n)[i]``, which depends on ``seed`` and ``i``
only, and chunks are merged in chunk order. So ``workers`` and ``scheduler`` change how fast a run
is, never what it finds.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

import numpy as np

from pathways.errors import SimulationError
from pathways.simulate.compile import Compiled
from pathways.simulate.queues import run_queues
from pathways.simulate.results import ChunkResult
from pathways.simulate.tracks import has_tracks, run_tracks
from pathways.simulate.walk import walk

__all__ = ["CHUNK_CASES", "REPLICATION_CASES", "chunk_sizes", "run_chunk", "run_chunks"]

CHUNK_CASES = 50_000
"""Cases per chunk without queues (independent cases, one vectorised walk per chunk)."""

REPLICATION_CASES = 100_000
"""Cases per replication with queues (each replication starts empty and runs its own arrivals)."""

Progress = Callable[[int], None]


def chunk_sizes(cases: int, queued: bool) -> list[int]:
    """The fixed chunk sizes for ``cases`` cases (the last chunk takes the remainder)."""
    size = REPLICATION_CASES if queued else CHUNK_CASES
    full, rest = divmod(cases, size)
    return [size] * full + ([rest] if rest else [])


def run_chunk(cp: Compiled, n: int, seed: np.random.SeedSequence) -> ChunkResult:
    """One chunk (no queues: the walk) or one replication (queues: the event loop), from its
    own seed sequence. A pathway with fork or join steps runs on the track-aware event loop of
    :mod:`.tracks` (which says why neither the walk nor the queue loop can run one)."""
    rng = np.random.default_rng(seed)
    if has_tracks(cp):
        return run_tracks(cp, n, rng)
    if cp.queued:
        return run_queues(cp, n, rng)
    return walk(cp, n, rng)


def run_chunks(
    cp: Compiled,
    sizes: list[int],
    seed: int,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> list[ChunkResult]:
    """Run every chunk and return the results in chunk order.

    Parameters
    ----------
    workers : int
        Processes to use (1: run in this process).
    scheduler : str, optional
        Address of a Dask distributed scheduler (``tcp://host:port``); needs ``pathways[dask]``.
    progress : callable, optional
        Called with the number of cases of every chunk as it finishes.
    """
    if cp.calendared and has_tracks(cp):  # the tracks engine has no working calendars yet
        raise SimulationError(
            "working calendars are not simulated for pathways with parallel tracks yet; "
            "remove the roles' `calendar` to simulate without them"
        )
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    if scheduler is not None:
        return _run_dask(cp, sizes, seeds, scheduler, progress)
    if workers <= 1 or len(sizes) <= 1:
        out = []
        for n, ss in zip(sizes, seeds, strict=True):
            out.append(run_chunk(cp, n, ss))
            if progress is not None:
                progress(n)
        return out
    results: list[ChunkResult | None] = [None] * len(sizes)
    with ProcessPoolExecutor(max_workers=min(workers, len(sizes))) as pool:
        futures = {
            pool.submit(run_chunk, cp, n, ss): i
            for i, (n, ss) in enumerate(zip(sizes, seeds, strict=True))
        }
        for future in as_completed(futures):
            i = futures[future]
            results[i] = future.result()
            if progress is not None:
                progress(sizes[i])
    return [r for r in results if r is not None]


def _run_dask(
    cp: Compiled,
    sizes: list[int],
    seeds: list[np.random.SeedSequence],
    scheduler: str,
    progress: Progress | None,
) -> list[ChunkResult]:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:  # pragma: no cover - depends on the environment
        raise SimulationError(
            '--scheduler needs Dask distributed; install it with: pip install "pathways[dask]"'
        ) from None
    try:
        client: Any = Client(scheduler, timeout="10s")  # type: ignore[no-untyped-call]
    except OSError as exc:
        raise SimulationError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}") from None
    try:
        shared = client.scatter(cp, broadcast=True)
        futures = [
            client.submit(run_chunk, shared, n, ss, pure=False)
            for n, ss in zip(sizes, seeds, strict=True)
        ]
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[ChunkResult | None] = [None] * len(sizes)
        for future in dask_completed(futures):  # type: ignore[no-untyped-call]
            i = index[future.key]
            results[i] = future.result()
            if progress is not None:
                progress(sizes[i])
        return [r for r in results if r is not None]
    finally:
        client.close()
