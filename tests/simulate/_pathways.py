"""Small pathways built in code for the simulation tests."""

from __future__ import annotations

from typing import Any

from pathways.model import Pathway


def build(
    steps: list[dict[str, Any]],
    transitions: list[dict[str, Any]],
    *,
    roles: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> Pathway:
    """A pathway with agencies a/b, roles r (agency a) and s (agency b) unless given."""
    doc: dict[str, Any] = {
        "format": "pathways/1",
        "id": extra.pop("id", "test"),
        "agencies": [
            {"id": "a", "name": "A", "sector": "social"},
            {"id": "b", "name": "B", "sector": "health"},
        ],
        "roles": roles
        if roles is not None
        else [
            {"id": "r", "agency": "a", "title": "R"},
            {"id": "s", "agency": "b", "title": "S"},
        ],
        "steps": steps,
        "transitions": transitions,
        **extra,
    }
    return Pathway.model_validate(doc)


def step(sid: str, kind: str = "action", role: str | None = "r", **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": sid, "kind": kind, **kw}
    if kind != "outcome" and role is not None:
        out["role"] = role
    return out


def move(source: str, to: str, **kw: Any) -> dict[str, Any]:
    return {"from": source, "to": to, **kw}
