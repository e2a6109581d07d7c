"""Guards as sentences for the drawings: :func:`pathways.guards.sentence.guard_sentence` (it
lives beside the guard parser, so that ``diff`` can say a changed condition in the words the
diagram draws on the edge)."""

from __future__ import annotations

from pathways.guards.sentence import guard_sentence

__all__ = ["guard_sentence"]
