"""PW110-PW114: parallel tracks (fork and join steps, SPEC 7.1).

Sound fork/join blocks are recognised structurally (:mod:`pathways.tracks`); the token game
is played only on what is not well nested, and each finding carries the run that shows it.
A pathway without fork and join steps gets none of these findings and no extra work.
"""

from __future__ import annotations

from collections.abc import Iterator

from pathways import tracks
from pathways.findings import Finding, Severity
from pathways.rules._base import Rule, RuleContext, rule
from pathways.tracks import Exploration, Structure, explore, has_tracks, structure

__all__ = ["RULES", "game", "layout"]


def layout(ctx: RuleContext) -> Structure | None:
    """The fork/join structure (None for a pathway without fork and join steps)."""
    if not ctx.memo("tracks.has", lambda: has_tracks(ctx.pathway)):
        return None
    return ctx.memo("tracks.structure", lambda: structure(ctx.pathway, ctx.sg))


def game(ctx: RuleContext) -> Exploration | None:
    """The token game's answers (None for a pathway without fork and join steps)."""
    st = layout(ctx)
    if st is None:
        return None
    return ctx.memo("tracks.game", lambda: explore(st, ctx.entries, tracks.STATE_BOUND))


def _story(ctx: RuleContext, route: list[int]) -> tuple[str, ...]:
    return ctx.sg.route(route)


@rule(code="PW110", name="deadlock", severity=Severity.ERROR)
def deadlock(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that no run leaves a track waiting at a `join` that can never be entered again.
    The join waits for a track on each incoming transition, and some run makes that
    impossible (a track took a branch that bypasses the join, ended at an outcome, or waits
    at another join that needs this one first). One finding per join, with the run
    (`route`: the steps entered, in order) that strands the track.

    Well-nested fork/join blocks (every track of a fork ends at its one join) cannot
    deadlock and are recognised from the structure; only the rest is explored, so a
    pathway with thirty parallel tracks is checked in milliseconds.

    ## Why is this bad?
    The case conference never happens: the medical and social tracks have finished and
    wait, while the police track took a branch that never reports back. Nobody closes the
    case, and nobody notices, because each agency did its part.

    ## Example
    ```yaml
    steps:
      - {id: start_tracks, kind: fork, role: social_worker}
      - {id: conference, kind: join, role: social_worker}   # PW110
    transitions:
      - {from: start_tracks, to: medical}
      - {from: start_tracks, to: police_review}
      - {from: medical, to: conference}
      - {from: police_review, to: conference, when: "charged"}
      - {from: police_review, to: closed_by_police, when: "not charged"}
    ```

    Use instead: lead every branch of a track to the join (here: `police_review` reports
    "no charge" to the conference), or end the other tracks on the same branch.

    ## References
    - van der Aalst, "The application of Petri nets to workflow management" (1998):
      soundness (option to complete, proper completion).
    - OMG BPMN 2.0, parallel gateway: the join waits for every incoming flow.
    """
    result = game(ctx)
    if result is None or not result.complete:
        return
    for j, route in sorted(result.deadlock.items()):
        join = ctx.sg.ids[j]
        yield ctx.report(
            ctx.step_path(join),
            f"join {join!r} can be left waiting for ever: in this run a track waits at it "
            "and the join can never be entered again",
            step=join,
            route=_story(ctx, route),
        )


@rule(code="PW111", name="tracks-collide", severity=Severity.ERROR)
def tracks_collide(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that no run puts two tracks at the same step, or two tracks waiting on the same
    transition into a `join` (lack of synchronisation). One finding per step or join, with
    the run (`route`) that brings them together; at a join, `transition` is the transition
    both wait on.

    ## Why is this bad?
    Two tracks that meet at an ordinary step do its work twice: the child is examined or
    interviewed twice, two agencies each think they own the step, and the case record forks.

    ## Example
    ```yaml
    transitions:
      - {from: start_tracks, to: medical}
      - {from: start_tracks, to: police}
      - {from: medical, to: case_review}
      - {from: police, to: case_review}   # PW111 at case_review: it is not a join
    ```

    Use instead: make the meeting step a `kind: join` (the case waits for both tracks and
    goes on once), or send the tracks to different steps.

    ## References
    - van der Aalst (1998): safeness of workflow nets; BPMN 2.0 "lack of synchronisation".
    """
    result = game(ctx)
    if result is None:
        return
    for u, (route, transition) in sorted(result.collide.items()):
        step = ctx.sg.ids[u]
        where = (
            f"two tracks wait on transition {transition} into join {step!r}"
            if transition is not None
            else f"two tracks are at step {step!r} at once"
        )
        yield ctx.report(
            ctx.step_path(step),
            f"{where}: its work would be done twice",
            step=step,
            transition=transition,
            route=_story(ctx, route),
        )


@rule(code="PW112", name="track-left-running", severity=Severity.ERROR)
def track_left_running(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that no run enters an outcome step while another track of the case is still
    running. A track waiting at a join counts as running; two tracks that a fork sends into
    outcomes in one move count too. One finding per outcome step, with the run (`route`).

    ## Why is this bad?
    The case is recorded as closed while a doctor, an investigator or a social worker is
    still working on it: their work is orphaned, deadlines stop being watched, and the
    family hears that the case is over when it is not.

    ## Example
    ```yaml
    transitions:
      - {from: start_tracks, to: medical}
      - {from: start_tracks, to: police}
      - {from: medical, to: conference}
      - {from: police, to: conference}
      - {from: police, to: closed}   # PW112 at closed: the medical track is still running
    ```

    Use instead: lead the track to the join, and close the case after the join.

    ## References
    - van der Aalst (1998): proper completion of workflow nets.
    """
    result = game(ctx)
    if result is None:
        return
    for o, route in sorted(result.left_running.items()):
        step = ctx.sg.ids[o]
        yield ctx.report(
            ctx.step_path(step),
            f"outcome {step!r} can be entered while another track is still running",
            step=step,
            route=_story(ctx, route),
        )


@rule(code="PW113", name="bad-fork-or-join", severity=Severity.ERROR)
def bad_fork_or_join(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks the shape of `fork` and `join` steps. A fork needs at least two outgoing
    transitions, none of them guarded (`when`) or weighted (`probability`), all on one
    event; a join needs at least two incoming transitions; no referral may fall back
    (`on_reject`) into a join. The finding names the fork or join (for a fallback: the join,
    with `transition` = the referral; for a guarded or weighted exit: the fork, with
    `transition` = the exit, which the message names by its target).

    ## Why is this bad?
    A fork starts every track at once: a guard or a probability on one of its exits means
    someone thought it was a decision. A join with one incoming transition gathers nothing,
    and a declined referral that falls back into a join would arrive there without the
    transition the join waits on.

    ## Example
    ```yaml
    transitions:
      - {from: start_tracks, to: medical, when: "injured"}   # PW113: guarded fork exit
      - {from: start_tracks, to: police}
    ```

    Use instead: make the step a `kind: decision` if only one branch is taken, or put the
    condition on a decision inside the track.

    ## References
    - OMG BPMN 2.0, parallel gateway: outgoing flows carry no conditions.
    """
    p = ctx.pathway
    kinds = {s.id: s.kind for s in p.steps}
    into: dict[str, int] = {}
    for t in p.transitions:
        into[t.to] = into.get(t.to, 0) + 1
    for step in p.steps:
        if step.kind == "fork":
            exits = ctx.exits.get(step.id, [])
            if len(exits) < 2:
                yield ctx.report(
                    ctx.step_path(step.id),
                    f"fork {step.id!r} has {len(exits)} outgoing transition(s); a fork "
                    "starts at least two tracks",
                    step=step.id,
                )
            events = {p.transitions[i].event for i in exits}
            for i in exits:
                t = p.transitions[i]
                what = [
                    name
                    for name, value in (("a guard", t.when), ("a probability", t.probability))
                    if value is not None
                ]
                if what:
                    yield ctx.report(
                        ("transitions", i),
                        f"the exit of fork {step.id!r} to {t.to!r} has {' and '.join(what)}; "
                        "every exit of a fork is taken at once",
                        step=step.id,
                        transition=i,
                    )
            if len(events) > 1:
                yield ctx.report(
                    ctx.step_path(step.id),
                    f"the exits of fork {step.id!r} move on different events "
                    f"({', '.join(sorted(events))}); all exits of a fork move on one event",
                    step=step.id,
                )
        elif step.kind == "join" and into.get(step.id, 0) < 2:
            yield ctx.report(
                ctx.step_path(step.id),
                f"join {step.id!r} has {into.get(step.id, 0)} incoming transition(s); a join "
                "gathers at least two tracks",
                step=step.id,
            )
    for i, t in enumerate(p.transitions):
        if t.kind == "referral" and t.on_reject and kinds.get(t.on_reject) == "join":
            yield ctx.report(
                ("transitions", i, "on_reject"),
                f"referral {i} falls back into join {t.on_reject!r}; a declined track would "
                "arrive without a transition to wait on",
                step=t.on_reject,
                transition=i,
            )


@rule(code="PW114", name="tracks-not-explored", severity=Severity.INFO)
def tracks_not_explored(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Says when the parallel tracks of a pathway could not be checked exactly. Well-nested
    fork/join blocks are checked from their structure; the forks that are not well nested
    are explored state by state, up to a bound (20,000 states). Past the bound, this
    finding names those forks, PW110 is not reported (undecided), and PW103 and PW301 fall
    back to the step graph; PW111 and PW112 still report what the explored runs show.

    When a run comes back to a state with every track it had and more (a fork on a loop
    whose tracks never meet again), the tracks pile up without end: the state space is
    infinite, and the exploration stops at once, with this finding and the run (`route`)
    that shows it, instead of at the bound. Such a pathway always has a PW111 (some step
    gets two tracks), and PW105 says when the pile-up also means the case can never
    complete.

    ## Why is this bad?
    It is not a fault of the pathway as such, but its tracks interact in so many ways that
    nobody (and no checker) can be sure they always meet again. Simpler structure is
    easier to run, too.

    ## Example
    ```text
    p.yaml:12:5: PW114 [info] the tracks from forks 'a', 'b' were not fully explored ...
    ```

    Use instead: make each fork's tracks end at one join (a block); nest blocks rather than
    crossing them.
    """
    result = game(ctx)
    st = layout(ctx)
    if result is None or st is None or result.complete:
        return
    loose = [ctx.sg.ids[f] for f in st.loose_forks] or [ctx.sg.ids[j] for j in st.into]
    first = loose[0]
    forks = ", ".join(repr(f) for f in loose)
    if result.unbounded is not None:
        yield ctx.report(
            ctx.step_path(first),
            f"the tracks from {forks} pile up without end: this run comes back to a state "
            "with every track it had and more, so there are infinitely many states; whether "
            "a join can wait for ever (PW110) is undecided there",
            step=first,
            route=_story(ctx, result.unbounded),
        )
        return
    yield ctx.report(
        ctx.step_path(first),
        f"the tracks from {forks} were not fully explored: more than {result.states} "
        "states; whether a join can wait for ever (PW110) is undecided there",
        step=first,
    )


RULES: tuple[Rule, ...] = (
    deadlock,
    tracks_collide,
    track_left_running,
    bad_fork_or_join,
    tracks_not_explored,
)
