"""A3 pagination reworked (issue 18, performance): each sheet is drawn once per round, its
layout read from the same `dot` run."""

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
