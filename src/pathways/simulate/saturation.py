"""Saturation: a role whose offered load reaches its capacity has a queue that grows forever.

A role's **offered load** is the arrival rate times the service hours one case brings it on
average (servers' worth of work: 2.4 means the work of 2.4 people working all the time). With
``c`` servers, the queue is stable only when the offered load is below ``c`` (times the share
of the week its calendar works, with a working calendar): at or above it
the queue grows without bound, and means over a finite run depend only on how long the run was
(twice the cases, about twice the wait). At 90% and above waits are long and very variable.

:func:`saturation` reads the offered load from a run's own tallies, or (through
:func:`pathways.simulate.saturation_before_run`) from a pilot walk before a run: routing does
not depend on queues, so a walk without queues gives the same work per case.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pathways.simulate.compile import Compiled

__all__ = ["NEAR", "PILOT_CASES", "message", "saturation"]

NEAR = 0.9
"""Utilisation in theory (offered load / capacity) from which a role is reported as near
saturation."""

PILOT_CASES = 20_000
"""Cases of the pilot walk that estimates offered loads before a run."""


def saturation(
    cp: Compiled, busy_hours_per_case: list[float], labels: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """One entry per role with a capacity whose offered load is at least :data:`NEAR` of it.

    Each entry: ``role``, ``label``, ``offered_load`` (servers' worth of work), ``capacity``,
    ``load`` (offered load / capacity), ``level`` (``"unstable"`` at 1 and above, else
    ``"near"``), ``stable_capacity`` (the fewest servers that make the queue stable) and
    ``capacity_below_90`` (the fewest that keep utilisation under 90%).
    """
    rate = (cp.arrivals_per_day or 0.0) / 24.0
    out: list[dict[str, Any]] = []
    for r, rid in enumerate(cp.role_ids):
        cap = int(cp.capacity[r])
        if cap <= 0 or rate <= 0:
            continue
        offered = rate * busy_hours_per_case[r]
        # with a working calendar, people work only part of the week (SPEC 7.3)
        share = float(cp.role_work_share[r]) if len(cp.role_work_share) else 1.0
        load = offered / (cap * share)
        if load < NEAR:
            continue
        out.append(
            {
                "role": rid,
                "label": (labels or {}).get(rid, rid),
                "offered_load": offered,
                "capacity": cap,
                "load": load,
                "level": "unstable" if load >= 1.0 else "near",
                "stable_capacity": math.floor(offered / share) + 1,
                "capacity_below_90": math.floor(offered / share / NEAR) + 1,
                "work_share": share,
            }
        )
    return out


def message(entry: Mapping[str, Any], lang: str | None = None) -> str:
    """One line for a person: what is wrong, how much, and what capacity would fix it (in
    ``lang`` where the catalogue translates it)."""
    from pathways.i18n import N_, tr

    label, cap = entry["label"], entry["capacity"]
    offered = entry["offered_load"]
    share = float(entry.get("work_share", 1.0))
    have = tr(N_("there is {n}") if cap == 1 else N_("there are {n}"), lang).format(n=cap)
    if share < 1.0:
        have += tr(", working {share} of the week (its calendar)", lang).format(
            share=f"{share:.0%}"
        )
    if entry["level"] == "unstable":
        return tr(
            "{label}: the work offered needs {offered} people working all the time, and "
            "{have}: the queue grows without bound, so waits and deadline misses over a finite "
            "run depend only on how long the run is. A capacity of {stable} would make it "
            "stable ({below} to stay under {limit} busy).",
            lang,
        ).format(
            label=label,
            offered=f"{offered:.2f}",
            have=have,
            stable=entry["stable_capacity"],
            below=entry["capacity_below_90"],
            limit="90%",
        )
    return tr(
        "{label}: {load} busy in theory ({offered} people's worth of work; {have}): waits are "
        "long and vary a lot from run to run. A capacity of {below} keeps it under {limit}.",
        lang,
    ).format(
        label=label,
        load=f"{entry['load']:.0%}",
        offered=f"{offered:.2f}",
        have=have,
        below=entry["capacity_below_90"],
        limit="90%",
    )
