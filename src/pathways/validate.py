"""Validate files: load each, check it, and write the findings as text, JSON, SARIF or GitHub."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from pathways.errors import LoadError
from pathways.findings import CaseWords, Finding, Severity, case_text, format_finding
from pathways.i18n import N_, counted, tr
from pathways.model import Pathway, Visibility

__all__ = [
    "FORMATS",
    "MAX_PER_RULE",
    "cap_findings",
    "case_words",
    "render_findings",
    "validate_files",
]

FORMATS = ("text", "json", "sarif", "github")


def validate_files(
    files: Sequence[Path | Pathway],
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    today: dt.date | None = None,
    visibility: Visibility | None = None,
    pathways: dict[str, Pathway] | None = None,
) -> list[Finding]:
    """Load and check every file; load errors stand in for the rules of an unloadable file.

    A pathway already loaded may stand in ``files`` for its file (it is checked as loaded).

    With ``visibility``, findings are those of the reader's view of each pathway
    (:mod:`pathways.visibility`): they name only what a reader at that level may see.
    ``pathways``, when given, is filled with each loaded pathway (that view) by the file name
    its findings carry, for :func:`case_words`.
    """
    from pathways.load import load
    from pathways.rules import check
    from pathways.visibility import seen_load_findings, view

    findings: list[Finding] = []
    for file in files:
        if isinstance(file, Pathway):
            loaded = file
        else:
            try:
                loaded = load(file)
            except LoadError as exc:
                findings.extend(seen_load_findings(file, visibility, exc.findings))
                continue
        pathway = view(loaded, visibility)
        if pathways is not None:
            pathways[pathway.file] = pathway
        findings.extend(check(pathway, select=select, ignore=ignore, today=today))
    findings.sort(key=Finding.sort_key)
    return findings


def case_words(pathways: Mapping[str, Pathway], lang: str | None = None) -> dict[str, CaseWords]:
    """Each file's case field labels and enum value labels in ``lang``, for the text output of
    :func:`render_findings` (a witness case named by labels, not ids)."""
    return {file: CaseWords.of(p, lang) for file, p in pathways.items()}


def _summary(findings: Sequence[Finding], files: int) -> dict[str, int]:
    count = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    return {
        "files": files,
        "errors": count[Severity.ERROR],
        "warnings": count[Severity.WARNING],
        "infos": count[Severity.INFO],
    }


MAX_PER_RULE = 50
"""Findings printed per rule and file in text and GitHub output; the rest are counted."""


_ONE_MORE = N_("{file}: {n} more {code} finding not shown (--max-per-rule 0 shows all)")
_MORE = N_("{file}: {n} more {code} findings not shown (--max-per-rule 0 shows all)")


def cap_findings(
    findings: Sequence[Finding], per_rule: int = MAX_PER_RULE, lang: str | None = None
) -> tuple[list[Finding], list[str]]:
    """The first ``per_rule`` findings of each (file, code) and a line for each group cut
    (``per_rule`` 0: all of them)."""
    if per_rule <= 0:
        return list(findings), []
    seen: dict[tuple[str, str], int] = {}
    shown: list[Finding] = []
    for f in findings:
        key = (f.location.file, f.code)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= per_rule:
            shown.append(f)
    notes = [
        tr(_ONE_MORE if n - per_rule == 1 else _MORE, lang).format(
            file=file, n=f"{n - per_rule:,}", code=code
        )
        for (file, code), n in seen.items()
        if n > per_rule
    ]
    return shown, notes


def render_findings(
    findings: Sequence[Finding],
    fmt: str,
    *,
    files: int,
    max_per_rule: int = MAX_PER_RULE,
    lang: str | None = None,
    words: Mapping[str, CaseWords] | None = None,
) -> tuple[str, str]:
    """The findings in ``fmt`` and a one-line summary (for stderr in text mode).

    Text and GitHub output print at most ``max_per_rule`` findings per rule and file, and a
    line counting the rest; JSON and SARIF hold every finding. Text output and the summary are
    in ``lang`` where the catalogue translates them (a finding message wholly or not at all:
    :func:`pathways.messages.finding_message`); JSON, SARIF and GitHub stay English.
    ``words`` (:func:`case_words`, by file) names a witness case's fields and enum values by
    their labels in the text output, in English too; JSON, SARIF and GitHub keep the ids.
    """
    summary = _summary(findings, files)
    line = tr("{files} checked: {errors}, {warnings}, {notes}", lang).format(
        files=counted(summary["files"], "file", lang),
        errors=counted(summary["errors"], "error", lang),
        warnings=counted(summary["warnings"], "warning", lang),
        notes=counted(summary["infos"], "note", lang),
    )
    if fmt == "json":
        body = {"findings": [f.to_dict() for f in findings], "summary": summary}
        return json.dumps(body, ensure_ascii=False, indent=2, allow_nan=False) + "\n", line
    if fmt in ("sarif", "github"):
        from pathways import ci_formats

        if fmt == "sarif":
            return ci_formats.to_sarif(findings), line
        shown, notes = cap_findings(findings, max_per_rule)
        return ci_formats.to_github(shown) + ci_formats.github_notices(notes), line
    shown, notes = cap_findings(findings, max_per_rule, lang)
    out = []
    for f in shown:
        said = (words or {}).get(f.location.file)
        out.append(format_finding(f, lang, said))
        if f.route:
            out.append("    " + tr("route: {route}", lang).format(route=" -> ".join(f.route)))
        if f.case:
            case = case_text(f.case, words=said)
            out.append("    " + tr("case: {case}", lang).format(case=case))
    out.extend(notes)
    return ("\n".join(out) + "\n") if out else "", line
