"""HTML templates of the report: one page per pathway and an index, all self-contained.

Everything a page shows passes through :func:`esc` (``html.escape`` with quotes) at the point it
is written into markup; there is no template engine and no JavaScript. A Content-Security-Policy
meta tag forbids every fetch, so a page can make no network request even if a future change
slipped an external reference in. Links (``<a href>``) are kept only for ``http``, ``https`` and
``mailto`` URLs; anything else (``javascript:``) is shown as text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from html import escape
from string import Template
from typing import TYPE_CHECKING, Any

from pathways.findings import CaseWords, Finding, case_text, finding_words, value_text
from pathways.i18n import N_, counted, human_hours, tr
from pathways.linebreak import hint
from pathways.messages import finding_message, severity_word
from pathways.model import Duration, Pathway, Visibility, label_text
from pathways.render._text import printable
from pathways.report.charts import format_hours, simulation_charts
from pathways.report.trace_panel import CSS as TRACE_CSS
from pathways.report.trace_panel import SCRIPT_HASH, trace_section
from pathways.visibility import HIDDEN_AGENCY, policy, secrets, view

if TYPE_CHECKING:
    from pathways.versions import PathwayDiff

__all__ = [
    "CSS",
    "IndexEntry",
    "PageParts",
    "esc",
    "index_page",
    "load_error_page",
    "pathway_page",
    "rule_link",
    "safe_href",
]

FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans Khmer", '
    '"Khmer OS System", "Khmer OS", "Khmer OS Content", "Khmer UI", "Leelawadee UI", '
    '"DejaVu Sans", sans-serif'
)

CSS = (
    """
:root { color-scheme: light; }
body { font-family: $fonts; margin: 0 auto; max-width: 72rem; padding: 1rem 1.5rem 3rem;
       color: #1b1b1b; background: #fff; line-height: 1.45; }
:lang(km) { line-height: 1.8; }
h1 { font-size: 1.6rem; margin: .5rem 0; } h2 { font-size: 1.25rem; margin-top: 2rem;
     border-bottom: 1px solid #ccc; padding-bottom: .2rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .92rem; }
th, td { border: 1px solid #d0d0d0; padding: .3rem .45rem; text-align: left; vertical-align: top; }
th { background: #f2f4f7; } tbody tr:nth-child(even) { background: #fafafa; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .88em;
       background: #f2f2f2; padding: 0 .2em; border-radius: 3px; overflow-wrap: anywhere; }
.sev-error { color: #a40000; font-weight: 600; } .sev-warning { color: #8a5a00; font-weight: 600; }
.sev-info { color: #2f5f8a; }
.note { background: #fff8e1; border-left: 4px solid #e6a700; padding: .5rem .8rem; }
.noise { color: #555; font-style: italic; }
.danger { background: #fde8e8; border-left: 6px solid #c00000; color: #600; padding: .6rem .9rem;
  font-weight: 600; }
.ok { background: #eef8ee; border-left: 4px solid #2e8b57; padding: .5rem .8rem; }
.diagram { overflow: auto; max-height: 85vh; border: 1px solid #ddd; padding: .5rem;
           background: #fff; }
.diagram svg { display: block; }
#fit-diagram:checked ~ .diagram svg { max-width: 100%; height: auto; }
label.toggle { font-size: .9rem; margin-left: .3rem; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
.chart { max-width: 100%; height: auto; border: 1px solid #eee; }
.chart-title { font-size: 13px; font-weight: 600; fill: #1b1b1b; }
.chart-label, .chart-value { font-size: 11px; fill: #333; }
.chart-note { font-size: 10px; fill: #666; } .chart-axis { stroke: #666; stroke-width: 1; }
.route { overflow-wrap: anywhere; } .muted { color: #666; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; }
nav a { margin-right: 1rem; }
.print-only { display: none; }
@media print {
  @page { margin: 12mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  /* The whole diagram on the page, not the part inside the scroll box. */
  .diagram { overflow: visible; max-height: none; border: 0; padding: 0; }
  .diagram svg { width: 100%; max-width: 100%; height: auto; }
  #fit-diagram, label.toggle, nav { display: none; }
  .print-only { display: block; }
  /* Rows and figures stay whole; a table's header repeats on each page. */
  tr, th, td, li, .chart, dl.meta { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  tbody tr:nth-child(even) { background: none; }
  a[href^="http"]::after { content: " (" attr(href) ")"; font-size: 8pt; color: #444; }
}
""".replace("$fonts", FONT_STACK)
    + TRACE_CSS
)

PAGE = Template(
    """<!DOCTYPE html>
<html lang="$lang">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="$csp">
<meta name="generator" content="pathways $version">
<title>$title</title>
<style>$css</style>
</head>
<body>
$body
<footer class="muted"><p>$footer</p>
</footer>
</body>
</html>
"""
)

CSP = f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src '{SCRIPT_HASH}'"
"""Content-Security-Policy of every page: nothing may be fetched; inline styles only; the one
script allowed is the trace panel's, by its hash."""

SAFE_SCHEMES = ("http://", "https://", "mailto:")


def esc(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute; Khmer text gets a zero-width space
    at each word boundary (:func:`pathways.linebreak.hint`), so that every browser and printer
    wraps it between words, never inside one. Control characters and bidi overrides, which
    can disguise text, are shown as U+FFFD, as the diagram shows them
    (:func:`pathways.render._text.printable`)."""
    return escape(hint(printable(str(value))), quote=True)


def safe_href(url: str | None) -> str | None:
    """The URL if it is http(s) or mailto (a link a reader may follow), else None."""
    if url and url.strip().lower().startswith(SAFE_SCHEMES):
        return url.strip()
    return None


def _href(url: str) -> str:
    """A URL escaped for an ``href``, as written: :func:`esc`'s line-break hints (zero-width
    spaces between Khmer words) would change the address a Khmer URL leads to."""
    return escape(url, quote=True)


def rule_link(code: str, docs_base: str) -> str:
    """The link to a rule's documentation page: the page written beside the report
    (``rules/CODE.html``) when ``docs_base`` is "", else under ``docs_base`` (a docs site)."""
    if not docs_base:
        return f"rules/{code}.html"
    base = docs_base if docs_base.endswith("/") or not docs_base else docs_base + "/"
    tail = "" if base.startswith(("http://", "https://")) else "index.html"
    return f"{base}rules/{code}/{tail}"


_LEVELS = {
    "public": N_("public"),
    "partners": N_("partners"),
    "restricted": N_("restricted"),
}


def _count(value: object) -> str:
    """A count as the CLI writes it ("10,000"); anything else as it is."""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _level(value: str, lang: str | None) -> str:
    """A visibility level in the reader's words (the option value stays English)."""
    return tr(_LEVELS[value], lang) if value in _LEVELS else value


def _page(body: str, *, title: str, lang: str, visibility: str, date: dt.date, version: str) -> str:
    footer = esc(
        tr(
            "Generated by pathways {version} on {date} at visibility {visibility}. This page "
            "makes no network requests; only its trace panel needs JavaScript.",
            lang,
        )
    ).format(
        version=esc(version),
        date=esc(date.isoformat()),
        visibility=f"<strong>{esc(_level(visibility, lang))}</strong>",
    )
    return PAGE.substitute(
        footer=footer,
        lang=esc(lang),
        title=esc(title),
        css=CSS,
        csp=CSP,
        body=body,
        version=esc(version),
        date=esc(date.isoformat()),
        visibility=esc(visibility),
    )


def plain_page(body: str, *, title: str, visibility: str, date: dt.date, version: str) -> str:
    """A page of the report's look around ``body`` (the rule pages beside the report)."""
    return _page(body, title=title, lang="en", visibility=visibility, date=date, version=version)


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, raw: bool = False) -> str:
    """A table; cells are escaped unless ``raw`` (then the caller escaped them)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{c if raw else esc(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


@dataclass
class PageParts:
    """Everything one pathway page shows, gathered by :func:`pathways.report.write_report`."""

    pathway: Pathway
    findings: Sequence[Finding] = ()
    routes: Mapping[str, Any] | None = None
    routes_note: str | None = None
    simulation: Mapping[str, Any] | None = None
    simulation_note: str | None = None
    diagram_svg: str | None = None
    diagram_note: str | None = None
    lang: str | None = None
    visibility: Visibility = Visibility.PARTNERS
    docs_base: str = ""
    changes: PathwayDiff | None = None
    changes_note: str | None = None
    # the file's scenarios, run like the baseline: name, description, changes, and result,
    # differences and sentences (as `simulate --compare` gives them) or a note
    scenarios: Sequence[Mapping[str, Any]] = ()


_NO_LIMIT = N_("no limit (a loop can repeat)")


def _route(route: Sequence[str], pathway: Pathway | None = None, lang: str | None = None) -> str:
    """A route as its steps' labels (ids in a tooltip), or as ids without a pathway."""
    if pathway is None:
        return " → ".join(f"<code>{esc(s)}</code>" for s in route)
    return " → ".join(
        f'<span title="{esc(s)}">{esc(pathway.label(s, lang))}</span>'
        if s in pathway.steps_by_id
        else f"<code>{esc(s)}</code>"
        for s in route
    )


def _case(
    case: Mapping[str, object], pathway: Pathway | None = None, lang: str | None = None
) -> str:
    """A finding's witness case: each field by its label (its name in a tooltip) and each value
    as people read it in ``lang`` (:func:`~pathways.findings.value_text`), or as the guard
    language writes it without a pathway (``age = 12, online = true``)."""
    if pathway is None:
        return "<code>" + esc(case_text(case, " = ")) + "</code>"
    values = pathway.value_labels(lang)
    said = []
    for name, value in case.items():
        label = pathway.field_label(name, lang)
        shown = value_text(value, values.get(name), lang)
        said.append(f'<span title="{esc(name)}">{esc(label)}</span> = {esc(shown)}')
    return ", ".join(said)


def _findings_section(parts: PageParts) -> str:
    findings, lang = parts.findings, parts.lang
    head = '<h2 id="findings">' + esc(tr("Findings", lang)) + "</h2>\n"
    if not findings:
        return head + '<p class="ok">' + esc(tr("No findings: every rule passed.", lang)) + "</p>"
    counts = {s: sum(1 for f in findings if f.severity.value == s) for s in ("error", "warning")}
    words = None if parts.pathway is None else CaseWords.of(parts.pathway, lang)
    rows = []
    for f in findings:
        where = []
        if f.step:
            where.append(esc(tr("step {step}", lang)).format(step=f"<code>{esc(f.step)}</code>"))
        if f.transition is not None:
            where.append(esc(tr("transition {index}", lang).format(index=f.transition)))
        line = tr("line {line}", lang).format(line=f.location.line)
        where.append(f'<span class="muted">{esc(line)}</span>')
        witness = []
        if f.route:
            route = _route(f.route, parts.pathway, parts.lang)
            witness.append(f'<span class="route">{route}</span>')
        if f.case:
            case = _case(f.case, parts.pathway, parts.lang)
            witness.append(esc(tr("case: {case}", lang)).format(case=case))
        link = rule_link(f.code, parts.docs_base)
        rows.append(
            [
                f'<a href="{esc(link)}" title="{esc(f.rule)}">{esc(f.code)}</a>',
                f'<span class="sev-{esc(f.severity.value)}">'
                f"{esc(severity_word(f.severity.value, lang))}</span>",
                esc(finding_words(f, lang, words)),
                "<br>".join(where),
                "<br>".join(witness),
            ]
        )
    notes = len(findings) - counts["error"] - counts["warning"]
    total = ", ".join(
        [
            counted(counts["error"], "error", lang),
            counted(counts["warning"], "warning", lang),
            counted(notes, "note", lang),
        ]
    )
    witness_note = tr(
        "The witness route is one concrete route through the pathway that shows the problem.",
        lang,
    )
    headers = [
        tr("code", lang),
        tr("severity", lang),
        tr("message", lang),
        tr("where", lang),
        tr("witness", lang),
    ]
    return head + f"<p>{esc(total)}. {esc(witness_note)}</p>\n" + _table(headers, rows, raw=True)


def _routes_section(parts: PageParts) -> str:
    lang = parts.lang
    head = '<h2 id="routes">' + esc(tr("Routes", lang)) + "</h2>\n"
    r = parts.routes
    if not r:
        note = parts.routes_note or tr("No route statistics.", lang)
        return head + f'<p class="note">{esc(note)}</p>'
    rows: list[list[str]] = [
        [
            esc(tr("routes from an entry to an outcome", lang)),
            esc(tr(_NO_LIMIT, lang) if r.get("count") == "infinite" else r.get("count", "-")),
        ]
    ]
    names = {
        "shortest": tr("shortest route (expected time)", lang),
        "longest": tr("longest route (expected time)", lang),
    }
    for key, name in names.items():
        item = r.get(key)
        if isinstance(item, Mapping):
            hours = item.get("hours")
            time = (
                format_hours(float(hours), lang)
                if isinstance(hours, int | float)
                else tr("unbounded: a loop on the route takes time", lang)
            )
            rows.append(
                [
                    esc(name),
                    f"{esc(time)}<br>{_route(item.get('route') or [], parts.pathway, lang)}",
                ]
            )
    for key, name in (
        ("max_interviews", N_("most interviews on one route")),
        ("handoffs_max", N_("most hand-offs between agencies")),
    ):
        value = r.get(key, "-")
        shown = tr(_NO_LIMIT, lang) if value in ("infinite", "unbounded") else value
        rows.append([esc(tr(name, lang)), esc(shown)])
    return head + _table([tr("statistic", lang), tr("value", lang)], rows, raw=True)


def _with_ci(entry: Mapping[str, Any], key: str) -> str:
    """A share with its 95% interval, as the text output writes it: ``12.4% (11.8-13.0)``."""
    from pathways.simulate.intervals import text

    value = entry.get(key)
    if not isinstance(value, int | float):
        return "-"
    return text(float(value), (entry.get("ci95") or {}).get(key), scale=100.0, unit="%")


def _saturation_banners(sim: Mapping[str, Any], lang: str | None = None) -> list[str]:
    """A red banner per saturated role (amber near saturation): its figures are not
    steady-state figures (in ``lang``)."""
    from pathways.simulate.saturation import message

    out = []
    for entry in sim.get("saturation") or []:
        css = "danger" if entry.get("level") == "unstable" else "note"
        word = N_("Saturated") if entry.get("level") == "unstable" else N_("Near saturation")
        line = tr("{title}: {details}", lang).format(
            title=tr(word, lang), details=message(entry, lang)
        )
        out.append(f'<p class="{css}" role="alert">{esc(line)}</p>')
    return out


def _simulation_section(
    parts: PageParts,
    role_names: Mapping[str, str],
    step_names: Mapping[str, str],
    deadline_names: Mapping[str, str],
) -> str:
    """Outcomes, deadlines and roles by their labels (ids stay in the JSON)."""
    lang = parts.lang
    head = '<h2 id="simulation">' + esc(tr("Simulation", lang)) + "</h2>\n"
    sim = parts.simulation
    if not sim:
        note = parts.simulation_note or tr("Not simulated.", lang)
        return head + f'<p class="note">{esc(note)}</p>'
    t = sim.get("time_to_outcome_hours") or {}
    iv = sim.get("interviews") or {}
    times = {
        "mean": tr("time to outcome, mean", lang),
        "p50": tr("time to outcome, median (p50)", lang),
        "p90": tr("time to outcome, p90", lang),
        "p99": tr("time to outcome, p99", lang),
    }
    seed = tr("{cases} (seed {seed})", lang).format(
        cases=_count(sim.get("cases", "-")), seed=sim.get("seed", "-")
    )
    summary = [
        [tr("cases simulated (seed)", lang), seed],
        [tr("stuck cases (no exit enabled)", lang), _count(sim.get("stuck", 0))],
        *[
            [times[k], format_hours(float(t[k]), lang)]
            for k in ("mean", "p50", "p90", "p99")
            if isinstance(t.get(k), int | float)
        ],
        [
            tr("interviews per case, mean / max", lang),
            f"{iv.get('mean', '-')} / {iv.get('max', '-')}",
        ],
        [
            tr("share of cases over the interview limit", lang),
            f"{float(iv.get('share_over_limit', 0)):.1%}",
        ],
    ]
    charts = "\n".join(simulation_charts(sim, role_names=role_names, lang=lang))
    outcomes = [
        [step_names.get(k, k), str(v.get("count", "")), _with_ci(v, "share")]
        for k, v in (sim.get("outcomes") or {}).items()
    ]
    deadlines = [
        [
            deadline_names.get(k, k),
            str(v.get("applicable", "")),
            str(v.get("missed", "")),
            _with_ci(v, "share_missed"),
        ]
        for k, v in (sim.get("deadlines") or {}).items()
    ]
    roles = []
    for k, v in (sim.get("roles") or {}).items():
        if v.get("capacity", 0) is None:
            never = tr("no capacity set (never queues)", lang)
            roles.append([role_names.get(k, k), never, "-", "-"])
            continue
        roles.append(
            [
                role_names.get(k, k),
                f"{float(v.get('utilization', 0)):.1%}",
                format_hours(float(v.get("wait_hours_mean", 0)), lang),
                format_hours(float(v.get("wait_hours_p90", 0)), lang),
            ]
        )
    out = [head, *_saturation_banners(sim, lang)]
    out += [
        _table([tr("measure", lang), tr("value", lang)], summary),
        f'<div class="charts">{charts}</div>',
    ]
    out += [
        "<h3>" + esc(tr("Outcomes", lang)) + "</h3>",
        _table(
            [
                tr("outcome", lang),
                tr("cases", lang),
                tr("share ({ci} interval)", lang).format(ci="95%"),
            ],
            outcomes,
        ),
    ]
    if deadlines:
        out += [
            "<h3>" + esc(tr("Deadlines", lang)) + "</h3>",
            _table(
                [
                    tr("deadline", lang),
                    tr("applicable", lang),
                    tr("missed", lang),
                    tr("share missed ({ci} interval)", lang).format(ci="95%"),
                ],
                deadlines,
            ),
        ]
    if roles:
        out += [
            "<h3>" + esc(tr("Roles", lang)) + "</h3>",
            _table(
                [
                    tr("role", lang),
                    tr("utilisation", lang),
                    tr("mean wait", lang),
                    tr("p90 wait", lang),
                ],
                roles,
            ),
        ]
    return "\n".join(out)


def _kpi_name(
    kpi: str,
    fallback: str,
    step_names: Mapping[str, str],
    role_names: Mapping[str, str],
    lang: str | None = None,
    deadline_names: Mapping[str, str] | None = None,
) -> str:
    """A headline KPI of :func:`pathways.simulate.compare.differences` in the reader's words
    (steps, roles and deadlines by their labels where the mappings have them)."""
    parts = kpi.split(".")
    if parts[0] == "outcomes" and len(parts) == 3:
        return tr("share ending at {step}", lang).format(step=step_names.get(parts[1], parts[1]))
    if parts[0] == "roles" and len(parts) == 3:
        return tr("{role}: mean wait", lang).format(role=role_names.get(parts[1], parts[1]))
    if parts[0] == "deadlines" and len(parts) == 3:
        name = (deadline_names or {}).get(parts[1], parts[1])
        return tr("deadline {name} missed", lang).format(name=name)
    if kpi == "interviews.share_over_limit":
        return tr("share over the interview limit", lang)
    times = {
        "time_to_outcome_hours.mean": N_("time to outcome, mean"),
        "time_to_outcome_hours.p50": N_("time to outcome, median (p50)"),
        "time_to_outcome_hours.p90": N_("time to outcome, p90"),
    }
    if kpi in times:
        return tr(times[kpi], lang)
    return fallback


def _figure(value: float, kind: str, sign: bool = False, lang: str | None = None) -> str:
    if kind == "share":
        return f"{value * 100:{'+' if sign else ''}.1f}%"
    if sign:
        return tr("{n} h", lang).format(n=f"{value:+,.1f}")
    return format_hours(value, lang)


def _scenarios_section(
    parts: PageParts,
    role_names: Mapping[str, str],
    step_names: Mapping[str, str],
    hidden_texts: Iterable[str],
    deadline_names: Mapping[str, str] | None = None,
) -> str:
    """The file's scenarios side by side with the baseline: what each changed, a table of
    headline KPI by scenario (value, difference with its 95% interval, a "within noise"
    marker), a banner per saturated role and a plain sentence per deadline."""
    if not parts.scenarios:
        return ""
    hidden = [t for t in hidden_texts if t]
    lang = parts.lang
    noise = esc(tr("within noise", lang))
    explained = tr(
        "Each scenario of the file is run with the same cases and seed as the baseline. A "
        "difference is the scenario minus the baseline, with its {ci} interval in brackets; "
        "{noise} marks a difference the run cannot tell from no change.",
        lang,
    )
    out = [
        '<h3 id="scenarios">' + esc(tr("Scenarios side by side", lang)) + "</h3>",
        "<p>"
        + esc(explained).format(ci="95%", noise=f'<span class="noise">{noise}</span>')
        + "</p>",
    ]
    withheld = tr("(details withheld at this visibility)", lang)

    def seen(text: str) -> str:  # a text naming what the reader may not see is withheld whole
        return withheld if any(t in text for t in hidden) else text

    rows = []
    for sc in parts.scenarios:
        # the changes in words with labels (ids stay in JSON); withheld whole when either the
        # overrides as written or the words name what the reader may not see
        written = ", ".join(sc.get("changes") or ())
        changes = ", ".join(sc.get("said") or sc.get("changes") or ()) or tr("none", lang)
        shown = withheld if seen(written) == withheld else seen(changes)
        rows.append([seen(str(sc.get("name", ""))), seen(str(sc.get("description") or "-")), shown])
    out.append(_table([tr("scenario", lang), tr("what it is", lang), tr("changes", lang)], rows))
    run = [sc for sc in parts.scenarios if sc.get("result") is not None]
    for sc in parts.scenarios:
        if sc.get("result") is None:
            note = sc.get("note") or tr("Not simulated.", lang)
            out.append(f'<p class="note">{esc(sc.get("name", ""))}: {esc(note)}</p>')
    for sc in run:
        for banner in _saturation_banners(sc["result"], lang):
            out.append(banner.replace('role="alert">', f'role="alert">{esc(sc["name"])}: ', 1))
    if not run:
        return "\n".join(out)
    kpis: dict[str, tuple[str, str, float]] = {}
    cells: dict[tuple[str, int], Mapping[str, Any]] = {}
    for i, sc in enumerate(run):
        for row in sc.get("differences") or ():
            kpi = str(row["kpi"])
            name = _kpi_name(
                kpi, str(row.get("label", kpi)), step_names, role_names, lang, deadline_names
            )
            kpis.setdefault(kpi, (name, str(row["kind"]), float(row["baseline"])))
            cells[kpi, i] = row
    body = []
    for kpi, (name, kind, base) in kpis.items():
        line = [esc(name), esc(_figure(base, kind, lang=lang))]
        for i in range(len(run)):
            row = cells.get((kpi, i))
            if row is None:
                line.append("-")
                continue
            ci = row.get("ci95")
            span = (
                " ("
                + tr("{low} to {high}", lang).format(
                    low=_figure(ci[0], kind, True, lang), high=_figure(ci[1], kind, True, lang)
                )
                + ")"
                if ci
                else ""
            )
            cell = (
                f"{esc(_figure(float(row['what_if']), kind, lang=lang))}<br>"
                f"{esc(_figure(float(row['difference']), kind, True, lang) + span)}"
            )
            if row.get("within_noise"):
                cell += f' <span class="noise">{noise}</span>'
            line.append(cell)
        body.append(line)
    head = [tr("KPI", lang), tr("baseline", lang), *(str(sc["name"]) for sc in run)]
    table = _table(head, body, raw=True)  # the cells are escaped above
    out.append(table)
    sentences = [seen(s) for sc in run for s in sc.get("sentences") or ()]
    if sentences:
        out.append("<ul>" + "".join(f"<li>{esc(s)}</li>" for s in sentences) + "</ul>")
    return "\n".join(out)


def _duration(d: Duration | None, lang: str | None = None) -> str:
    if d is None:
        return "-"
    if d.kind == "fixed":
        return _hours(d.max, lang)
    if d.kind == "exponential":
        return tr("about {time} (exponential)", lang).format(time=_hours(d.mean or 0.0, lang))
    return tr("{low} to {high}", lang).format(low=_hours(d.min, lang), high=_hours(d.max, lang))


def _hours(hours: float, lang: str | None) -> str:
    """A duration in the one format of every output ("72 h (3 days)"), in ``lang``."""
    return human_hours(hours, lang)


_KINDS = {
    "entry": N_("entry"),
    "action": N_("action"),
    "decision": N_("decision"),
    "wait": N_("wait"),
    "outcome": N_("outcome"),
    "fork": N_("fork"),
    "join": N_("join"),
}
_CHANNELS = {
    "phone": N_("phone"),
    "sms": N_("sms"),
    "office": N_("office"),
    "email": N_("email"),
    "web": N_("web"),
    "address": N_("address"),
    "hotline": N_("hotline"),
}


def _responsibility_section(parts: PageParts, hidden_agencies: set[str]) -> str:
    p, lang = parts.pathway, parts.lang
    limits: dict[str, list[str]] = {}
    for d in p.deadlines:
        start = (
            tr("step {step}", lang).format(step=p.label(d.source, lang))
            if d.source
            else tr("the report (entry step)", lang)
        )
        name = label_text(d.label, lang, p.locales) or d.id
        for target in p.deadline_targets(d):
            limits.setdefault(target, []).append(
                tr("{name}: within {time} of {start}", lang).format(
                    name=name, time=_hours(d.within, lang), start=start
                )
            )
    for t in p.transitions:
        if t.kind == "referral" and t.response_within is not None:
            limits.setdefault(t.to, []).append(
                tr("answer the referral from {step} within {time}", lang).format(
                    step=p.label(t.source, lang), time=_hours(t.response_within, lang)
                )
            )
    rows = []
    for s in p.steps:
        if s.kind == "outcome":
            continue
        role = p.roles_by_id.get(s.role or "")
        agency_id = role.agency if role else None
        if agency_id in hidden_agencies:
            agency = HIDDEN_AGENCY
        elif agency_id in p.agencies_by_id:
            agency = label_text(p.agencies_by_id[agency_id].name, lang, p.locales)
        else:
            agency = "-"
        rows.append(
            [
                f"{esc(p.label(s.id, lang))}<br><code>{esc(s.id)}</code>",
                esc(tr(_KINDS.get(s.kind, s.kind), lang)),
                esc(label_text(role.title, lang, p.locales) if role else tr("(no role)", lang)),
                esc(agency),
                esc(_duration(s.duration, lang)),
                "<br>".join(esc(x) for x in limits.get(s.id, [])) or "-",
            ]
        )
    headers = [
        tr("step", lang),
        tr("kind", lang),
        tr("role", lang),
        tr("agency", lang),
        tr("takes", lang),
        tr("time limit", lang),
    ]
    head = '<h2 id="responsibility">' + esc(tr("Who is responsible", lang)) + "</h2>\n"
    return head + _table(headers, rows, raw=True)


def _contacts_section(parts: PageParts, hidden_agencies: set[str]) -> str:
    p, lang = parts.pathway, parts.lang
    pol = policy(p, parts.visibility)
    rows = []
    for a in p.agencies:
        if a.id in hidden_agencies:
            continue
        for c in a.contacts:
            if not pol.contact_visible(a, c):
                continue
            href = safe_href(c.value) if c.channel in ("web", "email") else None
            value = f'<a href="{_href(href)}">{esc(c.value)}</a>' if href else esc(c.value)
            rows.append(
                [
                    esc(label_text(a.name, lang, p.locales)),
                    esc(tr(_CHANNELS.get(c.channel, c.channel), lang)),
                    value,
                    esc(c.hours or "-"),
                    esc(c.verified_on.isoformat() if c.verified_on else "-"),
                ]
            )
    level = f"<strong>{esc(_level(parts.visibility.value, lang))}</strong>"
    shown = tr(
        "Contacts visible at {level} level; contacts and agencies marked above it are left out.",
        lang,
    )
    head = (
        '<h2 id="contacts">' + esc(tr("Contacts", lang)) + f"</h2>\n"
        f'<p class="muted">{esc(shown).replace(esc("{level}"), level)}</p>\n'
    )
    if not rows:
        return head + "<p>" + esc(tr("No contacts at this visibility.", lang)) + "</p>"
    headers = [
        tr("agency", lang),
        tr("channel", lang),
        tr("contact", lang),
        tr("hours", lang),
        tr("verified on", lang),
    ]
    return head + _table(headers, rows, raw=True)


def _meta_section(parts: PageParts) -> str:
    p, lang = parts.pathway, parts.lang
    size = tr("{steps} steps, {transitions} transitions, {agencies} agencies, {roles} roles", lang)
    items = [
        (tr("id", lang), f"<code>{esc(p.id)}</code>"),
        (tr("version", lang), esc(p.version)),
        (tr("jurisdiction", lang), esc(p.jurisdiction or "-")),
        (tr("languages", lang), esc(", ".join(p.locales))),
        (tr("visibility", lang), esc(_level(p.visibility.value, lang))),
        (tr("file", lang), f"<code>{esc(p.file)}</code>"),
        (
            tr("size", lang),
            esc(
                size.format(
                    steps=len(p.steps),
                    transitions=len(p.transitions),
                    agencies=len(p.agencies),
                    roles=len(p.roles),
                )
            ),
        ),
    ]
    meta = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in items)
    desc = label_text(p.description, lang, p.locales)
    out = [f'<dl class="meta">{meta}</dl>']
    if desc:
        out.append(f"<p>{esc(desc)}</p>")
    return "\n".join(out)


def _sources_section(parts: PageParts) -> str:
    p, lang = parts.pathway, parts.lang
    head = '<h2 id="sources">' + esc(tr("Sources", lang)) + "</h2>\n"
    out = [head + '<p class="muted">' + esc(tr("No sources listed.", lang)) + "</p>"]
    if p.sources:
        lis = []
        for s in p.sources:
            href = safe_href(s.url)
            title = f'<a href="{_href(href)}">{esc(s.title)}</a>' if href else esc(s.title)
            url = f' <span class="muted route">{esc(s.url)}</span>' if s.url else ""
            lis.append(f"<li><code>{esc(s.id)}</code> {title}{url}</li>")
        out = [head + "<ul>" + "\n".join(lis) + "</ul>"]
    return "\n".join(out)


def _diagram_section(parts: PageParts) -> str:
    lang = parts.lang
    head = '<h2 id="diagram">' + esc(tr("Diagram", lang)) + "</h2>\n"
    if parts.diagram_svg:
        sentences = [
            tr(
                "Steps and transitions with findings are outlined red (error) or amber (warning).",
                lang,
            )
        ]
        if parts.changes is not None:
            sentences.append(
                tr(
                    "Changes since version {version}: added steps and moves outlined purple, "
                    "removed ones dashed and grey.",
                    lang,
                ).format(version=parts.changes.old_version)
            )
        sentences.append(tr("Scroll the diagram, or fit it to the page.", lang))
        outlined = " ".join(sentences)
        printed = tr(
            "Printed here to the page width. For sheets a working group can read (7 pt text "
            "or larger, A3 by default):",
            lang,
        )
        ident = esc(parts.pathway.id)
        return (
            head + f'<p class="muted">{esc(outlined)}</p>\n'
            '<input type="checkbox" id="fit-diagram">'
            '<label class="toggle" for="fit-diagram">'
            + esc(tr("fit to page width", lang))
            + "</label>\n"
            f'<p class="print-only muted">{esc(printed)} <code>pathways render '
            f"{ident}.yaml -o {ident}.pdf</code>.</p>\n"
            f'<div class="diagram">{parts.diagram_svg}</div>'
        )
    return head + '<p class="note">' + esc(parts.diagram_note or tr("No diagram.", lang)) + "</p>"


def _changes_section(parts: PageParts) -> str:
    """'Changes since version X': the semantic diff against an earlier version (``--since``),
    computed on the reader's views of both versions, one list per area."""
    from pathways.versions import grouped_changes

    changes, lang = parts.changes, parts.lang
    if changes is None:
        if parts.changes_note is None:
            return ""
        return (
            '<section id="changes"><h2>' + esc(tr("Changes", lang)) + "</h2>\n"
            f'<p class="note">{esc(parts.changes_note)}</p></section>'
        )
    head = tr("Changes since version {version}", lang).format(version=changes.old_version)
    if not changes.changes:
        same = tr("No changes: the same pathway for every case.", lang)
        return f'<section id="changes"><h2>{esc(head)}</h2>\n<p>{esc(same)}</p></section>'
    out = [f'<section id="changes"><h2>{esc(head)}</h2>']
    n = len(changes.semantic_changes)
    if n == 0:
        count = tr("No change that matters to cases (wording only).", lang)
    elif n == 1:
        count = tr("1 change that matters to cases.", lang)
    else:
        count = tr("{n} changes that matter to cases.", lang).format(n=n)
    out.append(f"<p>{esc(count)}</p>")
    if n and changes.old_version == changes.new_version:
        same_version = tr(
            "The meaning changed but the version did not ({version}): give this file a new "
            "version before it is agreed, so open cases are moved to it on purpose.",
            lang,
        ).format(version=changes.new_version)
        out.append(f'<p class="note">{esc(same_version)}</p>')
    for heading, group in grouped_changes(changes):
        out.append(f"<h3>{esc(heading)}</h3><ul>")
        out.extend(f"<li>{esc(c.message)}</li>" for c in group)
        out.append("</ul>")
    out.append("</section>")
    return "\n".join(out)


def pathway_page(parts: PageParts, *, date: dt.date, version: str) -> str:
    """The full HTML of one pathway's page (of the reader's :func:`~pathways.visibility.view`
    of the pathway: :func:`~pathways.report.build_parts` builds every part from it)."""
    # Findings built from the view name only what the reader may see; a caller's findings of
    # the pathway itself may not, and their message is withheld whole (never patched).
    hidden_texts = secrets(parts.pathway, parts.visibility)
    shown = [
        f
        if not any(text in f.message for text in hidden_texts)
        else replace(f, message="(details withheld at this visibility)")
        for f in parts.findings
    ]
    parts = replace(parts, pathway=view(parts.pathway, parts.visibility), findings=shown)
    p = parts.pathway
    lang = parts.lang or p.locales[0]
    pol = policy(p, parts.visibility)
    hidden = {a.id for a in p.agencies if not pol.agency_visible(a)}
    title = label_text(p.title, lang, p.locales) or p.id
    if not pol.pathway_visible:
        hidden_note = esc(
            tr("This pathway is marked {marked}; it is not shown at visibility {level}.", lang)
        ).format(
            marked=f"<strong>{esc(_level(p.visibility.value, lang))}</strong>",
            level=f"<strong>{esc(_level(parts.visibility.value, lang))}</strong>",
        )
        body = f'<h1><code>{esc(p.id)}</code></h1>\n<p class="note">{hidden_note}</p>'

        return _page(
            body,
            title=p.id,
            lang=lang,
            visibility=parts.visibility.value,
            date=date,
            version=version,
        )
    role_names = {r.id: label_text(r.title, lang, p.locales) or r.id for r in p.roles}
    step_names = {st.id: label_text(st.label, lang, p.locales) or st.id for st in p.steps}
    deadline_names = {d.id: label_text(d.label, lang, p.locales) or d.id for d in p.deadlines}
    nav = " ".join(
        f'<a href="#{k}">{esc(v)}</a>'
        for k, v in (
            *((("changes", tr("Changes", lang)),) if parts.changes or parts.changes_note else ()),
            ("diagram", tr("Diagram", lang)),
            *((("trace", tr("Trace a case", lang)),) if p.case_fields else ()),
            ("findings", tr("Findings", lang)),
            ("routes", tr("Routes", lang)),
            ("simulation", tr("Simulation", lang)),
            ("responsibility", tr("Responsibility", lang)),
            ("contacts", tr("Contacts", lang)),
            ("sources", tr("Sources", lang)),
        )
    )
    body = "\n".join(
        [
            '<p><a href="index.html">← ' + esc(tr("all pathways", lang)) + "</a></p>",
            f"<h1>{esc(title)}</h1>",
            f"<nav>{nav}</nav>",
            _meta_section(parts),
            _changes_section(parts),
            _diagram_section(parts),
            trace_section(p, parts.lang),
            _findings_section(parts),
            _routes_section(parts),
            _simulation_section(parts, role_names, step_names, deadline_names),
            _scenarios_section(parts, role_names, step_names, hidden_texts, deadline_names),
            _responsibility_section(parts, hidden),
            _contacts_section(parts, hidden),
            _sources_section(parts),
        ]
    )
    return _page(
        body,
        title=tr("{title} - pathways report", lang).format(title=title),
        lang=lang,
        visibility=parts.visibility.value,
        date=date,
        version=version,
    )


def load_error_page(
    file: str,
    findings: Sequence[Finding],
    *,
    docs_base: str,
    visibility: str,
    date: dt.date,
    version: str,
    lang: str | None = None,
) -> str:
    """The page of a file that did not load: its PW0xx findings, in ``lang`` where the
    catalogue translates them (each message whole or in English, as ``validate`` writes it)."""
    rows = [
        [
            f'<a href="{esc(rule_link(f.code, docs_base))}">{esc(f.code)}</a>',
            f'<span class="sev-{esc(f.severity.value)}">'
            f"{esc(severity_word(f.severity.value, lang))}</span>",
            esc(finding_message(f.message, lang)),
            esc(
                tr("line {line}, column {column}", lang).format(
                    line=f.location.line, column=f.location.column
                )
            ),
        ]
        for f in findings
    ]
    heading = esc(tr("{file} did not load", lang)).format(file=f"<code>{esc(file)}</code>")
    fix = tr(
        "Fix these findings first; nothing else can be checked, drawn or simulated until the "
        "file loads.",
        lang,
    )
    headers = [tr(word, lang) for word in ("code", "severity", "message", "where")]
    body = "\n".join(
        [
            '<p><a href="index.html">← ' + esc(tr("all pathways", lang)) + "</a></p>",
            f"<h1>{heading}</h1>",
            f'<p class="note">{esc(fix)}</p>',
            _table(headers, rows, raw=True),
        ]
    )
    return _page(
        body,
        title=tr("{title} - pathways report", lang).format(title=file),
        lang=lang or "en",
        visibility=visibility,
        date=date,
        version=version,
    )


@dataclass
class IndexEntry:
    """One row of the index page."""

    href: str
    title: str
    ident: str
    file: str
    errors: int
    warnings: int
    infos: int
    headline: str = ""
    loaded: bool = True
    lang: str = "en"


def index_page(
    entries: Sequence[IndexEntry], *, lang: str, visibility: str, date: dt.date, version: str
) -> str:
    """The index: one row per pathway with its finding counts and a simulation headline."""
    rows = []
    for e in entries:
        status = (
            '<span class="sev-error">' + esc(tr("did not load", lang)) + "</span>"
            if not e.loaded
            else f'<span class="{"sev-error" if e.errors else "muted"}">'
            f"{esc(counted(e.errors, 'error', lang))}</span>, "
            f"{esc(counted(e.warnings, 'warning', lang))}, {esc(counted(e.infos, 'note', lang))}"
        )
        rows.append(
            [
                f'<a href="{esc(e.href)}" lang="{esc(e.lang)}">{esc(e.title)}</a>',
                f"<code>{esc(e.ident)}</code>",
                status,
                esc(e.headline or "-"),
                f"<code>{esc(e.file)}</code>",
            ]
        )
    body = "\n".join(
        [
            "<h1>" + esc(tr("Referral pathways report", lang)) + "</h1>",
            f"<p>{esc(counted(len(entries), 'pathway', lang))}. "
            + esc(
                tr(
                    "Each page shows the diagram, the findings with witness routes, route "
                    "statistics, a simulation summary and who is responsible for each step.",
                    lang,
                )
            )
            + "</p>",
            _table(
                [
                    tr("pathway", lang),
                    tr("id", lang),
                    tr("findings", lang),
                    tr("simulation", lang),
                    tr("file", lang),
                ],
                rows,
                raw=True,
            ),
        ]
    )
    return _page(
        body,
        title=tr("pathways report", lang),
        lang=lang,
        visibility=visibility,
        date=date,
        version=version,
    )
