"""Progress of a run: how often it is shown, and the bar on a terminal.

The engines report cases as they go, not only when a chunk ends: the queue loop every 1% of a
replication's arrivals, the track loop every 1% of its cases finished, the vectorised walk per
chunk (a chunk of the walk takes well under a second). :class:`Throttle` passes that on at most
once per :data:`SECONDS` and once per :data:`SHARE` of the run, whichever comes later, and
always at the end, so a long run moves at least every 1% or every second (whichever is later)
and a short one does not flood the terminal.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable

__all__ = ["SECONDS", "SHARE", "Throttle", "bar"]

SECONDS = 1.0
"""The least time between two updates shown."""

SHARE = 0.01
"""The least share of the run's cases between two updates shown."""


class Throttle:
    """Adds up the cases the engines report and calls ``show(done)`` when both at least
    ``share`` of ``total`` and ``seconds`` have passed since the last call, and at the end.

    >>> shown = []
    >>> clock = iter([0.0, 0.5, 2.0, 2.1, 9.0]).__next__
    >>> t = Throttle(shown.append, 100, clock=clock)
    >>> for n in (1, 1, 1, 97):  # 1 at 0.5 s: too early; 2 at 2.0 s: shown; 3 at 2.1 s: too
    ...     t(n)  # soon after; 100: the end
    >>> shown
    [2, 100]
    """

    def __init__(
        self,
        show: Callable[[int], None],
        total: int,
        *,
        seconds: float = SECONDS,
        share: float = SHARE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.show = show
        self.total = total
        self.seconds = seconds
        self.step = max(1, math.ceil(total * share))
        self.clock = clock
        self.done = 0
        self.shown = 0
        self.at = clock()

    def __call__(self, n: int) -> None:
        self.done += n
        if self.done >= self.total:
            if self.shown < self.total:
                self.shown = self.done
                self.show(self.done)
            return
        if self.done - self.shown < self.step:
            return
        now = self.clock()
        if now - self.at >= self.seconds:
            self.shown, self.at = self.done, now
            self.show(self.done)


def bar(total: int) -> tuple[Callable[[int], None], Callable[[], None]]:
    """A rich progress bar on stderr, drawn only when the :class:`Throttle` says so; returns
    ``(show done, stop)``."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    progress = Progress(
        "simulating",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        # Under pathways.cli's filter of terminal controls: the bar moves the cursor.
        console=Console(file=getattr(sys.stderr, "unfiltered", sys.stderr)),
        transient=True,
        auto_refresh=False,
    )
    task = progress.add_task("cases", total=total)
    progress.start()

    def show(done: int) -> None:
        progress.update(task, completed=done, refresh=True)

    return show, progress.stop
