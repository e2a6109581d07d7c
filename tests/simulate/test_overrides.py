"""What-if overrides: --set PATH=VALUE applied to the model, with one-line errors."""

from __future__ import annotations

import pytest

import pathways as pw
from pathways.errors import SimulationError
from pathways.simulate.overrides import apply_overrides, parse_override


@pytest.fixture(scope="module")
def csa() -> pw.Pathway:
    return pw.load("pathways/kh/csa-in-person.yaml")


def test_overrides_change_roles_steps_transitions_and_simulation(csa: pw.Pathway) -> None:
    """Each documented path form changes exactly what it names."""
    p = apply_overrides(
        csa,
        [
            "roles.doctor.capacity=5",
            "steps.interview.duration=2h",
            "transitions.3.probability=0.5",
            "simulation.arrivals_per_day=7.5",
            "simulation.population.risk={fixed: high}",
            "policies.max_interviews=2",
        ],
    )
    assert p.roles_by_id["doctor"].capacity == 5
    interview = p.steps_by_id["interview"].duration
    assert interview is not None and interview.kind == "fixed" and interview.max == 2.0
    assert p.transitions[3].probability == 0.5
    assert p.simulation is not None and p.simulation.arrivals_per_day == 7.5
    assert p.simulation.population["risk"] == {"fixed": "high"}
    assert p.policies.max_interviews == 2
    assert csa.roles_by_id["doctor"].capacity == 2  # the original is unchanged
    unlimited = apply_overrides(csa, {"roles.doctor.capacity": None})
    assert unlimited.roles_by_id["doctor"].capacity is None


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("roles.nobody.capacity=3", "no role 'nobody'"),
        ("steps.intake", "PATH=VALUE"),
        ("transitions.999.probability=0.1", "not a transition index"),
        ("roles.doctor.capacity=zero", "capacity"),
        ("roles.doctor.capacity=0", "capacity"),
        ("wings.x.y=1", "no section 'wings'"),
        ("steps.interview=1", "name an item and a key"),
    ],
)
def test_bad_overrides_raise_one_line_errors(csa: pw.Pathway, text: str, needle: str) -> None:
    """Unknown paths and invalid values are SimulationErrors naming the override."""
    with pytest.raises(SimulationError) as info:
        apply_overrides(csa, [text])
    message = str(info.value)
    assert needle in message and "\n" not in message


def test_parse_override_reads_yaml_values() -> None:
    assert parse_override("a.b=5") == ("a.b", 5)
    assert parse_override("a.b={min: 1h, max: 2h}") == ("a.b", {"min": "1h", "max": "2h"})
    assert parse_override("a.b=null") == ("a.b", None)


def test_simulate_applies_overrides_before_compiling(csa: pw.Pathway) -> None:
    """A probability override shows up in the simulated visits."""
    r = pw.simulate(
        csa,
        cases=4000,
        seed=0,
        overrides=["transitions.3.probability=0.5", "transitions.4.probability=0.5"],
    )
    assert r.steps["consent_override"]["visits"] / 4000 == pytest.approx(0.5, abs=0.04)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "case_fields.hours_since_incident.min=9000",
            "case_fields.hours_since_incident: min 9000 is above max 8760",
        ),
        (
            "calendars.office.timezone=Asia/Phnom_Penhh",
            "calendars.office.timezone: unknown time zone 'Asia/Phnom_Penhh'; "
            "did you mean 'Asia/Phnom_Penh'?",
        ),
    ],
)
def test_model_check_errors_drop_pydantics_prefix(csa: pw.Pathway, text: str, message: str) -> None:
    """A value a model check refuses reads as the loader words it, without "Value error, "."""
    with pytest.raises(SimulationError) as info:
        apply_overrides(csa, [text])
    assert str(info.value) == f"--set {text.split('=')[0]}: {message}"
