"""Route statistics of a pathway (``pathways routes``): counts, the shortest and longest
expected time, the most interviews and hand-offs, each with a witness route.

Nothing here enumerates routes: the dynamic programmes of :mod:`pathways.route_dp` run on the
condensation of the step graph, and a pathway with parallel tracks is measured on its runs by
:func:`pathways.tracks.run_stats`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pathways.graph import StepGraph, step_graph, strongly_connected
from pathways.route_dp import (
    INTERVIEW,
    Longest,
    RouteStats,
    agencies_index,
    best_start,
    count_routes,
    longest_routes,
    shortest_route,
)
from pathways.tracks import has_tracks, run_stats

if TYPE_CHECKING:
    from pathways.model import Pathway

__all__ = ["RouteStats", "format_stats", "route_stats"]


def _unroll(sg: StepGraph, res: Longest, start: int, times: int = 1) -> tuple[str, ...]:
    prefix, loop, suffix = res.route(start)
    nodes = list(prefix)
    for _ in range(times if loop else 0):
        nodes.extend(loop[1:])
    nodes.extend(suffix[1:])
    return sg.route(nodes)


def route_stats(pathway: Pathway, sg: StepGraph | None = None) -> RouteStats:
    """Count routes and find the shortest, longest, most-interviewed and most-handed-off ones.

    Hours are expected hours (``Duration.expected`` of each step on the route plus the expected
    delay of each transition taken). With parallel tracks whose forks are all well nested
    (:func:`pathways.tracks.run_stats`) a fork/join block counts as one step: its time is that
    of its slowest track, its interviews and hand-offs add over its tracks, and ``count``
    counts runs up to the order of independent tracks; other pathways with tracks are
    measured on the step graph. A loop on some entry-to-outcome route makes the count
    infinite and, when the loop takes time, holds an interview or changes agency, makes the
    longest time, ``max_interviews`` or ``handoffs_max`` unbounded.

    Examples
    --------
    >>> import pathways as pw
    >>> from pathways.routes import route_stats
    >>> stats = route_stats(pw.load("pathways/kh/csa-in-person.yaml"))
    >>> isinstance(stats.to_dict()["count"], (int, str))
    True
    """
    sg = sg or step_graph(pathway)
    if has_tracks(pathway):
        with_tracks = run_stats(pathway, sg)
        if with_tracks is not None:
            return with_tracks
    steps = pathway.steps
    sources = [i for i, s in enumerate(steps) if s.kind == "entry"]
    sinks = [1 if s.kind == "outcome" else 0 for s in steps]
    scc = strongly_connected(sg.succ)
    count = count_routes(sg.succ, sources, sinks, scc=scc)
    expected = [s.duration.expected if s.duration is not None else 0.0 for s in steps]

    def mean_delay(u: int, v: int) -> float:
        return sg.delay_mean.get((u, v), 0.0)

    def min_delay(u: int, v: int) -> float:
        return sg.delay_min_mean.get((u, v), 0.0)

    short = shortest_route(sg.succ, expected, sources, sinks, min_delay)
    shortest = (sg.route(short[0]), short[1]) if short else None
    long_res = longest_routes(sg.succ, expected, sinks, mean_delay, scc=scc)
    start = best_start(long_res, sources)
    longest = None
    if start is not None:
        longest = (_unroll(sg, long_res, start), long_res.value[start])
    interview = [1.0 if INTERVIEW in s.tags else 0.0 for s in steps]
    iv = longest_routes(sg.succ, interview, sinks, scc=scc)
    iv_start = best_start(iv, sources)
    agency = agencies_index(pathway)

    def handoff(u: int, v: int) -> float:
        a, b = agency[u], agency[v]
        return 1.0 if a is not None and b is not None and a != b else 0.0

    zero = [0.0] * len(steps)
    ho = longest_routes(sg.succ, zero, sinks, handoff, scc=scc)
    ho_start = best_start(ho, sources)
    return RouteStats(
        count=count,
        shortest=shortest,
        longest=longest,
        max_interviews=iv.value[iv_start] if iv_start is not None else 0.0,
        handoffs_max=ho.value[ho_start] if ho_start is not None else 0.0,
    )


def format_stats(stats: RouteStats, pathway: Pathway | None = None, lang: str | None = None) -> str:
    """The statistics as a few lines of text for coordinators: step labels (of ``pathway``,
    in ``lang``) instead of ids, times as "72 h (3 days)", "no limit" where a loop makes a
    figure unbounded; the words in ``lang`` too (the catalogue's)."""
    from pathways.i18n import N_, human_hours, tr

    d = stats.to_dict()

    def name(step_id: str) -> str:
        if pathway is None or step_id not in pathway.steps_by_id:
            return step_id
        return pathway.label(step_id, lang)

    def bound(value: object, why: str) -> str:
        return tr(why, lang) if value in ("infinite", "unbounded") else f"{value:,}"

    count = bound(d["count"], N_("no limit (a loop can repeat)"))
    lines = [tr("routes from an entry to an outcome: {count}", lang).format(count=count)]
    heads = {
        "shortest": (
            N_("shortest: {time}"),
            N_("shortest: no route from an entry step to an outcome step"),
        ),
        "longest": (
            N_("longest: {time}"),
            N_("longest: no route from an entry step to an outcome step"),
        ),
    }
    for key, (found, none) in heads.items():
        item: Mapping[str, Any] | None = d[key]
        if item is None:
            lines.append(tr(none, lang))
        else:
            hours = item["hours"]
            shown = (
                tr("no limit (a loop on the route takes time)", lang)
                if isinstance(hours, str)
                else tr("{time} expected", lang).format(time=human_hours(hours, lang))
            )
            lines.append(tr(found, lang).format(time=shown))
            route = " -> ".join(name(s) for s in item["route"])
            lines.append("    " + tr("route: {route}", lang).format(route=route))
    interviews = bound(d["max_interviews"], N_("no limit (a loop holds an interview)"))
    lines.append(tr("most interviews on a route: {n}", lang).format(n=interviews))
    handoffs = bound(d["handoffs_max"], N_("no limit (a loop changes agency)"))
    lines.append(tr("most hand-offs between agencies on a route: {n}", lang).format(n=handoffs))
    return "\n".join(lines) + "\n"
