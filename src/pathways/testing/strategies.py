"""Public Hypothesis strategies: generated pathway documents, broken ones, and case data.

Use them to fuzz your own tools built on ``pathways`` (a renderer, an importer, a rule plugin):

>>> from hypothesis import given, settings
>>> from pathways.testing.strategies import pathways
>>> @settings(max_examples=5, deadline=None)
... @given(pathways(max_steps=6))
... def test_every_step_has_a_label(p):
...     assert all(p.label(s.id) for s in p.steps)
>>> test_every_step_has_a_label()

Guarantees of :func:`pathway_documents` (and of :func:`pathways`, which loads them): the
document loads without any PW0xx finding; every step is reachable from an entry step; every
non-outcome step has a role and an exit and can reach an outcome; probabilities are given for
all exits of a step or for none and sum to 1; guarded exits are exhaustive and disjoint over the
declared case fields; event names are unique per step; referrals have a fallback. So the
structural and guard rules (PW1xx, PW201, PW205, PW4xx) find no error. Safeguard rules (PW3xx)
may fire: interviews, consent and deadlines are left to chance on purpose.

:func:`broken_pathways` injects one known fault into such a document and pairs it with the codes
the fault must produce; other findings (warnings, or knock-on errors) may appear beside them.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping
from typing import Any

from hypothesis import strategies as st

from pathways.model import BUILTIN_SECTORS, Pathway

__all__ = [
    "FAULTS",
    "broken_pathways",
    "case_data",
    "labels",
    "pathway_documents",
    "pathways",
    "step_ids",
    "track_documents",
]

Document = dict[str, Any]

_WORDS = (
    "intake",
    "screen",
    "assess",
    "refer",
    "medical",
    "consent",
    "interview",
    "placement",
    "review",
    "plan",
    "follow",
    "court",
    "closure",
    "safety",
    "report",
)
_KH_WORDS = ("ការទទួល", "ការវាយតម្លៃ", "ការបញ្ជូន", "ការថែទាំ", "ការយល់ព្រម", "តុលាការ")
_TAGS = ("intake", "interview", "consent", "medical", "court", "takedown", "closure")

# The case fields every generated document declares; guards use only these.
CASE_FIELDS: dict[str, dict[str, Any]] = {
    "age": {"type": "integer", "min": 0, "max": 17},
    "online": {"type": "boolean"},
    "risk": {"type": "enum", "values": ["low", "medium", "high"]},
}


def step_ids() -> st.SearchStrategy[str]:
    """Step ids as users write them: lower-case words with underscores (``yes``/``no`` too)."""
    return st.one_of(
        st.sampled_from((*_WORDS, "yes", "no", "on", "off")),
        st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True),
    )


def labels(locales: tuple[str, ...] = ("en",)) -> st.SearchStrategy[str | dict[str, str]]:
    """Labels: a plain string, or a map with one text per locale."""
    text = st.lists(st.sampled_from(_WORDS), min_size=1, max_size=4).map(
        lambda ws: " ".join(ws).capitalize()
    )
    if locales == ("en",):
        return text
    khmer = st.lists(st.sampled_from(_KH_WORDS), min_size=1, max_size=3).map(" ".join)
    return st.fixed_dictionaries(
        {loc: (khmer if loc == "km" else text) for loc in locales},
    )


def _durations() -> st.SearchStrategy[Any]:
    hours = st.integers(min_value=1, max_value=72)
    return st.one_of(
        st.none(),
        hours.map(lambda h: f"{h}h"),
        st.tuples(hours, hours, hours).map(
            lambda t: {"min": f"{min(t)}h", "mode": f"{sorted(t)[1]}h", "max": f"{max(t)}h"}
        ),
        hours.map(lambda h: {"mean": f"{h}h"}),
    )


def _guard_partition(draw: st.DrawFn, n: int) -> list[str]:
    """``n`` guards that are exhaustive and pairwise disjoint over CASE_FIELDS."""
    if n == 2:
        return draw(
            st.sampled_from(
                [
                    ["online == true", "online == false"],
                    ["risk == 'high'", "risk != 'high'"],
                    ["risk in ['low', 'medium']", "risk not in ['low', 'medium']"],
                ]
            )
            | st.integers(1, 17).map(lambda k: [f"age < {k}", f"age >= {k}"])
        )
    cuts = sorted(draw(st.sets(st.integers(1, 17), min_size=n - 1, max_size=n - 1)))
    guards = [f"age < {cuts[0]}"]
    guards += [f"age >= {a} and age < {b}" for a, b in itertools.pairwise(cuts)]
    guards.append(f"age >= {cuts[-1]}")
    return guards


def _probabilities(draw: st.DrawFn, n: int) -> list[float]:
    weights = draw(st.lists(st.integers(1, 20), min_size=n, max_size=n))
    total = sum(weights)
    probs = [round(w / total, 9) for w in weights]
    probs[-1] = round(1.0 - sum(probs[:-1]), 9)
    return probs


@st.composite
def pathway_documents(
    draw: st.DrawFn,
    /,
    *,
    min_steps: int = 3,
    max_steps: int = 12,
    loops: bool = True,
    guards: bool = True,
    referrals: bool = True,
    locales: tuple[str, ...] = ("en",),
    label_text: st.SearchStrategy[str] | None = None,
    max_agencies: int = 4,
    fallback_shapes: bool = True,
) -> Document:
    """Valid pathway documents as plain dicts (what ``yaml.safe_load`` of a file gives).

    Parameters
    ----------
    min_steps, max_steps : int
        Number of steps, outcomes included (at least 2).
    loops : bool
        Allow transitions back to earlier steps (every loop keeps a way out).
    guards : bool
        Allow decisions with guarded exits (exhaustive and disjoint).
    referrals : bool
        Allow ``kind: referral`` transitions (with ``on_reject`` and ``response_within``).
    locales : tuple of str
        The document's locales; labels are maps with every locale when there are several.
    label_text : strategy of str, optional
        Draw step labels from this strategy instead, e.g.
        ``st.text(st.characters(blacklist_categories=("Cc", "Cs")))`` to fuzz escaping (a YAML
        file cannot hold control characters or lone surrogates).
    max_agencies : int
        Most agencies (at least 1).
    fallback_shapes : bool
        With ``referrals``, also splice in (each about one document in two) the shapes
        where a referral's ``on_reject`` fallback decides a rule's verdict: a loop whose only
        way out is a declined referral (``zz_loop_a``/``zz_loop_b``), and a consent step
        reached only through a declined referral (``zz_ask``/``zz_consent``). Rules that
        followed transitions only would get these wrong (a false PW105, a missed PW305).
    """
    n = draw(st.integers(max(2, min_steps), max(2, min_steps, max_steps)))
    # the fallback shapes take two of the n steps each, drawn now so the count stays n
    shapes = []
    if referrals and fallback_shapes:
        shapes = [shape for shape in ("loop", "consent") if draw(st.booleans())]
        while shapes and n - 2 * len(shapes) < 2:
            shapes.pop()
    n -= 2 * len(shapes)
    n_out = draw(st.integers(1, max(1, min(3, n // 3))))
    first_out = n - n_out
    ids = draw(st.lists(step_ids(), min_size=n, max_size=n, unique=True))

    n_agencies = draw(st.integers(1, max(1, max_agencies)))
    sectors = draw(
        st.lists(st.sampled_from(BUILTIN_SECTORS), min_size=n_agencies, max_size=n_agencies)
    )
    agencies = [
        {
            "id": f"agency{a}",
            "name": draw(labels(locales)),
            "sector": sectors[a],
            "contacts": [
                {
                    "channel": "phone",
                    "value": f"+855 {a:02d} 000 {a:03d}",
                    "visibility": draw(st.sampled_from(["public", "partners", "restricted"])),
                }
            ],
        }
        for a in range(n_agencies)
    ]
    roles_all = [
        {"id": f"role{a}_{r}", "agency": f"agency{a}", "title": draw(labels(locales))}
        for a in range(n_agencies)
        for r in range(draw(st.integers(1, 2)))
    ]

    # Edges: a forward DAG guarantees every step reaches an outcome; each step after the first
    # gets a predecessor among the non-outcome steps before it, so every step is reachable.
    targets: dict[int, list[int]] = {i: [] for i in range(first_out)}
    for j in range(1, n):
        i = draw(st.integers(0, min(j, first_out) - 1))
        if j not in targets[i]:
            targets[i].append(j)
    for i in range(first_out):
        if not targets[i]:
            targets[i].append(draw(st.integers(i + 1, n - 1)))
        extra = draw(st.lists(st.integers(i + 1, n - 1), max_size=2))
        targets[i].extend(t for t in dict.fromkeys(extra) if t not in targets[i])
        if loops and draw(st.integers(0, 4)) == 0:
            back = draw(st.integers(0, i))
            if back not in targets[i]:
                targets[i].append(back)

    entries = {0} | {
        i for i in range(1, first_out) if draw(st.integers(0, 5)) == 0 and i not in targets[0]
    }
    step_role = [draw(st.sampled_from(roles_all))["id"] for _ in range(first_out)]
    used = set(step_role)
    roles = [r for r in roles_all if r["id"] in used]
    used_agencies = {r["agency"] for r in roles}
    agencies = [a for a in agencies if a["id"] in used_agencies]

    text = label_text if label_text is not None else labels(locales)
    steps: list[Document] = []
    transitions: list[Document] = []
    for i, sid in enumerate(ids):
        step: Document = {"id": sid, "label": draw(text)}
        if i >= first_out:
            step["kind"] = "outcome"
            steps.append(step)
            continue
        outs = targets[i]
        if i in entries:
            step["kind"] = "entry"
        elif len(outs) >= 2 and draw(st.booleans()):
            step["kind"] = "decision"
        else:
            step["kind"] = draw(st.sampled_from(["action", "action", "wait"]))
        step["role"] = step_role[i]
        tags = draw(st.lists(st.sampled_from(_TAGS), max_size=2, unique=True))
        if tags:
            step["tags"] = tags
        duration = draw(_durations())
        if duration is not None:
            step["duration"] = duration
        steps.append(step)

        mode = "plain"
        if len(outs) >= 2:
            mode = draw(
                st.sampled_from(
                    ["guards", "probabilities", "plain"] if guards else ["probabilities", "plain"]
                )
            )
        guard_texts = _guard_partition(draw, len(outs)) if mode == "guards" else []
        probs = _probabilities(draw, len(outs)) if mode == "probabilities" else []
        for k, j in enumerate(outs):
            t: Document = {"from": sid, "to": ids[j]}
            if mode == "guards":
                t["when"] = guard_texts[k]
            elif mode == "probabilities":
                t["probability"] = probs[k]
            forward = [x for x in range(i + 1, n) if x != j]
            if referrals and j > i and forward and draw(st.integers(0, 2)) == 0:
                t["kind"] = "referral"
                t["on_reject"] = ids[draw(st.sampled_from(forward))]
                t["response_within"] = draw(st.sampled_from(["1d", "3d", "72h"]))
                t["decline_probability"] = draw(st.sampled_from([0.0, 0.1, 0.25]))
            elif draw(st.integers(0, 3)) == 0:
                t["kind"] = "handoff"
            if j > i and draw(st.integers(0, 4)) == 0:
                t["delay"] = draw(st.sampled_from(["2h", "1d", "2d"]))
            if draw(st.integers(0, 3)) == 0:
                t["consent"] = "not-needed"
                t["reason"] = "generated: mandatory report"
            transitions.append(t)

    doc: Document = {
        "format": "pathways/1",
        "id": draw(st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True)),
        "version": "1.0.0",
        "title": draw(labels(locales)),
        "locales": list(locales),
        "agencies": agencies,
        "roles": roles,
        "case_fields": json.loads(json.dumps(CASE_FIELDS)),
        "steps": steps,
        "transitions": transitions,
        "simulation": {
            "population": {
                "age": {"uniform": [0, 17]},
                "online": {"bernoulli": 0.3},
                "risk": {"choice": {"low": 0.3, "medium": 0.45, "high": 0.25}},
            }
        },
    }
    _fallback_shapes(draw, shapes, steps, transitions, [str(r["id"]) for r in roles], text)
    reachable = [ids[j] for j in range(1, n)]
    if draw(st.booleans()):
        doc["deadlines"] = [
            {
                "id": "deadline-1",
                "to": draw(st.sampled_from(reachable)),
                "within": draw(st.sampled_from(["24h", "72h", "1w"])),
                "severity": "warning",
            }
        ]
    return doc


def _fallback_shapes(
    draw: st.DrawFn,
    shapes: list[str],
    steps: list[Document],
    transitions: list[Document],
    roles: list[str],
    text: st.SearchStrategy[Any],
) -> None:
    """Splice the fallback shapes into the transitions already drawn, in place.

    Each shape takes an existing transition ``x -> y`` and sends it into two new steps
    instead, keeping the transition's guard or probability, so every promise of the document
    holds. ``loop``: ``x -> zz-loop-a -> zz-loop-b``, and ``zz-loop-b`` refers back to
    ``zz-loop-a`` with ``on_reject: y`` (the loop's only way out is a decline). ``consent``:
    ``x -> zz-ask``, which refers to ``y`` with ``on_reject: zz-consent``, and ``zz-consent``
    (tagged ``consent``) goes on to ``y`` (consent is reached only after a decline). The ids
    hold a hyphen, which :func:`step_ids` never draws.
    """
    first_outcome = next(k for k, st_ in enumerate(steps) if st_.get("kind") == "outcome")
    drawn = len(transitions)  # a shape never rewires another shape's transitions
    for shape in shapes:
        t = transitions[draw(st.integers(0, drawn - 1))]
        y = t["to"]
        a_id, b_id = ("zz-loop-a", "zz-loop-b") if shape == "loop" else ("zz-ask", "zz-consent")
        a, b = (
            {"id": sid, "label": draw(text), "kind": "action", "role": draw(st.sampled_from(roles))}
            for sid in (a_id, b_id)
        )
        steps[first_outcome:first_outcome] = [a, b]
        first_outcome += 2
        t["to"] = a_id
        refer = {"kind": "referral", "response_within": "1d", "decline_probability": 0.5}
        if shape == "loop":
            transitions.append({"from": a_id, "to": b_id})
            transitions.append({"from": b_id, "to": a_id, "on_reject": y, **refer})
        else:
            b["tags"] = ["consent"]
            transitions.append({"from": a_id, "to": y, "on_reject": b_id, **refer})
            transitions.append({"from": b_id, "to": y})


def pathways(**knobs: Any) -> st.SearchStrategy[Pathway]:
    """Valid pathways as loaded :class:`~pathways.model.Pathway` objects.

    Takes the knobs of :func:`pathway_documents`. Each document is loaded from its JSON text
    with :func:`pathways.loads`, so the pathway has a source map and line numbers.
    """
    from pathways.load import loads

    return pathway_documents(**knobs).map(
        lambda doc: loads(json.dumps(doc, ensure_ascii=False), file="<hypothesis>")
    )


# --- broken documents ---------------------------------------------------------------------------


def _first(doc: Document, kind: str) -> Document:
    return next(s for s in doc["steps"] if s.get("kind") == kind)


def _some_role(doc: Document) -> str:
    return str(doc["roles"][0]["id"])


def _add_entry(doc: Document, sid: str, **extra: Any) -> Document:
    step = {"id": sid, "kind": "entry", "role": _some_role(doc), "label": "Injected", **extra}
    doc["steps"].insert(0, step)
    return step


def _outcome(doc: Document) -> str:
    return str(_first(doc, "outcome")["id"])


def _dead_end(doc: Document) -> set[str]:
    _add_entry(doc, "zz_entry")
    doc["steps"].append({"id": "zz_stuck", "role": _some_role(doc), "label": "Nobody moves on"})
    doc["transitions"].append({"from": "zz_entry", "to": "zz_stuck"})
    return {"PW104"}


def _unreachable(doc: Document) -> set[str]:
    doc["steps"].append({"id": "zz_orphan", "role": _some_role(doc), "label": "Orphan"})
    doc["transitions"].append({"from": "zz_orphan", "to": _outcome(doc)})
    return {"PW103"}


def _trap(doc: Document) -> set[str]:
    _add_entry(doc, "zz_entry")
    for sid in ("zz_loop_a", "zz_loop_b"):
        doc["steps"].append({"id": sid, "role": _some_role(doc), "label": "Round and round"})
    doc["transitions"] += [
        {"from": "zz_entry", "to": "zz_loop_a"},
        {"from": "zz_loop_a", "to": "zz_loop_b"},
        {"from": "zz_loop_b", "to": "zz_loop_a"},
    ]
    return {"PW105"}


def _no_entry(doc: Document) -> set[str]:
    for s in doc["steps"]:
        if s.get("kind") == "entry":
            s["kind"] = "action"
    return {"PW101"}


def _no_outcome(doc: Document) -> set[str]:
    outcomes = {s["id"] for s in doc["steps"] if s.get("kind") == "outcome"}
    doc["steps"] = [s for s in doc["steps"] if s["id"] not in outcomes]
    doc["transitions"] = [
        t
        for t in doc["transitions"]
        if t["to"] not in outcomes and t.get("on_reject") not in outcomes
    ]
    for t in doc["transitions"]:
        t.pop("probability", None)
    doc.pop("deadlines", None)
    return {"PW102"}


def _outcome_exit(doc: Document) -> set[str]:
    doc["transitions"].append({"from": _outcome(doc), "to": doc["steps"][0]["id"]})
    return {"PW106"}


def _single_branch_decision(doc: Document) -> set[str]:
    _add_entry(doc, "zz_entry")
    doc["steps"].append(
        {"id": "zz_decide", "kind": "decision", "role": _some_role(doc), "label": "Decide"}
    )
    doc["transitions"] += [
        {"from": "zz_entry", "to": "zz_decide"},
        {"from": "zz_decide", "to": _outcome(doc)},
    ]
    return {"PW107"}


def _bad_probabilities(doc: Document) -> set[str]:
    _add_entry(doc, "zz_entry")
    doc["transitions"] += [
        {"from": "zz_entry", "to": _outcome(doc), "event": "yes", "probability": 0.5},
        {"from": "zz_entry", "to": _outcome(doc), "event": "no", "probability": 0.7},
    ]
    return {"PW108"}


def _ambiguous_event(doc: Document) -> set[str]:
    _add_entry(doc, "zz_entry")
    doc["steps"].append({"id": "zz_other", "kind": "outcome", "label": "Other outcome"})
    doc["transitions"] += [
        {"from": "zz_entry", "to": _outcome(doc), "event": "go"},
        {"from": "zz_entry", "to": "zz_other", "event": "go"},
    ]
    return {"PW109"}


def _step_without_role(doc: Document) -> set[str]:
    _add_entry(doc, "zz_entry")
    doc["steps"].append({"id": "zz_nobody", "label": "Nobody's job"})
    doc["transitions"] += [
        {"from": "zz_entry", "to": "zz_nobody"},
        {"from": "zz_nobody", "to": _outcome(doc), "by": [_some_role(doc)]},
    ]
    return {"PW201"}


def _referral_without_fallback(doc: Document) -> set[str]:
    _add_entry(doc, "zz_entry")
    doc["transitions"].append({"from": "zz_entry", "to": _outcome(doc), "kind": "referral"})
    return {"PW205"}


def _too_many_interviews(doc: Document) -> set[str]:
    _add_entry(doc, "zz_entry", tags=["interview"])
    doc["steps"].append(
        {
            "id": "zz_again",
            "role": _some_role(doc),
            "label": "Interview again",
            "tags": ["interview"],
        }
    )
    doc["transitions"] += [
        {"from": "zz_entry", "to": "zz_again"},
        {"from": "zz_again", "to": _outcome(doc)},
    ]
    doc["policies"] = {"max_interviews": 1}
    return {"PW301"}


def _interview_loop(doc: Document) -> set[str]:
    _add_entry(doc, "zz_entry")
    doc["steps"].append(
        {"id": "zz_interview", "role": _some_role(doc), "label": "Interview", "tags": ["interview"]}
    )
    doc["transitions"] += [
        {"from": "zz_entry", "to": "zz_interview"},
        {"from": "zz_interview", "to": "zz_interview", "event": "again"},
        {"from": "zz_interview", "to": _outcome(doc), "event": "done"},
    ]
    return {"PW302"}


def _clearance_too_low(doc: Document) -> set[str]:
    agency = doc["roles"][0]["agency"]
    doc["roles"].append(
        {"id": "zz_volunteer", "agency": agency, "title": "Volunteer", "clearance": "public"}
    )
    _add_entry(doc, "zz_entry", role="zz_volunteer", confidentiality="restricted")
    doc["transitions"].append({"from": "zz_entry", "to": _outcome(doc)})
    return {"PW306"}


def _guard_not_exhaustive(doc: Document) -> set[str]:
    _add_entry(doc, "zz_entry")
    doc["steps"].append({"id": "zz_other", "kind": "outcome", "label": "Other outcome"})
    doc["transitions"] += [
        {"from": "zz_entry", "to": _outcome(doc), "when": "age < 5"},
        {"from": "zz_entry", "to": "zz_other", "when": "age > 10"},
    ]
    return {"PW402"}


def _overlapping_guards(doc: Document) -> set[str]:
    _add_entry(doc, "zz_entry")
    doc["steps"].append({"id": "zz_other", "kind": "outcome", "label": "Other outcome"})
    doc["transitions"] += [
        {"from": "zz_entry", "to": _outcome(doc), "when": "age < 10"},
        {"from": "zz_entry", "to": "zz_other", "when": "age >= 5"},
    ]
    return {"PW403"}


def _guard_never_true(doc: Document) -> set[str]:
    _add_entry(doc, "zz_entry")
    doc["steps"].append({"id": "zz_other", "kind": "outcome", "label": "Other outcome"})
    doc["transitions"] += [
        {"from": "zz_entry", "to": _outcome(doc), "when": "age > 17"},
        {"from": "zz_entry", "to": "zz_other", "when": "age <= 17"},
    ]
    return {"PW401"}


def _missing_translation(doc: Document) -> set[str]:
    doc["locales"] = ["en", "km"]
    doc["steps"][0]["label"] = {"en": "Only in English"}
    return {"PW501"}


def _unknown_reference(doc: Document) -> set[str]:
    doc["transitions"].append({"from": doc["steps"][0]["id"], "to": "zz_nowhere"})
    return {"PW003"}


def _duplicate_id(doc: Document) -> set[str]:
    doc["steps"].append(dict(doc["steps"][0]))
    return {"PW004"}


def _invalid_guard(doc: Document) -> set[str]:
    _add_entry(doc, "zz_entry")
    doc["transitions"].append({"from": "zz_entry", "to": _outcome(doc), "when": "age <"})
    return {"PW005"}


def _invalid_duration(doc: Document) -> set[str]:
    _add_entry(doc, "zz_entry", duration="3 parsecs")
    doc["transitions"].append({"from": "zz_entry", "to": _outcome(doc)})
    return {"PW006"}


def _schema(doc: Document) -> set[str]:
    doc["steps"][0]["colour"] = "red"
    return {"PW002"}


FAULTS: dict[str, Callable[[Document], set[str]]] = {
    "schema": _schema,
    "unknown-reference": _unknown_reference,
    "duplicate-id": _duplicate_id,
    "invalid-guard": _invalid_guard,
    "invalid-duration": _invalid_duration,
    "no-entry-step": _no_entry,
    "no-outcome-step": _no_outcome,
    "unreachable-step": _unreachable,
    "dead-end-step": _dead_end,
    "trapped-step": _trap,
    "outcome-has-exit": _outcome_exit,
    "single-branch-decision": _single_branch_decision,
    "bad-probabilities": _bad_probabilities,
    "ambiguous-event": _ambiguous_event,
    "step-without-role": _step_without_role,
    "referral-without-fallback": _referral_without_fallback,
    "too-many-interviews": _too_many_interviews,
    "unbounded-interviews": _interview_loop,
    "clearance-too-low": _clearance_too_low,
    "guard-never-true": _guard_never_true,
    "decision-not-exhaustive": _guard_not_exhaustive,
    "overlapping-guards": _overlapping_guards,
    "missing-translation": _missing_translation,
}
"""Fault name (the rule name it triggers) -> a function that injects it and returns the codes."""


@st.composite
def broken_pathways(
    draw: st.DrawFn, /, *, faults: tuple[str, ...] | None = None, **knobs: Any
) -> tuple[Document, set[str]]:
    """A document with one injected fault, paired with the codes the fault must produce.

    ``check()`` (or, for PW0xx codes, loading) reports at least these codes; it may report
    others too (warnings, knock-on findings such as PW103 after PW101).

    Parameters
    ----------
    faults : tuple of str, optional
        Names from :data:`FAULTS` to choose among (default: all of them).
    **knobs
        Passed to :func:`pathway_documents` (``loops`` defaults to False here, so the base
        document is clean).
    """
    names = faults or tuple(FAULTS)
    unknown = [f for f in names if f not in FAULTS]
    if unknown:
        raise ValueError(f"unknown faults {unknown!r}; choose from {', '.join(FAULTS)}")
    knobs.setdefault("loops", False)
    doc = draw(pathway_documents(**knobs))
    fault = draw(st.sampled_from(names))
    codes = FAULTS[fault](doc)
    return doc, codes


def case_data(
    pathway: Pathway | Mapping[str, Any], *, partial: bool = False
) -> st.SearchStrategy[dict[str, Any]]:
    """Case data a pathway's ``case_fields`` allow: every field (or some, with ``partial``).

    Integers and numbers stay within ``min``/``max`` (within +-1000 where unbounded); enums draw
    from their values.
    """
    if isinstance(pathway, Pathway):
        fields = {k: v.model_dump() for k, v in pathway.case_fields.items()}
    else:
        fields = dict(pathway.get("case_fields") or {})
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for name, spec in sorted(fields.items()):
        kind = spec.get("type")
        lo, hi = spec.get("min"), spec.get("max")
        if kind == "boolean":
            parts[name] = st.booleans()
        elif kind == "enum":
            parts[name] = st.sampled_from(list(spec.get("values") or ()))
        elif kind == "integer":
            low = int(lo) if lo is not None else (int(hi) - 1000 if hi is not None else -1000)
            high = int(hi) if hi is not None else low + 2000
            parts[name] = st.integers(low, high)
        else:
            low_f = float(lo) if lo is not None else -1000.0
            high_f = float(hi) if hi is not None else low_f + 2000.0
            parts[name] = st.floats(low_f, high_f, allow_nan=False, allow_infinity=False)
    if partial:
        return st.fixed_dictionaries({}, optional=parts)
    return st.fixed_dictionaries(parts)


# ============================================================================================
# Parallel tracks (issue 12, SPEC 7.1): small pathways with fork and join steps, well nested
# or not. Kept apart from the generators above (other helpers edit those).


@st.composite
def track_documents(draw: st.DrawFn, max_blocks: int = 4, mutations: int = 2) -> Document:
    """A small pathway document with fork and join steps, for checking the token game.

    It is built from nested pieces (a plain step, a decision whose branches meet again, a
    loop back through a step, a fork whose tracks meet at a join), then up to ``mutations``
    transitions are redirected or added at random: a track that bypasses its join, two tracks
    that merge at an ordinary step, a track that ends at an outcome before the join, a loop
    through a track, a referral declined back to any step. Some steps are tagged
    ``interview``. The document loads without PW0xx
    findings; every other rule may fire (that is the point).

    >>> from hypothesis import given, settings
    >>> from pathways.testing.strategies import track_documents
    >>> @settings(max_examples=5, deadline=None)
    ... @given(track_documents())
    ... def test_loads(doc):
    ...     Pathway.model_validate(doc)
    >>> test_loads()
    """
    steps: list[Document] = [{"id": "start", "kind": "entry", "role": "r"}]
    transitions: list[Document] = []
    budget = [draw(st.integers(1, max_blocks))]

    def new(kind: str) -> str:
        sid = f"s{len(steps)}"
        step: Document = {"id": sid, "kind": kind, "role": "r"}
        if kind in ("action", "decision") and draw(st.integers(0, 4)) == 0:
            step["tags"] = ["interview"]
        steps.append(step)
        return sid

    def link(a: str, b: str) -> None:
        transitions.append({"from": a, "to": b, "event": f"e{len(transitions)}"})

    def piece(first: str, depth: int) -> str:
        """Pieces after ``first``; returns the last step."""
        shape = draw(
            st.sampled_from(["step", "decision", "loop", "fork"] if depth < 3 else ["step"])
        )
        if budget[0] <= 0:
            shape = "step"
        budget[0] -= 1
        if shape == "step":
            s = new("action")
            link(first, s)
            return s
        if shape == "decision":
            d = new("decision")
            link(first, d)
            ends = [piece(d, depth + 1) for _ in range(2)]
            m = new("action")
            for e in ends:
                link(e, m)
            return m
        if shape == "loop":
            a = new("action")
            link(first, a)
            b = new("decision")
            link(a, b)
            link(b, a)
            return b
        f = new("fork")
        link(first, f)
        ends = [piece(f, depth + 1) for _ in range(draw(st.integers(2, 3)))]
        j = new("join")
        for e in ends:
            link(e, j)
        return j

    last = piece("start", 0)
    if draw(st.booleans()):
        last = piece(last, 0)
    out = "done"
    steps.append({"id": out, "kind": "outcome"})
    link(last, out)
    if draw(st.booleans()):
        steps.append({"id": "early", "kind": "outcome"})
    ids = [s["id"] for s in steps]
    for _ in range(draw(st.integers(0, mutations))):
        sources = [s["id"] for s in steps if s["kind"] not in ("outcome",)]
        a = draw(st.sampled_from(sources))
        b = draw(st.sampled_from(ids[1:]))
        exits = [t for t in transitions if t["from"] == a]
        redirect = draw(st.booleans())
        if exits and redirect:
            draw(st.sampled_from(exits))["to"] = b
        else:
            link(a, b)
    if transitions and draw(st.integers(0, 3)) == 0:  # a referral that may be declined
        t = draw(st.sampled_from(transitions))
        t.update(kind="referral", response_within="1d", on_reject=draw(st.sampled_from(ids[1:])))
    for t in transitions:  # fork exits move on the fork's event (SPEC 7.1)
        if any(s["id"] == t["from"] and s["kind"] == "fork" for s in steps):
            t.pop("event", None)
    return {
        "format": "pathways/1",
        "id": "tracks",
        "agencies": [{"id": "a", "name": "A", "sector": "social"}],
        "roles": [{"id": "r", "agency": "a", "title": "R"}],
        "steps": steps,
        "transitions": transitions,
    }
