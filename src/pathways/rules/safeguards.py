"""PW3xx: safeguards for the child: interviews, deadlines, consent, clearance.

The route rules here (PW301-PW305) never enumerate routes: each is a dynamic programme or a
reachability question on the condensation of the step graph, linear in steps plus
transitions, and each finding carries a witness route rebuilt from the programme.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from pathways.findings import Finding, Severity
from pathways.graph import MaskSet, cycle_through, outside, reachable, shortest_path
from pathways.i18n import human_hours
from pathways.model import Confidentiality, Pathway
from pathways.route_dp import INF, INTERVIEW, NEG, Longest, best_start, longest_routes
from pathways.rules._base import Rule, RuleContext, rule
from pathways.rules.tracks import game, layout
from pathways.tracks import Exploration, JoinWait, join_waits, regions, run_graph

__all__ = ["RULES"]

CONSENT = "consent"
MAX_LOOP_TURNS = 10
TIME_TOLERANCE = 1e-9


@rule(code="PW301", name="too-many-interviews", severity=Severity.ERROR)
def too_many_interviews(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that no route has more `interview` steps than `policies.max_interviews`
    (default 1). It finds the route from an entry step to an outcome with the most
    interviews and reports it when it is over the limit. Loops count: an
    interview on a loop that a route can take makes the count unbounded. The finding sits at
    the first interview over the limit on that route (`step`), with the route as witness.
    Computed by dynamic programming on the condensation of the graph, never by listing
    routes. With parallel tracks, the interviews of all tracks of one complete run add up:
    two tracks that each interview the child are two interviews.

    ## Why is this bad?
    Every interview makes the child tell the story again. Repeated interviews retraumatise
    and weaken the evidence; in Cambodia child victims were "usually interviewed more than
    twice".

    ## Example
    ```yaml
    policies: {max_interviews: 1}
    steps:
      - {id: police_interview, tags: [interview], ...}
      - {id: court_hearing, tags: [interview], ...}   # PW301: second interview on a route
    ```

    Use instead: record the first interview and let later steps reuse the recording (tag
    them `court` rather than `interview`), or waive the finding with a reason.

    ## References
    - UN Guidelines on Justice in Matters involving Child Victims and Witnesses of Crime
      (ECOSOC 2005/20): limit the number of interviews.
    - Phnom Penh Post (2017): child victims "usually interviewed more than twice".
    """
    limit = ctx.pathway.policies.max_interviews
    runs = game(ctx)
    if runs is not None and runs.complete:
        yield from _interviews_of_runs(ctx, runs, limit)
        return
    res = ctx.interviews
    start = best_start(res, ctx.entries)
    if start is None or res.value[start] <= limit:
        return
    sg = ctx.sg
    prefix, loop, suffix = res.route(start)
    steps = ctx.pathway.steps

    def interviews(part: list[int]) -> int:
        return sum(1 for u in part if INTERVIEW in steps[u].tags)

    nodes = list(prefix)
    if loop:
        # Go round the loop just often enough to pass the limit (at most MAX_LOOP_TURNS
        # times; past that the loop is shown once and the message says "unbounded").
        per_turn = max(interviews(loop[1:]), 1)
        needed = limit + 1 - interviews(prefix) - interviews(suffix[1:])
        turns = max(1, -(-needed // per_turn))
        nodes.extend(loop[1:] * (turns if turns <= MAX_LOOP_TURNS else 1))
    nodes.extend(suffix[1:])
    route = sg.route(nodes)
    count = 0
    over = next((u for u in loop if INTERVIEW in steps[u].tags), nodes[0])
    for u in nodes:
        if INTERVIEW in steps[u].tags:
            count += 1
            if count == limit + 1:
                over = u
                break
    yield ctx.report(
        ("steps", over),
        f"a route has {_interviews(res.value[start])}, above the limit of {limit}; "
        f"{sg.ids[over]!r} is interview {limit + 1} on it",
        step=sg.ids[over],
        route=route,
    )


def _interviews(worst: float) -> str:
    """``1 interview``, ``2 interviews`` or ``an unbounded number of interviews`` (a limit of
    0 is passed by a single interview)."""
    if worst == INF:
        return "an unbounded number of interviews"
    n = int(worst)
    return f"{n} interview{'s' * (n != 1)}"


def _interviews_of_runs(ctx: RuleContext, runs: Exploration, limit: int) -> Iterator[Finding]:
    """PW301 with tracks: the most interviews over complete runs, from the token game."""
    if runs.interviews <= limit:
        return
    steps = ctx.pathway.steps
    route = runs.interviews_route
    over = next((u for u in route if INTERVIEW in steps[u].tags), route[0])
    count = 0
    for u in route:
        if INTERVIEW in steps[u].tags:
            count += 1
            if count == limit + 1:
                over = u
                break
    yield ctx.report(
        ("steps", over),
        f"a run has {_interviews(runs.interviews)} over its tracks, above the limit of {limit}; "
        f"{ctx.sg.ids[over]!r} is interview {min(count, limit + 1)} on it",
        step=ctx.sg.ids[over],
        route=ctx.sg.route(route),
    )


@rule(code="PW302", name="unbounded-interviews", severity=Severity.ERROR)
def unbounded_interviews(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks for `interview` steps on a loop (a set of steps that lead back to each other).
    One finding per loop, at its first interview step in file order, with the loop as
    `route`. A referral whose `on_reject` is its own `from` step is a loop too: a declined
    referral brings the child back.

    ## Why is this bad?
    On a loop, nothing limits how often the child is interviewed.

    ## Example
    ```yaml
    transitions:
      - {from: interview, to: review}
      - {from: review, to: interview}   # PW302: re-interview without limit
    ```

    Use instead: loop back to a step after the interview, and reuse the recorded statement.

    ## References
    - UN Guidelines on Justice in Matters involving Child Victims and Witnesses of Crime
      (ECOSOC 2005/20); domain notes rule V14.
    """
    sg = ctx.sg
    comp, members = ctx.scc
    steps = ctx.pathway.steps
    for c in ctx.loops:
        group = members[c]
        interviews = [u for u in group if INTERVIEW in steps[u].tags]
        if not interviews:
            continue
        first = min(interviews)
        yield ctx.report(
            ("steps", first),
            f"interview step {sg.ids[first]!r} lies on a loop, so a child can be interviewed "
            "without limit",
            step=sg.ids[first],
            route=sg.route(cycle_through(first, sg.succ, comp)),
        )


def _starts(ctx: RuleContext, source: str | None) -> list[int]:
    """Where a deadline is measured from: its `from`, or every entry step; only steps an
    entry reaches."""
    if source is None:
        return list(ctx.entries)
    i = ctx.sg.index.get(source)
    return [i] if i is not None and ctx.reach[i] else []


@rule(code="PW303", name="deadline-at-risk", severity=Severity.ERROR)
def deadline_at_risk(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that the slowest route from a deadline's `from` to its `to` stays within
    `within`. For every deadline, it finds the longest possible time from entering `from` (each
    entry step when `from` is not given) to first entering its `to` step (or any step with
    the `tag:`): the maximum durations of the steps on the way (`from` included, `to`
    excluded; an exponential duration counts at its 99th percentile) plus the maximum delays
    of the transitions taken (referral fallbacks do not count). A step whose role works to a
    calendar (SPEC 7.3) counts the longest wall-clock time its duration in working hours can
    take over every start instant of the calendar's week and holidays, and the message names
    the step, that time and its witness ("2 working hours can take 65 h (2.7 days): Friday
    17:00 to Monday 10:00"). Reports it when it exceeds `within`, with that route; a loop on
    the way that takes time makes the time unbounded, reported with the loop as `route`.
    Severity is the deadline's own `severity`. Times are written as everywhere else
    ("after 96 h (4 days), above 72 h (3 days)").

    With parallel tracks (SPEC 7.1) a join waits for its slowest incoming track. Where `from`
    lies inside a track of a well-nested fork/join block or region and `to` lies after one of
    its joins, the time also counts that wait: the other tracks into the join take their
    longest way from the fork, while the way from the fork to `from` takes its shortest (the
    other tracks may still have all their time ahead when `from` is entered). The message
    names the join and the slowest other track, and `route` shows it.

    ## Why is this bad?
    Some care only works in time: HIV post-exposure prophylaxis within 72 hours, emergency
    contraception within 120 hours. A pathway whose slowest route misses the window fails
    exactly the children who take it.

    ## Example
    ```yaml
    deadlines:
      - {id: pep, from: intake, to: medical, within: 72h}   # PW303 when the slowest route
                                                             # intake -> ... -> medical is 96h
      - {id: review, from: medical, to: review, within: 1d} # PW303 when `review` is a join
                                                             # that also waits for a 3-day
                                                             # police track
    ```

    Use instead: shorten the slow steps, or add a fast track (a direct referral to health)
    for cases inside the window.

    ## References
    - UNHCR/WHO Clinical Management of Survivors of Rape (2001), Annex 6: PEP within 72 hours.
    - WHO (2017) Responding to children and adolescents who have been sexually abused.
    - WHO Guidelines for medico-legal care, ch. 6: emergency contraception up to 5 days.
    """
    p = ctx.pathway
    sg = ctx.sg
    n = len(sg)
    upper = [s.duration.upper if s.duration is not None else 0.0 for s in p.steps]
    spans = _calendar_spans(p, upper)  # SPEC 7.3: working time on the role's calendar
    for u, (span, _) in spans.items():
        upper[u] = span
    for d, deadline in enumerate(p.deadlines):
        targets = [sg.index[t] for t in p.deadline_targets(deadline) if t in sg.index]
        starts = _starts(ctx, deadline.source)
        if not targets or not starts:
            continue
        is_target = bytearray(n)
        for t in targets:
            is_target[t] = 1
        adj = [[] if is_target[u] else sg.tsucc[u] for u in range(n)]
        weight = [0.0 if is_target[u] else upper[u] for u in range(n)]
        res = longest_routes(adj, weight, is_target, lambda u, v: sg.delay_max.get((u, v), 0.0))
        severity = Severity(deadline.severity)
        for s in starts:
            value = res.value[s]
            if is_target[s] or value == NEG:
                continue
            wait = _slowest_join_wait(ctx, s, adj, res.value, upper)
            if wait is not None and wait[0] > value:
                if wait[0] > deadline.within + TIME_TOLERANCE:
                    yield _join_wait_finding(ctx, d, s, wait, res, severity, adj)
                continue
            if value <= deadline.within + TIME_TOLERANCE:
                continue
            prefix, loop, _ = res.route(s)
            if value == INF:
                route = sg.route(loop)
                message = (
                    f"deadline {deadline.id!r}: a loop through {route[0]!r} can delay "
                    f"{deadline.to!r} without limit after {sg.ids[s]!r} "
                    f"(within {human_hours(deadline.within)})"
                )
            else:
                route = sg.route(prefix)
                message = (
                    f"deadline {deadline.id!r}: the slowest route from {sg.ids[s]!r} reaches "
                    f"{route[-1]!r} after {human_hours(value)}, above "
                    f"{human_hours(deadline.within)}"
                ) + _calendar_note(p, spans, route, sg.index)
            yield ctx.report(
                ("deadlines", d), message, step=sg.ids[s], route=route, severity=severity
            )


def _slowest_join_wait(
    ctx: RuleContext,
    s: int,
    adj: Sequence[Sequence[int]],
    value: Sequence[float],
    upper: Sequence[float],
) -> tuple[float, JoinWait] | None:
    """SPEC 7.1 for PW303 from a step inside a track: a join after it waits for its slowest
    incoming track, which may still have all its time ahead when ``s`` is entered. The most
    time to the target through such a join (its wait plus the longest time from the join),
    with the join's :class:`~pathways.tracks.JoinWait`; None when no join after ``s`` waits
    for another track (or the pathway has no sound block or region holding ``s``)."""
    st = layout(ctx)
    if st is None:
        return None
    p = ctx.pathway

    def per_transition(upper_bound: bool) -> list[float]:
        out = []
        for t in p.transitions:
            d = t.delay
            out.append(0.0 if d is None else (d.upper if upper_bound else d.min))
        return out

    lower = [step.duration.min if step.duration is not None else 0.0 for step in p.steps]
    waits = join_waits(st, s, lower, upper, per_transition(False), per_transition(True))
    if not waits:
        return None
    ahead = reachable(adj, [s])
    best: tuple[float, JoinWait] | None = None
    for w in waits:
        if not ahead[w.join] or value[w.join] == NEG:
            continue
        total = INF if INF in (w.hours, value[w.join]) else w.hours + value[w.join]
        if best is None or total > best[0]:
            best = (total, w)
    return best


def _join_wait_finding(
    ctx: RuleContext,
    d: int,
    s: int,
    wait: tuple[float, JoinWait],
    res: Longest,
    severity: Severity,
    adj: Sequence[Sequence[int]],
) -> Finding:
    """PW303 where a join after ``s`` waits for a slower parallel track."""
    sg = ctx.sg
    deadline = ctx.pathway.deadlines[d]
    total, w = wait
    to_join = shortest_path(adj, [s], {w.join}) or [s, w.join]
    onward, _, _ = res.route(w.join)
    route = sg.route([*to_join[:-1], *w.slowest, *onward])
    other = sg.ids[w.slowest[0]] if w.slowest else sg.ids[w.join]
    if total == INF:
        message = (
            f"deadline {deadline.id!r}: join {sg.ids[w.join]!r} waits for the track through "
            f"{other!r}, where a loop can delay {deadline.to!r} without limit after "
            f"{sg.ids[s]!r} (within {human_hours(deadline.within)})"
        )
    else:
        message = (
            f"deadline {deadline.id!r}: join {sg.ids[w.join]!r} waits up to "
            f"{human_hours(w.hours)} after {sg.ids[s]!r} for the parallel track through "
            f"{other!r}, so the slowest run reaches {route[-1]!r} after {human_hours(total)}, "
            f"above {human_hours(deadline.within)}"
        )
    return ctx.report(("deadlines", d), message, step=sg.ids[s], route=route, severity=severity)


def _calendar_spans(p: Pathway, upper: list[float]) -> dict[int, tuple[float, str]]:
    """Per step whose role works to a calendar: the worst wall-clock span of its longest
    duration over every start instant of the calendar's year (week and holidays), and the
    witness ("Friday 17:00 to Monday 10:00")."""
    if not p.calendars:
        return {}
    from pathways.calendars import DEFAULT_START, worst_case

    start = (p.simulation.start if p.simulation is not None else None) or DEFAULT_START
    roles = {r.id: r for r in p.roles}
    out: dict[int, tuple[float, str]] = {}
    for u, step in enumerate(p.steps):
        role = roles.get(step.role or "")
        cal = p.calendars.get(role.calendar or "") if role is not None else None
        if cal is None or upper[u] <= 0:
            continue
        span, witness = worst_case(cal.timezone, cal.days, cal.hours, cal.holidays, start, upper[u])
        if witness:
            out[u] = (span, witness)
    return out


def _calendar_note(
    p: Pathway, spans: dict[int, tuple[float, str]], route: Sequence[str], index: Mapping[str, int]
) -> str:
    """The calendared step on the route whose working time stretches most, in words."""
    best = max(
        (
            (spans[index[sid]][0] - (p.steps[index[sid]].duration.upper or 0.0), sid)  # type: ignore[union-attr]
            for sid in route[:-1]
            if sid in index and index[sid] in spans
        ),
        default=None,
    )
    if best is None:
        return ""
    sid = best[1]
    span, witness = spans[index[sid]]
    hours = p.steps[index[sid]].duration.upper  # type: ignore[union-attr]
    return f" ({sid!r}: {hours:g} working hours can take {human_hours(span)}: {witness})"


@rule(code="PW304", name="deadline-skippable", severity=Severity.ERROR)
def deadline_skippable(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that no route from a required deadline's `from` reaches an outcome without its
    `to`. For every `required: true` deadline, no route from its `from` step (each
    entry step when `from` is not given) reaches an outcome without passing its `to` step
    (or a step with the `tag:`) may exist. The witness `route` runs from an entry step
    through `from`
    to that outcome. Severity is the deadline's own `severity`.

    ## Why is this bad?
    A required service (medical care after sexual violence, say) that some branch never
    offers is a gap in the pathway, whatever the time limit.

    ## Example
    ```yaml
    deadlines:
      - {id: pep, from: intake, to: medical, within: 72h, required: true}
    transitions:
      - {from: intake, to: closed}   # PW304: intake -> closed skips medical
    ```

    Use instead: route every branch through the required step, or make the deadline not
    required.

    ## References
    - WHO (2017): PEP "should be offered" to children who present within 72 hours.
    """
    p = ctx.pathway
    sg = ctx.sg
    n = len(sg)
    for d, deadline in enumerate(p.deadlines):
        if not deadline.required:
            continue
        targets = [sg.index[t] for t in p.deadline_targets(deadline) if t in sg.index]
        starts = _starts(ctx, deadline.source)
        if not starts:
            continue
        is_target = bytearray(n)
        for t in targets:
            is_target[t] = 1
        st = layout(ctx)
        runs = run_graph(st, is_target) if st is not None else None
        inner = {m for b in st.blocks.values() for m in b.members} if st is not None else set()
        if st is not None and st.loose_forks:
            inner.update(m for r in regions(st).values() for m in r.members)
        for s in starts:
            if is_target[s]:
                continue
            # With well-nested tracks, from a step outside every block or region: complete runs.
            succ = runs.succ if runs is not None and s not in inner else sg.succ
            seen = reachable(succ, [s], is_target)
            if not any(seen[i] and ctx.outcomes[i] for i in range(n)):
                continue
            tail = shortest_path(succ, [s], MaskSet(ctx.outcomes), outside(is_target)) or [s]
            if succ is not sg.succ and runs is not None and st is not None:
                tail = runs.expand(tail, st)
            head = shortest_path(sg.succ, ctx.entries, {s}) or [s]
            route = sg.route([*head, *tail[1:]])
            yield ctx.report(
                ("deadlines", d),
                f"required deadline {deadline.id!r}: a route from {sg.ids[s]!r} reaches "
                f"outcome {route[-1]!r} without {deadline.to!r}",
                step=sg.ids[s],
                route=route,
                severity=Severity(deadline.severity),
            )


@rule(code="PW305", name="sharing-before-consent", severity=Severity.ERROR)
def sharing_before_consent(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that information is shared between agencies only after consent. A transition
    shares information when the roles of its `from` and `to` steps belong to different
    agencies. It is covered when every route from an entry step to its `from`
    step passes a step tagged `consent` (`from` included). Reports sharing transitions that
    are not covered and not marked `consent: override` or `consent: not-needed` (both need a
    `reason`), with a route that shares before consent, ending at the transition's `to`.
    Linear time: `from` is uncovered exactly when it can be reached from an entry without
    entering a consent step. With parallel tracks in well-nested blocks, or regions whose
    tracks meet at several joins, a consent step on a parallel track does not count unless a
    join orders it first (every run then has it).

    ## Why is this bad?
    Do not act without the survivor's permission, and keep the number of people informed to
    a minimum: informed consent comes "when making referrals" and "before sharing any
    information".

    ## Example
    ```yaml
    transitions:
      - {from: intake, to: medical}   # PW305: hotline -> hospital before any consent step
    ```

    Use instead: put a `consent`-tagged step before the referral, or mark a lawful exception
    with `consent: override` and a `reason` (mandatory report, child in danger).

    ## References
    - IRC referral principles (endvawnow.org, article 1675): do not take action without
      permission; inform as few people as possible.
    - Interagency GBV case-management training: consent "when making referrals" and "before
      sharing any information".
    - Primero: `consent_given_or_overridden` before a referral.
    """
    sg = ctx.sg
    agency = ctx.agencies
    steps = ctx.pathway.steps
    consent = bytearray(CONSENT in s.tags for s in steps)
    st = layout(ctx)
    runs = run_graph(st, consent) if st is not None else None
    succ = runs.succ if runs is not None else sg.succ
    open_ = reachable(succ, ctx.entries, consent)
    transitions = ctx.pathway.transitions
    for i, end in enumerate(sg.ends):
        if end is None or not open_[end[0]]:
            continue
        u, v = end
        a, b = agency[u], agency[v]
        if a is None or b is None or a == b:
            continue
        t = transitions[i]
        if t.consent != "required":
            continue
        path = shortest_path(succ, ctx.entries, {u}, lambda w: not consent[w]) or [u]
        if runs is not None and st is not None:
            path = runs.expand(path, st)
        yield ctx.report(
            ("transitions", i),
            f"transition {t.source!r} -> {t.to!r} shares the case from {a!r} with {b!r} "
            "before any consent step",
            step=t.source,
            transition=i,
            route=sg.route([*path, v]),
        )


@rule(code="PW306", name="clearance-too-low", severity=Severity.ERROR)
def clearance_too_low(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that the role responsible for each step has a `clearance` at least the step's
    `confidentiality` (public < internal < sensitive < restricted).

    ## Why is this bad?
    Information must flow only to people cleared to hold it; a role below the step's level
    sees what it should not, and the child's privacy is breached.

    ## Example
    ```yaml
    roles:
      - {id: volunteer, agency: ngo, title: Volunteer}   # clearance: internal (default)
    steps:
      - {id: disclosure, role: volunteer, confidentiality: restricted}   # PW306
    ```

    Use instead: give the step to a role with enough clearance, or raise the role's
    `clearance` if its job warrants it.

    ## References
    - Optional Protocol to the CRC on the sale of children (OPSC), art. 8: protect the
      privacy and identity of child victims.
    - Sudan GBV AoR: controlled access to referral information.
    """
    roles = ctx.pathway.roles_by_id
    rank = {level: level.rank for level in Confidentiality}
    for i, step in enumerate(ctx.pathway.steps):
        role = roles.get(step.role or "")
        if role is not None and rank[step.confidentiality] > rank[role.clearance]:
            yield ctx.report(
                ("steps", i),
                f"step {step.id!r} is {step.confidentiality.value} but role {role.id!r} is "
                f"cleared only to {role.clearance.value}",
                step=step.id,
            )


RULES: tuple[Rule, ...] = (
    too_many_interviews,
    unbounded_interviews,
    deadline_at_risk,
    deadline_skippable,
    sharing_before_consent,
    clearance_too_low,
)
