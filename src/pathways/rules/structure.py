"""PW1xx: can every step be reached, and can every case leave the pathway?"""

from __future__ import annotations

import math
from collections.abc import Iterator

from pathways.findings import Finding, Severity
from pathways.graph import cycle_through
from pathways.rules._base import Rule, RuleContext, rule
from pathways.rules.tracks import game, layout
from pathways.tracks import Structure, traps

__all__ = ["RULES"]

PROBABILITY_TOLERANCE = 1e-6


@rule(code="PW101", name="no-entry-step", severity=Severity.ERROR)
def no_entry_step(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that at least one step has kind `entry`.

    ## Why is this bad?
    Without an entry step no case can start: the pathway does not say where a report is
    received. Every provider should be able to activate a referral, so most pathways have
    several entry steps.

    ## Example
    ```yaml
    steps:
      - {id: intake, kind: action, role: counsellor}   # PW101: nothing is an entry
      - {id: closed, kind: outcome}
    ```

    Use instead: mark the step where reports arrive with `kind: entry`.

    ## References
    - IRC referral principles: survivors must be able to use various entry points
      (endvawnow.org, article 1675).
    """
    if not ctx.entries:
        yield ctx.report(
            ("steps",),
            "no step has kind 'entry', so no case can start; mark the intake step",
            key=True,
        )


@rule(code="PW102", name="no-outcome-step", severity=Severity.ERROR)
def no_outcome_step(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that at least one step has kind `outcome`.

    ## Why is this bad?
    Without an outcome no case can ever be closed or referred out: every case drifts in the
    pathway for ever.

    ## Example
    ```yaml
    steps:
      - {id: intake, kind: entry, role: counsellor}
      - {id: follow_up, kind: action, role: social_worker}   # PW102: no outcome
    ```

    Use instead: add a `kind: outcome` step such as "case closed" and lead to it.

    ## References
    - Inter-Agency Guidelines for Case Management and Child Protection (2014): case closure
      is the last of six case-management steps.
    """
    if not any(ctx.outcomes):
        yield ctx.report(
            ("steps",),
            "no step has kind 'outcome', so no case can ever end; add a closure step",
            key=True,
        )


@rule(code="PW103", name="unreachable-step", severity=Severity.ERROR)
def unreachable_step(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks for steps that no route from any entry step reaches (transitions and referral
    fallbacks both count). Skipped when the pathway has no entry step (that is PW101).
    With parallel tracks it reads "no run enters the step": a join is entered only when a
    track waits on each of its incoming transitions, so a join whose tracks can never all
    arrive, and the steps after it, are unreachable too.

    ## Why is this bad?
    No case can ever arrive at the step. Usually a transition was removed or a target id is
    misspelt, and the service the step stands for is silently cut off.

    ## Example
    ```yaml
    transitions:
      - {from: intake, to: closed}
    steps:
      - {id: medical, kind: action, role: doctor}   # PW103: nothing leads here
    ```

    Use instead: add a transition to the step, or delete it.

    ## References
    - Referral systems must be navigable from any entry point (endvawnow.org, article 1675).
    """
    if not ctx.entries:
        return
    reach = ctx.reach
    runs = game(ctx)
    if runs is not None and runs.complete:
        reach = runs.entered  # with tracks: no run enters the step (SPEC 7.1)
    for i, step in enumerate(ctx.pathway.steps):
        if not reach[i]:
            yield ctx.report(
                ("steps", i),
                f"step {step.id!r} cannot be reached from any entry step",
                step=step.id,
            )


@rule(code="PW104", name="dead-end-step", severity=Severity.ERROR)
def dead_end_step(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks for steps other than outcomes that have no outgoing transition.

    ## Why is this bad?
    A case that arrives there is stuck: no one can move it on, and it never reaches closure.

    ## Example
    ```yaml
    steps:
      - {id: medical, kind: action, role: doctor}   # PW104: no transition leaves it
    ```

    Use instead: add a transition out of the step, or make it `kind: outcome`.

    ## References
    - Inter-Agency Guidelines for Case Management and Child Protection (2014): closure is an
      explicit step every case reaches.
    """
    has_exit = ctx.exits
    for i, step in enumerate(ctx.pathway.steps):
        if step.kind != "outcome" and step.id not in has_exit:
            yield ctx.report(
                ("steps", i),
                f"step {step.id!r} is not an outcome but no transition leaves it",
                step=step.id,
            )


@rule(code="PW105", name="trapped-step", severity=Severity.ERROR)
def trapped_step(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks for closed loops that no case can leave. A closed loop is a set of steps that
    lead to each other (several steps, or one with a transition to itself), that no
    transition or fallback leaves, and that holds no outcome. One finding per loop, at its
    first step in file order, with the loop as `route`.
    Steps that merely lead into a dead end or a loop get no finding of their own.

    ## Why is this bad?
    A case that enters the loop can go round for ever and never be closed: it drifts.

    ## Example
    ```yaml
    transitions:
      - {from: review, to: follow_up}
      - {from: follow_up, to: review}   # PW105 at review: no way out
    ```

    With parallel tracks (SPEC 7.1) a loop also traps the case when its only ways out pass
    a `fork` that sends one track out and another round the loop again: the track that goes
    out can end, the one that goes round cannot, so the case never completes (a livelock;
    BPMN's "no option to complete"). The finding names those forks.

    Use instead: add an exit from the loop to an outcome (for example "close after
    review"); with tracks, put the fork's other exits inside a block that meets again at a
    join before the loop goes round, or leave the loop by a decision.

    ## References
    - Victoria Child Protection Manual, case-planning advice: cases must not drift; follow-up
      loops need an exit.
    """
    sg = ctx.sg
    st = layout(ctx)
    if st is not None:
        yield from _track_traps(ctx, st)
        return
    comp, members = ctx.scc
    for c in ctx.loops:
        group = members[c]
        if any(ctx.outcomes[u] for u in group):
            continue
        if any(comp[v] != c for u in group for v in sg.succ[u]):
            continue
        first = min(group)
        step_id = sg.ids[first]
        loop = cycle_through(first, sg.succ, comp)
        names = ", ".join(repr(sg.ids[u]) for u in sorted(group))
        yield ctx.report(
            ("steps", first),
            f"steps {names} form a loop with no way out to an outcome"
            if len(group) > 1
            else f"step {step_id!r} loops to itself with no way out to an outcome",
            step=step_id,
            route=sg.route(loop),
        )


def _track_traps(ctx: RuleContext, st: Structure) -> Iterator[Finding]:
    """PW105 with tracks: the loops that :func:`pathways.tracks.traps` finds (closed loops
    included: a loop with no way out traps every track in it)."""
    sg = ctx.sg
    for trap in traps(st):
        first = trap.members[0]
        step_id = sg.ids[first]
        names = ", ".join(repr(sg.ids[u]) for u in trap.members)
        if trap.forks:
            forks = ", ".join(repr(sg.ids[f]) for f in trap.forks)
            what = (
                f"steps {names} form a loop that no track can leave for good: its way out "
                f"passes fork(s) {forks}, which also send a track round again, so the case "
                "never completes"
            )
        elif len(trap.members) > 1:
            what = f"steps {names} form a loop with no way out to an outcome"
        else:
            what = f"step {step_id!r} loops to itself with no way out to an outcome"
        yield ctx.report(("steps", first), what, step=step_id, route=sg.route(list(trap.loop)))


@rule(code="PW106", name="outcome-has-exit", severity=Severity.ERROR)
def outcome_has_exit(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks for transitions leaving an outcome step. One finding per such transition, at the
    transition.

    ## Why is this bad?
    An outcome ends the case. A transition out of it means either the step is not really an
    outcome, or a closed case can silently reopen.

    ## Example
    ```yaml
    transitions:
      - {from: closed, to: follow_up}   # PW106: `closed` is an outcome
    ```

    Use instead: make the step an `action` that leads to a real outcome, or remove the
    transition.

    ## References
    - Inter-Agency Guidelines for Case Management and Child Protection (2014): case closure.
    """
    outcome = {s.id for s in ctx.pathway.steps if s.kind == "outcome"}
    for i, t in enumerate(ctx.pathway.transitions):
        if t.source in outcome:
            yield ctx.report(
                ("transitions", i),
                f"transition {i} leaves outcome step {t.source!r}; outcomes end the case",
                step=t.source,
                transition=i,
            )


@rule(code="PW107", name="single-branch-decision", severity=Severity.WARNING)
def single_branch_decision(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks for `decision` steps with fewer than two outgoing transitions.

    ## Why is this bad?
    A decision with one way out decides nothing; usually a branch was forgotten (the "no"
    case of a screening, say).

    ## Example
    ```yaml
    steps:
      - {id: risk_screen, kind: decision, role: social_worker}   # PW107
    transitions:
      - {from: risk_screen, to: safety_plan}
    ```

    Use instead: add the missing branch, or make the step an `action`.
    """
    exits = ctx.exits
    for i, step in enumerate(ctx.pathway.steps):
        if step.kind == "decision" and len(exits.get(step.id, ())) < 2:
            n = len(exits.get(step.id, ()))
            yield ctx.report(
                ("steps", i),
                f"decision step {step.id!r} has {n} outgoing transition{'s' * (n != 1)}; "
                "a decision needs at least two",
                step=step.id,
            )


@rule(code="PW108", name="bad-probabilities", severity=Severity.ERROR)
def bad_probabilities(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks the simulation probabilities of the transitions out of each step. Either none
    has a `probability`, or all have one and they sum to 1 (within 1e-6).

    ## Why is this bad?
    The simulator picks the next step by these weights. Missing or unbalanced weights make
    every simulated figure (time to outcome, missed deadlines) wrong.

    ## Example
    ```yaml
    transitions:
      - {from: screen, to: medical, probability: 0.6}
      - {from: screen, to: closed, probability: 0.3}   # PW108 at screen: sums to 0.9
    ```

    Use instead: give every exit a probability and make them add up to 1.
    """
    transitions = ctx.pathway.transitions
    exits = ctx.exits
    for i, step in enumerate(ctx.pathway.steps):
        out = exits.get(step.id)
        if not out:
            continue
        probs = [p for p in (transitions[j].probability for j in out) if p is not None]
        if not probs:
            continue
        if len(probs) != len(out):
            n = len(out)
            yield ctx.report(
                ("steps", i),
                f"{n - len(probs)} of {n} transitions out of {step.id!r} have no probability; "
                "give all or none",
                step=step.id,
            )
            continue
        total = math.fsum(probs)
        if abs(total - 1.0) > PROBABILITY_TOLERANCE:
            yield ctx.report(
                ("steps", i),
                f"probabilities out of {step.id!r} sum to {total:g}, not 1",
                step=step.id,
            )


@rule(code="PW109", name="ambiguous-event", severity=Severity.ERROR)
def ambiguous_event(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks for two transitions out of one step that share an event name when neither has a
    guard. Reported at the later transition. The exits of a `fork` step all move on one
    event by design, so they are not checked here (PW113 checks forks).

    ## Why is this bad?
    When the event fires, the engine cannot tell which target is meant; the case would go
    to whichever transition happens to come first.

    ## Example
    ```yaml
    transitions:
      - {from: screen, to: medical, event: refer}
      - {from: screen, to: police, event: refer}   # PW109
    ```

    Use instead: give the transitions different events, or guards (`when:`) that tell them
    apart.
    """
    transitions = ctx.pathway.transitions
    steps = ctx.pathway.steps_by_id
    for source, out in ctx.exits.items():
        if len(out) < 2 or (source in steps and steps[source].kind == "fork"):
            continue  # every exit of a fork moves on one event (SPEC 7.1): not ambiguous
        seen: dict[str, int] = {}
        for i in out:
            t = transitions[i]
            if t.when is not None:
                continue
            if t.event in seen:
                yield ctx.report(
                    ("transitions", i),
                    f"transitions {seen[t.event]} and {i} out of {t.source!r} both fire on "
                    f"event {t.event!r} without a guard",
                    step=t.source,
                    transition=i,
                )
            else:
                seen[t.event] = i


RULES: tuple[Rule, ...] = (
    no_entry_step,
    no_outcome_step,
    unreachable_step,
    dead_end_step,
    trapped_step,
    outcome_has_exit,
    single_branch_decision,
    bad_probabilities,
    ambiguous_event,
)
