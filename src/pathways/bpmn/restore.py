"""Read back a file that ``pathways export`` wrote: the plain data of the pathway from the
standard BPMN and the ``pw`` attributes, with a source map into the XML.

A file is read this way when its ``definitions`` carry ``pw:pathway`` and its process holds
only the kinds of element the exporter writes (events, tasks, exclusive and parallel
gateways, sequence flows, lanes; annotations, groups and data objects are passed over).
What a modeller did to it is taken, and what it left alone keeps its ``pw`` data:

- names and documentation edited (for the locale the name is shown in), the layout, a flow
  node moved to another lane (its role);
- an element deleted (bpmn.io deletes its flows with it): its step or transition is gone, and
  so are a fallback (``on_reject``) into a deleted step and the deadlines, waivers and
  simulation entries of ``pw:data`` that name it (each a PW007 ``info``);
- an element added (no ``pw`` attributes): a flow node is read as the general mapping reads
  it (a task an ``action``, an exclusive gateway a ``decision``, a parallel gateway a
  ``fork`` or a ``join``, a start event an ``entry``, an end event an ``outcome``, a catch
  event a ``wait``), with its BPMN id as step id and its lane's role; a sequence flow is a
  transition (its name the label, its condition the guard). Each is a PW007 ``info``
  finding in the source map's notes, so the user sees what was read.

A process with other elements (sub-processes, boundary events, inclusive gateways...) is
read by the general mapping (:mod:`pathways.bpmn.importer`) and :func:`read_export` returns
None. What the export leaves out is listed in ``docs/bpmn.md`` ("What BPMN cannot hold").
"""

from __future__ import annotations

import json
from typing import Any

from pathways.bpmn.xml import XmlNode
from pathways.findings import Finding, Location, Severity
from pathways.load.source import DocPath, SourceMap

__all__ = ["PW_NS", "is_export", "read_export"]

# Not imported from pathways.bpmn.export: the importer imports this module, and the export
# reaches the loader (through the visibility policy), which imports the importer.
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
PW_NS = "https://pathways.invalid/bpmn/1"
"""The namespace of the attributes and extension elements that hold what BPMN cannot."""
XML_NS = "http://www.w3.org/XML/1998/namespace"

TASK_KINDS: dict[str, str] = {
    "userTask": "user",
    "manualTask": "manual",
    "serviceTask": "service",
    "sendTask": "send",
    "receiveTask": "receive",
    "scriptTask": "script",
    "businessRuleTask": "business-rule",
}
"""Task elements and the step tag each is kept as (the importer and the export share this)."""

_FLOW_NODES = frozenset(
    {"startEvent", "endEvent", "intermediateCatchEvent", "exclusiveGateway", "parallelGateway"}
    | {"task", *TASK_KINDS}
)
"""The flow nodes the export writes: events, gateways and tasks."""


_ARTIFACTS = frozenset(
    {
        "textAnnotation",
        "association",
        "group",
        "dataObject",
        "dataObjectReference",
        "dataStoreReference",
    }
)
"""Elements a modeller may add that carry no flow: passed over."""


# The importer's code for what the mapping notes (not imported: the importer imports this).
_NOTE_CODE, _NOTE_RULE = "PW007", "bpmn-unmapped"


def _pw(el: XmlNode, name: str) -> str | None:
    return el.get(f"{{{PW_NS}}}{name}")


def _bpmn(el: XmlNode, tag: str) -> list[XmlNode]:
    return [c for c in el.children if c.ns == BPMN_NS and c.tag == tag]


def is_export(root: XmlNode) -> bool:
    """Whether the document says ``pathways export`` wrote it (``pw:pathway`` on the root)."""
    return root.ns == BPMN_NS and root.tag == "definitions" and _pw(root, "pathway") is not None


def _label(el: XmlNode, what: str, shown: str | None, text: str | None) -> Any:
    """A label: the map of the ``pw:<what>`` extension elements, with ``text`` (the element's
    name or documentation, perhaps edited in a modeller) for the shown locale; else ``text``."""
    entries: dict[str, str] = {}
    for ext in _bpmn(el, "extensionElements"):
        for item in ext.children:
            if item.ns == PW_NS and item.tag == what:
                lang = item.get(f"{{{XML_NS}}}lang") or ""
                entries[lang] = item.text
    if not entries:
        return text or None
    key = shown if shown in entries else next(iter(entries))
    if text is not None and text != entries[key]:
        entries[key] = text
    return entries


def _tags(text: str) -> list[str]:
    """``pw:tags``: space-separated, or a JSON list of strings (the export writes one when a
    tag holds a space); text a modeller left that is neither is read space-separated."""
    if text.startswith("["):
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if isinstance(value, list) and all(isinstance(t, str) for t in value):
            return value
    return text.split()


def _documentation(el: XmlNode) -> str | None:
    docs = _bpmn(el, "documentation")
    return docs[0].text if docs and docs[0].text else None


def _duration(text: str | None) -> Any:
    if text is None:
        return None
    return json.loads(text) if text.startswith("{") else text


def _data(process: XmlNode) -> tuple[dict[str, Any], XmlNode]:
    """The ``pw:data`` JSON of the process (the parts with no BPMN element), or {}."""
    for ext in _bpmn(process, "extensionElements"):
        for item in ext.children:
            if item.ns == PW_NS and item.tag == "data" and item.text:
                try:
                    value = json.loads(item.text)
                except ValueError:
                    return {}, item
                return (value if isinstance(value, dict) else {}), item
    return {}, process


def _merge(
    records: Any, from_lanes: list[tuple[dict[str, Any], XmlNode]], data_el: XmlNode
) -> list[tuple[dict[str, Any], XmlNode]]:
    """Agencies (or roles) in the file's order from ``pw:data``, each updated by its lane (a
    name edited in a modeller wins); lanes the data does not name are added after."""
    if not isinstance(records, list):
        return from_lanes
    lanes = {item["id"]: (item, el) for item, el in from_lanes}
    out: list[tuple[dict[str, Any], XmlNode]] = []
    for record in records:
        if not isinstance(record, dict):
            continue
        lane = lanes.pop(record.get("id"), None)
        if lane is None:
            out.append((record, data_el))
        else:
            out.append(({**record, **lane[0]}, lane[1]))
    return out + list(lanes.values())


def read_export(root: XmlNode, file: str = "<string>") -> tuple[dict[str, Any], SourceMap] | None:
    """The pathway data and source map of a complete ``pathways export`` file, else None.

    Examples
    --------
    >>> import pathways as pw
    >>> from pathways.bpmn.export import to_bpmn
    >>> from pathways.bpmn.xml import parse_xml
    >>> p = pw.load("pathways/kh/csa-in-person.yaml")
    >>> data, smap = read_export(parse_xml(to_bpmn(p, lang="km").encode()))
    >>> len(data["steps"]) == len(p.steps), data["steps"][0]["id"] == p.steps[0].id
    (True, True)
    """
    if not is_export(root):
        return None
    processes = _bpmn(root, "process")
    participants = [p for c in _bpmn(root, "collaboration") for p in _bpmn(c, "participant")]
    if len(processes) != 1:
        return None
    process = processes[0]
    nodes = {
        c.get("id") or "": c for c in process.children if c.ns == BPMN_NS and c.tag in _FLOW_NODES
    }
    if len(nodes) != sum(1 for c in process.children if c.ns == BPMN_NS and c.tag in _FLOW_NODES):
        return None  # two flow nodes of one id: the general mapping reports them (PW004)
    known = _FLOW_NODES | _ARTIFACTS
    known |= {"sequenceFlow", "laneSet", "documentation", "extensionElements"}
    if any(c.ns == BPMN_NS and c.tag not in known for c in process.children):
        return None  # something the exporter never writes: the general mapping reads it
    # A modeller deletes a node with its flows; a flow left pointing nowhere is passed over.
    flows = [
        f
        for f in _bpmn(process, "sequenceFlow")
        if (f.get("sourceRef") or "") in nodes and (f.get("targetRef") or "") in nodes
    ]
    out_of: dict[str, list[XmlNode]] = {}
    into: dict[str, list[XmlNode]] = {}
    for f in flows:
        out_of.setdefault(f.get("sourceRef") or "", []).append(f)
        into.setdefault(f.get("targetRef") or "", []).append(f)
    added: dict[str, str] = {}  # BPMN id of a node a modeller added -> its step kind
    for ident, node in nodes.items():
        if _pw(node, "kind") or _pw(node, "split") or _pw(node, "startOf") or _pw(node, "merge"):
            continue
        kind = _added_kind(node, len(into.get(ident, ())), len(out_of.get(ident, ())))
        if kind is None:
            return None  # a gateway that joins and splits: the general mapping reads it
        added[ident] = kind

    locales = (_pw(root, "locales") or "").split()
    shown = _pw(root, "lang") or (locales[0] if locales else None)
    smap = SourceMap(file)
    notes: list[Finding] = []

    def note(el: XmlNode, message: str, step: str | None = None) -> None:
        ident = el.get("id")
        what = f"{el.tag} {ident!r}" if ident else el.tag
        notes.append(
            Finding(
                _NOTE_CODE,
                _NOTE_RULE,
                Severity.INFO,
                f"{what}: {message}",
                Location(file, el.line, el.column),
                step=step,
            )
        )

    def put(path: DocPath, value: Any, el: XmlNode) -> None:
        pos = (el.line, el.column)
        smap.values[path] = pos
        smap.keys[path] = pos
        if isinstance(value, dict):
            for k, v in value.items():
                put((*path, k), v, el)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                put((*path, i), v, el)

    # lanes: agencies and roles
    agencies: list[tuple[dict[str, Any], XmlNode]] = []
    roles: list[tuple[dict[str, Any], XmlNode]] = []
    role_of: dict[str, str] = {}
    for lane_set in _bpmn(process, "laneSet"):
        for lane in _bpmn(lane_set, "lane"):
            agency_id = _pw(lane, "agency")
            if agency_id is None:
                continue
            name = _label(lane, "label", shown, lane.get("name"))
            agency: dict[str, Any] = {"id": agency_id, "name": name or agency_id}
            agency["sector"] = _pw(lane, "sector") or "social"
            agencies.append((agency, lane))
            for child_set in _bpmn(lane, "childLaneSet"):
                for child in _bpmn(child_set, "lane"):
                    role_id = _pw(child, "role")
                    if role_id is None:
                        continue
                    role: dict[str, Any] = {"id": role_id, "agency": agency_id}
                    role["title"] = _label(child, "label", shown, child.get("name")) or role_id
                    capacity = _pw(child, "capacity")
                    if capacity is not None and capacity.isdigit():
                        role["capacity"] = int(capacity)
                    for key in ("clearance", "calendar"):
                        value = _pw(child, key)
                        if value is not None:
                            role[key] = value
                    roles.append((role, child))
                    for ref in _bpmn(child, "flowNodeRef"):
                        role_of[ref.text] = role_id

    # steps
    step_of: dict[str, str] = {}  # BPMN id -> step id
    steps: list[tuple[dict[str, Any], XmlNode]] = []
    for ident, node in nodes.items():
        kind = _pw(node, "kind") or added.get(ident)
        if kind is None or kind == "delay":
            continue
        step_id = _pw(node, "id") or ident
        step_of[ident] = step_id
        step: dict[str, Any] = {"id": step_id, "kind": kind}
        if ident in added:
            tag = TASK_KINDS.get(node.tag)
            if tag is not None:
                step["tags"] = [tag]
            note(node, f"added in a modeller: read as {kind} step {step_id!r}", step_id)
        if ident in role_of:
            step["role"] = role_of[ident]
        label = _label(node, "label", shown, node.get("name"))
        if label is not None:
            step["label"] = label
        description = _label(node, "description", shown, _documentation(node))
        if description is not None:
            step["description"] = description
        tags = _tags(_pw(node, "tags") or "")
        if tags:
            step["tags"] = tags
        duration = _duration(_pw(node, "duration"))
        if duration is not None:
            step["duration"] = duration
        confidentiality = _pw(node, "confidentiality")
        if confidentiality is not None:
            step["confidentiality"] = confidentiality
        steps.append((step, node))
    present = set(step_of.values())
    for ident, node in nodes.items():
        folded = _pw(node, "split") or _pw(node, "merge")
        if folded is not None and folded in present:
            step_of[ident] = folded

    # transitions: those the export wrote (pw:transition, in their order), then those added
    transitions: list[tuple[float, dict[str, Any], XmlNode]] = []
    for f in flows:
        index = _pw(f, "transition")
        source, target = f.get("sourceRef") or "", f.get("targetRef") or ""
        if index is None or not index.isdigit():
            helper = (
                _pw(nodes[source], "startOf") is not None
                or _pw(nodes[source], "merge") is not None
                or _pw(nodes[target], "split") is not None
                or _pw(f, "delayOf") is not None
                or _pw(nodes[target], "kind") == "delay"
            )
            if helper:
                continue
            order = float(len(flows) * 2 + len(transitions))  # after every exported one
        else:
            order = float(index)
        if _pw(nodes[target], "kind") == "delay":
            after = out_of.get(target, [])
            if len(after) != 1:
                continue  # its timer's way on was deleted: so is the transition
            target = after[0].get("targetRef") or ""
        if source not in step_of or target not in step_of:
            continue  # an end of it was deleted in a modeller
        t: dict[str, Any] = {"from": step_of[source], "to": step_of[target]}
        if index is None:
            note(f, f"added in a modeller: read as a transition {t['from']!r} -> {t['to']!r}")
        for key, attr in (
            ("event", "event"),
            ("kind", "kind"),
            ("on_reject", "onReject"),
            ("response_within", "responseWithin"),
            ("consent", "consent"),
            ("reason", "reason"),
        ):
            value = _pw(f, attr)
            if value is not None:
                t[key] = value
        by = _pw(f, "by")
        if by is not None:
            t["by"] = by.split()
        for key, attr in (
            ("probability", "probability"),
            ("decline_probability", "declineProbability"),
        ):
            value = _pw(f, attr)
            if value is not None:
                try:
                    t[key] = float(value)
                except ValueError:
                    t[key] = value  # the loader reports it (PW002)
        delay = _duration(_pw(f, "delay"))
        if delay is not None:
            t["delay"] = delay
        conditions = _bpmn(f, "conditionExpression")
        if conditions and conditions[0].text:
            t["when"] = conditions[0].text
        label = _label(f, "label", shown, f.get("name"))
        if label is not None:
            t["label"] = label
        if t.get("on_reject") is not None and t["on_reject"] not in present:
            del t["on_reject"]  # its step was deleted in a modeller
        transitions.append((order, t, f))
    transitions.sort(key=lambda item: item[0])

    document: dict[str, Any] = {
        "format": _pw(root, "format") or "pathways/1",
        "id": _pw(root, "pathway"),
    }
    put((), document, root)
    version = _pw(root, "version")
    if version is not None:
        document["version"] = version
        put(("version",), version, root)
    pool = participants[0] if participants else process
    title = _label(process, "title", shown, pool.get("name"))
    if title is not None:
        document["title"] = title
        put(("title",), title, pool)
    description = _label(process, "description", shown, _documentation(process))
    if description is not None:
        document["description"] = description
        put(("description",), description, process)
    jurisdiction = _pw(root, "jurisdiction")
    if jurisdiction is not None:
        document["jurisdiction"] = jurisdiction
    if locales:
        document["locales"] = locales
    data, data_el = _data(process)
    kept = {step["id"] for step, _ in steps}
    for what in _prune(data, kept, {t for step, _ in steps for t in step.get("tags", ())}):
        note(data_el, f"{what}, deleted in a modeller: left out")
    for key, value in data.items():
        if key not in ("agencies", "roles") and key not in document:
            document[key] = value
            put((key,), value, data_el)
    agencies = _merge(data.get("agencies"), agencies, data_el)
    roles = _merge(data.get("roles"), roles, data_el)
    for key, items in (("agencies", agencies), ("roles", roles), ("steps", steps)):
        document[key] = [item for item, _ in items]
        for i, (item, el) in enumerate(items):
            put((key, i), item, el)
    document["transitions"] = [t for _, t, _ in transitions]
    for i, (_, t, f) in enumerate(transitions):
        put(("transitions", i), t, f)
    smap.notes = sorted(notes, key=Finding.sort_key)
    return document, smap


def _prune(data: dict[str, Any], steps: set[str], tags: set[str]) -> list[str]:
    """Take out of ``pw:data`` what names a step no longer in the file (deadlines, waivers,
    simulation entries): the references the loader checks (PW003). Returns what was taken."""
    gone: list[str] = []

    def missing(value: object) -> bool:
        if not isinstance(value, str):
            return False
        if value.startswith("tag:"):
            return value[4:] not in tags
        return value not in steps

    for key, fields in (("deadlines", ("from", "to")), ("waivers", ("step",))):
        items = data.get(key)
        if not isinstance(items, list):
            continue
        keep = []
        for item in items:
            names = [item.get(f) for f in fields] if isinstance(item, dict) else []
            lost = [n for n in names if missing(n)]
            if lost:
                label = item.get("id") or item.get("code") or ""
                what = f"{key[:-1]} {label!r}" if label else key[:-1]
                gone.append(f"{what} names step {lost[0]!r}")
            else:
                keep.append(item)
        data[key] = keep
    sim = data.get("simulation")
    entries = sim.get("entries") if isinstance(sim, dict) else None
    if isinstance(sim, dict) and isinstance(entries, dict):
        for name in [n for n in entries if missing(n)]:
            del entries[name]
            gone.append(f"simulation entry {name!r}")
    return gone


def _added_kind(node: XmlNode, n_in: int, n_out: int) -> str | None:
    """The step kind of a flow node a modeller added (as the general mapping reads it), or
    None for a parallel gateway that both joins and splits."""
    tag = node.tag
    if tag == "startEvent":
        return "entry"
    if tag == "endEvent":
        return "outcome"
    if tag == "intermediateCatchEvent":
        return "wait"
    if tag == "exclusiveGateway":
        return "decision" if n_out > 1 else "action"
    if tag == "parallelGateway":
        if n_in > 1 and n_out > 1:
            return None
        return "join" if n_in > 1 else "fork" if n_out > 1 else "action"
    return "action"
