"""PW5xx: upkeep of a pathway: translations, contacts that still work, durations."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator

from pathways.findings import Finding, Severity
from pathways.guards.syntax import format_literal
from pathways.model import MAX_NUMBER, CaseField, Label, Pathway
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
    from pathways.guards.tree import constants, field_names

    simulation = ctx.pathway.simulation
    drawn = set(simulation.population) if simulation is not None else set()
    seen: dict[str, list[object]] = {}
    for expr in ctx.guards.values():
        for name, values in constants(expr).items():
            seen.setdefault(name, []).extend(values)
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


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:[ -][A-Za-z0-9_]+)*")
_YAML_WORDS = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off", "null"})


def _yaml_key(text: str) -> str:
    """``text`` as a key of a YAML flow mapping that reads back as the same string: as it is
    when plain, JSON-quoted otherwise (a word YAML reads as true, false or null included)."""
    if _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


def population_example(name: str, field: CaseField | None, seen: Iterable[object] = ()) -> str:
    """A ``simulation.population`` entry for case field ``name`` that can be pasted into a
    file as it is (YAML flow style), drawn as ``field``'s type allows: an integer or number
    uniformly from its ``min`` (or 0, or the smallest number ``seen``: the guards' constants)
    to its ``max`` (or twice the largest number seen, at least low + 1, at most the largest
    value a population may hold), a boolean as a fair coin, an enum equally often over its
    values. A field the pathway does not declare is drawn as the constants the guards compare
    it with suggest (a boolean without any).

    >>> from pathways.model import CaseField
    >>> population_example("age", CaseField(type="integer", min=0, max=17))
    '{age: {uniform: [0, 17]}}'
    >>> population_example("hours", CaseField(type="number", min=0), [72, 24])
    '{hours: {uniform: [0, 144]}}'
    >>> population_example("score", CaseField(type="number"), [0.5])
    '{score: {uniform: [0, 1]}}'
    >>> population_example("online", CaseField(type="boolean"))
    '{online: {bernoulli: 0.5}}'
    >>> population_example("risk", CaseField(type="enum", values=("low", "yes", "a: b")))
    '{risk: {choice: {low: 1, "yes": 1, "a: b": 1}}}'
    """
    values = list(seen)
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    words = list(dict.fromkeys(v for v in values if isinstance(v, str)))
    if field is not None:
        kind = field.type
    elif numbers:
        kind = "number"
    else:
        kind = "enum" if words else "boolean"
    if kind == "boolean":
        draw = "{bernoulli: 0.5}"
    elif kind == "enum":
        options = list(field.values or ()) if field is not None else words
        draw = "{choice: {" + ", ".join(f"{_yaml_key(v)}: 1" for v in options) + "}}"
    else:
        low = field.min if field is not None and field.min is not None else min([0, *numbers])
        high = (
            field.max
            if field is not None and field.max is not None
            # no further than a file's population may draw (the example must load)
            else min(MAX_NUMBER, max([low + 1, *(2 * v for v in numbers)]))
        )
        low = min(low, high)  # a max below 0 or the guards' numbers
        if kind == "integer":
            low, high = math.ceil(low), math.floor(high)
        ends = [int(v) if float(v).is_integer() else v for v in (low, high)]
        draw = f"{{uniform: [{format_literal(ends[0])}, {format_literal(ends[1])}]}}"
    return f"{{{_yaml_key(name)}: {draw}}}"


RULES: tuple[Rule, ...] = (
    missing_translation,
    stale_contact,
    missing_duration,
    duration_without_unit,
    field_not_in_population,
)
