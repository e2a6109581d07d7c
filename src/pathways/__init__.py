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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pathways' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
