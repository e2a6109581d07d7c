"""The pathway as a graph: steps are nodes, transitions and referral fallbacks are edges.

Functions here take a :class:`~pathways.model.Pathway` or a ``networkx.DiGraph``, in networkx
style, so rules read as sentences.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

if TYPE_CHECKING:
    from pathways.model import Pathway

__all__ = ["to_networkx"]


def to_networkx(pathway: Pathway) -> nx.DiGraph:
    """Build the pathway's directed graph.

    Nodes are step ids in file order, with attributes ``kind``, ``role``, ``agency``,
    ``sector``, ``tags`` and ``label``. Every transition is an edge with ``event``, ``guard``,
    ``probability``, ``kind``, ``transitions`` (the indices of the transitions it stands for)
    and ``fallback=False``; every referral's ``on_reject`` adds a fallback edge from the
    referral's ``from`` step with ``fallback=True`` (unless a transition already joins them).

    Examples
    --------
    >>> import pathways as pw
    >>> g = pw.load("pathways/kh/csa-in-person.yaml").graph()
    >>> all(g.nodes[n]["kind"] for n in g)
    True
    """
    g = nx.DiGraph(id=pathway.id)
    for step in pathway.steps:
        g.add_node(
            step.id,
            kind=step.kind,
            role=step.role,
            agency=pathway.agency_of(step.id),
            sector=pathway.sector_of(step.id),
            tags=tuple(step.tags),
            label=pathway.label(step.id),
        )
    for i, t in enumerate(pathway.transitions):
        if g.has_edge(t.source, t.to) and not g.edges[t.source, t.to]["fallback"]:
            g.edges[t.source, t.to]["transitions"] += (i,)
            continue
        g.add_edge(
            t.source,
            t.to,
            event=t.event,
            guard=t.when,
            probability=t.probability,
            kind=t.kind,
            fallback=False,
            transitions=(i,),
        )
    for i, t in enumerate(pathway.transitions):
        if t.kind == "referral" and t.on_reject and not g.has_edge(t.source, t.on_reject):
            g.add_edge(
                t.source,
                t.on_reject,
                event=f"decline_{t.event}",
                guard=None,
                probability=None,
                kind="fallback",
                fallback=True,
                transitions=(i,),
            )
    return g
