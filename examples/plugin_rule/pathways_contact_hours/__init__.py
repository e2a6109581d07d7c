"""An example plugin rule for pathways: every contact says when it answers.

Install it next to pathways (``pip install examples/plugin_rule``) and ``pathways validate``
runs the rule with the built-in ones; ``pathways rules PW901`` prints this page.
"""

from __future__ import annotations

from collections.abc import Iterator

from pathways.findings import Finding, Severity
from pathways.rules import RuleContext, rule

__all__ = ["contact_without_hours"]


@rule(code="PW901", name="contact-without-hours", severity=Severity.WARNING)
def contact_without_hours(ctx: RuleContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that every contact of every agency says when it answers (`hours`).

    ## Why is this bad?
    A coordinator who refers a child at night needs to know whether the number will answer.
    A contact without hours sends the case to a phone that may ring out.

    ## Example
    ```yaml
    contacts:
      - {channel: phone, value: "+855 12 345 678"}   # PW901
    ```

    Use instead: add the hours, e.g. `hours: "24/7"` or `hours: "Mon-Fri 8-17"`.
    """
    for a, agency in enumerate(ctx.pathway.agencies):
        for c, contact in enumerate(agency.contacts):
            if not (contact.hours and contact.hours.strip()):
                yield ctx.report(
                    ("agencies", a, "contacts", c),
                    f"contact {contact.value!r} of agency {agency.id!r} does not say when it "
                    "answers; add `hours`",
                )
