"""``pathways simulate``: run cases through a pathway, print KPIs, compare what-if variants."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pathways.cli._app import app
from pathways.cli._common import (
    IgnoreCodes,
    PathwayFile,
    SelectCodes,
    TextOrJson,
    TodayDate,
    check_choice,
    echo_findings,
    load_or_report,
    parse_codes,
    parse_today,
    warn_lang,
)
from pathways.cli._io import VISIBILITY_OPTION, check_paths
from pathways.i18n import N_, counted, tr
from pathways.messages import error_message
from pathways.model import Visibility

if TYPE_CHECKING:
    from rich.console import Console

    from pathways.model import Label, Pathway
    from pathways.simulate.contract import SimulationJSON


def _load(
    path: Path,
    visibility: Visibility | None = None,
    lang: str | None = None,
    checks: Mapping[str, Any] | None = None,
) -> Pathway | None:
    """The pathway, or None after printing its load or error findings to stderr (as a reader
    at ``visibility`` may see them). ``checks`` are :func:`pathways.check`'s ``select``,
    ``ignore`` and ``today`` (SPEC section 5's common options): the errors they leave out do
    not stop the run."""
    from pathways.rules import check
    from pathways.visibility import policy, view

    pathway = load_or_report(path, visibility, lang)
    if pathway is None:
        return None
    if visibility is not None and not policy(pathway, visibility).pathway_visible:
        words = tr(
            "{path}: pathway {id} is for {level} readers; not shown at --visibility {visibility}",
            lang,
        )
        text = words.format(
            path=path,
            id=repr(pathway.id),
            level=pathway.visibility.value,
            visibility=visibility.value,
        )
        typer.echo(text, err=True)
        return None
    found = check(view(pathway, visibility), **(checks or {}))
    errors = [f for f in found if f.severity.value == "error"]
    echo_findings(errors, lang)
    if errors:
        words = tr("{path}: {errors}; fix them before simulating", lang)
        if len(errors) == 1:
            words = tr("{path}: {errors}; fix it before simulating", lang)
        typer.echo(words.format(path=path, errors=counted(len(errors), "error", lang)), err=True)
        return None
    return pathway


def _num(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def _print_saturation(
    console: Console,
    d: Mapping[str, Any],
    lang: str | None = None,
    roles: Mapping[str, str] | None = None,
) -> None:
    """A line per saturated role, the role by its label in ``roles`` (in the reader's
    language; the run's JSON holds it in the first locale)."""
    from rich.markup import escape

    from pathways.simulate.saturation import message

    for entry in d.get("saturation", []):
        if roles and entry.get("role") in roles:
            entry = {**entry, "label": roles[entry["role"]]}
        style = "bold red" if entry["level"] == "unstable" else "bold yellow"
        word = tr(N_("SATURATED") if entry["level"] == "unstable" else N_("NEAR SATURATION"), lang)
        console.print(f"[{style}]{escape(word)}[/{style}] {escape(message(entry, lang))}")


def _headed(title: str, details: str, lang: str | None) -> str:
    """Rich markup of "**title**: details", the colon as ``lang`` writes it."""
    from rich.markup import escape

    before, _, after = tr("{title}: {details}", lang).partition("{title}")
    return (
        escape(before)
        + f"[bold]{escape(title)}[/bold]"
        + escape(after.replace("{details}", details))
    )


def _pct(entry: Mapping[str, Any], key: str) -> str:
    from pathways.simulate.intervals import text

    ci = (entry.get("ci95") or {}).get(key)
    return text(entry.get(key), ci, scale=100.0, unit="%")


def _val(entry: Mapping[str, Any], key: str, digits: int = 1) -> str:
    from pathways.simulate.intervals import text

    return text(entry.get(key), (entry.get("ci95") or {}).get(key), digits=digits)


def _days(hours: object, lang: str | None = None) -> str:
    """The days or weeks beside a long time, as every output writes them ("3 days")."""
    from pathways.i18n import human_hours

    if not isinstance(hours, int | float) or hours < 48:
        return ""
    text = human_hours(hours, lang)
    return text[text.index("(") + 1 : -1] if "(" in text else ""


FOOTNOTE = N_(
    "Times are in hours from the report (days or weeks beside the long ones). Brackets: {ci} "
    "confidence interval (batch means over 20 batches of cases; docs/simulation.md). p50, p90, "
    "p99: half, 9 in 10 and 99 in 100 of the cases took at most this long. Utilisation: the "
    "share of its people's time a role spent serving cases, over the time cases were arriving. "
    "A deadline is met when service at its target step begins, after any queueing."
)


def print_result(
    console: Console,
    d: SimulationJSON,
    labels: Mapping[str, Mapping[str, str]] | None = None,
    lang: str | None = None,
) -> None:
    """The result as rich tables, with labels instead of ids (``labels``: ``steps``, ``roles``,
    ``title``) and 95% intervals in brackets; the tool's words in ``lang``."""
    from rich.markup import escape
    from rich.table import Table

    names = labels or {}
    step_name = names.get("steps", {})
    role_name = names.get("roles", {})
    deadline_name = names.get("deadlines", {})

    def step(sid: str) -> str:
        return escape(step_name.get(sid, sid))

    run = d.get("run") or {"mode": "independent", "arrivals_per_day": None}
    title = names.get("title", {}).get("text", d["pathway"])
    rate = run.get("arrivals_per_day")
    words = [
        tr("{n} cases", lang).format(n=f"{d['cases']:,}"),
        tr("seed {seed}", lang).format(seed=d["seed"]),
        tr("with queues", lang) if run["mode"] == "queues" else tr("no queues", lang),
    ]
    if rate:
        words.append(tr("{rate} arrivals a day", lang).format(rate=_num(rate, 2)))
    console.print(_headed(title, ", ".join(words), lang))
    _print_saturation(console, d, lang, role_name)

    def new_table(title: str, columns: tuple[str, ...]) -> Table:
        table = Table(title=escape(tr(title, lang)), title_justify="left")
        for number, col in enumerate(columns):
            table.add_column(escape(tr(col, lang)), justify="left" if number == 0 else "right")
        return table

    table = new_table(N_("Outcomes"), (N_("outcome"), N_("cases"), N_("share")))
    for k, v in d["outcomes"].items():
        table.add_row(step(k), _num(v["count"]), _pct(v, "share"))
    if d["stuck"]:
        stuck = ", ".join(f"{step(k)} {v:,}" for k, v in d.get("stuck_steps", {}).items())
        table.add_row(
            escape(tr("stuck ({steps})", lang).format(steps=stuck)),
            _num(d["stuck"]),
            f"{d['stuck'] / d['cases']:.1%}",
        )
    console.print(table)
    tto = d["time_to_outcome_hours"]
    keys = ("mean", "p50", "p90", "p99")
    table = new_table(N_("Time to outcome (hours)"), (N_("mean"), "p50", "p90", "p99"))
    table.columns[0].justify = "right"
    table.add_row(*(_val(tto, k) for k in keys))
    if any(_days(tto.get(k)) for k in keys):
        table.add_row(*(_days(tto.get(k), lang) for k in keys))
    console.print(table)
    iv = d["interviews"]
    ho = d.get("handoffs") or {"mean": 0.0, "max": 0}
    line = tr(
        "Interviews per case: mean {mean}, most {most}, over the limit {over}; hand-offs "
        "between agencies per case: mean {handoffs}, most {handoffs_most}",
        lang,
    ).format(
        mean=_val(iv, "mean", 2),
        most=iv["max"],
        over=_pct(iv, "share_over_limit"),
        handoffs=_val(ho, "mean", 2),
        handoffs_most=ho["max"],
    )
    console.print(escape(line))
    if d["deadlines"]:
        missed = (N_("deadline"), N_("cases it applies to"), N_("missed"), N_("share missed"))
        table = new_table(N_("Deadlines"), missed)
        for did, dl in d["deadlines"].items():
            table.add_row(
                escape(deadline_name.get(did, did)),
                _num(dl["applicable"]),
                _num(dl["missed"]),
                _pct(dl, "share_missed"),
            )
        console.print(table)
    columns = (
        N_("role"),
        N_("people"),
        N_("utilisation"),
        N_("wait mean"),
        N_("wait p90"),
        N_("busy hours per case"),
    )
    table = new_table(N_("Roles (waits in hours)"), columns)
    for rid, role in d["roles"].items():
        capacity = role.get("capacity")
        table.add_row(
            escape(role_name.get(rid, rid)),
            str(capacity or tr("unlimited", lang)),
            f"{role['utilization']:.1%}" if capacity else "-",
            _val(role, "wait_hours_mean") if capacity else "-",
            _val(role, "wait_hours_p90") if capacity else "-",
            _num(role.get("busy_hours_per_case"), 1),
        )
    console.print(table)
    table = new_table(N_("Step visits"), (N_("step"), N_("visits"), N_("per case")))
    for sid, visits in d["steps"].items():
        table.add_row(
            step(sid), _num(visits["visits"]), f"{visits.get('visits_per_case', 0.0):.2f}"
        )
    console.print(table)
    console.print(f"[dim]{escape(tr(FOOTNOTE, lang).format(ci='95%'))}[/dim]")


def labels_of(pathway: Pathway, lang: str | None = None) -> dict[str, dict[str, str]]:
    """Step, role and deadline labels (in ``lang``, else the first locale) and the title, for
    the text output."""
    from pathways.cli._terminal import shown
    from pathways.model import label_text

    loc = tuple(pathway.locales)

    def text(label: Label | None, default: str) -> str:
        return shown(label_text(label, lang, loc) or default)  # for a terminal

    return {
        "steps": {s.id: text(s.label, s.id) for s in pathway.steps},
        "roles": {r.id: text(r.title, r.id) for r in pathway.roles},
        "deadlines": {d.id: text(d.label, d.id) for d in pathway.deadlines},
        "title": {"text": text(pathway.title, pathway.id)},
    }


def print_comparison(
    console: Console,
    data: Mapping[str, Any],
    lang: str | None = None,
    labels: Mapping[str, Mapping[str, str]] | None = None,
    pathway: Pathway | None = None,
) -> None:
    """The baseline and each what-if: what it changed, and every headline KPI side by side with
    the difference (what-if minus baseline), its 95% interval and a within-noise marker; the
    tool's words in ``lang``, steps and roles by their ``labels``, the changes in words with
    the labels of ``pathway`` (:func:`~pathways.simulate.compare.change_words`; as written
    without it)."""
    from rich.markup import escape
    from rich.table import Table

    from pathways.cli._terminal import shown
    from pathways.model import label_text
    from pathways.report.html import _kpi_name
    from pathways.simulate.compare import change_words

    def said(changes: Sequence[str]) -> str:
        words = change_words(pathway, changes, lang) if pathway is not None else changes
        return shown(", ".join(words)) or tr("none", lang)

    steps = (labels or {}).get("steps", {})
    roles = (labels or {}).get("roles", {})
    deadlines = (labels or {}).get("deadlines", {})
    base = data["baseline"]
    name = base["name"] if base["name"] != "as written" else tr("as written", lang)
    head = tr("{name} (changes: {changes}); {cases}, seed {seed} for every run", lang).format(
        name=name,
        changes=said(base["changes"]),
        cases=tr("{n} cases", lang).format(n=f"{base['result']['cases']:,}"),
        seed=base["result"]["seed"],
    )
    console.print(_headed(tr("Baseline", lang), head, lang))
    for item in data["what_ifs"]:
        changes = said(item["changes"])
        title = tr("What-if {name}", lang).format(name=item["name"])
        about = item.get("description")
        scenarios = pathway.scenarios if pathway is not None and about else ()
        locales = tuple(pathway.locales) if pathway is not None else ()
        for scenario in scenarios:
            if scenario.name == item["name"]:  # the JSON says it in the first locale
                about = label_text(scenario.description, lang, locales) or about
        about = shown(about) if about else about
        head = _headed(title, about, lang) if about else f"[bold]{escape(title)}[/bold]"
        changed = tr("(changes: {changes})", lang).format(changes=changes)
        console.print(f"\n{head} {escape(changed)}")
        _print_saturation(console, item["result"], lang, roles)
        table = Table(show_header=True)
        ci_head = tr("difference ({ci} CI)", lang).format(ci="95%")
        for col in (tr("KPI", lang), tr("baseline", lang), tr("what-if", lang), ci_head, ""):
            table.add_column(
                escape(col), justify="left" if col in (tr("KPI", lang), "") else "right"
            )
        for row in item["differences"]:
            if row["kind"] == "share":
                scale, unit, digits = 100.0, "%", 1
            else:
                scale, unit, digits = 1.0, " " + tr("{n} h", lang).format(n="").strip(), 1

            def fmt(
                x: float, sign: bool = False, scale: float = scale, digits: int = digits
            ) -> str:
                return f"{x * scale:{'+' if sign else ''},.{digits}f}"

            ci = row["ci95"]
            between = tr("({low} to {high})", lang)
            diff = f"{fmt(row['difference'], True)}{unit}" + (
                " " + between.format(low=fmt(ci[0], True), high=fmt(ci[1], True)) if ci else ""
            )
            table.add_row(
                escape(_kpi_name(row["kpi"], row["label"], steps, roles, lang, deadlines)),
                f"{fmt(row['baseline'])}{unit}",
                f"{fmt(row['what_if'])}{unit}",
                diff,
                escape(tr("within noise", lang)) if row["within_noise"] else "",
            )
        console.print(table)
        from pathways.simulate.compare import headline_sentences

        about = about or item["name"]  # in the reader's language (above)
        sentences = headline_sentences(about, item["result"], base["result"], lang, deadlines)
        for sentence in sentences:
            console.print(f"  {escape(sentence)}")


def _plan(
    pathway: Pathway,
    scenario: str | None,
    sets: list[str],
    compare: list[str],
    visibility: Visibility | None = None,
    lang: str | None = None,
    checks: Mapping[str, Any] | None = None,
) -> list[tuple[str, Pathway, list[str], str]]:
    """The runs to make: (name, pathway, overrides, description); the first is the baseline.

    The baseline is the file, with ``--scenario`` and the ``--set`` changes; ``--compare set``
    makes the ``--set`` changes a what-if instead.
    """
    from pathways.errors import SimulationError
    from pathways.model import label_text
    from pathways.simulate.overrides import scenario_overrides

    def described(name: str) -> str:
        for s in pathway.scenarios:
            if s.name == name:
                return label_text(s.description, None, tuple(pathway.locales)) or ""
        return ""

    what_if_sets = "set" in compare
    base_changes = list(scenario_overrides(pathway, scenario)) if scenario else []
    if not what_if_sets:
        base_changes += sets
    base_name = scenario or "as written"
    runs = [(base_name, pathway, base_changes, described(base_name))]
    names: list[str] = []
    for item in compare:
        if item == "all":
            names += [s.name for s in pathway.scenarios if s.name != scenario]
        else:
            names.append(item)
    for name in dict.fromkeys(names):
        if name == "set":
            if not sets:
                raise SimulationError("--compare set: give the changes with --set PATH=VALUE")
            runs.append(("--set", pathway, [*base_changes, *sets], ""))
        elif os.path.isfile(name) and not any(s.name == name for s in pathway.scenarios):
            other = _load(Path(name), visibility, lang, checks)
            if other is None:
                raise SimulationError(f"--compare {name}: the file does not load (see above)")
            runs.append((name, other, [], ""))
        else:
            try:
                changes = list(scenario_overrides(pathway, name))
            except SimulationError as exc:
                raise SimulationError(str(exc).replace("--scenario", "--compare", 1)) from None
            runs.append((name, pathway, [*base_changes, *changes], described(name)))
    if compare and len(runs) == 1:
        raise SimulationError("--compare all: the file has no other scenario to compare")
    return runs


def _warn_before_run(
    pathway: Pathway,
    seed: int,
    arrivals_per_day: float | None,
    overrides: list[str] | None,
    where: str = "",
    lang: str | None = None,
) -> None:
    """Print, before a run starts, every role at or near saturation (stderr)."""
    from pathways.simulate import saturation_before_run
    from pathways.simulate.saturation import message

    found = saturation_before_run(
        pathway, seed=seed, arrivals_per_day=arrivals_per_day, overrides=overrides or None
    )
    for entry in found:
        word = tr(N_("saturated") if entry["level"] == "unstable" else N_("near saturation"), lang)
        words = tr("warning{where}: {word}: {message}", lang)
        typer.echo(words.format(where=where, word=word, message=message(entry, lang)), err=True)


def progress_shown(progress: bool | None, *, quiet: bool, format: str) -> bool:
    """Whether to draw the progress bar: never with --quiet; as --progress/--no-progress say;
    else only for text output with stderr on a terminal (a pipe, a log file or JSON for a
    program gets no bar)."""
    if quiet:
        return False
    if progress is not None:
        return progress
    return format == "text" and sys.stderr.isatty()


HELP_SIMULATE = N_(
    """Run cases through a pathway and report outcomes, times, deadlines, queues and visits.

Examples:

  pathways simulate pathway.yaml

  pathways simulate pathway.yaml --set roles.doctor.capacity=2

  pathways simulate pathway.yaml --compare all -o what-ifs.json

  pathways simulate pathway.yaml --lang km"""
)


@app.command("simulate", help=HELP_SIMULATE)
def simulate(
    path: PathwayFile,
    cases: Annotated[int, typer.Option("--cases", help=N_("Number of cases."), min=1)] = 10000,
    seed: Annotated[int, typer.Option("--seed", help=N_("Random seed."), min=0)] = 0,
    workers: Annotated[int, typer.Option("--workers", help=N_("Processes to use."), min=1)] = 1,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help=N_("Dask scheduler address (tcp://host:port).")),
    ] = None,
    arrivals_per_day: Annotated[
        float | None,
        typer.Option(
            "--arrivals-per-day", help=N_("Poisson arrivals per day (overrides the file).")
        ),
    ] = None,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress",
            help=N_(
                "Progress bar on stderr, moving with each hundredth of the cases or every second, "
                "whichever comes later (default: when stderr is a terminal and --format is text)."
            ),
        ),
    ] = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help=N_("No progress bar (warnings and errors still go to stderr).")
        ),
    ] = False,
    format: TextOrJson = "text",
    select: SelectCodes = None,
    ignore: IgnoreCodes = None,
    today: TodayDate = None,
    overrides: Annotated[
        list[str] | None,
        typer.Option(
            "--set", help=N_("What-if change PATH=VALUE, e.g. roles.social_worker.capacity=5.")
        ),
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help=N_("Run this scenario of the file's `scenarios:` block.")),
    ] = None,
    compare: Annotated[
        list[str] | None,
        typer.Option(
            "--compare",
            help=N_(
                "Compare with the baseline, same seed: a scenario NAME, 'all' (every scenario), "
                "'set' (the --set changes) or another pathway FILE; repeatable."
            ),
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help=N_("Also write the JSON to this file."))
    ] = None,
    visibility: Annotated[
        Visibility | None,
        typer.Option(
            **VISIBILITY_OPTION,
            help=N_(
                "Write for readers at this level: roles of hidden agencies are named by "
                "stand-ins (default: no redaction)."
            ),
        ),
    ] = None,
    max_cases: Annotated[
        int | None,
        typer.Option(
            "--max-cases",
            help=N_("The ceiling on --cases (default 1,000,000; memory: ~250 bytes a case)."),
            min=1,
        ),
    ] = None,
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit", help=N_("Seconds a run may take before it is stopped."), min=0.001
        ),
    ] = 600.0,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help=N_(
                "Language of the text output: the tool's words and the labels, e.g. km (JSON "
                "stays English)."
            ),
        ),
    ] = None,
) -> int:
    from rich.console import Console

    from pathways.errors import SimulationError
    from pathways.simulate import simulate as run
    from pathways.simulate.overrides import apply_overrides
    from pathways.visibility import view

    check_choice(format, ("text", "json"))
    check_paths(path, output)
    checks: dict[str, Any] = {"select": parse_codes(select), "ignore": parse_codes(ignore)}
    checks["today"] = parse_today(today)
    # --lang is checked against the file's own locales once it is loaded (see routes).
    pathway = _load(path, visibility, lang, checks)
    if pathway is None:
        return 1
    warn_lang(lang, pathway.locales)
    show = progress_shown(progress, quiet=quiet, format=format)
    options: dict[str, Any] = {
        "cases": cases,
        "seed": seed,
        "workers": workers,
        "scheduler": scheduler,
        "arrivals_per_day": arrivals_per_day,
        "progress": show,
        "time_limit": time_limit,
    }
    if max_cases is not None:
        options["max_cases"] = max_cases
    sets = list(overrides or [])
    try:
        plan = _plan(pathway, scenario, sets, compare or [], visibility, lang, checks)
        if visibility is not None:
            # overrides name the file's own ids; the reader's view is taken after them
            plan = [
                (name, view(apply_overrides(what, changes or ()), visibility), [], about)
                for name, what, changes, about in plan
            ]
        for name, what, changes, _ in plan:
            where = f" ({name})" if compare else ""
            try:
                _warn_before_run(what, seed, arrivals_per_day, changes, where, lang)
            except SimulationError as exc:
                if name in {s.name for s in pathway.scenarios}:
                    raise SimulationError(f"scenario {name!r}: {exc}") from None
                raise
        runs = []
        scenario_names = {s.name for s in pathway.scenarios}
        for number, (name, what, changes, description) in enumerate(plan):
            try:
                result = run(what, overrides=changes or None, **options).to_dict()
            except SimulationError as exc:
                if name in scenario_names:
                    raise SimulationError(f"scenario {name!r}: {exc}") from None
                raise
            said = changes
            if number and name != "--set" and name not in scenario_names:  # another file
                from pathways.simulate.compare import file_changes

                _, base_what, base_overrides, _ = plan[0]
                said = file_changes(apply_overrides(base_what, base_overrides), what, lang)
            runs.append((name, said, description, result))
    except SimulationError as exc:
        words = tr("error: {message}", lang)
        typer.echo(words.format(message=error_message(str(exc), lang)), err=True)
        return 1
    data: dict[str, Any]
    if not compare:
        data = dict(runs[0][3])
    else:
        from pathways.simulate.compare import differences, headline_sentences

        base_name, base_changes, _, base = runs[0]
        data = {
            "baseline": {"name": base_name, "changes": base_changes, "result": base},
            "what_ifs": [
                {
                    "name": name,
                    "description": description,
                    "changes": changes,
                    "result": result,
                    "differences": differences(base, result),
                    "sentences": headline_sentences(description or name, result, base),
                }
                for name, changes, description, result in runs[1:]
            ],
        }
    try:
        text = json.dumps(data, indent=2, allow_nan=False)
    except ValueError as exc:  # a non-finite number: a bug, refused rather than written
        typer.echo(f"error: the result holds {exc}", err=True)
        return 1
    if output is not None:
        try:
            output.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            typer.echo(f"error: cannot write {str(output)!r}: {exc.strerror or exc}", err=True)
            return 1
    if format == "json":
        typer.echo(text)
        return 0
    console = Console(file=sys.stdout, width=max(100, Console().width))
    if not compare:
        print_result(console, runs[0][3], labels_of(pathway, lang), lang)
    else:
        print_comparison(console, data, lang, labels_of(pathway, lang), pathway)
    return 0
