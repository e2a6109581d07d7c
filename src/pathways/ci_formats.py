"""Findings for continuous integration: SARIF 2.1.0 (code-scanning) and GitHub annotations.

``pathways validate --format sarif`` writes one SARIF log with one run: the tool's rules
(every rule that produced a finding, with its summary and default level) and one result per
finding, located by file, line and column. Witnesses (``step``, ``transition``, ``route``,
``case``) go into each result's property bag. ``--format github`` writes workflow commands
(``::error file=...,line=...,col=...,title=PW301::message``) that GitHub Actions shows as
annotations on the pull request.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from pathways.findings import Finding, Severity, case_text

__all__ = ["SARIF_SCHEMA", "SARIF_VERSION", "github_notices", "to_github", "to_sarif"]

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


_WITNESS_KEYS = ("step", "transition", "route", "case")  # SARIF result properties


def _uri(file: str) -> str:
    """A file name as a relative or absolute URI reference (forward slashes, escaped)."""
    return quote(PurePath(file).as_posix(), safe="/:")


def _descriptor(code: str, name: str) -> dict[str, Any]:
    from pathways.rules import get_rule

    rule = get_rule(code)
    out: dict[str, Any] = {"id": code, "name": name}
    if rule is not None:
        out["shortDescription"] = {"text": rule.summary or rule.name}
        out["fullDescription"] = {"text": rule.summary or rule.name}
        out["help"] = {"text": rule.doc or rule.name, "markdown": rule.page()}
        out["defaultConfiguration"] = {"level": _SARIF_LEVEL[rule.severity]}
    return out


def to_sarif(findings: Sequence[Finding]) -> str:
    """The findings as a SARIF 2.1.0 log (JSON text ending in a newline).

    Examples
    --------
    >>> import json
    >>> from pathways.ci_formats import to_sarif
    >>> from pathways.findings import Finding, Location, Severity
    >>> f = Finding("PW104", "dead-end-step", Severity.ERROR, "stuck", Location("p.yaml", 3, 5))
    >>> log = json.loads(to_sarif([f]))
    >>> log["version"], log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    ('2.1.0', {'startLine': 3, 'startColumn': 5})
    """
    from pathways._version import __version__

    rule_index: dict[str, int] = {}
    rules: list[dict[str, Any]] = []
    for f in sorted(findings, key=lambda f: f.code):
        if f.code not in rule_index:
            rule_index[f.code] = len(rules)
            rules.append(_descriptor(f.code, f.rule))
    results: list[dict[str, Any]] = []
    for f in findings:
        result: dict[str, Any] = {
            "ruleId": f.code,
            "ruleIndex": rule_index[f.code],
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(f.location.file)},
                        "region": {
                            "startLine": max(f.location.line, 1),
                            "startColumn": max(f.location.column, 1),
                        },
                    }
                }
            ],
        }
        props = {k: v for k, v in f.to_dict().items() if k in _WITNESS_KEYS}
        if props:
            result["properties"] = props
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pathways",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_notices(lines: Sequence[str]) -> str:
    r"""``::notice::`` workflow commands, one per line of text, escaped as a message is (a file
    name in the text can hold a newline or ``%``).

    >>> from pathways.ci_formats import github_notices
    >>> print(github_notices(["a\n::error::b.yaml: 3 more PW002 findings not shown"]), end="")
    ::notice::a%0A::error::b.yaml: 3 more PW002 findings not shown
    """
    return "".join(f"::notice::{_escape_data(line)}\n" for line in lines)


def to_github(findings: Sequence[Finding]) -> str:
    """The findings as GitHub Actions workflow commands, one line each.

    Examples
    --------
    >>> from pathways.ci_formats import to_github
    >>> from pathways.findings import Finding, Location, Severity
    >>> f = Finding("PW301", "too-many-interviews", Severity.ERROR, "2 interviews",
    ...             Location("p.yaml", 9, 5), route=("intake", "interview"))
    >>> print(to_github([f]), end="")
    ::error file=p.yaml,line=9,col=5,title=PW301::2 interviews (route: intake -> interview)
    """
    lines = []
    for f in findings:
        message = f.message
        if f.route:
            message += " (route: " + " -> ".join(f.route) + ")"
        if f.case:
            message += " (case: " + case_text(f.case) + ")"
        props = ",".join(
            (
                f"file={_escape_property(f.location.file)}",
                f"line={f.location.line}",
                f"col={f.location.column}",
                f"title={_escape_property(f.code)}",
            )
        )
        lines.append(f"::{_GITHUB_LEVEL[f.severity]} {props}::{_escape_data(message)}")
    return "".join(line + "\n" for line in lines)
