"""Rule pages generated from the rule docstrings: ``docs/rules/index.md`` and one page per code.

Called by :func:`pathways.docgen.write_all` at docs build time; ``docs/rules/`` is git-ignored,
so the pages cannot drift from the code (ruff's ``generate_docs``).
"""

from __future__ import annotations

from pathlib import Path

from pathways.rules import ALL_RULES

__all__ = ["rules_index", "write_rule_pages"]

_PLUGINS = (
    "## Your own rules",
    "",
    "A rule is a function of a `RuleContext` that yields findings, made with the same",
    "decorator as the built-in rules; its docstring is its page. Publish it under the",
    "entry-point group `pathways.rules` and `pathways validate` runs it with the others (pick",
    "codes from PW900 up; a code already taken, or a plugin that fails to import, is",
    "reported as PW000 and the other rules still run).",
    "",
    "```python",
    "from pathways.findings import Severity",
    "from pathways.rules import RuleContext, rule",
    "",
    "",
    '@rule(code="PW901", name="court-without-support", severity=Severity.WARNING)',
    "def court_without_support(ctx: RuleContext):",
    '    """',
    "    ## What it does",
    "    Checks that every `court` step has a support role from an NGO.",
    "    ...",
    '    """',
    "    for i, step in enumerate(ctx.pathway.steps):",
    '        if "court" in step.tags and ctx.pathway.sector_of(step.id) != "ngo":',
    '            yield ctx.report(("steps", i), f"court step {step.id!r} has no NGO support",',
    "                             step=step.id)",
    "```",
    "",
    "```toml",
    "# pyproject.toml of your package",
    '[project.entry-points."pathways.rules"]',
    'court_without_support = "my_rules:court_without_support"',
    "```",
    "",
)

_FAMILIES = {
    "PW0": "Internal errors",
    "PW1": "Structure: can every step be reached, and every case leave?",
    "PW2": "Roles and sectors",
    "PW3": "Safeguards: interviews, deadlines, consent, clearance",
    "PW4": "Guards",
    "PW5": "Upkeep: translations, contacts, durations",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def rules_index() -> str:
    """The index page: one table row per rule, grouped by family (loading codes first)."""
    loading = [r for r in ALL_RULES if r.stage == "load"]
    checked = [r for r in ALL_RULES if r.stage != "load"]
    lines = [
        "# Rules",
        "",
        "<!-- generated from the rule docstrings by pathways.rules._docs; do not edit -->",
        "",
        "Every finding `pathways validate` reports has one of these codes. Select or ignore",
        "rules by code or prefix (`--select PW1,PW301 --ignore PW502`), set severities in the",
        "file's `rules:` block, and record accepted deviations as `waivers:`. Print a page",
        "with `pathways rules PW301`.",
        "",
        "## Loading",
        "",
        "A file with any of these errors is not loaded, so no other rule runs on it; every",
        "loading error of the file is reported at once. The keys are described in the",
        "[format reference](../format.md).",
        "",
        "| code | name | what it means |",
        "|---|---|---|",
        *(f"| [{r.code}]({r.code}.md) | `{r.name}` | {_cell(r.summary)} |" for r in loading),
        "",
    ]
    family = ""
    for r in checked:
        if r.code[:3] != family:
            family = r.code[:3]
            lines += [
                f"## {_FAMILIES.get(family, family)}",
                "",
                "| code | name | default | what it does |",
                "|---|---|---|---|",
            ]
        lines.append(
            f"| [{r.code}]({r.code}.md) | `{r.name}` | {r.severity.value} | {_cell(r.summary)} |"
        )
        if r is checked[-1] or checked[checked.index(r) + 1].code[:3] != family:
            lines.append("")
    return "\n".join([*lines, *_PLUGINS])


def write_rule_pages(docs: Path) -> None:
    """Write ``docs/rules/index.md`` and ``docs/rules/PWxxx.md`` for every built-in rule."""
    out = docs / "rules"
    out.mkdir(parents=True, exist_ok=True)
    (out / "index.md").write_text(rules_index(), encoding="utf-8")
    for r in ALL_RULES:
        (out / f"{r.code}.md").write_text(r.page(), encoding="utf-8")
