"""Khmer line breaking: what ICU's word boundaries cost a drawing, and the segmenters side by side.

1. The bundled in-person pathway drawn in Khmer and in English (``to_dot``, no binary, and the
   SVG through ``dot``): the Khmer drawing segments every label with ICU, the English one never
   does, so the ratio is the price of wrapping at word boundaries.
2. Each segmenter that is importable in this environment (icu4py, PyICU, khmercut, khmer-nltk)
   on every Khmer string of the bundled pathways and the catalogue: time per string and how
   many of the domain words below each one splits. Only icu4py is a dependency; the others
   are measured when installed by hand (docs/languages.md has the figures of all four).

Run: ``python bench/bench_khmer.py``.
"""

from __future__ import annotations

import importlib
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import contextlib

from common import REPO, md_table, median_time

import pathways as pw
from pathways.i18n import LOCALE_DIR
from pathways.linebreak import breaks
from pathways.render import render, to_dot

# Single words (not compounds) of the bundled pathways that must never be split.
WORDS = [
    "កុមារ",
    "បុគ្គលិក",
    "នគរបាល",
    "តុលាការ",
    "សុវត្ថិភាព",
    "ហានិភ័យ",
    "សំណង",
    "នរណា",
    "អនឡាញ",
    "ព័ត៌មាន",
    "វេជ្ជសាស្ត្រ",
    "សម្ភាសន៍",
    "ការិយាល័យ",
    "សង្គមកិច្ច",
    "ក្រសួង",
    "ភស្តុតាង",
    "រាយការណ៍",
    "អនីតិជន",
    "សមាហរណកម្ម",
    "ឯកសារ",
    "ប្រឆាំង",
    "បច្ចេកវិទ្យា",
    "ចៅក្រម",
    "រដ្ឋប្បវេណី",
    "ណែនាំ",
    "ព្រមាន",
]


def strings() -> list[str]:
    found: set[str] = set()
    for path in sorted((REPO / "pathways").rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        found |= {m.group(0).strip() for m in re.finditer(r"[\u1780-\u17ff][^\n\"']*", text)}
    po = (LOCALE_DIR / "km" / "LC_MESSAGES" / "pathways.po").read_text(encoding="utf-8")
    found |= set(re.findall(r'msgstr "([^"]*[\u1780-\u17ff][^"]*)"', po))
    return sorted(found)


def segmenters() -> dict[str, Callable[[str], list[str]]]:
    out: dict[str, Callable[[str], list[str]]] = {}
    from icu4py.breakers import LineBreaker

    out["icu4py (ICU line breaker)"] = lambda s: list(LineBreaker(s, "km"))
    try:
        icu = importlib.import_module("icu")
        line = icu.BreakIterator.createLineInstance(icu.Locale("km"))

        def pyicu(s: str) -> list[str]:
            line.setText(s)
            ends = list(line)
            return [s[a:b] for a, b in zip([0, *ends], ends, strict=False)]

        out["PyICU (ICU line breaker)"] = pyicu
    except ImportError:
        pass
    for name, module, attr in (
        ("khmercut (CRF)", "khmercut", "tokenize"),
        ("khmer-nltk (CRF)", "khmernltk", "word_tokenize"),
    ):
        with contextlib.suppress(ImportError):
            out[name] = getattr(importlib.import_module(module), attr)
    return out


def split_words(pieces: list[str], text: str) -> int:
    cuts, at = set(), 0
    for piece in pieces[:-1]:
        at = text.index(piece, at) + len(piece) if piece.strip() else at
        cuts.add(at)
    count = 0
    for word in WORDS:
        for m in re.finditer(re.escape(word), text):
            count += any(m.start() < c < m.end() for c in cuts)
    return count


def main() -> None:
    p = pw.load(REPO / "pathways/kh/csa-in-person.yaml")
    out = Path(tempfile.mkdtemp())
    rows = []
    for what, run in (
        ("to_dot (no binary)", lambda lang: to_dot(p, lang=lang)),
        ("SVG through dot", lambda lang: render(p, out / f"{lang}.svg", lang=lang)),
    ):
        en = median_time(lambda run=run: run(None), repeats=7)
        km = median_time(lambda run=run: (breaks.cache_clear(), run("km")), repeats=7)
        rows.append([what, f"{en * 1e3:.1f} ms", f"{km * 1e3:.1f} ms", f"{km / en:.2f}x"])
    print("### csa-in-person drawn in English and in Khmer\n")
    print(md_table(["", "English", "Khmer (ICU wrapping)", "Khmer / English"], rows))

    texts = strings()
    rows = []
    for name, seg in segmenters().items():
        start = time.perf_counter()
        seg(texts[0])
        first = time.perf_counter() - start
        per = median_time(lambda seg=seg: [seg(s) for s in texts], repeats=3) / len(texts)
        split = sum(split_words(seg(s), s) for s in texts)
        occurrences = sum(len(re.findall(re.escape(w), s)) for s in texts for w in WORDS)
        rows.append(
            [name, f"{first * 1e3:.0f} ms", f"{per * 1e6:.0f} us", f"{split} of {occurrences}"]
        )
    print(f"\n### segmenters on {len(texts)} Khmer strings\n")
    print(md_table(["segmenter", "first call", "per string", "domain words split"], rows))


if __name__ == "__main__":
    main()
