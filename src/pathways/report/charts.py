"""Inline SVG charts for the HTML report: plain strings, no JavaScript, every label escaped.

Each function returns one ``<svg>`` element sized in CSS pixels, with ``role="img"``, an
``aria-label`` and a ``<title>``, so the chart reads in a screen reader and without styles.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from pathways.i18n import human_hours, tr
from pathways.render._text import printable

__all__ = [
    "bar_chart",
    "format_hours",
    "histogram",
    "histogram_from_quantiles",
    "simulation_charts",
]

WIDTH = 640
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
"""Okabe-Ito colours: safe for colour-blind readers."""


def _e(text: object) -> str:
    return escape(printable(str(text)), quote=True)  # controls and bidi overrides: U+FFFD


def format_hours(hours: float, lang: str | None = None) -> str:
    """Hours as the one duration format of every output (:func:`pathways.i18n.human_hours`,
    in ``lang``): ``30 min``, ``5.2 h``, ``74 h (3.1 days)``, ``1,000 h (6 weeks)``.

    Examples
    --------
    >>> from pathways.report.charts import format_hours
    >>> format_hours(0.5), format_hours(5.25), format_hours(74), format_hours(1000)
    ('30 min', '5.2 h', '74 h (3.1 days)', '1,000 h (6 weeks)')
    """
    if not math.isfinite(hours):
        return "-"
    return human_hours(hours, lang)


def _open(title: str, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{WIDTH}" '
        f'height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{_e(title)}">',
        f"<title>{_e(title)}</title>",
        f'<text x="0" y="16" class="chart-title">{_e(title)}</text>',
    ]


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    unit: str = "share",
    max_value: float | None = None,
    note: str | None = None,
    lang: str | None = None,
) -> str:
    """A horizontal bar chart, one bar per ``(label, value)``.

    Parameters
    ----------
    items : sequence of (str, float)
        Labels (escaped here) and values.
    title : str
        Drawn above the bars and used as the accessible name.
    unit : {"share", "hours", "count"}
        How values are written: ``"share"`` as a percentage (bars scaled to 100%),
        ``"hours"`` through :func:`format_hours`, ``"count"`` as a number.
    max_value : float, optional
        The value a full-width bar stands for (default: 1 for shares, else the largest value).
    note : str, optional
        A line of small text under the chart.
    """
    bar_h, gap, label_w, top = 18, 6, 220, 28
    height = top + max(1, len(items)) * (bar_h + gap) + (22 if note else 6)
    out = _open(title, height)
    if not items:
        empty = _e(tr("no data", lang))
        out.append(f'<text x="0" y="{top + 14}" class="chart-note">{empty}</text>')
    values = [v for _, v in items if math.isfinite(v)]
    full = max_value if max_value is not None else (1.0 if unit == "share" else max(values or [1]))
    full = full if full > 0 else 1.0
    span = WIDTH - label_w - 90
    for i, (label, value) in enumerate(items):
        y = top + i * (bar_h + gap)
        w = 0.0 if not math.isfinite(value) else max(0.0, min(1.0, value / full)) * span
        if unit == "share":
            text = f"{value * 100:.1f}%"
        elif unit == "hours":
            text = format_hours(value, lang)
        else:
            text = f"{value:g}"
        short = label if len(label) <= 34 else label[:33] + "…"
        colour = PALETTE[i % len(PALETTE)]
        out += [
            f"<g><title>{_e(label)}: {_e(text)}</title>",
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" class="chart-label">'
            f"{_e(short)}</text>",
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>',
            f'<text x="{label_w + w + 4:.1f}" y="{y + 13}" class="chart-value">{_e(text)}</text>',
            "</g>",
        ]
    if note:
        out.append(f'<text x="0" y="{height - 6}" class="chart-note">{_e(note)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def histogram(
    edges: Sequence[float],
    counts: Sequence[float],
    *,
    title: str,
    note: str | None = None,
    lang: str | None = None,
) -> str:
    """A histogram of times in hours: ``len(edges) == len(counts) + 1``."""
    if len(edges) != len(counts) + 1 or not counts:
        return bar_chart([], title=title, note=note or tr("no data", lang), lang=lang)
    left, right, top, bottom = 56, 16, 28, 40
    height = 220 + (16 if note else 0)
    plot_h = height - top - bottom - (16 if note else 0)
    plot_w = WIDTH - left - right
    out = _open(title, height)
    peak = max(counts) or 1.0
    lo, hi = float(edges[0]), float(edges[-1])
    span = (hi - lo) or 1.0
    base = top + plot_h
    for i, count in enumerate(counts):
        x0 = left + (edges[i] - lo) / span * plot_w
        x1 = left + (edges[i + 1] - lo) / span * plot_w
        h = count / peak * plot_h
        bin_text = tr("{low} to {high}", lang).format(
            low=format_hours(edges[i], lang), high=format_hours(edges[i + 1], lang)
        )
        out.append(
            f'<rect x="{x0:.1f}" y="{base - h:.1f}" width="{max(0.5, x1 - x0 - 1):.1f}" '
            f'height="{h:.1f}" fill="{PALETTE[0]}"><title>{_e(bin_text)}: {count:,g}</title></rect>'
        )
    out.append(
        f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" class="chart-axis"/>'
    )
    for k in range(5):
        value = lo + span * k / 4
        x = left + plot_w * k / 4
        out.append(
            f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle" class="chart-label">'
            f"{_e(format_hours(value, lang))}</text>"
        )
    out.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{base + 32}" text-anchor="middle" '
        f'class="chart-note">' + _e(tr("time from report to outcome", lang)) + "</text>"
    )
    if note:
        out.append(f'<text x="0" y="{height - 4}" class="chart-note">{_e(note)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def histogram_from_quantiles(
    quantiles: Mapping[str, float], *, cases: int = 1, bins: int = 20
) -> tuple[list[float], list[float]]:
    """Approximate bins from the median, p90 and p99 when raw times are not given.

    The distribution function is taken as piecewise linear through (0, 0), (p50, 0.5),
    (p90, 0.9), (p99, 0.99) and (1.1 * p99, 1); the bins cover 0 to p99. It is a sketch,
    and the report says so under the chart.
    """
    p50 = max(0.0, float(quantiles.get("p50", 0.0)))
    p90 = max(p50, float(quantiles.get("p90", p50)))
    p99 = max(p90, float(quantiles.get("p99", p90)))
    if p99 <= 0:
        return [0.0, 1.0], [float(cases)]
    points = [(0.0, 0.0), (p50, 0.5), (p90, 0.9), (p99, 0.99), (p99 * 1.1, 1.0)]

    def cdf(x: float) -> float:
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            if x <= x1:
                return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)
        return 1.0

    edges = [p99 * i / bins for i in range(bins + 1)]
    counts = [(cdf(b) - cdf(a)) * cases for a, b in itertools.pairwise(edges)]
    return edges, counts


def simulation_charts(
    sim: Mapping[str, Any], *, role_names: Mapping[str, str], lang: str | None = None
) -> list[str]:
    """Every chart of a simulation result (SPEC section 5's JSON), in report order.

    A ``time_to_outcome_hours.histogram`` of ``{"edges": [...], "counts": [...]}`` is drawn
    as given; without it the histogram is approximated from the quantiles.
    """
    charts: list[str] = []
    times = sim.get("time_to_outcome_hours") or {}
    hist = times.get("histogram") if isinstance(times, Mapping) else None
    if isinstance(hist, Mapping) and hist.get("edges") and hist.get("counts"):
        charts.append(
            histogram(
                [float(x) for x in hist["edges"]],
                [float(x) for x in hist["counts"]],
                title=tr("Time to outcome (cases per bin)", lang),
                lang=lang,
            )
        )
    elif isinstance(times, Mapping) and isinstance(times.get("p50"), int | float):
        # (no case reached an outcome: the quantiles are None, and there is nothing to draw)
        edges, counts = histogram_from_quantiles(times, cases=int(sim.get("cases", 1) or 1))
        charts.append(
            histogram(
                edges,
                counts,
                title=tr("Time to outcome (cases per bin)", lang),
                note=tr("approximated from the median, p90 and p99", lang),
                lang=lang,
            )
        )
    outcomes = sim.get("outcomes") or {}
    shares = [(str(k), float(v.get("share", 0.0))) for k, v in outcomes.items()]
    stuck = int(sim.get("stuck", 0) or 0)
    if stuck:
        shares.append((tr("stuck (no exit)", lang), stuck / max(1, int(sim.get("cases", 1) or 1))))
    charts.append(bar_chart(shares, title=tr("Outcome shares", lang), lang=lang))
    # Roles without a capacity never queue: their utilisation and waits say nothing.
    roles = {
        r: v
        for r, v in (sim.get("roles") or {}).items()
        if isinstance(v, Mapping) and v.get("capacity", 0) is not None
    }
    if roles:
        charts.append(
            bar_chart(
                [
                    (role_names.get(r, r), float(v.get("utilization", 0.0)))
                    for r, v in roles.items()
                ],
                title=tr("Utilisation of roles with a capacity (share of capacity busy)", lang),
                lang=lang,
            )
        )
        charts.append(
            bar_chart(
                [
                    (role_names.get(r, r), float(v.get("wait_hours_mean", 0.0)))
                    for r, v in roles.items()
                ],
                title=tr("Mean wait for a role with a capacity (queueing)", lang),
                unit="hours",
                lang=lang,
            )
        )
    deadlines = sim.get("deadlines") or {}
    if deadlines:
        charts.append(
            bar_chart(
                [(str(d), float(v.get("share_missed", 0.0))) for d, v in deadlines.items()],
                title=tr("Deadline breach rate (share of applicable cases that missed it)", lang),
                lang=lang,
            )
        )
    return charts
