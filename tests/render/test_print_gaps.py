"""Issue 18: the bundled pathways' default PDF sheets, A3 and A4, landscape and portrait, print
their smallest text at 7 pt or more, in English and in Khmer.

The default (A3 landscape, English) is tested in tests/render/test_print.py and
test_sheets.py; this file holds the other sheets, each a gap the issue 18 audit measured:

- Khmer, A3 landscape: the compact legend's six columns were 1,436 pt wide with the fork /
  join entry, over the 1,458 pt a sheet holds at 7 pt less the page's margins: every page
  overran, phases were cut to 1-3 steps (csa-in-person 13 sheets at 6.9 pt). The legend's
  columns are now chosen from its measured width (:func:`pathways.render.pages.fit_title`):
  9 sheets, 7.6 pt at the smallest.
- Portrait sheets, left to right: a band of one step with its lane title and continuation
  boxes was wider than the sheet at 7 pt (A4 portrait: every pathway below 7 pt, csa-in-person
  28 sheets at 4.7 pt; A3 portrait 6.0 pt). By default portrait sheets are now drawn top to
  bottom (:func:`~pathways.render.pages.default_direction`): A3 portrait 4-7 sheets.
- A4 landscape (and portrait sheets drawn left to right when asked): 6.0 pt; labels now wrap
  shorter on sheets narrow along the flow (:func:`~pathways.render.pages.narrow_sheet`).

- A step reached from many steps on other pages (compensation-claim's DoSVY follow-up, from
  seven): its "from page N" boxes stood side by side, wider than an A4 portrait sheet at 7 pt
  (5.8 pt). More than three in a band of a page are now gathered into one box (its lines
  twice as long top to bottom, where its height is the flow's: Khmer 6.6 -> 7.0 pt).

- Khmer on A4 portrait (top to bottom): a page of one decision whose Khmer text is tall
  (school-disclosure's consent, sextortion-helpline's caregiver check) was about 1,057 points
  long, over the 1,010 the sheet holds at 7 pt (6.7 pt). Such a page's step now wraps wider
  (``Diagram.wide``, :data:`~pathways.render.dot.WIDE`), that page only: 7.0 and 7.1 pt, on
  the same 11 and 13 sheets.

``HYPOTHESIS_PROFILE=thorough`` (``make test-thorough``) checks every bundled pathway in both
languages on every sheet; ``make test`` a few cases of each (0.3 s each).
"""

from __future__ import annotations

import io
import os
from dataclasses import replace
from pathlib import Path

import pytest

import pathways
from pathways.render.extract import extract
from pathways.render.pages import MIN_SCALE, default_direction, scale_to_fit, sheets

from ._helpers import BUNDLED, P1, requires_dot


def _printed(path: Path, lang: str | None, page: str, orientation: str) -> tuple[int, float]:
    """(sheets, the smallest scale any sheet is printed at) of the default PDF's sheets: each
    sheet's own drawing fitted to the paper, in the direction the paper gets by default."""
    from pypdf import PdfReader

    direction = default_direction(page, orientation)
    drawn = sheets(extract(pathways.load(path), lang=lang), direction, page, orientation)
    boxes = [PdfReader(io.BytesIO(data)).pages[0].mediabox for _, data in drawn]
    scale = min(scale_to_fit(float(b.width), float(b.height), page, orientation) for b in boxes)
    return len(drawn), scale


THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
SHEETS = [("A3", "portrait"), ("A4", "landscape"), ("A4", "portrait")]
WIDE = {
    ("school-disclosure", "km", "A4", "portrait"),
    ("sextortion-helpline", "km", "A4", "portrait"),
}
"""(pathway, language, page, orientation) with a page of one step wrapped wider (6.7 pt
before)."""


def _cases() -> list[object]:
    chosen = {P1.stem, "online-csam-hotline"}  # the in-person one; the longest title
    # and the step reached from seven pages, whose boxes are gathered
    extra = {("compensation-claim", None, "A4", "portrait")} | WIDE
    out: list[object] = []
    for path in BUNDLED:
        for lang in (None, "km"):
            for page, orientation in SHEETS:
                key = (path.stem, lang, page, orientation)
                if not THOROUGH and path.stem not in chosen and key not in extra:
                    continue
                name = f"{path.stem}-{lang or 'en'}-{page}-{orientation}"
                out.append(pytest.param(path, lang, page, orientation, id=name))
    return out


@requires_dot
@pytest.mark.parametrize(("path", "lang", "page", "orientation"), _cases())
def test_default_sheets_print_at_7pt(
    path: Path, lang: str | None, page: str, orientation: str
) -> None:
    count, scale = _printed(path, lang, page, orientation)
    assert scale >= MIN_SCALE, f"{count} sheets, smallest text at {scale * 9:.2f} pt"


@requires_dot
def test_khmer_default_sheets_print_at_7pt() -> None:
    """Khmer P1 on A3 landscape: every sheet at 7 pt or more, on 9 sheets (13 before)."""
    from pypdf import PdfReader

    drawn = sheets(extract(pathways.load(P1), lang="km"), "LR", "A3", "landscape")
    boxes = [PdfReader(io.BytesIO(data)).pages[0].mediabox for _, data in drawn]
    scale = min(scale_to_fit(float(b.width), float(b.height), "A3", "landscape") for b in boxes)
    assert scale >= MIN_SCALE
    assert len(drawn) <= 9
    assert {page.legend_columns for page, _ in drawn} == {5}  # six are too wide in Khmer


@requires_dot
def test_portrait_sheets_run_top_to_bottom_and_take_fewer_sheets() -> None:
    """A4 portrait: top to bottom by default; left to right when asked, which takes more
    sheets (22 against 14 for P1) and prints below 7 pt (one step with its lane title and
    boxes is wider than the sheet)."""
    assert default_direction("A4", "portrait") == "TB"
    assert default_direction("A4", "landscape") == default_direction(None, "portrait") == "LR"
    diagram = extract(pathways.load(P1))
    down = sheets(diagram, "TB", "A4", "portrait")
    across = sheets(diagram, "LR", "A4", "portrait")
    assert len(down) < len(across)
    assert all(page.narrow for page, _ in across) and not any(page.narrow for page, _ in down)


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


@requires_dot
def test_a_page_of_one_step_too_tall_top_to_bottom_wraps_wider() -> None:
    """Khmer school-disclosure on A4 portrait: the page of the consent decision alone is the
    one drawn wider (at the usual widths 1,057 points long, over the 1,010 the sheet holds
    at 7 pt), on as many sheets as before (11); its step's lines are longer, fewer."""
    from pathways.render.dot import draw_source

    diagram = extract(pathways.load(Path("pathways/kh/school-disclosure.yaml")), lang="km")
    drawn = sheets(diagram, "TB", "A4", "portrait")
    assert len(drawn) == 11
    assert [[n.id for n in page.nodes] for page, _ in drawn if page.wide] == [["consent"]]
    (page,) = (page for page, _ in drawn if page.wide)
    wide, usual = (draw_source(replace(page, wide=w), "TB", compact=True) for w in (True, False))
    assert wide.count("<TR><TD") < usual.count("<TR><TD")


def test_a_bands_many_incoming_boxes_are_gathered_into_one() -> None:
    """compensation-claim's DoSVY follow-up, alone on a page, is reached from seven steps on
    other pages: one "from page N" box lists them all (seven boxes side by side were wider
    than an A4 portrait sheet at 7 pt: 5.8 pt), with one arrow per kind of transition; a band
    with three or fewer keeps a box for each."""
    from pathways.render.pages import _sub

    diagram = extract(pathways.load(Path("pathways/kh/compensation-claim.yaml")))
    ids = [node.id for node in diagram.nodes]
    page_of = {step: 0 if step == "dosvy_followup" else 1 + k % 5 for k, step in enumerate(ids)}
    sub = _sub(diagram, frozenset({"dosvy_followup"}), page_of)
    incoming = [marker for marker in sub.markers if marker.incoming]
    sources = {e.source for e in diagram.edges if e.target == "dosvy_followup"}
    assert len(sources) > 3
    assert [marker.id for marker in incoming] == ["@from-" + str(incoming[0].lane)]
    assert incoming[0].text.count("from page") == len(sources)
    into = [e for e in sub.edges if e.target == "dosvy_followup"]
    assert {e.source for e in into} == {incoming[0].id}
    assert len(into) == len({e.kind for e in into})
    few = _sub(diagram, frozenset(ids[:3]), page_of)
    assert all("\n" not in marker.text for marker in few.markers)
