"""A3 pagination reworked (issue 18, performance): cuts checked on the layouts of all pages in
one `dot` process per round, each sheet drawn once, the sheets assembled without pypdf."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import pathways
from pathways.render.extract import extract
from pathways.render.pages import MIN_SCALE, scale_to_fit, sheets

from ._helpers import BUNDLED, P1, requires_dot


@requires_dot
@pytest.mark.parametrize("path", [P1, BUNDLED[0]], ids=lambda p: p.stem)
def test_every_printed_sheet_fits_at_7pt_and_is_reproducible(path: Path) -> None:
    """Each sheet's own PDF drawing (markers and page numbers included) fits its A3 sheet at
    MIN_SCALE or more; two runs give the same bytes; every step is on one sheet."""
    from pypdf import PdfReader

    diagram = extract(pathways.load(path))
    first = sheets(diagram)
    again = sheets(diagram)
    assert len(first) > 1
    assert [data for _, data in first] == [data for _, data in again]
    for page, data in first:
        # The sheet's own PDF drawing: one page, scaled to fit A3 at MIN_SCALE or more (no
        # tolerance: the PDF has no margin beyond the pad the fit check counts).
        box = PdfReader(io.BytesIO(data)).pages[0].mediabox
        scale = scale_to_fit(float(box.width), float(box.height), "A3", "landscape")
        assert scale >= MIN_SCALE, (page.page, float(box.width), float(box.height))
    steps = [node.id for page, _ in first for node in page.nodes]
    assert sorted(steps) == sorted(node.id for node in diagram.nodes)
    assert f"page 1 of {len(first)}" == first[0][0].page


def _count_dot_runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str]]:
    """Record every real `dot` process: (graphs in its input, formats)."""
    from pathways.render import _graphviz

    runs: list[tuple[int, str]] = []
    real = _graphviz._dot

    def counting(source: str, formats: list[str]) -> bytes:
        runs.append((source.count("digraph "), "+".join(formats)))
        return real(source, formats)

    monkeypatch.setattr(_graphviz, "_dot", counting)
    return runs


@requires_dot
def test_a_pathway_that_fits_one_sheet_costs_one_dot_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Issue 18: for a pathway that fits one page no pagination work runs: one `dot` process
    lays it out and draws it, as a one-page PDF does."""
    from pypdf import PdfReader

    from pathways.render import _graphviz

    from ._helpers import DATA

    runs = _count_dot_runs(monkeypatch)
    started: list[list[str]] = []
    real_start = _graphviz._start

    def start(formats: list[str], what: str):  # type: ignore[no-untyped-def]
        started.append(formats)
        return real_start(formats, what)

    monkeypatch.setattr(_graphviz, "_start", start)
    pdf = pathways.render(pathways.load(DATA / "restricted.yaml"), tmp_path / "small.pdf")
    # the one process that draws the whole pathway (render.clip), and nothing else
    assert runs == []
    assert started == [["json", "pdf"]]
    assert len(PdfReader(pdf).pages) == 1


@requires_dot
def test_every_sheet_is_drawn_once_and_laid_out_by_one_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """P1: one `dot` process lays out the whole pathway and then, round after round, the
    pages not laid out before; one more process, started at once beside it, draws all pages
    once at the end. Two processes in all, however many rounds."""
    from pathways.render import _graphviz

    runs = _count_dot_runs(monkeypatch)
    started: list[str] = []
    rounds: list[int] = []
    drawings: list[int] = []
    real_layouts, real_draw = _graphviz.LayoutProcess.layouts, _graphviz.DrawingProcess.draw
    real_start = _graphviz._start

    def start(formats: list[str], what: str) -> object:
        started.append("+".join(formats))
        return real_start(formats, what)

    def layouts(self: _graphviz.LayoutProcess, sources: list[str]) -> list[bytes]:
        rounds.append(len(sources))
        return real_layouts(self, sources)

    def draw(self: _graphviz.DrawingProcess, sources: list[str]) -> list[tuple[bytes, bytes]]:
        drawings.append(len(sources))
        return real_draw(self, sources)

    monkeypatch.setattr(_graphviz, "_start", start)
    monkeypatch.setattr(_graphviz.LayoutProcess, "layouts", layouts)
    monkeypatch.setattr(_graphviz.DrawingProcess, "draw", draw)
    drawn = sheets(extract(pathways.load(P1)))
    assert started == ["plain", "plain+pdf"]
    # The legend's and heading's candidates measured (one graph); the labels measured
    # (titles, node labels, edge labels), then their boxes checked beside the whole pathway;
    # then round after round, each measuring the labels it has not seen.
    assert rounds[0] == 1 and rounds[1] == 3 and rounds[2] == 4
    assert 5 <= len(rounds) <= 11
    assert drawings == [len(drawn)]
    assert runs == []  # no other `dot` process


@requires_dot
def test_a_layout_process_lays_out_graph_after_graph_as_separate_processes_do() -> None:
    """The layouts written to one `dot` process one round at a time are the bytes of one
    process per graph; a graph `dot` rejects is a RenderError naming Graphviz, not a hang."""
    from pathways.errors import RenderError
    from pathways.render._graphviz import LayoutProcess, run_dot

    graphs = [
        "digraph { a -> b }",
        'digraph { rankdir=LR; subgraph cluster_x { label="x"; c } c -> d }',
        "digraph { e }",
    ]
    with LayoutProcess() as process:
        got = process.layouts(graphs[:2]) + process.layouts(graphs[2:])
    assert got == [run_dot(g, "plain") for g in graphs]
    with LayoutProcess() as process, pytest.raises(RenderError, match="Graphviz"):
        process.layouts(["digraph { a -> }"])


@requires_dot
def test_pages_drawn_in_one_process_are_the_bytes_of_one_process_each() -> None:
    """Graphviz 2.43 draws the clusters (lanes) of the second and later graphs of one input
    in an order that changes from run to run; the pages drawn together name their clusters
    so that they are drawn in the order written: each page's PDF and layout are the bytes a
    `dot` process of its own gives, run after run."""
    from pathways.render._graphviz import (
        DrawingProcess,
        drawings_with_layouts,
        run_dot_with_layout,
    )
    from pathways.render.dot import draw
    from pathways.render.extract import FONT, KHMER_FONT

    pages = [page for page, _ in sheets(extract(pathways.load(BUNDLED[0])))]
    sources = [draw(p, "LR", compact=True) for p in pages]  # each with its page's legend
    alone = [run_dot_with_layout(g.source, "pdf") for g in sources]
    assert any(g.source.count("subgraph cluster_") > 1 for g in sources)
    for _ in range(3):
        assert drawings_with_layouts([g.source for g in sources], "pdf") == alone
    # A drawing process started early and warmed up with text in both fonts draws the same.
    for font, sample in [(FONT, "Ag 9 \u25b7"), (KHMER_FONT, "Ag \u1780")]:
        with DrawingProcess(font, sample) as process:
            assert process.draw([g.source for g in sources]) == alone


@requires_dot
def test_an_unused_or_failing_drawing_process_ends_cleanly() -> None:
    """A drawing process that is not needed is ended; a page `dot` rejects is a RenderError
    naming Graphviz, not a hang; a second drawing gets a process of its own."""
    from pathways.errors import RenderError
    from pathways.render._graphviz import DrawingProcess
    from pathways.render.extract import FONT

    with DrawingProcess(FONT, "Ag") as process:
        pass
    assert process._process.returncode is not None
    with DrawingProcess(FONT, "Ag") as process, pytest.raises(RenderError, match="Graphviz"):
        process.draw(["digraph { a -> }"])
    with DrawingProcess(FONT, "Ag") as process:
        first = process.draw(["digraph { a -> b }", "digraph { c }"])
        assert process.draw(["digraph { a -> b }", "digraph { c }"]) == first
        assert [pdf[:5] for _, pdf in first] == [b"%PDF-", b"%PDF-"]


@requires_dot
def test_clusters_named_for_one_process_stay_clusters() -> None:
    """Plain and quoted cluster names both become counter-numbered clusters, which `dot`
    still draws as clusters (bands), in the order written."""
    from pathways.render._graphviz import _steady_clusters, run_dot

    source = (
        'digraph {\n\tsubgraph cluster_lane0 {\n\ta\n\t}\n\tsubgraph "cluster_x y" {\n\tb\n\t}\n}'
    )
    out = _steady_clusters(source)
    assert 'subgraph "%lane0" {\n\t\tcluster=true' in out
    assert 'subgraph "%x y" {\n\t\tcluster=true' in out
    assert "subgraph cluster" not in out
    svg = run_dot(out, "svg").decode()
    assert svg.count('class="cluster"') == 2


@requires_dot
@pytest.mark.parametrize("lang", [None, "km"])
def test_pages_laid_out_with_blank_boxes_have_the_layout_of_their_labels(
    lang: str | None,
) -> None:
    """The fit checks lay pages out with a blank box of the same size in place of every
    label (steps, lane titles, the title and legend, markers, edge labels): the `dot -Tplain`
    layout of each P1 page is byte for byte the layout with the labels, but for the labels'
    text, in both fonts; every box is measured once."""
    import re
    from dataclasses import replace

    from pathways.render._graphviz import layouts
    from pathways.render.dot import draw_source
    from pathways.render.pages import _BlankLabels, _sub, legend_columns

    diagram = extract(pathways.load(P1), lang=lang)
    columns = legend_columns("A3", "landscape")  # as wide as the sheet allows, fitting or not
    ids = [node.id for node in diagram.nodes]
    subs = [
        replace(_sub(diagram, frozenset(ids[k : k + 6]), None), page="page 99 of 99")
        for k in range(0, len(ids), 6)
    ]
    real = [draw_source(d, "LR", compact=True, legend_columns=columns) for d in subs]
    calls: list[list[str]] = []

    def lay_out(sources: list[str]) -> list[bytes]:
        calls.append(sources)
        return layouts(sources)

    blank = _BlankLabels(diagram.font, lay_out)
    got = blank.layouts(real[:2]) + blank.layouts(real[2:])
    assert len(calls) == 4  # measure, lay out (and check), for each of the two calls
    assert all("Legend" not in source and "@head" in source for source in calls[1][-2:])

    def geometry(plain: bytes) -> bytes:  # `plain` names a table edge label "<TABLE>"
        return re.sub(rb'<<.*?>>(?= )|"<TABLE>"', b"<>", plain)

    assert [geometry(plain) for plain in got] == [geometry(plain) for plain in layouts(real)]
