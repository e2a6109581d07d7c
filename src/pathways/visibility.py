"""The one visibility policy: what a reader at a level may see of a pathway.

Every output (diagrams, the report, ``validate``/``routes``/``simulate`` with
``--visibility``) asks this module, and nothing else decides. The policy:

- A **pathway** whose own ``visibility`` is above the reader is withheld whole: its outputs
  refuse (render) or show only that it exists (report).
- An **agency** whose ``visibility`` is above the reader is hidden: its id, its name, its
  contacts, and the ids and titles of its roles never appear. It is shown as an anonymous
  stand-in (``restricted-agency-1`` named "(restricted agency)", ``restricted-role-1`` titled
  "(restricted role)"), numbered in file order, so tables and findings stay readable.
- A **contact** whose ``visibility`` is above the reader (or of a hidden agency) keeps its place
  (rules that count contacts answer the same) but its value and hours are withheld.
- Steps, transitions, deadlines and case fields are the process itself and stay visible.

:func:`view` applies the policy once, to the whole pathway: it returns a copy in which the
hidden texts are replaced by their stand-ins, and every output is built from that copy. A
finding message, a "did you mean" list or a chart label is therefore made from what the reader
may see, never scrubbed afterwards. :func:`view_document` does the same for the plain data of a
file that does not load, and :func:`secrets` lists every text that must not appear at a level
(the tests check every output against it).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pathways.errors import LoadError
from pathways.findings import Finding
from pathways.model import Agency, Contact, Pathway, Role, Transition, Visibility

__all__ = [
    "HIDDEN_AGENCY",
    "HIDDEN_ROLE",
    "WITHHELD",
    "Policy",
    "parse_level",
    "policy",
    "policy_level",
    "secrets",
    "seen_load_findings",
    "view",
    "view_document",
]

HIDDEN_AGENCY = "(restricted agency)"
"""The name shown for an agency above the reader's level."""

HIDDEN_ROLE = "(restricted role)"
"""The title shown for a role of a hidden agency."""

WITHHELD = "(withheld)"
"""The value shown for a contact above the reader's level."""

LEVELS = tuple(v.value for v in Visibility)


def parse_level(value: str | Visibility | None) -> Visibility | None:
    """A reader level from an option value (None: no redaction).

    Raises
    ------
    ValueError
        Naming the three levels, when ``value`` is none of them.
    """
    if value is None or isinstance(value, Visibility):
        return value
    try:
        return Visibility(value)
    except ValueError:
        raise ValueError(
            f"unknown visibility {str(value)[:40]!r}; use one of {', '.join(LEVELS)}"
        ) from None


def policy_level(value: object) -> int:
    """The rank of a raw visibility value; anything unreadable counts as restricted."""
    if isinstance(value, Visibility):
        return value.rank
    try:
        return Visibility(str(value)).rank
    except ValueError:
        return Visibility.RESTRICTED.rank


@dataclass(frozen=True, slots=True)
class Policy:
    """What a reader at ``reader`` may see of one pathway (see the module docstring)."""

    reader: Visibility
    pathway_visible: bool
    agency_alias: Mapping[str, str]  # hidden agency id -> stand-in id
    role_alias: Mapping[str, str]  # role id of a hidden agency -> stand-in id

    def agency_visible(self, agency: Agency) -> bool:
        """Whether the agency may be named (true of the same agency in a :func:`view` too)."""
        return agency.visibility.rank <= self.reader.rank

    def role_visible(self, role_id: str | None) -> bool:
        """Whether a role id (of the pathway, not of a view) may be shown."""
        return role_id not in self.role_alias

    def contact_visible(self, agency: Agency, contact: Contact) -> bool:
        """Whether a contact's value may be shown (in the pathway or in a view)."""
        return self.agency_visible(agency) and contact.visibility.rank <= self.reader.rank

    @property
    def redacts(self) -> bool:
        """Whether anything of the pathway is hidden from this reader."""
        return bool(self.agency_alias) or not self.pathway_visible


def _aliases(ids: Iterable[str], prefix: str) -> dict[str, str]:
    return {ident: f"{prefix}-{n}" for n, ident in enumerate(ids, start=1)}


def policy(pathway: Pathway, reader: Visibility | str) -> Policy:
    """The policy for ``pathway`` and a reader at ``reader``."""
    level = Visibility(reader)
    hidden = [a.id for a in pathway.agencies if a.visibility.rank > level.rank]
    hidden_set = set(hidden)
    return Policy(
        reader=level,
        pathway_visible=pathway.visibility.rank <= level.rank,
        agency_alias=_aliases(hidden, "restricted-agency"),
        role_alias=_aliases(
            (r.id for r in pathway.roles if r.agency in hidden_set), "restricted-role"
        ),
    )


def _contact(contact: Contact, shown: bool) -> Contact:
    if shown:
        return contact
    return contact.model_copy(update={"value": WITHHELD, "hours": None})


def view(pathway: Pathway, reader: Visibility | str | None) -> Pathway:
    """The pathway as a reader at ``reader`` sees it (None: the pathway itself, unredacted).

    Hidden agencies and their roles are replaced by numbered stand-ins everywhere they are
    named (roles, steps, ``by`` lists), hidden contacts keep their place with the value
    withheld. The structure is unchanged, so checks, routes and simulations of the view give
    the same answers as of the pathway, in the reader's words. The source map is kept, so
    findings point at the same lines.

    Examples
    --------
    >>> import pathways as pw
    >>> p = pw.load("tests/data/report-hostile.yaml")
    >>> v = view(p, "public")
    >>> [a.id for a in v.agencies], v.roles[1].id, v.roles[1].title
    (['hotline', 'restricted-agency-1'], 'restricted-role-1', '(restricted role)')
    """
    if reader is None:
        return pathway
    pol = policy(pathway, reader)
    hidden_contact = any(
        not pol.contact_visible(a, c) for a in pathway.agencies for c in a.contacts
    )
    if not pol.agency_alias and not hidden_contact:
        return pathway
    agencies = tuple(
        a.model_copy(
            update={
                "id": pol.agency_alias.get(a.id, a.id),
                "name": a.name if pol.agency_visible(a) else HIDDEN_AGENCY,
                "contacts": tuple(_contact(c, pol.contact_visible(a, c)) for c in a.contacts),
            }
        )
        for a in pathway.agencies
    )
    fields: dict[str, Any] = {name: getattr(pathway, name) for name in type(pathway).model_fields}
    fields["agencies"] = agencies
    if pol.role_alias:
        roles = pol.role_alias
        fields["roles"] = tuple(_role(r, pol) for r in pathway.roles)
        fields["steps"] = tuple(
            s if s.role not in roles else s.model_copy(update={"role": roles[str(s.role)]})
            for s in pathway.steps
        )
        fields["transitions"] = tuple(_transition(t, roles) for t in pathway.transitions)
    out = Pathway.model_construct(**fields)
    if pathway.source_map is not None:
        out.__dict__["_source_map"] = pathway.source_map
    return out


def _role(role: Role, pol: Policy) -> Role:
    if pol.role_visible(role.id):
        return role
    return role.model_copy(
        update={
            "id": pol.role_alias[role.id],
            "agency": pol.agency_alias.get(role.agency, role.agency),
            "title": HIDDEN_ROLE,
        }
    )


def _transition(t: Transition, roles: Mapping[str, str]) -> Transition:
    if not t.by or not any(r in roles for r in t.by):
        return t
    return t.model_copy(update={"by": tuple(roles.get(r, r) for r in t.by)})


def _texts(label: object) -> list[str]:
    if isinstance(label, str):
        return [label]
    if isinstance(label, Mapping):
        return [v for v in label.values() if isinstance(v, str)]
    return []


def secrets(pathway: Pathway, reader: Visibility | str) -> set[str]:
    """Every text of ``pathway`` a reader at ``reader`` must not see in any output.

    The ids, names and contact values and hours of hidden agencies, the ids and titles of their
    roles, and the values and hours of every contact above the reader. Used by the redaction
    tests; outputs never search for these (they are built from :func:`view`).
    """
    pol = policy(pathway, reader)
    out: set[str] = set()
    for agency in pathway.agencies:
        if not pol.agency_visible(agency):
            out.add(agency.id)
            out.update(_texts(agency.name))
        for c in agency.contacts:
            if not pol.contact_visible(agency, c):
                out.add(c.value)
                if c.hours:
                    out.add(c.hours)
    for role in pathway.roles:
        if not pol.role_visible(role.id):
            out.add(role.id)
            out.update(_texts(role.title))
    return {text for text in out if text}


def view_document(data: Any, reader: Visibility | str | None) -> Any:
    """The plain data of a pathway file as a reader at ``reader`` sees it (None: unchanged).

    For files that do not load: the load findings are then computed on this data, so their
    messages and "did you mean" lists only name what the reader may see. Agencies whose
    ``visibility`` is above the reader, or unreadable, are hidden; the document's own
    ``visibility`` is not judged here (the caller withholds the whole page).
    """
    if reader is None or not isinstance(data, Mapping):
        return data
    level = Visibility(reader)
    agencies = data.get("agencies")
    if not isinstance(agencies, list):
        return data
    agency_alias: dict[Any, str] = {}
    new_agencies: list[Any] = []
    for a in agencies:
        if not isinstance(a, Mapping):
            new_agencies.append(a)
            continue
        hidden = policy_level(a.get("visibility", Visibility.PUBLIC.value)) > level.rank
        a = dict(a)
        if hidden:
            alias = f"restricted-agency-{len(agency_alias) + 1}"
            if _hashable(a.get("id")):
                agency_alias[a.get("id")] = alias
            a["id"] = alias
            a["name"] = HIDDEN_AGENCY
        contacts = a.get("contacts")
        if isinstance(contacts, list):
            a["contacts"] = [
                _document_contact(c, hidden, level) if isinstance(c, Mapping) else c
                for c in contacts
            ]
        new_agencies.append(a)
    out = dict(data)
    out["agencies"] = new_agencies
    role_alias: dict[Any, str] = {}
    roles = data.get("roles")
    if isinstance(roles, list) and agency_alias:
        new_roles: list[Any] = []
        for r in roles:
            if (
                isinstance(r, Mapping)
                and _hashable(r.get("agency"))
                and r.get("agency") in agency_alias
            ):
                alias = f"restricted-role-{len(role_alias) + 1}"
                if _hashable(r.get("id")):
                    role_alias[r.get("id")] = alias
                r = {**r, "id": alias, "agency": agency_alias[r["agency"]], "title": HIDDEN_ROLE}
            new_roles.append(r)
        out["roles"] = new_roles
    if role_alias:
        out["steps"] = _rename_refs(data.get("steps"), "role", role_alias)
        transitions = data.get("transitions")
        if isinstance(transitions, list):
            out["transitions"] = [
                {**t, "by": [role_alias.get(b, b) if _hashable(b) else b for b in t["by"]]}
                if isinstance(t, Mapping) and isinstance(t.get("by"), list)
                else t
                for t in transitions
            ]
    return out


def _hashable(value: object) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


def _document_contact(c: Mapping[str, Any], agency_hidden: bool, level: Visibility) -> Any:
    shown = (
        not agency_hidden
        and policy_level(c.get("visibility", Visibility.PARTNERS.value)) <= level.rank
    )
    if shown:
        return c
    out = {**c, "value": WITHHELD}
    out.pop("hours", None)
    return out


def _rename_refs(items: Any, key: str, alias: Mapping[Any, str]) -> Any:
    if not isinstance(items, list):
        return items
    return [
        {**item, key: alias[item[key]]}
        if isinstance(item, Mapping) and _hashable(item.get(key)) and item.get(key) in alias
        else item
        for item in items
    ]


def seen_load_findings(
    path: str | os.PathLike[str], reader: Visibility | str | None, findings: Sequence[Finding]
) -> list[Finding]:
    """The load findings of a file that did not load, as a reader at ``reader`` may see them.

    They are computed again on the reader's view of the file's data (:func:`view_document`),
    so "did you mean" and "declared" lists name only what the reader may see. A file whose own
    ``visibility`` is above the reader, or that does not parse, shows only where its first
    problem is and how many there are. ``reader`` None: ``findings`` unchanged.
    """
    if reader is None:
        return list(findings)
    from pathways.load.document import parse_document
    from pathways.load.loader import data_findings
    from pathways.load.yaml_walk import MAX_BYTES

    level = Visibility(reader)
    data: Any = None
    try:
        with Path(path).open("rb") as fh:
            text = fh.read(MAX_BYTES + 1).decode("utf-8-sig")
        data, smap = parse_document(text, os.fspath(path))
    except (OSError, UnicodeDecodeError, LoadError):
        data = None
    visible = (
        isinstance(data, Mapping)
        and policy_level(data.get("visibility", Visibility.PARTNERS.value)) <= level.rank
    )
    seen = data_findings(view_document(data, level), smap) if visible else []
    if not seen and findings:  # withheld whole, or only a hidden part was wrong
        return [_withheld(findings[0], len(findings))]
    return seen


def _withheld(first: Finding, count: int) -> Finding:
    return Finding(
        code=first.code,
        rule=first.rule,
        severity=first.severity,
        message=f"{count} problem{'s' * (count != 1)}; details withheld at this visibility",
        location=first.location,
    )
