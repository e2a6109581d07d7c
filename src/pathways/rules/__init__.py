"""Rules: the one registry of every code, rule selection, and :func:`check`.

``ALL_RULES`` is one explicit tuple, sorted by code, built from each family's ``RULES``
(PW0xx loading, PW1xx structure, PW2xx roles, PW3xx safeguards, PW4xx guards, PW5xx upkeep).
The loading codes PW001-PW006 (stage ``"load"``) are reported by :mod:`pathways.load` while it
reads a file; :func:`check` skips them, as it skips PW000. Third-party
rules come from the entry-point group ``pathways.rules``; each entry point is a
:class:`Rule` made with :func:`rule`.

Selection follows ruff: ``select`` and ``ignore`` hold codes or prefixes (``PW3``, ``PW30``,
``PW301``, ``ALL``); for each code the most specific matching selector wins, and on a tie
``ignore`` wins. Options passed to :func:`check` (the command line) win over the file's
``rules:`` block, whose ``severity`` map then overrides default severities. Waivers turn a
finding into an ``info`` that says why it is accepted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Sequence
from functools import lru_cache

from pathways._gc import gc_paused
from pathways.findings import Finding, Location, Severity
from pathways.model import Pathway
from pathways.rules import guards, loading, roles, safeguards, structure, tracks, upkeep
from pathways.rules._base import SECTIONS, Rule, RuleContext, rule

__all__ = [
    "ALL_RULES",
    "ENTRY_POINT_GROUP",
    "SECTIONS",
    "Rule",
    "RuleContext",
    "check",
    "get_rule",
    "is_selected",
    "plugin_rules",
    "rule",
]

ENTRY_POINT_GROUP = "pathways.rules"


@rule(code="PW000", name="internal-error", severity=Severity.ERROR)
def internal_error(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Reports a rule that crashed, or a third-party rule (entry-point group `pathways.rules`)
    that could not be loaded. The message names the rule and the exception; every other
    rule still runs and reports.

    ## Why is this bad?
    The crashed rule checked nothing, so the pathway may have problems that this run did
    not find. It is a bug in the rule (or the plugin), not in your pathway.

    ## Example
    ```text
    p.yaml:1:1: PW000 [error] rule PW901 (my-plugin-rule) crashed: KeyError: 'x'
    ```

    Use instead: report the bug to the rule's authors; meanwhile `--ignore` the crashing
    code to get a clean run.
    """
    del ctx
    return iter(())


ALL_RULES: tuple[Rule, ...] = tuple(
    sorted(
        (
            internal_error,
            *loading.RULES,
            *structure.RULES,
            *tracks.RULES,
            *roles.RULES,
            *safeguards.RULES,
            *guards.RULES,
            *upkeep.RULES,
        ),
        key=lambda r: r.code,
    )
)
"""Every built-in rule, sorted by code."""


@lru_cache(maxsize=1)
def plugin_rules() -> tuple[tuple[Rule, ...], tuple[str, ...]]:
    """Rules from the ``pathways.rules`` entry points, and a message per broken plugin."""
    from importlib.metadata import entry_points

    builtin = {r.code for r in ALL_RULES}
    found: list[Rule] = []
    problems: list[str] = []
    try:
        eps = list(entry_points(group=ENTRY_POINT_GROUP))
    except Exception as exc:  # pragma: no cover - broken metadata
        return (), (f"cannot read entry points {ENTRY_POINT_GROUP!r}: {exc}",)
    for ep in sorted(eps, key=lambda e: e.name):
        try:
            obj = ep.load()
        except Exception as exc:
            problems.append(
                f"plugin rule {ep.name!r} ({ep.value}) could not be loaded: "
                f"{type(exc).__name__}: {exc}"
            )
            continue
        if not isinstance(obj, Rule):
            problems.append(
                f"plugin rule {ep.name!r} ({ep.value}) is not a rule made with @pathways.rules.rule"
            )
        elif obj.code in builtin or any(r.code == obj.code for r in found):
            problems.append(
                f"plugin rule {ep.name!r} ({ep.value}) reuses code {obj.code}, already taken"
            )
        else:
            found.append(obj)
    return tuple(found), tuple(problems)


def get_rule(code: str) -> Rule | None:
    """The built-in or plugin rule with this code, or None."""
    code = code.upper()
    for r in (*ALL_RULES, *plugin_rules()[0]):
        if r.code == code:
            return r
    return None


def _decide(code: str, select: Sequence[str] | None, ignore: Sequence[str]) -> bool | None:
    """True/False when a selector matches ``code`` (most specific wins, ignore on ties);
    None when none matches."""
    best: tuple[int, int] | None = None  # (specificity, 1 for select / 2 for ignore)
    for kind, selectors in ((1, select or ()), (2, ignore)):
        for sel in selectors:
            prefix = sel.strip().upper()
            prefix = "" if prefix == "ALL" else prefix
            if code.startswith(prefix):
                key = (len(prefix), kind)
                if best is None or key > best:
                    best = key
    if best is None:
        return None
    return best[1] == 1


def is_selected(
    code: str,
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    file_select: Sequence[str] | None = None,
    file_ignore: Sequence[str] = (),
) -> bool:
    """Whether a rule runs: the caller's selectors first, then the file's, then on.

    Examples
    --------
    >>> from pathways.rules import is_selected
    >>> is_selected("PW301", select=["PW3"], ignore=["PW30"])
    False
    >>> is_selected("PW301", select=["PW301"], ignore=["PW3"])
    True
    >>> is_selected("PW502", file_ignore=["PW502"]), is_selected("PW502", select=["PW5"],
    ...                                                          file_ignore=["PW502"])
    (False, True)
    """
    decided = _decide(code, select, ignore or ())
    if decided is not None:
        return decided
    if select:
        return False
    decided = _decide(code, file_select, file_ignore)
    if decided is not None:
        return decided
    return not file_select


def _crash(pathway: Pathway, message: str) -> Finding:
    return Finding(
        code=internal_error.code,
        rule=internal_error.name,
        severity=Severity.ERROR,
        message=message,
        location=Location(pathway.file, 1, 1, ()),
    )


def _waive(pathway: Pathway, findings: list[Finding]) -> list[Finding]:
    if not pathway.waivers:
        return findings
    out: list[Finding] = []
    for f in findings:
        for w in pathway.waivers:
            if w.code != f.code:
                continue
            if (w.step is not None and w.step == f.step) or (
                w.transition is not None and w.transition == f.transition
            ):
                f = dataclasses.replace(
                    f, severity=Severity.INFO, message=f"waived: {f.message} (reason: {w.reason})"
                )
                break
        out.append(f)
    return out


def check(
    pathway: Pathway,
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    today: dt.date | None = None,
) -> list[Finding]:
    """Run every selected rule on a loaded pathway and return all findings, sorted.

    Parameters
    ----------
    pathway : Pathway
        A loaded (or built) pathway.
    select, ignore : sequence of str, optional
        Codes or prefixes (``"PW3"``, ``"PW301"``, ``"ALL"``); they win over the file's
        ``rules:`` block.
    today : datetime.date, optional
        The date PW502 measures contact age from (default: today).

    Returns
    -------
    list of Finding
        Sorted by :meth:`Finding.sort_key`. A rule that raises becomes one PW000 finding and
        the other rules still run.

    Examples
    --------
    >>> import datetime, pathways as pw
    >>> p = pw.load("pathways/kh/csa-in-person.yaml")
    >>> codes = [f.code for f in pw.check(p, select=["PW1"], today=datetime.date(2026, 11, 28))]
    >>> all(c.startswith("PW1") for c in codes)
    True
    """
    with gc_paused():
        return _check(pathway, select=select, ignore=ignore, today=today)


def _check(
    pathway: Pathway,
    *,
    select: Sequence[str] | None,
    ignore: Sequence[str] | None,
    today: dt.date | None,
) -> list[Finding]:
    config = pathway.rules
    plugins, problems = plugin_rules()
    findings = [_crash(pathway, message) for message in problems]
    ctx = RuleContext(pathway, today=today)
    for r in (*ALL_RULES, *plugins):
        if (
            r is internal_error
            or r.stage == "load"
            or not is_selected(
                r.code,
                select=select,
                ignore=ignore,
                file_select=config.select,
                file_ignore=config.ignore,
            )
        ):
            continue
        try:
            produced = list(r.check(ctx.for_rule(r)))
        except Exception as exc:
            findings.append(
                _crash(pathway, f"rule {r.code} ({r.name}) crashed: {type(exc).__name__}: {exc}")
            )
            continue
        findings.extend(produced)
    if config.severity:
        findings = [
            dataclasses.replace(f, severity=Severity(config.severity[f.code]))
            if f.code in config.severity
            else f
            for f in findings
        ]
    findings = _waive(pathway, findings)
    findings.sort(key=Finding.sort_key)
    return findings
