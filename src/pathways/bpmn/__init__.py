"""BPMN 2.0 interchange (issue 14): read BPMN files as pathways, and write pathways as BPMN.

- :mod:`pathways.bpmn.xml`: safe XML (defusedxml's expat: no DTDs, entities or external
  references; the loader's size bound), elements with their line and column.
- :mod:`pathways.bpmn.importer`: a BPMN document -> the plain data of a pathway and a source map
  into the XML, plus a finding for everything that cannot be mapped
  (``pathways.load("x.bpmn")``, ``pathways import``).
- :mod:`pathways.bpmn.export`: a pathway -> BPMN 2.0 XML with diagram interchange
  (``pathways export``).

The mapping is documented in ``docs/bpmn.md``.
"""

from __future__ import annotations

BPMN_MODEL_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
"""The namespace of BPMN 2.0 model elements (whatever prefix a file gives it)."""

SUFFIXES = (".bpmn", ".bpmn2", ".bpmn20.xml")
"""File names read as BPMN (``pathways.load``, ``validate``, ``report`` and ``render``)."""


def is_bpmn_path(name: str) -> bool:
    """Whether a file name is read as BPMN.

    >>> is_bpmn_path("intake.bpmn"), is_bpmn_path("a.BPMN20.XML"), is_bpmn_path("p.yaml")
    (True, True, False)
    """
    return name.lower().endswith(SUFFIXES)


__all__ = ["BPMN_MODEL_NS", "SUFFIXES", "is_bpmn_path"]
