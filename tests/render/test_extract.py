"""The diagram model: lanes, labels, badges, deadlines, visibility and overlays."""

from __future__ import annotations

import re

import pytest

import pathways
from pathways.findings import Finding, Location, Severity
from pathways.render.extract import (
    KHMER_FONT,
    RESTRICTED_LANE,
    SECTOR_COLOURS,
    extract,
    wrap,
)

from ._helpers import P1, load, sim_json


@pytest.fixture(scope="module")
def p1() -> pathways.Pathway:
    return pathways.load(P1)


def test_one_lane_per_agency_grouped_by_sector(p1: pathways.Pathway) -> None:
    """Every agency with a step gets one lane; lanes of one sector sit next to each other."""
    d = extract(p1)
    assert sorted(lane.title for lane in d.lanes) == sorted(
        pathways.model.label_text(a.name, None, p1.locales) for a in p1.agencies
    )
    sectors = [lane.sector for lane in d.lanes]
    assert sectors == sorted(sectors, key=sectors.index)  # each sector is one run
    for lane in d.lanes:
        assert all(p1.agency_of(step) == lane_agency(p1, lane.nodes) for step in lane.nodes)
        assert lane.frame == SECTOR_COLOURS[lane.sector][0]


def lane_agency(p: pathways.Pathway, steps: tuple[str, ...]) -> str | None:
    agencies = {p.agency_of(s) for s in steps}
    assert len(agencies) == 1
    return agencies.pop()


def test_outcome_without_role_is_outside_lanes(p1: pathways.Pathway) -> None:
    """An outcome step has no role, so it is drawn outside every lane."""
    d = extract(p1)
    closed = next(n for n in d.nodes if n.id == "closed")
    assert closed.lane is None
    assert all("closed" not in lane.nodes for lane in d.lanes)


def test_badges_and_deadlines(p1: pathways.Pathway) -> None:
    """Safeguard tags become badges; a deadline is written at its target in hours."""
    nodes = {n.id: n for n in extract(p1).nodes}
    assert nodes["interview"].badges == ("interview",)
    assert nodes["medical_urgent"].badges == ("medical",)
    assert nodes["consent"].badges == ("consent",)
    assert nodes["trial"].badges == ("court",)
    assert nodes["medical_urgent"].deadlines == (
        "deadline PEP window: within 72 h (3 days) of entry",
    )
    assert (
        nodes["prosecutor_review"]
        .deadlines[0]
        .startswith("deadline Prosecutor review: within 48 h (2 days) of Police report")
    )
    assert nodes["prosecutor_review"].deadlines[0].endswith("(required)")


def test_edge_facts(p1: pathways.Pathway) -> None:
    """Edges carry guard, probability, delay and referral terms; fallbacks are extra edges."""
    d = extract(p1)
    edges = {(e.source, e.target, e.kind): e for e in d.edges}
    urgent = edges[("timing_check", "medical_urgent", "handoff")]
    assert urgent.lines == ("if hours since the incident is at most 72", "delay 2 h")
    assert edges[("consent", "consent_override", "internal")].lines == ("10%",)
    shelter = edges[("risk_assessment", "placement_shelter", "referral")]
    assert "referral · answer within 24 h (1 day) · 20% declined" in shelter.lines
    assert ("risk_assessment", "placement_kin", "fallback") in edges
    assert ("legal_referral", "investigation", "fallback") in edges


def test_a_forks_default_event_is_not_drawn(p1: pathways.Pathway) -> None:
    """The fork's exits carried the default event `tracks`, drawn as an English word in every
    language (the km drawing included); like `to_<step>` it is no longer drawn, while an event
    the file names still is."""
    for lang in (None, "km"):
        fork_exits = [e for e in extract(p1, lang=lang).edges if e.source == "start_tracks"]
        assert len(fork_exits) == 3
        assert all("tracks" not in e.lines for e in fork_exits)
    text = re.sub(
        r"(\n  - from: start_tracks\n    to: risk_assessment[^\n]*\n)",
        r"\1    event: safety_first\n",
        P1.read_text(encoding="utf-8"),
    )
    edges = {(e.source, e.target): e for e in extract(pathways.loads(text)).edges}
    assert "safety_first" in edges[("start_tracks", "risk_assessment")].lines


def test_khmer_labels_and_font(p1: pathways.Pathway) -> None:
    """lang='km' picks the Khmer labels and a Khmer font; a missing locale falls back."""
    d = extract(p1, lang="km")
    assert d.font == KHMER_FONT
    labels = {n.id: n.label for n in d.nodes}
    assert labels["closed"] == "បិទករណី"
    fallback = extract(p1, lang="fr")
    assert {n.id: n.label for n in fallback.nodes}["closed"] == "Case closed"


def test_khmer_wrap_never_splits_a_cluster() -> None:
    """Long Khmer words break between clusters, never before a vowel sign or subscript."""
    text = "អ្នកត្រួតពិនិត្យកត់ត្រាការសម្រេចបន្តដោយគ្មានការយល់ព្រម"
    lines = wrap(text, 12)
    assert "".join(lines) == text
    assert len(lines) > 1
    for line in lines[1:]:
        first = line[0]
        assert "\u1780" <= first <= "\u17a2", f"line starts inside a cluster: {line!r}"
    assert wrap("a supercalifragilisticexpialidocious word", 10)[1] == (
        "supercalifragilisticexpialidocious"
    )


def test_visibility_hides_agency_and_contacts() -> None:
    """An agency above the reader's level becomes an anonymous lane; contacts above it go."""
    p = load("restricted.yaml")
    public = extract(p, visibility="public")
    titles = [lane.title for lane in public.lanes]
    assert titles == ["Open Hotline", RESTRICTED_LANE, RESTRICTED_LANE]
    assert public.lanes[0].contacts == ("phone: PUBLIC-LINE-1111",)
    assert public.lanes[1].contacts == ()
    nodes = {n.id: n for n in public.nodes}
    assert nodes["shelter"].role == ""  # the role would name the agency's kind of work
    partners = extract(p, visibility="partners")
    # Lanes in the fixed sector order: hotline, health, ngo.
    assert [lane.title for lane in partners.lanes] == [
        "Open Hotline",
        "Partner Clinic",
        RESTRICTED_LANE,
    ]
    assert partners.lanes[0].contacts == (
        "phone: PUBLIC-LINE-1111",
        "phone: PARTNER-LINE-2222",
    )
    restricted = extract(p, visibility="restricted")
    assert RESTRICTED_LANE not in [lane.title for lane in restricted.lanes]
    with pytest.raises(ValueError, match="unknown visibility 'secret'"):
        extract(p, visibility="secret")


def _finding(code: str, severity: Severity, **where: object) -> Finding:
    return Finding(code, "rule", severity, "message", Location("f.yaml", 1, 1), **where)  # type: ignore[arg-type]


def test_findings_overlay(p1: pathways.Pathway) -> None:
    """Steps and transitions named by findings carry their codes and the worst severity."""
    found = [
        _finding("PW104", Severity.WARNING, step="interview"),
        _finding("PW301", Severity.ERROR, step="interview"),
        _finding("PW401", Severity.WARNING, step="timing_check", transition=6),
        _finding("PW203", Severity.ERROR),
        _finding("PW503", Severity.INFO, step="consent"),
    ]
    d = extract(p1, findings=found)
    nodes = {n.id: n for n in d.nodes}
    assert nodes["interview"].codes == ("PW104", "PW301")
    assert nodes["interview"].severity == "error"
    assert nodes["timing_check"].codes == ()  # the transition carries it, not the step
    assert (nodes["consent"].codes, nodes["consent"].severity) == ((), None)  # infos: not drawn
    edge = next(e for e in d.edges if e.transition == 6 and e.kind != "fallback")
    assert (edge.codes, edge.severity) == (("PW401",), "warning")
    assert d.notes == (("error", "PW203 message"),)


def test_simulation_overlay(p1: pathways.Pathway) -> None:
    """Mean role waits colour steps; visits times probability weighs edges."""
    wait = {"utilization": 0.0, "wait_hours_p90": 0.0}
    sim = sim_json(
        roles={
            "doctor": {"wait_hours_mean": 10.0, **wait},
            "social_worker": {"wait_hours_mean": 2.0, **wait},
        },
        steps={"consent": {"visits": 1000}, "consent_override": {"visits": 100}},
    )
    d = extract(p1, simulation=sim)
    nodes = {n.id: n for n in d.nodes}
    assert nodes["medical_urgent"].heat == 5  # the longest wait: the darkest colour
    assert nodes["consent"].heat is not None and nodes["consent"].heat < 5
    assert nodes["consent"].stats == "wait 2 h · 1,000 visits"
    assert nodes["closed"].heat is None
    edges = {(e.source, e.target): e for e in d.edges if e.kind != "fallback"}
    # P1 0.2.0: consent leads to start_tracks (the fork of the medical, police and social tracks).
    assert edges[("consent", "start_tracks")].weight == pytest.approx(1.0)
    assert edges[("consent", "consent_override")].weight == pytest.approx(0.1 / 0.9)
    assert "≈ 900 cases" in edges[("consent", "start_tracks")].lines


def test_simulation_edge_counts_win() -> None:
    """Counts per transition in the result are used as they are, and .to_dict() is read."""

    class Result:
        def to_dict(self) -> dict[str, object]:
            counts = [{"index": i, "count": c, "declined": 0} for i, c in ((0, 5), (1, 10))]
            return sim_json(transitions=counts)

    d = extract(load("restricted.yaml"), simulation=Result())
    weights = [e.weight for e in d.edges]
    assert weights == [0.5, 1.0, 0.0]


def test_simulation_transition_list_with_declines(p1: pathways.Pathway) -> None:
    """simulate's transitions list (index, count, declined) weighs edges and fallbacks."""
    n = len(p1.transitions)
    shelter = next(i for i, t in enumerate(p1.transitions) if t.to == "placement_shelter")
    counts = [{"index": i, "count": 100 if i == shelter else 50, "declined": 0} for i in range(n)]
    counts[shelter]["declined"] = 25
    d = extract(p1, simulation=sim_json(transitions=counts))
    edge = next(e for e in d.edges if e.transition == shelter and e.kind == "referral")
    fallback = next(e for e in d.edges if e.transition == shelter and e.kind == "fallback")
    assert edge.weight == 1.0
    assert fallback.weight == 0.25
    assert "≈ 25 declined" in fallback.lines


# A finding about the whole pathway whose message names the hidden agency of restricted.yaml.
_HIDDEN_AGENCY_FINDING = Finding(
    "PW206",
    "agency-without-contact",
    Severity.WARNING,
    "agency 'hidden_harbour' lists no contact",
    Location("f.yaml", 1, 1),
)


def test_file_level_finding_messages_do_not_leak_hidden_names() -> None:
    """A pathway-level finding that quotes a hidden agency is shown by code only."""
    p = load("restricted.yaml")
    found = [_finding("PW206", Severity.WARNING), _HIDDEN_AGENCY_FINDING]
    public = extract(p, visibility="public", findings=found)
    assert public.notes == (
        ("warning", "PW206 message"),
        ("warning", "PW206 (details withheld for public readers)"),
    )
    restricted = extract(p, visibility="restricted", findings=found)
    assert restricted.notes[1] == ("warning", "PW206 agency 'hidden_harbour' lists no contact")


def test_a_pathway_for_partners_is_not_drawn_for_the_public() -> None:
    """A pathway whose own `visibility` is above the requested one is refused, in every
    format, with a one-line RenderError naming the level to ask for."""
    import pytest

    import pathways as pw
    from pathways.model import Visibility
    from pathways.render import to_dot, to_mermaid

    p = pw.load("tests/render/data/restricted.yaml")
    p = p.model_copy(update={"visibility": Visibility.PARTNERS})
    for draw in (to_dot, to_mermaid):
        with pytest.raises(pw.RenderError, match="--visibility partners") as info:
            draw(p, visibility="public")
        assert "\n" not in str(info.value)
    assert to_mermaid(p, visibility="partners")


def test_simulation_json_is_checked_once_where_read(p1: pathways.Pathway) -> None:
    """A simulation that breaks the contract is refused with one line naming the key."""
    from pathways.errors import SimulationError

    doctor = {"wait_hours_mean": "long", "wait_hours_p90": 0.0, "utilization": 0.0}
    bad = sim_json(roles={"doctor": doctor})
    with pytest.raises(SimulationError, match=r"roles\.doctor\.wait_hours_mean: expected a number"):
        extract(p1, simulation=bad)
    with pytest.raises(SimulationError, match="format 'pathways-simulation/2'"):
        extract(p1, simulation=sim_json(format="pathways-simulation/2"))


def test_file_level_finding_notes_are_in_the_readers_language() -> None:
    """Issue 18: a km diagram's notes for findings about the whole pathway are in Khmer (were
    the rule's English message); an English drawing keeps it as written."""
    p = load("restricted.yaml")
    found = [_HIDDEN_AGENCY_FINDING]
    khmer = extract(p, visibility="restricted", findings=found, lang="km")
    assert khmer.notes == (("warning", "PW206 ស្ថាប័ន 'hidden_harbour' មិនមានព័ត៌មានទំនាក់ទំនងទេ"),)
    english = extract(p, visibility="restricted", findings=found)
    assert english.notes == (("warning", "PW206 agency 'hidden_harbour' lists no contact"),)
    public = extract(p, visibility="public", findings=found, lang="km")
    assert public.notes == (("warning", "PW206 (ព័ត៌មានលម្អិតត្រូវបានលាក់ សម្រាប់អ្នកអានសាធារណៈ)"),)


def test_a_note_names_its_witness_case_by_labels() -> None:
    """A drawing's note writes a finding's witness case by field labels, as validate's text,
    the report and diff do (the finding keeps the ids)."""
    stuck = Finding(
        "PW402",
        "guard-gap",
        Severity.ERROR,
        "no guard out of 'x' holds for hours_since_incident=49, so such a case is stuck",
        Location("f.yaml", 1, 1),
        case={"hours_since_incident": 49},
    )
    (note,) = extract(pathways.load(P1), findings=[stuck]).notes
    assert note == (
        "error",
        "PW402 no guard out of 'x' holds for hours since the incident = 49,"
        " so such a case is stuck",
    )
