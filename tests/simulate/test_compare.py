"""What-if minus baseline: the difference of each headline KPI and its 95% interval."""

from __future__ import annotations

import math
from typing import Any

import pytest

from pathways.simulate.compare import differences


def result(share: float, share_ci: list[float], mean: float, mean_ci: list[float]) -> Any:
    """The parts of simulate's JSON that differences() reads: one outcome, one deadline."""
    return {
        "outcomes": {"closed": {"count": 1, "share": share, "ci95": {"share": share_ci}}},
        "time_to_outcome_hours": {"mean": mean, "ci95": {"mean": mean_ci}},
        "interviews": {"share_over_limit": 0.0},
        "deadlines": {"pep": {"share_missed": share, "ci95": {"share_missed": share_ci}}},
        "roles": {},
    }


def test_difference_interval_and_noise_marker() -> None:
    """difference = what-if - baseline; half-width = root of the summed squared half-widths
    (each the larger side of its interval); within noise exactly when the interval holds 0."""
    base = result(0.30, [0.28, 0.32], 10.0, [9.0, 11.5])
    what = result(0.33, [0.30, 0.36], 10.5, [10.0, 11.0])
    rows = {r["kpi"]: r for r in differences(base, what)}
    share = rows["outcomes.closed.share"]
    assert share["difference"] == pytest.approx(0.03)
    half = math.sqrt(0.02**2 + 0.03**2)
    assert share["ci95"] == pytest.approx([0.03 - half, 0.03 + half])
    assert share["within_noise"]  # 0.03 - 0.036 < 0
    mean = rows["time_to_outcome_hours.mean"]
    half = math.sqrt(1.5**2 + 0.5**2)
    assert mean["ci95"] == pytest.approx([0.5 - half, 0.5 + half]) and mean["within_noise"]
    far = differences(base, result(0.60, [0.58, 0.62], 30.0, [29.0, 31.0]))
    assert not any(r["within_noise"] for r in far if r["kpi"] != "interviews.share_over_limit")


def test_a_share_difference_stays_within_100_points() -> None:
    """0% -> 98% (93-100%): the interval of the difference ends at +100 points, not beyond
    (the report printed '+98.4% (+95.0% to +101.8%)')."""
    base = result(0.0, [0.0, 0.0], 1.0, [1.0, 1.0])
    what = result(0.98, [0.93, 1.0], 1.0, [1.0, 1.0])
    rows = {r["kpi"]: r for r in differences(base, what)}
    for kpi in ("outcomes.closed.share", "deadlines.pep.share_missed"):
        assert rows[kpi]["ci95"] == pytest.approx([0.93, 1.0])
    down = {r["kpi"]: r for r in differences(what, base)}
    assert down["deadlines.pep.share_missed"]["ci95"] == pytest.approx([-1.0, -0.93])
