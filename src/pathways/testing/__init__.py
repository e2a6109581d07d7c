"""Test helpers for pathways and for the systems that embed them (Hypothesis based).

``PathwayStateMachine(pathway)`` fuzzes a pathway's runtime with random events and actors.
"""

from __future__ import annotations

from pathways.testing.state_machine import PathwayStateMachine

__all__ = ["PathwayStateMachine"]
