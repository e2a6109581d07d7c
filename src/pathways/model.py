"""The pathway model: the one plain object every loader produces and every part reads.

The graph, the runtime engine, the renderer and the simulator all read a :class:`Pathway`;
none of them touches YAML. Models are pydantic v2, frozen, and forbid unknown keys, so a typo
in a file becomes a finding instead of a silently ignored field. Field descriptions become the
JSON Schema (``pathways schema``) and the format reference in the docs.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
import json
import math
from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    WithJsonSchema,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from pathways.durations import MAX_HOURS, DurationError, format_hours, parse_hours
from pathways.i18n import did_you_mean

if TYPE_CHECKING:
    import networkx

__all__ = [
    "BUILTIN_SECTORS",
    "DISTRIBUTIONS",
    "FORK_EVENT",
    "FORMAT",
    "MAX_ARRIVALS_PER_DAY",
    "MAX_CAPACITY",
    "MAX_HOURS",
    "MAX_NUMBER",
    "MAX_WEIGHT",
    "MIN_ARRIVALS_PER_DAY",
    "Agency",
    "Calendar",
    "CaseField",
    "Confidentiality",
    "Contact",
    "Deadline",
    "Duration",
    "Hours",
    "KeyedValueError",
    "Label",
    "Pathway",
    "Policies",
    "Role",
    "RuleConfig",
    "Scenario",
    "Simulation",
    "Source",
    "Step",
    "StepKind",
    "Transition",
    "Visibility",
    "Waiver",
    "label_text",
    "population_errors",
]

FORMAT = "pathways/1"

BUILTIN_SECTORS: tuple[str, ...] = (
    "justice",
    "police",
    "social",
    "health",
    "education",
    "hotline",
    "ngo",
    "community",
    "tourism",
    "technology",
    "media",
    "immigration",
)

ID_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$"
DURATION_PATTERN = (
    r"^\s*(?:(?:\d+(?:\.\d+)?\s*[smhdw]\s*)+|[Pp](?:\d+(?:\.\d+)?[WwDd])*"
    r"(?:[Tt](?:\d+(?:\.\d+)?[HhMmSs])+)?)\s*$"
)


# The documented range of every number a pathway may hold (docs/security.md): all finite.
MAX_CAPACITY = 1_000_000
"""The most cases a role may handle at once."""
MAX_NUMBER = 1e15
"""The largest magnitude of a case-field bound, a population value or a guard constant
(integers up to it are exact in a float)."""
MAX_WEIGHT = 1e9
"""The largest simulation weight (entries, population choices)."""
MIN_ARRIVALS_PER_DAY = 1e-3
"""The lowest arrival rate: one case in about three years."""
MAX_ARRIVALS_PER_DAY = 1e6
"""The highest arrival rate."""
MIN_START = dt.date(1900, 1, 1)
"""The earliest ``simulation.start``."""
MAX_START = dt.date(2999, 12, 31)
"""The latest ``simulation.start``."""

Number = Annotated[float, Field(allow_inf_nan=False, ge=-MAX_NUMBER, le=MAX_NUMBER)]
Weight = Annotated[float, Field(allow_inf_nan=False, ge=0, le=MAX_WEIGHT)]


def _finite(value: Any, limit: float) -> bool:
    """Whether a plain number is finite and within +-limit (bools are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(float(value)) and abs(value) <= limit
    except OverflowError:  # an int beyond float range
        return False


_MAPPING = (dict, Mapping)
"""What the validators take as a mapping: a dict is answered without ``Mapping``'s ABC check
(a Python call; the validators ask it of every step and transition)."""


def _config(title: str | None = None) -> ConfigDict:
    return ConfigDict(extra="forbid", frozen=True, populate_by_name=True, title=title)


def _hours(value: Any) -> Any:
    if value.__class__ is float and 0.0 < value <= MAX_HOURS:
        return value  # hours already read: a Duration's bounds, made by _from_document
    if isinstance(value, str):
        try:
            return parse_hours(value)
        except DurationError as exc:
            raise PydanticCustomError("invalid_duration", str(exc)) from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError(
            "invalid_duration",
            "a duration is a string such as '30m', '2h', '3d', '2w' or 'PT72H'",
        )
    if not _finite(value, MAX_HOURS):
        raise PydanticCustomError(
            "invalid_duration",
            "a duration is finite and at most 100 years (876600 hours)",
        )
    return float(value) + 0.0  # -0.0 -> 0.0


Hours = Annotated[
    float,
    # The bounds before the validator: pydantic-core checks them in the float itself; after
    # it, they would be three Python functions run on every duration (same errors).
    Field(ge=0, le=MAX_HOURS, allow_inf_nan=False),
    BeforeValidator(_hours),
    PlainSerializer(format_hours, return_type=str, when_used="always"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": DURATION_PATTERN,
            "description": "A duration: 45m, 2h, 3d, 2w, 1d12h or ISO 8601 (PT72H, P5D).",
            "examples": ["72h", "3d", "PT72H"],
        }
    ),
]
"""A duration in hours, written in files as ``"72h"``, ``"3d"``, ``"PT72H"`` ..."""

Id = Annotated[str, Field(pattern=ID_PATTERN, min_length=1, max_length=200)]
Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Label = str | dict[str, str]
"""A plain string (in the first of ``locales``) or a map of locale to string."""


class Visibility(enum.StrEnum):
    """Who may see a piece of rendered output (ordered: public < partners < restricted)."""

    PUBLIC = "public"
    PARTNERS = "partners"
    RESTRICTED = "restricted"

    @property
    def rank(self) -> int:
        return ("public", "partners", "restricted").index(self.value)


class Confidentiality(enum.StrEnum):
    """How sensitive the information at a step is (ordered: public < ... < restricted)."""

    PUBLIC = "public"
    INTERNAL = "internal"
    SENSITIVE = "sensitive"
    RESTRICTED = "restricted"

    @property
    def rank(self) -> int:
        return ("public", "internal", "sensitive", "restricted").index(self.value)


StepKind = Literal["entry", "action", "decision", "wait", "outcome", "fork", "join"]
"""Step kinds; ``fork`` and ``join`` start and gather parallel tracks (SPEC 7.1)."""

FORK_EVENT = "tracks"
"""The event every exit of a fork moves on unless the file names another (SPEC 7.1)."""


def _language(code: str) -> str:
    """The language of a locale code: ``km`` for ``km``, ``KM``, ``km_KH`` and ``km-KH``."""
    return code.replace("_", "-").split("-")[0].lower()


def label_text(label: Label | None, lang: str | None, locales: tuple[str, ...]) -> str:
    """The text of a label in ``lang`` (or in a locale of its language: ``km_KH`` reads
    ``km``), falling back to the first locale, then any.

    Examples
    --------
    >>> from pathways.model import label_text
    >>> label_text({"en": "Intake", "km": "ការទទួល"}, "km", ("en", "km"))
    'ការទទួល'
    >>> label_text({"en": "Intake", "km": "ការទទួល"}, "km_KH", ("en", "km"))
    'ការទទួល'
    >>> label_text("Intake", "km", ("en", "km"))
    'Intake'
    """
    if label is None:
        return ""
    if isinstance(label, str):
        return label
    if lang is not None and lang not in label:  # km_KH or KM: the file's km
        base = _language(lang)
        lang = next((key for key in label if _language(key) == base), lang)
    for key in (lang, *locales):
        if key is not None and key in label:
            return label[key]
    return next(iter(label.values()), "")


class Source(BaseModel):
    """A document the pathway's steps and time limits come from."""

    model_config = _config()

    id: Id = Field(description="Short id, cited from comments and docs.")
    title: str = Field(description="Title of the guideline, law or report.")
    url: str | None = Field(default=None, description="Where to read it.")


class Contact(BaseModel):
    """One way to reach an agency."""

    model_config = _config()

    channel: str = Field(description="phone, sms, email, web, office, ...")
    value: str = Field(description="The number, address or URL.")
    hours: str | None = Field(default=None, description="When it answers, e.g. '24/7'.")
    visibility: Visibility = Field(
        default=Visibility.PARTNERS,
        description="Who may see this contact in rendered output (see --visibility).",
    )
    verified_on: dt.date | None = Field(
        default=None, description="When someone last checked it works (PW502)."
    )


class Agency(BaseModel):
    """An organisation that takes part in the pathway."""

    model_config = _config()

    id: Id = Field(description="Unique among agencies.")
    name: Label = Field(description="Full name.")
    sector: str = Field(description="A built-in sector or one declared in `sectors`.")
    visibility: Visibility = Field(
        default=Visibility.PUBLIC,
        description="Who may see the agency in rendered output (a shelter may be restricted).",
    )
    contacts: tuple[Contact, ...] = Field(default=(), description="How to reach it (PW206).")


class Role(BaseModel):
    """A job in an agency; steps are the responsibility of roles."""

    model_config = _config()

    id: Id = Field(description="Unique among roles.")
    agency: str = Field(description="The agency id this role belongs to.")
    title: Label = Field(description="Job title.")
    capacity: int | None = Field(
        default=None,
        ge=1,
        le=MAX_CAPACITY,
        description="Cases handled at once (simulation, up to 1,000,000); omitted: unlimited.",
    )
    clearance: Confidentiality = Field(
        default=Confidentiality.INTERNAL,
        description="Highest confidentiality level the role may hold (PW306).",
    )
    calendar: str | None = Field(
        default=None, description="The calendar (of `calendars`) it works to; default: always."
    )


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_shift(text: str) -> tuple[int, int]:
    """``"08:00-12:30"`` -> minutes from midnight ``(480, 750)``; ``24:00`` ends the day.

    >>> parse_shift("14:00-17:30")
    (840, 1050)
    >>> parse_shift("25:00-26:00")
    Traceback (most recent call last):
    ...
    ValueError: '25:00-26:00': hours run from 00:00 to 24:00, written HH:MM-HH:MM
    """
    minutes: list[int] = []
    for part in text.split("-") if text.count("-") == 1 else ["x"]:
        hh, _, mm = part.strip().partition(":")
        if not (len(hh) == 2 and len(mm) == 2 and hh.isdigit() and mm.isdigit()):
            minutes = []
            break
        h, m = int(hh), int(mm)
        if not (m < 60 and (h < 24 or (h == 24 and m == 0))):
            minutes = []
            break
        minutes.append(h * 60 + m)
    if len(minutes) != 2:
        raise ValueError(f"{text!r}: hours run from 00:00 to 24:00, written HH:MM-HH:MM")
    if minutes[0] >= minutes[1]:
        raise ValueError(f"{text!r}: a shift ends after it starts (split one past midnight)")
    return minutes[0], minutes[1]


class Calendar(BaseModel):
    """When a role works (SPEC 7.3): step durations are working time of the role's calendar."""

    model_config = _config()

    label: Label | None = Field(
        default=None,
        description="What the calendar is called for readers (simulate --compare, the report); "
        "roles and JSON keep its name.",
    )
    timezone: str = Field(default="UTC", description="IANA time zone, e.g. Asia/Phnom_Penh.")
    days: tuple[Weekday, ...] = Field(default=WEEKDAYS, description="Working days.")
    hours: tuple[str, ...] = Field(
        default=("00:00-24:00",),
        description='Working hours each working day, e.g. ["08:00-12:00", "14:00-17:00"].',
    )
    holidays: tuple[dt.date, ...] = Field(default=(), description="Days off (YYYY-MM-DD).")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(value)
        # the name is a path into the zone database: 'Asia' is a folder (IsADirectoryError),
        # a 300-character name too long for a file name (OSError)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            zones = sorted(zoneinfo.available_timezones())
            hint = did_you_mean(value, zones) or "; use an IANA name such as Asia/Phnom_Penh or UTC"
            raise ValueError(f"unknown time zone {value!r}{hint}") from None
        return value

    @field_validator("hours")
    @classmethod
    def _shifts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        spans = sorted(parse_shift(h) for h in value)
        for (_, end), (start, _) in itertools.pairwise(spans):
            if start < end:
                raise ValueError("working hours overlap; list each stretch once")
        return value

    @model_validator(mode="after")
    def _some_work(self) -> Calendar:
        if not self.days or not self.hours:
            raise ValueError("a calendar needs at least one working day and one working hour")
        return self


class KeyedValueError(ValueError):
    """A validator's errors about keys inside the value it checks, each with the path of its
    key below that value, so the loader reports each at its key (file:line:column).

    ``str()`` is the messages joined with "; " (pydantic's message for API callers).

    >>> str(KeyedValueError([(("value_labels", "hihg"), "one"), (("value_labels", "x"), "two")]))
    'one; two'
    """

    def __init__(self, errors: list[tuple[tuple[str | int, ...], str]]) -> None:
        super().__init__("; ".join(message for _, message in errors))
        self.errors = errors


def _not_a_value(name: str, values: tuple[str, ...]) -> str:
    """The message for a ``value_labels`` key that is not one of the field's values, with the
    loader's hint: 'did you mean' the closest value, else the values.

    >>> _not_a_value("hihg", ("low", "medium", "high"))
    "`value_labels` names 'hihg', not one of the field's values; did you mean 'high'?"
    >>> _not_a_value("severe", ("low", "medium", "high"))
    "`value_labels` names 'severe', not one of the field's values (low, medium, high)"
    """
    hint = did_you_mean(name, values) or f" ({', '.join(values)})"
    return f"`value_labels` names {name!r}, not one of the field's values{hint}"


class CaseField(BaseModel):
    """A typed piece of case data; guards may only use these."""

    model_config = _config()

    type: Literal["integer", "number", "boolean", "enum"] = Field(description="The value type.")
    min: Number | None = Field(default=None, description="Lowest value (integer, number).")
    max: Number | None = Field(default=None, description="Highest value (integer, number).")
    values: tuple[str, ...] | None = Field(default=None, description="The values of an enum.")
    label: Label | None = Field(
        default=None,
        description="What the field is called for readers (trace, the report's trace panel, "
        "conditions on the diagram); the id stays in guards and JSON.",
    )
    value_labels: dict[str, Label] | None = Field(
        default=None,
        description="What each value of an enum is called for readers, e.g. {high: {en: "
        '"high", km: "..."}} (trace, conditions on the diagram, diff); guards and JSON keep '
        "the values.",
    )
    description: str | None = Field(default=None, description="What the field means.")

    @model_validator(mode="after")
    def _consistent(self) -> CaseField:
        if self.type == "enum" and not self.values:
            raise ValueError("an enum field needs a non-empty `values` list")
        if self.value_labels is not None:
            if self.type != "enum":
                raise ValueError(f"`value_labels` belong to enum fields, not to {self.type} fields")
            values = self.values or ()
            unknown = [name for name in self.value_labels if name not in values]
            if unknown:
                raise KeyedValueError(
                    [(("value_labels", name), _not_a_value(name, values)) for name in unknown]
                )
        if self.type != "enum" and self.values is not None:
            raise ValueError(f"`values` belongs to enum fields, not to {self.type} fields")
        if self.type in ("boolean", "enum") and (self.min is not None or self.max is not None):
            raise ValueError(f"`min`/`max` belong to integer and number fields, not {self.type}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}")
        if self.type == "integer":
            for bound in (self.min, self.max):
                if bound is not None and bound != int(bound):
                    raise ValueError("the bounds of an integer field are whole numbers")
        return self

    def accepts(self, value: object) -> bool:
        """Whether ``value`` is of this field's type and within its domain."""
        if self.type == "boolean":
            return isinstance(value, bool)
        if self.type == "enum":
            return isinstance(value, str) and value in (self.values or ())
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.type == "integer" and not isinstance(value, int):
            return False
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def describe(self) -> str:
        """A short description of the domain, for error messages."""
        if self.type == "enum":
            return "one of " + ", ".join(repr(v) for v in self.values or ())
        if self.type == "boolean":
            return "true or false"
        lo = "" if self.min is None else f" >= {self.min:g}"
        hi = "" if self.max is None else f" <= {self.max:g}"
        return f"an {self.type}{lo}{hi}".replace("an number", "a number")


def _closed(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


class Duration(BaseModel):
    """How long a step takes, in hours.

    Written as a string (fixed), ``{min, mode, max}`` (triangular), ``{min, max}`` (uniform)
    or ``{mean}`` (exponential).
    """

    model_config = _config()

    kind: Literal["fixed", "triangular", "uniform", "exponential"] = "fixed"
    min: Hours = 0.0
    mode: Hours | None = None
    max: Hours = 0.0
    mean: Hours | None = None

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        hours = {"type": "string", "pattern": DURATION_PATTERN}
        return {
            "title": "Duration",
            "description": "A fixed duration ('2h'), or {min, mode, max} (triangular), "
            "{min, max} (uniform) or {mean} (exponential).",
            "anyOf": [
                hours,
                _closed({"min": hours, "mode": hours, "max": hours}),
                _closed({"min": hours, "max": hours}),
                _closed({"mean": hours}),
            ],
        }

    @model_validator(mode="before")
    @classmethod
    def _from_document(cls, data: Any) -> Any:
        if isinstance(data, str | int | float) and not isinstance(data, bool):
            hours = _hours(data)
            return {"kind": "fixed", "min": hours, "max": hours, "mode": hours}
        if isinstance(data, _MAPPING) and "kind" not in data:
            keys = set(data)
            if keys == {"mean"}:
                return {"kind": "exponential", **data}
            if keys == {"min", "mode", "max"}:
                return {"kind": "triangular", **data}
            if keys == {"min", "max"}:
                return {"kind": "uniform", **data}
            raise PydanticCustomError(
                "invalid_duration",
                "a duration is a string such as '2h', or a map with {min, mode, max} "
                "(triangular), {min, max} (uniform) or {mean} (exponential)",
            )
        return data

    @model_validator(mode="after")
    def _ordered(self) -> Duration:
        mode = self.min if self.mode is None else self.mode
        if not (self.min <= mode <= self.max) and self.kind != "exponential":
            raise PydanticCustomError(
                "invalid_duration",
                "duration bounds must be ordered min <= mode <= max, got {got}",
                {
                    "got": f"{format_hours(self.min)}, {format_hours(mode)}, "
                    f"{format_hours(self.max)}"
                },
            )
        return self

    @model_serializer
    def _to_document(self) -> str | dict[str, str]:
        if self.kind == "fixed":
            return format_hours(self.max)
        if self.kind == "exponential":
            return {"mean": format_hours(self.mean or 0.0)}
        if self.kind == "uniform":
            return {"min": format_hours(self.min), "max": format_hours(self.max)}
        return {
            "min": format_hours(self.min),
            "mode": format_hours(self.mode if self.mode is not None else self.min),
            "max": format_hours(self.max),
        }

    @property
    def expected(self) -> float:
        """The mean duration in hours."""
        if self.kind == "exponential":
            return self.mean or 0.0
        if self.kind == "triangular":
            return (self.min + (self.mode or 0.0) + self.max) / 3
        return (self.min + self.max) / 2

    @property
    def upper(self) -> float:
        """The longest duration in hours (an exponential counts at its 99th percentile)."""
        if self.kind == "exponential":
            return (self.mean or 0.0) * 4.605170185988092  # -ln(0.01)
        return self.max


class Step(BaseModel):
    """A stage a case can be in."""

    model_config = _config()

    id: Id = Field(description="Unique among steps.")
    kind: StepKind = Field(
        default="action",
        description="entry, action, decision, wait, outcome; fork (starts one track on each "
        "exit) and join (entered when a track waits on each of its incoming transitions).",
    )
    role: str | None = Field(
        default=None, description="The responsible role; every non-outcome step needs one."
    )
    label: Label | None = Field(default=None, description="What the step is called.")
    description: Label | None = Field(default=None, description="What happens at the step.")
    tags: tuple[str, ...] = Field(
        default=(),
        description="Free tags; interview, consent, medical, court, takedown and closure "
        "have meaning to rules.",
    )
    duration: Duration | None = Field(
        default=None, description="How long the step takes (simulation, deadlines)."
    )
    confidentiality: Confidentiality = Field(
        default=Confidentiality.INTERNAL, description="How sensitive the step's information is."
    )


class Transition(BaseModel):
    """A move from one step to another when an event fires."""

    model_config = _config()

    source: str = Field(alias="from", description="The step the case leaves.")
    to: str = Field(description="The step the case enters.")
    event: str = Field(
        default="",
        description="The trigger name; default 'to_<to>' ('tracks' out of a fork step).",
    )
    by: tuple[str, ...] | None = Field(
        default=None, description="Roles that may fire it; default: the role of `from`."
    )
    when: str | None = Field(default=None, description="A guard over case fields.")
    probability: Probability | None = Field(
        default=None, description="Simulation weight among the exits of `from` (PW108)."
    )
    kind: Literal["referral", "handoff", "internal"] = Field(
        default="internal", description="referral (to another agency), handoff or internal."
    )
    on_reject: str | None = Field(
        default=None, description="Referral only: where the case goes if the receiver declines."
    )
    response_within: Hours | None = Field(
        default=None, description="Referral only: the receiver must answer by then."
    )
    consent: Literal["required", "override", "not-needed"] = Field(
        default="required", description="Whether sharing needs prior consent (PW305)."
    )
    reason: str | None = Field(
        default=None, description="Required with consent override / not-needed."
    )
    delay: Duration | None = Field(
        default=None, description="Waiting time before the target step starts."
    )
    decline_probability: Probability | None = Field(
        default=None, description="Referral only, simulation: share of referrals declined."
    )
    label: Label | None = Field(default=None, description="Text drawn on the edge.")

    @model_validator(mode="before")
    @classmethod
    def _default_event(cls, data: Any) -> Any:
        if isinstance(data, _MAPPING) and not data.get("event") and isinstance(data.get("to"), str):
            return {**data, "event": f"to_{data['to']}"}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Transition:
        if self.consent != "required" and not (self.reason and self.reason.strip()):
            raise ValueError(f"`consent: {self.consent}` needs a `reason`")
        if self.kind != "referral":
            for name in ("on_reject", "response_within", "decline_probability"):
                if getattr(self, name) is not None:
                    raise ValueError(f"`{name}` belongs to `kind: referral` transitions")
        return self


class Deadline(BaseModel):
    """A time limit from one step to another (e.g. medical care within 72 h of intake)."""

    model_config = _config()

    id: Id = Field(description="Unique among deadlines.")
    to: str = Field(description="A step id, or 'tag:<tag>' for any step with that tag.")
    source: str | None = Field(
        default=None,
        alias="from",
        description="A step id; default: the entry step the case started at.",
    )
    within: Hours = Field(description="The time limit.")
    required: bool = Field(
        default=False, description="Every route from `from` must reach `to` (PW304)."
    )
    severity: Literal["error", "warning", "info"] = Field(
        default="error", description="Severity of PW303/PW304 findings for this deadline."
    )
    label: Label | None = Field(default=None, description="What the deadline is called.")


class Policies(BaseModel):
    """Pathway-wide safeguards the rules check."""

    model_config = _config()

    max_interviews: int = Field(
        default=1, ge=0, le=10**15, description="Most `interview` steps on any route (PW301/PW302)."
    )
    required_sectors: tuple[str, ...] = Field(
        default=(), description="Sectors that must have a step (PW203)."
    )
    every_route_reaches: tuple[str, ...] = Field(
        default=(), description="Sectors every entry-to-outcome route must pass (PW204)."
    )


class RuleConfig(BaseModel):
    """File-level rule configuration."""

    model_config = _config()

    select: tuple[str, ...] | None = Field(default=None, description="Codes or prefixes to run.")
    ignore: tuple[str, ...] = Field(default=(), description="Codes or prefixes not to run.")
    severity: dict[str, Literal["error", "warning", "info"]] = Field(
        default_factory=dict, description="Severity overrides by code."
    )


class Waiver(BaseModel):
    """An accepted deviation: one code at one step or transition, kept on record."""

    model_config = _config()

    code: str = Field(pattern=r"^PW\d{3}$", description="The code waived.")
    step: str | None = Field(default=None, description="The step it is waived at.")
    transition: int | None = Field(
        default=None, ge=0, description="Or: the transition index it is waived at."
    )
    reason: str = Field(min_length=1, description="Why the deviation is accepted.")

    @model_validator(mode="after")
    def _one_target(self) -> Waiver:
        if (self.step is None) == (self.transition is None):
            raise ValueError("a waiver names exactly one of `step` or `transition`")
        return self


PopulationSpec = dict[str, Any]

DISTRIBUTIONS = ("uniform", "bernoulli", "choice", "fixed")
"""How ``simulation.population`` draws a case field."""


def _typed_key(key: object, ftype: str) -> object:
    """A choice's key written as text (JSON's keys are) as the value of a field of ``ftype``
    it spells, else as written.

    >>> [_typed_key(k, "integer") for k in ("1", "2.5", "high", "true", 3)]
    [1, 2.5, 'high', 'true', 3]
    >>> [_typed_key(k, "boolean") for k in ("true", "false", "1")]
    [True, False, '1']
    """
    if not isinstance(key, str) or len(key) > 40:
        return key
    try:
        value = json.loads(key)
    except ValueError:
        return key
    if ftype == "boolean":
        return value if isinstance(value, bool) else key
    return value if isinstance(value, int | float) and not isinstance(value, bool) else key


def _shown(value: object) -> str:
    """A population value as a message shows it: text quoted, booleans as YAML writes them.

    >>> [_shown(v) for v in ("hihg", True, None, 3, 2.5)]
    ["'hihg'", 'true', 'null', '3', '2.5']
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return repr(value)


def _misfit(value: object, field: CaseField) -> str | None:
    """Why ``value`` is not a value of ``field`` (with the loader's 'did you mean' for an
    enum's), else None.

    >>> _misfit("hihg", CaseField(type="enum", values=("low", "high")))
    "'hihg' is not one of the field's values; did you mean 'high'?"
    >>> _misfit(True, CaseField(type="enum", values=("low", "high")))
    "true is not one of the field's values (low, high)"
    >>> _misfit(1, CaseField(type="enum", values=("1", "2")))
    "1 is not one of the field's values; write it in quotes: '1'"
    >>> _misfit(200, CaseField(type="integer", min=0, max=120))
    "200 is above the field's max 120"
    >>> _misfit("yes", CaseField(type="boolean"))
    "'yes' is not true or false"
    """
    shown = _shown(value)
    if field.type == "enum":
        values = field.values or ()
        if isinstance(value, str) and value in values:
            return None
        hint = (isinstance(value, str) and did_you_mean(value, values)) or f" ({', '.join(values)})"
        if isinstance(value, int | float) and not isinstance(value, bool) and str(value) in values:
            hint = f"; write it in quotes: {str(value)!r}"  # YAML read `1` as a number
        return f"{shown} is not one of the field's values{hint}"
    if field.type == "boolean":
        return None if isinstance(value, bool) else f"{shown} is not true or false"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{shown} is not {'an integer' if field.type == 'integer' else 'a number'}"
    if not _finite(value, MAX_NUMBER):
        return f"{shown} is beyond +-1e15, the range of case values"
    if field.type == "integer" and not isinstance(value, int):
        return f"{shown} is not an integer"
    if field.min is not None and value < field.min:
        return f"{shown} is below the field's min {field.min:g}"
    if field.max is not None and value > field.max:
        return f"{shown} is above the field's max {field.max:g}"
    return None


_DRAWN_WITH = {
    "enum": "an enum field is drawn with `choice` or `fixed` (one of its values)",
    "boolean": "a boolean field is drawn with `bernoulli`, `choice` or `fixed` (true or false)",
    "integer": "a number field is drawn with `uniform`, `choice` or `fixed` (numbers)",
    "number": "a number field is drawn with `uniform`, `choice` or `fixed` (numbers)",
}
_FITS = {
    "enum": ("choice", "fixed"),
    "boolean": ("bernoulli", "choice", "fixed"),
    "integer": ("uniform", "choice", "fixed"),
    "number": ("uniform", "choice", "fixed"),
}


def population_errors(
    population: Mapping[str, PopulationSpec], fields: Mapping[str, CaseField]
) -> list[tuple[tuple[str | int, ...], str]]:
    """The draws of a (well-formed) ``simulation.population`` that do not fit their declared
    case field, each with the path of its offending key (``simulation.population.risk.choice
    .hihg``) and its message: a distribution of the wrong kind for the field's type, a value
    that is not of the field's type or not within its values, min and max, an integer range
    with no integer. Fields that are not declared are left to PW003 (unknown case field).

    >>> risk = CaseField(type="enum", values=("low", "high"))
    >>> population_errors({"risk": {"choice": {"hihg": 1, "low": 1}}}, {"risk": risk})
    [(('simulation', 'population', 'risk', 'choice', 'hihg'), "population of 'risk': 'hihg' \
is not one of the field's values; did you mean 'high'?")]
    """
    errors: list[tuple[tuple[str | int, ...], str]] = []
    for name, spec in population.items():
        field = fields.get(name)
        if field is None or not isinstance(spec, dict) or len(spec) != 1:
            continue
        ((kind, arg),) = spec.items()
        at: tuple[str | int, ...] = ("simulation", "population", name, kind)
        said = f"population of {name!r}: "
        if kind not in _FITS[field.type]:
            errors.append((at, f"{said}{_DRAWN_WITH[field.type]}, not `{kind}`"))
        elif kind == "choice":
            for key in arg:
                why = _misfit(key, field)
                if why is not None:
                    errors.append(((*at, key), said + why))
        elif kind == "fixed":
            why = _misfit(arg, field)
            if why is not None:
                errors.append((at, said + why))
        elif kind == "uniform":
            # the bounds of an integer's range may be fractions: it draws the integers within
            span = CaseField(type="number", min=field.min, max=field.max)
            bad = [(i, _misfit(bound, span)) for i, bound in enumerate(arg)]
            errors.extend(((*at, i), said + why) for i, why in bad if why is not None)
            low, high = arg
            fits = not any(why for _, why in bad)
            if field.type == "integer" and fits and math.ceil(low) > math.floor(high):
                errors.append((at, f"{said}no integer in [{_shown(low)}, {_shown(high)}]"))
    return errors


class Simulation(BaseModel):
    """Defaults for `pathways simulate`."""

    model_config = _config()

    arrivals_per_day: float | None = Field(
        default=None,
        ge=MIN_ARRIVALS_PER_DAY,
        le=MAX_ARRIVALS_PER_DAY,
        allow_inf_nan=False,
        description="Poisson arrivals per day (0.001 to 1,000,000); needed with capacities.",
    )
    entries: dict[str, Weight] | None = Field(
        default=None, description="Where cases start, by weight; default: equal over entries."
    )
    start: dt.date | None = Field(
        default=None,
        description="Date of the first arrivals (with calendars); 2027-01-04. From 1900-01-01 "
        "to 2999-12-31.",
    )
    arrival_profile: tuple[Weight, ...] | None = Field(
        default=None,
        description="24 weights: how arrivals spread over the hours of the day (with calendars).",
    )
    population: dict[str, PopulationSpec] = Field(
        default_factory=dict,
        description="How each case field is drawn: {uniform: [a, b]}, {bernoulli: p}, "
        "{choice: {value: weight}} or {fixed: value}, fitting the field: an enum by choice or "
        "fixed over its values, a boolean by bernoulli, choice or fixed, an integer or number "
        "by uniform, choice or fixed within its min and max.",
    )

    @field_validator("start")
    @classmethod
    def _start(cls, value: dt.date | None) -> dt.date | None:
        # the calendar clock counts from the day before (a date before year 1 or after 9999
        # raised OverflowError in simulate); no referral pathway runs outside these years
        if value is not None and not MIN_START <= value <= MAX_START:
            raise ValueError(f"start is a date from {MIN_START} to {MAX_START}")
        return value

    @field_validator("arrival_profile")
    @classmethod
    def _profile(cls, value: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if value is not None and (len(value) != 24 or min(value) < 0 or sum(value) <= 0):
            raise ValueError("arrival_profile is 24 weights, one per hour, not all zero")
        return value

    @model_validator(mode="after")
    def _population_forms(self) -> Simulation:
        for name, spec in self.population.items():
            if not isinstance(spec, dict) or len(spec) != 1:
                raise ValueError(f"population of {name!r} must be a map with exactly one key")
            ((kind, arg),) = spec.items()
            if kind == "uniform":
                ok = (
                    isinstance(arg, list)
                    and len(arg) == 2
                    and all(_finite(a, MAX_NUMBER) for a in arg)
                    and arg[0] <= arg[1]
                )
            elif kind == "bernoulli":
                ok = _finite(arg, 1.0) and 0 <= arg <= 1
            elif kind == "choice":
                ok = (
                    isinstance(arg, dict)
                    and bool(arg)
                    and all(_finite(w, MAX_WEIGHT) and w >= 0 for w in arg.values())
                    and sum(arg.values()) > 0
                )
            elif kind == "fixed":
                ok = isinstance(arg, str | bool) or _finite(arg, MAX_NUMBER)
            else:
                hint = (
                    did_you_mean(str(kind), DISTRIBUTIONS)
                    or "; use uniform, bernoulli, choice or fixed"
                )
                raise KeyedValueError(
                    [
                        (
                            ("population", name, kind),
                            f"population of {name!r}: unknown distribution {kind!r}{hint}",
                        )
                    ]
                )
            if not ok:
                raise ValueError(f"population of {name!r}: malformed {kind!r} distribution")
        return self


class Scenario(BaseModel):
    """A named what-if: overrides as ``pathways simulate --set`` takes them."""

    model_config = _config()

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")] = Field(
        description="How `--scenario` and `--compare` name it: letters, digits, - and _."
    )
    description: Label | None = Field(default=None, description="What the scenario changes.")
    overrides: tuple[str, ...] = Field(
        default=(),
        alias="set",
        description="Changes as `--set` takes them: PATH=VALUE, e.g. roles.doctor.capacity=1.",
    )


class Pathway(BaseModel):
    """One referral pathway: agencies, roles, steps, transitions, deadlines and policies.

    Load one with :func:`pathways.load`; check it with :func:`pathways.check`.
    """

    model_config = _config("pathways/1 pathway")

    if TYPE_CHECKING:  # attached by the pathways package (the graph is a layer above)

        def graph(self) -> networkx.DiGraph:
            """The pathway's directed graph, steps as nodes: ``pathways.graph.to_networkx``."""
            ...

    format: Literal["pathways/1"] = Field(description="The format version: 'pathways/1'.")
    id: Annotated[str, Field(pattern=r"^[a-z0-9-]+$")] = Field(description="[a-z0-9-]+")
    version: Annotated[
        str, BeforeValidator(lambda v: str(v) if isinstance(v, int | float) else v)
    ] = Field(default="0.0.0", description="The pathway's own version.")
    title: Label | None = Field(default=None, description="What the pathway is called.")
    description: Label | None = Field(default=None, description="What it covers.")
    jurisdiction: str | None = Field(default=None, description="Country or area code, e.g. KH.")
    locales: tuple[str, ...] = Field(
        default=("en",), min_length=1, description="Every label should have these (PW501)."
    )
    visibility: Visibility = Field(
        default=Visibility.PARTNERS, description="Who may see rendered output."
    )
    sources: tuple[Source, ...] = Field(default=(), description="Where the steps come from.")
    sectors: tuple[str, ...] = Field(
        default=(), description="Extra sector names beyond the built-in list."
    )
    agencies: tuple[Agency, ...] = Field(default=(), description="The agencies taking part.")
    roles: tuple[Role, ...] = Field(default=(), description="Jobs in the agencies.")
    case_fields: dict[str, CaseField] = Field(
        default_factory=dict, description="Typed data a case carries; guards use these."
    )
    steps: tuple[Step, ...] = Field(description="The stages a case can be in.")
    transitions: tuple[Transition, ...] = Field(default=(), description="Moves between steps.")
    deadlines: tuple[Deadline, ...] = Field(default=(), description="Time limits.")
    policies: Policies = Field(default_factory=Policies, description="Safeguards rules check.")
    simulation: Simulation | None = Field(default=None, description="Simulation defaults.")
    rules: RuleConfig = Field(default_factory=RuleConfig, description="Rule configuration.")
    waivers: tuple[Waiver, ...] = Field(default=(), description="Accepted deviations.")
    calendars: dict[str, Calendar] = Field(
        default_factory=dict, description="Working calendars roles refer to (SPEC 7.3)."
    )
    scenarios: tuple[Scenario, ...] = Field(
        default=(), description="Named what-ifs for `pathways simulate --scenario/--compare`."
    )

    @model_validator(mode="before")
    @classmethod
    def _default_by(cls, data: Any) -> Any:
        """A transition's `by` defaults to the role of its `from` step (filled in the document,
        before validation, so no validated transition is copied)."""
        if not isinstance(data, _MAPPING):
            return data
        steps, transitions = data.get("steps"), data.get("transitions")
        if not isinstance(steps, list | tuple) or not isinstance(transitions, list | tuple):
            return data
        if all(not isinstance(t, _MAPPING) or t.get("by") is not None for t in transitions):
            return data
        roles = {
            s.get("id"): s.get("role")
            for s in steps
            if isinstance(s, _MAPPING)
            and isinstance(s.get("id"), str)
            and isinstance(s.get("role"), str)
        }
        filled = [
            {**t, "by": [roles[t["from"]]] if t.get("from") in roles else []}
            if isinstance(t, _MAPPING) and t.get("by") is None and isinstance(t.get("from"), str)
            else t
            for t in transitions
        ]
        return {**data, "transitions": filled}

    @model_validator(mode="before")
    @classmethod
    def _typed_choice_keys(cls, data: Any) -> Any:
        """A ``choice`` over an integer, number or boolean field's values written as text
        (``{"1": 0.5}``, ``{"true": 1}``: JSON has text keys only, so a JSON file and
        :func:`pathways.dump`'s JSON write them so) is read as the field's type."""
        if not isinstance(data, _MAPPING):
            return data
        sim, fields = data.get("simulation"), data.get("case_fields")
        if not isinstance(sim, _MAPPING) or not isinstance(fields, _MAPPING):
            return data
        population = sim.get("population")
        if not isinstance(population, _MAPPING):
            return data
        changed: dict[Any, Any] = {}
        for name, spec in population.items():
            field = fields.get(name)
            ftype = field.get("type") if isinstance(field, _MAPPING) else getattr(field, "type", "")
            choice = spec.get("choice") if isinstance(spec, _MAPPING) and len(spec) == 1 else None
            if ftype not in ("integer", "number", "boolean") or not isinstance(choice, _MAPPING):
                continue
            keys = {key: _typed_key(key, ftype) for key in choice}
            if keys != {key: key for key in choice} and len(set(keys.values())) == len(keys):
                changed[name] = {"choice": {keys[key]: w for key, w in choice.items()}}
        if not changed:
            return data
        return {**data, "simulation": {**sim, "population": {**population, **changed}}}

    @model_validator(mode="before")
    @classmethod
    def _default_fork_event(cls, data: Any) -> Any:
        """Every exit of a fork moves on one event: ``tracks`` unless the file names another
        (SPEC 7.1). Filled in the document, so files without forks are untouched."""
        if not isinstance(data, _MAPPING):
            return data
        steps, transitions = data.get("steps"), data.get("transitions")
        if not isinstance(steps, list | tuple) or not isinstance(transitions, list | tuple):
            return data
        forks = {
            s.get("id")
            for s in steps
            if isinstance(s, _MAPPING) and s.get("kind") == "fork" and isinstance(s.get("id"), str)
        }
        if not forks:
            return data
        filled = [
            {**t, "event": FORK_EVENT}
            if isinstance(t, _MAPPING)
            and not t.get("event")
            and isinstance(t.get("from"), str)
            and t["from"] in forks
            else t
            for t in transitions
        ]
        return {**data, "transitions": filled}

    @model_validator(mode="after")
    def _population_fits_fields(self) -> Pathway:
        """Each ``simulation.population`` draw fits its case field (the simulation refuses
        those that do not, so the loader says so first, at the offending key)."""
        if self.simulation is not None and self.simulation.population:
            errors = population_errors(self.simulation.population, self.case_fields)
            if errors:
                raise KeyedValueError(errors)
        return self

    def __eq__(self, other: object) -> bool:
        # Compare the document, not the caches kept beside it.
        if not isinstance(other, Pathway):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in type(self).model_fields)

    __hash__ = None  # type: ignore[assignment]

    # --- lookups ---------------------------------------------------------------------------

    @cached_property
    def step_index(self) -> dict[str, int]:
        """Step id -> position in ``steps`` (file order)."""
        return {s.id: i for i, s in enumerate(self.steps)}

    @cached_property
    def steps_by_id(self) -> dict[str, Step]:
        return {s.id: s for s in self.steps}

    @cached_property
    def roles_by_id(self) -> dict[str, Role]:
        return {r.id: r for r in self.roles}

    @cached_property
    def agencies_by_id(self) -> dict[str, Agency]:
        return {a.id: a for a in self.agencies}

    @cached_property
    def exit_indices(self) -> dict[str, list[int]]:
        """Step id -> indices of the transitions leaving it, in file order (steps with none
        are absent)."""
        out: dict[str, list[int]] = {}
        for i, t in enumerate(self.transitions):
            source = t.source
            if source in out:
                out[source].append(i)
            else:
                out[source] = [i]
        return out

    @cached_property
    def all_sectors(self) -> tuple[str, ...]:
        """Built-in sectors followed by the file's own."""
        return BUILTIN_SECTORS + tuple(s for s in self.sectors if s not in BUILTIN_SECTORS)

    def step(self, step_id: str) -> Step:
        """The step with this id (KeyError naming it when there is none)."""
        try:
            return self.steps_by_id[step_id]
        except KeyError:
            raise KeyError(f"no step {step_id!r} in pathway {self.id!r}") from None

    def agency_of(self, step_id: str) -> str | None:
        """The agency id of the step's responsible role, or None."""
        role = self.steps_by_id[step_id].role
        return self.roles_by_id[role].agency if role in self.roles_by_id else None

    def sector_of(self, step_id: str) -> str | None:
        """The sector of the step's agency, or None."""
        agency = self.agency_of(step_id)
        return self.agencies_by_id[agency].sector if agency in self.agencies_by_id else None

    def entry_steps(self) -> list[str]:
        """Ids of the steps of kind ``entry``, in file order."""
        return [s.id for s in self.steps if s.kind == "entry"]

    def outcome_steps(self) -> list[str]:
        """Ids of the steps of kind ``outcome``, in file order."""
        return [s.id for s in self.steps if s.kind == "outcome"]

    def exits(self, step_id: str) -> Iterator[tuple[int, Transition]]:
        """(index, transition) for every transition leaving ``step_id``, in file order."""
        transitions = self.transitions
        for i in self.exit_indices.get(step_id, ()):
            yield i, transitions[i]

    def deadline_targets(self, deadline: Deadline) -> list[str]:
        """The step ids a deadline's ``to`` names (``tag:x`` names every step tagged x)."""
        if deadline.to.startswith("tag:"):
            tag = deadline.to[4:]
            return [s.id for s in self.steps if tag in s.tags]
        return [deadline.to] if deadline.to in self.steps_by_id else []

    def label(self, step_id: str, lang: str | None = None) -> str:
        """A step's label in ``lang`` (falling back to the first locale, then the id)."""
        step = self.steps_by_id[step_id]
        return label_text(step.label, lang, self.locales) or step.id

    def field_label(self, name: str, lang: str | None = None) -> str:
        """A case field's label in ``lang`` (falling back to the first locale, then the
        field's name, as guards write it)."""
        spec = self.case_fields.get(name)
        return (label_text(spec.label, lang, self.locales) if spec else "") or name

    def calendar_label(self, name: str, lang: str | None = None) -> str:
        """A calendar's label in ``lang`` (falling back to the first locale, then its name, as
        roles write it)."""
        cal = self.calendars.get(name)
        return (label_text(cal.label, lang, self.locales) if cal else "") or name

    def value_labels(self, lang: str | None = None) -> dict[str, dict[str, str]]:
        """The labels of enum values in ``lang``, by field and value (``value_labels`` of the
        case fields; fields without them are left out, their values read as written)."""
        return {
            name: {v: label_text(text, lang, self.locales) or v for v, text in labels.items()}
            for name, spec in self.case_fields.items()
            if (labels := spec.value_labels)
        }

    def field_labels(self, lang: str | None = None) -> dict[str, str]:
        """Every case field's label in ``lang``, by name (:meth:`field_label`)."""
        return {name: self.field_label(name, lang) for name in self.case_fields}

    # --- location (set by the loader; None for pathways built in code) ----------------------

    _source_map: Any = PrivateAttr(default=None)

    @property
    def source_map(self) -> Any:
        """The loader's :class:`~pathways.load.source.SourceMap`, or None."""
        return self._source_map

    def attach_source_map(self, smap: Any) -> None:
        """Remember where the document's keys and values came from (the loader calls this
        once, on the pathway it just built; equality ignores it)."""
        self._source_map = smap

    @property
    def file(self) -> str:
        """The file the pathway was loaded from ('<string>' for text)."""
        sm = self.source_map
        return sm.file if sm is not None else f"<{self.id}>"
