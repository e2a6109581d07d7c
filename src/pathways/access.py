"""Reading a case at a clearance: :func:`view` withholds what is above the reader's clearance.

Every step of a pathway has a ``confidentiality`` (public < internal < sensitive <
restricted) and every role a ``clearance``. A history entry is at the level of the steps it
touches (the higher of its source and target): an entry that moves a case into a restricted
shelter placement is restricted. :func:`view` gives the case's snapshot as a reader of a
given clearance may see it:

- the ``note`` and ``data`` of every entry above the clearance are withheld, and so is its
  ``hash`` (a hash of a short note or a boolean field could be reversed by trying values);
- a case field set by any entry above the clearance is withheld from ``data``, whatever
  later entries did;
- ``withheld`` counts what was withheld: ``{"fields": n, "notes": m}``.

Steps, events, times and actors stay visible: who did what, when, is the audit trail; what
they wrote is what is protected. The view is for reading only (it does not restore).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pathways.errors import NotAuthorized
from pathways.model import Confidentiality

if TYPE_CHECKING:
    from pathways.case import Actor, Case

__all__ = ["clearance_of", "view"]


def clearance_of(case: Case, actor: Actor) -> Confidentiality:
    """The clearance of ``actor``'s role in the case's pathway.

    Raises
    ------
    NotAuthorized
        The role is not one of the pathway's roles.
    """
    for role in case.engine.pathway.roles:
        if role.id == actor.role:
            return role.clearance
    raise NotAuthorized(
        f"role {actor.role!r} is not a role of pathway {case.pathway_id!r}; it may not read "
        "its cases",
        event="read",
        role=actor.role,
    )


def view(case: Case, actor: Actor | Confidentiality) -> dict[str, Any]:
    """The case's snapshot (:meth:`Case.to_dict <pathways.case.Case.to_dict>`) redacted to
    the clearance of ``actor``'s role (or to a clearance given directly).

    Raises
    ------
    NotAuthorized
        ``actor``'s role is not a role of the pathway.

    Examples
    --------
    >>> import pathways as pw
    >>> from pathways.access import view
    >>> from pathways.model import Confidentiality
    >>> engine = pw.Engine(pw.load("pathways/kh/csa-in-person.yaml"))
    >>> case = engine.open(entry="report_police", case_id="c-1", note="name of the child")
    >>> view(case, Confidentiality.INTERNAL)["withheld"]
    {'fields': 0, 'notes': 1}
    """
    clearance = actor if isinstance(actor, Confidentiality) else clearance_of(case, actor)
    rank = clearance.rank
    steps = case.engine.pathway.steps_by_id
    snapshot = case.to_dict()
    hidden_fields: set[str] = set()
    notes = 0
    for entry in snapshot["history"]:
        level = steps[entry["target"]].confidentiality.rank
        if entry["source"] is not None:
            level = max(level, steps[entry["source"]].confidentiality.rank)
        if level <= rank:
            continue
        hidden_fields.update(entry["data"])
        if entry["note"] is not None:
            notes += 1
        entry["note"], entry["data"], entry["hash"] = None, {}, None
    data = snapshot["data"]
    withheld = sorted(f for f in hidden_fields if f in data)
    for name in withheld:
        del data[name]
    snapshot["withheld"] = {"fields": len(withheld), "notes": notes}
    return snapshot
