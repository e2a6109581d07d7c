"""Trace a case: the routes a child with some known facts can take, step by step.

``pathways trace FILE risk=high age=9`` and the report's "trace a case" panel both answer the
question a working group asks in the meeting room: *for this child, who does what, in which
agency, under which deadline, and where is consent asked?*

The facts are a partial case: each ``field=value`` names a declared case field and a value in
its domain. A transition is **open** unless its guard is false for these facts. Guards are read
with three values (true, false, unknown): a field the facts leave out is unknown, ``not
unknown`` is unknown, ``false and unknown`` is false, ``true or unknown`` is true, so a
transition whose guard depends on a missing fact stays open (and says which facts it waits
on). The traced part of the pathway is everything reachable from the entry steps through open
transitions, with the ``on_reject`` fallback of every open referral (a receiver may decline).
That is one linear pass over steps and transitions; routes are never enumerated.

The report's panel runs the same reading in the browser (:data:`PANEL_SCRIPT` holds it); its
browser test checks that picking values lights exactly the steps this module lists.

Examples
--------
>>> import pathways as pw
>>> from pathways.trace import trace
>>> p = pw.load("pathways/kh/csa-in-person.yaml")
>>> t = trace(p, {"risk": "high", "hours_since_incident": 10})
>>> "medical_urgent" in t.steps, "medical_routine" in t.steps
(True, False)
>>> trace(p, {"risk": "hihg"})
Traceback (most recent call last):
...
pathways.trace.TraceError: risk='hihg': risk is one of 'low', 'medium', 'high'; did you mean high?
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pathways.findings import CaseWords, case_text
from pathways.guards import (
    And,
    Compare,
    Expr,
    GuardError,
    Literal,
    Membership,
    Name,
    Not,
    Or,
    field_names,
    parse_guard,
)
from pathways.guards.evaluate import OPERATORS
from pathways.i18n import N_, closest, human_hours, tr
from pathways.model import CaseField, Pathway, label_text
from pathways.render._words import guard_sentence

__all__ = [
    "Trace",
    "TraceError",
    "case_route",
    "format_trace",
    "guard_json",
    "parse_facts",
    "trace",
]

Truth = bool | None
"""A guard's value under partial facts: True, False, or None (unknown)."""


class TraceError(ValueError):
    """A fact names no case field, or gives a value outside the field's domain."""


@dataclass(frozen=True)
class Trace:
    """The part of a pathway a case with these facts can go through.

    ``steps`` are in the order a reader meets them (breadth first from the entries, file order
    among equals); ``transitions`` are the indices of the open transitions out of traced steps;
    ``fallbacks`` the indices of open referrals whose ``on_reject`` step is traced too;
    ``unknown`` maps a transition index to the case fields its guard still waits on.
    """

    pathway: Pathway
    facts: Mapping[str, object]
    entries: tuple[str, ...]
    steps: tuple[str, ...]
    transitions: frozenset[int]
    fallbacks: frozenset[int]
    unknown: Mapping[int, tuple[str, ...]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Ids only (JSON output): the facts, the entries, the steps, the transitions."""
        return {
            "pathway": self.pathway.id,
            "version": self.pathway.version,
            "facts": dict(self.facts),
            "entries": list(self.entries),
            "steps": list(self.steps),
            "transitions": sorted(self.transitions),
            "fallbacks": sorted(self.fallbacks),
            "waiting_on": {str(i): list(v) for i, v in sorted(self.unknown.items())},
        }


# ------------------------------------------------------------------------------------ facts


def _describe(spec: CaseField, lang: str | None) -> str:
    """A field's domain for an error message, in ``lang`` (:meth:`CaseField.describe`)."""
    if lang is None:
        return spec.describe()
    if spec.type == "enum":
        values = ", ".join(repr(v) for v in spec.values or ())
        return tr("one of {values}", lang).format(values=values)
    if spec.type == "boolean":
        return tr("true or false", lang)
    kind = tr(N_("an integer") if spec.type == "integer" else N_("a number"), lang)
    lo = "" if spec.min is None else f" >= {spec.min:g}"
    hi = "" if spec.max is None else f" <= {spec.max:g}"
    return f"{kind}{lo}{hi}"


def _not_in_domain(
    name: str, value: object, spec: CaseField, lang: str | None, guess: str = ""
) -> TraceError:
    words = tr(
        N_("{fact}: {name} is {domain}; did you mean {guess}?")
        if guess
        else N_("{fact}: {name} is {domain}"),
        lang,
    )
    fact = f"{name}={value!r}"
    return TraceError(words.format(fact=fact, name=name, domain=_describe(spec, lang), guess=guess))


def _parse_value(name: str, spec: CaseField, raw: object, lang: str | None = None) -> object:
    if not isinstance(raw, str):
        if spec.accepts(raw):
            return raw
        raise _not_in_domain(name, raw, spec, lang)
    text = raw.strip()
    value: object = text
    if spec.type == "boolean":
        words = {"true": True, "yes": True, "false": False, "no": False}
        value = words.get(text.lower(), text)
    elif spec.type in ("integer", "number"):
        try:
            value = int(text) if spec.type == "integer" else float(text)
        except ValueError:
            value = text
    if spec.accepts(value):
        return value
    guess = ""
    if spec.type == "enum":
        guess = closest(text, spec.values or (), cutoff=0.5) or ""
    raise _not_in_domain(name, text, spec, lang, guess)


def parse_facts(
    pathway: Pathway, facts: Mapping[str, object] | Iterable[str], lang: str | None = None
) -> dict[str, object]:
    """Facts as typed values: from a mapping, or from ``field=value`` words.

    Raises :class:`TraceError` for an unknown field (with the closest declared one), a value
    outside the field's domain, or a word without ``=`` (its message in ``lang``).
    """
    pairs: list[tuple[str, object]] = []
    if isinstance(facts, Mapping):
        pairs = list(facts.items())
    else:
        for word in facts:
            name, sep, value = str(word).partition("=")
            if not sep or not name.strip():
                words = tr("{word}: write a fact as field=value, e.g. risk=high", lang)
                raise TraceError(words.format(word=repr(word)))
            pairs.append((name.strip(), value))
    out: dict[str, object] = {}
    declared = pathway.case_fields
    for name, raw in pairs:
        spec = declared.get(name)
        if spec is None:
            guess = closest(name, declared, cutoff=0.5)
            if guess:
                words = tr("{name} is not a case field of {id}; did you mean {guess}?", lang)
            elif declared:
                words = tr("{name} is not a case field of {id}; the fields are {fields}", lang)
            else:
                words = tr(
                    "{name} is not a case field of {id}; this pathway declares no case_fields", lang
                )
            raise TraceError(
                words.format(
                    name=repr(name),
                    id=pathway.id,
                    guess=guess or "",
                    fields=", ".join(declared),
                )
            )
        out[name] = _parse_value(name, spec, raw, lang)
    return out


# ------------------------------------------------------------------------ three-valued guards


def _operand(node: Name | Literal, facts: Mapping[str, object]) -> tuple[bool, object]:
    if isinstance(node, Literal):
        return True, node.value
    return (node.name in facts), facts.get(node.name)


def _same(a: object, b: object) -> bool:
    # A guard's `true` is not `1`: compare types as the guard language does.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def truth(expr: Expr, facts: Mapping[str, object]) -> Truth:
    """The guard's value for partial facts: True, False or None (depends on a missing fact)."""
    if isinstance(expr, Literal):
        return bool(expr.value)
    if isinstance(expr, Name):
        known, value = _operand(expr, facts)
        return bool(value) if known else None
    if isinstance(expr, Compare):
        (lk, left), (rk, right) = _operand(expr.left, facts), _operand(expr.right, facts)
        if not (lk and rk):
            return None
        if expr.op in ("==", "!="):
            return _same(left, right) == (expr.op == "==")
        try:
            return bool(OPERATORS[expr.op](left, right))
        except TypeError:
            return False
    if isinstance(expr, Membership):
        known, value = _operand(expr.left, facts)
        if not known:
            return None
        return any(_same(value, item.value) for item in expr.items.items) != expr.negated
    if isinstance(expr, Not):
        inner = truth(expr.operand, facts)
        return None if inner is None else not inner
    if isinstance(expr, And | Or):
        stop = isinstance(expr, Or)  # the value that decides: True for or, False for and
        seen_unknown = False
        for operand in expr.operands:
            value = truth(operand, facts)
            if value is None:
                seen_unknown = True
            elif value is stop:
                return stop
        return None if seen_unknown else not stop
    raise TypeError(f"not a guard expression: {type(expr).__name__}")


def guard_json(expr: Expr) -> list[Any]:
    """A guard as nested JSON lists for the report's script (the same three-valued reading).

    ``["lit", v]``, ``["name", f]``, ``["cmp", op, a, b]``, ``["in", a, [v...], negated]``,
    ``["not", e]``, ``["and", e...]``, ``["or", e...]``.
    """
    if isinstance(expr, Literal):
        return ["lit", expr.value]
    if isinstance(expr, Name):
        return ["name", expr.name]
    if isinstance(expr, Compare):
        return ["cmp", expr.op, guard_json(expr.left), guard_json(expr.right)]
    if isinstance(expr, Membership):
        return [
            "in",
            guard_json(expr.left),
            [item.value for item in expr.items.items],
            expr.negated,
        ]
    if isinstance(expr, Not):
        return ["not", guard_json(expr.operand)]
    if isinstance(expr, And):
        return ["and", *(guard_json(o) for o in expr.operands)]
    return ["or", *(guard_json(o) for o in expr.operands)]


def _guard(text: str | None) -> Expr | None:
    if not text:
        return None
    try:
        return parse_guard(text)
    except GuardError:
        return None  # PW401 reports it; a guard that does not parse leaves the exit open


# ------------------------------------------------------------------------------------- trace


def trace(
    pathway: Pathway,
    facts: Mapping[str, object] | Iterable[str] = (),
    *,
    entries: Sequence[str] | None = None,
    lang: str | None = None,
) -> Trace:
    """The steps and transitions a case with ``facts`` can go through, from ``entries``
    (default: every entry step). Linear in steps + transitions.

    Raises :class:`TraceError` for a bad fact or an entry that is not a step.
    """
    known = parse_facts(pathway, facts, lang)
    starts = tuple(entries) if entries else tuple(pathway.entry_steps())
    for start in starts:
        if start not in pathway.steps_by_id:
            guess = closest(start, pathway.entry_steps(), cutoff=0.5) or ""
            words = tr(
                N_("{step} is not a step of {id}; did you mean {guess}?")
                if guess
                else N_("{step} is not a step of {id}"),
                lang,
            )
            raise TraceError(words.format(step=repr(start), id=pathway.id, guess=guess))
    seen = dict.fromkeys(starts)
    queue = deque(starts)
    open_transitions: set[int] = set()
    fallbacks: set[int] = set()
    waiting: dict[int, tuple[str, ...]] = {}
    while queue:
        step_id = queue.popleft()
        for i, t in pathway.exits(step_id):
            expr = _guard(t.when)
            value = True if expr is None else truth(expr, known)
            if value is False or t.to not in pathway.steps_by_id:
                continue
            if value is None and expr is not None:
                waiting[i] = tuple(sorted(field_names(expr) - set(known)))
            open_transitions.add(i)
            targets = [t.to]
            if t.kind == "referral" and t.on_reject and t.on_reject in pathway.steps_by_id:
                fallbacks.add(i)
                targets.append(t.on_reject)
            for target in targets:
                if target not in seen:
                    seen[target] = None
                    queue.append(target)
    return Trace(
        pathway=pathway,
        facts=known,
        entries=starts,
        steps=tuple(seen),
        transitions=frozenset(open_transitions),
        fallbacks=frozenset(fallbacks),
        unknown=waiting,
    )


def case_route(
    pathway: Pathway, snapshot: object
) -> tuple[dict[str, object], list[str], list[str]]:
    """(facts, steps taken so far, current steps) of a case snapshot (``Case.to_dict()``).

    Only declared case fields become facts. Raises :class:`TraceError` for a snapshot of
    another pathway or one that is not a case snapshot.
    """
    if not isinstance(snapshot, Mapping) or not isinstance(snapshot.get("history", []), list):
        raise TraceError("not a case snapshot (a JSON object as Case.to_dict writes it)")
    if snapshot.get("pathway") not in (None, pathway.id):
        raise TraceError(
            f"the case follows pathway {str(snapshot.get('pathway'))[:60]!r}, not {pathway.id!r}"
        )
    data = snapshot.get("data") or {}
    facts = {
        k: v
        for k, v in (data.items() if isinstance(data, Mapping) else ())
        if k in pathway.case_fields and pathway.case_fields[k].accepts(v)
    }
    taken: list[str] = []
    for item in snapshot.get("history") or []:
        target = item.get("target") if isinstance(item, Mapping) else None
        fresh = not taken or taken[-1] != target
        if isinstance(target, str) and target in pathway.steps_by_id and fresh:
            taken.append(target)
    tracks = snapshot.get("tracks")
    if isinstance(tracks, list):
        current = [t["step"] for t in tracks if isinstance(t, Mapping) and "step" in t]
    else:
        current = [snapshot["step"]] if isinstance(snapshot.get("step"), str) else []
    current = [s for s in current if s in pathway.steps_by_id]
    return facts, taken, current


# ------------------------------------------------------------------------------------ words

_WHO = N_("who: {role}, {agency}")
_DEADLINE = N_("deadline: {name}, within {time} of {origin}")
_CONSENT_STEP = N_("consent is asked here")
_CONSENT_SHARE = N_("consent is asked before the case is shared")
_NO_CONSENT = N_("shared without consent: {reason}")
_NEXT = N_("then: {step}")
_DECLINED = N_("if declined: {step}")
_WAITS = N_("depends on {fields}")
_REFERRAL = N_("referral to {agency}, answer within {time}")
_REFERRAL_OPEN = N_("referral to {agency}")
_END = N_("the case ends here")
_STUCK = N_("no way on is open for these facts")


def _step_words(pathway: Pathway, step_id: str, lang: str | None) -> str:
    return pathway.label(step_id, lang)


def _agency_name(pathway: Pathway, step_id: str, lang: str | None) -> str:
    agency = pathway.agencies_by_id.get(pathway.agency_of(step_id) or "")
    return label_text(agency.name, lang, pathway.locales) if agency else ""


def format_trace(result: Trace, lang: str | None = None) -> str:
    """The trace in plain words: the facts, then each step a reader meets, numbered, with who
    does it, which deadline ends there, where consent is asked, and where the case goes next.
    Labels, not ids (ids are in ``--format json``)."""
    p = result.pathway
    locales = p.locales
    title = label_text(p.title, lang, locales) or p.id
    names = p.field_labels(lang)
    values = p.value_labels(lang)
    facts = case_text(result.facts, words=CaseWords(names, values, lang))
    lines = [
        tr("Trace of {title}", lang).format(title=title),
        tr("for a case where {facts}", lang).format(facts=facts)
        if facts
        else tr("for any case (no facts given)", lang),
        tr("{steps} of {total} steps can be reached.", lang).format(
            steps=len(result.steps), total=len(p.steps)
        ),
        "",
    ]
    number = {step_id: n for n, step_id in enumerate(result.steps, 1)}
    deadlines: dict[str, list[str]] = {}
    for d in p.deadlines:
        origin_ok = d.source is None or d.source in number
        if not origin_ok:
            continue
        origin = tr("entry", lang) if d.source is None else _step_words(p, d.source, lang)
        name = label_text(d.label, lang, locales) or d.id
        text = tr(_DEADLINE, lang).format(
            name=name, time=human_hours(d.within, lang), origin=origin
        )
        for target in p.deadline_targets(d):
            deadlines.setdefault(target, []).append(text)
    for step_id in result.steps:
        step = p.steps_by_id[step_id]
        lines.append(f"{number[step_id]}. {_step_words(p, step_id, lang)}")
        role = p.roles_by_id.get(step.role or "")
        if role is not None:
            role_title = label_text(role.title, lang, locales) or role.id
            agency = _agency_name(p, step_id, lang)
            lines.append("   " + tr(_WHO, lang).format(role=role_title, agency=agency))
        lines.extend("   " + text for text in deadlines.get(step_id, ()))
        if "consent" in step.tags:
            lines.append("   " + tr(_CONSENT_STEP, lang))
        exits = [(i, t) for i, t in p.exits(step_id) if i in result.transitions]
        for i, t in exits:
            target = f"{_step_words(p, t.to, lang)} ({number[t.to]})"
            words = [tr(_NEXT, lang).format(step=target)]
            if t.when:
                words.append(guard_sentence(t.when, lang, names, values))
            if result.unknown.get(i):
                fields = ", ".join(names.get(f, f) for f in result.unknown[i])
                words.append(tr(_WAITS, lang).format(fields=fields))
            if t.kind == "referral":
                agency = _agency_name(p, t.to, lang)
                if t.response_within is not None:
                    within = human_hours(t.response_within, lang)
                    words.append(tr(_REFERRAL, lang).format(agency=agency, time=within))
                else:
                    words.append(tr(_REFERRAL_OPEN, lang).format(agency=agency))
            if t.kind in ("referral", "handoff"):
                if t.consent == "required":
                    words.append(tr(_CONSENT_SHARE, lang))
                else:
                    words.append(tr(_NO_CONSENT, lang).format(reason=t.reason or ""))
            lines.append("   " + "; ".join(words))
            if i in result.fallbacks and t.on_reject:
                fallback = f"{_step_words(p, t.on_reject, lang)} ({number[t.on_reject]})"
                lines.append("   " + tr(_DECLINED, lang).format(step=fallback))
        if not exits:
            message = _END if step.kind == "outcome" else _STUCK
            lines.append("   " + tr(message, lang))
    return "\n".join(lines) + "\n"


def panel_data(pathway: Pathway, lang: str | None = None) -> dict[str, Any]:
    """What the report's trace panel needs: the fields, the entries, every transition's
    source, target, guard (as :func:`guard_json`) and fallback, and the step labels."""
    transitions = []
    for t in pathway.transitions:
        expr = _guard(t.when)
        transitions.append(
            {
                "from": t.source,
                "to": t.to,
                "when": None if expr is None else guard_json(expr),
                "fallback": t.on_reject if t.kind == "referral" else None,
            }
        )
    return {
        "entries": pathway.entry_steps(),
        "steps": {s.id: pathway.label(s.id, lang) for s in pathway.steps},
        "transitions": transitions,
    }


def script_json(data: Any) -> str:
    """JSON safe inside an HTML ``<script>`` element (no ``<``, ``>``, ``&`` or line
    separators that could end it or confuse a parser)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
