"""Shared paths and readers for the render tests."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import pathways
from pathways.model import Pathway

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
P1 = Path("pathways/kh/csa-in-person.yaml")
BUNDLED = sorted(Path("pathways").rglob("*.yaml"))
SVG_NS = "{http://www.w3.org/2000/svg}"

requires_dot = pytest.mark.usefixtures("graphviz_dot")  # fails, with the fix, without dot


def load(name: str) -> Pathway:
    """A fixture pathway from tests/render/data/."""
    return pathways.load(DATA / name)


def svg_texts(svg: bytes) -> list[str]:
    """The text content of every <text> element of an SVG (parsing it as XML on the way)."""
    root = ET.fromstring(svg)
    return [
        "".join(el.itertext()).replace("\xa0", " ")
        for el in root.iter()
        if el.tag == f"{SVG_NS}text"
    ]


def svg_clusters(svg: bytes) -> list[ET.Element]:
    """The agency lanes of a Graphviz SVG: its <g class="cluster"> groups titled cluster_lane*
    (the band of outcomes no agency owns is left out)."""
    root = ET.fromstring(svg)
    return [
        el
        for el in root.iter(f"{SVG_NS}g")
        if el.get("class") == "cluster"
        and (el.findtext(f"{SVG_NS}title") or "").startswith("cluster_lane")
    ]


def sim_json(**parts: object) -> dict[str, object]:
    """A smallest valid simulation JSON object (SPEC section 5) with ``parts`` replacing keys."""
    base: dict[str, object] = {
        "pathway": "p", "cases": 0, "seed": 0, "outcomes": {}, "stuck": 0,
        "time_to_outcome_hours": {"mean": None, "p50": None, "p90": None, "p99": None},
        "interviews": {"mean": 0.0, "max": 0, "share_over_limit": 0.0},
        "deadlines": {}, "roles": {}, "steps": {},
    }  # fmt: skip
    return {**base, **parts}
