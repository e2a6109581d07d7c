"""The bundled pathway library (``pathways/``) loads, checks clean, round-trips, draws, simulates.

Every file under ``pathways/`` is a real pathway that users copy, so each one must pass every
rule (infos allowed) on the reference date the contacts were checked against, and keep the
library's content conventions: ids that match the file, English and Khmer labels, no invented
phone numbers, one interview at most, a consent step and a supervisor-approved closure.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import pathways

TODAY = dt.date(2026, 11, 28)
PATHWAY_FILES = sorted(Path("pathways").rglob("*.yaml"))

# The only phone numbers the domain notes give (police 1288, Child Helpline 1280, APLE, ChildSafe).
KNOWN_NUMBERS = {"1288", "1280", "092 311 511", "012 311 112"}

files = pytest.mark.parametrize("path", PATHWAY_FILES, ids=[p.as_posix() for p in PATHWAY_FILES])


def test_the_library_is_bundled() -> None:
    """All seven Cambodian pathways of the domain notes are present."""
    stems = {p.stem for p in PATHWAY_FILES if p.parent.name == "kh"}
    assert stems >= {
        "csa-in-person",
        "online-csam-hotline",
        "sextortion-helpline",
        "tourism-staff-report",
        "school-disclosure",
        "compensation-claim",
        "cross-border-repatriation",
    }


@files
def test_loads(path: Path) -> None:
    """The file loads, and its id is the folder name and the file name joined by a dash."""
    p = pathways.load(path)
    assert p.id == f"{path.parent.name}-{path.stem}"
    assert p.file.endswith(path.name)


@files
def test_checks_clean(path: Path) -> None:
    """Every rule passes: no errors and no warnings (infos are allowed)."""
    p = pathways.load(path)
    findings = pathways.check(p, today=TODAY)
    serious = (pathways.Severity.ERROR, pathways.Severity.WARNING)
    bad = [f for f in findings if f.severity in serious]
    assert bad == [], "\n".join(str(f) for f in bad)


@files
def test_round_trips(path: Path) -> None:
    """Dumping and loading again gives an equal pathway, in YAML and in JSON."""
    p = pathways.load(path)
    assert pathways.loads(pathways.dump(p)) == p
    assert pathways.loads(pathways.dump(p, fmt="json")) == p


@files
def test_content_conventions(path: Path) -> None:
    """The library's content rules that no finding code covers."""
    p = pathways.load(path)
    assert p.locales == ("en", "km")
    assert p.visibility == "public"  # published examples; contacts keep their own levels
    assert p.sources, "every bundled pathway names its sources"
    assert p.policies.max_interviews == 1
    tags = [set(s.tags) for s in p.steps]
    assert sum("interview" in t for t in tags) <= 1, "one interview step at most"
    assert any("consent" in t for t in tags), "a consent step"
    closures = [s for s in p.steps if "closure" in s.tags]
    assert closures, "a closure step"
    for step in closures:
        assert step.role is not None
        role = p.roles_by_id[step.role]
        assert "supervisor" in role.id, f"closure {step.id!r} is approved by {role.id!r}"
    for agency in p.agencies:
        assert agency.contacts, f"agency {agency.id!r} has a contact"
        for contact in agency.contacts:
            if contact.channel in ("phone", "sms"):
                assert contact.value in KNOWN_NUMBERS, (
                    f"{agency.id}: {contact.value!r} is not a number from the domain notes"
                )


@files
def test_renders_svg(path: Path, tmp_path: Path) -> None:
    """The diagram renders to SVG, in English and in Khmer."""
    p = pathways.load(path)
    for lang in ("en", "km"):
        out = tmp_path / f"x-{lang}.svg"
        pathways.render(p, out, lang=lang)
        text = out.read_text(encoding="utf-8")
        assert "<svg" in text


@files
def test_simulates_without_stuck_cases(path: Path) -> None:
    """10,000 simulated cases all reach an outcome: no guard leaves a drawn case stuck."""
    p = pathways.load(path)
    result = pathways.simulate(p, cases=10_000, seed=0).to_dict()
    assert result["stuck"] == 0
    assert sum(o["count"] for o in result["outcomes"].values()) == 10_000
    assert result["interviews"]["max"] <= 1
