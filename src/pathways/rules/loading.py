"""PW001-PW007: the codes loading reports, as rules with pages (stage ``"load"``).

Loading (:mod:`pathways.load`) makes these findings while it reads a file; a file with any of
them is not loaded, so no other rule runs on it. Here they are rules like every other code, so
``pathways rules PW005``, SARIF help text, the docs pages and the report's links need no special
case. :func:`pathways.check` skips them (their check function finds nothing on a loaded
pathway). Their names come from :data:`pathways.load.codes.LOAD_RULES`, the table the loader
makes findings with.
"""

from __future__ import annotations

from collections.abc import Iterator

from pathways.findings import Finding, Severity
from pathways.load.codes import LOAD_RULES
from pathways.rules._base import Rule, RuleContext, rule

__all__ = ["RULES"]


@rule(code="PW001", name=LOAD_RULES["PW001"], severity=Severity.ERROR, stage="load")
def yaml_syntax(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Reports a file that is not readable YAML or JSON (also: invalid UTF-8, duplicate keys,
    aliases that expand too much, Python tags, a file larger than 10 MB).

    ## Why is this bad?
    Nothing in the file can be checked, drawn or run until it reads as plain data. Duplicate
    keys are refused rather than letting the last one silently win, and tags that would build
    Python objects are never followed.

    ## Example
    ```yaml
    steps:
      - id: start
        kind: entry
      id: again      # a duplicate key, or a bad indent
    ```

    Use instead: plain YAML with each key once; quote text that holds `: ` or starts with a
    special character.

    ## References
    - [Format reference](../format.md)
    - [Security](../security.md): what the loader refuses and why
    """
    del ctx
    return iter(())


@rule(code="PW002", name=LOAD_RULES["PW002"], severity=Severity.ERROR, stage="load")
def schema(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Reports a key that is missing, unknown, or of the wrong type, or a value out of range.

    ## Why is this bad?
    A misspelt key (`lable:`) would otherwise be ignored and the pathway would silently lose
    what the author wrote; the message suggests the closest known key.

    ## Example
    ```yaml
    steps:
      - id: start
        kind: entry
        lable: Intake     # unknown key
    ```

    Use instead:
    ```yaml
    steps:
      - id: start
        kind: entry
        label: Intake
    ```

    ## References
    - [Format reference](../format.md)
    - `pathways schema` prints the JSON Schema for editors
    """
    del ctx
    return iter(())


@rule(code="PW003", name=LOAD_RULES["PW003"], severity=Severity.ERROR, stage="load")
def unknown_reference(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Reports a step, role, agency, sector, field, deadline or scenario override that names
    something not declared.

    A scenario's `set:` is checked with the parser `pathways simulate --set` uses, without
    running anything; an override that names something but cannot apply, such as
    `roles.doctor.capacity=0`, is PW002.

    ## Why is this bad?
    A transition to a step that does not exist, or a role of an agency nobody declared, is a
    pathway nobody can follow; the message suggests the closest declared id.

    ## Example
    ```yaml
    steps:
      - {id: a, kind: entry, role: worker}   # no role 'worker' is declared
    transitions:
      - {from: a, to: c}                     # no step 'c'
    ```

    ```yaml
    scenarios:
      - name: one-doctor
        set: [roles.docter.capacity=1]       # no role 'docter'; did you mean 'doctor'?
    ```

    Use instead: declare the role and the step, or correct the spelling of the id.

    ## References
    - [Format reference](../format.md)
    """
    del ctx
    return iter(())


@rule(code="PW004", name=LOAD_RULES["PW004"], severity=Severity.ERROR, stage="load")
def duplicate_id(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Reports two steps, roles, agencies or deadlines that share an id, and two scenarios that
    share a name (`pathways simulate --scenario` and `--compare` pick a scenario by name).

    ## Why is this bad?
    Every reference, finding, history entry and diagram names things by id; with two things
    of one id, nobody can tell which one is meant.

    ## Example
    ```yaml
    steps:
      - {id: review, kind: action, role: r}
      - {id: review, kind: action, role: s}
    ```

    Use instead: give each an id of its own (`review-social`, `review-health`).

    ## References
    - [Format reference](../format.md)
    """
    del ctx
    return iter(())


@rule(code="PW005", name=LOAD_RULES["PW005"], severity=Severity.ERROR, stage="load")
def invalid_guard(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Reports a `when:` that does not parse, uses an unknown field, or compares mismatched
    types; the column points at the offending token.

    ## Why is this bad?
    A guard that cannot be read or typed decides nothing: the case would take a route nobody
    chose. Guards are read by the pathway's own small grammar, never by `eval`.

    ## Example
    ```yaml
    case_fields:
      age: {type: integer, min: 0, max: 17}
    transitions:
      - {from: a, to: b, when: "agee < 12"}      # unknown field
      - {from: a, to: c, when: "age == 'young'"} # a number compared with text
    ```

    Use instead:
    ```yaml
    transitions:
      - {from: a, to: b, when: "age < 12"}
      - {from: a, to: c, when: "age >= 12"}
    ```

    ## References
    - [Format reference](../format.md): the guard grammar
    """
    del ctx
    return iter(())


@rule(code="PW006", name=LOAD_RULES["PW006"], severity=Severity.ERROR, stage="load")
def invalid_duration(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Reports a duration that does not parse, or whose min <= mode <= max order is broken.

    ## Why is this bad?
    Durations drive deadlines, waits and the simulation; a duration that cannot be read, or a
    triangle whose most likely value lies outside its bounds, has no meaning to compute with.

    ## Example
    ```yaml
    steps:
      - {id: a, kind: entry, role: r, duration: 3 days}
      - {id: m, role: r, duration: {min: 2h, mode: 1h, max: 3h}}
    ```

    Use instead:
    ```yaml
    steps:
      - {id: a, kind: entry, role: r, duration: 3d}
      - {id: m, role: r, duration: {min: 1h, mode: 2h, max: 3h}}
    ```

    ## References
    - [Format reference](../format.md)
    """
    del ctx
    return iter(())


@rule(code="PW007", name="bpmn-unmapped", severity=Severity.WARNING)
def bpmn_unmapped(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Reports what an imported BPMN file holds that a pathway cannot hold.

    Inclusive and complex gateways, compensation, escalation, error and cancel events,
    non-timer boundary events, event sub-processes, loop markers, timers without an ISO 8601
    duration, conditions outside the guard language, message flows to a pool without a
    process. Each finding names the BPMN
    element, its id, and its line and column in the XML, and says what was done instead
    (approximated, kept as a label, or left out). Elements with no flow meaning (data objects,
    annotations, groups) are counted in one `info` finding per file.

    ## Why is this bad?
    A pathway imported from BPMN is checked as drawn; where the import had to approximate, a
    verdict may differ from what the modeller meant. Nothing is dropped silently.

    ## Example
    ```xml
    <bpmn:inclusiveGateway id="Gateway_1" />
    ```

    Use instead: an exclusive gateway (one branch) or a parallel gateway (every branch), or
    accept the approximation with a waiver.

    ## References
    - [BPMN import and export](../bpmn.md): the mapping table
    """
    smap = ctx.pathway.source_map
    return iter(list(getattr(smap, "notes", ())))


RULES: tuple[Rule, ...] = (
    yaml_syntax,
    schema,
    unknown_reference,
    duplicate_id,
    invalid_guard,
    invalid_duration,
    bpmn_unmapped,
)
