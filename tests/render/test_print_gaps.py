"""Issue 18 audit: printed sheets that still print text below 7 pt (known gaps, kept as tests).

The issue asks that the bundled pathways' PDF pages, A3 and A4, print their smallest text at
7 pt or more. The default (A3 landscape, English) does for every bundled pathway
(tests/render/test_print.py, test_sheets.py); these cases do not yet, and are marked xfail
(strict) so that the fix turns them into plain passing tests:

- A4 portrait, LR: even one step per sheet is wider than the sheet at 7 pt (a step, its lane
  title and two continuation markers side by side), so the sheets shrink: csa-in-person's 28
  sheets print at 4.7 pt at the smallest; every bundled pathway is below 7 pt on A4 portrait.

Closed: Khmer, default A3 landscape. The compact legend had six columns, 1,436 pt wide with
the fork / join entry, over the 1,458 pt a sheet holds at the smallest scale with the page's
margins: every page overran, phases were cut to 1-3 steps, 13 sheets at 6.9 pt for
csa-in-person. The legend's columns (and wrapping) are now chosen from its measured width
(:func:`pathways.render.pages.fit_title`): 5 columns, 9 sheets, 7.6 pt at the smallest.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest

import pathways
from pathways.render.extract import extract
from pathways.render.pages import MIN_SCALE, scale_to_fit, sheets

from ._helpers import P1, requires_dot


def _smallest_scale(path: Path, lang: str | None, page: str, orientation: str) -> float:
    """The smallest scale any sheet is printed at (the sheet's own drawing fitted to paper)."""
    from pypdf import PdfReader

    drawn = sheets(extract(pathways.load(path), lang=lang), "LR", page, orientation)
    boxes = [PdfReader(io.BytesIO(data)).pages[0].mediabox for _, data in drawn]
    return min(scale_to_fit(float(b.width), float(b.height), page, orientation) for b in boxes)


@requires_dot
@pytest.mark.xfail(strict=True, reason="issue 18 gap: A4 portrait sheets print below 7 pt")
def test_a4_portrait_sheets_print_at_7pt() -> None:
    assert _smallest_scale(P1, None, "A4", "portrait") >= MIN_SCALE


@requires_dot
def test_khmer_default_sheets_print_at_7pt() -> None:
    """Khmer P1 on A3 landscape: every sheet at 7 pt or more, on 9 sheets (13 before)."""
    drawn = sheets(extract(pathways.load(P1), lang="km"), "LR", "A3", "landscape")
    assert _smallest_scale(P1, "km", "A3", "landscape") >= MIN_SCALE
    assert len(drawn) <= 9
    assert {page.legend_columns for page, _ in drawn} == {5}  # six are too wide in Khmer


@requires_dot
@pytest.mark.parametrize("lang", [None, "km"], ids=["en", "km"])
def test_the_legend_fits_the_width_it_was_fitted_to(lang: str | None) -> None:
    """The legend chosen for a width is no wider than it, measured as drawn; English keeps
    the six columns it had on A3 landscape; a width no legend fits gets the narrowest."""
    from pathways.render._graphviz import layouts
    from pathways.render.dot import legend_label
    from pathways.render.pages import _measuring, _sizes, fit_title

    diagram = replace(extract(pathways.load(P1), lang=lang), legend_columns=6)
    for width, columns in ((1400.0, 6 if lang is None else 5), (700.0, None), (10.0, 1)):
        fitted = fit_title(diagram, width, layouts, "page 99 of 99")
        label = legend_label(fitted, fitted.legend_columns)
        (plain,) = layouts([_measuring(diagram.font, [label], 14)])
        ((drawn_w, _),) = _sizes(plain)
        assert columns is None or fitted.legend_columns == columns
        if width > 100:
            assert float(drawn_w) * 72 <= width


@requires_dot
@pytest.mark.parametrize("lang", [None, "km"], ids=["en", "km"])
def test_a_legends_size_follows_from_its_cells(lang: str | None) -> None:
    """:func:`legend_size` (arithmetic on the measured cells) is the size ``dot`` gives the
    whole legend table, to a tenth of a point, for every column count and wrapping."""
    from pathways.render._graphviz import layouts
    from pathways.render.dot import legend_cells, legend_label
    from pathways.render.pages import _measuring, _sizes, legend_size

    diagram = extract(pathways.load(P1), lang=lang)
    for wrap_at in (0, 32):
        heading, entries = legend_cells(diagram, True, wrap_at)
        cells = list(dict.fromkeys([heading, *(cell for entry in entries for cell in entry)]))
        tables = [legend_label(replace(diagram, legend_width=wrap_at), c) for c in range(1, 7)]
        (plain,) = layouts([_measuring(diagram.font, [f"<{c}>" for c in cells] + tables, 14)])
        sizes = [(float(w) * 72, float(h) * 72) for w, h in _sizes(plain)]
        size_of = dict(zip(cells, sizes, strict=False))
        for columns, (width, height) in enumerate(sizes[len(cells) :], start=1):
            got = legend_size(size_of, heading, entries, columns)
            assert abs(got[0] - width) < 0.1 and abs(got[1] - height) < 0.1, (columns, wrap_at)
