"""Progress of a run: the engines report within a chunk, the throttle shows every 1% or every
second (whichever comes later), and the bar is drawn on a terminal only."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import pathways as pw
from pathways.cli.simulate import progress_shown
from pathways.simulate.compile import compile_pathway
from pathways.simulate.parallel import run_chunks
from pathways.simulate.progress import Throttle

from ._pathways import build, move, step


def queued() -> pw.Pathway:
    return build(
        [step("s", "entry", duration="2h"), step("t", duration="1h"), step("done", "outcome")],
        [move("s", "t"), move("t", "done")],
        roles=[{"id": "r", "agency": "a", "title": "R", "capacity": 2}],
        simulation={"arrivals_per_day": 12},
    )


def tracked() -> pw.Pathway:
    return build(
        [
            step("s", "entry", duration="1h"),
            step("f", "fork"),
            step("a", duration="2h"),
            step("b", duration="3h"),
            step("j", "join"),
            step("done", "outcome"),
        ],
        [
            move("s", "f"),
            move("f", "a"),
            move("f", "b"),
            move("a", "j"),
            move("b", "j"),
            move("j", "done"),
        ],
        roles=[{"id": "r", "agency": "a", "title": "R", "capacity": 3}],
        simulation={"arrivals_per_day": 12},
    )


@pytest.mark.parametrize("make", [queued, tracked])
@pytest.mark.parametrize("workers", [1, 2])
def test_event_loops_report_within_a_chunk(make: object, workers: int) -> None:
    """Every chunk reports at least every 1% of its cases, not once when it ends; the reports
    add up to the cases (worker processes included)."""
    cp = compile_pathway(make())  # type: ignore[operator]
    sizes = [2000, 1500]
    seen: list[int] = []
    run_chunks(cp, sizes, 3, workers=workers, progress=seen.append)
    assert sum(seen) == sum(sizes)
    assert len(seen) >= 100 * len(sizes) - 2
    assert max(seen) <= max(sizes) // 100 + 1  # no report covers more than ~1% of a chunk


def test_the_walk_reports_per_chunk() -> None:
    cp = compile_pathway(build([step("s", "entry"), step("d", "outcome")], [move("s", "d")]))
    seen: list[int] = []
    run_chunks(cp, [300, 200], 0, progress=seen.append)
    assert seen == [300, 200]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_throttle_shows_every_percent_or_second_whichever_is_later() -> None:
    """Against a plain rule written here: an update is shown when at least 1% of the cases
    and at least a second have passed since the last shown one; the end is always shown."""
    rng = np.random.default_rng(7)
    for _ in range(30):
        total = int(rng.integers(1, 5000))
        clock = Clock()
        shown: list[tuple[int, float]] = []
        throttle = Throttle(
            lambda d, shown=shown, clock=clock: shown.append((d, clock.now)), total, clock=clock
        )
        done, last_done, last_at, expected = 0, 0, 0.0, []
        while done < total:
            clock.now += float(rng.exponential(0.3))
            n = min(total - done, int(rng.integers(1, max(2, total // 50))))
            done += n
            throttle(n)
            if done == total or (done - last_done >= -(-total // 100) and clock.now - last_at >= 1):
                expected.append((done, clock.now))
                last_done, last_at = done, clock.now
        assert shown == expected
        assert shown[-1][0] == total


def test_a_long_gap_is_shown_at_once_and_a_fast_run_once_a_second() -> None:
    clock = Clock()
    shown: list[int] = []
    t = Throttle(shown.append, 1000, clock=clock)
    for _ in range(98):  # 10 cases (1%) every 0.25 s: shown once a second, not every 1%
        clock.now += 0.25
        t(10)
    assert shown == list(range(40, 981, 40))
    clock.now += 60.0  # a slow stretch: shown as soon as 1% is done
    t(10)
    assert shown[-1] == 990
    t(10)
    assert shown[-1] == 1000


def test_simulate_calls_back_with_done_and_total() -> None:
    calls: list[tuple[int, int]] = []
    pw.simulate(queued(), cases=1500, seed=1, progress=lambda d, n: calls.append((d, n)))
    assert calls and calls[-1] == (1500, 1500)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


@pytest.mark.parametrize(
    ("progress", "quiet", "format", "tty", "shown"),
    [
        (None, False, "text", True, True),
        (None, False, "text", False, False),  # a pipe or a log file
        (None, False, "json", True, False),  # JSON is for programs
        (None, True, "text", True, False),  # --quiet
        (True, True, "text", True, False),  # --quiet wins over --progress
        (True, False, "json", False, True),  # asked for
        (False, False, "text", True, False),
    ],
)
def test_when_the_bar_is_drawn(
    monkeypatch: pytest.MonkeyPatch,
    progress: bool | None,
    quiet: bool,
    format: str,
    tty: bool,
    shown: bool,
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty)
    assert progress_shown(progress, quiet=quiet, format=format) is shown


SMALL = """format: pathways/1
id: small
agencies: [{id: a, name: A, sector: social}]
roles: [{id: r, agency: a, title: R, capacity: 2}]
steps:
  - {id: s, kind: entry, role: r, label: Start, duration: 2h}
  - {id: done, kind: outcome, label: Done}
transitions: [{from: s, to: done}]
simulation: {arrivals_per_day: 12}
"""


def _on_a_terminal(args: list[str], tmp_path: Path) -> tuple[str, str]:
    """Run ``pathways simulate`` with stderr on a real pseudo-terminal: (stdout, terminal)."""
    main, side = pty.openpty()
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    stdout = tmp_path / "stdout.txt"
    with stdout.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pathways", "simulate", *args],
            stdout=sink,
            stderr=side,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=tmp_path,
        )
    os.close(side)
    seen = b""
    while True:
        ready, _, _ = select.select([main], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    assert proc.wait(60) == 0, seen
    os.close(main)
    return stdout.read_text(encoding="utf-8"), seen.decode(errors="replace")


def test_the_bar_is_drawn_on_a_terminal(tmp_path: Path) -> None:
    path = str(tmp_path / "small.yaml")
    Path(path).write_text(SMALL, encoding="utf-8")
    out, terminal = _on_a_terminal([path, "--cases", "3000"], tmp_path)
    assert "simulating" in terminal
    assert "Outcomes" in out and "simulating" not in out  # the bar goes to stderr only
