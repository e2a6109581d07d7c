"""The Khmer interface of diagrams: the message catalogue is complete, a Khmer drawing has no
English words of the tool's own, guards read as sentences, --lang mistakes are caught."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import pathways
from pathways.cli import main
from pathways.i18n import LOCALE_DIR, check_lang, human_hours, tr
from pathways.messages import OMITTED
from pathways.render import render, to_dot
from pathways.render._words import guard_sentence

from ._helpers import BUNDLED, P1, requires_dot, svg_texts

SRC = Path(__file__).resolve().parents[2] / "src" / "pathways"
CATALOGUE = LOCALE_DIR / "km" / "LC_MESSAGES" / "pathways.po"

# ASCII that may stand in a Khmer drawing besides the file's own ids and data: finding codes
# and the typographic bits of the legend samples.
ALLOWED = {"PW"}


def _extracted() -> set[str]:
    found = extract_from_dir(
        str(SRC), keywords={"tr": None, "N_": None}, method_map=[("**.py", "python")]
    )
    return {message for _, _, message, _, _ in found if isinstance(message, str) and message}


def test_catalogue_is_complete_and_not_stale() -> None:
    """Every string marked with tr()/N_ in the source has a Khmer translation, and the
    catalogue holds no string the source no longer uses."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    translated = {m.id: m.string for m in catalogue if m.id}
    source = _extracted()
    assert source, "nothing extracted: the markers changed?"
    assert sorted(source - set(translated)) == []
    assert sorted(set(translated) - source) == []
    assert [m for m, s in translated.items() if not s] == []
    # Placeholders survive translation (but for the YAML parser's own words, which a
    # translation may leave out: pathways.messages.OMITTED).
    for message, string in translated.items():
        kept = set(re.findall(r"\{\w+\}", message)) - {f"{{{o}}}" for o in OMITTED}
        assert kept <= set(re.findall(r"\{\w+\}", string)) <= set(re.findall(r"\{\w+\}", message))
    # Marked for native review.
    assert "NEEDS NATIVE REVIEW" in CATALOGUE.read_text(encoding="utf-8")


@requires_dot
@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_khmer_drawing_has_no_english_words_of_the_tool(path: Path, tmp_path: Path) -> None:
    """Issue 18: `--lang km` was half English (legend, sector:, referral · answer within 1d,
    if declined, deadlines, tags, conditions). Every ASCII word drawn now comes from the file."""
    p = pathways.load(path)
    allowed = set(re.findall(r"[A-Za-z]+", path.read_text(encoding="utf-8"))) | ALLOWED
    svg = render(p, tmp_path / "km.svg", lang="km", findings=pathways.check(p)).read_bytes()
    words = {w for line in svg_texts(svg) for w in re.findall(r"[A-Za-z]+", line)}
    # A word of the tool's own would be one the file never uses (checked against English).
    english = set(re.findall(r"[A-Za-z]+", " ".join(_english_texts(p, tmp_path))))
    tools_own = english - allowed
    assert tools_own, "control: the English drawing has words of the tool's own"
    assert sorted(words & tools_own) == []


def _english_texts(p: pathways.Pathway, tmp_path: Path) -> list[str]:
    svg = render(p, tmp_path / "en.svg", findings=pathways.check(p)).read_bytes()
    return svg_texts(svg)


def test_guards_read_as_sentences() -> None:
    """Issue 18: raw guard syntax on edges; now a sentence, in English or Khmer."""
    assert guard_sentence("risk == 'high' and not abuse_suspected") == (
        "if risk is high and abuse_suspected is no"
    )
    assert guard_sentence("a or (b and c != 3)") == "if a is yes or (b is yes and c is not 3)"
    assert guard_sentence("x not in ['a', 'b']") == "if x is none of a, b"
    km = guard_sentence("risk == 'high' and age < 12", "km")
    assert km == "ប្រសិនបើ risk គឺ high និង age តិចជាង 12"
    source = to_dot(pathways.load(P1)).source
    assert " == " not in source and "&lt;=" not in source


def test_one_duration_format() -> None:
    """Issue 18: "72h" on the diagram, "within 3d" in the report; one format for people."""
    assert human_hours(72) == "72 h (3 days)"
    assert human_hours(24) == "24 h (1 day)"
    assert human_hours(1.5) == "1.5 h"
    assert human_hours(0.25) == "15 min"
    assert human_hours(5852.6) == "5,852.6 h (34.8 weeks)"
    source = to_dot(pathways.load(P1)).source
    assert "72 h (3 days)" in source and "72h" not in source


def test_lang_mistakes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 18: `--lang kh` silently gave English; `--lang km` on a file without Khmer labels
    said nothing. Now an error naming km, and a warning saying what falls back."""
    with pytest.raises(ValueError, match="did you mean km"):
        check_lang("kh", ("en", "km"))
    with pytest.raises(ValueError, match="did you mean en"):
        check_lang("eng", ("en",))
    assert check_lang("km", ("en", "km")) is None
    warning = check_lang("km", ("en",))
    # In the language asked for (the tool's words are Khmer even where the labels are not).
    assert warning is not None and "ប្រើ en ជំនួសវិញ" in warning
    english = check_lang("en-GB", ("km",))
    assert english is not None and "fall back to km" in english
    out = tmp_path / "p.dot"
    assert main(["render", str(P1), "-o", str(out), "--lang", "kh"]) == 2
    assert "did you mean km?" in capsys.readouterr().err
    assert not out.exists()
    assert tr("Legend", "km") != "Legend" and tr("Legend", "km-KH") == tr("Legend", "km")


@requires_dot
def test_sector_and_contact_words_are_in_the_language(tmp_path: Path) -> None:
    """A Khmer drawing wrote the built-in sector names ("វិស័យ៖ social", "ជួរ police" in the
    legend) and contact channels ("office: provincial office") in English: words of the
    format, not of the file's author; the outputs test let them through because the file
    spells them. Now the catalogue's; English unchanged; a sector the file declares stays as
    written."""
    p = pathways.load(P1)
    km = svg_texts(render(p, tmp_path / "km.svg", lang="km").read_bytes())
    en = svg_texts(render(p, tmp_path / "en.svg").read_bytes())
    assert "sector: social" in en and "office: provincial office" in en
    sectors = {"community", "police", "social", "health", "justice", "ngo"}
    for line in km:
        words = set(re.findall(r"[A-Za-z]+", line))
        assert not (words & sectors) or "://" in line, line
        assert not re.match(r"(office|phone|web|email|sms|address):", line), line
    assert tr("sector: {sector}", "km").format(sector=tr("social", "km")) in km
    assert any(line.startswith(tr("office", "km") + ": ") for line in km)
    from pathways.render.extract import sector_word

    assert sector_word("transport", "km") == "transport"
