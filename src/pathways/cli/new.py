"""``pathways new FILE``: a commented starter pathway that validates clean and simulates."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from pathways.cli._app import app
from pathways.cli._io import output_problem
from pathways.i18n import N_

__all__ = ["STARTER", "starter"]

STARTER = """\
{c_intro}
format: pathways/1
id: {id}
version: 0.1.0
title: {title}
locales: {locales}
{sectors}
{c_agencies}
agencies:
  - id: {intake_id}
    name: {intake}
    sector: {intake_sector}
    contacts: [{{channel: phone, value: {phone}, hours: "24/7", visibility: public}}]
{lead_agency}
{c_roles}
roles:
  - {{id: receiver, agency: {intake_id}, title: {l_receiver}, capacity: 4}}
  - {{id: case_worker, agency: {lead_id}, title: {l_case_worker}, capacity: 10}}

{c_fields}
case_fields:
  risk: {{type: enum, values: [low, high], label: {l_risk}, description: {d_risk}}}

{c_steps}
steps:
  - {{id: report, kind: entry, role: receiver, label: {l_report}, duration: 30m}}
  - id: consent
    role: receiver
    label: {l_consent}
    tags: [consent]
    duration: 15m
  - {{id: assessment, kind: decision, role: case_worker, label: {l_assessment}, duration: 1d}}
  - {{id: safety_plan, role: case_worker, label: {l_safety_plan}, duration: 4h}}
  - {{id: follow_up, role: case_worker, label: {l_follow_up}, duration: 2h}}
  - {{id: closed, kind: outcome, label: {l_closed}}}

{c_transitions}
transitions:
  - {{from: report, to: consent}}
  - from: consent
    to: assessment
    kind: {handover}
{referral}  - {{from: assessment, to: safety_plan, when: "risk == 'high'"}}
  - {{from: assessment, to: follow_up, when: "risk == 'low'"}}
  - {{from: safety_plan, to: follow_up}}
  - {{from: follow_up, to: closed}}

{c_deadlines}
deadlines:
  - {{id: assessed-in-3-days, to: assessment, within: 3d, label: {l_deadline}}}

{c_simulation}
simulation:
  arrivals_per_day: 2
  population:
    risk: {{choice: {{low: 3, high: 1}}}}
"""
"""The starter file; `{...}` are filled by :func:`starter` (comments and labels in the
chosen language: :data:`COMMENTS`, :data:`LABELS`)."""

COMMENTS = {
    "c_intro": N_(
        "A starter referral pathway written by `pathways new`. Edit it with your working group:\n"
        "every line below is an example to replace. Check it with `pathways validate {file}`,\n"
        "draw it with `pathways render {file} -o {stem}.pdf`, see how long cases take with\n"
        "`pathways simulate {file}`, and keep it checked and drawn while you edit with\n"
        "`pathways watch {file} -o {stem}.svg`."
    ),
    "c_agencies": N_(
        "The organisations taking part, each in a sector (hotline, social, police, health, "
        "justice,\nngo, community, ...). Contacts are drawn for partners; `visibility: public` "
        "for everyone."
    ),
    "c_roles": N_(
        "The jobs responsible for steps. `capacity`: how many cases one person handles at once\n"
        "(what `pathways simulate` queues on)."
    ),
    "c_fields": N_(
        "What is known about a case; conditions (`when:`) may only use these fields, by name.\n"
        "Readers see the `label` (in trace, the report and the diagram's conditions)."
    ),
    "c_steps": N_(
        "The stages a case moves through: an entry, actions, a decision, an outcome. Write "
        "every\nduration with its unit: 30m, 2h, 3d, 2w (a bare 3 is a finding: 3 what?)."
    ),
    "c_transitions": N_(
        "How a case moves. A referral to another agency says by when it must answer and where "
        "the\ncase goes if it is declined; a condition is written on case fields."
    ),
    "c_deadlines": N_(
        "Time limits: the checks look for routes that cannot meet them, the simulation counts "
        "misses."
    ),
    "c_simulation": N_(
        "What `pathways simulate` draws: how many reports arrive and what cases are like."
    ),
}
"""The starter file's comments (each line becomes a ``# `` line)."""

LABELS = {
    "l_receiver": N_("Person who receives the report"),
    "l_case_worker": N_("Case worker"),
    "l_report": N_("Report received"),
    "l_consent": N_("Consent to refer asked"),
    "l_assessment": N_("Risk assessment"),
    "l_safety_plan": N_("Safety plan with the family"),
    "l_follow_up": N_("Follow-up visit"),
    "l_closed": N_("Case closed"),
    "l_deadline": N_("Risk assessed within 3 days"),
    "l_risk": N_("risk level"),
}
"""The starter file's example labels: English, and beside it the chosen language's."""

_WORDS = {
    "d_risk": N_("The case worker's risk level."),
    "phone": N_("(phone number)"),
    "office": N_("(office address)"),
    "hours": N_("office hours"),
}
"""Other example text of the starter file, in the chosen language only."""

_DEFAULTS = {
    "title": N_("My referral pathway"),
    "intake": N_("Child helpline"),
    "lead": N_("Social affairs office"),
}
"""The example names (what a coordinator who answers nothing gets)."""

_LEAD = """\
  - id: {lead_id}
    name: {lead}
    sector: {lead_sector}
    contacts: [{{channel: office, value: {office}, hours: {hours}}}]
"""
_REFERRAL = """\
    response_within: 1d
    on_reject: closed
    decline_probability: 0.1
"""


def _quoted(text: str) -> str:
    """A YAML double-quoted string (JSON's escapes, and any character that is not printable
    written as an escape, so no line break or control character reaches the file)."""
    body = json.dumps(text, ensure_ascii=False)
    return "".join(
        ch
        if ch.isprintable()
        else f"\\u{ord(ch):04x}"
        if ord(ch) < 0x10000
        else f"\\U{ord(ch):08x}"
        for ch in body
    )


def _slug(text: str, fallback: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60].strip("-") or fallback


def starter(
    file: str = "pathway.yaml",
    *,
    title: str = _DEFAULTS["title"],
    ident: str | None = None,
    intake: str = _DEFAULTS["intake"],
    intake_sector: str = "hotline",
    lead: str = _DEFAULTS["lead"],
    lead_sector: str = "social",
    lang: str | None = None,
) -> str:
    """The text of a starter pathway (validates with no findings; simulates).

    With ``lang`` (``km``), its comments are in that language and its example labels in it
    and in English (``locales: [km, en]``), where the catalogue translates them.

    >>> import pathways
    >>> p = pathways.loads(starter(title="Helpline pathway"))
    >>> p.id, [a.id for a in p.agencies], pathways.check(p)
    ('helpline-pathway', ['child-helpline', 'social-affairs-office'], [])
    """
    from pathways.model import BUILTIN_SECTORS

    # Quoted, so an id such as 0 or no stays text in YAML.
    intake_id = json.dumps(_slug(intake, "intake"))
    lead_id = json.dumps(_slug(lead, "lead"))
    one_agency = lead_id == intake_id
    extra = [s for s in dict.fromkeys((intake_sector, lead_sector)) if s not in BUILTIN_SECTORS]
    from pathways.i18n import tr

    code = None if (lang or "en").split("-")[0].lower() == "en" else lang

    def label(english: str) -> str:
        """The label: English alone, or the language's translation first and English."""
        translated = tr(english, code)
        if code is None or translated == english:
            return json.dumps(english, ensure_ascii=False)
        return f"{{{code}: {_quoted(translated)}, en: {_quoted(english)}}}"

    def name(value: str, default: str) -> str:
        """A name the coordinator typed, or the example name in both languages."""
        if code is not None and value in (default, tr(default, code)):
            return label(default)
        return _quoted(value)

    def comment(key: str) -> str:
        text = tr(COMMENTS[key], code).format(file=file, stem=Path(file).stem)
        return "\n".join(f"# {line}".rstrip() for line in text.splitlines())

    words = {key: _quoted(tr(text, code)) for key, text in _WORDS.items()}
    return STARTER.format(
        **{key: comment(key) for key in COMMENTS},
        **{key: label(text) for key, text in LABELS.items()},
        d_risk=words["d_risk"],
        phone=words["phone"],
        id=json.dumps(ident or _slug(title, "my-pathway")),
        title=name(title, _DEFAULTS["title"]),
        locales=f"[{code}, en]" if code is not None else "[en]",
        sectors=f"sectors: {json.dumps(extra)}\n" if extra else "",
        intake_id=intake_id,
        intake=name(intake, _DEFAULTS["intake"]),
        intake_sector=json.dumps(intake_sector),
        lead_agency=""
        if one_agency
        else _LEAD.format(
            lead_id=lead_id,
            lead=name(lead, _DEFAULTS["lead"]),
            lead_sector=json.dumps(lead_sector),
            office=words["office"],
            hours=words["hours"],
        ),
        lead_id=lead_id,
        handover="internal" if one_agency else "referral",
        referral="" if one_agency else _REFERRAL,
    )


HELP_NEW = N_(
    """Write a commented starter pathway to edit: two agencies, a referral, a decision, a
deadline and simulation settings. It validates with no findings and simulates. Asks a few
questions when run in a terminal (the options answer them ahead).

Examples:

  pathways new pathway.yaml

  pathways new school.yaml --title "School disclosure" --no-input

  pathways new pathway.yaml --lang km"""
)


@app.command("new", help=HELP_NEW)
def new(
    path: Annotated[
        Path, typer.Argument(help=N_("The file to write, e.g. pathway.yaml."), show_default=False)
    ],
    title: Annotated[
        str | None, typer.Option(help=N_("What the pathway is called."), show_default=False)
    ] = None,
    ident: Annotated[
        str | None,
        typer.Option(
            "--id",
            help=N_("Short id: a-z, 0-9 and - (default: from the title)."),
            show_default=False,
        ),
    ] = None,
    intake: Annotated[
        str | None,
        typer.Option(help=N_("The agency that receives reports."), show_default=False),
    ] = None,
    intake_sector: Annotated[
        str | None, typer.Option(help=N_("Its sector, e.g. hotline or police."), show_default=False)
    ] = None,
    lead: Annotated[
        str | None,
        typer.Option(help=N_("The agency that leads the case work."), show_default=False),
    ] = None,
    lead_sector: Annotated[
        str | None, typer.Option(help=N_("Its sector, e.g. social or ngo."), show_default=False)
    ] = None,
    no_input: Annotated[
        bool,
        typer.Option(
            "--no-input",
            help=N_("Ask nothing: what the options leave out takes the example values."),
        ),
    ] = False,
    force: Annotated[bool, typer.Option("--force", help=N_("Replace FILE if it exists."))] = False,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help=N_(
                "Language of the questions, the messages and the starter file: its comments, "
                "and its example labels beside the English ones, e.g. km."
            ),
            show_default=False,
        ),
    ] = None,
) -> int:
    from pathways.cli._common import Usage, usage_error, warn_lang
    from pathways.errors import LoadError
    from pathways.i18n import counted, tr
    from pathways.load import load
    from pathways.messages import usage_message

    try:
        warn_lang(lang)
    except Usage as exc:
        return usage_error(exc, lang)

    def error(message: str) -> None:
        typer.echo(tr("error: {message}", lang).format(message=message), err=True)

    if _not_utf8(str(path)):
        error(_not_text_words(lang).format(option="FILE", value=repr(str(path))))
        return 2
    problem = output_problem(path)  # first: it stats the path without raising
    if problem is not None:
        error(usage_message(problem, lang))
        return 2
    if path.exists() and not force:
        error(tr("{path} exists; pass --force to replace it", lang).format(path=repr(str(path))))
        return 2
    ask = not no_input and sys.stdin.isatty()

    def answer(value: str | None, question: str, default: str) -> str:
        if value is not None:
            return value
        return str(typer.prompt(tr(question, lang), default=default)) if ask else default

    title = answer(title, N_("What is the pathway called?"), tr(_DEFAULTS["title"], lang))
    intake = answer(intake, N_("Which agency receives reports?"), tr(_DEFAULTS["intake"], lang))
    intake_sector = answer(intake_sector, N_("Its sector (hotline, police, ...)?"), "hotline")
    lead = answer(lead, N_("Which agency leads the case work?"), tr(_DEFAULTS["lead"], lang))
    lead_sector = answer(lead_sector, N_("Its sector (social, ngo, ...)?"), "social")
    for option, value in (("--title", title), ("--intake", intake), ("--lead", lead)):
        if _not_utf8(value):
            error(_not_text_words(lang).format(option=option, value=repr(value)))
            return 2
    for option, value in (("--intake-sector", intake_sector), ("--lead-sector", lead_sector)):
        if not re.fullmatch(r"[a-z][a-z0-9_-]*", value):
            words = tr("{option} {value}: write a sector as a short lowercase word", lang)
            error(words.format(option=option, value=repr(value)))
            return 2
    if ident is not None and not re.fullmatch(r"[a-z0-9-]+", ident):
        error(
            tr("--id {value}: use lowercase letters, digits and -", lang).format(value=repr(ident))
        )
        return 2
    text = starter(
        path.name,
        title=title,
        ident=ident,
        intake=intake,
        intake_sector=intake_sector,
        lead=lead,
        lead_sector=lead_sector,
        lang=lang,
    )
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        words = tr("cannot write {path}: {reason}", lang)
        error(words.format(path=repr(str(path)), reason=exc.strerror or exc))
        return 1
    try:
        import pathways

        found = pathways.check(load(path))
    except LoadError as exc:  # pragma: no cover - the starter always loads (tested)
        found = list(exc.findings)
    counts = [sum(1 for f in found if f.severity.value == s) for s in ("error", "warning", "info")]
    words = ", ".join(
        counted(n, w, lang) for n, w in zip(counts, ("error", "warning", "note"), strict=True)
    )
    typer.echo(tr("wrote {path}: {counts}", lang).format(path=path, counts=words))
    command = f"pathways watch {path} -o {path.with_suffix('.svg')}"
    typer.echo(tr("next: edit it, then `{command}`", lang).format(command=command))
    return 0


def _not_utf8(text: str) -> bool:
    """Whether command-line text holds bytes that are not UTF-8 (Python passes them on as
    lone surrogates, PEP 383): the starter, written as UTF-8, could not hold them (it raised
    UnicodeEncodeError, leaving an empty file)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _not_text_words(lang: str | None) -> str:
    from pathways.i18n import tr

    return tr("{option} {value}: not UTF-8 text; type or name it in UTF-8", lang)
