"""Comparing a what-if with a baseline: the difference of every headline KPI, with its interval.

Both runs use the same seed. The interval of a difference is the difference plus or minus the
root of the sum of the squared half-widths of the two intervals (for a share, kept within -1
and +1): it treats the runs as independent, which is conservative (runs with the same seed
share their random numbers, which makes the true interval narrower). A difference whose
interval holds 0 is **within noise**: the run cannot tell it from no change.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pathways.i18n import N_, tr

if TYPE_CHECKING:
    from pathways.model import Pathway

__all__ = ["change_words", "differences", "file_changes", "headline_sentences"]


def _half(entry: Mapping[str, Any], key: str) -> float | None:
    ci = (entry.get("ci95") or {}).get(key)
    value = entry.get(key)
    if ci is None or value is None:
        return None
    return max(float(ci[1]) - float(value), float(value) - float(ci[0]))


def _rows(d: Mapping[str, Any]) -> list[tuple[str, str, Mapping[str, Any], str, str]]:
    """(kpi path, label, object, key, kind) for every headline KPI; kind: share or hours."""
    rows: list[tuple[str, str, Mapping[str, Any], str, str]] = []
    for sid, entry in d["outcomes"].items():
        rows.append((f"outcomes.{sid}.share", f"share ending at {sid}", entry, "share", "share"))
    tto = d["time_to_outcome_hours"]
    for key in ("mean", "p50", "p90"):
        rows.append((f"time_to_outcome_hours.{key}", f"time to outcome, {key}", tto, key, "hours"))
    iv = d["interviews"]
    rows.append(
        (
            "interviews.share_over_limit",
            "share over the interview limit",
            iv,
            "share_over_limit",
            "share",
        )
    )
    for did, entry in d["deadlines"].items():
        rows.append(
            (f"deadlines.{did}.share_missed", f"{did} missed", entry, "share_missed", "share")
        )
    for rid, entry in d["roles"].items():
        if entry.get("capacity"):
            rows.append(
                (f"roles.{rid}.wait_hours_mean", f"{rid} mean wait", entry, "wait_hours_mean",
                 "hours")
            )  # fmt: skip
    return rows


def _setting(value: Any) -> str:
    """A simulation setting as the file writes it (2, not 2.0)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value, ensure_ascii=False)


_SETTINGS = {
    "capacity": N_("capacity"),
    "calendar": N_("calendar"),
    "duration": N_("duration"),
    "probability": N_("probability"),
    "within": N_("time limit"),
    "role": N_("role"),
    "arrivals_per_day": N_("arrivals per day"),
    "max_interviews": N_("most interviews"),
}
"""A ``--set`` key in the reader's words; any other key is shown as the file writes it."""

_SELECTOR = re.compile(
    r"^transitions\.((?:from|to|event)=[^.,=]+(?:,(?:from|to|event)=[^.,=]+)*)\."
)  # as pathways.load.overrides reads a transition named by its steps


def _change_words(pathway: Pathway, text: str, lang: str | None) -> str:
    from pathways.errors import SimulationError
    from pathways.model import label_text
    from pathways.simulate.overrides import parse_override

    try:
        path, value = parse_override(text)
    except SimulationError:
        return text  # not an override: already words (a diff sentence of --compare FILE)
    loc = tuple(pathway.locales)
    steps = {s.id: label_text(s.label, lang, loc) or s.id for s in pathway.steps}
    roles = {r.id: label_text(r.title, lang, loc) or r.id for r in pathway.roles}
    names = {
        "steps": steps,
        "roles": roles,
        "agencies": {a.id: label_text(a.name, lang, loc) or a.id for a in pathway.agencies},
        "deadlines": {d.id: label_text(d.label, lang, loc) or d.id for d in pathway.deadlines},
        "calendars": {name: pathway.calendar_label(name, lang) for name in pathway.calendars},
    }
    selector = _SELECTOR.match(path + ".")
    parts = path.split(".")
    what = ""
    if selector:
        want = dict(part.split("=", 1) for part in selector.group(1).split(","))
        rest = path[len(selector.group(0)) :].split(".")
        source, target = want.get("from"), want.get("to")
        what = " -> ".join(steps.get(s, s) for s in (source, target) if s) or want["event"]
    elif parts[0] == "transitions" and len(parts) > 2 and parts[1].isdigit():
        moves = pathway.transitions
        index, rest = int(parts[1]), parts[2:]
        if index >= len(moves):
            return text
        move = moves[index]
        what = f"{steps.get(move.source, move.source)} -> {steps.get(move.to, move.to)}"
    elif parts[0] in names and len(parts) > 2:
        what, rest = names[parts[0]].get(parts[1], parts[1]), parts[2:]
    elif parts[0] in ("simulation", "policies") and len(parts) > 1:
        rest = parts[1:]
    else:
        return text
    key = ".".join(rest)
    setting = tr(_SETTINGS[key], lang) if key in _SETTINGS else key
    if value is None:
        shown = tr("removed", lang)
    elif key == "role" and isinstance(value, str):
        shown = roles.get(value, value)
    elif key == "calendar" and isinstance(value, str):
        shown = names["calendars"].get(value, value)
    else:
        written = text.strip()
        start = len(selector.group(0)) if selector else 0
        shown = written[written.index("=", start) + 1 :].strip()
    said = f"{setting} {shown}"  # the same order in every language the catalogue has
    return tr("{what}: {change}", lang).format(what=what, change=said) if what else said


def change_words(pathway: Pathway, changes: Iterable[str], lang: str | None = None) -> list[str]:
    """Each what-if change (a ``--set`` or scenario ``PATH=VALUE``) in plain words, naming
    steps, roles, agencies and deadlines by their labels in ``lang`` and the common settings in
    the reader's words: ``roles.social_worker.capacity=10`` -> "Social worker: capacity 10";
    ``transitions.from=a,to=b.probability=0.4`` -> "A -> B: probability 0.4". Texts that are
    not overrides (the sentences of ``--compare FILE``) are kept. JSON keeps the overrides.
    """
    return [_change_words(pathway, text, lang) for text in changes]


def file_changes(baseline: Pathway, other: Pathway, lang: str | None = None) -> list[str]:
    """What another pathway file changes from the baseline (``--compare FILE``), one line each:
    the sentences of :func:`pathways.versions.diff` (steps, moves, guards, roles and their
    capacities and calendars, deadlines, calendars...), then each ``simulation`` setting that
    differs (the semantic diff leaves ``simulation`` out: it is not the pathway's meaning).
    An empty list: the two run the same model.
    """
    from pathways.versions import diff

    result = diff(baseline, other, lang=lang, findings=False, routes=False)
    said = [change.message for change in result.changes]

    def settings(p: Pathway) -> dict[str, Any]:
        if p.simulation is None:
            return {}
        return dict(p.simulation.model_dump(mode="json", by_alias=True, exclude_none=True))

    before, after = settings(baseline), settings(other)
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            old, new = (_setting(x.get(key)) for x in (before, after))
            said.append(f"simulation.{key}: {old} -> {new}")
    return said


def differences(baseline: Mapping[str, Any], what_if: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per headline KPI both results have: ``kpi``, ``label``, ``kind``, ``baseline``,
    ``what_if``, ``difference`` (what-if minus baseline), ``ci95`` and ``within_noise``."""
    other = {path: (entry, key) for path, _, entry, key, _ in _rows(what_if)}
    out: list[dict[str, Any]] = []
    for path, label, entry, key, kind in _rows(baseline):
        if path not in other:
            continue
        entry_b, key_b = other[path]
        a, b = entry.get(key), entry_b.get(key_b)
        if a is None or b is None:
            continue
        diff = float(b) - float(a)
        ha, hb = _half(entry, key), _half(entry_b, key_b)
        ci = None
        if ha is not None and hb is not None:
            half = math.hypot(ha, hb)
            ci = [diff - half, diff + half]
            if kind == "share":  # two shares differ by at most 100 points either way
                ci = [max(ci[0], -1.0), min(ci[1], 1.0)]
        out.append(
            {
                "kpi": path,
                "label": label,
                "kind": kind,
                "baseline": float(a),
                "what_if": float(b),
                "difference": diff,
                "ci95": ci,
                "within_noise": ci is None or ci[0] <= 0.0 <= ci[1],
            }
        )
    return out


def headline_sentences(
    name: str,
    what_if: Mapping[str, Any],
    baseline: Mapping[str, Any],
    lang: str | None = None,
    deadline_names: Mapping[str, str] | None = None,
) -> list[str]:
    """Plain sentences for a working group: one per deadline (named by ``deadline_names``,
    deadline id -> label, where it has one), then per saturated role (in ``lang`` where the
    catalogue has them).

    >>> b = {"deadlines": {"pep": {"share_missed": 0.02}}}
    >>> w = {"deadlines": {"pep": {"share_missed": 0.38, "ci95": {"share_missed": [0.35, 0.41]}}}}
    >>> headline_sentences("one doctor", w, b)
    ['with one doctor, 38% of cases (35-41%) miss pep (baseline 2%)']
    """
    out = []
    for did, entry in (what_if.get("deadlines") or {}).items():
        share = entry.get("share_missed")
        if share is None:
            continue
        ci = (entry.get("ci95") or {}).get("share_missed")
        span = f" ({ci[0]:.0%}-{ci[1]:.0%})".replace("%-", "-") if ci else ""
        base = ((baseline.get("deadlines") or {}).get(did) or {}).get("share_missed")
        deadline = (deadline_names or {}).get(did, did)
        values = {"name": name, "share": f"{share:.0%}", "span": span, "deadline": deadline}
        if base is not None:
            sentence = tr(
                "with {name}, {share} of cases{span} miss {deadline} (baseline {base})", lang
            )
            out.append(sentence.format(**values, base=f"{base:.0%}"))
        else:
            out.append(
                tr("with {name}, {share} of cases{span} miss {deadline}", lang).format(**values)
            )
    for entry in what_if.get("saturation") or []:
        if entry.get("level") == "unstable":
            sentence = tr("with {name}, {role} is saturated: the queue grows without bound", lang)
            out.append(sentence.format(name=name, role=entry["label"]))
    return out
