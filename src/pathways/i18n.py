"""The tool's own words in the reader's language: a gettext message catalogue (Babel).

Every string pathways writes for people goes through :func:`tr` with the reader's ``lang``:
``tr("Legend", "km")``. The catalogue is ``src/pathways/locale/LANG/LC_MESSAGES/pathways.po``;
``make setup`` compiles it to ``pathways.mo`` (``pybabel compile``), and a checkout without
the compiled file still works: the ``.po`` is then compiled in memory with Babel on first use.
Extraction (``pybabel extract -k tr -k N_``) and a test keep the catalogue complete.

The Khmer translations were written without a native speaker and are marked for native review
in the catalogue's header; ids, numbers and the file's own labels are never translated here.

Examples
--------
>>> from pathways.i18n import tr, check_lang
>>> tr("Legend", "km")
'ការពន្យល់សញ្ញា'
>>> tr("Legend", None)
'Legend'
>>> check_lang("kh", ("en", "km"))
Traceback (most recent call last):
...
ValueError: unknown language 'kh'; did you mean km? (kh is Cambodia's country code; Khmer is km)
"""

from __future__ import annotations

import difflib
import functools
import io
from collections.abc import Iterable, Sequence
from gettext import GNUTranslations, NullTranslations
from pathlib import Path

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "check_lang",
    "closest",
    "counted",
    "did_you_mean",
    "human_hours",
    "tr",
]

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "pathways"

LANGUAGES = ("en", "km")
"""Languages the tool's own words are written in (English is the source language)."""

_MISTAKES = {"kh": "km", "khm": "km", "cam": "km", "eng": "en", "english": "en", "khmer": "km"}
_WHY = {"kh": " (kh is Cambodia's country code; Khmer is km)"}


def N_(message: str) -> str:
    """Mark a string for the catalogue without translating it here."""
    return message


def _code(lang: str | None) -> str:
    return (lang or "en").replace("_", "-").split("-")[0].lower()


@functools.cache
def _catalogues() -> frozenset[str]:
    """The languages with a catalogue folder under :data:`LOCALE_DIR`."""
    try:
        return frozenset(p.name for p in LOCALE_DIR.iterdir() if p.is_dir())
    except OSError:  # pragma: no cover - an installation without its locale folder
        return frozenset()


@functools.cache
def _translations(code: str) -> NullTranslations:
    # Only a language with a catalogue folder is looked up: the code comes from the user
    # (--lang, PATHWAYS_LANG, a file's locales), and as a path part a 300-character code is
    # an OSError ('File name too long'), a NUL a ValueError, '../..' a folder elsewhere.
    if code == "en" or code not in _catalogues():
        return NullTranslations()
    mo = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
    po = mo.with_suffix(".po")
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return GNUTranslations(handle)
    if po.is_file():
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with po.open("rb") as handle:
            catalog = read_po(handle, locale=code, domain=DOMAIN)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return GNUTranslations(buffer)
    return NullTranslations()


def tr(message: str, lang: str | None) -> str:
    """``message`` in ``lang`` (the English text where the catalogue has none)."""
    return _translations(_code(lang)).gettext(message)


def closest(word: str, options: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The option most like ``word`` (:func:`difflib.get_close_matches`: a similarity ratio of
    at least ``cutoff``, upper and lower case told apart), else None: the guess of every 'did
    you mean' the tool writes.

    >>> closest("hihg", ["low", "medium", "high"])
    'high'
    >>> closest("severe", ["low", "medium", "high"]) is None
    True
    """
    found = difflib.get_close_matches(word, list(options), n=1, cutoff=cutoff)
    return found[0] if found else None


def did_you_mean(word: str, options: Iterable[str], *, cutoff: float = 0.6) -> str:
    """``"; did you mean 'x'?"`` with the option closest to ``word`` (:func:`closest`) quoted
    as Python writes it (``!r``), else ``""``: the site adds its own fallback (``or ...``).

    The clause is English, as the message it ends: the catalogue's whole-message templates
    end in ``; did you mean {guess}?`` (:mod:`pathways.messages`), and the message is put in
    the reader's language whole when it is shown, so the words here stay as they are. A
    message made in the reader's language at once puts :func:`closest` in its template.

    >>> did_you_mean("docter", ["doctor", "police"])
    "; did you mean 'doctor'?"
    >>> did_you_mean("docter", [])
    ''
    """
    guess = closest(word, options, cutoff=cutoff)
    return "" if guess is None else f"; did you mean {guess!r}?"


def check_lang(lang: str | None, locales: Sequence[str] = ()) -> str | None:
    """Check a ``--lang`` value; return a warning when the file has no labels in it.

    Raises ValueError for a language neither the tool nor the file knows, suggesting the right
    code (``kh`` -> ``km``).
    """
    if lang is None:
        return None
    known = dict.fromkeys([*LANGUAGES, *locales])
    code = lang.strip()
    if code not in known and _code(code) not in known:
        guess = _MISTAKES.get(code.lower())
        if guess is None:
            guess = closest(code.lower(), known, cutoff=0.5)
        hint = f"; did you mean {guess}?{_WHY.get(code.lower(), '')}" if guess else ""
        choices = "" if guess else f"; use one of {', '.join(known)}"
        raise ValueError(f"unknown language {lang[:40]!r}{hint}{choices}")
    if locales and _code(code) not in {_code(locale) for locale in locales}:
        if _code(code) in LANGUAGES:
            words = tr(
                "the file has no {code} labels (its locales: {locales}): its labels fall back "
                "to {first}; the tool's own words are in it",
                code,
            )
        else:
            words = tr(
                "the file has no {code} labels (its locales: {locales}): its labels fall back "
                "to {first}; so are the tool's own words",
                code,
            )
        return words.format(code=code, locales=", ".join(locales), first=locales[0])
    return None


def human_hours(hours: float, lang: str | None = None) -> str:
    """One duration format for people: hours, with days or weeks beside long times.

    Examples
    --------
    >>> from pathways.i18n import human_hours
    >>> human_hours(72), human_hours(2), human_hours(0.5), human_hours(336)
    ('72 h (3 days)', '2 h', '30 min', '336 h (2 weeks)')
    >>> human_hours(72, "km")
    '72 ម៉ោង (3 ថ្ងៃ)'
    """
    if hours < 1:
        return tr("{n} min", lang).format(n=_number(hours * 60))
    text = tr("{n} h", lang).format(n=_number(hours))
    if hours >= 24 * 14:
        return text + " (" + tr("{n} weeks", lang).format(n=_number(hours / 168)) + ")"
    if hours >= 24:
        days = _number(hours / 24)
        unit = tr("{n} day", lang) if days == "1" else tr("{n} days", lang)
        return text + " (" + unit.format(n=days) + ")"
    return text


_COUNTED = {
    ("error", False): N_("{n} error"),
    ("error", True): N_("{n} errors"),
    ("warning", False): N_("{n} warning"),
    ("warning", True): N_("{n} warnings"),
    ("note", False): N_("{n} info note"),
    ("note", True): N_("{n} info notes"),
    ("file", False): N_("{n} file"),
    ("file", True): N_("{n} files"),
    ("pathway", False): N_("{n} pathway"),
    ("pathway", True): N_("{n} pathways"),
}


def counted(number: int, word: str, lang: str | None = None) -> str:
    """The count and its word, singular only for one: "1 error", "2 errors", "0 info notes"; in
    ``lang`` for the words of the catalogue (error, warning, note, file, pathway).

    Findings of severity ``info`` are counted as "info notes": the text line of such a finding
    says ``[info]`` (the severity value of the format, as JSON and ``rules.severity`` write
    it), so the count names the same word.

    Examples
    --------
    >>> from pathways.i18n import counted
    >>> counted(1, "error"), counted(2, "error"), counted(0, "note")
    ('1 error', '2 errors', '0 info notes')
    >>> counted(2, "error", "km")
    'កំហុស 2'
    """
    template = _COUNTED.get((word, number != 1))
    if template is not None:
        return tr(template, lang).format(n=f"{number:,}")
    return f"{number:,} {word}" if number == 1 else f"{number:,} {word}s"


def _number(value: float) -> str:
    rounded = round(value, 1)
    return f"{rounded:,.0f}" if rounded == int(rounded) else f"{rounded:,.1f}"
