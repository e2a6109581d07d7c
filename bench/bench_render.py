"""Rendering: ``pathways.render`` against a bare Graphviz drawing of the same graph, side by side.

The baseline is the least any Graphviz diagram of a pathway costs: one plain node per step and
one plain edge per transition, no lanes, labels, legend or escaping, drawn by the same ``dot``.
Ours adds the swimlane clusters, HTML labels, badges, deadlines and the legend, so the ratio
is the price of the working-group picture. Mermaid needs no binary and is timed alone.
Run: ``python bench/bench_render.py [--quick]``; ``--pagination [--against REV]`` times the
A3 PDF of every bundled pathway (and P1 in Khmer) beside a one-page PDF and beside the
pagination of git revision REV (``pages.py`` loaded from git: the pages laid out one by
one), in one run: interleaved rounds, wall and CPU time, the median of the rounds' ratios
(the table also goes to ``bench/results/render_pagination.md``). ``bench/clip_prototype.py``
(removed, in git at 6971692) timed the sheets cut from one drawing (now
``pathways.render.clip``) beside them.
``--help`` prints this and runs nothing.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import graphviz

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, md_table, median_time, shared_module, to_document

import pathways as pw
from pathways.render import to_dot, to_mermaid

SECTORS = ("police", "social", "health", "justice", "ngo", "hotline")


def with_agencies(doc: dict[str, Any], count: int = 6) -> dict[str, Any]:
    """Spread the generated roles over ``count`` agencies, so there are lanes to draw."""
    agencies = [
        {"id": f"agency{i}", "name": f"Agency {i}", "sector": SECTORS[i % len(SECTORS)]}
        for i in range(count)
    ]
    roles = [{**r, "agency": f"agency{i % count}"} for i, r in enumerate(doc["roles"])]
    return {**doc, "agencies": agencies, "roles": roles}


def bare(p: pw.Pathway) -> graphviz.Digraph:
    g = graphviz.Digraph(graph_attr={"rankdir": "LR"})
    for step in p.steps:
        g.node(step.id)
    for t in p.transitions:
        g.edge(t.source, t.to)
    return g


def previous_a3(p: pw.Pathway, out: Path) -> int:
    """The A3 PDF as the previous algorithm made it (``previous_pagination.paginate``: every
    piece laid out on its own, neighbours tried together, then every page drawn and placed
    with pypdf): the number of pages. Not in the ``--pagination`` run any more (two sessions
    behind; its figures are in docs/performance.md)."""
    from dataclasses import replace

    from previous_pagination import paginate, pdf

    from pathways.i18n import tr
    from pathways.render import pages
    from pathways.render.extract import extract

    diagram = extract(p)
    pieces = paginate(diagram)
    page_of = {step: n for n, piece in enumerate(pieces) for step in piece}
    drawn = [
        replace(
            pages._sub(diagram, piece, page_of),
            page=tr("page {number} of {total}", None).format(number=n + 1, total=len(pieces)),
        )
        for n, piece in enumerate(pieces)
    ]
    out.write_bytes(pdf(drawn))
    return len(drawn)


def cpu_time(fn: Callable[[], object], repeats: int = 3) -> float:
    """Median CPU time (user + system) of ``fn()``: this process and the ``dot`` processes it
    waited for. CPU time suffers less than wall time from a loaded machine."""
    import resource
    import statistics

    def now() -> float:
        own, children = (
            resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        )
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    times = []
    for _ in range(repeats):
        t0 = now()
        fn()
        times.append(now() - t0)
    return statistics.median(times)


def pages_at(rev: str) -> Any:
    """``pathways.render.pages`` as it was at git revision ``rev``, loaded beside today's (it
    runs with today's ``_graphviz`` and ``dot``)."""
    import importlib.util
    import subprocess

    text = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{rev}:src/pathways/render/pages.py"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / f"pages_{rev}.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"pages_{rev}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pagination(
    cases: list[tuple[str, pw.Pathway, str | None]], out: Path, against: str, rounds: int = 9
) -> str:
    """One page, the A3 pagination at git revision ``against`` and today's, side by side in
    one run: ``rounds`` interleaved rounds (each runs the three once, in a rotating order),
    every call timed in wall time and in CPU time (this process and its ``dot`` children).
    Each ratio is the median of the rounds' ratios (a round's three calls see about the same
    load); the times are medians too."""
    import statistics
    import time

    from pypdf import PdfReader

    from pathways.render.extract import extract

    old = pages_at(against)

    def a3(module: Any, p: pw.Pathway, path: Path, lang: str | None) -> None:
        drawn = module.sheets(extract(p, lang=lang))
        path.write_bytes(module.sheets_pdf(drawing for _, drawing in drawn))

    def cpu_now() -> float:
        import resource

        own, children = (
            resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        )
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    rows = []
    for name, p, lang in cases:
        runs = {
            "one": lambda p=p, lang=lang: pw.render(p, out / "one.pdf", page=None, lang=lang),
            "before": lambda p=p, lang=lang: a3(old, p, out / "before.pdf", lang),
            "now": lambda p=p, lang=lang: pw.render(p, out / "now.pdf", lang=lang),
        }
        for fn in runs.values():  # warm: imports, caches
            fn()
        wall: dict[str, list[float]] = {key: [] for key in runs}
        cpu: dict[str, list[float]] = {key: [] for key in runs}
        keys = list(runs)
        for r in range(rounds):
            for key in keys[r % 3 :] + keys[: r % 3]:
                t0, c0 = time.perf_counter(), cpu_now()
                runs[key]()
                wall[key].append(time.perf_counter() - t0)
                cpu[key].append(cpu_now() - c0)
        same = (out / "before.pdf").read_bytes() == (out / "now.pdf").read_bytes()

        def cell(times: dict[str, list[float]], key: str) -> str:
            ms = statistics.median(times[key]) * 1000
            if key == "one":
                return f"{ms:,.0f} ms"
            ratio = statistics.median(a / b for a, b in zip(times[key], times["one"], strict=True))
            return f"{ms:,.0f} ms ({ratio:.1f}x)"

        rows.append(
            [
                name,
                *(cell(wall, key) for key in keys),
                *(cell(cpu, key) for key in keys),
                f"{len(PdfReader(out / 'before.pdf').pages)} / "
                f"{len(PdfReader(out / 'now.pdf').pages)}",
                "yes" if same else "no",
            ]
        )
    return md_table(
        [
            "pathway",
            "wall: one page",
            f"A3 at {against}",
            "A3 now",
            "CPU: one page",
            f"A3 at {against}",
            "A3 now",
            "sheets: before / now",
            "same bytes",
        ],
        rows,
    )


def main() -> None:
    if "--help" in sys.argv or "-h" in sys.argv:
        print(__doc__)
        return
    quick = "--quick" in sys.argv
    if "--pagination" in sys.argv:
        out = Path(tempfile.mkdtemp())
        named: list[tuple[str, pw.Pathway, str | None]] = [
            (path.stem, pw.load(path), None)
            for path in sorted((REPO / "pathways/kh").glob("*.yaml"))
        ]
        gen = shared_module("gen")
        doc = with_agencies(to_document(gen.layered(50, 0), "gen-50"))
        named.append(("layered 50 steps, 6 agencies", pw.loads(json.dumps(doc)), None))
        p1 = pw.load(REPO / "pathways/kh/csa-in-person.yaml")
        named.append(("csa-in-person in Khmer", p1, "km"))
        against = sys.argv[sys.argv.index("--against") + 1] if "--against" in sys.argv else "HEAD"
        table = pagination(named, out, against)
        print(table)
        load = " / ".join(f"{v:.1f}" for v in os.getloadavg())
        (REPO / "bench" / "results" / "render_pagination.md").write_text(
            "# Rendering: A3 sheets / one-page PDF (`bench_render.py --pagination`)\n\n"
            f"9 interleaved rounds, the median of the rounds' ratios; load average at the end "
            f"{load} on {os.cpu_count()} cores.\n\n{table}\n",
            encoding="utf-8",
        )
        return
    gen = shared_module("gen")
    cases: list[tuple[str, pw.Pathway]] = [
        (
            "bundled P1 (22 steps, 8 agencies)",
            pw.load(REPO / "pathways/kh/csa-in-person.yaml"),
        )
    ]
    for size in [50] if quick else [50, 200]:
        doc = with_agencies(to_document(gen.layered(size, 0), f"gen-{size}"))
        cases.append((f"layered {size} steps, 6 agencies", pw.loads(json.dumps(doc))))
    rows = []
    out = Path(tempfile.mkdtemp())
    for name, p in cases:
        base_svg = median_time(lambda p=p: bare(p).pipe(format="svg"), repeats=3)
        ours_dot = median_time(lambda p=p: to_dot(p).source)
        ours_svg = median_time(lambda p=p: pw.render(p, out / "x.svg"), repeats=3)
        ours_png = median_time(lambda p=p: pw.render(p, out / "x.png"), repeats=3)
        ours_mmd = median_time(lambda p=p: to_mermaid(p))
        one_pdf = median_time(lambda p=p: pw.render(p, out / "x.pdf", page=None), repeats=3)
        a3_pdf = median_time(lambda p=p: pw.render(p, out / "x.pdf"), repeats=3)
        rows.append(
            [
                name,
                f"{base_svg * 1000:,.0f} ms",
                f"{ours_svg * 1000:,.0f} ms",
                f"{ours_svg / base_svg:.2f}x",
                f"{ours_png * 1000:,.0f} ms",
                f"{ours_dot * 1000:,.1f} ms",
                f"{ours_mmd * 1000:,.1f} ms",
                f"{one_pdf * 1000:,.0f} ms",
                f"{a3_pdf * 1000:,.0f} ms",
                f"{a3_pdf / one_pdf:.2f}x",
            ]
        )
    table = md_table(
        [
            "pathway",
            "bare Graphviz SVG",
            "pathways.render SVG",
            "ratio",
            "pathways.render PNG",
            "to_dot (no binary)",
            "to_mermaid",
            "PDF, one page",
            "PDF, A3 sheets",
            "A3 / one page",
        ],
        rows,
    )
    print(table)
    if not quick:
        version = graphviz.version()
        text = (
            "# Rendering: pathways.render vs a bare Graphviz drawing\n\n"
            f"Graphviz {'.'.join(map(str, version))}; median of up to 5 runs (3 for drawings). "
            "The baseline draws the same steps and transitions as plain nodes and edges with "
            "the same `dot`; ours adds lanes, HTML labels, badges, deadlines and the legend.\n\n"
            f"{table}\n"
        )
        (REPO / "bench" / "results" / "render.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
