"""The HTML report: one self-contained page per pathway plus an index, for working groups.

:func:`write_report` loads each pathway, checks it, computes its route statistics, simulates
it, draws it (through :func:`pathways.render`, inlined as SVG) and writes the pages with
:mod:`pathways.report.html`. A part that cannot be produced (no Graphviz, a pathway that cannot
be simulated) becomes a note on the page, never an exception.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from pathways.errors import LoadError, PathwayError
from pathways.findings import Finding, Severity
from pathways.i18n import N_, counted, tr
from pathways.load import pathway_files
from pathways.model import Pathway, Visibility, label_text
from pathways.report.html import (
    IndexEntry,
    PageParts,
    index_page,
    load_error_page,
    pathway_page,
    safe_href,
)
from pathways.visibility import policy, seen_load_findings, view

__all__ = ["DEFAULT_DOCS_BASE", "build_parts", "pathway_report", "write_report"]

DEFAULT_DOCS_BASE = ""
"""Where rule links point by default: "" is the rule pages written beside the report
(``rules/PW305.html``), which work offline. Pass ``docs_base="https://..."`` (or a path such
as ``../site/``) to link into a docs site instead."""

_FORBIDDEN_ELEMENTS = frozenset(
    {"script", "foreignobject", "iframe", "object", "embed", "image", "feimage", "use", "style"}
)

Source = str | os.PathLike[str] | Pathway


def _expand(items: Source | Iterable[Source]) -> list[Path | Pathway]:
    if isinstance(items, str | os.PathLike | Pathway):
        items = [items]
    out: list[Path | Pathway] = []
    for item in items:
        if isinstance(item, Pathway):
            out.append(item)
            continue
        path = Path(item)
        out.extend(pathway_files(path) if path.is_dir() else [path])
    return out


def _inline_svg(text: str) -> str | None:
    """The ``<svg>`` element of an SVG file, without prolog, doctype or comments before it.

    Returns None when the SVG holds anything that could run or fetch (scripts, foreign
    objects, external references, event handlers): the renderer escapes labels, and this is
    the second lock on the door.
    """
    start = text.find("<svg")
    if start < 0:
        return None
    svg = text[start:].strip()
    try:
        root = ElementTree.fromstring(svg)
    except ElementTree.ParseError:
        return None
    for element in root.iter():
        tag = str(element.tag).rsplit("}", 1)[-1].lower()
        if tag in _FORBIDDEN_ELEMENTS:
            return None
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on") or "url(" in value.replace(" ", "").lower():
                return None
            if local == "href" and not (value.startswith("#") or safe_href(value)):
                return None
    return svg


def _diagram(
    pathway: Pathway,
    *,
    lang: str | None,
    visibility: Visibility,
    findings: Sequence[Finding],
    simulation: Mapping[str, Any] | None,
    since: Pathway | None = None,
) -> tuple[str | None, str | None]:
    from pathways.render import render

    with tempfile.TemporaryDirectory(prefix="pathways-report-") as tmp:
        out = Path(tmp) / f"{pathway.id}.svg"
        try:
            render(
                pathway,
                out,
                lang=lang,
                visibility=visibility.value,
                findings=list(findings),
                simulation=dict(simulation) if simulation is not None else None,
                since=since,
            )
        except PathwayError as exc:
            return None, _why(N_("No diagram: {problem}"), exc, lang)
        svg = _inline_svg(out.read_text(encoding="utf-8"))
    if svg is None:
        return None, tr("The diagram was withheld: its SVG held markup that is not allowed.", lang)
    return svg, None


def _why(template: str, exc: Exception, lang: str | None) -> str:
    """A note of the report (``No diagram: <why>``) in ``lang``; the why whole or in English,
    as the commands print their errors (:func:`pathways.messages.error_message`)."""
    from pathways.messages import error_message

    return tr(template, lang).format(problem=error_message(str(exc), lang))


def _routes(pathway: Pathway, lang: str | None = None) -> tuple[dict[str, Any] | None, str | None]:
    from pathways.routes import route_stats

    try:
        return dict(route_stats(pathway).to_dict()), None
    except PathwayError as exc:
        return None, _why(N_("No route statistics: {problem}"), exc, lang)


def _simulate(
    pathway: Pathway, findings: Sequence[Finding], lang: str | None = None, **options: Any
) -> tuple[dict[str, Any] | None, str | None]:
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if errors:
        words = tr("Not simulated: the pathway has {errors}; fix them first.", lang)
        if len(errors) == 1:
            words = tr("Not simulated: the pathway has {errors}; fix it first.", lang)
        return None, words.format(errors=counted(len(errors), "error", lang))
    from pathways.simulate import simulate

    try:
        result = simulate(pathway, **options)
    except PathwayError as exc:
        return None, _not_simulated(exc, lang)
    data: dict[str, Any] = dict(result.to_dict())
    # Raw times draw a true histogram; without them the chart is sketched from quantiles.
    times = data.get("time_to_outcome_hours")
    if isinstance(times, dict):
        data["time_to_outcome_hours"] = {**times, "histogram": result.time_to_outcome_histogram()}
    return data, None


def _not_simulated(exc: Exception, lang: str | None) -> str:
    """``Not simulated: <why>`` in ``lang``; the why whole or in English, as ``simulate``
    prints its errors (:func:`pathways.messages.error_message`)."""
    return _why(N_("Not simulated: {problem}"), exc, lang)


def _scenarios(
    original: Pathway,
    vis: Visibility,
    lang: str | None,
    base: Mapping[str, Any],
    options: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """Each scenario of the file run like the baseline (same seed and options) on the reader's
    view of the changed pathway: its description, changes, result (or a note saying why not)
    and, as ``--compare`` gives them, the differences from the baseline and plain sentences."""
    from pathways.simulate.compare import change_words, differences, headline_sentences
    from pathways.simulate.overrides import apply_overrides

    out: list[dict[str, Any]] = []
    locales = tuple(original.locales)
    deadline_names = {d.id: label_text(d.label, lang, locales) or d.id for d in original.deadlines}
    for scenario in original.scenarios:
        about = label_text(scenario.description, lang, tuple(original.locales)) or ""
        entry: dict[str, Any] = {
            "name": scenario.name,
            "description": about,
            "changes": list(scenario.overrides),
            "said": change_words(original, scenario.overrides, lang),
        }
        try:
            what = view(apply_overrides(original, scenario.overrides), vis)
        except PathwayError as exc:
            entry["note"] = _not_simulated(exc, lang)
            out.append(entry)
            continue
        result, note = _simulate(what, (), lang, **options)
        if result is None:
            entry["note"] = note
        else:
            entry["result"] = result
            entry["differences"] = differences(base, result)
            entry["sentences"] = headline_sentences(
                about or scenario.name, result, base, lang, deadline_names
            )
        out.append(entry)
    return out


def build_parts(
    pathway: Pathway,
    *,
    lang: str | None = None,
    visibility: Visibility | str = Visibility.PARTNERS,
    today: dt.date | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    simulation: bool = True,
    cases: int = 10_000,
    seed: int = 0,
    workers: int = 1,
    arrivals_per_day: float | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    docs_base: str = DEFAULT_DOCS_BASE,
    diagram: bool = True,
    since: Pathway | str | None = None,
) -> PageParts:
    """Gather everything one pathway's page shows: findings, routes, simulation, diagram.

    Every part is built from the reader's view of the pathway
    (:func:`pathways.visibility.view`), so finding messages, tables and charts only name what
    a reader at ``visibility`` may see. ``since`` is an earlier version (a pathway, or a note
    saying why there is none): the page then has a "Changes since version X" section, the
    :func:`pathways.diff` of the two views.
    """
    from pathways.rules import check

    vis = Visibility(visibility)
    original, pathway = pathway, view(pathway, vis)
    findings = check(pathway, select=select, ignore=ignore, today=today)
    routes, routes_note = _routes(pathway, lang)
    sim: dict[str, Any] | None = None
    scenarios: list[dict[str, Any]] = []
    sim_note: str | None = tr("Simulation was turned off for this report.", lang)
    if simulation:
        options: dict[str, Any] = {"cases": cases, "seed": seed, "workers": workers}
        if arrivals_per_day is not None:
            options["arrivals_per_day"] = arrivals_per_day
        if scheduler is not None:
            options["scheduler"] = scheduler
        if progress:
            options["progress"] = True
        sim, sim_note = _simulate(pathway, findings, lang, **options)
        if sim is not None and original.scenarios:
            scenarios = _scenarios(original, vis, lang, sim, options)
    svg: str | None = None
    svg_note: str | None = tr("Diagram turned off.", lang)
    if diagram and policy(pathway, vis).pathway_visible:
        svg, svg_note = _diagram(
            original,
            lang=lang,
            visibility=vis,
            findings=findings,
            simulation=sim,
            since=since if isinstance(since, Pathway) else None,
        )
    changes, changes_note = None, None
    if isinstance(since, Pathway):
        from pathways.versions import diff

        changes = diff(view(since, vis), pathway, lang=lang, today=today)
    elif isinstance(since, str):
        changes_note = since
    return PageParts(
        changes=changes,
        changes_note=changes_note,
        pathway=original,
        findings=findings,
        routes=routes,
        routes_note=routes_note,
        simulation=sim,
        simulation_note=sim_note,
        scenarios=scenarios,
        diagram_svg=svg,
        diagram_note=svg_note,
        lang=lang,
        visibility=vis,
        docs_base=docs_base,
    )


def pathway_report(pathway: Pathway, **options: Any) -> str:
    """One pathway's report page as an HTML string (options as :func:`build_parts`)."""
    from pathways._version import __version__

    today = options.get("today")
    parts = build_parts(pathway, **options)
    return pathway_page(parts, date=today or dt.date.today(), version=__version__)


def _page_name(ident: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9-]+", "-", ident.lower()).strip("-") or "pathway"
    if base == "index":
        base = "index-pathway"
    name, n = f"{base}.html", 2
    while name in taken:
        name, n = f"{base}-{n}.html", n + 1
    taken.add(name)
    return name


def _headline(sim: Mapping[str, Any] | None, lang: str | None = None) -> str:
    if not sim:
        return ""
    from pathways.report.charts import format_hours

    t = sim.get("time_to_outcome_hours") or {}
    outcomes = sim.get("outcomes") or {}
    top = max(outcomes.items(), key=lambda kv: kv[1].get("share", 0), default=None)
    parts = []
    if isinstance(t.get("p50"), int | float):
        time = format_hours(float(t["p50"]), lang)
        parts.append(tr("median {time} to outcome", lang).format(time=time))
    if top is not None:
        parts.append(f"{float(top[1].get('share', 0)):.0%} {top[0]}")
    return "; ".join(parts)


def _earlier(since: str | None, pathway: Pathway) -> Pathway | str | None:
    """The earlier version of ``pathway`` that ``--since`` names, or a note saying why there
    is none (the page says so instead of failing the report)."""
    if since is None:
        return None
    from pathways.versions import earlier_version

    try:
        return earlier_version(since, pathway)
    except ValueError as exc:
        return str(exc)


def write_report(
    paths_or_pathways: Source | Iterable[Source],
    out_dir: str | os.PathLike[str],
    *,
    lang: str | None = None,
    visibility: Visibility | str = Visibility.PARTNERS,
    cases: int = 10_000,
    seed: int = 0,
    workers: int = 1,
    arrivals_per_day: float | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    today: dt.date | None = None,
    simulation: bool = True,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    docs_base: str = DEFAULT_DOCS_BASE,
    since: str | None = None,
) -> Path:
    """Write one HTML page per pathway and an ``index.html`` into ``out_dir``.

    Parameters
    ----------
    paths_or_pathways : path, Pathway, or an iterable of them
        Files, folders (every ``*.yaml``, ``*.yml``, ``*.json`` below) or loaded pathways.
    out_dir : path
        Created if missing; pages are named after pathway ids.
    lang : str, optional
        The locale for labels (default: each pathway's first locale).
    visibility : {"public", "partners", "restricted"}
        Who the report is for: contacts and agencies marked above it never appear.
    cases, seed, workers, arrivals_per_day, scheduler, progress
        Simulation options, as for :func:`pathways.simulate` (``progress``: a bar on stderr
        for each pathway's run).
    today : date, optional
        The date PW502 measures contact age from, and the date printed on the pages.
    simulation : bool
        False leaves the simulation out (faster).
    select, ignore : sequence of str, optional
        Rule codes or prefixes, as for :func:`pathways.check`.
    docs_base : str
        Base of the docs site rule links point into (see :data:`DEFAULT_DOCS_BASE`).
    since : str, optional
        An earlier version to compare each pathway with (a "Changes since version X" section):
        a git revision (each file as it was there, ``git:REV:./PATH``) or, for a single
        pathway, a file.

    Returns
    -------
    Path
        The path of ``index.html``.

    Examples
    --------
    >>> import pathways.report as report, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     index = report.write_report("pathways/kh/csa-in-person.yaml", tmp, simulation=False)
    ...     index.name, sorted(p.name for p in index.parent.iterdir())
    ('index.html', ['index.html', 'kh-csa-in-person.html'])
    """
    from pathways._version import __version__
    from pathways.load import load

    vis = Visibility(visibility)
    date = today or dt.date.today()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    entries: list[IndexEntry] = []
    cited: set[str] = set()
    for item in _expand(paths_or_pathways):
        if isinstance(item, Pathway):
            pathway = item
        else:
            try:
                pathway = load(item)
            except LoadError as exc:
                name = _page_name(item.stem, taken)
                (out / name).write_text(
                    load_error_page(
                        str(item),
                        seen_load_findings(item, vis, exc.findings),
                        docs_base=docs_base,
                        visibility=vis.value,
                        date=date,
                        version=__version__,
                        lang=lang,
                    ),
                    encoding="utf-8",
                )
                entries.append(
                    IndexEntry(
                        name, item.name, item.stem, str(item), len(exc.findings), 0, 0, loaded=False
                    )
                )
                cited.update(f.code for f in exc.findings)
                continue
        parts = build_parts(
            pathway,
            since=_earlier(since, pathway),
            lang=lang,
            visibility=vis,
            today=today,
            select=select,
            ignore=ignore,
            simulation=simulation,
            cases=cases,
            seed=seed,
            workers=workers,
            arrivals_per_day=arrivals_per_day,
            scheduler=scheduler,
            progress=progress,
            docs_base=docs_base,
        )
        name = _page_name(pathway.id, taken)
        (out / name).write_text(
            pathway_page(parts, date=date, version=__version__), encoding="utf-8"
        )
        cited.update(f.code for f in parts.findings)
        count = {s: sum(1 for f in parts.findings if f.severity is s) for s in Severity}
        shown = policy(pathway, vis).pathway_visible
        title = label_text(pathway.title, lang, pathway.locales) if shown else ""
        entries.append(
            IndexEntry(
                name,
                title or pathway.id,
                pathway.id,
                pathway.file,
                count[Severity.ERROR],
                count[Severity.WARNING],
                count[Severity.INFO],
                headline=_headline(parts.simulation, lang) if shown else "",
                lang=lang or pathway.locales[0],
            )
        )
    if not docs_base:
        from pathways.report.html import plain_page
        from pathways.report.rule_pages import write_rule_pages

        def page(body: str, *, title: str) -> str:
            return plain_page(
                body, title=title, visibility=vis.value, date=date, version=__version__
            )

        write_rule_pages(out, cited, page)
    index = out / "index.html"
    index.write_text(
        index_page(
            entries, lang=lang or "en", visibility=vis.value, date=date, version=__version__
        ),
        encoding="utf-8",
    )
    return index
