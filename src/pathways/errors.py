"""The exception tree of pathways: what is raised, and when.

Problems in a user's pathway file are *findings* (see :mod:`pathways.findings`), collected and
returned in full. Exceptions are for misuse of the API and for refusals at run time::

    * PathwayError
      x LoadError             the file could not be loaded (PW0xx); has .findings
      x RenderError           no Graphviz to draw with, or it failed; says how to install it
      x SimulationError       the pathway cannot be simulated as asked
      x CaseError             runtime refusals; the case is unchanged
        + TransitionNotAllowed  no such event from this step, or its guard is false
        + NotAuthorized         the actor's role may not fire this event
        + ConflictError         the stored case changed since it was loaded
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathways.findings import Finding

__all__ = [
    "CaseError",
    "ConflictError",
    "LoadError",
    "NotAuthorized",
    "PathwayError",
    "RenderError",
    "SimulationError",
    "TransitionNotAllowed",
]


class PathwayError(Exception):
    """Base class of every exception pathways raises on purpose."""


class LoadError(PathwayError):
    """Raised by :func:`pathways.load` when a file has PW0xx errors.

    ``.findings`` holds every load finding of the file, sorted; the message is the first of them
    followed by a count of the rest, so that an uncaught LoadError still reads as one line.
    """

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings: list[Finding] = list(findings)
        head = str(self.findings[0]) if self.findings else "the pathway could not be loaded"
        more = len(self.findings) - 1
        super().__init__(head + (f" (and {more} more)" if more > 0 else ""))


class RenderError(PathwayError):
    """Raised when a diagram cannot be drawn: no Graphviz binary, or Graphviz failed."""


class SimulationError(PathwayError):
    """Raised when a pathway cannot be simulated as asked (bad options or overrides)."""


class CaseError(PathwayError):
    """Base class of runtime refusals; the case is left unchanged."""


class TransitionNotAllowed(CaseError):
    """Raised when no transition for the event leaves the current step, or its guard is false."""

    def __init__(self, message: str, *, event: str = "", step: str = "") -> None:
        super().__init__(message)
        self.event = event
        self.step = step


class NotAuthorized(CaseError):
    """Raised when the actor's role is not among the roles allowed to fire the event, or its
    agency may not act at the step (``agency`` and ``step`` then say which)."""

    def __init__(
        self, message: str, *, event: str = "", role: str = "", agency: str = "", step: str = ""
    ) -> None:
        super().__init__(message)
        self.event = event
        self.role = role
        self.agency = agency
        self.step = step


class ConflictError(CaseError):
    """Raised by a case store when the stored case changed since the writer loaded it."""
