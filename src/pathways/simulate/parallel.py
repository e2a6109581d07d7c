"""Spreading chunks over processes or a Dask cluster, with results independent of the spread.

The cases are cut into chunks of a fixed size (:data:`CHUNK_CASES`, or :data:`REPLICATION_CASES`
when roles have capacities and each chunk is a whole replication with its own arrival stream).
Chunk ``i`` draws from ``SeedSequence(seed).spawn(n)[i]``, which depends on ``seed`` and ``i``
only, and chunks are merged in chunk order. So ``workers`` and ``scheduler`` change how fast a run
is, never what it finds.

Progress: the event loops report cases within a chunk (every 1% of it) through a ``tick``;
worker processes send theirs to the parent through a queue of a :mod:`multiprocessing` manager,
read while the parent waits for chunks; Dask workers through a distributed queue on the
scheduler.
"""

from __future__ import annotations

import queue as queue_module
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
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


def run_chunk(
    cp: Compiled, n: int, seed: np.random.SeedSequence, tick: Progress | None = None
) -> ChunkResult:
    """One chunk (no queues: the walk) or one replication (queues: the event loop), from its
    own seed sequence. A pathway with fork or join steps runs on the track-aware event loop of
    :mod:`.tracks` (which says why neither the walk nor the queue loop can run one). The event
    loops call ``tick(cases)`` as they go (every 1% of the chunk); the walk does not."""
    rng = np.random.default_rng(seed)
    if has_tracks(cp):
        return run_tracks(cp, n, rng, tick=tick)
    if cp.queued:
        return run_queues(cp, n, rng, tick=tick)
    return walk(cp, n, rng)


class _Counted:
    """A chunk's tick: counts what the chunk reported and passes it on."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.reported = 0

    def __call__(self, n: int) -> None:
        self.reported += n
        self.progress(n)


class _Sent:
    """A chunk's tick in a worker process: ``(chunk, cases)`` onto the manager's queue."""

    def __init__(self, channel: Any, index: int) -> None:
        self.channel = channel
        self.index = index

    def __call__(self, n: int) -> None:
        self.channel.put((self.index, n))


class _DaskSent:
    """A chunk's tick on a Dask worker: ``[chunk, cases]`` onto a distributed queue."""

    def __init__(self, name: str, index: int) -> None:
        self.name = name
        self.index = index
        self.queue: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {"name": self.name, "index": self.index, "queue": None}

    def __call__(self, n: int) -> None:
        if self.queue is None:
            from distributed import Queue

            self.queue = Queue(self.name)  # type: ignore[no-untyped-call]
        self.queue.put([self.index, n])


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
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    if scheduler is not None:
        return _run_dask(cp, sizes, seeds, scheduler, progress)
    if workers <= 1 or len(sizes) <= 1:
        out = []
        for n, ss in zip(sizes, seeds, strict=True):
            tick = _Counted(progress) if progress is not None else None
            out.append(run_chunk(cp, n, ss, tick))
            if tick is not None and progress is not None:
                progress(n - tick.reported)
        return out
    if progress is None:
        return _run_pool(cp, sizes, seeds, workers, None, None)
    import multiprocessing

    with multiprocessing.Manager() as manager:
        return _run_pool(cp, sizes, seeds, workers, progress, manager.Queue())


def _run_pool(
    cp: Compiled,
    sizes: list[int],
    seeds: list[np.random.SeedSequence],
    workers: int,
    progress: Progress | None,
    channel: Any,
) -> list[ChunkResult]:
    """The chunks on a process pool; the workers' ticks come through ``channel``."""
    results: list[ChunkResult | None] = [None] * len(sizes)
    reported = [0] * len(sizes)

    def drain() -> None:
        while progress is not None:
            try:
                i, n = channel.get_nowait()
            except queue_module.Empty:
                return
            reported[i] += n
            progress(n)

    with ProcessPoolExecutor(max_workers=min(workers, len(sizes))) as pool:
        futures: dict[Future[ChunkResult], int] = {
            pool.submit(run_chunk, cp, n, ss, _Sent(channel, i) if progress else None): i
            for i, (n, ss) in enumerate(zip(sizes, seeds, strict=True))
        }
        pending = set(futures)
        try:
            while pending:
                finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                drain()  # a chunk's ticks are on the queue before its result is back
                for future in sorted(finished, key=futures.__getitem__):
                    i = futures[future]
                    results[i] = future.result()
                    if progress is not None:
                        progress(sizes[i] - reported[i])
        except BaseException:  # a failed chunk or a spent time budget: start no other chunk
            for future in pending:
                future.cancel()
            raise
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
        from distributed import wait as dask_wait
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
        channel = None
        if progress is not None:  # the workers' ticks, through the scheduler
            from distributed import Queue

            channel = Queue(f"pathways-progress-{uuid.uuid4().hex}", client=client)  # type: ignore[no-untyped-call]
        futures = [
            client.submit(
                run_chunk,
                shared,
                n,
                ss,
                _DaskSent(channel.name, i) if channel is not None else None,
                pure=False,
            )
            for i, (n, ss) in enumerate(zip(sizes, seeds, strict=True))
        ]
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[ChunkResult | None] = [None] * len(sizes)
        reported = [0] * len(sizes)

        def drain() -> None:
            if channel is None or progress is None:
                return
            for i, n in channel.get(batch=True):  # type: ignore[no-untyped-call]
                reported[i] += n
                progress(n)

        pending = set(futures)
        while pending:
            try:
                waited = dask_wait(  # type: ignore[no-untyped-call]
                    list(pending), timeout=0.25, return_when="FIRST_COMPLETED"
                )
                finished = set(waited.done)
            except TimeoutError:
                finished = set()
            drain()  # a chunk's ticks reach the scheduler before its result does
            pending -= finished
            for future in sorted(finished, key=lambda f: index[f.key]):
                i = index[future.key]
                results[i] = future.result()
                if progress is not None:
                    progress(sizes[i] - reported[i])
        return [r for r in results if r is not None]
    finally:
        client.close()
