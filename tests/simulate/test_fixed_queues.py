"""Queues with fixed durations and evenly spaced arrivals, against waits worked out by hand.

The pathway: intake (role i, 1 server, 2 h) -> assess (role a, 1 server, 3 h) -> interview
(role v, 1 server, 4 h, tagged `interview`) -> done. Every case takes the same route, so the
only randomness left is the arrival times; the random source below draws every exponential
gap as its mean (24 / arrivals_per_day = 1 h), so case k (k = 1..n) arrives at hour k.

By hand, with FIFO single servers, case k:

- intake: starts at 2k - 1 (the server frees every 2 h from hour 1), waits k - 1, ends 2k + 1;
- assess: reaches it at 2k + 1, starts at 3k (frees every 3 h from hour 3), waits k - 1,
  ends 3k + 3;  (a queue -> queue move: the fast path after a service)
- interview: reaches it at 3k + 3, starts at 4k + 2 (frees every 4 h from hour 6), waits
  k - 1, ends 4k + 6;  (a queued interview step: the interview fast path)
- time to outcome: 4k + 6 - k = 3k + 6.

With n = 12 the arrival window is [0, 12] (the last arrival): intake is busy from hour 1 on
(11 h of 12), assess from hour 3 (9 h), interview from hour 6 (6 h).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from pathways.simulate.compile import compile_pathway
from pathways.simulate.results import summarize

from ._pathways import build, move, step

try:  # the queued event loop (simulate/queues.py; simulate/events.py before the rename)
    from pathways.simulate.queues import run_queues  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - depends on the layout of the day
    from pathways.simulate.events import run_queues  # type: ignore[no-redef,unused-ignore]

N = 12


class EvenArrivals:
    """numpy's generator, except that exponential gaps are drawn as their mean: arrivals
    every `scale` hours. Durations here are fixed, so nothing else is random."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = np.random.default_rng(seed)

    def exponential(self, scale: float = 1.0, size: Any = None) -> Any:
        return np.full(size, float(scale)) if size is not None else float(scale)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._rng, name)


def _pathway(interview_tag: bool = True) -> Any:
    tags = {"tags": ["interview"]} if interview_tag else {}
    roles = [
        {"id": "i", "agency": "a", "title": "Intake", "capacity": 1},
        {"id": "a", "agency": "a", "title": "Assessor", "capacity": 1},
        # the same agency throughout: a move between agencies is a hand-off, which takes the
        # general path; these moves must take the fast paths under test
        {"id": "v", "agency": "a", "title": "Interviewer", "capacity": 1},
    ]
    return build(
        [
            step("intake", "entry", role="i", duration="2h"),
            step("assess", role="a", duration="3h"),
            step("interview", role="v", duration="4h", **tags),
            step("done", "outcome"),
        ],
        [move("intake", "assess"), move("assess", "interview"), move("interview", "done")],
        roles=roles,
        simulation={"arrivals_per_day": 24},
    )


def _run(interview_tag: bool = True) -> tuple[Any, dict[str, Any]]:
    cp = compile_pathway(_pathway(interview_tag))
    raw = run_queues(cp, N, EvenArrivals())  # type: ignore[arg-type]
    return raw, summarize(cp, raw, seed=0, run={"mode": "queues"}).to_dict()


@pytest.mark.parametrize("interview_tag", [True, False], ids=["interview", "plain"])
def test_waits_times_and_utilisation_equal_the_hand_computation(interview_tag: bool) -> None:
    """Each role waits 0, 1, ..., 11 h (mean 5.5 h); time to outcome 3k + 6; utilisation of
    the window 11/12, 9/12 and 6/12."""
    raw, result = _run(interview_tag)
    k = np.arange(1, N + 1)
    assert sorted(raw.times.tolist()) == pytest.approx((3 * k + 6).tolist())
    assert result["time_to_outcome_hours"]["mean"] == pytest.approx(3 * 6.5 + 6)
    assert raw.window_hours == pytest.approx(N)
    roles = result["roles"]
    for rid in ("i", "a", "v"):
        assert roles[rid]["wait_hours_mean"] == pytest.approx(sum(range(N)) / N), rid
    assert roles["i"]["utilization"] == pytest.approx(11 / 12)
    assert roles["a"]["utilization"] == pytest.approx(9 / 12)
    assert roles["v"]["utilization"] == pytest.approx(6 / 12)
    assert roles["i"]["busy_hours_per_case"] == pytest.approx(2.0)
    assert roles["v"]["busy_hours_per_case"] == pytest.approx(4.0)
    assert result["interviews"]["max"] == (1 if interview_tag else 0)
    assert result["outcomes"]["done"]["count"] == N


def test_a_second_server_removes_the_interview_wait() -> None:
    """With two interviewers (4 h services, a case every 3 h) nobody waits there: the
    interviews start on arrival, at 3k + 3, and cases finish at 3k + 7 - k = 2k + 7."""
    p = _pathway()
    doc = p.model_dump(mode="json", by_alias=True, exclude_none=True)
    for role in doc["roles"]:
        if role["id"] == "v":
            role["capacity"] = 2
    cp = compile_pathway(type(p).model_validate(doc))
    raw = run_queues(cp, N, EvenArrivals())  # type: ignore[arg-type]
    result = summarize(cp, raw, seed=0, run={"mode": "queues"}).to_dict()
    k = np.arange(1, N + 1)
    assert sorted(raw.times.tolist()) == pytest.approx((2 * k + 7).tolist())
    assert result["roles"]["v"]["wait_hours_mean"] == 0.0
    # two servers over [0, 12]: interviews [6,10], [9,13]: 4 + 3 busy hours of 2 x 12
    assert result["roles"]["v"]["utilization"] == pytest.approx(7 / 24)
