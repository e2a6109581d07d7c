"""Test helpers for code that uses pathways (Hypothesis based).

``strategies`` holds Hypothesis strategies for pathways and cases;
``PathwayStateMachine(pathway)`` fuzzes a pathway's runtime with random events and actors.
"""

from __future__ import annotations

from pathways.testing import strategies as strategies
from pathways.testing.state_machine import PathwayStateMachine

__all__ = ["PathwayStateMachine", "strategies"]
