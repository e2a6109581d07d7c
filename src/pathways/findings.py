"""Findings: the problems found in a pathway, as data with a location and a witness."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = [
    "CaseWords",
    "Finding",
    "Location",
    "Severity",
    "case_text",
    "finding_words",
    "format_finding",
    "value_text",
]


class Severity(enum.Enum):
    """How bad a finding is; ``validate`` exits 1 when any finding is an error."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for errors, 1 for warnings, 2 for infos (sorting puts errors first)."""
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """Where a finding points: a file, a 1-based line and column, and the document path."""

    file: str
    line: int
    column: int
    path: tuple[str | int, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in one pathway file.

    ``step`` and ``transition`` name what the finding is about; ``route`` is a witness (a list
    of step ids that shows the problem) and ``case`` a set of case-field values that does.
    """

    code: str
    rule: str
    severity: Severity
    message: str
    location: Location
    step: str | None = None
    transition: int | None = None
    route: tuple[str, ...] | None = None
    case: dict[str, Any] | None = field(default=None, hash=False)

    def __str__(self) -> str:
        loc = self.location
        return f"{loc.file}:{loc.line}:{loc.column}: {self.code} {self.message}"

    @property
    def file(self) -> str:
        return self.location.file

    @property
    def line(self) -> int:
        return self.location.line

    @property
    def column(self) -> int:
        return self.location.column

    def sort_key(self) -> tuple[str, int, int, str, str, int, str]:
        """Files, then position, then code: the order every output uses."""
        loc = self.location
        return (
            loc.file,
            loc.line,
            loc.column,
            self.code,
            self.step or "",
            -1 if self.transition is None else self.transition,
            self.message,
        )

    def to_dict(self) -> dict[str, Any]:
        """The finding as SPEC section 5's JSON object (optional keys only when set)."""
        out: dict[str, Any] = {
            "file": self.location.file,
            "line": self.location.line,
            "column": self.location.column,
            "code": self.code,
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
        }
        if self.step is not None:
            out["step"] = self.step
        if self.transition is not None:
            out["transition"] = self.transition
        if self.route is not None:
            out["route"] = list(self.route)
        if self.case is not None:
            out["case"] = dict(self.case)
        return out


class _Labelled(Protocol):
    """What :meth:`CaseWords.of` reads of a pathway (``pathways.model.Pathway``, a layer
    above this one: named by its shape, not imported)."""

    def field_labels(self, lang: str | None = None) -> dict[str, str]: ...

    def value_labels(self, lang: str | None = None) -> dict[str, dict[str, str]]: ...


@dataclass(frozen=True, slots=True)
class CaseWords:
    """How a pathway's case fields read for people: each field's label and the labels of its
    enum values, by field and value, in one language (``Pathway.field_labels(lang)`` and
    ``Pathway.value_labels(lang)``). Human text output names a witness case's fields and values
    with them; JSON, SARIF and GitHub output keep the ids."""

    fields: Mapping[str, str]
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    lang: str | None = None
    """The language of the labels, and of yes and no (:func:`value_text`)."""

    @classmethod
    def of(cls, pathway: _Labelled, lang: str | None = None) -> CaseWords:
        """The pathway's field and value labels in ``lang``."""
        return cls(pathway.field_labels(lang), pathway.value_labels(lang), lang)


def value_text(
    value: object, labels: Mapping[str, str] | None = None, lang: str | None = None
) -> str:
    """One case value as people read it, the one way every human output says it (a witness
    case in ``validate``'s text output, the report's findings and ``diff``'s finding changes
    through :func:`case_text` with words; the facts of ``trace`` and of a traced drawing): a
    boolean is yes or no in ``lang``, an enum value its label (``labels``: the field's value
    labels in ``lang``) or else as written, a number as written. The guard language's form
    (``true``, ``'low'``) is :func:`case_text` without words; JSON keeps the typed value.

    >>> value_text(True), value_text(False, lang="km"), value_text(12), value_text(0.5)
    ('yes', 'ទេ', '12', '0.5')
    >>> value_text("high", {"high": "high risk"}), value_text("low", {"high": "high risk"})
    ('high risk', 'low')
    """
    if isinstance(value, bool):
        from pathways.i18n import tr

        return tr("yes", lang) if value else tr("no", lang)
    if isinstance(value, str):
        return (labels or {}).get(value, value)
    return str(value)


def case_text(case: Mapping[str, object], sep: str = "=", words: CaseWords | None = None) -> str:
    """A case's values as the guard language writes them (``online=true, risk='low'``), for
    messages and the text output (JSON keeps the typed values).

    With ``words``, what people read: each field by its label and each value as
    :func:`value_text` says it (``age = 12, level of risk = high, online = yes``), in the
    language of ``words``.

    >>> case_text({"online": True, "risk": "low", "age": 9})
    "online=true, risk='low', age=9"
    >>> case_text({"risk": "low", "age": 9, "online": True}, words=CaseWords(
    ...     {"risk": "level of risk"}, {"risk": {"low": "low risk"}}))
    'level of risk = low risk, age = 9, online = yes'
    """
    said = []
    for name, value in case.items():
        if words is not None:
            shown = value_text(value, words.values.get(name), words.lang)
            said.append(f"{words.fields.get(name, name)} = {shown}")
        else:
            shown = ("true" if value else "false") if isinstance(value, bool) else repr(value)
            said.append(f"{name}{sep}{shown}")
    return ", ".join(said)


def format_finding(
    finding: Finding, lang: str | None = None, words: CaseWords | None = None
) -> str:
    """The one text line of a finding: ``file:line:column: CODE [severity] message``.

    ``pathways validate`` prints it (with the witness route and case on lines below it), and
    every command prints it on stderr for a file that does not load or check. In another
    language than English, the severity and the message are the catalogue's where it has them
    (:func:`pathways.messages.finding_message`: the message wholly translated or wholly English).
    With ``words`` (the file's field and value labels), the witness case in the message names
    fields and values by their labels, in English too.

    Examples
    --------
    >>> f = Finding("PW101", "no-entry", Severity.ERROR, "no entry step", Location("p.yaml", 3, 1))
    >>> format_finding(f)
    'p.yaml:3:1: PW101 [error] no entry step'
    """
    from pathways.messages import severity_word

    loc = finding.location
    severity = severity_word(finding.severity.value, lang)
    message = finding_words(finding, lang, words)
    return f"{loc.file}:{loc.line}:{loc.column}: {finding.code} [{severity}] {message}"


def finding_words(finding: Finding, lang: str | None = None, words: CaseWords | None = None) -> str:
    """A finding's message as people read it: in ``lang`` where the catalogue has it
    (:func:`pathways.messages.finding_message`), its witness case by the field and value labels
    of ``words`` (:meth:`CaseWords.of`); the finding itself keeps the ids."""
    from pathways.messages import finding_message

    case = None
    if finding.case and words is not None:
        case = (case_text(finding.case), case_text(finding.case, words=words))
    return finding_message(finding.message, lang, case=case)
