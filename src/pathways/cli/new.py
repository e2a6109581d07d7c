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
# A starter referral pathway written by `pathways new`. Edit it with your working group:
# every line below is an example to replace. Check it with `pathways validate {file}`,
# draw it with `pathways render {file} -o {stem}.pdf`, see how long cases take with
# `pathways simulate {file}`, and keep it checked and drawn while you edit with
# `pathways watch {file} -o {stem}.svg`.
format: pathways/1
id: {id}
version: 0.1.0
title: {title}
locales: [en]
{sectors}
# The organisations taking part, each in a sector (hotline, social, police, health, justice,
# ngo, community, ...). Contacts are drawn for partners; `visibility: public` for everyone.
agencies:
  - id: {intake_id}
    name: {intake}
    sector: {intake_sector}
    contacts: [{{channel: phone, value: "(phone number)", hours: "24/7", visibility: public}}]
{lead_agency}
# The jobs responsible for steps. `capacity`: how many cases one person handles at once
# (what `pathways simulate` queues on).
roles:
  - {{id: receiver, agency: {intake_id}, title: "Person who receives the report", capacity: 4}}
  - {{id: case_worker, agency: {lead_id}, title: "Case worker", capacity: 10}}

# What is known about a case; conditions (`when:`) may only use these fields.
case_fields:
  risk: {{type: enum, values: [low, high], description: "The case worker's risk level."}}

# The stages a case moves through: an entry, actions, a decision, an outcome. Write every
# duration with its unit: 30m, 2h, 3d, 2w (a bare 3 is a finding: 3 what?).
steps:
  - {{id: report, kind: entry, role: receiver, label: "Report received", duration: 30m}}
  - id: consent
    role: receiver
    label: "Consent to refer asked"
    tags: [consent]
    duration: 15m
  - {{id: assessment, kind: decision, role: case_worker, label: "Risk assessment", duration: 1d}}
  - {{id: safety_plan, role: case_worker, label: "Safety plan with the family", duration: 4h}}
  - {{id: follow_up, role: case_worker, label: "Follow-up visit", duration: 2h}}
  - {{id: closed, kind: outcome, label: "Case closed"}}

# How a case moves. A referral to another agency says by when it must answer and where the
# case goes if it is declined; a condition is written on case fields.
transitions:
  - {{from: report, to: consent}}
  - from: consent
    to: assessment
    kind: {handover}
{referral}  - {{from: assessment, to: safety_plan, when: "risk == 'high'"}}
  - {{from: assessment, to: follow_up, when: "risk == 'low'"}}
  - {{from: safety_plan, to: follow_up}}
  - {{from: follow_up, to: closed}}

# Time limits: the checks look for routes that cannot meet them, the simulation counts misses.
deadlines:
  - {{id: assessed-in-3-days, to: assessment, within: 3d, label: "Risk assessed within 3 days"}}

# What `pathways simulate` draws: how many reports arrive and what cases are like.
simulation:
  arrivals_per_day: 2
  population:
    risk: {{choice: {{low: 3, high: 1}}}}
"""
"""The starter file; `{...}` are filled by :func:`starter`."""

_LEAD = """\
  - id: {lead_id}
    name: {lead}
    sector: {lead_sector}
    contacts: [{{channel: office, value: "(office address)", hours: "office hours"}}]
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
    title: str = "My referral pathway",
    ident: str | None = None,
    intake: str = "Child helpline",
    intake_sector: str = "hotline",
    lead: str = "Social affairs office",
    lead_sector: str = "social",
) -> str:
    """The text of a starter pathway (validates with no findings; simulates).

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
    return STARTER.format(
        file=file,
        stem=Path(file).stem,
        id=json.dumps(ident or _slug(title, "my-pathway")),
        title=_quoted(title),
        sectors=f"sectors: {json.dumps(extra)}\n" if extra else "",
        intake_id=intake_id,
        intake=_quoted(intake),
        intake_sector=json.dumps(intake_sector),
        lead_agency=""
        if one_agency
        else _LEAD.format(
            lead_id=lead_id,
            lead=_quoted(lead),
            lead_sector=json.dumps(lead_sector),
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
                "Language of the questions and messages, e.g. km (the file's comments and "
                "example labels stay English)."
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

    if path.exists() and not force:
        error(tr("{path} exists; pass --force to replace it", lang).format(path=repr(str(path))))
        return 2
    problem = output_problem(path)
    if problem is not None:
        error(usage_message(problem, lang))
        return 2
    ask = not no_input and sys.stdin.isatty()

    def answer(value: str | None, question: str, default: str) -> str:
        if value is not None:
            return value
        return str(typer.prompt(tr(question, lang), default=default)) if ask else default

    title = answer(title, N_("What is the pathway called?"), "My referral pathway")
    intake = answer(intake, N_("Which agency receives reports?"), "Child helpline")
    intake_sector = answer(intake_sector, N_("Its sector (hotline, police, ...)?"), "hotline")
    lead = answer(lead, N_("Which agency leads the case work?"), "Social affairs office")
    lead_sector = answer(lead_sector, N_("Its sector (social, ngo, ...)?"), "social")
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
