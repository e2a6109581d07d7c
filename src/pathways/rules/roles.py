"""PW2xx: does every step have someone responsible, and does every sector take part?"""

from __future__ import annotations

from collections.abc import Iterator

from pathways.findings import Finding, Severity
from pathways.graph import MaskSet, outside, reachable, shortest_path
from pathways.rules._base import Rule, RuleContext, rule
from pathways.rules.tracks import layout
from pathways.tracks import run_graph

__all__ = ["RULES"]


@rule(code="PW201", name="step-without-role", severity=Severity.ERROR)
def step_without_role(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that every step except outcomes names a responsible `role`.

    ## Why is this bad?
    A step no one is responsible for is a step no one does. Mandates in a referral mechanism
    must be well defined, with one lead for each stage.

    ## Example
    ```yaml
    steps:
      - {id: assessment, kind: action}   # PW201: who assesses?
    ```

    Use instead: add `role: social_worker` (or whichever role does the work).

    ## References
    - EIGE thesaurus, "referral mechanism": "well-defined and delineated ... mandates".
    - Interagency GBV Case Management Guidelines (2017): one agency leads case management.
    """
    for i, step in enumerate(ctx.pathway.steps):
        if step.kind != "outcome" and not step.role:
            yield ctx.report(
                ("steps", i),
                f"step {step.id!r} has no responsible role",
                step=step.id,
            )


@rule(code="PW202", name="unused-role", severity=Severity.WARNING)
def unused_role(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks for roles that are responsible for no step and may fire no transition.

    ## Why is this bad?
    An unused role is usually a leftover, or a sign that a step meant for it names another
    role. It also clutters the directory coordinators read.

    ## Example
    ```yaml
    roles:
      - {id: lawyer, agency: legal_aid, title: Lawyer}   # PW202: no step or transition uses it
    ```

    Use instead: assign the role to the step it does, or delete it.
    """
    used = {s.role for s in ctx.pathway.steps if s.role}
    for t in ctx.pathway.transitions:
        used.update(t.by or ())
    for i, role in enumerate(ctx.pathway.roles):
        if role.id not in used:
            yield ctx.report(
                ("roles", i),
                f"role {role.id!r} is responsible for no step and fires no transition",
            )


@rule(code="PW203", name="sector-not-covered", severity=Severity.ERROR)
def sector_not_covered(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that each sector in `policies.required_sectors` has at least one step (a step
    whose role belongs to an agency of that sector).

    ## Why is this bad?
    A multi-sector response needs every sector at the table; a required sector without a
    step means its services are never offered.

    ## Example
    ```yaml
    policies:
      required_sectors: [social, health]   # PW203 when no step is done by a health agency
    ```

    Use instead: add the missing sector's step, or drop it from the policy.

    ## References
    - Cross-sector working groups: justice, social services, education, media and industry
      (APLE Cambodia).
    """
    have = set(ctx.sectors)
    for j, sector in enumerate(ctx.pathway.policies.required_sectors):
        if sector not in have:
            yield ctx.report(
                ("policies", "required_sectors", j),
                f"required sector {sector!r} has no step",
            )


@rule(code="PW204", name="route-misses-sector", severity=Severity.ERROR)
def route_misses_sector(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that every route from an entry step to an outcome passes a step of each sector
    in `policies.every_route_reaches`. The finding's `route` is one route that misses it.
    Linear time: the route exists exactly when an outcome can be
    reached from an entry without entering a step of the sector. With parallel tracks in
    well-nested blocks, or regions whose tracks meet at several joins, it reads "every
    complete run": a block or region passes the sector when one of its tracks always does.

    ## Why is this bad?
    Case management coordinates all services; a branch that never reaches social services
    leaves a child without follow-up.

    ## Example
    ```yaml
    policies:
      every_route_reaches: [social]
    transitions:
      - {from: intake, to: closed}   # PW204: intake -> closed meets no social step
    ```

    Use instead: route the branch through a step of the sector before it closes.

    ## References
    - Cambodian SOP assigns DoSVY / district roles to every case (Phnom Penh Post on the
      MoI/MoSVY SOP guidelines); domain notes rule V6.
    """
    sg = ctx.sg
    sectors = ctx.sectors
    st = layout(ctx)
    for j, sector in enumerate(ctx.pathway.policies.every_route_reaches):
        blocked = bytearray(s == sector for s in sectors)
        runs = run_graph(st, blocked) if st is not None else None
        succ = runs.succ if runs is not None else sg.succ
        seen = reachable(succ, ctx.entries, blocked)
        if not any(seen[i] and ctx.outcomes[i] for i in range(len(sg))):
            continue
        path = shortest_path(succ, ctx.entries, MaskSet(ctx.outcomes), outside(blocked)) or []
        if runs is not None and st is not None:
            path = runs.expand(path, st)
        route = sg.route(path)
        yield ctx.report(
            ("policies", "every_route_reaches", j),
            f"a route from {route[0]!r} to {route[-1]!r} passes no step of sector {sector!r}",
            route=route,
        )


@rule(code="PW205", name="referral-without-fallback", severity=Severity.ERROR)
def referral_without_fallback(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that every `kind: referral` transition says where the case goes when the
    receiver declines (`on_reject`) and by when the receiver must answer
    (`response_within`).

    ## Why is this bad?
    A referral that is declined or never answered leaves the child between agencies: the
    intake must stay open until the referral is accepted or other action is taken.

    ## Example
    ```yaml
    transitions:
      - {from: intake, to: shelter, kind: referral}   # PW205
    ```

    Use instead:
    ```yaml
      - {from: intake, to: shelter, kind: referral, on_reject: intake, response_within: 1d}
    ```

    ## References
    - Victoria Child Protection Manual: "The intake must remain open until the referral is
      accepted or other action is taken."
    - Primero referral model: rejected status and response time frames.
    """
    for i, t in enumerate(ctx.pathway.transitions):
        if t.kind != "referral":
            continue
        missing = [
            key
            for key, value in (("on_reject", t.on_reject), ("response_within", t.response_within))
            if value is None
        ]
        if missing:
            yield ctx.report(
                ("transitions", i),
                f"referral {t.source!r} -> {t.to!r} has no {' and no '.join(missing)}",
                step=t.source,
                transition=i,
            )


@rule(code="PW206", name="agency-without-contact", severity=Severity.WARNING)
def agency_without_contact(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that every agency some role belongs to lists at least one contact. One finding
    per agency.

    ## Why is this bad?
    A referral pathway is also a directory of services: a coordinator who cannot reach the
    agency cannot refer to it.

    ## Example
    ```yaml
    agencies:
      - {id: dosvy, name: DoSVY, sector: social}   # PW206: no contacts
    ```

    Use instead: add `contacts:` with at least one channel and value.

    ## References
    - Functioning referral systems keep a directory of services (endvawnow.org, article
      1595); service mapping must be kept up to date (Global Protection Cluster).
    """
    used = {r.agency for r in ctx.pathway.roles}
    for i, agency in enumerate(ctx.pathway.agencies):
        if agency.id in used and not agency.contacts:
            yield ctx.report(
                ("agencies", i),
                f"agency {agency.id!r} lists no contact",
            )


RULES: tuple[Rule, ...] = (
    step_without_role,
    unused_role,
    sector_not_covered,
    route_misses_sector,
    referral_without_fallback,
    agency_without_contact,
)
