"""PW5xx: upkeep of a pathway: translations, contacts that still work, durations."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pathways.findings import Finding, Severity
from pathways.guards.population import guard_constants, population_example
from pathways.model import Label, Pathway
from pathways.rules._base import Rule, RuleContext, rule

__all__ = ["RULES"]

STALE_AFTER_DAYS = 365


def _labels(ctx: RuleContext) -> Iterator[tuple[tuple[str | int, ...], str, Label | None]]:
    """(document path, what it is, label) for every label of the pathway, in file order."""
    p = ctx.pathway
    yield ("title",), "the pathway title", p.title
    for i, agency in enumerate(p.agencies):
        yield ("agencies", i, "name"), f"the name of agency {agency.id!r}", agency.name
    for i, role in enumerate(p.roles):
        yield ("roles", i, "title"), f"the title of role {role.id!r}", role.title
    for i, step in enumerate(p.steps):
        yield ("steps", i, "label"), f"the label of step {step.id!r}", step.label
    for i, t in enumerate(p.transitions):
        yield ("transitions", i, "label"), f"the label of transition {i}", t.label
    for i, deadline in enumerate(p.deadlines):
        yield ("deadlines", i, "label"), f"the label of deadline {deadline.id!r}", deadline.label
    for name, spec in p.case_fields.items():
        yield ("case_fields", name, "label"), f"the label of case field {name!r}", spec.label
        for value, label in (spec.value_labels or {}).items():
            what = f"the label of value {value!r} of case field {name!r}"
            yield ("case_fields", name, "value_labels", value), what, label
    for name, cal in p.calendars.items():
        yield ("calendars", name, "label"), f"the label of calendar {name!r}", cal.label


@rule(code="PW501", name="missing-translation", severity=Severity.WARNING)
def missing_translation(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that every label has a text in each of the pathway's `locales`. Labels are the
    pathway's title, agency names, role titles, and step, transition, deadline, case field
    and calendar labels. A plain string counts as the first locale.

    ## Why is this bad?
    Coordinators, families and children read the pathway in their own language; a step
    without a Khmer label is a step a Khmer reader cannot follow.

    ## Example
    ```yaml
    locales: [en, km]
    steps:
      - {id: intake, label: {en: "Report received"}, ...}   # PW501: no km
    ```

    Use instead: `label: {en: "Report received", km: "ការទទួលរបាយការណ៍"}`.

    ## References
    - Service directories need regular review (Global Protection Cluster); Primero ships a
      `km` locale for Cambodian users.
    """
    locales = ctx.pathway.locales
    for path, what, label in _labels(ctx):
        if label is None:
            continue
        if isinstance(label, str):
            missing = list(locales[1:])
        else:
            missing = [lang for lang in locales if not str(label.get(lang, "")).strip()]
        if missing:
            step = None
            transition = None
            if path[0] == "steps":
                step = ctx.pathway.steps[int(path[1])].id
            elif path[0] == "transitions":
                transition = int(path[1])
            yield ctx.report(
                path,
                f"{what} has no {', '.join(repr(m) for m in missing)} text",
                step=step,
                transition=transition,
            )


@rule(code="PW502", name="stale-contact", severity=Severity.WARNING)
def stale_contact(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that every contact with a `verified_on` date was verified within the last 365
    days (measured from today, or from `--today`).

    ## Why is this bad?
    Numbers and offices change. A coordinator who calls a dead number in an emergency loses
    time the child does not have.

    ## Example
    ```yaml
    contacts:
      - {channel: phone, value: "1288", verified_on: 2023-01-15}   # PW502 in 2026
    ```

    Use instead: call the number, then update `verified_on`.

    ## References
    - Global Protection Cluster: "ensure ... updated mapping of service providers on a
      regular basis".
    """
    for i, agency in enumerate(ctx.pathway.agencies):
        for j, contact in enumerate(agency.contacts):
            if contact.verified_on is None:
                continue
            age = (ctx.today - contact.verified_on).days
            if age > STALE_AFTER_DAYS:
                yield ctx.report(
                    ("agencies", i, "contacts", j),
                    f"{contact.channel} contact of {agency.id!r} was last verified "
                    f"{age} days ago ({contact.verified_on.isoformat()})",
                )


@rule(code="PW503", name="missing-duration", severity=Severity.INFO)
def missing_duration(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Notes steps other than outcomes that have no `duration`.

    ## Why is this bad?
    The simulator and the deadline check (PW303) count such a step as taking no time, so
    time-to-outcome and deadline figures come out too optimistic.

    ## Example
    ```yaml
    steps:
      - {id: assessment, kind: action, role: social_worker}   # PW503
    ```

    Use instead: `duration: {min: 1d, mode: 3d, max: 7d}` (or a single value such as `2h`).
    """
    for i, step in enumerate(ctx.pathway.steps):
        if step.kind != "outcome" and step.duration is None:
            yield ctx.report(
                ("steps", i),
                f"step {step.id!r} has no duration; simulation counts it as zero",
                step=step.id,
            )


_BARE_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?(?=\s*(?:$|#|,|\}|\]))")


def _duration_paths(pathway: Pathway) -> Iterator[tuple[tuple[str | int, ...], str | None]]:
    """Every place a duration is written: (path in the document, step it belongs to)."""
    for i, step in enumerate(pathway.steps):
        if step.duration is not None:
            base = ("steps", i, "duration")
            yield base, step.id
            for key in ("min", "mode", "max", "mean"):
                yield (*base, key), step.id
    for i in range(len(pathway.transitions)):
        for name in ("delay", "response_within"):
            base = ("transitions", i, name)
            yield base, None
            if name == "delay":
                for key in ("min", "mode", "max", "mean"):
                    yield (*base, key), None
    for i in range(len(pathway.deadlines)):
        yield ("deadlines", i, "within"), None


@rule(code="PW504", name="duration-without-unit", severity=Severity.WARNING)
def duration_without_unit(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Flags a duration written as a bare number (`within: 72`, `duration: 3`), with no unit.

    ## Why is this bad?
    A bare number is read as hours, silently: `duration: 3` meant as three days becomes three
    hours, and every deadline check and simulation figure after it is wrong. The JSON Schema
    (and so an editor) refuses it, while the tool accepted it.

    ## Example
    ```yaml
    deadlines:
      - {id: medical-care, to: medical, within: 72}   # PW504: 72 what?
    ```

    Use instead: `within: 72h` (or `within: 3d`).
    """
    smap = ctx.pathway.source_map
    if smap is None or not smap.text:
        return
    lines = smap.text.splitlines()
    for path, step in _duration_paths(ctx.pathway):
        where = smap.values.get(path)
        if where is None:
            continue
        line, column = where
        if not 0 < line <= len(lines):
            continue
        match = _BARE_NUMBER.match(lines[line - 1][column - 1 :])
        if match is None:
            continue
        number = match.group(0)
        yield ctx.report(
            path,
            f"{path[-1]}: {number} what? A bare number is read as hours: write {number}h, "
            f"or {number}d if you meant days",
            step=step,
            transition=path[1] if path[0] == "transitions" and isinstance(path[1], int) else None,
        )


@rule(code="PW505", name="field-not-in-population", severity=Severity.INFO)
def field_not_in_population(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Notes a case field that a guard uses but `simulation.population` does not say how to draw
    (or a pathway with guards and no `simulation` at all), once per field, at the first
    guard that uses it. `pathways simulate` refuses such a pathway, and the report says
    "not simulated": this says so when the file is checked.

    ## Why is this bad?
    The simulation draws each case's facts from `simulation.population` to decide which way a
    guarded decision goes. Without the field it cannot run at all, and a working group sees no
    waiting times, deadline breaches or saturation until someone tries.

    ## Example
    ```yaml
    case_fields:
      hours_since_incident: {type: integer, min: 0}
    transitions:
      - {from: triage, to: medical, when: "hours_since_incident <= 72"}   # PW505
    simulation:
      arrivals_per_day: 2                     # no population: nothing to draw
    ```

    Use instead: say how the facts are spread among the children who come. The note gives
    an entry to paste under `simulation:` as it is, which draws the field as its type
    allows: `{uniform: [low, high]}` for an integer or number (its `min` and `max`, or from 0
    to twice the largest number the guards compare it with), `{bernoulli: 0.5}` for a
    boolean, `{choice: {value: 1, ...}}` (every value, equally often) for an enum:

    ```yaml
    simulation:
      arrivals_per_day: 2
      population: {hours_since_incident: {uniform: [0, 144]}}
    ```

    Then change the numbers to how the facts are spread (or use `{fixed: value}`).
    """
    from pathways.guards.tree import field_names

    simulation = ctx.pathway.simulation
    drawn = set(simulation.population) if simulation is not None else set()
    seen = guard_constants(ctx.guards.values())
    noted: set[str] = set()
    for i, expr in sorted(ctx.guards.items()):
        for name in sorted(field_names(expr) - drawn - noted):
            noted.add(name)
            example = population_example(
                name, ctx.pathway.case_fields.get(name), seen.get(name, ())
            )
            yield ctx.report(
                ("transitions", i, "when"),
                f"the pathway cannot be simulated: a guard uses case field {name!r}, but "
                f"simulation.population does not say how to draw it; add e.g. "
                f"`population: {example}` under simulation",
                transition=i,
            )


RULES: tuple[Rule, ...] = (
    missing_translation,
    stale_contact,
    missing_duration,
    duration_without_unit,
    field_not_in_population,
)
