"""95% confidence intervals for the KPIs, by batch means.

The cases of a run, in case order, are cut into :data:`BATCHES` equal batches and every KPI is
computed again on each batch. The interval is the KPI over all cases plus or minus
``t(0.975, B - 1) * sd(batch values) / sqrt(B)``.

- Without queues the cases are independent, so the batches are independent replications of a
  run of ``cases / B`` cases (the chunks seeded with ``SeedSequence`` are these replications
  when a run has enough of them; batches make the method the same for every run size).
- With queues, cases are numbered in arrival order, so a batch is a stretch of time: these are
  the classical *batch means* of a single long run. Waits of neighbouring cases are correlated;
  batches of hundreds of cases each are long enough for that correlation to fade when the
  queue is stable (and when it is not, no interval means anything: see saturation).

For a percentile the batch values are the batch percentiles (sectioning). A share is clipped to
[0, 1], a time to [0, inf). Runs of fewer than ``2 * B`` cases get no interval (``None``).
For role waits, a batch's services at the role are taken in proportion to its cases (the
number of services per case varies far less than waits do).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

__all__ = ["BATCHES", "T_975", "batch_slices", "interval", "text"]

BATCHES = 20
"""Batches per run."""

T_975 = 2.093024054408263
"""Student's t quantile 0.975 with ``BATCHES - 1`` = 19 degrees of freedom."""

FloatArray = npt.NDArray[np.float64]


def batch_slices(n: int) -> list[slice] | None:
    """The :data:`BATCHES` contiguous slices of ``n`` cases (None when ``n < 2 * BATCHES``)."""
    if n < 2 * BATCHES:
        return None
    edges = np.linspace(0, n, BATCHES + 1).round().astype(np.int64).tolist()
    return [slice(a, b) for a, b in itertools.pairwise(edges)]


def interval(
    estimate: float | None,
    slices: list[slice] | None,
    per_batch: Callable[[slice], float | None],
    *,
    low: float = -math.inf,
    high: float = math.inf,
) -> list[float] | None:
    """``[lo, hi]`` around ``estimate`` from the batch values of ``per_batch`` (None if fewer
    than two batches have a value, or no estimate)."""
    if estimate is None or slices is None or not math.isfinite(estimate):
        return None
    values = [v for v in (per_batch(s) for s in slices) if v is not None and math.isfinite(v)]
    if len(values) < 2:
        return None
    b = len(values)
    # the t quantile for 19 degrees of freedom; fewer batches (some without a value) get a
    # slightly wider one from the normal approximation's correction
    t = T_975 if b == BATCHES else T_975 * (1.0 + 1.2 / b)
    half = t * float(np.std(values, ddof=1)) / math.sqrt(b)
    return [float(max(low, estimate - half)), float(min(high, estimate + half))]


def text(
    value: float | None,
    ci: list[float] | None,
    *,
    scale: float = 1.0,
    digits: int = 1,
    unit: str = "",
) -> str:
    """The value and its interval in one line: ``12.4% (11.8-13.0)`` for a share with
    ``scale=100, unit="%"``; ``-`` when there is no value.

    >>> text(0.124, [0.118, 0.130], scale=100, unit="%")
    '12.4% (11.8-13.0)'
    >>> text(30.25, None, unit=" h")
    '30.2 h'
    """
    if value is None:
        return "-"

    def num(x: float) -> str:
        return f"{x * scale:,.{digits}f}"

    if ci is None:
        return f"{num(value)}{unit}"
    return f"{num(value)}{unit} ({num(ci[0])}-{num(ci[1])})"
