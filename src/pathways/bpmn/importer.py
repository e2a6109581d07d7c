"""BPMN 2.0 XML -> the plain data of a pathway and a source map into the XML, then the loader.

The mapping (the table in ``docs/bpmn.md``):

- participants (pools) -> agencies (a process outside any collaboration is one agency);
  lanes -> roles of the pool's agency (the deepest lane holding a node); nodes in no lane get
  the role ``<agency>.staff``;
- tasks of every kind -> ``action`` steps, the kind kept as a tag (``user``, ``manual``,
  ``service``, ``send``, ``receive``, ``script``, ``business-rule``, ``call-activity``);
- start events -> ``entry``; end events -> ``outcome`` (``terminate`` tagged);
- exclusive gateways -> ``decision`` (a plain merge -> an ``action`` tagged ``merge``);
  parallel gateways -> ``fork`` / ``join``; one that joins and splits -> a join ``G`` then a
  fork ``G.fork``; an activity or event with several unconditioned outgoing flows (BPMN's
  implicit parallel split) -> the step then a fork ``X.split``;
- event-based gateways and intermediate catch events -> ``wait`` steps; timers give their ISO
  8601 ``timeDuration`` as the step's duration; timer boundary events -> a ``wait`` step the
  activity may leave to;
- condition expressions -> ``when`` guards where they are in the guard language (``${...}``
  unwrapped; the case fields they use are declared from the comparisons), else the text is
  kept as the transition's label with a PW007 finding;
- documentation -> descriptions; names -> labels (in the locale given, else the ``xml:lang``
  of ``definitions``, else ``en``);
- message flows between pools -> ``referral`` transitions from the sender to the receiver;
- sub-processes with one blank start event -> flattened (their elements keep their BPMN ids,
  unique in a file; the end events inside lead on to the sub-process's outgoing flows).

Everything else (inclusive and complex gateways, compensation, escalation, error and cancel
events, non-timer boundary events, event sub-processes, loops and multi-instance markers,
message flows to a pool without a process ...) gives a PW007 warning naming the element, its
id, and its line and column in the XML, and is either approximated (said in the message) or
left out: never silently dropped, never a traceback. Data objects, stores, annotations,
associations, groups and diagram (DI) elements carry no flow: they are counted in one PW007
info. The findings of every other rule point into the XML through the source map.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, MutableMapping
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import Any, get_args

from lxml import etree  # type: ignore[import-untyped]
from pydantic import BaseModel, ValidationError

from pathways._gc import gc_paused
from pathways.bpmn import BPMN_MODEL_NS
from pathways.bpmn.restore import PW_NS, TASK_KINDS, read_export
from pathways.bpmn.xml import XmlTree, parse_tree
from pathways.errors import LoadError
from pathways.findings import Finding, Location, Severity
from pathways.load.codes import finding
from pathways.load.loader import load_data, read_file
from pathways.load.source import DocPath, SourceMap
from pathways.load.yaml_walk import DocumentError
from pathways.model import (
    FORK_EVENT,
    ID_PATTERN,
    Agency,
    CaseField,
    Duration,
    Pathway,
    Role,
    Step,
    StepKind,
    Transition,
)

__all__ = [
    "UNMAPPED_CODE",
    "UNMAPPED_RULE",
    "import_bpmn",
    "load_bpmn",
    "loads_bpmn",
    "to_yaml",
]

UNMAPPED_CODE = "PW007"
UNMAPPED_RULE = "bpmn-unmapped"
SECTOR = "unspecified"
"""The sector of imported agencies (BPMN has none); declared in the pathway's ``sectors``."""

TASK_TAGS: dict[str, str | None] = {"task": None, **TASK_KINDS, "callActivity": "call-activity"}
SUBPROCESSES = frozenset({"subProcess", "transaction", "adHocSubProcess"})
GATEWAYS = frozenset(
    {"exclusiveGateway", "parallelGateway", "eventBasedGateway", "inclusiveGateway"}
    | {"complexGateway"}
)
EVENTS = frozenset(
    {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}
)
FLOW_NODES = frozenset(TASK_TAGS) | SUBPROCESSES | GATEWAYS | EVENTS
ARTEFACTS = frozenset(
    {
        "dataObject",
        "dataObjectReference",
        "dataStoreReference",
        "dataStore",
        "textAnnotation",
        "association",
        "group",
        "property",
        "ioSpecification",
        "dataInputAssociation",
        "dataOutputAssociation",
        "extensionElements",
        "documentation",
        "incoming",
        "outgoing",
        "laneSet",
        "category",
        "categoryValue",
        "supportedInterfaceRef",
        "auditing",
        "monitoring",
        "correlationSubscription",
    }
)
"""Children of a process that carry no flow (or that the importer reads elsewhere)."""

DEFINITION_TAGS = {
    "timerEventDefinition": "timer",
    "messageEventDefinition": "message",
    "signalEventDefinition": "signal",
    "conditionalEventDefinition": "conditional",
    "linkEventDefinition": "link",
    "terminateEventDefinition": "terminate",
    "errorEventDefinition": "error",
    "escalationEventDefinition": "escalation",
    "compensateEventDefinition": "compensation",
    "cancelEventDefinition": "cancel",
}
_LOOPS = frozenset({"multiInstanceLoopCharacteristics", "standardLoopCharacteristics"})
UNMAPPED_TRIGGERS = frozenset({"error", "escalation", "compensation", "cancel"})

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_PW_PATHWAY = f"{{{PW_NS}}}pathway"
_KEEP = frozenset({BPMN_MODEL_NS, PW_NS})
"""The namespaces the importer reads (BPMN, and the ``pw`` elements ``pathways export``
writes): diagram (DI) and vendor extension elements are checked by the parser but not built."""
_B = "{" + BPMN_MODEL_NS + "}"
_BL = len(_B)
_ANY_BPMN = _B + "*"
_FLOW_NODE_REF = _B + "flowNodeRef"
_CHILD_LANE_SET = _B + "childLaneSet"
_CONDITION = _B + "conditionExpression"
El = Any
"""An lxml element (of :attr:`XmlTree.root`)."""
_WITH_ID = etree.XPath(
    "descendant-or-self::b:*[@id and not(ancestor::*[namespace-uri() != $ns])]",
    namespaces={"b": BPMN_MODEL_NS},
)
"""BPMN elements with an id, not inside an element of another namespace (compiled once)."""


def _tag(el: El) -> str:
    """The local name of a BPMN element."""
    name: str = el.tag[_BL:]
    return name


_ID_BAD = re.compile(r"[^A-Za-z0-9_.-]")
_ID_CLEAN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,189}\Z").match
"""An id :meth:`_Importer.new_id` keeps unchanged (when not taken)."""
_IDS_LINES = re.compile(r"(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,189}\n)*\Z").match
"""Ids one a line, each as :data:`_ID_CLEAN` has it."""


def _ids_clean(ids: Collection[str], lines_match: Callable[[str], object] = _IDS_LINES) -> bool:
    """Whether every id is as :data:`_ID_CLEAN` (or ``lines_match``, of the ids one a line) has
    it, in one match over all of them (one a line; an id holding a line break, from ``&#10;``,
    would pass as two, so they are counted)."""
    lines = "\n".join(ids) + "\n"
    return bool(ids) and lines.count("\n") == len(ids) and lines_match(lines) is not None


_EXPRESSION = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.S)
_ISO_DURATION = re.compile(r"^\s*P(?:\d+(?:\.\d+)?[WD])*(?:T(?:\d+(?:\.\d+)?[HMS])+)?\s*$", re.I)


class _Positions(MutableMapping[DocPath, tuple[int, int]]):
    """A source map's table that holds the element of a path until its line and column are
    asked for: they are found in the XML text only for the paths a finding points at.

    The paths of whole steps and transitions (``("steps", i)``, one per step) are not stored
    one by one: :attr:`rows` holds the importer's list of their elements by index, and a
    path is read from it when asked (no tuple and no table entry made per step).

    A mapping, not a ``dict``: every method a mapping has is made from the five below, so
    each reads and changes the positions (a dict subclass's own ``pop``, ``setdefault``,
    ``update``, ``copy``, ``clear`` ... would act on the entries stored, not the rows).
    Listing the paths (``keys()``, ``in``) finds no position; a copy (pickle, deepcopy) is
    the ``dict`` of the positions. Changing a row's path first stores the row's paths one by
    one (a row is read by index, so one of its paths cannot go alone)."""

    __slots__ = ("found", "rows", "stored", "tree")

    def __init__(self, tree: XmlTree) -> None:
        self.tree = tree
        self.stored: dict[DocPath, Any] = {}  # a path -> its element, or its position once found
        self.rows: dict[str, list[El]] = {}  # "steps" -> the element of each step, in order
        self.found: dict[DocPath, tuple[int, int]] = {}  # the rows' positions asked so far

    def _row_element(self, path: DocPath) -> El | None:
        """The element of a row path (``("steps", i)``), else None."""
        if len(path) != 2:
            return None
        row, index = self.rows.get(path[0]), path[1]  # type: ignore[arg-type]
        if row is None or index.__class__ is not int or not 0 <= index < len(row):
            return None
        return row[index]

    def _unrow(self, path: DocPath) -> None:
        """Store the paths of the row ``path`` is in one by one, if it is a row's path."""
        if path.__class__ is tuple and self._row_element(path) is not None:
            name = str(path[0])  # a row's name
            row = self.rows.pop(name)
            for i, element in enumerate(row):
                self.stored[(name, i)] = self.found.pop((name, i), element)

    def __contains__(self, path: object) -> bool:
        return path in self.stored or (
            path.__class__ is tuple and self._row_element(path) is not None
        )

    def __getitem__(self, path: DocPath) -> tuple[int, int]:
        stored = self.stored
        if path not in stored:
            found = self.found.get(path)
            if found is None:
                element = self._row_element(path)
                if element is None:
                    raise KeyError(path)
                found = self.found[path] = self.tree.position(element)
            return found
        value = stored[path]
        if value.__class__ is not tuple:
            value = stored[path] = self.tree.position(value)
        return value  # type: ignore[no-any-return]

    def __setitem__(self, path: DocPath, value: Any) -> None:
        """Store ``path``'s position, or its element (its position found when asked)."""
        self._unrow(path)
        self.stored[path] = value

    def __delitem__(self, path: DocPath) -> None:
        self._unrow(path)
        del self.stored[path]

    def __iter__(self) -> Iterator[DocPath]:
        yield from self.stored
        for name, row in self.rows.items():
            yield from zip(repeat(name), range(len(row)))

    def __len__(self) -> int:
        return len(self.stored) + sum(map(len, self.rows.values()))

    def clear(self) -> None:
        """Drop every path (without finding their positions, as ``popitem`` one by one would)."""
        self.stored.clear()
        self.rows.clear()
        self.found.clear()

    def copy(self) -> _Positions:
        """Another table of the same paths, as lazy: changing one leaves the other as it was."""
        other = _Positions(self.tree)
        other.stored = dict(self.stored)
        other.rows = {name: list(row) for name, row in self.rows.items()}
        other.found = dict(self.found)
        return other

    __copy__ = copy

    def resolved(self) -> dict[DocPath, tuple[int, int]]:
        """The ``dict`` of every path's position."""
        return {path: self[path] for path in self}

    def __repr__(self) -> str:
        return repr(self.resolved())

    def __reduce__(self) -> Any:
        return (dict, (self.resolved(),))


class _SourceMap(SourceMap):
    """The importer's source map: its ``notes`` (the PW007 findings) are made when first read,
    so their lines and columns are found in the XML only when someone asks (a file with many
    notes spent most of its import finding them)."""

    pending: Callable[[], list[Finding]] | None = None

    @property
    def notes(self) -> list[Finding]:
        if self.pending is not None:
            made, self.pending = self.pending(), None
            self.__dict__["notes"] = made
        found: list[Finding] = self.__dict__["notes"]
        return found

    @notes.setter
    def notes(self, value: list[Finding]) -> None:
        self.pending = None
        self.__dict__["notes"] = value

    def __reduce__(self) -> Any:
        return (SourceMap, (self.file, self.keys, self.values, self.text, self.notes))


class _Node:
    """One BPMN flow node on its way to one or two steps."""

    __slots__ = (
        "agency",
        "description",
        "el",
        "ins",
        "inside",
        "kind",
        "lane",
        "name",
        "outs",
        "step_in",
        "step_out",
        "trigger",
    )

    def __init__(
        self,
        el: El,
        kind: str,  # the BPMN element name
        agency: str,
        lane: str | None,
        trigger: str | None = None,  # the event definition (timer, message ...)
        inside: str | None = None,  # the flattened sub-process holding it
        description: str | None = None,  # its documentation
        name: str | None = None,  # its name attribute, as written
    ) -> None:
        self.el = el
        self.kind = kind
        self.agency = agency
        self.lane = lane
        self.trigger = trigger
        self.inside = inside
        self.description = description
        self.name = name
        self.step_in = ""  # the step incoming flows enter
        self.step_out = ""  # the step outgoing flows leave
        self.outs: list[_Flow] = []
        self.ins: list[_Flow] = []


class _Flow:
    """One sequence or message flow."""

    __slots__ = ("condition", "default", "el", "message", "name", "source", "target")

    def __init__(
        self,
        el: El,
        source: str,
        target: str,
        message: bool = False,
        condition: El | None = None,
        default: bool = False,
        name: str | None = None,  # its name attribute, as written
    ) -> None:
        self.el = el
        self.source = source
        self.target = target
        self.message = message
        self.condition = condition
        self.default = default
        self.name = name


class _Importer:
    def __init__(self, tree: XmlTree, file: str, locale: str, stem: str) -> None:
        self.tree = tree
        self.root = tree.root
        self.text = tree.text
        self.file = file
        self.locale = locale
        self.stem = stem
        # a key and its value start at the element alike: one table for both
        self.positions = _Positions(tree)
        self.smap = _SourceMap(file, keys=self.positions, values=self.positions)
        self.smap.pending = self.finished_notes
        self.notes: list[tuple[El, str | Callable[[], str], Severity, El]] = []
        self.duplicates: list[Finding] = []  # PW004: flow nodes or processes of one id
        self.leaving: set[str] = set()  # flattened sub-processes with outgoing flows
        self.node_default: dict[str, str] = {}  # flow node id -> the id of its default flow
        self._ids: dict[str, El] | None = None
        self.nodes: dict[str, _Node] = {}
        self.flows: list[_Flow] = []
        self.agencies: dict[str, dict[str, Any]] = {}
        self.agency_pos: dict[str, El] = {}
        self.roles: dict[str, dict[str, Any]] = {}
        self.role_pos: dict[str, El] = {}
        self.steps: list[dict[str, Any]] = []
        self.step_pos: list[El] = []
        self.transitions: list[dict[str, Any]] = []
        self.tr_el: list[El] = []  # the element of each transition
        self.tr_cond: dict[int, El] = {}  # a transition's conditionExpression, by index
        self.guarded: set[int] = set()  # the transitions given a `when`
        self.step_ids: dict[str, str] = {}  # BPMN id -> step id
        self.used: set[str] = set()
        self.kinds: dict[str, str] = {}  # step id -> kind
        self.ignored: Counter[str] = Counter()
        self.first_ignored: El | None = None
        self.aliases_in: dict[str, str] = {}  # flattened sub-process -> its start event
        self.aliases_out: dict[str, list[str]] = {}  # flattened sub-process -> its end events

    # --- findings ---------------------------------------------------------------------------

    def note(
        self,
        el: El,
        message: str | Callable[[], str],
        severity: Severity = Severity.WARNING,
        at: El | None = None,
    ) -> None:
        """A PW007 finding about ``el`` (named with its id), at ``at`` (default: ``el``).

        Made when the notes are first read (:class:`_SourceMap`): its line and column are
        found in the XML then, and a ``message`` given as a function is written then."""
        self.notes.append((el, message, severity, el if at is None else at))

    def duplicate(self, first: El, again: El) -> None:
        """PW004 for a second element of one id (a flow node or a process): the later would
        silently replace the first, so the file does not load, as a YAML file would not."""
        line = self.tree.position(first)[0]
        self.duplicates.append(
            finding(
                "PW004",
                f"duplicate BPMN id {again.get('id')!r} on lines {line} and "
                f"{self.tree.position(again)[0]}; ids must be unique: rename one in the modeller",
                Location(self.file, *self.tree.position(again)),
            )
        )

    def finished_notes(self) -> list[Finding]:
        """The findings, each naming the step its element became (when it became one)."""
        out: list[Finding] = []
        position, step_ids = self.tree.position, self.step_ids
        for el, message, severity, where in self.notes:
            text = message if isinstance(message, str) else message()
            if el is None:  # the elements not imported, counted
                ident = ""
            else:
                ident = el.get("id") or ""
                text = f"{_tag(el)} {ident!r}: {text}" if ident else f"{_tag(el)}: {text}"
            out.append(
                Finding(
                    UNMAPPED_CODE,
                    UNMAPPED_RULE,
                    severity,
                    text,
                    Location(self.file, *position(where)),
                    step=step_ids.get(ident) if ident else None,
                )
            )
        return sorted(out, key=Finding.sort_key)

    # --- ids --------------------------------------------------------------------------------

    def new_id(self, wanted: str) -> str:
        if _ID_CLEAN(wanted) and wanted not in self.used:  # what the lines below keep as is
            self.used.add(wanted)
            return wanted
        base = _ID_BAD.sub("_", wanted)[:190] or "step"
        if base[0] in ".-":
            base = "_" + base
        out, n = base, 1
        while out in self.used:
            n += 1
            out = f"{base}_{n}"
        self.used.add(out)
        return out

    def label(self, el: El) -> str | None:
        name = el.get("name")
        return (" ".join(name.split()) or None) if name else None

    # --- reading ----------------------------------------------------------------------------

    def bpmn(self, el: El) -> Iterable[El]:
        children: Iterable[El] = el.iterchildren(_ANY_BPMN)
        return children

    @property
    def ids(self) -> dict[str, El]:
        """BPMN element id -> element (the first of an id), made when a finding names one."""
        if self._ids is None:
            self._ids = {}
            # BPMN elements with an id, not inside an element of another namespace
            found = _WITH_ID(self.root, ns=BPMN_MODEL_NS)
            for el in found:
                self._ids.setdefault(el.get("id"), el)
        return self._ids

    def release(self) -> None:
        """Drop what only the mapping needed; the notes (made when first read) keep the rest."""
        self.nodes = {}
        self.flows = []
        self.steps = []
        self.transitions = []
        self.step_pos = []
        self.tr_el = []
        self.tr_cond = {}

    def read(self) -> None:
        processes: dict[str, El] = {}
        for p in self.bpmn(self.root):
            if _tag(p) == "process":
                if p.get("id") in processes:
                    self.duplicate(processes[p.get("id")], p)
                processes[p.get("id")] = p
        owner: dict[str, str] = {}
        messages: list[El] = []
        for collab in (c for c in self.bpmn(self.root) if _tag(c) == "collaboration"):
            for part in self.bpmn(collab):
                if _tag(part) == "participant":
                    agency = self.add_agency(part)
                    ref = part.get("processRef")
                    if ref is not None and ref in processes:
                        owner[ref] = agency
                    elif ref is not None:
                        self.note(part, f"its process {ref!r} is not in the file")
                elif _tag(part) == "messageFlow":
                    messages.append(part)
                elif _tag(part) not in ARTEFACTS:
                    self.ignore(part)
        for pid, process in processes.items():
            agency = owner.get(pid or "") or self.add_agency(process)
            lanes = self.read_lanes(process, agency)
            self.read_container(process, agency, lanes, None)
        for el in self.bpmn(self.root):
            if _tag(el) not in ("process", "collaboration") and _tag(el) not in (
                "message",
                "itemDefinition",
                "signal",
                "error",
                "escalation",
                "interface",
                "dataStore",
                "category",
                "resource",
                "extension",
                "import",
                "documentation",
                "extensionElements",
            ):
                self.ignore(el)
        for msg in messages:
            self.read_message(msg)

    def ignore(self, el: El) -> None:
        self.ignored[_tag(el)] += 1
        if self.first_ignored is None:
            self.first_ignored = el

    def add_agency(self, el: El) -> str:
        ident = self.new_id(el.get("id") or "agency")
        name = self.label(el) or el.get("id") or ident
        self.agencies[ident] = {"id": ident, "name": name, "sector": SECTOR}
        self.agency_pos[ident] = el
        return ident

    def read_lanes(self, process: El, agency: str) -> dict[str, str]:
        """BPMN node id -> role id, from the deepest lane naming it."""
        out: dict[str, str] = {}

        def walk(lane_set: El) -> None:
            for lane in lane_set.iterchildren(_B + "lane"):
                role = self.new_id(lane.get("id") or "lane")
                title = self.label(lane) or lane.get("id") or role
                self.roles[role] = {"id": role, "agency": agency, "title": title}
                self.role_pos[role] = lane
                for ref in lane.iterchildren(_FLOW_NODE_REF):
                    # The stripped text directly inside (XmlTree.text, without a call per ref)
                    node_id = (ref.text or "").strip() if not len(ref) else self.text(ref)
                    if node_id:
                        out[node_id] = role
                for child in lane.iterchildren(_CHILD_LANE_SET):
                    walk(child)

        for lane_set in process.iterchildren(_B + "laneSet"):
            walk(lane_set)
        return out

    def read_container(
        self, container: El, agency: str, lanes: dict[str, str], inside: str | None
    ) -> None:
        parent_role = lanes.get(inside or "")
        text = self.text
        flows = self.flows
        nodes = self.nodes
        node_default = self.node_default
        for el in container.iterchildren(_ANY_BPMN):
            ident = el.get("id")
            tag = el.tag[_BL:]
            if tag in FLOW_NODES and ident:
                default = el.get("default")
                if default is not None:
                    node_default[ident] = default
                elif ident in node_default:  # a later node of the same id replaces it
                    del node_default[ident]
                if ident in nodes:
                    self.duplicate(nodes[ident].el, el)
                # one pass over what it holds (lists made only for a second of a kind)
                trigger: str | None = None
                description: str | None = None
                kinds: list[str] | None = None
                docs: list[str] | None = None
                loops = 0
                # Its children by plain iteration: libxml2's tag filter costs more to set up
                # (per element) than the test of each child's tag here.
                for child in el if len(el) else ():
                    name = child.tag
                    if name.__class__ is not str or name[:_BL] != _B:
                        continue  # a comment or processing instruction, or another namespace
                    name = name[_BL:]
                    if name == "documentation":
                        doc = child.text if not len(child) else text(child)  # text, inline
                        doc = doc.strip() if doc else ""
                        if not doc:
                            continue
                        if description is None:
                            description = doc
                        elif docs is None:
                            docs = [description, doc]
                        else:
                            docs.append(doc)
                    elif name in DEFINITION_TAGS:
                        if trigger is None:
                            trigger = DEFINITION_TAGS[name]
                        elif kinds is None:
                            kinds = [trigger, DEFINITION_TAGS[name]]
                        else:
                            kinds.append(DEFINITION_TAGS[name])
                    elif name in _LOOPS:
                        loops += 1
                if kinds is not None:
                    self.note(
                        el,
                        f"several event definitions ({', '.join(kinds)}): only {kinds[0]} is "
                        "mapped",
                    )
                node = _Node(
                    el,
                    tag,
                    agency,
                    lanes.get(ident, parent_role),
                    trigger,
                    inside,
                    description if docs is None else "\n\n".join(docs),
                    el.get("name"),  # read while the element is at hand (in the cache)
                )
                nodes[ident] = node
                for _ in range(loops):
                    self.note(el, "its loop or multi-instance marker is not mapped (runs once)")
                if tag in SUBPROCESSES:
                    self.read_subprocess(el, node, agency, lanes)
            elif tag == "sequenceFlow" and ident:
                source, target = el.get("sourceRef"), el.get("targetRef")
                if not source or not target:
                    self.note(el, "a sequence flow without sourceRef or targetRef is left out")
                    continue
                cond = None
                for child in el if len(el) else ():
                    if child.tag == _CONDITION:
                        cond = child
                        break
                if cond is not None and not text(cond):
                    cond = None  # an empty expression: the flow is unconditioned
                flows.append(_Flow(el, source, target, False, cond, False, el.get("name")))
            elif (
                tag not in ARTEFACTS
                or tag in ("dataObject", "dataObjectReference", "dataStoreReference")
                or tag in ("textAnnotation", "association", "group")
            ):
                self.ignore(el)
        if node_default:  # the flows (read so far) a flow node (of self.nodes) names
            defaults = set(node_default.values())
            for flow in flows:
                if flow.el.get("id") in defaults:
                    flow.default = True

    def read_subprocess(self, el: El, node: _Node, agency: str, lanes: dict[str, str]) -> None:
        ident = el.get("id") or ""
        inner = [c for c in self.bpmn(el) if _tag(c) in FLOW_NODES]
        if el.get("triggeredByEvent") == "true":
            self.note(
                el, f"an event sub-process is not mapped (its {len(inner)} elements are left out)"
            )
            node.kind = "eventSubProcess"
            return
        if _tag(el) == "adHocSubProcess":
            self.note(el, "an ad-hoc sub-process is kept as one action step (its order is free)")
            return
        starts = [c for c in inner if _tag(c) == "startEvent" and not any(_definitions(c))]
        if len(starts) != 1:
            if inner:
                self.note(
                    el,
                    f"a sub-process with {len(starts)} blank start events is kept as one action "
                    f"step; its {len(inner)} elements are left out",
                )
            return
        self.read_container(el, agency, lanes, ident)
        self.aliases_in[ident] = starts[0].get("id") or ""
        self.aliases_out[ident] = [c.get("id") or "" for c in inner if _tag(c) == "endEvent"]
        if _tag(el) == "transaction":
            self.note(el, "a transaction is flattened like a sub-process (no cancel or rollback)")

    def read_message(self, msg: El) -> None:
        source, target = msg.get("sourceRef") or "", msg.get("targetRef") or ""
        if source in self.nodes and target in self.nodes:
            if self.nodes[source].agency == self.nodes[target].agency:
                self.note(msg, "a message flow inside one pool is not a referral; left out")
                return
            self.flows.append(_Flow(msg, source, target, True, None, False, msg.get("name")))
            return
        missing = target if source in self.nodes else source

        def message() -> str:  # the element's kind needs the id index: made when read
            what = self.ids.get(missing)
            kind = _tag(what) if what is not None else "an unknown element"
            return (
                f"message flow to or from {kind} {missing!r} (a pool without a process, or "
                "an element that is not mapped) is left out"
            )

        self.note(msg, message)

    # --- mapping ----------------------------------------------------------------------------

    def build(self) -> dict[str, Any]:
        self.read()
        self.resolve_flows()
        self.make_all_steps()
        for ident, node in self.nodes.items():
            if node.kind == "boundaryEvent":
                self.attach_boundary(ident, node)
        self.make_transitions()
        self.link_events()
        if self.ignored:
            assert self.first_ignored is not None
            counts = ", ".join(f"{n} {tag}" for tag, n in sorted(self.ignored.items()))
            self.notes.append(
                (
                    None,
                    f"elements with no flow meaning for a pathway are not imported: {counts}",
                    Severity.INFO,
                    self.first_ignored,
                )
            )
        return self.document()

    def resolve_flows(self) -> None:
        """Flows into a flattened sub-process enter its start; flows out leave its ends."""
        resolved: list[_Flow] = []
        nodes = self.nodes
        if not self.aliases_in and not self.aliases_out:  # nothing flattened: as below, faster
            for flow in self.flows:
                source_node, target_node = nodes.get(flow.source), nodes.get(flow.target)
                if source_node is None or target_node is None:
                    self.unmapped_end(flow, flow.source, flow.target)
                    continue
                if source_node.kind == "eventSubProcess" or target_node.kind == "eventSubProcess":
                    continue
                source_node.outs.append(flow)
                target_node.ins.append(flow)
                resolved.append(flow)
            self.flows = resolved
            return
        for flow in self.flows:
            targets = [self.aliases_in.get(flow.target, flow.target)]
            sources = self.aliases_out.get(flow.source, [flow.source])
            if not flow.message and flow.source in self.aliases_out:
                self.leaving.add(flow.source)
            if not flow.message and flow.source in self.aliases_out and not sources:
                self.note(
                    self.nodes[flow.source].el,
                    "a flattened sub-process without end events: its outgoing flows are left out",
                )
            for source in sources:
                for target in targets:
                    if source not in self.nodes or target not in self.nodes:
                        self.unmapped_end(flow, source, target)
                        continue
                    if (
                        self.nodes[source].kind == "eventSubProcess"
                        or self.nodes[target].kind == "eventSubProcess"
                    ):
                        continue
                    if source == flow.source and target == flow.target:
                        new = flow
                    else:
                        new = _Flow(
                            flow.el,
                            source,
                            target,
                            flow.message,
                            flow.condition,
                            flow.default,
                            flow.name,
                        )
                    self.nodes[source].outs.append(new)
                    self.nodes[target].ins.append(new)
                    resolved.append(new)
        self.flows = resolved

    def unmapped_end(self, flow: _Flow, source: str, target: str) -> None:
        bad = source if source not in self.nodes else target

        def message() -> str:  # the element's kind needs the id index: made when read
            el = self.ids.get(bad)
            what = f"{_tag(el)} {bad!r}" if el is not None else f"unknown id {bad!r}"
            return f"it connects {what}, which is not mapped; left out"

        self.note(flow.el, message)

    def role_for(self, node: _Node) -> str:
        if node.lane is not None:
            return node.lane
        role = f"{node.agency}.staff"
        if role not in self.roles:
            self.used.add(role)
            self.roles[role] = {
                "id": role,
                "agency": node.agency,
                "title": self.agencies[node.agency]["name"],
            }
            self.role_pos[role] = self.agency_pos[node.agency]
        return role

    def add_step(self, el: El, ident: str, kind: str, node: _Node, **extra: Any) -> str:
        step: dict[str, Any] = {"id": ident, "kind": kind}
        if kind != "outcome" or node.lane is not None:
            step["role"] = self.role_for(node)
        for key, value in extra.items():
            if value:
                step[key] = value
        self.steps.append(step)
        self.step_pos.append(el)
        self.kinds[ident] = kind
        return ident

    def make_all_steps(self) -> None:
        """The steps of every flow node, in the order of the nodes: a task's inline (the
        commonest: :meth:`new_id` and :meth:`add_step`'s work, with the tables held locally),
        the others by :meth:`make_steps`."""
        used, step_ids, kinds = self.used, self.step_ids, self.kinds
        steps, step_pos = self.steps, self.step_pos
        # Every id clean (the rule): one match over all of them, not one per task.
        clean = _ids_clean(self.nodes)
        for ident, node in self.nodes.items():
            kind = node.kind
            if kind not in TASK_TAGS:
                if kind != "eventSubProcess":
                    self.make_steps(ident, node)
                continue
            if (clean or _ID_CLEAN(ident)) and ident not in used:  # new_id, inline
                used.add(ident)
                sid = ident
            else:
                sid = self.new_id(ident)
            step_ids[ident] = sid
            step: dict[str, Any] = {"id": sid, "kind": "action"}
            step["role"] = node.lane if node.lane is not None else self.role_for(node)
            el = node.el
            name = node.name  # self.label, inline
            if name and (label := " ".join(name.split())):
                step["label"] = label
            if node.description:
                step["description"] = node.description
            tag = TASK_TAGS[kind]
            if tag:
                step["tags"] = [tag]
            steps.append(step)
            step_pos.append(el)
            kinds[sid] = "action"
            node.step_in = node.step_out = sid
            if len(node.outs) > 1:
                self.split(node, [f for f in node.outs if not f.message])

    def make_steps(self, ident: str, node: _Node) -> None:
        el, kind = node.el, node.kind
        seq_outs = [f for f in node.outs if not f.message]
        seq_ins = [f for f in node.ins if not f.message]
        sid = self.new_id(ident)
        self.step_ids[ident] = sid
        tags: list[str] = []
        extra: dict[str, Any] = {
            "label": self.label(el),
            "description": node.description,
        }
        step_kind = "action"
        if kind in TASK_TAGS or kind in SUBPROCESSES:
            tag = TASK_TAGS.get(kind) or {"transaction": "transaction"}.get(kind)
            if kind in SUBPROCESSES and ident not in self.aliases_in:
                tag = "sub-process"
            if tag:
                tags.append(tag)
            if kind in SUBPROCESSES and ident in self.aliases_in:
                # Flattened: the sub-process itself is no step; flows went to its start/ends.
                self.used.discard(sid)
                del self.step_ids[ident]
                return
        elif kind == "startEvent":
            step_kind = "entry"
            if node.inside is not None or any(f.message for f in node.ins):
                step_kind = "action"
                tags.append("start-event")
            if node.trigger:
                tags.append(node.trigger)
        elif kind == "endEvent":
            step_kind = "outcome"
            sends = any(f.message for f in node.outs)
            if node.inside is not None and node.inside in self.leaving:
                step_kind = "action"
                tags.append("end-event")
            if sends:
                step_kind = "action"
                tags.append("end-event")
            if node.trigger:
                tags.append(node.trigger)
            if node.trigger in UNMAPPED_TRIGGERS:
                self.note(el, f"{_a(node.trigger)} end event is mapped as a plain end")
        elif kind == "intermediateCatchEvent":
            step_kind = (
                "wait"
                if node.trigger in ("timer", "message", "signal", "conditional")
                else "action"
            )
            if node.trigger:
                tags.append(node.trigger)
            extra["duration"] = self.timer_duration(el) if node.trigger == "timer" else None
        elif kind == "intermediateThrowEvent":
            tags.append("throw")
            if node.trigger:
                tags.append(node.trigger)
            if node.trigger in UNMAPPED_TRIGGERS:
                self.note(el, f"{_a(node.trigger)} throw event is mapped as a plain action")
        elif kind == "boundaryEvent":
            step_kind = "wait" if node.trigger == "timer" else "action"
            tags.append("boundary")
            if node.trigger:
                tags.append(node.trigger)
            extra["duration"] = self.timer_duration(el) if node.trigger == "timer" else None
        elif kind == "eventBasedGateway":
            step_kind = "wait"
        elif kind in ("exclusiveGateway", "inclusiveGateway", "complexGateway"):
            if len(seq_outs) > 1:
                step_kind = "decision"
            else:
                tags.append("merge" if len(seq_ins) > 1 else "gateway")
            if kind != "exclusiveGateway":
                what = "an inclusive" if kind == "inclusiveGateway" else "a complex"
                self.note(
                    el,
                    f"{what} gateway is mapped as "
                    + ("a decision (one branch is taken)" if len(seq_outs) > 1 else "a merge")
                    + "; BPMN may take or wait for several branches",
                )
        elif kind == "parallelGateway":
            if len(seq_ins) > 1 and len(seq_outs) > 1:
                self.add_step(el, sid, "join", node, **extra)
                fork = self.new_id(f"{sid}.fork")
                self.add_step(el, fork, "fork", node, label=extra["label"])
                self.transitions.append({"from": sid, "to": fork})
                self.tr_el.append(el)
                node.step_in, node.step_out = sid, fork
                return
            if len(seq_ins) > 1:
                step_kind = "join"
            elif len(seq_outs) > 1:
                step_kind = "fork"
            else:
                tags.append("gateway")
        if tags:
            extra["tags"] = tags
        self.add_step(el, sid, step_kind, node, **extra)
        node.step_in = node.step_out = sid
        if kind not in GATEWAYS and step_kind != "outcome":
            self.split(node, seq_outs)

    def split(self, node: _Node, seq_outs: list[_Flow]) -> None:
        """Several unconditioned flows out of an activity or event: BPMN's implicit parallel
        split, a fork after the step."""
        if len(seq_outs) <= 1:
            return
        el, sid = node.el, node.step_in
        conditioned = [f for f in seq_outs if f.condition is not None or f.default]
        if not conditioned:
            split = self.new_id(f"{sid}.split")
            self.add_step(el, split, "fork", node)
            self.transitions.append({"from": sid, "to": split})
            self.tr_el.append(el)
            node.step_out = split
        else:
            self.note(
                el,
                "conditional flows out of an activity or event (several may be taken in "
                "BPMN) are mapped as a choice of one",
            )

    def timer_duration(self, el: El) -> str | None:
        timer = next((c for c in self.bpmn(el) if _tag(c) == "timerEventDefinition"), None)
        if timer is None:
            return None
        spec = next((c for c in self.bpmn(timer) if _tag(c) == "timeDuration"), None)
        if (
            spec is not None
            and _ISO_DURATION.match(self.text(spec))
            and self.text(spec).strip() != "P"
        ):
            return self.text(spec).strip().upper()
        if spec is not None:
            self.note(
                el,
                f"timer duration {self.text(spec)!r} is not an ISO 8601 duration in weeks, days, "
                "hours, minutes or seconds (PT72H, P5D); the wait has no duration",
            )
        else:
            kinds = [_tag(c) for c in self.bpmn(timer)]
            self.note(
                el,
                f"a timer with {' and '.join(kinds) or 'no time'} (not a timeDuration) gives "
                "no duration",
            )
        return None

    def attach_boundary(self, ident: str, node: _Node) -> None:
        host = node.el.get("attachedToRef") or ""
        host_node = self.nodes.get(host)
        if host in self.aliases_in:  # a flattened sub-process: left from its start
            host_node = self.nodes.get(self.aliases_in[host])
            self.note(
                node.el,
                f"attached to the flattened sub-process {host!r}: mapped as a way out of its start",
            )
        if host_node is None or not host_node.step_in or not node.step_in:
            self.note(node.el, f"attached to {host!r}, which is not mapped; left out")
            return
        source = host_node.step_in
        self.transitions.append(
            {
                "from": source,
                "to": node.step_in,
                "event": f"{node.step_in}",
                "label": self.label(node.el),
            }
        )
        self.tr_el.append(node.el)
        if node.trigger != "timer":
            self.note(
                node.el,
                f"{_a(node.trigger or 'blank')} boundary event is mapped as another way out of "
                f"{host!r}; what triggers it is not modelled",
            )
        if node.el.get("cancelActivity") == "false":
            self.note(
                node.el,
                "a non-interrupting boundary event is mapped as interrupting (the activity "
                "is left)",
            )

    def make_transitions(self) -> None:
        guards: list[tuple[int, _Flow, str]] = []
        nodes, transitions, tr_el = self.nodes, self.transitions, self.tr_el
        for flow in self.flows:
            source, target = nodes[flow.source], nodes[flow.target]
            if not source.step_out or not target.step_in:
                continue
            move: dict[str, Any] = {"from": source.step_out, "to": target.step_in}
            name = flow.name  # self.label, inline
            label = (" ".join(name.split()) or None) if name else None
            if flow.message:
                move["kind"] = "referral"
                move["event"] = self.event_name(flow.el)
            if flow.condition is not None:
                text = self.text(flow.condition)
                if self.kind_of(source.step_out) == "fork":
                    self.note(flow.el, f"condition {text!r} on a parallel branch is left out")
                else:
                    guards.append((len(transitions), flow, _unwrap(text)))
            elif flow.default:
                label = label or "default"
            if label:
                move["label"] = label
            transitions.append(move)
            if flow.condition is not None:
                self.tr_cond[len(transitions) - 1] = flow.condition
            tr_el.append(flow.el)
        self.apply_guards(guards)
        self.distinct_events()

    def kind_of(self, step_id: str) -> str:
        return self.kinds.get(step_id, "")

    def event_name(self, el: El) -> str:
        return _ID_BAD.sub("_", el.get("id") or "message")

    def distinct_events(self) -> None:
        """Two flows from one step to the same step would share ``to_<to>`` (PW109): the
        second and later take their flow's id as event."""
        seen: set[tuple[str, str]] = set()
        kinds = self.kinds
        # Only moves from one step can share an event: steps with one way out, and forks
        # (whose exits all take the fork's event), are skipped.
        ways = Counter(map(_GET_FROM, self.transitions))
        several = {s for s, n in ways.items() if n > 1 and kinds.get(s) != "fork"}
        if not several:
            return
        for move, el in zip(self.transitions, self.tr_el, strict=True):
            source = move["from"]
            if source not in several:
                continue
            key = (source, move.get("event") or f"to_{move['to']}")
            if key in seen:
                move["event"] = event = self.event_name(el)  # never empty
                key = (source, event)
            seen.add(key)

    def apply_guards(self, guards: list[tuple[int, _Flow, str]]) -> None:
        from pathways import guards as g

        # Each distinct text is parsed once (the parse is pure); `name op literal` is read by
        # one regular expression into the tree the parser gives (a test compares them).
        read: dict[str, tuple[Any, dict[str, tuple[Any, ...]], frozenset[str]] | str] = {}
        parsed: list[tuple[int, _Flow, str, Any, frozenset[str]]] = []
        for index, flow, text in guards:
            got = read.get(text)
            if got is None:
                got = _simple_guard(text)
                if got is None:
                    try:
                        expr = g.parse_guard(text)
                        got = (expr, g.constants(expr), g.field_names(expr))
                    except g.GuardError as exc:
                        got = str(exc)
                read[text] = got
            if isinstance(got, str):
                self.keep_as_label(index, flow, text, got)
                continue
            parsed.append((index, flow, text, got[0], got[2]))
        fields = _infer_fields([got for got in read.values() if not isinstance(got, str)])
        specs = {k: CaseField.model_validate(v) for k, v in fields.items()}
        checked: dict[str, str | None] = {}
        used: set[str] = set()
        for index, flow, text, expr, names in parsed:
            if text in checked:
                error = checked[text]
            else:
                error = None
                if not _surely_typed(expr, specs):
                    errors = g.check_guard(expr, specs)
                    error = str(errors[0]) if errors else None
                checked[text] = error
            if error is not None:
                self.keep_as_label(index, flow, text, error)
                continue
            self.transitions[index]["when"] = text
            self.guarded.add(index)
            used |= names
        self.case_fields = {k: v for k, v in sorted(fields.items()) if k in used}
        # A default flow out of a step whose other exits are all guarded: `not (g1 or g2 ...)`.
        defaults = {id(f.el) for f in self.flows if f.default}
        if not defaults:
            return
        exits: dict[str, list[dict[str, Any]]] = {}
        for move in self.transitions:
            exits.setdefault(move["from"], []).append(move)
        for index, el in enumerate(self.tr_el):
            move = self.transitions[index]
            if id(el) not in defaults or "when" in move:
                continue
            others = [t for t in exits[move["from"]] if t is not move]
            if others and all("when" in t for t in others):
                parts = [t["when"] for t in others]
                inner = " or ".join(p if len(parts) == 1 else f"({p})" for p in parts)
                move["when"] = f"not ({inner})"
                self.guarded.add(index)

    def keep_as_label(self, index: int, flow: _Flow, text: str, why: str) -> None:
        move = self.transitions[index]
        name = move.get("label")
        move["label"] = f"{name}: {text}" if name else text
        self.note(
            flow.el,
            f"condition {text!r} is not in the guard language ({why}); kept as the label",
            at=flow.condition,
        )

    def link_events(self) -> None:
        """A link throw event leads to the link catch event of the same name (same process)."""
        catches: dict[tuple[str, str], str] = {}
        for node in self.nodes.values():
            if node.kind == "intermediateCatchEvent" and node.trigger == "link":
                catches[(node.agency, _link_name(node.el, self))] = node.step_in
        for node in self.nodes.values():
            if node.kind == "intermediateThrowEvent" and node.trigger == "link":
                target = catches.get((node.agency, _link_name(node.el, self)))
                if target is None:
                    self.note(node.el, "a link throw event with no catch event of its name")
                    continue
                self.transitions.append({"from": node.step_out, "to": target})
                self.tr_el.append(node.el)

    # --- the document and its source map ------------------------------------------------------

    def document(self) -> dict[str, Any]:
        title = self.label(self.root) or next(
            (self.label(p) for p in self.bpmn(self.root) if _tag(p) == "process" and self.label(p)),
            None,
        )
        data: dict[str, Any] = {
            "format": "pathways/1",
            "id": _pathway_id(self.stem),
            "title": title or self.stem,
            "locales": [self.locale],
            "sectors": [SECTOR],
            "agencies": list(self.agencies.values()),
            "roles": list(self.roles.values()),
            "case_fields": getattr(self, "case_fields", {}),
            "steps": self.steps,
            "transitions": self.transitions,
        }
        # Where each path comes from (its keys fall back to it: ``SourceMap.locate`` reads the
        # nearest recorded ancestor, so one entry serves a whole step). Keys and values are one
        # table of elements; a position is found when a finding asks for it.
        table = self.positions
        table[()] = self.root
        for key in data:
            table[(key,)] = self.root
        for i, agency in enumerate(self.agencies.values()):
            table[("agencies", i)] = self.agency_pos[agency["id"]]
        for i, role in enumerate(self.roles.values()):
            table[("roles", i)] = self.role_pos[role["id"]]
        # ("steps", i) -> the element of step i: read from the list itself when asked
        table.rows.update(steps=self.step_pos, transitions=self.tr_el)
        first_guard: dict[str, DocPath] = {}
        for i in sorted(self.guarded):  # the transitions with a `when`
            move, cond = self.transitions[i], self.tr_cond.get(i)
            if cond is not None:
                table[("transitions", i, "when")] = cond
            for name in self.case_fields:
                if name in move["when"] and name not in first_guard:
                    first_guard[name] = ("transitions", i, "when")
        for name in self.case_fields:
            where = first_guard.get(name, ())
            table[("case_fields", name)] = table.stored.get(where, self.root)
        return data


def _a(word: str) -> str:
    """``error`` -> ``an error``."""
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def _definitions(el: El) -> list[str]:
    return [
        DEFINITION_TAGS[_tag(c)] for c in el.iterchildren(_ANY_BPMN) if _tag(c) in DEFINITION_TAGS
    ]


def _link_name(el: El, importer: _Importer) -> str:
    link = next((c for c in importer.bpmn(el) if _tag(c) == "linkEventDefinition"), None)
    return (link.get("name") if link is not None else None) or el.get("name") or ""


def _unwrap(text: str) -> str:
    """``${amount > 100}`` (JUEL) -> ``amount > 100``; other text unchanged but trimmed."""
    match = _EXPRESSION.match(text)
    return " ".join((match.group(1) if match else text).split())


def _infer_fields(
    exprs: list[tuple[Any, dict[str, tuple[Any, ...]], frozenset[str]]],
) -> dict[str, dict[str, Any]]:
    """Case fields from guards (each with its constants and field names): compared with
    numbers -> number, with strings -> an enum of the strings, with true/false or used bare ->
    boolean."""
    kinds: dict[str, set[str]] = {}
    strings: dict[str, dict[str, None]] = {}
    for _, constants, names in exprs:
        for name, values in constants.items():
            for value in values:
                if isinstance(value, bool):
                    kinds.setdefault(name, set()).add("boolean")
                elif isinstance(value, str):
                    kinds.setdefault(name, set()).add("enum")
                    strings.setdefault(name, {})[value] = None
                else:
                    kinds.setdefault(name, set()).add("number")
        for name in names:
            kinds.setdefault(name, set())
    out: dict[str, dict[str, Any]] = {}
    for name, found in kinds.items():
        kind = next(iter(found)) if len(found) == 1 else ("boolean" if not found else None)
        if kind is None:
            continue  # compared with mixed types: the guards using it fail the check
        out[name] = {"type": kind}
        if kind == "enum":
            # The file names only the values it compares with: `other` stands for the rest.
            out[name]["values"] = [
                *strings[name],
                *(["other"] if "other" not in strings[name] else []),
            ]
    return out


_SIMPLE_GUARD = re.compile(
    r"[ \t\r\n]*([A-Za-z_][A-Za-z0-9_]*)[ \t\r\n]*(==|!=|<=|>=|<|>)[ \t\r\n]*"
    r"(?:(-?[0-9]+)(\.[0-9]+)?|'([^'\\]*)'|\"([^\"\\]*)\"|(true|false))[ \t\r\n]*\Z"
)
"""``field op literal`` (no escapes in strings): the commonest guard, read without the parser."""
_KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})


def _simple_guard(text: str) -> tuple[Any, dict[str, tuple[Any, ...]], frozenset[str]] | None:
    """The tree ``parse_guard`` gives for ``field op literal`` (the same nodes and columns),
    with its constants and field names; None for any other text (the parser reads it)."""
    from pathways.guards import MAX_GUARD_LENGTH, Compare, Literal, Name

    match = _SIMPLE_GUARD.match(text)
    if match is None or len(text) > MAX_GUARD_LENGTH:
        return None
    name, op, digits, fraction, single, double, word = match.groups()
    if name in _KEYWORDS:
        return None
    value: Any
    if digits is not None:
        if fraction is None:
            value = int(digits)
        else:
            value = float(digits + fraction)
            if value in (float("inf"), float("-inf")):
                return None  # the parser's error
        at = match.start(3)
    elif word is not None:
        value, at = word == "true", match.start(7)
    else:
        value = single if single is not None else double
        at = match.start(5 if single is not None else 6) - 1
    left = Name(name, column=match.start(1) + 1)
    expr = Compare(
        op, left, Literal(value, column=at + 1), column=left.column, op_column=match.start(2) + 1
    )
    return expr, {name: (value,)}, frozenset((name,))


def _surely_typed(expr: Any, specs: dict[str, CaseField]) -> bool:
    """True when ``check_guard`` surely finds nothing: a declared field compared with a value
    of its type, within range (anything else: ``check_guard`` decides)."""
    from pathways.guards import Compare, Literal, Name
    from pathways.guards.typecheck import MAX_CONSTANT

    if expr.__class__ is not Compare:
        return False
    left, right, op = expr.left, expr.right, expr.op
    if left.__class__ is not Name or right.__class__ is not Literal:
        return False
    spec = specs.get(left.name)
    if spec is None:
        return False
    value: Any = right.value
    kind = value.__class__
    if spec.type == "number":  # finite: the parser and _simple_guard refuse inf and nan
        return kind in (int, float) and abs(value) <= MAX_CONSTANT
    if spec.type == "boolean":
        return kind is bool and op in ("==", "!=")
    if spec.type == "enum":
        return kind is str and op in ("==", "!=") and value in (spec.values or ())
    return False


def _pathway_id(stem: str) -> str:
    """A pathway id (``[a-z0-9-]+``) from the file name."""
    text = re.sub(r"[^a-z0-9-]+", "-", stem.lower()).strip("-")
    return re.sub(r"-{2,}", "-", text) or "bpmn"


def _stem(file: str) -> str:
    name = Path(file).name
    for suffix in (".bpmn20.xml", ".bpmn2", ".bpmn", ".xml"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return Path(name).stem


def import_bpmn(
    data: bytes, file: str = "<string>", *, locale: str | None = None
) -> tuple[dict[str, Any] | None, SourceMap, list[Finding]]:
    """BPMN 2.0 XML bytes -> the plain data of a pathway, its source map and the load findings.

    A file ``pathways export`` wrote (perhaps edited in a modeller, with no element kinds the
    export never writes) is read back by :func:`pathways.bpmn.restore.read_export`, its
    edits taken; any other file by the mapping above. The data is None when the file is not
    readable BPMN (PW001: malformed or refused XML; PW002: not a BPMN 2.0 ``definitions``
    document). The source map's ``notes`` hold the PW007 findings of what could not be mapped.

    Examples
    --------
    >>> from pathways.bpmn.importer import import_bpmn
    >>> xml = b'''<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">
    ...  <process id="p"><startEvent id="s"/><task id="t" name="Intake"/><endEvent id="e"/>
    ...   <sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
    ...   <sequenceFlow id="f2" sourceRef="t" targetRef="e"/></process></definitions>'''
    >>> data, smap, findings = import_bpmn(xml, "intake.bpmn")
    >>> [(s["id"], s["kind"]) for s in data["steps"]], smap.values[("steps", 1)]
    ([('s', 'entry'), ('t', 'action'), ('e', 'outcome')], (2, 38))
    """
    with gc_paused():
        document, smap, findings, importer = _import_bpmn(data, file, locale)
        if importer is not None:
            importer.release()
        return document, smap, findings


def _import_bpmn(
    data: bytes, file: str, locale: str | None
) -> tuple[dict[str, Any] | None, SourceMap, list[Finding], _Importer | None]:
    """:func:`import_bpmn`, and the importer when the general mapping made the document."""
    smap = SourceMap(file)
    try:
        tree = parse_tree(data, keep=_KEEP)
    except DocumentError as exc:
        return (
            None,
            smap,
            [finding("PW001", str(exc), Location(file, exc.line, exc.column))],
            None,
        )
    root = tree.root
    if root.tag != _B + "definitions":
        return (
            None,
            smap,
            [
                finding(
                    "PW002",
                    f"not a BPMN 2.0 file: the root element is {root.tag}, not definitions in "
                    f"the namespace {BPMN_MODEL_NS}",
                    Location(file, *tree.position(root)),
                )
            ],
            None,
        )
    if root.get(_PW_PATHWAY) is not None:  # `pathways export` wrote it: read it back whole
        restored = read_export(tree.nodes(_KEEP), file)
        if restored is not None:
            document, smap = restored
            return document, smap, [], None
    locale = locale or root.get(_XML_LANG) or "en"
    importer = _Importer(tree, file, locale, _stem(file))
    document = importer.build()
    if importer.duplicates:
        return None, smap, sorted(importer.duplicates, key=Finding.sort_key), None
    return document, importer.smap, [], importer


def loads_bpmn(data: bytes, file: str = "<string>", *, locale: str | None = None) -> Pathway:
    """A pathway from BPMN bytes (:class:`~pathways.errors.LoadError` with every PW0xx
    finding when it does not load); the PW007 findings are in ``source_map.notes``."""
    with gc_paused():
        document, smap, findings, importer = _import_bpmn(data, file, locale)
        if document is None:
            raise LoadError(findings)
        pathway = _built(document, importer) if importer is not None else None
        if importer is not None:
            importer.release()
        if pathway is not None:
            pathway.attach_source_map(smap)
            return pathway
        pathway, findings = load_data(document, smap)
    if pathway is None:
        raise LoadError(findings)
    return pathway


def _defaults(cls: type[BaseModel]) -> dict[str, Any]:
    """Every field of a model with its default (required fields hold a placeholder)."""
    assert not cls.__private_attributes__
    return {
        name: None if f.is_required() else f.get_default(call_default_factory=True)
        for name, f in cls.model_fields.items()
    }


_new = object.__new__
# The slots every pydantic model has, set directly (a frozen model refuses __setattr__).
_slots: Any = vars(BaseModel)
_set_dict = _slots["__dict__"].__set__
_set_fields_set = _slots["__pydantic_fields_set__"].__set__
_set_extra = _slots["__pydantic_extra__"].__set__
_set_private = _slots["__pydantic_private__"].__set__


def _make(cls: type[BaseModel], defaults: dict[str, Any], values: dict[str, Any]) -> Any:
    """A model from values that hold the validated types, as ``model_validate`` would make it
    (the same ``__dict__`` in field order, the same fields set), without validating again."""
    obj = _new(cls)
    _set_dict(obj, {**defaults, **values})
    _set_fields_set(obj, set(values))
    _set_extra(obj, None)
    _set_private(obj, None)
    return obj


_ID = re.compile(ID_PATTERN)
_PATHWAY_ID = re.compile(r"^[a-z0-9-]+$")


_REPLICATED: dict[str, frozenset[str]] = {
    "Step": frozenset(),
    # event: filled as the validator fills it ('to_<to>'); the others are never given, so
    # their defaults hold (consent 'required', no referral-only keys)
    "Transition": frozenset({"@_default_event", "@_consistent", "response_within: _hours"}),
    "Agency": frozenset(),
    "Role": frozenset(),
    # by: the role of `from`; a fork's exits: FORK_EVENT; version: never given (the default);
    # the population's: no simulation is given
    "Pathway": frozenset(
        {
            "@_default_by",
            "@_default_fork_event",
            "version: <lambda>",
            "@_typed_choice_keys",
            "@_population_fits_fields",
        }
    ),
}
"""The validators (``@`` model or field validators, ``field: function`` validators in a
field's type) of the models :func:`_built` makes without pydantic, each done by hand there.
tests/bpmn/test_built_validators.py fails when a model declares one not listed here."""


def _built(document: dict[str, Any], importer: _Importer) -> Pathway | None:
    """The pathway of a document the general mapping made, built once from what the importer
    has already made valid: every id an id, every reference declared, every guard parsed and
    type-checked against the case fields it declared, durations read here. None when a value
    is outside what it vouches for; the loader then checks the document and reports it
    (a test builds every corpus file both ways and compares the pathways)."""
    # No pydantic validation runs here for Step, Transition, Agency, Role and Pathway: a
    # validator added to one of them must be done by hand below (or the document sent to the
    # loader by returning None), then listed in _REPLICATED.
    steps_in: list[dict[str, Any]] = document["steps"]
    moves_in: list[dict[str, Any]] = document["transitions"]
    ids_ok = _ID.match
    agencies = {a["id"] for a in document["agencies"]}
    roles = {r["id"]: r["agency"] for r in document["roles"]}
    if len(agencies) != len(document["agencies"]) or len(roles) != len(document["roles"]):
        return None
    for ident in (*agencies, *roles):
        if len(ident) > 200 or not ids_ok(ident):
            return None
    if not _PATHWAY_ID.match(document["id"]) or any(a not in agencies for a in roles.values()):
        return None
    if any(a["sector"] != SECTOR for a in document["agencies"]):
        return None  # pragma: no cover - the importer declares one sector
    # Every check at once, in C where it can be (a step or move at a time cost as much as
    # making it): ids well formed and unique, kinds known, roles declared. Keys are checked
    # once per shape of step or move (its keys in order), and references as moves are made.
    step_ids = list(map(_GET_ID, steps_in))
    if step_ids and not _ids_clean(step_ids, _IDS_OK):
        return None
    step_roles = list(map(dict.get, steps_in, repeat("role")))
    if not set(step_roles) <= roles.keys() | {None}:
        return None
    if not set(map(_GET_KIND, steps_in)) <= _STEP_KINDS:
        return None
    # A move's `by`: the role of its `from` step, one tuple per role (tuples are immutable).
    by_role: dict[str | None, tuple[str, ...]] = {role: (role,) for role in roles}
    by_role[None] = ()
    by_of = dict(zip(step_ids, map(by_role.__getitem__, step_roles), strict=True))
    if len(by_of) != len(step_ids):
        return None
    forks = {step["id"] for step in steps_in if step["kind"] == "fork"}
    # The keys of each shape of step or move are checked once; each model still gets its own
    # fields set (model_fields_set hands out the live set, which a user may change).
    step_shapes: dict[tuple[str, ...], set[str]] = {}
    move_shapes: dict[tuple[str, ...], set[str]] = {}
    steps: list[Step] = []
    step_defaults = _STEP_DEFAULTS
    new, set_dict, set_fields_set, set_extra, set_private = (
        _new,
        _set_dict,
        _set_fields_set,
        _set_extra,
        _set_private,
    )
    for step in steps_in:
        fields = {**step_defaults, **step}
        if "tags" in step:
            fields["tags"] = tuple(step["tags"])
        if "duration" in step:
            try:
                fields["duration"] = Duration.model_validate(step["duration"])
            except ValidationError:
                return None
        keys = tuple(step)
        given = step_shapes.get(keys)
        if given is None:
            if not _STEP_KEYS.issuperset(keys):
                return None
            given = step_shapes[keys] = set(keys)
        # A Step as model_validate makes it: every field in order, the given ones set.
        obj = new(Step)
        set_dict(obj, fields)
        set_fields_set(obj, given.copy())
        set_extra(obj, None)
        set_private(obj, None)
        steps.append(obj)
    moves: list[Transition] = []
    move_defaults = _MOVE_DEFAULTS
    for move in moves_in:
        source, to = move["from"], move["to"]
        if source not in by_of or to not in by_of:
            return None
        fields = {**move_defaults, **move}
        del fields["from"]
        fields["source"] = source
        fields["by"] = by_of[source]
        if not fields["event"]:
            fields["event"] = FORK_EVENT if source in forks else "to_" + to
        keys = tuple(move)
        given = move_shapes.get(keys)
        if given is None:
            if not _MOVE_KEYS.issuperset(keys):
                return None
            # the fields the model always sets: source (from `from`), by and event
            given = move_shapes[keys] = {*keys, "source", "by", "event"} - {"from"}
        move_obj = new(Transition)
        set_dict(move_obj, fields)
        set_fields_set(move_obj, given.copy())
        set_extra(move_obj, None)
        set_private(move_obj, None)
        moves.append(move_obj)
    fields = {name: CaseField.model_validate(v) for name, v in document["case_fields"].items()}
    return Pathway.model_construct(
        {key for key in document},
        format=document["format"],
        id=document["id"],
        title=document["title"],
        locales=tuple(document["locales"]),
        sectors=tuple(document["sectors"]),
        agencies=tuple(_make(Agency, _AGENCY_DEFAULTS, a) for a in document["agencies"]),
        roles=tuple(_make(Role, _ROLE_DEFAULTS, r) for r in document["roles"]),
        case_fields=fields,
        steps=tuple(steps),
        transitions=tuple(moves),
        # The other fields made by their factories here: model_construct asks each factory's
        # signature (inspect) before calling it, a tenth of lxml's parse of the 272 KiB file.
        **{name: make() for name, make in _PATHWAY_FACTORIES.items() if name not in document},
    )


_PATHWAY_FACTORIES: dict[str, Callable[[], Any]] = {
    name: field.default_factory  # type: ignore[misc]
    for name, field in Pathway.model_fields.items()
    if field.default_factory is not None
}
"""Fields of a pathway the importer never fills, each with the factory of its default."""


_STEP_KEYS = frozenset({"id", "kind", "role", "label", "description", "tags", "duration"})
_STEP_KINDS = frozenset(get_args(StepKind))
_MOVE_KEYS = frozenset({"from", "to", "event", "when", "kind", "label"})
_GET_ID, _GET_KIND = itemgetter("id"), itemgetter("kind")
_GET_FROM = itemgetter("from")
_IDS_OK = re.compile(r"(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}\n)*\Z").match
"""Ids one a line, each as :data:`ID_PATTERN` has it and at most 200 characters long."""
_STEP_DEFAULTS = _defaults(Step)
_MOVE_DEFAULTS = _defaults(Transition)
_AGENCY_DEFAULTS = _defaults(Agency)
_ROLE_DEFAULTS = _defaults(Role)


def load_bpmn(path: str | os.PathLike[str], *, locale: str | None = None) -> Pathway:
    """A pathway from a BPMN file; findings name the file and the line and column in it."""
    file, data = read_file(path)
    return loads_bpmn(data, file, locale=locale)


_REQUIRED = frozenset(name for name, field in Pathway.model_fields.items() if field.is_required())
"""Keys a pathway document must have (``steps``), written even when empty."""


def to_yaml(document: dict[str, Any]) -> str:
    """The imported document as pathway YAML (empty parts left out, but for the required keys:
    a model without flow nodes is written with ``steps: []`` and loads as the BPMN file does)."""
    import yaml

    data = {k: v for k, v in document.items() if k in _REQUIRED or v not in ({}, [], None)}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
