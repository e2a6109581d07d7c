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

from pathways.i18n import N_, human_hours, tr

__all__ = [
    "ERRORS",
    "OMITTED",
    "PARTS",
    "TEMPLATES",
    "USAGE",
    "USAGE_PARTS",
    "error_message",
    "finding_message",
    "severity_word",
    "usage_message",
]

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
    N_("unknown step {name}; declare it first"),
    N_("unknown agency {name}; declare it first"),
    N_("duplicate agency id {name} (first declared on line {line}); ids must be unique"),
    N_("duplicate role id {name} (first declared on line {line}); ids must be unique"),
    N_("duplicate step id {name} (first declared on line {line}); ids must be unique"),
    N_("duplicate deadline id {name} (first declared on line {line}); ids must be unique"),
    N_("duplicate scenario name {name} (first declared on line {line}); names must be unique"),
    # a scenario's `set:` checked at load: the error simulate would give (one of ERRORS)
    N_("scenario {name}: {message}"),
    N_("duplicate key {key}; each key may appear once in a mapping"),
    N_(
        "duplicate BPMN id {name} on lines {first} and {line}; ids must be unique: rename one "
        "in the modeller"
    ),
    # structure (PW1xx)
    N_("no step has kind 'entry', so no case can start; mark the intake step"),
    N_("no step has kind 'outcome', so no case can ever end; add a closure step"),
    N_("step {step} cannot be reached from any entry step"),
    N_("step {step} is not an outcome but no transition leaves it"),
    N_("steps {steps} form a loop with no way out to an outcome"),
    N_("step {step} loops to itself with no way out to an outcome"),
    N_(
        "steps {steps} form a loop that no track can leave for good: its way out passes "
        "fork(s) {forks}, which also send a track round again, so the case never completes"
    ),
    N_("transition {index} leaves outcome step {step}; outcomes end the case"),
    N_("decision step {step} has {n} outgoing transition; a decision needs at least two"),
    N_("decision step {step} has {n} outgoing transitions; a decision needs at least two"),
    N_("probabilities out of {step} sum to {total}, not 1"),
    N_("{n} of {total} transitions out of {step} have no probability; give all or none"),
    N_("transitions {first} and {second} out of {step} both fire on event {event} without a guard"),
    N_("outcome {step} can be entered while another track is still running"),
    N_("two tracks are at step {step} at once: its work would be done twice"),
    N_("two tracks wait on transition {index} into join {step}: its work would be done twice"),
    N_(
        "the tracks from {forks} pile up without end: this run comes back to a state with "
        "every track it had and more, so there are infinitely many states; whether a join can "
        "wait for ever (PW110) is undecided there"
    ),
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
    N_("a route has {n} interview, above the limit of {limit}; {step} is interview {k} on it"),
    # with parallel tracks (SPEC 7.1): interviews over the tracks of a complete run
    N_(
        "a run has an unbounded number of interviews over its tracks, above the limit of "
        "{limit}; {step} is interview {k} on it"
    ),
    N_(
        "a run has {n} interviews over its tracks, above the limit of {limit}; {step} is "
        "interview {k} on it"
    ),
    N_(
        "a run has {n} interview over its tracks, above the limit of {limit}; {step} is "
        "interview {k} on it"
    ),
    N_("interview step {step} lies on a loop, so a child can be interviewed without limit"),
    # a calendared step on the route (SPEC 7.3): its witness is a weekday and a time, written
    # again with Babel's day names in the reader's language
    N_(
        "deadline {deadline}: the slowest route from {start} reaches {end} after {time}, "
        "above {time_limit} ({step}: {hours} working hours can take {time_taken}: {witness})"
    ),
    N_(
        "deadline {deadline}: the slowest route from {start} reaches {end} after {time}, "
        "above {time_limit}"
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
    N_("the label of case field {name} has no {locales} text"),
    N_("the label of value {value} of case field {name} has no {locales} text"),
    N_("the label of calendar {name} has no {locales} text"),
    N_("phone contact of {agency} was last verified {days} days ago ({date})"),
    N_("email contact of {agency} was last verified {days} days ago ({date})"),
    N_("step {step} has no duration; simulation counts it as zero"),
    # waivers: the waived finding's own message is translated too, or the whole stays English
    N_("waived: {message} (reason: {reason})"),
    # YAML syntax and tags (PW001): the plain sentence is translated (a part, below)
    N_("not readable as YAML: {message}"),
    N_("unsupported YAML tag {tag}; pathway files hold plain data only"),
    N_("{value} is not a valid {tag} value; write it without the tag"),
    N_("a number with {n} digits; a pathway's numbers are far shorter"),
    N_("character {char} is a lone surrogate, not Unicode text"),
    # JSON (PW001): json's own words ({parser}) stay in the English message and JSON output
    N_("not valid JSON: {parser}"),
    N_(
        "the escape {escape} is half of a surrogate pair, not a character: write the character "
        "itself, or both halves of its pair (e.g. \\ud83d\\ude00)"
    ),
    N_("the file is empty; a pathway starts with 'format:'"),
    # the schema (PW002): pydantic's words, one template per kind of error
    N_("a pathway file holds one mapping (format:, id:, steps: ...), not a list value"),
    N_("a pathway file holds one mapping (format:, id:, steps: ...), not a str value"),
    N_(
        "and {n} more unknown keys (the first {limit} are listed); a pathway has only the keys "
        "of the format reference"
    ),
    N_(
        "and {n} more unknown key (the first {limit} are listed); a pathway has only the keys "
        "of the format reference"
    ),
    N_("{where}: input should be a valid string"),
    N_("{where}: input should be a valid tuple"),
    N_("{where}: input should be a valid dictionary or instance of Duration"),
    N_("{where}: input should be a valid dictionary"),
    N_("{where}: input should be a valid integer, unable to parse string as an integer"),
    N_("{where}: input should be a valid integer, got a number with a fractional part"),
    N_("{where}: input should be a valid number, unable to parse string as a number"),
    N_("{where}: input should be a finite number"),
    N_(
        "{where}: input should be a valid date or datetime, month value is outside expected "
        "range of 1-12"
    ),
    N_("{where}: input should be a valid date or datetime, input is too short"),
    N_("{where}: input should be less than or equal to {limit}"),
    N_("{where}: input should be greater than or equal to {limit}"),
    N_("{where}: input should be {choices} or {last}"),
    N_("{where}: input should be {choices} or {last}; did you mean {guess}?"),
    N_("{where}: input should be {choice}"),
    N_("{where}: string should match pattern {pattern}"),
    N_("{where}: unknown time zone {name}; did you mean {guess}?"),
    N_("{where}: unknown time zone {name}; use an IANA name such as Asia/Phnom_Penh or UTC"),
    N_("{where}: population of {name}: malformed {kind} distribution"),
    N_("{where}: population of {name}: unknown distribution {kind}; did you mean {guess}?"),
    N_(
        "{where}: population of {name}: unknown distribution {kind}; use uniform, bernoulli, "
        "choice or fixed"
    ),
    N_(
        "{where}: `value_labels` names {value}, not one of the field's values; did you mean "
        "{guess}?"
    ),
    N_("{where}: `value_labels` names {value}, not one of the field's values ({values})"),
    # a population draw that does not fit its case field (PW002)
    N_(
        "{where}: population of {name}: {value} is not one of the field's values; did you mean "
        "{guess}?"
    ),
    N_("{where}: population of {name}: {value} is not one of the field's values ({values})"),
    N_(
        "{where}: population of {name}: {value} is not one of the field's values; write it in "
        "quotes: {quoted}"
    ),
    N_("{where}: population of {name}: {value} is not true or false"),
    N_("{where}: population of {name}: {value} is not an integer"),
    N_("{where}: population of {name}: {value} is not a number"),
    N_("{where}: population of {name}: {value} is beyond +-1e15, the range of case values"),
    N_("{where}: population of {name}: {value} is below the field's min {bound}"),
    N_("{where}: population of {name}: {value} is above the field's max {bound}"),
    N_("{where}: population of {name}: no integer in [{low}, {high}]"),
    N_(
        "{where}: population of {name}: an enum field is drawn with `choice` or `fixed` (one of "
        "its values), not `{kind}`"
    ),
    N_(
        "{where}: population of {name}: a boolean field is drawn with `bernoulli`, `choice` or "
        "`fixed` (true or false), not `{kind}`"
    ),
    N_(
        "{where}: population of {name}: a number field is drawn with `uniform`, `choice` or "
        "`fixed` (numbers), not `{kind}`"
    ),
    # references (PW003)
    N_(
        "no step is tagged {tag}, so deadline target {target} names nothing; tag a step or fix "
        "the tag"
    ),
    # guards (PW005): the guard's problem is translated (a part, below)
    N_("guard {guard}: {message}"),
    # durations (PW006)
    N_(
        "{where}: cannot read duration {value}; write e.g. '30m', '2h', '3d', '2w', '1d12h' or "
        "ISO 8601 'PT72H'"
    ),
    N_("{where}: a duration is finite and at most 100 years (876600 hours)"),
    N_("{where}: duration {value} is longer than 100 years; a pathway's durations are far shorter"),
    N_("{where}: duration bounds must be ordered min <= mode <= max, got {low}, {mode}, {high}"),
    # tracks (PW110, PW113)
    N_(
        "join {step} can be left waiting for ever: in this run a track waits at it and the join "
        "can never be entered again"
    ),
    N_("the exit of fork {step} to {target} has a guard; every exit of a fork is taken at once"),
    N_(
        "the exit of fork {step} to {target} has a probability; every exit of a fork is taken "
        "at once"
    ),
    N_(
        "the exit of fork {step} to {target} has a guard and a probability; every exit of a "
        "fork is taken at once"
    ),
    N_("fork {step} has {n} outgoing transition(s); a fork starts at least two tracks"),
    N_("join {step} has {n} incoming transition(s); a join gathers at least two tracks"),
    N_(
        "referral {index} falls back into join {step}; a declined track would arrive without a "
        "transition to wait on"
    ),
    # deadlines through joins and loops (PW303)
    N_(
        "deadline {deadline}: join {join} waits up to {time_waited} after {step} for the "
        "parallel track through {other}, so the slowest run reaches {end} after {time}, above "
        "{time_limit}"
    ),
    N_(
        "deadline {deadline}: a loop through {step} can delay {target} without limit after "
        "{start} (within {time_limit})"
    ),
    # a guard field simulation.population does not draw (PW505)
    N_(
        "the pathway cannot be simulated: a guard uses case field {field}, but "
        "simulation.population does not say how to draw it; add e.g. `population: {example}` "
        "under simulation"
    ),
    # bare numbers as durations (PW504)
    N_(
        "{key}: {number} what? A bare number is read as hours: write {number}h, or {number}d if "
        "you meant days"
    ),
    # BPMN files that are not readable (PW001): the XML parser's words may be left out, as
    # the YAML parser's are
    N_("not well-formed XML: {parser}"),
    N_(
        "XML document type declarations (DTDs) are refused: they allow entity expansion and "
        "external files; BPMN needs none, remove the <!DOCTYPE ...> line"
    ),
    # a file that does not load, for a reader who may not see its content (pathways.visibility)
    N_("{n} problem; details withheld at this visibility"),
    N_("{n} problems; details withheld at this visibility"),
    # a file that is XML but not BPMN (PW002)
    N_("more than {n} XML elements; a pathway is far smaller"),
    N_(
        "XML elements nested more than {n} levels deep; a BPMN model needs a few dozen at most: "
        "export it again from the modeller"
    ),
    N_("not a BPMN 2.0 file: the root element is {tag}, not definitions in the namespace {ns}"),
    # BPMN import notes (PW007): the element ({element}: its BPMN tag and id), the BPMN names
    # (event triggers, timer kinds, tags) and the modeller's own text stay as the file has them
    N_("{element}: its process {ref} is not in the file"),
    N_("{element}: several event definitions ({kinds}): only {kind} is mapped"),
    N_("{element}: its loop or multi-instance marker is not mapped (runs once)"),
    N_("{element}: a sequence flow without sourceRef or targetRef is left out"),
    N_("{element}: an event sub-process is not mapped (its {n} elements are left out)"),
    N_("{element}: an ad-hoc sub-process is kept as one action step (its order is free)"),
    N_(
        "{element}: a sub-process with {n} blank start events is kept as one action step; its "
        "{total} elements are left out"
    ),
    N_("{element}: a transaction is flattened like a sub-process (no cancel or rollback)"),
    N_("{element}: a message flow inside one pool is not a referral; left out"),
    N_(
        "{element}: message flow to or from an unknown element {ref} (a pool without a process, "
        "or an element that is not mapped) is left out"
    ),
    N_(
        "{element}: message flow to or from {tag} {ref} (a pool without a process, or an "
        "element that is not mapped) is left out"
    ),
    N_("elements with no flow meaning for a pathway are not imported: {counts}"),
    N_("{element}: a flattened sub-process without end events: its outgoing flows are left out"),
    N_("{element}: it connects unknown id {ref}, which is not mapped; left out"),
    N_("{element}: it connects {tag} {ref}, which is not mapped; left out"),
    N_("{element}: a {trigger} end event is mapped as a plain end"),
    N_("{element}: an {trigger} end event is mapped as a plain end"),
    N_("{element}: a {trigger} throw event is mapped as a plain action"),
    N_("{element}: an {trigger} throw event is mapped as a plain action"),
    N_(
        "{element}: an inclusive gateway is mapped as a decision (one branch is taken); BPMN may "
        "take or wait for several branches"
    ),
    N_(
        "{element}: an inclusive gateway is mapped as a merge; BPMN may take or wait for several "
        "branches"
    ),
    N_(
        "{element}: a complex gateway is mapped as a merge; BPMN may take or wait for several "
        "branches"
    ),
    N_(
        "{element}: a complex gateway is mapped as a decision (one branch is taken); BPMN may "
        "take or wait for several branches"
    ),
    N_(
        "{element}: conditional flows out of an activity or event (several may be taken in "
        "BPMN) are mapped as a choice of one"
    ),
    N_(
        "{element}: timer duration {value} is not an ISO 8601 duration in weeks, days, hours, "
        "minutes or seconds (PT72H, P5D); the wait has no duration"
    ),
    N_("{element}: a timer with no time (not a timeDuration) gives no duration"),
    N_("{element}: a timer with {kind} (not a timeDuration) gives no duration"),
    N_("{element}: attached to the flattened sub-process {host}: mapped as a way out of its start"),
    N_("{element}: attached to {host}, which is not mapped; left out"),
    N_(
        "{element}: a {trigger} boundary event is mapped as another way out of {host}; what "
        "triggers it is not modelled"
    ),
    N_(
        "{element}: an {trigger} boundary event is mapped as another way out of {host}; what "
        "triggers it is not modelled"
    ),
    N_(
        "{element}: a non-interrupting boundary event is mapped as interrupting (the activity "
        "is left)"
    ),
    N_("{element}: condition {condition} on a parallel branch is left out"),
    N_(
        "{element}: condition {condition} is not in the guard language ({problem}); kept as the "
        "label"
    ),
    N_("{element}: a link throw event with no catch event of its name"),
    # an exported file edited in a modeller (PW007 info): what was read or left out
    N_("{element}: added in a modeller: read as a transition {source} -> {target}"),
    N_("{element}: added in a modeller: read as {kind} step {step}"),
    N_("{element}: deadline {name} names step {step}, deleted in a modeller: left out"),
    N_("{element}: waiver {name} names step {step}, deleted in a modeller: left out"),
    N_("{element}: simulation entry {name}, deleted in a modeller: left out"),
)
"""English finding messages with ``{name}`` for what the rule fills in (matched in order:
the more specific template first)."""

PARTS: tuple[str, ...] = (
    # the parser's words stay in the English message and JSON; a translation may leave them
    # out ({parser} is in _OMITTED): the plain sentence before them says what to do
    N_("{message} (parser: {parser})"),
    N_("a colon inside a value: put the value in quotes, e.g. {example}"),
    N_("a tab in the indentation: indent with spaces, never tabs"),
    N_(
        "a value starts with {char}, which YAML keeps for itself: put the value in quotes, "
        "e.g. {example}"
    ),
    N_(
        "the indentation does not match the lines above: indent every item of a list (the lines "
        "starting with -) the same, under its key"
    ),
    N_(
        "this line is not lined up with the keys around it (or a quote above is not closed): "
        "indent the keys of one block the same"
    ),
    N_(
        "a line without 'key:' inside a block, or a text broken over lines: add the key, or put "
        "the whole text in quotes on one line"
    ),
    N_("a quote is opened and never closed: close it at the end of the value"),
    N_(
        "a { ... } or [ ... ] list is not closed, or misses a comma between its items: close "
        "the bracket on the same line"
    ),
    N_("a value starts with * or a key is a list: put the value in quotes"),
    N_("a special character in a double-quoted text: use single quotes instead"),
    N_(
        "the escape {escape} is a surrogate pair, which YAML does not read: write the character "
        "itself, or YAML's 8-digit escape {code}"
    ),
    N_(
        "the escape {escape} is half of a surrogate pair, not a character: write the character "
        "itself, or YAML's 8-digit escape (e.g. \\U0001F600)"
    ),
    # a guard's syntax errors end with what a guard may hold
    N_(
        "{problem}; a guard may use only field names, literals (numbers, 'strings', true, "
        "false, [lists]), comparisons (== != < <= > >=), in, not in, and, or, not and "
        "parentheses"
    ),
    N_("'!' is not allowed (write 'not' or '!=')"),
    N_("{left} {op} {right} compares two fields; compare a field with a literal"),
    N_("function calls are not allowed"),
    N_("indexing is not allowed"),
    N_("arithmetic ({char}) is not allowed"),
    N_("unexpected character {char}"),
    N_("attribute access ('.') is not allowed"),
    N_("'=' is not a comparison (write '==')"),
    N_("the guard ends too early (expected {expected})"),
    N_("expected {expected} but found {found}"),
    N_("a field name or a literal"),
    N_("'and', 'or' or the end of the guard"),
    N_("')' to close the '(' at column {column}"),
    N_("',' or ']' in the list"),
    N_("a list such as ['a', 'b'] after 'in'"),
    N_("the string opened here is not closed (add the closing {quote})"),
    # a guard's type errors
    N_("unknown field {name}; the case fields are: {names}"),
    N_("{value} is not a value of field {name}; allowed values: {names}"),
    N_("field {name} is an integer, so compare it with a number, not {what}"),
    N_("field {name} is a number, so compare it with a number, not {what}"),
    N_("field {name} is a boolean, so compare it with true or false, not {what}"),
    N_("field {name} is an enum, so compare it with one of its values {names}, not {what}"),
    N_("field {name} is a boolean; use it alone, or with == or != and true or false"),
    N_(
        "field {name} is an enum, which has no order; use ==, !=, in or not in with its values "
        "{names}"
    ),
    N_("the number {value} is beyond +-1e15, the range of case values"),
    N_("the string {value}"),
    N_("the number {number}"),
    N_("the boolean {value}"),
)
"""Pieces of finding messages (a YAML problem, a guard's problem, what the parser expected),
translated where a template puts them in a placeholder of :data:`_NESTED`."""

ERRORS: tuple[str, ...] = (
    # simulate --set (pathways.simulate.overrides): the path and the names stay as typed
    N_("--set {path}: no section {name}; did you mean {guess}?"),
    N_("--set {path}: no role {name}; did you mean {guess}?"),
    N_("--set {path}: no role {name}; there are: {names}"),
    N_("--set {path}: no step {name}; did you mean {guess}?"),
    N_("--set {path}: no step {name}; there are: {names}"),
    N_("--set {path}: no case field {name}; did you mean {guess}?"),
    N_("--set {path}: no case field {name}; there are: {names}"),
    N_("--set {path}: no case field {name}; there are none"),
    N_("--set {path}: name an item and a key, e.g. {head}.<id>.<key>"),
    N_("--set {path}: write PATH=VALUE, e.g. roles.social_worker.capacity=5"),
    N_("--set {path}: the value is not valid YAML"),
    N_("--set {path}: {key} is not a map"),
    N_("--set {path}: {key} is not a transition index (0 to {n}) or from=STEP,to=STEP"),
    N_("--set {path}: {n} transitions match {key}; add event=... to pick one"),
    N_("--set {path}: no transition has {field}={value}; did you mean {guess}?"),
    N_("--set {path}: no transition has {field}={value}; there are: {names}"),
    N_("--set {path}: no transition matches {key}; there are: {pairs}"),
    N_(
        "--set {path}...: longer than {n} characters or nested deeper than {limit} levels; an "
        "override is one short value"
    ),
    # a changed pathway that no longer validates: the path, where, and pydantic's words
    N_("--set {path}: {where}: {problem}"),
    N_("--set {path}: {message}"),
    N_("Input should be greater than or equal to {n}"),
    N_("Input should be less than or equal to {n}"),
    N_("Input should be a valid integer, unable to parse string as an integer"),
    N_("Input should be a valid integer, got a number with a fractional part"),
    N_("Input should be a valid number, unable to parse string as a number"),
    N_("Input should be a valid dictionary"),
    N_("Input should be {choices} or {last}"),
    N_("Extra inputs are not permitted"),
    N_("Field required"),
    # --scenario and --compare
    N_("--scenario {name}: the pathway has no such scenario; did you mean {guess}?"),
    N_("--scenario {name}: the pathway has no such scenario; there are: {names}"),
    N_("--scenario {name}: the pathway has no such scenario; there are none"),
    N_("--compare {name}: the pathway has no such scenario; did you mean {guess}?"),
    N_("--compare {name}: the pathway has no such scenario; there are: {names}"),
    N_("--compare {name}: the pathway has no such scenario; there are none"),
    N_("--compare set: give the changes with --set PATH=VALUE"),
    N_("--compare {name}: the file does not load (see above)"),
    N_("--compare all: the file has no other scenario to compare"),
    N_("scenario {name}: {message}"),
    # a run refused before it starts (simulate, and the report's "Not simulated: ...")
    N_(
        "{cases} cases is over the ceiling of {ceiling}; raise it with max_cases= (--max-cases) "
        "if the machine has the memory (about 250 bytes a case)"
    ),
    # a pathway simulate refuses before the run (simulate, and the report's "Not simulated")
    N_(
        "a guard uses case field {field}, but simulation.population does not say how to draw "
        "it; add e.g. `population: {example}`"
    ),
    N_(
        "cases can never leave the loop {steps}: no exit of it is taken by the cases "
        "simulation.population draws (check the loop's guards and probabilities); not simulated"
    ),
    N_(
        "cases would take {n} steps on average, over the cap of {cap}: the loop through {step} "
        "is left too rarely; not simulated"
    ),
    N_(
        "role {role} has a capacity, so cases queue and need an arrival rate: set "
        "simulation.arrivals_per_day in the file or pass --arrivals-per-day"
    ),
)
"""Errors of ``simulate --set``, ``--scenario`` and ``--compare`` in English, translated like
finding messages (whole or not at all) by :func:`error_message`; a nested ``{problem}`` (the
schema's words on a changed pathway that no longer validates) or ``{message}`` (the error of a
scenario's own change) is one of these in turn, or a piece or template of a finding message
(the model's own words, such as a duration it cannot read)."""

USAGE: tuple[str, ...] = (
    # click's (typer's) usage errors, as format_message() writes them
    N_("No such command {name}."),
    N_("No such option: {option} (Possible options: {options})"),
    N_("No such option: {option}"),
    N_("Missing argument {name}."),
    N_("Missing option {name}."),
    N_("Option {name} requires an argument."),
    N_("Option {name} does not take a value."),
    N_("Got unexpected extra argument(s) ({args})"),
    N_("Invalid value for {option}: {problem}"),
    N_("{option} must be {n} or more"),
    # the commands' own (pathways.cli._common.Usage)
    N_("invalid value for {option}: {problem}"),
    N_("-o {path}: unknown suffix {suffix}; use one of {suffixes}"),
    N_("-o {path}: unknown suffix; use one of {suffixes}"),
    N_("--direction {value}: choose LR or TB"),
    N_("--page {value}: choose A3, A4 or none"),
    N_("--orientation {value}: choose landscape or portrait"),
    N_("{option}: {problem}"),
)
"""Usage errors (what follows ``error:``) in English, translated like finding messages (whole
or not at all) by :func:`usage_message`; their ``{problem}`` is one of :data:`USAGE_PARTS`."""

USAGE_PARTS: tuple[str, ...] = (
    # typer reads values with pydantic (a number below an option's minimum is said in plain
    # words instead: "{option} must be {n} or more")
    N_("Input should be a valid integer, unable to parse string as an integer"),
    N_("Input should be a valid number, unable to parse string as a number"),
    # the commands' own
    N_("{value}; choose one of {names}"),
    N_("{value} is not a date; write YYYY-MM-DD"),
    N_("{value}; write OLD_ID=NEW_ID"),
    N_("{value}; write ID:ROLE"),
    N_("{value}; write an ISO 8601 time with a zone, e.g. 2027-01-04T09:00+07:00"),
    N_("{value} is below 1"),
    N_("arrivals must be above 0"),
    N_("no *.yaml, *.yml or *.json files found"),
    N_("no such file: {path}"),
    N_("a pathway file"),
    N_("a JSON file"),
    N_("a BPMN file"),
    N_("{path} exists and is not a folder"),
    N_("{path} is a folder; give a file name"),
    N_("{path} is not a regular file; give a file name"),
    N_("{path} is a folder; give {what}"),
    N_("{path} is not a regular file (a pipe or a device?); give {what}"),
    N_("folder {path} does not exist; create it first"),
    N_("folder {path} is not writable"),
    N_("{path} is a loop of symbolic links"),
    N_("{path} is not a SQLite case store"),
    N_("{path} is empty, not a case store; give the SQLite file the cases are saved in"),
    N_("{path} is a SQLite database without cases; give the SQLite file the cases are saved in"),
    N_("{path}: a name in it is longer than the file system allows"),
    # a JSON file an option reads (render --simulation)
    N_("{path} is not UTF-8 text"),
    N_("{path} nests deeper than {n} levels"),
    N_("{path}:{line}:{column}: not JSON ({parser})"),
)
"""The problems of :data:`USAGE` (a value's, a file's). An unknown ``--lang`` is answered in
English: the reader's language is not known then."""

_NESTED = frozenset({"message", "problem", "expected", "what"})
"""Placeholders that hold a finding message or a piece of one, translated in turn (a
translation with a piece left in English is not used: the whole message stays English)."""

_NUMBERS = frozenset(
    {
        "n",
        "k",
        "line",
        "index",
        "first",
        "second",
        "total",
        "days",
        "limit",
        "hours",
        "wait",
        "column",
        "number",
    }
)
"""Placeholders that hold a number only (so no English word slips into a translation)."""

_DURATIONS = frozenset({"time", "time_limit", "time_waited", "time_taken"})
"""Placeholders that hold a duration as :func:`pathways.i18n.human_hours` writes it in English
("72 h (3 days)"): written again in the reader's language."""

_QUOTED = frozenset({"choice", "choices", "last"})
"""Placeholders that hold quoted values only ('entry', 'action')."""

_WITNESSES = frozenset({"witness"})
"""Placeholders that hold a calendar's witness as :func:`pathways.calendars.worst_case` writes
it in English ("Friday 16:30 to Monday 09:30"): written again in the reader's language."""

_CASE = "case"
"""The placeholder that holds a finding's witness case (``age=12, risk='high'``): written
again with the file's field and value labels when the caller knows them."""

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WITNESS = N_("{start_day} {start_time} to {end_day} {end_time}")

OMITTED = frozenset({"parser"})
"""Placeholders a translation may leave out: the YAML parser's own English words, which the
English message and the JSON keep for whoever needs them."""

_SEVERITY = {"error": N_("error"), "warning": N_("warning"), "info": N_("note")}


_SHAPES = {
    "number": "-?[0-9][0-9.,]*",
    "quoted": "'[^']*'(?:, '[^']*')*",
    "duration": r"[0-9][0-9.,]* (?:h|min)(?: \([0-9][0-9.,]* (?:days?|weeks)\))?",
    "witness": "(?:{days}) [0-2][0-9]:[0-5][0-9] to (?:{days}) [0-2][0-9]:[0-5][0-9]".format(
        days="|".join(_WEEKDAYS)
    ),
    "any": ".+?",
}


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    regex, seen = "", set()
    for i, part in enumerate(parts):
        if i % 2 == 0:
            regex += re.escape(part)
        elif part in seen:  # the same value again (PW504: "3 what? ... write 3h")
            regex += f"(?P={part})"
        else:
            seen.add(part)
            shape = (
                "number"
                if part in _NUMBERS
                else "quoted"
                if part in _QUOTED
                else "duration"
                if part in _DURATIONS
                else "witness"
                if part in _WITNESSES
                else "any"
            )
            regex += f"(?P<{part}>{_SHAPES[shape]})"
    return re.compile(regex, re.DOTALL)


@functools.cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The whole-message templates, compiled, in order."""
    return tuple((template, _compile(template)) for template in TEMPLATES)


@functools.cache
def _part_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """What a nested placeholder may hold: a part first, else a whole message."""
    return tuple((template, _compile(template)) for template in PARTS) + _patterns()


def finding_message(message: str, lang: str | None, case: tuple[str, str] | None = None) -> str:
    """``message`` in ``lang`` when a template matches it whole and is translated, else the
    English ``message`` unchanged.

    ``case`` is a finding's witness case as the rule wrote it and as people read it (fields
    and values by their labels, :func:`pathways.findings.case_text` with ``words``): a
    ``{case}`` placeholder holding the first is written as the second, in English too.

    >>> finding_message("no guard out of 's' holds for age=12, so such a case is stuck",
    ...     "en", ("age=12", "age in years = 12"))
    "no guard out of 's' holds for age in years = 12, so such a case is stuck"
    """
    if (lang or "en").split("-")[0].split("_")[0].lower() == "en":
        return _english_case(message, case)
    # a nested {message} may be a simulate error too (a scenario's override, checked at load)
    said = _translate(message, lang, _patterns(), _part_patterns() + _error_patterns(), case)
    return _english_case(message, case) if said == message else said


def _english_case(message: str, case: tuple[str, str] | None) -> str:
    """``message`` with its ``{case}`` placeholder, if it holds ``case[0]``, as ``case[1]``."""
    if case is None:
        return message
    for _, pattern in _patterns():
        match = pattern.fullmatch(message)
        if match is not None and match.groupdict().get(_CASE) == case[0]:
            return message[: match.start(_CASE)] + case[1] + message[match.end(_CASE) :]
    return message


def error_message(message: str, lang: str | None) -> str:
    """A ``simulate --set`` error in ``lang`` when a template of :data:`ERRORS` matches it
    whole and is translated, else the English ``message`` unchanged."""
    if (lang or "en").split("-")[0].split("_")[0].lower() == "en":
        return message
    return _translate(message, lang, _error_patterns(), _error_patterns() + _part_patterns())


def usage_message(message: str, lang: str | None) -> str:
    """A usage error (click's or a command's, what follows ``error:``) in ``lang`` when a
    template of :data:`USAGE` matches it whole, with its problem, and is translated; else the
    English ``message`` unchanged."""
    if (lang or "en").split("-")[0].split("_")[0].lower() == "en":
        return message
    return _translate(message, lang, _usage_patterns(), _usage_part_patterns())


@functools.cache
def _usage_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The usage errors, then their problems alone (a command's message without an option)."""
    return tuple((template, _compile(template)) for template in USAGE) + _usage_part_patterns()


@functools.cache
def _usage_part_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((template, _compile(template)) for template in USAGE_PARTS)


@functools.cache
def _error_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((template, _compile(template)) for template in ERRORS)


def _translate(
    message: str,
    lang: str | None,
    patterns: tuple[tuple[str, re.Pattern[str]], ...],
    parts: tuple[tuple[str, re.Pattern[str]], ...] | None = None,
    case: tuple[str, str] | None = None,
) -> str:
    for template, pattern in patterns:
        match = pattern.fullmatch(message)
        if match is None:
            continue
        translated = tr(template, lang)
        if translated == template:
            return message
        values = match.groupdict()
        if case is not None and values.get(_CASE) == case[0]:
            values[_CASE] = case[1]
        elif values.get(_CASE) == "any case":  # PW402/PW403 with no field in the guards
            values[_CASE] = tr("any case", lang)
        for name in _DURATIONS & values.keys():
            values[name] = _duration(values[name], lang)
        for name in _WITNESSES & values.keys():
            values[name] = _witness(values[name], lang)
        for name in _NESTED & values.keys():
            inner = _translate(values[name], lang, parts or _part_patterns(), parts)
            if inner == values[name]:
                break  # a piece stays English: the next template may read it another way
            values[name] = inner
        else:
            return _fill(translated, values)
    return message


def _duration(english: str, lang: str | None) -> str:
    """A duration :func:`~pathways.i18n.human_hours` wrote in English, in ``lang``.

    >>> _duration("80 h (3.3 days)", "km")
    '80 ម៉ោង (3.3 ថ្ងៃ)'
    """
    number, unit = english.split(" (")[0].split(" ")
    hours = float(number.replace(",", ""))
    return human_hours(hours if unit == "h" else hours / 60, lang)


def _witness(english: str, lang: str | None) -> str:
    """A calendar's witness (``"Friday 16:30 to Monday 09:30"``) in ``lang``: the weekdays
    by Babel's (CLDR's) names, the times by its pattern, in the catalogue's order.

    >>> _witness("Friday 16:30 to Monday 09:30", "km")
    'ថ្ងៃសុក្រ ម៉ោង 16:30 ដល់ថ្ងៃច័ន្ទ ម៉ោង 09:30'
    """
    import datetime as dt

    from babel import Locale, UnknownLocaleError
    from babel.dates import format_time

    start, end = english.split(" to ")
    try:
        locale = Locale.parse((lang or "en").replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return english
    names = locale.days["format"]["wide"]
    values = {}
    for which, part in (("start", start), ("end", end)):
        day, clock = part.split(" ")
        hour, minute = clock.split(":")
        values[f"{which}_day"] = names[_WEEKDAYS.index(day)]
        values[f"{which}_time"] = format_time(
            dt.time(int(hour), int(minute)), "HH:mm", locale=locale
        )
    return _fill(tr(_WITNESS, lang), values)


def _fill(translated: str, values: dict[str, str]) -> str:
    """The values put back (not str.format: a sentence may hold literal braces, "a { ... }
    list"; a placeholder the translation leaves out, in :data:`OMITTED`, is simply unused)."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), translated)


def severity_word(severity: str, lang: str | None) -> str:
    """The severity as written for people: the value itself in English (``error``,
    ``warning``, ``info``), the catalogue's word in another language."""
    if (lang or "en").split("-")[0].split("_")[0].lower() == "en":
        return severity
    return tr(_SEVERITY.get(severity, severity), lang)
