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
    """The <g class="cluster"> groups of a Graphviz SVG."""
    root = ET.fromstring(svg)
    return [el for el in root.iter(f"{SVG_NS}g") if el.get("class") == "cluster"]
