"""Pathway versions: the fingerprint of what a pathway means, and the semantic diff of two.

A pathway is agreed in a working group, changed at the next meeting, and lives for years while
cases stay open for months. :func:`fingerprint` names what a version *means*, so a file edited
without a version bump cannot silently change the rules for open cases; :func:`diff` tells the
working group what changed between two versions, in plain words.

Two files that differ only in comments, key order, label and description wording, sources,
contacts or the ``version`` string have the same fingerprint; any change to what decides where
a case can go, who may move it, when it is due and what the rules check gives another one.

What is covered (everything else is wording, provenance or tool configuration):

- ``id``, ``case_fields`` (type and domain), ``policies``, ``sectors``;
- agencies (id, sector, visibility), roles (id, agency, capacity, clearance);
- steps (id, kind, role, tags, duration, confidentiality), sorted by id: the order of steps in
  the file has no meaning;
- transitions in file order (the order of exits decides which of two open guards a case
  takes), every field but ``label`` and ``reason``, guards in their canonical form (spacing and
  redundant parentheses do not count);
- deadlines (every field but ``label``), sorted by id.

Not covered: ``version``, ``title``, ``description``, labels and names, ``locales``,
``jurisdiction``, ``sources``, contacts, the pathway's own ``visibility``, and the ``simulation``,
``rules`` and ``waivers`` blocks (they configure the tools, not the pathway).

:func:`diff` compares what the two versions mean, not their text: steps added, removed,
renamed (when the user confirms a rename) or moved to another role or agency; transitions added
and removed; guards changed, each with a case the old guard let through and the new one does
not (and the other way round), found by the exact guard analysis; deadlines tightened or
loosened; roles, agencies, case fields and policies changed; findings that appear or disappear
(both versions are validated); route properties that change (number of routes, longest expected
time, most interviews, most hand-offs). Wording (labels, descriptions, titles) is reported apart,
as ``wording``: it changes nothing for a case.

Steps are matched by id. A step whose id changed looks removed and added; :func:`diff` lists it
as a *possible rename* when the removed and the added step share their kind and role and their
label or their neighbours, and treats it as the same step when the caller confirms it with
``renames={"old_id": "new_id"}`` (``pathways diff --rename old=new``).
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from pathways.durations import format_hours
from pathways.errors import LoadError
from pathways.findings import Finding, case_text
from pathways.guards import (
    And,
    Expr,
    GuardError,
    Not,
    check_guard,
    find_case,
    format_guard,
    parse_guard,
)
from pathways.guards.sentence import guard_sentence
from pathways.i18n import N_, human_hours, tr
from pathways.model import (
    Agency,
    Calendar,
    CaseField,
    Pathway,
    Role,
    Step,
    Transition,
    label_text,
)

__all__ = [
    "ALGORITHM",
    "KINDS",
    "Change",
    "PathwayDiff",
    "change_heading",
    "diff",
    "earlier_version",
    "fingerprint",
    "format_diff",
    "grouped_changes",
    "load_version",
    "semantic_content",
    "transition_key",
]

ALGORITHM = "sha256"
"""The hash of :func:`fingerprint`; it prefixes every fingerprint (``sha256:...``)."""

_WORDING = frozenset(
    {"label", "title", "description", "name", "reason", "contacts", "value_labels"}
)
# Top-level keys that are wording, provenance or tool configuration, not the pathway's meaning.
_NOT_COVERED = frozenset(
    {
        "version",
        "title",
        "description",
        "jurisdiction",
        "locales",
        "visibility",
        "sources",
        "simulation",
        "scenarios",
        "rules",
        "waivers",
    }
)
_BY_ID = frozenset({"agencies", "roles", "steps", "deadlines"})  # file order means nothing
_LAYOUTS: dict[type[BaseModel], tuple[tuple[str, str, Any], ...]] = {}
_NO_DEFAULT = object()  # a required field, or one whose default is None: nothing to compare


def _layout(cls: type[BaseModel]) -> tuple[tuple[str, str, Any], ...]:
    """(attribute, document key, default) of every covered field of a model class.

    A required field, and one whose default is None, gets ``_NO_DEFAULT``: a value is never
    compared with it by ``==`` (no nested model's ``__eq__`` is called against None).
    """
    layout = _LAYOUTS.get(cls)
    if layout is None:
        skip = _NOT_COVERED if cls is Pathway else _WORDING
        layout = tuple(
            (name, f.alias or name, _NO_DEFAULT if default is None else default)
            for name, f in cls.model_fields.items()
            if name not in skip
            for default in (None if f.is_required() else f.get_default(call_default_factory=True),)
        )
        _LAYOUTS[cls] = layout
    return layout


@functools.lru_cache(maxsize=4096)
def _guard(text: str) -> str:
    try:
        return format_guard(parse_guard(text))
    except GuardError:  # a pathway built in code may hold a guard that does not parse
        return " ".join(text.split())


_PLAIN_TYPES = frozenset({str, int, float, bool})


def _value(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN_TYPES:
        return value
    if kind is tuple:
        return [_value(v) for v in value]
    if isinstance(value, BaseModel):
        return _record(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _value(v) for k, v in value.items()}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _record(obj: BaseModel) -> dict[str, Any]:
    """A model's covered fields that differ from their defaults, as JSON-ready data.

    Defaults are left out, so a later release that adds an optional field (with a default
    that keeps today's meaning) does not change the fingerprint of every existing file.
    """
    out: dict[str, Any] = {}
    for name, key, default in _layout(type(obj)):
        value = getattr(obj, name)
        if value is None or (default is not _NO_DEFAULT and value == default):
            continue
        if type(value) in _PLAIN_TYPES:
            out[key] = _guard(value) if name == "when" and isinstance(obj, Transition) else value
        else:
            out[key] = _value(value)
    return out


def semantic_content(pathway: Pathway) -> dict[str, Any]:
    """The part of a pathway the fingerprint covers, as plain JSON-ready data.

    Examples
    --------
    >>> import pathways as pw
    >>> from pathways.versions import semantic_content
    >>> content = semantic_content(pw.load("pathways/kh/csa-in-person.yaml"))
    >>> sorted(content)[:4]
    ['agencies', 'calendars', 'case_fields', 'deadlines']
    """
    out = _record(pathway)
    out.setdefault("steps", [])
    for key in _BY_ID & out.keys():
        out[key] = sorted(out[key], key=lambda item: str(item.get("id")))
    if "sectors" in out:
        out["sectors"] = sorted(out["sectors"])
    return out


def fingerprint(pathway: Pathway) -> str:
    """The content hash of a pathway's semantics, as ``"sha256:<64 hex digits>"``.

    Examples
    --------
    >>> import pathways as pw
    >>> from pathways.versions import fingerprint
    >>> p = pw.load("pathways/kh/csa-in-person.yaml")
    >>> fp = fingerprint(p)
    >>> fp.startswith("sha256:") and len(fp) == 71
    True
    >>> fingerprint(p.model_copy(update={"version": "9.9.9"})) == fp
    True
    """
    text = json.dumps(
        semantic_content(pathway), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return f"{ALGORITHM}:{hashlib.sha256(text.encode()).hexdigest()}"


KINDS: tuple[str, ...] = (
    "step-added",
    "step-removed",
    "step-renamed",
    "step-moved",
    "step-changed",
    "transition-added",
    "transition-removed",
    "transition-changed",
    "guard-changed",
    "deadline-added",
    "deadline-removed",
    "deadline-tightened",
    "deadline-loosened",
    "deadline-changed",
    "role-added",
    "role-removed",
    "role-changed",
    "agency-added",
    "agency-removed",
    "agency-changed",
    "field-added",
    "field-removed",
    "field-changed",
    "policy-changed",
    "calendar-added",
    "calendar-removed",
    "calendar-changed",
    "pathway-changed",
    "finding-appeared",
    "finding-disappeared",
    "route-changed",
    "wording",
)
"""Every kind of :class:`Change`, in the order a report lists them."""

_ORDER = {k: i for i, k in enumerate(KINDS)}
# Changes that can appear while the fingerprint stays: wording, and findings (waivers, rules).
_NOT_MEANING = frozenset({"wording", "finding-appeared", "finding-disappeared"})


@dataclass(frozen=True)
class Change:
    """One difference between two versions of a pathway.

    ``kind`` is one of :data:`KINDS`; ``subject`` names what changed (a step id, a transition as
    ``from -> to (event)``, a deadline id, a finding code...); ``message`` says it in plain
    words; ``old`` and ``new`` are the values before and after (JSON-ready); ``case`` is, for a
    guard change, a case whose route changed.
    """

    kind: str
    subject: str
    message: str
    old: Any = None
    new: Any = None
    case: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def semantic(self) -> bool:
        """Whether the change can change what happens to a case (everything but wording)."""
        return self.kind != "wording"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "subject": self.subject, "message": self.message}
        if self.old is not None:
            out["old"] = self.old
        if self.new is not None:
            out["new"] = self.new
        if self.case is not None:
            out["case"] = self.case
        return out


@dataclass(frozen=True)
class PathwayDiff:
    """The differences between an old and a new version of one pathway (see :func:`diff`)."""

    old_id: str
    new_id: str
    old_version: str
    new_version: str
    changes: tuple[Change, ...]
    renames: Mapping[str, str]
    suggested_renames: Mapping[str, str]
    old: Pathway = field(repr=False, compare=False)
    new: Pathway = field(repr=False, compare=False)
    lang: str | None = field(default=None, compare=False)

    @functools.cached_property
    def old_fingerprint(self) -> str:
        """The old version's :func:`fingerprint` (computed when first asked for)."""
        return fingerprint(self.old)

    @functools.cached_property
    def new_fingerprint(self) -> str:
        """The new version's :func:`fingerprint` (computed when first asked for)."""
        return fingerprint(self.new)

    @property
    def changes_meaning(self) -> bool:
        """Whether what the pathway means changed: the fingerprints differ.

        Answered from the changes, without hashing: the diff compares every field the
        fingerprint covers, so a structural change is reported exactly when the fingerprints
        differ (findings can change without it, through waivers or rule settings).
        """
        return any(c.kind not in _NOT_MEANING for c in self.changes)

    @property
    def semantic_changes(self) -> tuple[Change, ...]:
        """The changes that can change what happens to a case (wording left out)."""
        return tuple(c for c in self.changes if c.semantic)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def of_kind(self, *kinds: str) -> list[Change]:
        """The changes of the given kinds, in order."""
        return [c for c in self.changes if c.kind in kinds]

    def to_dict(self) -> dict[str, Any]:
        """The diff as JSON-ready data (``pathways diff --format json``)."""
        return {
            "old": {
                "id": self.old_id,
                "version": self.old_version,
                "fingerprint": self.old_fingerprint,
            },
            "new": {
                "id": self.new_id,
                "version": self.new_version,
                "fingerprint": self.new_fingerprint,
            },
            "same_semantics": self.old_fingerprint == self.new_fingerprint,
            "renames": dict(self.renames),
            "suggested_renames": dict(self.suggested_renames),
            "changes": [c.to_dict() for c in self.changes],
        }


def earlier_version(since: str, pathway: Pathway) -> Pathway:
    """The earlier version of a loaded ``pathway`` that ``--since`` names: a file, or a git
    revision of the file ``pathway`` was loaded from (relative to the current folder).

    Raises
    ------
    ValueError
        There is none; the message says why in one sentence (for a page or a CLI line).
    """
    from pathlib import Path

    if os.path.isfile(since):  # False, not OSError, for a name too long to be a file
        spec = since
    else:
        file = Path(pathway.file)
        if not file.is_file():
            raise ValueError(f"No earlier version: {pathway.id} was not loaded from a file.")
        try:
            relative = file.resolve().relative_to(Path.cwd().resolve())
        except ValueError:
            raise ValueError(
                f"No earlier version: {file} is outside the current folder's repository."
            ) from None
        spec = f"git:{since}:./{relative.as_posix()}"
    try:
        return load_version(spec)
    except LoadError as exc:
        raise ValueError(
            f"The version at {since} does not load ({len(exc.findings)} load findings)."
        ) from None
    except (ValueError, OSError) as exc:
        raise ValueError(f"No earlier version at {since}: {str(exc).split(': ', 1)[-1]}") from None


def load_version(spec: str) -> Pathway:
    """Load one side of a diff: a file path, or ``git:REV:PATH`` for a file at a git revision.

    ``git:REV:PATH`` reads ``git show REV:PATH`` in the current folder's repository (``PATH``
    relative to the repository root, as git takes it); findings name the file as written.

    Raises
    ------
    LoadError
        The file (or the file at that revision) does not load.
    ValueError
        git is not installed, the folder is not a repository, or the revision or path is
        unknown (the message is git's first line).
    """
    import subprocess

    from pathways.load import load, loads

    if not spec.startswith("git:"):
        return load(spec)
    rev, sep, path = spec[4:].partition(":")
    if not sep or not rev or not path:
        raise ValueError(f"{spec!r}: write git:REVISION:PATH, e.g. git:HEAD~1:pathways/p1.yaml")
    if rev.startswith("-"):  # git would read it as an option: --output=FILE writes a file
        raise ValueError(f"{spec[:60]!r}: a revision does not start with '-'")
    try:
        done = subprocess.run(
            ["git", "show", f"{rev}:{path}"], capture_output=True, check=False, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ValueError(f"{spec!r}: cannot run git ({exc})") from None
    if done.returncode != 0:
        first = done.stderr.decode(errors="replace").strip().splitlines()
        raise ValueError(f"{spec!r}: {first[0] if first else 'git show failed'}")
    return loads(done.stdout, file=spec)


# ----------------------------------------------------------------------------------- helpers


class _Namer:
    """Labels for messages: 'Medical examination' (medical_exam)."""

    def __init__(self, pathway: Pathway, lang: str | None) -> None:
        self.p = pathway
        self.lang = lang

    def text(self, label: Any) -> str:
        return label_text(label, self.lang, self.p.locales)

    def step(self, sid: str) -> str:
        step = self.p.steps_by_id.get(sid)
        text = self.text(step.label) if step is not None else ""
        return f"'{text}' ({sid})" if text and text != sid else f"'{sid}'"

    def role(self, rid: str | None) -> str:
        if rid is None:
            return tr("no role", self.lang)
        role = self.p.roles_by_id.get(rid)
        if role is None:
            return f"'{rid}'"
        return self.text(role.title) or rid

    def agency(self, aid: str | None) -> str:
        agency = self.p.agencies_by_id.get(aid or "")
        if agency is None:
            return f"'{aid}'"
        return self.text(agency.name) or agency.id


def _hours(value: float | None) -> str:
    if value is None:
        return "none"
    return format_hours(value)


_TRUE = "true"


def _guard_expr(text: str | None) -> Expr:
    return parse_guard(text if text is not None else _TRUE)


def _guard_witness(
    old: str | None, new: str | None, old_p: Pathway, new_p: Pathway
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(a case the old guard allows and the new one does not, and the reverse), exactly."""
    try:
        a, b = _guard_expr(old), _guard_expr(new)
    except GuardError:
        return None, None
    fields = dict(new_p.case_fields)
    for name, spec in old_p.case_fields.items():
        fields.setdefault(name, spec)
    if check_guard(a, fields) or check_guard(b, fields):
        return None, None
    try:
        return find_case(And((a, Not(b))), fields), find_case(And((b, Not(a))), fields)
    except GuardError:
        return None, None


def _case_text(
    case: Mapping[str, Any],
    lang: str | None = None,
    names: Mapping[str, str] | None = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """ "a case with hours_since_incident = 49", each field by its label in ``names`` where it
    has one ("hours since the incident = 49") and an enum value by its label in ``values``."""
    from pathways.findings import CaseWords

    if not case:
        return tr("any case", lang)
    said = case_text(dict(sorted(case.items())), words=CaseWords(names or {}, values or {}, lang))
    return tr("a case with {values}", lang).format(values=said)


def transition_key(t: Transition, rename: Mapping[str, str]) -> tuple[str, str, str]:
    """How a diff matches a transition across versions: (from, to, event), old step ids read
    through ``rename`` (a default event ``to_X`` follows the rename of ``X``)."""
    to = rename.get(t.to, t.to)
    event = f"to_{to}" if t.event == f"to_{t.to}" else t.event  # the default follows a rename
    return (rename.get(t.source, t.source), to, event)


def _transition_name(key: tuple[str, str, str]) -> str:
    return f"{key[0]} -> {key[1]} ({key[2]})"


def _neighbours(p: Pathway) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    pred: dict[str, set[str]] = defaultdict(set)
    succ: dict[str, set[str]] = defaultdict(set)
    for t in p.transitions:
        succ[t.source].add(t.to)
        pred[t.to].add(t.source)
    return {s.id: (frozenset(pred[s.id]), frozenset(succ[s.id])) for s in p.steps}


def _label_texts(step: Step) -> set[str]:
    if step.label is None:
        return set()
    if isinstance(step.label, str):
        return {step.label.strip().casefold()}
    return {v.strip().casefold() for v in step.label.values()}


def _suggest_renames(
    old: Pathway, new: Pathway, removed: list[str], added: list[str]
) -> dict[str, str]:
    """Removed -> added step pairs that look like one step under a new id.

    A pair qualifies when kind and role agree and either a label text or the neighbourhood
    (predecessors and successors, the other suggestions applied) is the same; each step is
    used at most once, the label matches first.
    """
    old_n, new_n = _neighbours(old), _neighbours(new)
    out: dict[str, str] = {}
    taken: set[str] = set()
    for by_label in (True, False):
        for r in removed:
            if r in out:
                continue
            rs = old.steps_by_id[r]
            for a in added:
                if a in taken:
                    continue
                ad = new.steps_by_id[a]
                if (rs.kind, rs.role) != (ad.kind, ad.role):
                    continue
                if by_label:
                    same = bool(_label_texts(rs) & _label_texts(ad))
                else:
                    m = {**out, r: a}
                    pred = frozenset(m.get(x, x) for x in old_n[r][0])
                    succ = frozenset(m.get(x, x) for x in old_n[r][1])
                    same = (pred, succ) == new_n[a] and bool(pred or succ)
                if same:
                    out[r] = a
                    taken.add(a)
                    break
    return out


def _finding_key(
    f: Finding, p: Pathway, rename: Mapping[str, str]
) -> tuple[str, str | None, tuple[str, str, str] | None, str]:
    tkey = None
    if f.transition is not None and 0 <= f.transition < len(p.transitions):
        tkey = transition_key(p.transitions[f.transition], rename)
    step = rename.get(f.step, f.step) if f.step is not None else None
    return (f.code, step, tkey, f.message)


# -------------------------------------------------------------------------------------- diff


def diff(
    old: Pathway,
    new: Pathway,
    *,
    renames: Mapping[str, str] | None = None,
    lang: str | None = None,
    today: dt.date | None = None,
    findings: bool = True,
    routes: bool = True,
) -> PathwayDiff:
    """The semantic differences from ``old`` to ``new``.

    Parameters
    ----------
    old, new : Pathway
        Two versions of a pathway (usually of the same ``id``).
    renames : mapping of str to str, optional
        Confirmed renames, old step id -> new step id. A step renamed without this mapping is
        reported as removed and added, with a suggestion.
    lang : str, optional
        The locale of the labels in messages (default: each pathway's first locale).
    today : datetime.date, optional
        The date the validation of both versions measures contact age from (PW502).
    findings, routes : bool
        Compare the findings of both versions, and their route properties (default: both).

    Returns
    -------
    PathwayDiff
        Empty (false) when the two versions are the same up to comments and key order.

    Raises
    ------
    ValueError
        A rename names a step that is not in ``old`` or not in ``new``.

    Examples
    --------
    >>> import datetime, pathways as pw
    >>> from pathways.versions import diff
    >>> p = pw.load("pathways/kh/csa-in-person.yaml")
    >>> bool(diff(p, p, today=datetime.date(2026, 11, 28)))
    False
    """
    rename = dict(renames or {})
    for a, b in rename.items():
        if a not in old.steps_by_id:
            raise ValueError(f"--rename {a}={b}: the old version has no step {a!r}")
        if b not in new.steps_by_id:
            raise ValueError(f"--rename {a}={b}: the new version has no step {b!r}")
    on, nn = _Namer(old, lang), _Namer(new, lang)
    changes: list[Change] = []
    add = changes.append

    # --- steps -------------------------------------------------------------------------------
    mapped_old = {rename.get(s.id, s.id): s for s in old.steps}
    removed = [s.id for s in old.steps if rename.get(s.id, s.id) not in new.steps_by_id]
    added = [s.id for s in new.steps if s.id not in mapped_old]
    suggested = _suggest_renames(old, new, removed, added) if removed and added else {}
    for old_id, new_id in rename.items():
        if old_id != new_id:
            add(
                Change(
                    "step-renamed",
                    old_id,
                    tr("step {name} was renamed from {old}", nn.lang).format(
                        name=nn.step(new_id), old=repr(old_id)
                    ),
                    old=old_id,
                    new=new_id,
                )
            )
    for sid in added:
        s = new.steps_by_id[sid]
        hint = ""
        back = {v: k for k, v in suggested.items()}
        if sid in back:
            hint = tr(" (perhaps {old} renamed: confirm with --rename {rename})", nn.lang).format(
                old=repr(back[sid]), rename=f"{back[sid]}={sid}"
            )
        add(
            Change(
                "step-added",
                sid,
                tr("new {kind} step {name}, done by {role}", nn.lang).format(
                    kind=s.kind, name=nn.step(sid), role=nn.role(s.role)
                )
                + hint,
                new=sid,
            )
        )
    for sid in removed:
        s = old.steps_by_id[sid]
        add(
            Change(
                "step-removed",
                sid,
                tr(
                    "{kind} step {name} (done by {role}) was removed; open cases at it need a "
                    "mapping to move to the new version",
                    nn.lang,
                ).format(kind=s.kind, name=on.step(sid), role=on.role(s.role)),
                old=sid,
            )
        )
    for new_id, s_old in mapped_old.items():
        s_new = new.steps_by_id.get(new_id)
        if s_new is None:
            continue
        name = nn.step(new_id)
        if s_old.role != s_new.role:
            a_old, a_new = old.agency_of(s_old.id), new.agency_of(new_id)
            moved = (
                tr("; it moves from {old} to {new}", nn.lang).format(
                    old=on.agency(a_old), new=nn.agency(a_new)
                )
                if a_old != a_new
                else ""
            )
            add(
                Change(
                    "step-moved",
                    new_id,
                    tr(
                        "step {name} is now done by {role} instead of {old}{moved}: who may "
                        "act on open cases at it changes",
                        nn.lang,
                    ).format(
                        name=name, role=nn.role(s_new.role), old=on.role(s_old.role), moved=moved
                    ),
                    old=s_old.role,
                    new=s_new.role,
                )
            )
        for attr in _compared(Step):
            if attr == "role":  # a step-moved change above
                continue
            a, b = getattr(s_old, attr), getattr(s_new, attr)
            if a != b:
                show_a, show_b = _show(a), _show(b)
                add(
                    Change(
                        "step-changed",
                        new_id,
                        tr("step {name}: {attr} changed from {old} to {new}", nn.lang).format(
                            name=name, attr=attr, old=show_a, new=show_b
                        ),
                        old=show_a,
                        new=show_b,
                    )
                )
        for attr in ("label", "description"):
            a_text, b_text = on.text(getattr(s_old, attr)), nn.text(getattr(s_new, attr))
            if getattr(s_old, attr) != getattr(s_new, attr):
                add(
                    Change(
                        "wording",
                        new_id,
                        tr("step {name}: {attr} reworded from {old} to {new}", nn.lang).format(
                            name=new_id, attr=attr, old=repr(a_text), new=repr(b_text)
                        ),
                        old=a_text,
                        new=b_text,
                    )
                )

    # --- transitions ---------------------------------------------------------------------------
    old_t: dict[tuple[str, str, str], list[Transition]] = defaultdict(list)
    new_t: dict[tuple[str, str, str], list[Transition]] = defaultdict(list)
    for t in old.transitions:
        old_t[transition_key(t, rename)].append(t)
    for t in new.transitions:
        new_t[transition_key(t, {})].append(t)
    keys = list(dict.fromkeys([*old_t, *new_t]))
    for key in keys:
        olds, news = old_t.get(key, []), new_t.get(key, [])
        subject = _transition_name(key)
        for t in news[len(olds) :]:
            cond = tr(" when {condition}", nn.lang).format(condition=t.when) if t.when else ""
            add(
                Change(
                    "transition-added",
                    subject,
                    tr("new move from {source} to {target} on {event}", nn.lang).format(
                        source=nn.step(key[0]), target=nn.step(key[1]), event=repr(key[2])
                    )
                    + cond,
                    new=t.model_dump(mode="json", by_alias=True, exclude_defaults=True),
                )
            )
        for t in olds[len(news) :]:
            add(
                Change(
                    "transition-removed",
                    subject,
                    tr("the move from {source} to {target} on {event} was removed", nn.lang).format(
                        source=on.step(t.source), target=on.step(t.to), event=repr(key[2])
                    ),
                    old=t.model_dump(mode="json", by_alias=True, exclude_defaults=True),
                )
            )
        for t_old, t_new in zip(olds, news, strict=False):
            if t_old != t_new:
                changes.extend(_transition_changes(key, t_old, t_new, old, new, on, nn))

    # --- deadlines -----------------------------------------------------------------------------
    old_d, new_d = {d.id: d for d in old.deadlines}, {d.id: d for d in new.deadlines}
    for did, d in new_d.items():
        if did not in old_d:
            add(
                Change(
                    "deadline-added",
                    did,
                    tr("new deadline {id}: {target} within {time} of {origin}", nn.lang).format(
                        id=repr(did),
                        target=d.to,
                        time=human_hours(d.within, nn.lang),
                        origin=d.source or tr("the start", nn.lang),
                    ),
                    new=_hours(d.within),
                )
            )
    for did, d in old_d.items():
        if did not in new_d:
            gone = tr("deadline {id} was removed", nn.lang).format(id=repr(did))
            add(Change("deadline-removed", did, gone, old=did))
            continue
        e = new_d[did]
        if d.within != e.within:
            kind = "deadline-tightened" if e.within < d.within else "deadline-loosened"
            words = (
                N_("deadline {id} tightened from {old} to {new}")
                if e.within < d.within
                else N_("deadline {id} loosened from {old} to {new}")
            )
            add(
                Change(
                    kind,
                    did,
                    tr(words, nn.lang).format(
                        id=repr(did),
                        old=human_hours(d.within, nn.lang),
                        new=human_hours(e.within, nn.lang),
                    ),
                    old=_hours(d.within),
                    new=_hours(e.within),
                )
            )
        for attr in ("to", "source", "required", "severity"):
            a, b = getattr(d, attr), getattr(e, attr)
            if attr in ("to", "source") and isinstance(a, str):
                a = rename.get(a, a)
            if a != b:
                shown = "from" if attr == "source" else attr
                add(
                    Change(
                        "deadline-changed",
                        did,
                        tr("deadline {id}: {attr} changed from {old} to {new}", nn.lang).format(
                            id=repr(did), attr=shown, old=repr(a), new=repr(b)
                        ),
                        old=a,
                        new=b,
                    )
                )

    # --- roles, agencies, case fields, policies ----------------------------------------------
    changes.extend(
        _keyed(
            "role",
            {r.id: r for r in old.roles},
            {r.id: r for r in new.roles},
            _compared(Role),
            ("title",),
            on,
            nn,
        )
    )
    changes.extend(
        _keyed(
            "agency",
            {a.id: a for a in old.agencies},
            {a.id: a for a in new.agencies},
            _compared(Agency),
            ("name",),
            on,
            nn,
        )
    )
    changes.extend(
        _keyed(
            "field",
            dict(old.case_fields),
            dict(new.case_fields),
            _compared(CaseField),
            ("label", "description", "value_labels"),
            on,
            nn,
        )
    )
    calendars = (dict(old.calendars), dict(new.calendars))
    changes.extend(_keyed("calendar", *calendars, _compared(Calendar), ("label",), on, nn))
    for attr in ("id", "format", "sectors"):
        a, b = getattr(old, attr), getattr(new, attr)
        if (sorted(a) if attr == "sectors" else a) != (sorted(b) if attr == "sectors" else b):
            add(
                Change(
                    "pathway-changed",
                    attr,
                    tr("pathway {attr} changed from {old} to {new}", nn.lang).format(
                        attr=attr, old=_show(a), new=_show(b)
                    ),
                    old=_show(a),
                    new=_show(b),
                )
            )
    for attr in type(old.policies).model_fields:
        a, b = getattr(old.policies, attr), getattr(new.policies, attr)
        if a != b:
            add(
                Change(
                    "policy-changed",
                    attr,
                    tr("policy {attr} changed from {old} to {new}", nn.lang).format(
                        attr=attr, old=_show(a), new=_show(b)
                    ),
                    old=_show(a),
                    new=_show(b),
                )
            )
    for attr in ("title", "description"):
        if getattr(old, attr) != getattr(new, attr):
            add(
                Change(
                    "wording",
                    attr,
                    tr("pathway {attr} reworded from {old} to {new}", nn.lang).format(
                        attr=attr,
                        old=repr(on.text(getattr(old, attr))),
                        new=repr(nn.text(getattr(new, attr))),
                    ),
                )
            )

    if findings:
        changes.extend(_finding_changes(old, new, rename, today, lang))
    if routes:
        changes.extend(_route_changes(old, new, lang))

    ordered = sorted(changes, key=lambda c: _ORDER[c.kind])
    return PathwayDiff(
        old_id=old.id,
        new_id=new.id,
        old_version=old.version,
        new_version=new.version,
        changes=tuple(ordered),
        renames=rename,
        suggested_renames=suggested,
        old=old,
        new=new,
        lang=lang,
    )


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]" if value else "none"
    if value is None:
        return "none"
    if hasattr(value, "model_dump"):
        dumped = value.model_dump(mode="json")
        return str(dumped)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(getattr(value, "value", value))


def _transition_changes(
    key: tuple[str, str, str],
    a: Transition,
    b: Transition,
    old: Pathway,
    new: Pathway,
    on: _Namer,
    nn: _Namer,
) -> Iterable[Change]:
    subject = _transition_name(key)
    where = tr("the move from {source} to {target}", nn.lang).format(
        source=nn.step(key[0]), target=nn.step(key[1])
    )
    if a.when != b.when and (a.when is None or b.when is None or _guard(a.when) != _guard(b.when)):
        lost, gained = _guard_witness(a.when, b.when, old, new)
        # the condition as the diagram draws it on the edge ("if hours since the incident is
        # at most 72"), each guard in its own version's labels; the guards as written stay in
        # the JSON (old, new)
        old_names, old_values = old.field_labels(on.lang), old.value_labels(on.lang)
        new_names, new_values = new.field_labels(nn.lang), new.value_labels(nn.lang)
        said = [
            f"“{guard_sentence(w, nn.lang, names, values)}”"
            if w is not None
            else tr("always", nn.lang)
            for w, names, values in (
                (a.when, old_names, old_values),
                (b.when, new_names, new_values),
            )
        ]
        # a case is read in today's labels, a field the new version dropped in its old ones
        dropped = old.case_fields.keys() - new.case_fields.keys()
        names = {**{f: old_names[f] for f in dropped}, **new_names}
        values = {**{f: old_values[f] for f in dropped if f in old_values}, **new_values}
        parts = [
            tr("{where}: condition changed from {old} to {new}", nn.lang).format(
                where=where, old=said[0], new=said[1]
            )
        ]
        if lost is not None:
            parts.append(
                tr("{case} took it before and does not now", nn.lang).format(
                    case=_case_text(lost, nn.lang, names, values)
                )
            )
        if gained is not None:
            parts.append(
                tr("{case} takes it now and did not before", nn.lang).format(
                    case=_case_text(gained, nn.lang, names, values)
                )
            )
        if lost is None and gained is None:
            parts.append(
                tr("the same cases take it (the condition is only written differently)", nn.lang)
            )
        yield Change(
            "guard-changed",
            subject,
            "; ".join(parts),
            old=a.when,
            new=b.when,
            case=lost if lost is not None else gained,
        )
    elif a.when != b.when:
        spaced = tr("{where}: condition re-spaced, {new}", nn.lang).format(
            where=where, new=repr(b.when)
        )
        yield Change("wording", subject, spaced)
    for attr in _compared(Transition):
        if attr in ("source", "to", "event", "when"):  # the key, and the guard above
            continue
        x, y = getattr(a, attr), getattr(b, attr)
        if x != y:
            shown = {
                "by": tr("who may fire it", nn.lang),
                "on_reject": tr("where a decline goes", nn.lang),
            }.get(attr, attr)
            yield Change(
                "transition-changed",
                subject,
                tr("{where}: {attr} changed from {old} to {new}", nn.lang).format(
                    where=where, attr=shown, old=_show(x), new=_show(y)
                ),
                old=_show(x),
                new=_show(y),
            )
    if a.label != b.label:
        yield Change(
            "wording", subject, tr("{where}: edge label reworded", nn.lang).format(where=where)
        )


def _compared(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields of a keyed record the fingerprint covers (so the diff misses none of them)."""
    return tuple(name for name, _, _ in _layout(cls) if name != "id")


_NOUNS = {
    "role": N_("role"),
    "agency": N_("agency"),
    "field": N_("case field"),
    "calendar": N_("calendar"),
}


def _keyed(
    what: str,
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    attrs: tuple[str, ...],
    wording: tuple[str, ...],
    on: _Namer,
    nn: _Namer,
) -> Iterable[Change]:
    noun = tr(_NOUNS[what], nn.lang)
    for key in news:
        if key not in olds:
            text = tr("new {noun} {key}", nn.lang).format(noun=noun, key=repr(key))
            yield Change(f"{what}-added", key, text, new=key)
    for key, a in olds.items():
        if key not in news:
            text = tr("{noun} {key} was removed", nn.lang).format(noun=noun, key=repr(key))
            yield Change(f"{what}-removed", key, text, old=key)
            continue
        b = news[key]
        for attr in attrs:
            x, y = getattr(a, attr), getattr(b, attr)
            if x != y:
                yield Change(
                    f"{what}-changed",
                    key,
                    tr("{noun} {key}: {attr} changed from {old} to {new}", nn.lang).format(
                        noun=noun, key=repr(key), attr=attr, old=_show(x), new=_show(y)
                    ),
                    old=_show(x),
                    new=_show(y),
                )
        for attr in wording:
            if getattr(a, attr) != getattr(b, attr):
                yield Change(
                    "wording",
                    key,
                    tr("{noun} {key}: {attr} reworded from {old} to {new}", nn.lang).format(
                        noun=noun,
                        key=repr(key),
                        attr=attr,
                        old=repr(on.text(getattr(a, attr))),
                        new=repr(nn.text(getattr(b, attr))),
                    ),
                )


def _finding_changes(
    old: Pathway,
    new: Pathway,
    rename: Mapping[str, str],
    today: dt.date | None,
    lang: str | None = None,
) -> Iterable[Change]:
    from pathways.findings import CaseWords, finding_words
    from pathways.messages import severity_word
    from pathways.rules import check

    before = {_finding_key(f, old, rename): f for f in check(old, today=today)}
    after = {_finding_key(f, new, {}): f for f in check(new, today=today)}
    for kind, mine, theirs, words in (
        ("finding-appeared", after, before, N_("new finding {code} [{severity}]: {message}")),
        (
            "finding-disappeared",
            before,
            after,
            N_("finding {code} [{severity}] is gone: {message}"),
        ),
    ):
        said = CaseWords.of(new if kind == "finding-appeared" else old, lang)
        for key, f in mine.items():
            if key not in theirs:
                text = tr(words, lang).format(
                    code=f.code,
                    severity=severity_word(f.severity.value, lang),
                    message=finding_words(f, lang, said),
                )
                side = {"new" if kind == "finding-appeared" else "old": f.to_dict()}
                yield Change(kind, f.code, text, **side)


_ROUTE_WORDS = {
    "count": N_("number of routes from an entry to an outcome"),
    "longest": N_("longest expected time to an outcome"),
    "max_interviews": N_("most interviews of one child on a route"),
    "handoffs_max": N_("most hand-offs between agencies on a route"),
}


_ROUTE_NO_LIMIT = {
    "count": N_("no limit (a loop can repeat)"),
    "longest": N_("no limit (a loop on the route takes time)"),
    "max_interviews": N_("no limit (a loop holds an interview)"),
    "handoffs_max": N_("no limit (a loop changes agency)"),
}


def _route_words(key: str, value: object, lang: str | None) -> str:
    """A route figure as `pathways routes` writes it: "72 h (3 days)", "12", "no limit (a loop
    can repeat)" (issue 18 audit: diff wrote "1845m -> 2085m" and "3 -> infinite")."""
    if value is None:
        return tr("none", lang)
    if value in ("infinite", "unbounded"):
        return tr(_ROUTE_NO_LIMIT[key], lang)
    if key == "longest" and isinstance(value, int | float):
        return human_hours(value, lang)
    return f"{value:,}" if isinstance(value, int) else str(value)


def _route_changes(old: Pathway, new: Pathway, lang: str | None = None) -> Iterable[Change]:
    from pathways.routes import route_stats

    a, b = route_stats(old).to_dict(), route_stats(new).to_dict()
    for key, words in _ROUTE_WORDS.items():
        x, y = a.get(key), b.get(key)
        if key == "longest":
            x = x["hours"] if isinstance(x, dict) else x
            y = y["hours"] if isinstance(y, dict) else y
            xs = _hours(x) if isinstance(x, int | float) else str(x)
            ys = _hours(y) if isinstance(y, int | float) else str(y)
        else:
            xs, ys = str(x), str(y)
        if xs != ys:
            shown = f"{_route_words(key, x, lang)} -> {_route_words(key, y, lang)}"
            text = f"{tr(words, lang)}: {shown}"
            yield Change("route-changed", key, text, old=xs, new=ys)


# ------------------------------------------------------------------------------------- text

_HEADINGS = {
    "step": N_("Steps"),
    "transition": N_("Moves between steps"),
    "guard": N_("Moves between steps"),
    "deadline": N_("Deadlines"),
    "role": N_("Roles"),
    "agency": N_("Agencies"),
    "field": N_("Case fields"),
    "policy": N_("Policies"),
    "calendar": N_("Working calendars"),
    "pathway": N_("The pathway"),
    "finding": N_("Findings"),
    "route": N_("Routes"),
    "wording": N_("Wording only (nothing changes for a case)"),
}


def change_heading(kind: str, lang: str | None = None) -> str:
    """The heading a change of ``kind`` is listed under (text and report)."""
    return tr(_HEADINGS[kind.split("-")[0]], lang)


def grouped_changes(result: PathwayDiff) -> list[tuple[str, list[Change]]]:
    """The changes under their headings, in report order (for the text and the HTML report)."""
    groups: list[tuple[str, list[Change]]] = []
    for change in result.changes:
        heading = change_heading(change.kind, result.lang)
        if not groups or groups[-1][0] != heading:
            groups.append((heading, []))
        groups[-1][1].append(change)
    return groups


def format_diff(result: PathwayDiff) -> str:
    """The diff as text for a working group: one heading per area, one line per change.

    Examples
    --------
    >>> import datetime, pathways as pw
    >>> from pathways.versions import diff, format_diff
    >>> p = pw.load("pathways/kh/csa-in-person.yaml")
    >>> print(format_diff(diff(p, p, today=datetime.date(2026, 11, 28))), end="")
    kh-csa-in-person 0.2.0 -> 0.2.0: no changes
    """
    head = f"{result.old_id} {result.old_version} -> {result.new_version}"
    if result.old_id != result.new_id:
        head = f"{result.old_id} {result.old_version} -> {result.new_id} {result.new_version}"
    if not result.changes:
        return tr("{head}: no changes", result.lang).format(head=head) + "\n"
    n = len(result.semantic_changes)
    many = (
        N_("{head}: {n} change that matters to cases")
        if n == 1
        else N_("{head}: {n} changes that matter to cases")
    )
    lines = [tr(many, result.lang).format(head=head, n=n)]
    if not result.changes_meaning:
        lines[0] = tr("{head}: wording only, the same pathway for every case", result.lang).format(
            head=head
        )
    elif result.old_version == result.new_version:
        lines.append(
            tr(
                "warning: the meaning changed but the version did not ({version}); bump "
                "`version:` so open cases are migrated on purpose",
                result.lang,
            ).format(version=result.new_version)
        )
    for heading, changes in grouped_changes(result):
        lines += ["", heading + ":", *(f"  - {c.message}" for c in changes)]
    return "\n".join(lines) + "\n"
