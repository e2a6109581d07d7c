"""Saturation in the simulation overlay (issue 13: saturation is said in every output).

Before, `pathways render FILE --simulation RESULT.json` of a saturated run drew "role's mean
wait, 0 to 2,765.7 h" with nothing saying that the wait grows without bound and depends only
on how long the run was.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import pathways
from pathways.cli import main
from pathways.i18n import tr
from pathways.render import to_mermaid
from pathways.render.extract import extract

from ._helpers import P1, requires_dot, sim_json, svg_texts

NOTICE = "saturated: the queue grows without bound; needs a capacity of {n}"
LEGEND = "the role's queue grows without bound: its waits depend only on how long the run was"


@pytest.fixture(scope="module")
def runs() -> tuple[dict[str, object], dict[str, object]]:
    """(saturated, stable) results of P1: one doctor at 12 cases a day (the new-user trial of
    issue 13), and the file as written."""
    p = pathways.load(P1)
    saturated = pathways.simulate(
        p, cases=300, seed=0, arrivals_per_day=12, overrides=["roles.doctor.capacity=1"]
    )
    stable = pathways.simulate(p, cases=300, seed=0)
    return saturated.to_dict(), stable.to_dict()  # type: ignore[return-value]


def _doctor(sim: dict[str, object]) -> dict[str, object]:
    entries = sim["saturation"]
    assert isinstance(entries, list)
    return next(e for e in entries if e["role"] == "doctor")


def _flat(texts: list[str]) -> str:
    """The drawing's text with wrapping undone (a notice is wrapped over several lines)."""
    return "".join("".join(texts).split())


@requires_dot
@pytest.mark.parametrize("lang", ["en", "km"])
def test_render_says_the_role_is_saturated(
    runs: tuple[dict[str, object], dict[str, object]], tmp_path: Path, lang: str
) -> None:
    """The real `dot`: the saturated run's SVG marks the doctor's steps with the notice and the
    capacity that would make the queue stable, and the legend says what it means; the stable
    run's SVG says neither. In English and Khmer."""
    saturated, stable = runs
    doctor = _doctor(saturated)
    assert doctor["level"] == "unstable" and stable["saturation"] == []
    notice = _flat([tr(NOTICE, lang).format(n=doctor["stable_capacity"])])
    legend = _flat([tr(LEGEND, lang)])
    texts = {}
    for name, sim in (("saturated", saturated), ("stable", stable)):
        result = tmp_path / f"{name}.json"
        result.write_text(json.dumps(sim), encoding="utf-8")
        out = tmp_path / f"{name}.svg"
        args = ["render", str(P1), "-o", str(out), "--simulation", str(result), "--lang", lang]
        assert main(args) == 0
        texts[name] = _flat(svg_texts(out.read_bytes()))
    # the doctor's three steps (urgent, non-urgent and the report) each carry the notice
    assert texts["saturated"].count(notice) == 3
    assert legend in texts["saturated"]
    assert notice not in texts["stable"] and legend not in texts["stable"]
    assert _flat([tr("saturated", lang)]) not in texts["stable"]
    if lang == "km":
        assert "saturated" not in texts["saturated"]  # no English notice in a Khmer drawing


def test_mermaid_and_the_model_mark_saturated_and_near_roles(
    runs: tuple[dict[str, object], dict[str, object]],
) -> None:
    """Mermaid draws the overlay's waits too, so it carries the notice; a role near saturation
    (>= 90% busy) gets its own, amber, words; a stable run none."""
    saturated, stable = runs
    p = pathways.load(P1)
    n = _doctor(saturated)["stable_capacity"]
    text = to_mermaid(p, simulation=saturated)
    assert NOTICE.format(n=n) in text
    assert "saturated" not in to_mermaid(p, simulation=stable)

    near = {
        "role": "doctor", "label": "Doctor", "offered_load": 1.9, "capacity": 2, "load": 0.95,
        "level": "near", "stable_capacity": 2, "capacity_below_90": 3,
    }  # fmt: skip
    doctor = {"wait_hours_mean": 30.0, "wait_hours_p90": 70.0, "utilization": 0.95}
    d = extract(p, simulation=sim_json(roles={"doctor": doctor}, saturation=[near]))
    marked = {node.id: node.alert for node in d.nodes if node.saturation}
    assert marked == {
        step.id: "near saturation: 95% busy; a capacity of 3 keeps it under 90%"
        for step in p.steps
        if step.role == "doctor"
    }
    assert d.saturation == ("near",)
    assert extract(p, simulation=stable).saturation == ()
