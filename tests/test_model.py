"""The model: dump -> load round trips, and mutations of valid documents never half-load."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import pathways as pw
from pathways.durations import format_hours, parse_hours
from pathways.load import dump
from pathways.testing.strategies import pathway_documents

HOURS = st.sampled_from([0.25, 0.5, 1.0, 2.0, 24.0, 72.0, 168.0, 1 / 3, 1.75])


def documents() -> st.SearchStrategy[dict[str, Any]]:
    """Valid documents from the public strategies, with arbitrary Unicode labels in two
    locales (control characters and YAML line breaks included: they must round-trip)."""
    return pathway_documents(
        max_steps=8, locales=("en", "km"), label_text=st.text(min_size=1, max_size=12)
    )


@given(documents(), st.sampled_from(["yaml", "json"]))
def test_dump_load_round_trip(doc: dict[str, Any], fmt: str) -> None:
    """A loaded pathway dumps to YAML or JSON and loads back equal."""
    p = pw.loads(yaml.safe_dump(doc, allow_unicode=True))
    again = pw.loads(dump(p, fmt=fmt))
    assert again == p
    assert dump(again) == dump(p)


def _set(path: tuple[Any, ...], value: Any) -> Any:
    def mutate(d: dict[str, Any]) -> None:
        *parents, last = path
        for key in parents:
            d = d[key]
        d[last] = value

    return mutate


MUTATIONS: list[tuple[str, Any, str]] = [
    ("required key deleted", lambda d: d.pop("steps"), "PW002"),
    ("dangling role", _set(("steps", 0, "role"), "nobody_here"), "PW003"),
    ("dangling step", _set(("transitions", 0, "to"), "no_such_step"), "PW003"),
    ("duplicated step id", lambda d: d["steps"].append(copy.deepcopy(d["steps"][0])), "PW004"),
    ("wrong type", _set(("roles", 0, "capacity"), "lots"), "PW002"),
    ("bad duration", _set(("steps", 0, "duration"), "soonish"), "PW006"),
    ("bad guard", _set(("transitions", 0, "when"), "age <"), "PW005"),
    ("unknown key", _set(("steps", 0, "colour"), "red"), "PW002"),
]
"""(description, mutation of a document in place, the code it must produce)."""


@given(documents(), st.data())
def test_mutations_give_findings_and_nothing_else(doc: dict[str, Any], data: st.DataObject) -> None:
    """A broken document raises LoadError naming the fault; never another exception."""
    label, mutate, code = data.draw(st.sampled_from(MUTATIONS), label="mutation")
    mutated = copy.deepcopy(doc)
    mutate(mutated)
    with pytest.raises(pw.LoadError) as info:
        pw.loads(yaml.safe_dump(mutated, allow_unicode=True))
    assert code in {f.code for f in info.value.findings}, label
    assert all(f.location.line >= 1 and f.location.column >= 1 for f in info.value.findings)


@given(documents(), st.binary(min_size=1, max_size=20), st.integers(0, 10_000))
def test_spliced_bytes_load_or_give_findings(doc: dict[str, Any], junk: bytes, at: int) -> None:
    """Random bytes spliced into a valid file: a Pathway or a LoadError, nothing else."""
    text = yaml.safe_dump(doc, allow_unicode=True).encode()
    at = at % (len(text) + 1)
    try:
        pw.loads(text[:at] + junk + text[at:])
    except pw.LoadError as exc:
        assert exc.findings
        assert all(f.code.startswith("PW0") for f in exc.findings)


@given(documents())
def test_deleting_any_key_loads_or_gives_findings(doc: dict[str, Any]) -> None:
    """Deleting any single key anywhere: a Pathway or a LoadError, nothing else."""
    paths: list[tuple[Any, ...]] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for k, v in items:
            if isinstance(node, dict):
                paths.append((*path, k))
            if isinstance(v, dict | list):
                walk(v, (*path, k))

    walk(doc, ())
    for path in paths[:: max(1, len(paths) // 12)]:
        mutated = copy.deepcopy(doc)
        parent = mutated
        for key in path[:-1]:
            parent = parent[key]
        del parent[path[-1]]
        try:
            pw.loads(json.dumps(mutated, ensure_ascii=False))
        except pw.LoadError as exc:
            assert exc.findings


@given(HOURS)
def test_hours_format_round_trips(hours: float) -> None:
    """Formatting hours and parsing them back gives the same float."""
    assert parse_hours(format_hours(hours)) == hours


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("45m", 0.75),
        ("2h", 2.0),
        ("3d", 72.0),
        ("2w", 336.0),
        ("PT72H", 72.0),
        ("P5D", 120.0),
        ("P1DT2H30M", 26.5),
        ("1d12h", 36.0),
        ("0.5h", 0.5),
        ("PT30M", 0.5),
        ("90s", 0.025),
    ],
)
def test_duration_forms(text: str, hours: float) -> None:
    """Every documented duration form parses to hours."""
    assert parse_hours(text) == pytest.approx(hours)


@pytest.mark.parametrize("text", ["", "3", "3x", "PT", "P", "h", "2h x", "-2h", "P1Y"])
def test_bad_durations(text: str) -> None:
    """Anything else is refused with a message naming the accepted forms."""
    with pytest.raises(ValueError, match=r"write e\.g\."):
        parse_hours(text)


def test_duration_shapes_and_bounds() -> None:
    """Fixed, triangular, uniform and exponential durations; the exponential counts at p99."""
    from pathways.model import Duration

    assert Duration.model_validate("2h").upper == 2.0
    tri = Duration.model_validate({"min": "1h", "mode": "2h", "max": "6h"})
    assert (tri.kind, tri.expected, tri.upper) == ("triangular", 3.0, 6.0)
    assert Duration.model_validate({"min": "1h", "max": "3h"}).expected == 2.0
    exp = Duration.model_validate({"mean": "10h"})
    assert exp.kind == "exponential"
    assert exp.upper == pytest.approx(46.0517, rel=1e-4)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (-1, ("greater_than_equal", "Input should be greater than or equal to 0")),
        (-0.5, ("greater_than_equal", "Input should be greater than or equal to 0")),
        (
            876_601,
            ("invalid_duration", "a duration is finite and at most 100 years (876600 hours)"),
        ),
        (
            float("nan"),
            ("invalid_duration", "a duration is finite and at most 100 years (876600 hours)"),
        ),
        (
            True,
            (
                "invalid_duration",
                "a duration is a string such as '30m', '2h', '3d', '2w' or 'PT72H'",
            ),
        ),
    ],
)
def test_numeric_durations_out_of_range(value: object, error: tuple[str, str]) -> None:
    """A duration written as a number is hours from 0 to 100 years; the bounds are checked by
    pydantic-core in the float (Hours puts them before its validator), with pydantic's errors."""
    from pydantic import ValidationError

    from pathways.model import Transition

    with pytest.raises(ValidationError) as raised:
        Transition.model_validate(
            {"from": "a", "to": "b", "kind": "referral", "response_within": value}
        )
    ((found,),) = [raised.value.errors()]
    assert (found["type"], found["msg"]) == error
    assert (
        Transition.model_validate(
            {"from": "a", "to": "b", "kind": "referral", "response_within": 876_600}
        ).response_within
        == 876_600.0
    )
