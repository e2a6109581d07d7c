"""Pathway -> diagram model: the small, format-neutral picture that dot.py and mermaid.py draw.

Everything a diagram may show is decided here, once: which agencies may be named and which
contacts may be written (``visibility``), which language labels are in (``lang``), and what
the findings and simulation overlays add. The renderers only lay out and escape what this
module hands them, so a restricted agency name cannot reach any output format, because it
never reaches the model.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from pathways.errors import RenderError
from pathways.findings import CaseWords, finding_words
from pathways.i18n import N_, human_hours, tr
from pathways.model import FORK_EVENT, Visibility, label_text
from pathways.render._overlays import (
    findings_by,
    mark,
    read_simulation,
    saturation_by_role,
    simulation_dict,
)
from pathways.render._overlays import (
    flows as transition_flows,
)
from pathways.render._text import printable, shorten, wrap
from pathways.render._words import guard_sentence
from pathways.visibility import HIDDEN_AGENCY, Policy, parse_level, policy, secrets, view

if TYPE_CHECKING:
    from pathways.findings import Finding
    from pathways.model import Duration, Pathway, StepKind, Transition
    from pathways.simulate.contract import SaturationJSON

__all__ = [
    "BADGE_TAGS",
    "CHANGE_COLOURS",
    "FONT",
    "HEAT",
    "KHMER_FONT",
    "RESTRICTED_LANE",
    "SECTOR_COLOURS",
    "SECTOR_ORDER",
    "Diagram",
    "Edge",
    "Lane",
    "Marker",
    "Node",
    "extract",
    "light",
    "printable",
    "sector_colour",
    "sector_rank",
    "sector_word",
    "wrap",
]

FONT = "DejaVu Sans"
"""The font for every locale but Khmer (DejaVu ships with Graphviz on Debian)."""

KHMER_FONT = "Khmer OS"
"""A font with Khmer glyphs, from the fonts-khmeros package."""

RESTRICTED_LANE = HIDDEN_AGENCY
"""The lane title drawn instead of an agency's name when its visibility is above the reader's."""

_RESTRICTED_WORDS = N_("(restricted agency)")  # HIDDEN_AGENCY, marked for the catalogue

BADGE_TAGS: dict[str, str] = {
    "interview": "#CC79A7",
    "consent": "#56B4E9",
    "medical": "#E69F00",
    "court": "#999999",
}
"""The tags drawn as badges (the ones safeguard rules read), with their badge colours."""

# Okabe & Ito (2008), "Color Universal Design": eight colours told apart with every common
# colour-vision deficiency. Lanes use a pale tint for the fill and the full colour for the frame;
# the sector name is written in the lane title too, so colour is never the only cue.
_OKABE_ITO = (
    ("#0072B2", "#D6E7F3"),  # blue
    ("#009E73", "#D4EFE7"),  # bluish green
    ("#D55E00", "#F8E1D1"),  # vermillion
    ("#CC79A7", "#F5E6EE"),  # reddish purple
    ("#E69F00", "#FBEDCF"),  # orange
    ("#56B4E9", "#E0F1FB"),  # sky blue
    ("#F0E442", "#FCF9D5"),  # yellow
    ("#000000", "#E8E8E8"),  # black
)

SECTOR_COLOURS: dict[str, tuple[str, str]] = {
    "police": _OKABE_ITO[0],
    "social": _OKABE_ITO[1],
    "health": _OKABE_ITO[2],
    "justice": _OKABE_ITO[3],
    "ngo": _OKABE_ITO[4],
    "hotline": _OKABE_ITO[5],
    "community": _OKABE_ITO[6],
    "technology": _OKABE_ITO[7],
}
"""Sector -> (frame colour, fill colour). Other sectors take the palette in turn, dashed."""

HEAT: tuple[str, ...] = ("#FFFFFF", "#FFF7BC", "#FEE391", "#FEC44F", "#FE9929", "#EC7014")
"""Mean-wait fill scale (ColorBrewer YlOrBr, colour-blind safe), from no wait to the longest."""

SEVERITY_COLOURS: dict[str, str] = {"error": "#C00000", "warning": "#FFB000"}
"""Outline colours of the findings overlay."""

CHANGE_COLOURS: dict[str, str] = {"added": "#6A3D9A", "removed": "#8C8C8C"}
"""The changes overlay (``since=``): added steps and moves outlined purple, removed ones grey
and dashed; each also says so in words ("new since 0.1.0"), so colour is never the only cue."""

_LABEL_WIDTH = 30

_READERS = {
    "public": N_("for public readers"),
    "partners": N_("for partners readers"),
    "restricted": N_("for restricted readers"),
}


_WITHHELD = N_("(details withheld {readers})")

SECTOR_ORDER: tuple[str, ...] = (
    "community",
    "hotline",
    "technology",
    "police",
    "social",
    "health",
    "justice",
    "ngo",
)
"""Lane order, top to bottom (left to right in a top-down diagram): where a report comes in
first, then the agencies that act on it."""


_SECTOR_WORDS = {
    "community": N_("community"),
    "hotline": N_("hotline"),
    "technology": N_("technology"),
    "police": N_("police"),
    "social": N_("social"),
    "health": N_("health"),
    "justice": N_("justice"),
    "ngo": N_("ngo"),
}
_CHANNEL_WORDS = {
    "phone": N_("phone"),
    "sms": N_("sms"),
    "email": N_("email"),
    "web": N_("web"),
    "address": N_("address"),
    "office": N_("office"),
    "hotline": N_("hotline"),
}


def sector_word(sector: str, lang: str | None = None) -> str:
    """A built-in sector's name in ``lang`` (a sector the file declares stays as written)."""
    return tr(_SECTOR_WORDS[sector], lang) if sector in _SECTOR_WORDS else sector


def _channel_word(channel: str, lang: str | None) -> str:
    return tr(_CHANNEL_WORDS[channel], lang) if channel in _CHANNEL_WORDS else channel


def sector_rank(sector: str) -> tuple[int, str]:
    """Sort key of a sector's lanes: its place in :data:`SECTOR_ORDER`, others after by name."""
    if sector in SECTOR_ORDER:
        return SECTOR_ORDER.index(sector), ""
    return len(SECTOR_ORDER), sector


def sector_colour(sector: str | None, all_sectors: Sequence[str]) -> tuple[str, str, bool]:
    """(frame, fill, dashed) for a sector: fixed colours first, then the palette in turn."""
    if sector in SECTOR_COLOURS:
        return (*SECTOR_COLOURS[sector], False)
    others = [s for s in all_sectors if s not in SECTOR_COLOURS]
    index = others.index(sector) if sector in others else len(others)
    frame, fill = _OKABE_ITO[index % len(_OKABE_ITO)]
    return frame, fill, True


@dataclass(frozen=True, slots=True)
class Lane:
    """A swimlane: one agency (or one anonymous restricted agency)."""

    key: str
    title: str
    sector: str
    frame: str
    fill: str
    dashed: bool
    contacts: tuple[str, ...]
    restricted: bool
    nodes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Node:
    """A step as drawn."""

    id: str
    label: str
    kind: StepKind
    lane: str | None
    role: str
    badges: tuple[str, ...]
    deadlines: tuple[str, ...]
    codes: tuple[str, ...] = ()
    severity: str | None = None
    heat: int | None = None
    stats: str = ""
    change: str | None = None  # "added" or "removed" since an earlier version (``since=``)
    lit: bool | None = None
    """With a trace: True on the case's routes (drawn bold), False off them (greyed)."""
    titles: tuple[str, ...] = ()
    """The findings overlay's words: each code with its rule's short title."""
    saturation: str = ""
    """The simulation overlay's warning when the step's role is saturated (``"unstable"``) or
    near it (``"near"``); :attr:`alert` holds its words."""
    alert: str = ""
    """The words of that warning ("saturated: the queue grows without bound; ...")."""

    def lines(self, width: int = _LABEL_WIDTH) -> list[str]:
        """The label wrapped to ``width`` characters."""
        return wrap(self.label, width)


@dataclass(frozen=True, slots=True)
class Edge:
    """A transition, or a referral's on_reject fallback, as drawn."""

    source: str
    target: str
    kind: str  # internal | handoff | referral | fallback
    lines: tuple[str, ...]
    transition: int | None
    codes: tuple[str, ...] = ()
    severity: str | None = None
    weight: float | None = None
    change: str | None = None  # "added" or "removed" since an earlier version (``since=``)
    lit: bool | None = None
    titles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Marker:
    """Where a transition leaves this page or arrives from another (paginated output only)."""

    id: str
    lane: str | None
    text: str
    incoming: bool


@dataclass(frozen=True, slots=True)
class Diagram:
    """Everything one rendering shows, already filtered for visibility and language."""

    id: str
    title: str
    subtitle: str
    lang: str | None
    font: str
    lanes: tuple[Lane, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    notes: tuple[tuple[str, str], ...] = ()
    findings: bool = False
    simulation: bool = False
    max_wait: float = 0.0
    saturation: tuple[str, ...] = ()
    """The saturation levels the simulation overlay marks on some step (``"unstable"``,
    ``"near"``), for the legend."""
    sectors: tuple[tuple[str, str, str, bool], ...] = field(default=())
    markers: tuple[Marker, ...] = ()
    page: str = ""
    since: str = ""  # the earlier version the changes overlay compares with ("" for none)
    traced: str = ""
    """With a trace: the facts traced, for the legend ("risk = high")."""
    legend_columns: int = 0
    """On a printed page: how many entries the compact legend sets side by side, chosen by
    pagination from the legend's measured width (0: the drawing's default, 4)."""
    legend_width: int = 0
    """On a printed page: characters at which the compact legend's entries wrap (0: none)."""
    title_width: int = 0
    """On a printed page: characters at which the heading (title and page number) wraps
    (0: one line)."""
    narrow: bool = False
    """Printed on sheets narrow along the flow (A4 landscape, left to right): every label
    wraps shorter (:data:`~pathways.render.dot.NARROW`), so that a band of one step with its
    lane title and continuation boxes fits the sheet at 7 pt."""
    wide: bool = False
    """A printed page of one step too long for its sheet top to bottom: the step's label and
    notes wrap wider (:data:`~pathways.render.dot.WIDE`), making it shorter along the flow."""

    def lane_of(self, node: Node) -> Lane | None:
        """The lane a node is drawn in, or None (outcomes without a role)."""
        for lane in self.lanes:
            if lane.key == node.lane:
                return lane
        return None


def _titles(found: Sequence[Finding], codes: tuple[str, ...], lang: str | None) -> tuple[str, ...]:
    """Each drawn code with its rule's name as words ("PW305 sharing without consent"), in
    ``lang`` when the catalogue has it (else the code alone, never English in a Khmer page)."""
    names = {f.code: f.rule for f in found}
    out = []
    for code in codes:
        words = names.get(code, "").replace("-", " ")
        shown = tr(words, lang) if words else ""
        english = lang is None or lang.lower().startswith("en")
        out.append(f"{code} {shown}" if shown and (english or shown != words) else code)
    return tuple(out)


SATURATION_LEVELS = ("unstable", "near")
"""The saturation levels of simulate's JSON, the worst first."""


def _saturation_alert(entry: SaturationJSON, lang: str | None) -> tuple[str, str]:
    """(level, words) of a role's saturation, for the steps it serves (issue 13: saturation is
    said in every output). The role's name is left out: the step already shows it, or is in
    an anonymous lane that must not name it."""
    if entry["level"] == "unstable":
        words = tr("saturated: the queue grows without bound; needs a capacity of {n}", lang)
        return "unstable", words.format(n=entry["stable_capacity"])
    words = tr("near saturation: {load} busy; a capacity of {n} keeps it under 90%", lang)
    return "near", words.format(load=f"{entry['load']:.0%}", n=entry["capacity_below_90"])


def _visibility(value: str | Visibility) -> Visibility:
    level = parse_level(value)
    assert level is not None
    return level


def _duration_text(duration: Duration, lang: str | None) -> str:
    if duration.kind == "fixed":
        return human_hours(duration.max, lang)
    if duration.kind == "exponential":
        return f"~{human_hours(round(duration.mean or 0.0, 2), lang)}"
    return f"{human_hours(duration.min, lang)} - {human_hours(duration.max, lang)}"


def _leaves_fork(pathway: Pathway, t: Transition) -> bool:
    step = pathway.steps_by_id.get(t.source)
    return step is not None and step.kind == "fork"


def _percent(p: float) -> str:
    return f"{p * 100:.0f}%" if abs(p * 100 - round(p * 100)) < 1e-9 else f"{p * 100:.1f}%"


def _edge_lines(
    t: Transition,
    lang: str | None,
    locales: tuple[str, ...],
    from_fork: bool = False,
    names: Mapping[str, str] | None = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
) -> list[str]:
    lines: list[str] = []
    text = label_text(t.label, lang, locales)
    if text:
        lines.append(text)
    # An event the file named is drawn; the defaults are not: `to_<step>`, and `tracks` on a
    # fork's exits (the diamond already says the tracks start together; the word was English
    # in every language).
    if t.event and t.event != f"to_{t.to}" and not (from_fork and t.event == FORK_EVENT):
        lines.append(t.event)
    if t.when:
        lines.append(guard_sentence(t.when, lang, names, values))
    facts: list[str] = []
    if t.probability is not None:
        facts.append(_percent(t.probability))
    if t.delay is not None:
        facts.append(tr("delay {time}", lang).format(time=_duration_text(t.delay, lang)))
    if facts:
        lines.append(" · ".join(facts))
    if t.kind == "referral":
        ref = [tr("referral", lang)]
        if t.response_within is not None:
            within = human_hours(t.response_within, lang)
            ref.append(tr("answer within {time}", lang).format(time=within))
        if t.decline_probability:
            share = _percent(t.decline_probability)
            ref.append(tr("{share} declined", lang).format(share=share))
        lines.append(" · ".join(ref))
    if t.consent == "override":
        lines.append(tr("consent override", lang))
    elif t.consent == "not-needed":
        lines.append(tr("no consent needed", lang))
    return lines


def _deadline_lines(pathway: Pathway, lang: str | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for d in pathway.deadlines:
        if d.source is None:
            origin = tr("entry", lang)
        elif d.source in pathway.steps_by_id:
            origin = shorten(pathway.label(d.source, lang), 28)
        else:
            origin = d.source
        name = label_text(d.label, lang, pathway.locales) or d.id
        need = tr(" (required)", lang) if d.required else ""
        pattern = tr("deadline {name}: within {time} of {origin}", lang)
        text = pattern.format(name=name, time=human_hours(d.within, lang), origin=origin) + need
        for target in pathway.deadline_targets(d):
            out[target].append(text)
    return out


def _lanes(pathway: Pathway, lang: str | None, pol: Policy) -> list[Lane]:
    """One lane per agency that owns a step, in the fixed order of :data:`SECTOR_ORDER`
    (other sectors after, alphabetically), agencies in file order within a sector, so an
    agency's band sits in the same place in every pathway a working group compares."""
    used: dict[str, list[str]] = defaultdict(list)
    for step in pathway.steps:
        agency_id = pathway.agency_of(step.id)
        if agency_id in pathway.agencies_by_id:
            used[agency_id].append(step.id)
    agencies = sorted(
        (a for a in pathway.agencies if a.id in used),
        key=lambda a: (*sector_rank(a.sector), pathway.agencies.index(a)),
    )
    lanes: list[Lane] = []
    for number, agency in enumerate(agencies):
        hidden = not pol.agency_visible(agency)
        frame, fill, dashed = sector_colour(agency.sector, pathway.all_sectors)
        title = (
            tr(RESTRICTED_LANE, lang) if hidden else label_text(agency.name, lang, pathway.locales)
        )
        contacts: tuple[str, ...] = ()
        if not hidden:
            contacts = tuple(
                f"{_channel_word(c.channel, lang)}: {c.value}"
                + (f" ({c.hours})" if c.hours else "")
                for c in agency.contacts
                if pol.contact_visible(agency, c)
            )
        lanes.append(
            Lane(
                key=f"lane{number}",
                title=title,
                sector=agency.sector,
                frame=frame,
                fill=fill,
                dashed=dashed,
                contacts=contacts,
                restricted=hidden,
                nodes=tuple(used[agency.id]),
            )
        )
    return lanes


def extract(
    pathway: Pathway,
    *,
    lang: str | None = None,
    visibility: str | Visibility = "partners",
    findings: Sequence[Finding] | None = None,
    simulation: object | None = None,
    since: Pathway | None = None,
    renames: Mapping[str, str] | None = None,
) -> Diagram:
    """Build the diagram model of a pathway.

    Parameters
    ----------
    pathway
        The loaded pathway.
    lang
        Locale of the labels (falling back to the pathway's first locale); ``"km"`` also
        selects a Khmer font.
    visibility
        Who will see the output: agencies and contacts above it are left out (an agency above
        it is drawn as an anonymous lane); a pathway whose own ``visibility`` is above it is
        refused with :class:`~pathways.errors.RenderError`.
    findings
        Findings to overlay (their ``step`` and ``transition``), e.g. ``pathways.check(p)``.
    simulation
        ``pathways simulate``'s JSON object, or a result with ``.to_dict()``.
    since
        An earlier version of the pathway: steps and transitions added since are drawn in the
        changes colour and marked "new", removed ones dashed and grey, marked "removed", in
        the lane of the agency they belonged to (matched as :func:`pathways.diff` matches
        them; ``renames`` maps old step ids to new ones).

    Returns
    -------
    Diagram

    Examples
    --------
    >>> import pathways as pw
    >>> from pathways.render.extract import extract
    >>> d = extract(pw.load("pathways/kh/csa-in-person.yaml"), lang="km")
    >>> d.font, len(d.lanes), d.lanes[0].title
    ('Khmer OS', 8, 'គណៈកម្មាធិការទទួលបន្ទុកកិច្ចការនារី និងកុមារឃុំ/សង្កាត់ (គ.ក.ន.ក)')
    """
    reader = _visibility(visibility)
    pol = policy(pathway, reader)
    if not pol.pathway_visible:
        # The pathway itself is declared for a narrower audience than the requested output.
        raise RenderError(
            f"pathway {pathway.id!r} is for {pathway.visibility.value} readers; render it with "
            f"--visibility {pathway.visibility.value} (or widen its `visibility:`)"
        )
    secret_texts = secrets(pathway, reader)
    pathway = view(pathway, reader)  # from here on, only what the reader may see
    locales = pathway.locales
    font = KHMER_FONT if (lang or "").lower().startswith("km") else FONT
    lanes = _lanes(pathway, lang, pol)
    lane_of_step = {step_id: lane for lane in lanes for step_id in lane.nodes}
    hidden_steps = {step_id for lane in lanes if lane.restricted for step_id in lane.nodes}
    by_step, by_transition, rest = findings_by(findings or ())
    sim = simulation_dict(simulation) if simulation is not None else None
    visits, waits = read_simulation(sim) if sim is not None else ({}, {})
    max_wait = max(waits.values(), default=0.0)
    saturated = saturation_by_role(sim) if sim is not None else {}

    deadlines = _deadline_lines(pathway, lang)
    nodes: list[Node] = []
    for step in pathway.steps:
        role = pathway.roles_by_id.get(step.role or "")
        role_title = ""
        if role is not None and step.id not in hidden_steps:
            role_title = label_text(role.title, lang, locales)
        codes, severity = mark(by_step.get(step.id, ()))
        titles = _titles(by_step.get(step.id, ()), codes, lang)
        heat: int | None = None
        stats: list[str] = []
        wait = waits.get(step.role or "")
        if wait is not None:
            share = wait / max_wait if max_wait > 0 else 0.0
            heat = 0 if wait <= 0 else 1 + min(len(HEAT) - 2, int(share * (len(HEAT) - 1)))
            stats.append(tr("wait {time}", lang).format(time=human_hours(wait, lang)))
        if step.id in visits:
            stats.append(tr("{n} visits", lang).format(n=f"{visits[step.id]:,.0f}"))
        level, alert = "", ""
        if wait is not None and step.role in saturated:
            level, alert = _saturation_alert(saturated[step.role], lang)
        nodes.append(
            Node(
                id=step.id,
                label=pathway.label(step.id, lang),
                kind=step.kind,
                lane=lane_of_step[step.id].key if step.id in lane_of_step else None,
                role=role_title,
                badges=tuple(tag for tag in BADGE_TAGS if tag in step.tags),
                deadlines=tuple(deadlines.get(step.id, ())),
                codes=codes,
                severity=severity,
                heat=heat,
                stats=" · ".join(stats),
                titles=titles,
                saturation=level,
                alert=alert,
            )
        )

    flows, declined = transition_flows(pathway, sim, visits) if sim is not None else ([], None)
    top = max(flows, default=0.0)
    edges: list[Edge] = []
    known = pathway.steps_by_id
    field_names = pathway.field_labels(lang)
    value_names = pathway.value_labels(lang)
    for i, t in enumerate(pathway.transitions):
        if t.source not in known or t.to not in known:
            continue
        lines = _edge_lines(t, lang, locales, _leaves_fork(pathway, t), field_names, value_names)
        weight: float | None = None
        if flows:
            weight = flows[i] / top if top > 0 else 0.0
            lines.append(tr("≈ {n} cases", lang).format(n=f"{flows[i]:,.0f}"))
        codes, severity = mark(by_transition.get(i, ()))
        titles = _titles(by_transition.get(i, ()), codes, lang)
        edges.append(
            Edge(t.source, t.to, t.kind, tuple(lines), i, codes, severity, weight, titles=titles)
        )
    for i, t in enumerate(pathway.transitions):
        if t.kind == "referral" and t.on_reject and t.source in known and t.on_reject in known:
            lines = [tr("if declined", lang)]
            weight = None
            if declined is not None:
                weight = declined[i] / top if top > 0 else 0.0
                lines.append(tr("≈ {n} declined", lang).format(n=f"{declined[i]:,.0f}"))
            edges.append(Edge(t.source, t.on_reject, "fallback", tuple(lines), i, weight=weight))

    since_version = ""
    if since is not None:
        lanes, nodes, edges = _changes_overlay(
            pathway, since, dict(renames or {}), reader, lang, lanes, nodes, edges
        )
        since_version = since.version

    title = label_text(pathway.title, lang, locales) or pathway.id
    readers = tr(_READERS[reader.value], lang)
    subtitle = f"{pathway.id} {pathway.version} · {readers}"
    # Findings built from the view (as the CLI and the report build them) name only what the
    # reader may see; a caller's findings of the pathway itself may not, and are withheld.
    words = CaseWords.of(pathway, lang)
    notes = tuple(
        (
            f.severity.value,
            f"{f.code} {finding_words(f, lang, words)}"
            if not any(secret in f.message for secret in secret_texts)
            else f"{f.code} {tr(_WITHHELD, lang).format(readers=readers)}",
        )
        for f in rest
        if f.severity.value != "info"
    )
    sectors = tuple(
        dict.fromkeys((lane.sector, lane.frame, lane.fill, lane.dashed) for lane in lanes)
    )
    return Diagram(
        id=pathway.id,
        title=title,
        subtitle=subtitle,
        lang=lang,
        font=font,
        lanes=tuple(lanes),
        nodes=tuple(nodes),
        edges=tuple(edges),
        notes=notes,
        findings=findings is not None,
        simulation=sim is not None,
        max_wait=max_wait,
        saturation=tuple(
            level for level in SATURATION_LEVELS if any(n.saturation == level for n in nodes)
        ),
        sectors=sectors,
        since=since_version,
    )


def _changes_overlay(
    pathway: Pathway,
    since: Pathway,
    rename: dict[str, str],
    reader: Visibility,
    lang: str | None,
    lanes: list[Lane],
    nodes: list[Node],
    edges: list[Edge],
) -> tuple[list[Lane], list[Node], list[Edge]]:
    """Mark what was added since ``since`` and add what was removed (from the reader's view of
    the earlier version: a removed step of a restricted agency is drawn in its anonymous lane).
    """
    from pathways.versions import transition_key

    old_policy = policy(since, reader)
    if not old_policy.pathway_visible:
        raise RenderError(
            f"the earlier version of {pathway.id!r} is for {since.visibility.value} readers; "
            f"compare at --visibility {since.visibility.value}"
        )
    old = view(since, reader)
    words = tr("new since {version}", lang).format(version=old.version)
    gone = tr("removed since {version}", lang).format(version=old.version)
    kept = {rename.get(s.id, s.id) for s in old.steps}
    nodes = [
        replace(n, change="added", stats=" · ".join(filter(None, (words, n.stats))))
        if n.id not in kept
        else n
        for n in nodes
    ]
    removed = [s for s in old.steps if s.id not in rename and s.id not in pathway.steps_by_id]
    lane_of_agency = {pathway.agency_of(lane.nodes[0]): i for i, lane in enumerate(lanes)}
    old_lanes = _lanes(old, lang, old_policy)
    lanes = list(lanes)
    old_deadlines = _deadline_lines(old, lang)
    for step in removed:
        agency = old.agency_of(step.id)
        key: str | None = None
        if agency in lane_of_agency:
            i = lane_of_agency[agency]
            lanes[i] = replace(lanes[i], nodes=(*lanes[i].nodes, step.id))
            key = lanes[i].key
        elif agency in old.agencies_by_id:
            source = next(lane for lane in old_lanes if step.id in lane.nodes)
            key = f"lane{len(lanes)}"
            lane_of_agency[agency] = len(lanes)
            lanes.append(replace(source, key=key, nodes=(step.id,)))
        role = old.roles_by_id.get(step.role or "")
        hidden = key is not None and lanes[lane_of_agency[agency]].restricted
        nodes.append(
            Node(
                id=step.id,
                label=old.label(step.id, lang),
                kind=step.kind,
                lane=key,
                role=label_text(role.title, lang, old.locales) if role and not hidden else "",
                badges=tuple(tag for tag in BADGE_TAGS if tag in step.tags),
                deadlines=tuple(old_deadlines.get(step.id, ())),
                stats=gone,
                change="removed",
            )
        )
    old_keys = {transition_key(t, rename) for t in old.transitions}
    new_keys = {transition_key(t, {}) for t in pathway.transitions}
    edges = [
        replace(e, change="added")
        if e.kind != "fallback"
        and e.transition is not None
        and transition_key(pathway.transitions[e.transition], {}) not in old_keys
        else e
        for e in edges
    ]
    drawn = {n.id for n in nodes}
    for t in old.transitions:
        key3 = transition_key(t, rename)
        if key3 in new_keys or key3[0] not in drawn or key3[1] not in drawn:
            continue
        lines = (
            *_edge_lines(
                t,
                lang,
                old.locales,
                _leaves_fork(old, t),
                old.field_labels(lang),
                old.value_labels(lang),
            ),
            gone,
        )
        edges.append(Edge(key3[0], key3[1], t.kind, lines, None, change="removed"))
    return lanes, nodes, edges


def light(
    diagram: Diagram,
    steps: Collection[str],
    transitions: Collection[int],
    fallbacks: Collection[int],
    facts: str,
) -> Diagram:
    """The diagram with a traced case's steps and transitions drawn bold and the rest greyed
    (:func:`pathways.trace.trace` gives the three collections; ``facts`` is for the legend)."""
    nodes = tuple(replace(node, lit=node.id in steps) for node in diagram.nodes)
    edges = tuple(
        replace(
            edge,
            lit=edge.transition is not None
            and edge.transition in (fallbacks if edge.kind == "fallback" else transitions),
        )
        for edge in diagram.edges
    )
    return replace(diagram, nodes=nodes, edges=edges, traced=facts or "-")
