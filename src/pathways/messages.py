"""Finding messages in the reader's language, whole or not at all.

Rules write their messages in English (``Finding.message``, which JSON, SARIF and tests keep
as is). For people, :func:`finding_message` reads a message against the templates below; when
one matches the whole message and the catalogue translates it, the translation is returned
with the template's values (ids, numbers, quoted names) put back; otherwise the English
message is returned unchanged. So a Khmer reader sees each message either wholly in Khmer or
wholly in English, never half a sentence in each.

Examples
--------
>>> from pathways.messages import finding_message
>>> finding_message("step 'orphan' cannot be reached from any entry step", "km")
"ជំហាន 'orphan' មិនអាចទៅដល់បានពីជំហានចូលណាមួយទេ"
>>> finding_message("a message no template knows", "km")
'a message no template knows'
>>> finding_message("step 'orphan' cannot be reached from any entry step", "en")
"step 'orphan' cannot be reached from any entry step"
"""

from __future__ import annotations

import functools
import re

from pathways.i18n import N_, tr

__all__ = ["TEMPLATES", "finding_message", "severity_word"]

TEMPLATES: tuple[str, ...] = (
    # loading (PW001-PW006)
    N_("document is missing required key {key}"),
    N_("{where} is missing required key {key}"),
    N_("unknown key {key} in document; did you mean {guess}?"),
    N_("unknown key {key} in {where}; did you mean {guess}?"),
    N_("unknown key {key} in document; allowed: {keys}"),
    N_("unknown key {key} in {where}; allowed: {keys}"),
    N_("unknown agency {name}; did you mean {guess}?"),
    N_("unknown role {name}; did you mean {guess}?"),
    N_("unknown step {name}; did you mean {guess}?"),
    N_("unknown sector {name}; did you mean {guess}?"),
    N_("unknown case field {name}; did you mean {guess}?"),
    N_("unknown agency {name}; declared: {names}"),
    N_("unknown role {name}; declared: {names}"),
    N_("unknown step {name}; declared: {names}"),
    N_("duplicate agency id {name} (first declared on line {line}); ids must be unique"),
    N_("duplicate role id {name} (first declared on line {line}); ids must be unique"),
    N_("duplicate step id {name} (first declared on line {line}); ids must be unique"),
    N_("duplicate deadline id {name} (first declared on line {line}); ids must be unique"),
    N_("duplicate key {key}; each key may appear once in a mapping"),
    # structure (PW1xx)
    N_("no step has kind 'entry', so no case can start; mark the intake step"),
    N_("no step has kind 'outcome', so no case can ever end; add a closure step"),
    N_("step {step} cannot be reached from any entry step"),
    N_("step {step} is not an outcome but no transition leaves it"),
    N_("steps {steps} form a loop with no way out to an outcome"),
    N_("step {step} loops to itself with no way out to an outcome"),
    N_("transition {index} leaves outcome step {step}; outcomes end the case"),
    N_("decision step {step} has {n} outgoing transition; a decision needs at least two"),
    N_("decision step {step} has {n} outgoing transitions; a decision needs at least two"),
    N_("probabilities out of {step} sum to {total}, not 1"),
    N_("{n} of {total} transitions out of {step} have no probability; give all or none"),
    N_("transitions {first} and {second} out of {step} both fire on event {event} without a guard"),
    N_("outcome {step} can be entered while another track is still running"),
    N_("two tracks are at step {step} at once: its work would be done twice"),
    # roles and sectors (PW2xx)
    N_("step {step} has no responsible role"),
    N_("role {role} is responsible for no step and fires no transition"),
    N_("required sector {sector} has no step"),
    N_("a route from {start} to {end} passes no step of sector {sector}"),
    N_("referral {source} -> {target} has no on_reject and no response_within"),
    N_("referral {source} -> {target} has no on_reject"),
    N_("referral {source} -> {target} has no response_within"),
    N_("agency {agency} lists no contact"),
    # safeguards (PW3xx)
    N_(
        "a route has an unbounded number of interviews, above the limit of {limit}; {step} is "
        "interview {k} on it"
    ),
    N_("a route has {n} interviews, above the limit of {limit}; {step} is interview {k} on it"),
    N_("interview step {step} lies on a loop, so a child can be interviewed without limit"),
    N_(
        "deadline {deadline}: the slowest route from {start} reaches {end} after {hours}h, "
        "above {limit}h"
    ),
    N_("required deadline {deadline}: a route from {start} reaches outcome {end} without {to}"),
    N_(
        "transition {source} -> {target} shares the case from {agency} with {other} before "
        "any consent step"
    ),
    N_("step {step} is {level} but role {role} is cleared only to {clearance}"),
    # guards (PW4xx)
    N_("guard {guard} of {source} -> {target} holds for no allowed case"),
    N_("no guard out of {step} holds for {case}, so such a case is stuck"),
    N_("guards of transitions {first} and {second} out of {step} both hold for {case}"),
    # upkeep (PW5xx)
    N_("the pathway title has no {locales} text"),
    N_("the name of agency {name} has no {locales} text"),
    N_("the title of role {name} has no {locales} text"),
    N_("the label of step {name} has no {locales} text"),
    N_("the label of transition {name} has no {locales} text"),
    N_("the label of deadline {name} has no {locales} text"),
    N_("phone contact of {agency} was last verified {days} days ago ({date})"),
    N_("email contact of {agency} was last verified {days} days ago ({date})"),
    N_("step {step} has no duration; simulation counts it as zero"),
    # waivers: the waived finding's own message is translated too, or the whole stays English
    N_("waived: {message} (reason: {reason})"),
)
"""English finding messages with ``{name}`` for what the rule fills in (matched in order:
the more specific template first)."""

_NESTED = frozenset({"message"})
"""Placeholders that hold a whole finding message, translated in turn."""

_NUMBERS = frozenset(
    {"n", "k", "line", "index", "first", "second", "total", "days", "limit", "hours"}
)
"""Placeholders that hold a number only (so no English word slips into a translation)."""

_SEVERITY = {"error": N_("error"), "warning": N_("warning"), "info": N_("note")}


@functools.cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    out = []
    for template in TEMPLATES:
        parts = re.split(r"\{(\w+)\}", template)
        regex = "".join(
            re.escape(part)
            if i % 2 == 0
            else f"(?P<{part}>{'[0-9][0-9.,]*' if part in _NUMBERS else '.+?'})"
            for i, part in enumerate(parts)
        )
        out.append((template, re.compile(regex, re.DOTALL)))
    return tuple(out)


def finding_message(message: str, lang: str | None) -> str:
    """``message`` in ``lang`` when a template matches it whole and is translated, else the
    English ``message`` unchanged."""
    if (lang or "en").split("-")[0].split("_")[0].lower() == "en":
        return message
    for template, pattern in _patterns():
        match = pattern.fullmatch(message)
        if match is None:
            continue
        translated = tr(template, lang)
        if translated == template:
            return message
        values = match.groupdict()
        for name in _NESTED & values.keys():
            inner = finding_message(values[name], lang)
            if inner == values[name]:
                return message
            values[name] = inner
        return translated.format(**values)
    return message


def severity_word(severity: str, lang: str | None) -> str:
    """The severity as written for people: the value itself in English (``error``,
    ``warning``, ``info``), the catalogue's word in another language."""
    if (lang or "en").split("-")[0].split("_")[0].lower() == "en":
        return severity
    return tr(_SEVERITY.get(severity, severity), lang)
