"""Route statistics (`pathways routes`): exact counts, extreme routes, loops, big pathways."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from pathways import Pathway, check, loads
from pathways.cli import main
from pathways.route_dp import count_routes
from pathways.routes import route_stats


def diamonds(k: int) -> Pathway:
    """K stacked decisions, each with an interview branch and a plain branch: 2**K routes."""
    steps: list[dict[str, Any]] = [{"id": "j0", "kind": "entry", "role": "r", "duration": "1h"}]
    transitions: list[dict[str, str]] = []
    for i in range(k):
        steps += [
            {"id": f"a{i}", "role": "r", "tags": ["interview"], "duration": "2h"},
            {"id": f"b{i}", "role": "r", "duration": "1h"},
            {"id": f"j{i + 1}", "kind": "decision", "role": "r", "duration": "1h"},
        ]
        transitions += [
            {"from": f"j{i}", "to": f"a{i}"},
            {"from": f"j{i}", "to": f"b{i}"},
            {"from": f"a{i}", "to": f"j{i + 1}"},
            {"from": f"b{i}", "to": f"j{i + 1}"},
        ]
    steps.append({"id": "done", "kind": "outcome"})
    transitions.append({"from": f"j{k}", "to": "done"})
    return Pathway.model_validate(
        {
            "format": "pathways/1",
            "id": "diamonds",
            "agencies": [{"id": "a", "name": "A", "sector": "social"}],
            "roles": [{"id": "r", "agency": "a", "title": "R"}],
            "steps": steps,
            "transitions": transitions,
        }
    )


def test_diamonds_200_counted_exactly_with_full_witness() -> None:
    """2**200 routes are counted exactly, and PW301's witness passes all 200 interviews."""
    p = diamonds(200)
    stats = route_stats(p)
    assert stats.count == 2**200
    assert stats.to_dict()["count"] == 2**200
    assert stats.max_interviews == 200
    (finding,) = check(p, select=["PW301"])
    assert finding.route is not None
    assert finding.route[0] == "j0" and finding.route[-1] == "done"
    assert [s for s in finding.route if s.startswith("a")] == [f"a{i}" for i in range(200)]
    assert finding.step == "a1"  # the second interview is the first one over the limit
    assert "200 interviews" in finding.message


def test_diamonds_times() -> None:
    """Shortest takes every plain branch, longest every interview branch."""
    d = route_stats(diamonds(3)).to_dict()
    assert d["count"] == 8
    assert d["shortest"] == {
        "route": ["j0", "b0", "j1", "b1", "j2", "b2", "j3", "done"],
        "hours": 7.0,
    }
    assert d["longest"]["hours"] == 10.0
    assert d["longest"]["route"][1::2][:3] == ["a0", "a1", "a2"]
    assert d["max_interviews"] == 3 and d["handoffs_max"] == 0


LOOPY = """\
format: pathways/1
id: loopy
agencies:
  - {id: a, name: A, sector: social}
  - {id: h, name: H, sector: health}
roles:
  - {id: r, agency: a, title: R}
  - {id: d, agency: h, title: D}
steps:
  - {id: start, kind: entry, role: r, duration: 1h}
  - {id: medical, kind: action, role: d, duration: 2h}
  - {id: review, kind: action, role: r}
  - {id: done, kind: outcome}
transitions:
  - {from: start, to: medical, delay: 30m}
  - {from: medical, to: review}
  - {from: review, to: medical}
  - {from: review, to: done}
"""


def test_loop_on_route_makes_count_infinite() -> None:
    """A loop on a route: infinite routes; a loop that takes time or changes agency is
    unbounded; interviews off the loop stay finite."""
    d = route_stats(loads(LOOPY, "loopy.yaml")).to_dict()
    assert d["count"] == "infinite"
    assert d["longest"]["hours"] == "unbounded"
    assert d["longest"]["route"][0] == "start" and d["longest"]["route"][-1] == "done"
    assert d["shortest"] == {"route": ["start", "medical", "review", "done"], "hours": 3.5}
    assert d["max_interviews"] == 0
    assert d["handoffs_max"] == "unbounded"


def test_no_route() -> None:
    """Without a route from an entry to an outcome: zero, and no extreme routes."""
    p = Pathway.model_validate(
        {
            "format": "pathways/1",
            "id": "none",
            "steps": [{"id": "s", "kind": "entry", "role": None}, {"id": "o", "kind": "outcome"}],
        }
    )
    assert route_stats(p).to_dict() == {
        "count": 0,
        "shortest": None,
        "longest": None,
        "max_interviews": 0,
        "handoffs_max": 0,
    }


def test_count_routes_distinct_sequences() -> None:
    """Routes are step sequences; several entries each start their own routes."""
    assert count_routes([[1, 2], [3], [3], []], [0, 1], [0, 0, 0, 1]) == 3
    assert count_routes([[1], [1, 2], []], [0], [0, 0, 1]) is None
    assert count_routes([[1], [1], []], [0], [0, 0, 1]) == 0  # the loop reaches no outcome


def test_routes_cli_json_and_text(tmp_path: Any, capsys: Any) -> None:
    """`pathways routes` prints SPEC's JSON, or a text summary; bad input exits 2."""
    path = tmp_path / "loopy.yaml"
    path.write_text(LOOPY, encoding="utf-8")
    assert main(["routes", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"count", "shortest", "longest", "max_interviews", "handoffs_max"}
    assert data["count"] == "infinite"
    assert main(["routes", str(path)]) == 0
    out = capsys.readouterr().out
    assert "routes from an entry to an outcome: no limit (a loop can repeat)" in out
    assert "route: start -> medical -> review -> done" in out
    assert main(["routes", str(path), "--format", "xml"]) == 2
    assert main(["routes", str(tmp_path / "missing.yaml")]) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text(textwrap.dedent("format: pathways/1\nid: x\n"), encoding="utf-8")
    assert main(["routes", str(bad)]) == 1
