"""The tables both engines choose exits from: guard patterns and cumulative exit weights.

Cases are grouped by *guard pattern* (which guards hold for the case: its fields never change
while it runs), and every (pattern, step) pair gets one row of cumulative exit weights. The
vectorised walk (:mod:`.walk`) indexes the rows with arrays; the event loop (:mod:`.queues`)
draws from them in batches. Neither engine imports the other for these.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pathways.simulate.compile import Compiled
from pathways.simulate.masks import guard_matrix
from pathways.simulate.sampling import draw_fields

__all__ = ["MAX_STEPS", "ChoiceTable", "choice_table", "guard_patterns"]

MAX_STEPS = 10_000
"""Steps a case may take before it is stopped and counted as stuck (a loop it never leaves)."""

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass
class ChoiceTable:
    """Exit choice per (guard pattern, step): row ``sig * S + s``.

    ``cum`` holds cumulative weights of the enabled exits (``inf`` on padding), ``total`` their
    sum, ``last`` the last exit with weight and ``stuck`` whether no exit is enabled. A step that
    chooses by guard alone gives weight 1 to its first enabled exit and 0 to the others.
    """

    cum: FloatArray
    total: FloatArray
    last: IntArray
    stuck: BoolArray


def choice_table(cp: Compiled, patterns: BoolArray) -> ChoiceTable:
    """Build the exit-choice rows for every guard pattern (row of ``patterns``) and step."""
    n_sig = patterns.shape[0]
    s_count, width = cp.exit_target.shape
    valid: BoolArray = np.asarray(np.arange(width)[None, :] < cp.degree[:, None])  # (S, D)
    enabled = patterns[:, cp.exit_guard] & valid[None, :, :]  # (sig, S, D)
    weight = np.where(enabled, cp.exit_weight[None, :, :], 0.0)
    first: IntArray = np.asarray(np.argmax(enabled, axis=2))  # first enabled exit
    any_enabled: BoolArray = np.asarray(enabled.any(axis=2))
    first_only: BoolArray = np.logical_or(~cp.by_probability[None, :], weight.sum(axis=2) <= 0)
    one_hot = np.arange(width)[None, None, :] == first[:, :, None]
    weight = np.where(first_only[:, :, None], one_hot & any_enabled[:, :, None], weight)
    cum = np.cumsum(weight, axis=2)
    total = cum[:, :, -1].copy()
    cum = np.where(valid[None, :, :], cum, np.inf)
    positive = weight > 0
    last = width - 1 - np.argmax(positive[:, :, ::-1], axis=2)
    return ChoiceTable(
        cum=cum.reshape(n_sig * s_count, width),
        total=total.reshape(-1),
        last=last.reshape(-1).astype(np.int64),
        stuck=(~any_enabled).reshape(-1),
    )


def guard_patterns(
    cp: Compiled, n: int, rng: np.random.Generator
) -> tuple[BoolArray, IntArray | None]:
    """The distinct guard patterns of ``n`` new cases and each case's pattern number.

    Draws the cases' fields (only those a guard uses); without guards there is one pattern and
    no numbers (None), and nothing is drawn.
    """
    if not cp.guards:
        return np.ones((1, 1), dtype=bool), None
    cols = draw_fields(cp, n, rng)
    matrix = guard_matrix(cp.guards, cols, n)
    patterns, sig = np.unique(matrix, axis=0, return_inverse=True)
    return patterns, sig.reshape(-1).astype(np.int64)
