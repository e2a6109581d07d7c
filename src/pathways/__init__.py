"""pathways: check, draw, run and simulate cross-sector child-protection referral pathways.

>>> import datetime
>>> import pathways as pw
>>> p = pw.load("pathways/kh/csa-in-person.yaml")
>>> [f.code for f in pw.check(p, today=datetime.date(2026, 11, 28))]
[]
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pathways._version import __version__ as __version__
from pathways.errors import (
    CaseError,
    ConflictError,
    LoadError,
    NotAuthorized,
    PathwayError,
    RenderError,
    SimulationError,
    TransitionNotAllowed,
)
from pathways.findings import Finding, Location, Severity
from pathways.load import dump, load, loads
from pathways.model import Pathway

if TYPE_CHECKING:  # names loaded on first use, so `import pathways` stays light
    import networkx

    from pathways.case import Actor, Case
    from pathways.engine import Engine
    from pathways.postgres import PostgresStore
    from pathways.render import render
    from pathways.rules import check
    from pathways.simulate import SimulationResult, analyze, simulate
    from pathways.versions import diff, fingerprint


# Public name -> module that defines it; imported on first attribute access.
_LAZY: dict[str, str] = {
    "Actor": "pathways.case",
    "Case": "pathways.case",
    "Engine": "pathways.engine",
    "PostgresStore": "pathways.postgres",
    "render": "pathways.render",
    "SimulationResult": "pathways.simulate",
    "analyze": "pathways.simulate",
    "check": "pathways.rules",
    "diff": "pathways.versions",
    "fingerprint": "pathways.versions",
    "simulate": "pathways.simulate",
}

__all__ = [
    "Actor",
    "Case",
    "CaseError",
    "ConflictError",
    "Engine",
    "Finding",
    "LoadError",
    "Location",
    "NotAuthorized",
    "Pathway",
    "PathwayError",
    "PostgresStore",
    "RenderError",
    "Severity",
    "SimulationError",
    "SimulationResult",
    "TransitionNotAllowed",
    "analyze",
    "check",
    "diff",
    "dump",
    "fingerprint",
    "load",
    "loads",
    "render",
    "simulate",
]


def _graph(self: Pathway) -> networkx.DiGraph:
    """The pathway's directed graph, steps as nodes (SPEC section 6: ``p.graph()``); the same
    as :func:`pathways.graph.to_networkx`, which this calls.

    >>> import pathways as pw
    >>> g = pw.load("pathways/kh/csa-in-person.yaml").graph()
    >>> g.number_of_nodes(), g.nodes["report_police"]["kind"]
    (28, 'entry')
    """
    from pathways.graph import to_networkx

    return to_networkx(self)


# Attached here, not in pathways.model: the model is a layer below the graph (docs/development.md),
# and this package runs before any of its modules, so every Pathway has it.
setattr(Pathway, "graph", _graph)  # noqa: B010 - mypy sees Pathway.graph's signature in model.py


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pathways' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
