"""References and ids on the plain document, before the schema (PW003, PW004).

Run by :func:`pathways.load.load_findings` on the data the walker built, so unknown references
and duplicate ids are reported beside schema errors, even in a document pydantic rejects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pathways.findings import Finding
from pathways.i18n import did_you_mean
from pathways.load.codes import finding
from pathways.load.source import DocPath, SourceMap
from pathways.model import BUILTIN_SECTORS

__all__ = ["check_references"]


def _items(data: Mapping[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    value = data.get(key)
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _ids(
    data: Mapping[str, Any],
    key: str,
    smap: SourceMap,
    findings: list[Finding],
    field: str = "id",
) -> set[str]:
    """Ids of the items of a top-level list, reporting duplicates (PW004); ``field`` is the
    key that names an item (``name`` for scenarios)."""
    seen: dict[str, int] = {}
    kind = {"agencies": "agency", "scenarios": "scenario"}.get(key, key[:-1])
    for i, item in _items(data, key):
        ident = item.get(field)
        if not isinstance(ident, str):
            continue
        if ident in seen:
            first = smap.locate((key, seen[ident], field))
            findings.append(
                finding(
                    "PW004",
                    f"duplicate {kind} {field} {ident!r} "
                    f"(first declared on line {first.line}); {field}s must be unique",
                    smap.locate((key, i, field)),
                    step=ident if key == "steps" else None,
                )
            )
        else:
            seen[ident] = i
    return set(seen)


def _unknown(
    what: str, name: object, known: Iterable[str], path: DocPath, smap: SourceMap
) -> Finding:
    names = sorted(known)
    hint = did_you_mean(str(name), names) or (
        f"; declared: {', '.join(repr(n) for n in names[:12])}" if names else "; declare it first"
    )
    return finding("PW003", f"unknown {what} {name!r}{hint}", smap.locate(path))


def check_references(data: Mapping[str, Any], smap: SourceMap) -> list[Finding]:
    """PW003 and PW004 on the plain document, so they are reported beside schema errors."""
    findings: list[Finding] = []
    steps = _ids(data, "steps", smap, findings)
    roles = _ids(data, "roles", smap, findings)
    agencies = _ids(data, "agencies", smap, findings)
    _ids(data, "deadlines", smap, findings)
    _ids(data, "scenarios", smap, findings, "name")  # --scenario and --compare pick by name
    declared = data.get("sectors")
    sectors = set(BUILTIN_SECTORS) | (
        {s for s in declared if isinstance(s, str)} if isinstance(declared, list) else set()
    )
    fields = data.get("case_fields")
    # a non-string key is PW002 (the model's); names are compared and sorted as strings
    field_names = {f for f in fields if isinstance(f, str)} if isinstance(fields, dict) else set()
    step_tags = {
        tag
        for _, step in _items(data, "steps")
        if isinstance(step.get("tags"), list)
        for tag in step["tags"]
        if isinstance(tag, str)
    }

    def ref(kind: str, value: object, known: set[str], path: DocPath) -> None:
        if isinstance(value, str) and value not in known:
            findings.append(_unknown(kind, value, known, path, smap))

    for i, agency in _items(data, "agencies"):
        ref("sector", agency.get("sector"), sectors, ("agencies", i, "sector"))
    declared_calendars = data.get("calendars")
    calendars = (
        {c for c in declared_calendars if isinstance(c, str)}
        if isinstance(declared_calendars, dict)
        else set()
    )
    for i, role in _items(data, "roles"):
        ref("agency", role.get("agency"), agencies, ("roles", i, "agency"))
        ref("calendar", role.get("calendar"), calendars, ("roles", i, "calendar"))
    for i, step in _items(data, "steps"):
        ref("role", step.get("role"), roles, ("steps", i, "role"))
    for i, tr in _items(data, "transitions"):
        for key in ("from", "to", "on_reject"):
            ref("step", tr.get(key), steps, ("transitions", i, key))
        by = tr.get("by")
        if isinstance(by, list):
            for j, role_id in enumerate(by):
                ref("role", role_id, roles, ("transitions", i, "by", j))
    for i, dl in _items(data, "deadlines"):
        ref("step", dl.get("from"), steps, ("deadlines", i, "from"))
        target = dl.get("to")
        if isinstance(target, str) and target.startswith("tag:"):
            if target[4:] not in step_tags:
                findings.append(
                    finding(
                        "PW003",
                        f"no step is tagged {target[4:]!r}, so deadline target {target!r} "
                        "names nothing; tag a step or fix the tag",
                        smap.locate(("deadlines", i, "to")),
                    )
                )
        else:
            ref("step", target, steps, ("deadlines", i, "to"))
    policies = data.get("policies")
    if isinstance(policies, dict):
        for key in ("required_sectors", "every_route_reaches"):
            values = policies.get(key)
            if isinstance(values, list):
                for j, sector in enumerate(values):
                    ref("sector", sector, sectors, ("policies", key, j))
    sim = data.get("simulation")
    if isinstance(sim, dict):
        entries = sim.get("entries")
        if isinstance(entries, dict):
            for name in entries:
                ref("step", name, steps, ("simulation", "entries", name))
        population = sim.get("population")
        if isinstance(population, dict):
            for name in population:
                if isinstance(name, str) and name not in field_names:
                    findings.append(
                        _unknown(
                            "case field",
                            name,
                            field_names,
                            ("simulation", "population", name),
                            smap,
                        )
                    )
                    continue
    for i, waiver in _items(data, "waivers"):
        ref("step", waiver.get("step"), steps, ("waivers", i, "step"))
    return findings
