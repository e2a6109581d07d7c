"""The rule framework: :class:`Rule`, the :func:`rule` decorator and :class:`RuleContext`.

A rule is a pure function ``(RuleContext) -> Iterator[Finding]`` with a code, a kebab-case
name, a default severity and a docstring that is its documentation page. The context hands it
the pathway and analyses shared between rules (step graph, components, reachability, route
programmes), computed once per :func:`pathways.check` call, and fills in code, name, severity
and location for every finding through :meth:`RuleContext.report`.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from pathways.findings import Finding, Location, Severity
from pathways.graph import (
    StepGraph,
    is_loop,
    reachable,
    step_graph,
    strongly_connected,
    to_networkx,
)
from pathways.guards import Expr, GuardError, parse_guard
from pathways.model import Pathway
from pathways.route_dp import INTERVIEW, Longest, agencies_index, longest_routes

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["SECTIONS", "STAGES", "Rule", "RuleContext", "rule"]

CODE = re.compile(r"^PW\d{3}$")
NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
STAGES = ("check", "load")
"""When a rule's findings are made: by :func:`pathways.check`, or while loading (PW001-PW006)."""
SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "Use instead:")
"""Sections every rule docstring has (``## References`` is optional)."""

Check = Callable[["RuleContext"], Iterator[Finding]]
T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class Rule:
    """One check: code, kebab-case name, default severity, the check function and its page."""

    code: str
    name: str
    severity: Severity
    check: Check = field(repr=False)
    doc: str = field(repr=False, default="")
    stage: str = "check"
    """``"check"`` (run by :func:`pathways.check`) or ``"load"`` (reported while loading)."""

    def __call__(self, ctx: RuleContext) -> Iterator[Finding]:
        return self.check(ctx)

    @property
    def summary(self) -> str:
        """The first sentence of ``## What it does``, on one line."""
        text = self.doc.split("## What it does", 1)[-1].split("##", 1)[0]
        sentence = " ".join(text.split())
        end = sentence.find(". ")
        return sentence if end == -1 else sentence[: end + 1]

    def page(self) -> str:
        """The rule's documentation page in Markdown (title line plus the docstring)."""
        return (
            f"# {self.code} {self.name}\n\n"
            f"Default severity: **{self.severity.value}**\n\n{self.doc.strip()}\n"
        )


def rule(
    *, code: str, name: str, severity: Severity, stage: str = "check"
) -> Callable[[Check], Rule]:
    """Make a :class:`Rule` of a check function; its docstring becomes the rule's page.

    Third-party packages make their rules with this decorator too and publish them under the
    entry-point group ``pathways.rules``.

    Examples
    --------
    >>> from pathways.rules import RuleContext, rule
    >>> from pathways.findings import Severity
    >>> @rule(code="PW901", name="no-title", severity=Severity.INFO)
    ... def no_title(ctx: RuleContext):
    ...     '''## What it does
    ...     Checks that the pathway has a title.'''
    ...     if ctx.pathway.title is None:
    ...         yield ctx.report(("id",), "the pathway has no title")
    >>> no_title.code, no_title.summary
    ('PW901', 'Checks that the pathway has a title.')
    """
    if not CODE.match(code):
        raise ValueError(f"rule code {code!r} is not PW followed by three digits")
    if not NAME.match(name):
        raise ValueError(f"rule name {name!r} is not kebab-case")
    if stage not in STAGES:
        raise ValueError(f"rule stage {stage!r} is not one of {', '.join(STAGES)}")

    def wrap(fn: Check) -> Rule:
        return Rule(code, name, severity, fn, inspect.cleandoc(fn.__doc__ or ""), stage)

    return wrap


class RuleContext:
    """What a rule sees: the pathway, ``today``, shared analyses and :meth:`report`.

    Analyses are computed on first use and shared by every rule of one ``check()`` call.
    """

    def __init__(
        self,
        pathway: Pathway,
        *,
        today: dt.date | None = None,
        cache: dict[str, Any] | None = None,
        rule: Rule | None = None,
    ) -> None:
        self.pathway = pathway
        self.today = today or dt.date.today()
        self.rule = rule
        self._cache: dict[str, Any] = cache if cache is not None else {}

    def for_rule(self, rule: Rule) -> RuleContext:
        """The same pathway and caches, reporting as ``rule``."""
        return RuleContext(self.pathway, today=self.today, cache=self._cache, rule=rule)

    def memo(self, key: str, make: Callable[[], T]) -> T:
        """``make()`` once per check() call, shared by every rule (keyed by ``key``)."""
        try:
            value: T = self._cache[key]
        except KeyError:
            value = self._cache[key] = make()
        return value

    # --- reporting ------------------------------------------------------------------------

    def locate(self, path: tuple[str | int, ...], *, key: bool = False) -> Location:
        """The file location of a document path's value (or its key); line 1 for pathways
        built in code."""
        smap = self.pathway.source_map
        if smap is None:
            return Location(self.pathway.file, 1, 1, path)
        location: Location = smap.locate(path, key=key)
        return location

    def report(
        self,
        path: tuple[str | int, ...],
        message: str,
        *,
        step: str | None = None,
        transition: int | None = None,
        route: tuple[str, ...] | list[str] | None = None,
        case: dict[str, Any] | None = None,
        severity: Severity | None = None,
        key: bool = False,
    ) -> Finding:
        """A finding of the current rule at ``path`` (code, name, severity filled in).

        ``key=True`` points at the path's key (``steps:``) rather than its value."""
        if self.rule is None:
            raise RuntimeError("report() needs a rule; use ctx.for_rule(rule)")
        return Finding(
            code=self.rule.code,
            rule=self.rule.name,
            severity=severity or self.rule.severity,
            message=message,
            location=self.locate(path, key=key),
            step=step,
            transition=transition,
            route=tuple(route) if route is not None else None,
            case=case,
        )

    def step_path(self, step_id: str) -> tuple[str | int, ...]:
        """The document path of a step (its ``- id:`` item)."""
        return ("steps", self.pathway.step_index[step_id])

    # --- shared analyses ------------------------------------------------------------------

    @property
    def graph(self) -> nx.DiGraph:
        """The networkx graph of :func:`pathways.graph.to_networkx` (built on first use)."""
        return self.memo("graph", lambda: to_networkx(self.pathway))

    @property
    def sg(self) -> StepGraph:
        """The integer step graph (all edges, and transition edges only)."""
        return self.memo("sg", lambda: step_graph(self.pathway))

    @property
    def scc(self) -> tuple[list[int], list[list[int]]]:
        """Strongly connected components of the step graph, successors first."""
        return self.memo("scc", lambda: strongly_connected(self.sg.succ))

    @property
    def exits(self) -> dict[str, list[int]]:
        """Indices of the transitions leaving each step id (file order):
        :attr:`Pathway.exit_indices <pathways.model.Pathway.exit_indices>`."""
        return self.pathway.exit_indices

    @property
    def loops(self) -> list[int]:
        """Numbers of the components that are loops (several steps, or a self-edge)."""

        def make() -> list[int]:
            succ = self.sg.succ
            return [c for c, group in enumerate(self.scc[1]) if is_loop(group, succ)]

        return self.memo("loops", make)

    @property
    def entries(self) -> list[int]:
        """Indices of the entry steps."""
        return self.memo(
            "entries", lambda: [i for i, s in enumerate(self.pathway.steps) if s.kind == "entry"]
        )

    @property
    def outcomes(self) -> bytearray:
        """0/1 mask of the outcome steps."""
        return self.memo(
            "outcomes", lambda: bytearray(s.kind == "outcome" for s in self.pathway.steps)
        )

    @property
    def reach(self) -> bytearray:
        """0/1 mask: reachable from an entry step along any edge."""
        return self.memo("reach", lambda: reachable(self.sg.succ, self.entries))

    @property
    def coreach(self) -> bytearray:
        """0/1 mask: an outcome step can be reached from here."""

        def make() -> bytearray:
            outs = [i for i, o in enumerate(self.outcomes) if o]
            return reachable(self.sg.pred, outs)

        return self.memo("coreach", make)

    @property
    def interviews(self) -> Longest:
        """Most ``interview`` steps on a route from each step to an outcome."""

        def make() -> Longest:
            weight = [1.0 if INTERVIEW in s.tags else 0.0 for s in self.pathway.steps]
            return longest_routes(self.sg.succ, weight, self.outcomes, scc=self.scc)

        return self.memo("interviews", make)

    @property
    def agencies(self) -> list[str | None]:
        """The agency of each step's role, by step index."""
        return self.memo("agencies", lambda: agencies_index(self.pathway))

    @property
    def sectors(self) -> list[str | None]:
        """The sector of each step's agency, by step index."""

        def make() -> list[str | None]:
            by_id = self.pathway.agencies_by_id
            return [by_id[a].sector if a in by_id else None for a in self.agencies]

        return self.memo("sectors", make)

    @property
    def guards(self) -> dict[int, Expr]:
        """Parsed ``when:`` of every transition whose guard parses (index -> expression)."""

        def make() -> dict[int, Expr]:
            out: dict[int, Expr] = {}
            for i, t in enumerate(self.pathway.transitions):
                if t.when is not None:
                    try:
                        out[i] = parse_guard(t.when)
                    except GuardError:
                        continue  # PW005 reports it when the file is loaded
            return out

        return self.memo("guards", make)
