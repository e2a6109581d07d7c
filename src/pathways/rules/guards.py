"""PW4xx: do the guards (`when:`) of a step's exits make sense together?

The analysis is exact over the domains that ``case_fields`` declare (booleans, enums, bounded
and unbounded integers and numbers): :mod:`pathways.guards` splits each field's domain into the
classes its guards can tell apart and searches that product; no sampling, no solver.
"""

from __future__ import annotations

from collections.abc import Iterator

from pathways.findings import Finding, Severity, case_text
from pathways.guards import Expr, GuardError, never_true, overlap_case, uncovered_case
from pathways.rules._base import Rule, RuleContext, rule

__all__ = ["RULES"]


@rule(code="PW401", name="guard-never-true", severity=Severity.WARNING)
def guard_never_true(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks for guards that no case allowed by `case_fields` can satisfy (for example
    `age > 17` when `age` has `max: 17`).

    ## Why is this bad?
    The transition can never be taken: the branch it stands for is dead, and usually the
    condition was mistyped or the field's range is wrong.

    ## Example
    ```yaml
    case_fields: {age: {type: integer, min: 0, max: 17}}
    transitions:
      - {from: screen, to: adult_services, when: "age >= 18"}   # PW401
    ```

    Use instead: fix the condition or the field's range, or remove the transition.
    """
    fields = ctx.pathway.case_fields
    for i, expr in sorted(ctx.guards.items()):
        t = ctx.pathway.transitions[i]
        try:
            dead = never_true(expr, fields)
        except GuardError:
            continue
        if dead:
            yield ctx.report(
                ("transitions", i),
                f"guard {t.when!r} of {t.source!r} -> {t.to!r} holds for no allowed case",
                step=t.source,
                transition=i,
            )


def _guarded_exits(ctx: RuleContext) -> dict[str, list[tuple[int, Expr | None]]]:
    """Exits of every step that has at least one guarded exit: (index, guard or None)."""

    def make() -> dict[str, list[tuple[int, Expr | None]]]:
        guards = ctx.guards
        if not guards:
            return {}
        sources = {ctx.pathway.transitions[i].source for i in guards}
        exits: dict[str, list[tuple[int, Expr | None]]] = {}
        for i, t in enumerate(ctx.pathway.transitions):
            if t.source in sources:
                exits.setdefault(t.source, []).append((i, guards.get(i)))
        return exits

    return ctx.memo("guarded_exits", make)


@rule(code="PW402", name="decision-not-exhaustive", severity=Severity.ERROR)
def decision_not_exhaustive(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    For each step whose exits all have guards, looks for a case allowed by `case_fields`
    that matches none of them; `case` shows one (only the fields that matter).

    ## Why is this bad?
    Such a case is stuck at the step: no transition may fire, and the child waits with no
    one responsible for the next move.

    ## Example
    ```yaml
    transitions:
      - {from: screen, to: child_services, when: "age < 12"}
      - {from: screen, to: youth_services, when: "age > 12"}   # PW402 at screen: age 12
    ```

    Use instead: cover the gap (`age >= 12`), or add an unguarded default exit.
    """
    fields = ctx.pathway.case_fields
    exits = _guarded_exits(ctx)
    for k, step in enumerate(ctx.pathway.steps):
        out = exits.get(step.id)
        if not out or any(expr is None for _, expr in out):  # unguarded (or unparsable) exit
            continue
        exprs = [expr for _, expr in out if expr is not None]
        try:
            case = uncovered_case(exprs, fields)
        except GuardError:
            continue
        if case is not None:
            shown = case_text(case) or "any case"
            yield ctx.report(
                ("steps", k),
                f"no guard out of {step.id!r} holds for {shown}, so such a case is stuck",
                step=step.id,
                case=dict(case),
            )


@rule(code="PW403", name="overlapping-guards", severity=Severity.WARNING)
def overlapping_guards(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks pairs of guarded exits of a step that lead to different steps: if some case
    allowed by `case_fields` satisfies both, reports it at the later transition with that
    `case`.

    ## Why is this bad?
    For such a case the pathway does not say where the child goes; the engine takes the
    first transition in file order, which is rarely a deliberate choice.

    ## Example
    ```yaml
    transitions:
      - {from: screen, to: medical, when: "age <= 12"}
      - {from: screen, to: police, when: "age >= 12"}   # PW403: age 12 matches both
    ```

    Use instead: make the guards exclusive (`age > 12`), or merge the branches.
    """
    fields = ctx.pathway.case_fields
    transitions = ctx.pathway.transitions
    for source, out in _guarded_exits(ctx).items():
        del source
        guarded = [(i, expr) for i, expr in out if expr is not None]
        for a in range(len(guarded)):
            i, first = guarded[a]
            for b in range(a + 1, len(guarded)):
                j, second = guarded[b]
                if transitions[i].to == transitions[j].to:
                    continue
                try:
                    case = overlap_case(first, second, fields)
                except GuardError:
                    continue
                if case is None:
                    continue
                t = transitions[j]
                shown = case_text(case)
                yield ctx.report(
                    ("transitions", j),
                    f"guards of transitions {i} and {j} out of {t.source!r} both hold for "
                    f"{shown or 'any case'}",
                    step=t.source,
                    transition=j,
                    case=dict(case),
                )


RULES: tuple[Rule, ...] = (guard_never_true, decision_not_exhaustive, overlapping_guards)
