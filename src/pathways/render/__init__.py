"""Diagrams of pathways: Graphviz swimlanes (SVG, PNG, PDF, DOT) and Mermaid flowcharts.

``extract`` builds a format-neutral diagram model (visibility and language are applied there);
``dot`` and ``mermaid`` draw it. :func:`render` picks the format from the output's suffix.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pathways._callable import make_callable
from pathways.errors import RenderError
from pathways.render._graphviz import run_dot

if TYPE_CHECKING:
    import graphviz

    from pathways.findings import Finding
    from pathways.model import Pathway, Visibility

__all__ = [
    "FORMATS",
    "GRAPHVIZ_FORMATS",
    "Traced",
    "render",
    "run_dot",
    "to_dot",
    "to_mermaid",
]


class Traced(Protocol):
    """What :func:`render` reads of a :class:`pathways.trace.Trace`."""

    @property
    def facts(self) -> Mapping[str, object]: ...
    @property
    def steps(self) -> Collection[str]: ...
    @property
    def transitions(self) -> Collection[int]: ...
    @property
    def fallbacks(self) -> Collection[int]: ...


GRAPHVIZ_FORMATS = (".svg", ".png", ".pdf")
"""Suffixes drawn by the Graphviz ``dot`` binary."""

FORMATS = (".svg", ".png", ".pdf", ".dot", ".mmd")
"""Every suffix :func:`render` writes."""


def _as_pathway(pathway: Pathway | str | os.PathLike[str]) -> Pathway:
    if isinstance(pathway, str | os.PathLike):
        from pathways.load import load

        return load(pathway)
    return pathway


def to_dot(
    pathway: Pathway,
    *,
    lang: str | None = None,
    visibility: str | Visibility = "partners",
    findings: Sequence[Finding] | None = None,
    simulation: object | None = None,
    direction: str = "LR",
    since: Pathway | None = None,
    renames: Mapping[str, str] | None = None,
) -> graphviz.Digraph:
    """The pathway as a Graphviz digraph (swimlanes per agency); needs no binary.

    Parameters are those of :func:`render`.

    Examples
    --------
    >>> import pathways as pw
    >>> from pathways.render import to_dot
    >>> g = to_dot(pw.load("pathways/kh/csa-in-person.yaml"))
    >>> g.source.count("subgraph cluster_lane")
    8
    """
    from pathways.render.dot import draw
    from pathways.render.extract import extract

    return draw(
        extract(
            pathway,
            lang=lang,
            visibility=visibility,
            findings=findings,
            simulation=simulation,
            since=since,
            renames=renames,
        ),
        direction.upper(),
    )


def to_mermaid(
    pathway: Pathway,
    *,
    lang: str | None = None,
    visibility: str | Visibility = "partners",
    findings: Sequence[Finding] | None = None,
    simulation: object | None = None,
    direction: str = "LR",
    since: Pathway | None = None,
    renames: Mapping[str, str] | None = None,
) -> str:
    """The pathway as a Mermaid flowchart, one subgraph per agency; needs no binary.

    Parameters are those of :func:`render`.

    Examples
    --------
    >>> import pathways as pw
    >>> from pathways.render import to_mermaid
    >>> to_mermaid(pw.load("pathways/kh/csa-in-person.yaml")).splitlines()[0]
    'flowchart LR'
    """
    from pathways.render.extract import extract
    from pathways.render.mermaid import draw

    return draw(
        extract(
            pathway,
            lang=lang,
            visibility=visibility,
            findings=findings,
            simulation=simulation,
            since=since,
            renames=renames,
        ),
        direction.upper(),
    )


def _graphviz_bytes(dot: graphviz.Digraph, fmt: str) -> bytes:
    return run_dot(dot.source, fmt)


def render(
    pathway: Pathway | str | os.PathLike[str],
    path: str | os.PathLike[str],
    *,
    lang: str | None = None,
    visibility: str | Visibility = "partners",
    findings: Sequence[Finding] | None = None,
    simulation: object | None = None,
    direction: str | None = None,
    page: str | None = "A3",
    orientation: str = "landscape",
    since: Pathway | None = None,
    renames: Mapping[str, str] | None = None,
    trace: Traced | None = None,
) -> Path:
    """Draw a pathway to ``path``; the format comes from its suffix.

    Parameters
    ----------
    pathway
        A loaded pathway (or the path of a file to load).
    path
        Where to write: ``.svg``, ``.png``, ``.pdf`` (drawn by Graphviz's ``dot``), ``.dot``
        (Graphviz source) or ``.mmd`` (a Mermaid flowchart). Folders are created.
    lang
        Locale of the labels, falling back to the pathway's first locale. ``"km"`` draws with
        a Khmer font (fonts-khmeros).
    visibility
        ``public``, ``partners`` (default) or ``restricted``: who will see the output.
        Contacts and agencies above it are never written; such an agency's steps are drawn in
        an anonymous "(restricted agency)" lane.
    findings
        Findings to overlay, e.g. ``pathways.check(p)``: steps and transitions with an error
        are outlined red, with a warning amber, and carry their codes.
    simulation
        ``pathways simulate``'s JSON object (or a result with ``.to_dict()``): steps are filled
        by the mean wait of their role and show their visits; edges are as thick as their flow.
    direction
        ``LR``: one horizontal band per agency, the case flowing left to right; ``TB``: one
        column per agency, the case flowing top to bottom. ``None`` (default): along the
        sheet's long side, ``TB`` on portrait PDF sheets, otherwise ``LR``
        (:func:`pathways.render.pages.default_direction`).
    page
        PDF only: ``A3`` (default) or ``A4`` sheets. The pathway is split over as many sheets
        as it needs for its smallest text to print at 7 pt or more, at phase boundaries
        (along the flow) or agency boundaries (between bands), with "to page N" / "from
        page N" markers where a transition crosses sheets and a compact legend on each.
        ``None``: one page the size of the whole drawing.
    orientation
        PDF sheets: ``landscape`` (default) or ``portrait``.
    since
        An earlier version of the pathway: what was added since is outlined purple and marked
        "new since X", what was removed is drawn dashed and grey, marked "removed since X"
        (matched as :func:`pathways.diff` matches; ``renames`` maps old step ids to new ones).
    trace
        A :func:`pathways.trace.trace` result: the steps and transitions a case with those
        facts can go through are drawn bold, the rest greyed.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    RenderError
        The suffix is not supported, or Graphviz is missing (for SVG, PNG, PDF) or failed.
    ValueError
        ``visibility`` is not one of the three levels.
    """
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise RenderError(
            f"cannot render to {str(out)!r}: unknown suffix {suffix or '(none)'!r}; "
            f"use one of {', '.join(FORMATS)}"
        )
    from pathways.render.dot import DIRECTIONS
    from pathways.render.dot import draw as draw_dot
    from pathways.render.extract import extract
    from pathways.render.mermaid import draw as draw_mermaid

    if direction is not None and direction.upper() not in DIRECTIONS:
        raise RenderError(f"unknown direction {direction!r}; use LR or TB")
    sheets_of = None  # the paper of a PDF's sheets (A3, A4), in capitals
    if suffix == ".pdf" and page is not None:
        from pathways.render.pages import page_area

        page_area(page, orientation)  # refuses an unknown size or orientation first
        sheets_of = page.upper()
    if direction is None:
        from pathways.render.pages import default_direction

        direction = default_direction(sheets_of, orientation)
    direction = direction.upper()

    loaded = _as_pathway(pathway)
    diagram = extract(
        loaded,
        lang=lang,
        visibility=visibility,
        findings=findings,
        simulation=simulation,
        since=since,
        renames=renames,
    )
    if trace is not None:
        from pathways.findings import CaseWords, case_text
        from pathways.render.extract import light

        # fields by their labels, values as people read them, as `trace` writes them
        facts = case_text(trace.facts, words=CaseWords.of(loaded, lang))
        diagram = light(diagram, trace.steps, trace.transitions, trace.fallbacks, facts)
    if suffix == ".mmd":
        data = draw_mermaid(diagram, direction).encode("utf-8")
    elif sheets_of is not None:
        from pathways.render.clip import clipped_pdf
        from pathways.render.pages import sheets, sheets_pdf

        # A3: one drawing cut into sheets where that keeps every step and text whole on a
        # sheet (as many sheets as the pages laid out one by one, at half the cost);
        # otherwise (top to bottom, a band taller than a sheet) and on A4, where the pages
        # laid out one by one take fewer sheets, each page on its own.
        clipped = (
            clipped_pdf(diagram, direction, sheets_of, orientation) if sheets_of == "A3" else None
        )
        if clipped is not None:
            data = clipped
        else:
            drawn = sheets(diagram, direction, sheets_of, orientation)
            data = sheets_pdf((drawing for _, drawing in drawn), sheets_of, orientation)
    else:
        dot = draw_dot(diagram, direction)
        data = dot.source.encode("utf-8") if suffix == ".dot" else _graphviz_bytes(dot, suffix[1:])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out


make_callable(__name__, render)  # `pathways.render` stays callable after submodule imports
