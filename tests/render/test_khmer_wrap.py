"""No Khmer word broken (issue 18: Khmer wrapped inside words, បុគ្គ/លិក).

The oracle is ICU's line breaker called here directly (icu4py), on the whole label, plus the
list of words that must stay whole; the checks read the wrapped lines and the SVG that the
real ``dot`` draws, not the wrapping code's own cut list.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from icu4py.breakers import LineBreaker

import pathways
from pathways.i18n import LOCALE_DIR
from pathways.linebreak import KEEP, ZWSP, hint
from pathways.render import render
from pathways.render._text import shorten, wrap

from ._helpers import BUNDLED, P1, SVG_NS, requires_dot

KHMER = re.compile(r"[\u1780-\u17ff]")
# Every Khmer string of a YAML file (quoted or plain scalars up to the end of the line).
KHMER_STRING = re.compile(r"[\u1780-\u17ff][^\n\"']*")


def _is_khmer(char: str) -> bool:
    return bool(KHMER.match(char))


@cache
def _oracle(text: str) -> frozenset[int]:
    """Offsets where a line may break in ``text``: ICU's, less those inside a KEEP word."""
    found = {end for _, end in LineBreaker(text, "km").segments()}
    for word in KEEP:
        for match in re.finditer(re.escape(word), text):
            found -= set(range(match.start() + 1, match.end()))
    return frozenset(found)


def _in_cluster(text: str, offset: int) -> bool:
    """A cut at ``offset`` would separate a letter from its signs or subscript (independent of
    ICU: a dependent sign or a coeng'd consonant cannot start a line)."""
    return unicodedata.category(text[offset]) in ("Mn", "Mc") or text[offset - 1] == "\u17d2"


def _labels(path: Path) -> list[str]:
    return sorted(
        {m.group(0).strip() for m in KHMER_STRING.finditer(path.read_text(encoding="utf-8"))}
    )


def _catalogue() -> list[str]:
    with (LOCALE_DIR / "km" / "LC_MESSAGES" / "pathways.po").open("rb") as handle:
        return [m.string for m in read_po(handle) if m.id and isinstance(m.string, str)]


def _cuts(text: str, lines: list[str]) -> list[int]:
    """Where ``lines`` (wrapped from ``text``) cut it between two non-space characters (a
    newline, in a help text of the command line, is a break of its own)."""
    cuts, at = [], 0
    for line in lines[:-1]:
        at = text.index(line, at) + len(line)
        if at < len(text) and not text[at].isspace() and not text[at - 1].isspace():
            cuts.append(at)
    return cuts


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_wrap_point_is_a_word_boundary(path: Path) -> None:
    """Every Khmer label of the bundled pathways, at the widths the diagram uses: every line
    is a piece of the label, every cut inside a Khmer run is an ICU word boundary."""
    labels = [label for label in _labels(path) if ZWSP not in label]
    checked = 0
    for label in labels:
        for width in (20, 26, 30, 36):
            lines = wrap(label, width)
            assert " ".join(lines).replace(" ", "") == label.replace(" ", "")
            for cut in _cuts(label, lines):
                assert not _in_cluster(label, cut), (label, cut)
                assert cut in _oracle(label), f"{label[:cut]}|{label[cut:]}"
                checked += 1
    assert checked > 0, "no label was cut inside a Khmer run: the test checks nothing"


def test_catalogue_strings_wrap_at_word_boundaries() -> None:
    for string in _catalogue():
        if not KHMER.search(string):
            continue
        for width in (20, 30):
            for cut in _cuts(string, wrap(string, width)):
                assert cut in _oracle(string), f"{string[:cut]}|{string[cut:]}"


def test_issue_example_and_words_icu_does_not_know_stay_whole() -> None:
    """The issue's example (បុគ្គលិក cut as បុគ្គ/លិក) and each KEEP word, at any width."""
    label = "បុគ្គលិកផ្នែកទទួលភ្ញៀវឃើញសញ្ញាព្រមាន"
    for width in range(4, 40):
        lines = wrap(label, width)
        assert "បុគ្គលិក" in lines[0]
        for word in KEEP:
            for line in wrap(f"កុមារ{word}កុមារ", width):
                assert KHMER.search(line)
            assert any(word in line for line in wrap(f"កុមារ{word}កុមារ", width))


def test_zero_width_space_is_a_break_hint_and_never_drawn() -> None:
    assert wrap(f"សមាហរណកម្ម{ZWSP}កុមារ", 12) == ["សមាហរណកម្ម", "កុមារ"]
    assert wrap(f"សមាហរណកម្ម{ZWSP}កុមារ", 40) == ["សមាហរណកម្មកុមារ"]
    assert wrap(f"reintegration{ZWSP}plan", 14) == ["reintegration", "plan"]
    assert hint("ការទទួលករណី") == f"ការ{ZWSP}ទទួល{ZWSP}ករណី"
    assert shorten("បុគ្គលិកផ្នែកទទួលភ្ញៀវឃើញសញ្ញាព្រមាន", 12) == "បុគ្គលិក…"


def test_english_wraps_as_before() -> None:
    text = "Social worker assessment: risk, needs and safety plan (within 72 hours)"
    assert wrap(text, 30) == [
        "Social worker assessment:",
        "risk, needs and safety plan",
        "(within 72 hours)",
    ]


def _groups(svg: bytes) -> list[list[str]]:
    """The text lines of each node, lane and edge of a Graphviz SVG, in drawing order."""
    root = ET.fromstring(svg)
    out = []
    for group in root.iter(f"{SVG_NS}g"):
        if group.get("class") in ("node", "cluster", "edge"):
            texts = [
                "".join(el.itertext()).replace("\xa0", " ").strip()
                for el in group.iter(f"{SVG_NS}text")
            ]
            out.append([t for t in texts if t])
    return out


@requires_dot
@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_rendered_svg_splits_no_word(path: Path, tmp_path: Path) -> None:
    """Real dot, --lang km: wherever two lines of one drawn text meet inside a Khmer run of a
    label (or of the tool's Khmer words), the meeting point is a word boundary."""
    p = pathways.load(path)
    svg = render(p, tmp_path / "km.svg", lang="km", findings=pathways.check(p)).read_bytes()
    assert ZWSP.encode() not in svg
    sources = [*_labels(path), *_catalogue()]
    checked = 0
    for lines in _groups(svg):
        for above, below in itertools.pairwise(lines):
            if not (_is_khmer(above[-1]) and _is_khmer(below[0])):
                continue
            for source in sources:
                at = source.find(above + below)
                if at >= 0:
                    cut = at + len(above)
                    assert not _in_cluster(source, cut), (above, below)
                    assert cut in _oracle(source), f"{above}|{below} in {source}"
                    checked += 1
                    break
    if path.stem == "csa-in-person":
        assert checked >= 5, "too few Khmer lines meet inside a label: the test checks nothing"


def test_report_hints_khmer_word_boundaries() -> None:
    """The HTML report: every Khmer text has a zero-width space at each word boundary (so any
    browser or printer wraps between words) and none inside a word."""
    from pathways.report import pathway_report

    page = pathway_report(pathways.load(P1), lang="km", simulation=False, diagram=False)
    texts = [t for t in re.split(r"<[^>]*>", page) if ZWSP in t]
    assert texts, "no Khmer text in the report carries a hint"
    for hinted in texts:
        plain = hinted.replace(ZWSP, "")
        at = 0
        for piece in hinted.split(ZWSP)[:-1]:
            at += len(piece)
            assert at in _oracle(plain), f"{plain[:at]}|{plain[at:]}"
