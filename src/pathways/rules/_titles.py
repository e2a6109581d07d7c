"""Each built-in rule's short title, as people read it: the rule's name in words
(``dead-end-step`` -> "dead end step"), marked for the message catalogue so the findings
overlay (``render --findings``) writes it in the reader's language (issue 18).

A test keeps this map in step with :data:`pathways.rules.ALL_RULES`; a plugin rule's name is
not here, so a page in another language shows its code alone rather than English words.
"""

from __future__ import annotations

from pathways.i18n import N_

__all__ = ["TITLES"]

TITLES: dict[str, str] = {
    "internal-error": N_("internal error"),
    "yaml-syntax": N_("yaml syntax"),
    "schema": N_("schema"),
    "unknown-reference": N_("unknown reference"),
    "duplicate-id": N_("duplicate id"),
    "invalid-guard": N_("invalid guard"),
    "invalid-duration": N_("invalid duration"),
    "bpmn-unmapped": N_("bpmn unmapped"),
    "no-entry-step": N_("no entry step"),
    "no-outcome-step": N_("no outcome step"),
    "unreachable-step": N_("unreachable step"),
    "dead-end-step": N_("dead end step"),
    "trapped-step": N_("trapped step"),
    "outcome-has-exit": N_("outcome has exit"),
    "single-branch-decision": N_("single branch decision"),
    "bad-probabilities": N_("bad probabilities"),
    "ambiguous-event": N_("ambiguous event"),
    "deadlock": N_("deadlock"),
    "tracks-collide": N_("tracks collide"),
    "track-left-running": N_("track left running"),
    "bad-fork-or-join": N_("bad fork or join"),
    "tracks-not-explored": N_("tracks not explored"),
    "step-without-role": N_("step without role"),
    "unused-role": N_("unused role"),
    "sector-not-covered": N_("sector not covered"),
    "route-misses-sector": N_("route misses sector"),
    "referral-without-fallback": N_("referral without fallback"),
    "agency-without-contact": N_("agency without contact"),
    "too-many-interviews": N_("too many interviews"),
    "unbounded-interviews": N_("unbounded interviews"),
    "deadline-at-risk": N_("deadline at risk"),
    "deadline-skippable": N_("deadline skippable"),
    "sharing-before-consent": N_("sharing before consent"),
    "clearance-too-low": N_("clearance too low"),
    "guard-never-true": N_("guard never true"),
    "decision-not-exhaustive": N_("decision not exhaustive"),
    "overlapping-guards": N_("overlapping guards"),
    "missing-translation": N_("missing translation"),
    "stale-contact": N_("stale contact"),
    "missing-duration": N_("missing duration"),
    "duration-without-unit": N_("duration without unit"),
    "field-not-in-population": N_("field not in population"),
}
"""Rule name -> short title (English, the catalogue's msgid)."""
