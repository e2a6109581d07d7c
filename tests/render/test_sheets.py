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

    from ._helpers import DATA

    runs = _count_dot_runs(monkeypatch)
    pdf = pathways.render(pathways.load(DATA / "restricted.yaml"), tmp_path / "small.pdf")
    assert runs == [(1, "plain+pdf")]
    assert len(PdfReader(pdf).pages) == 1


@requires_dot
def test_every_sheet_is_drawn_once_and_checked_in_one_process_per_round(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """P1: the whole pathway laid out once, every round of cuts checked by one `dot` process
    for all pages, then each page drawn exactly once (one process each, for the same bytes)."""
    runs = _count_dot_runs(monkeypatch)
    drawn = sheets(extract(pathways.load(P1)))
    assert runs[0] == (1, "plain")
    rounds = [run for run in runs[1:] if run[1] == "plain"]
    drawings = [run for run in runs[1:] if run[1] != "plain"]
    assert drawings == [(1, "plain+pdf")] * len(drawn)
    assert len(rounds) <= 4


@requires_dot
def test_sheets_pdf_copies_dot_drawings_into_a_valid_pdf() -> None:
    """The sheets are assembled without a PDF library: the result reads strictly with pypdf,
    every sheet is exactly A3 landscape and shows its page's drawing wrapped in one
    transformation (the drawing's own operators untouched); a drawing it cannot copy (here a
    two-page PDF) goes through pypdf instead and still gives one sheet per drawing."""
    from pypdf import PdfReader, PdfWriter

    from pathways.render.pages import PAGE_SIZES, sheets_pdf

    drawn = sheets(extract(pathways.load(BUNDLED[0])))
    data = [drawing for _, drawing in drawn]
    pdf = PdfReader(io.BytesIO(sheets_pdf(data)), strict=True)
    assert len(pdf.pages) == len(drawn) > 1
    portrait_w, portrait_h = PAGE_SIZES["A3"]
    for sheet, (page, drawing) in zip(pdf.pages, drawn, strict=True):
        assert (float(sheet.mediabox.width), float(sheet.mediabox.height)) == (
            pytest.approx(portrait_h, abs=0.01),
            pytest.approx(portrait_w, abs=0.01),
        )
        own = PdfReader(io.BytesIO(drawing)).pages[0].get_contents()
        contents = sheet.get_contents()
        assert own is not None and contents is not None
        body = contents.get_data()
        assert body.startswith(b"q ") and body.rstrip().endswith(b"Q")
        assert own.get_data() in body
        assert page.page in sheet.extract_text()
    two = PdfWriter()
    for drawing in data[:2]:
        two.add_page(PdfReader(io.BytesIO(drawing)).pages[0])
    buffer = io.BytesIO()
    two.write(buffer)
    fallback = PdfReader(io.BytesIO(sheets_pdf([buffer.getvalue(), data[2]])))
    assert len(fallback.pages) == 2
    assert drawn[0][0].page in fallback.pages[0].extract_text()
