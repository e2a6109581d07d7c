"""Fork and join drawn as BPMN parallel gateways (a diamond with "+"), in Graphviz and
Mermaid, with the parallel-track findings (PW110-PW113) drawn on them."""

from __future__ import annotations

from pathlib import Path

import pathways
from pathways.findings import Finding, Location, Severity
from pathways.render import render, to_dot, to_mermaid

from ._helpers import requires_dot, svg_texts

TRACKS = Path("tests/data/tracks-runtime.yaml")


def _finding(code: str, step: str) -> Finding:
    return Finding(
        code,
        "deadlock",
        Severity.ERROR,
        "a track waits forever",
        Location(str(TRACKS), 1, 1),
        step=step,
        route=("intake", "start_tracks", "medical", "conference"),
    )


def test_fork_and_join_are_gateways_with_a_plus_and_their_text_beside() -> None:
    """DOT: the fork and both joins are small diamonds labelled "+", text as xlabel; the
    legend explains them; the other steps keep their shapes."""
    source = to_dot(pathways.load(TRACKS)).source
    for step in ("start_tracks", "conference", "plan"):
        line = next(x for x in source.splitlines() if x.strip().startswith(f"{step} ["))
        assert "shape=diamond" in line and "<B>+</B>" in line and "xlabel=" in line
    assert "fork / join: tracks start together" in source
    medical = next(x for x in source.splitlines() if x.strip().startswith("medical ["))
    assert "shape=box" in medical and "xlabel" not in medical


def test_a_pathway_without_tracks_has_no_gateway_in_its_legend() -> None:
    source = to_dot(pathways.load("pathways/kh/school-disclosure.yaml")).source
    assert "fork / join" not in source and "shape=diamond" not in source


def test_mermaid_draws_fork_and_join_as_diamonds_with_plus() -> None:
    text = to_mermaid(pathways.load(TRACKS))
    assert text.count('{"+<br>') == 3
    assert '{"+<br>Case conference<br>' in text


def test_parallel_track_findings_are_drawn_on_the_join() -> None:
    """A PW110 at the join colours the diamond and names the code beside it (DOT and
    Mermaid)."""
    p = pathways.load(TRACKS)
    found = [_finding("PW110", "conference")]
    line = next(x for x in to_dot(p, findings=found).source.splitlines() if "conference [" in x)
    assert "PW110" in line and "penwidth=3.5" in line
    assert "PW110" in to_mermaid(p, findings=found)


@requires_dot
def test_svg_shows_the_plus_and_the_labels(tmp_path: Path) -> None:
    svg = render(pathways.load(TRACKS), tmp_path / "t.svg").read_bytes()
    texts = svg_texts(svg)
    assert texts.count("+") == 3
    assert "Case conference" in texts and "Start tracks" in texts
