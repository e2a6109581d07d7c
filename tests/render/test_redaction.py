"""Redaction at every visibility level, in every text format, findings included.

A finding's message may quote a contact (a stale phone number, say). The diagram lists the
findings, so a message that quotes anything above the reader's level must be withheld, even
when the agency itself is visible: the restricted line of a visible hotline is the case that
once leaked (`RESTRICTED-LINE-3333` at the partners level).
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest

import pathways
from pathways.findings import Finding, Location, Severity
from pathways.render import render, to_dot, to_mermaid

from ._helpers import HERE, load

# What each level may see of tests/render/data/restricted.yaml, written out by hand.
LEVELS = ("public", "partners", "restricted")
SEEN_FROM = {  # text -> the lowest level allowed to read it
    "PUBLIC-LINE-1111": "public",
    "PARTNER-LINE-2222": "partners",
    "RESTRICTED-LINE-3333": "restricted",  # a restricted contact of a public agency
    "Hidden Harbour Safehouse": "restricted",  # a restricted agency ...
    "hidden_harbour": "restricted",
    "Harbour Keeper": "restricted",  # ... its role
    "HARBOUR-PUBLIC-4444": "restricted",  # ... and its public contact
    "Partner Clinic": "partners",
    "partner_clinic": "partners",
    "Clinic Nurse": "partners",
}
RANK = {level: i for i, level in enumerate(LEVELS)}


def _finding(number: int, quoted: str) -> Finding:
    return Finding(
        code="PW502",
        rule="stale-contact",
        severity=Severity.WARNING,
        message=f"check {number}: the contact {quoted} has not been confirmed this year",
        location=Location("restricted.yaml", 1, 1),
    )


FINDINGS = [_finding(i, text) for i, text in enumerate(SEEN_FROM)]


def _outputs(level: str, tmp_path: Path) -> dict[str, str]:
    p = load("restricted.yaml")
    out = {
        ".dot": to_dot(p, visibility=level, findings=FINDINGS).source,
        ".mmd": to_mermaid(p, visibility=level, findings=FINDINGS),
    }
    svg = render(p, tmp_path / "r.svg", visibility=level, findings=FINDINGS)
    # SVG writes '-' as '&#45;': compare the text with every character reference resolved.
    out[".svg"] = html.unescape(svg.read_text(encoding="utf-8"))
    return out


@pytest.mark.usefixtures("graphviz_dot")
@pytest.mark.parametrize("level", LEVELS)
def test_each_level_sees_exactly_what_it_may(level: str, tmp_path: Path) -> None:
    """Nothing above the level appears (diagram or findings); in DOT and SVG, a finding that
    quotes only what the level may read is shown in full, one that quotes more is withheld."""
    for suffix, text in _outputs(level, tmp_path).items():
        for secret, lowest in SEEN_FROM.items():
            if RANK[lowest] > RANK[level]:
                assert secret not in text, f"{secret!r} leaked into {suffix} at {level}"
        if suffix == ".mmd":  # Mermaid output lists no findings
            continue
        for number, (quoted, lowest) in enumerate(SEEN_FROM.items()):
            shown = f"check {number}: the contact {quoted}"
            if RANK[lowest] <= RANK[level]:
                assert shown in text, f"finding {number} withheld from {level} in {suffix}"
            else:
                assert f"check {number}:" not in text, f"finding {number} shown at {level}"
        assert "PUBLIC-LINE-1111" in text


def test_names_in_every_language_are_withheld() -> None:
    """A hidden agency or role named in several languages: a finding quoting the Khmer name
    is withheld as the English one is (names as locale maps are secrets too)."""
    text = (HERE / "data" / "restricted.yaml").read_text(encoding="utf-8")
    text = text.replace("locales: [en]", "locales: [en, km]")
    text = text.replace(
        "name: Hidden Harbour Safehouse", "name: {en: Hidden Harbour Safehouse, km: ផ្ទះសុវត្ថិភាព}"
    )
    text = text.replace("title: Harbour Keeper}", "title: {en: Harbour Keeper, km: អ្នកថែរក្សាផ្ទះ}}")
    p = pathways.loads(text, "restricted-km.yaml")
    quoted = [_finding(0, "ផ្ទះសុវត្ថិភាព"), _finding(1, "អ្នកថែរក្សាផ្ទះ")]
    for level in ("public", "partners"):
        for lang in ("en", "km"):
            source = to_dot(p, visibility=level, findings=quoted, lang=lang).source
            assert "ផ្ទះសុវត្ថិភាព" not in source and "អ្នកថែរក្សាផ្ទះ" not in source, (level, lang)
    source = to_dot(p, visibility="restricted", findings=quoted).source
    assert "check 0: the contact ផ្ទះសុវត្ថិភាព" in source
