"""Fork and join steps in the model, the loader and the JSON Schema (SPEC 7.1)."""

from __future__ import annotations

from pathlib import Path

import jsonschema

import pathways
from pathways.load import loads, parse_document
from pathways.model import FORK_EVENT
from pathways.schema import json_schema

SMALL = Path("tests/data/tracks-small.yaml")


def test_fork_and_join_load() -> None:
    """Both kinds load; every exit of a fork moves on `tracks` unless it names an event."""
    p = pathways.load(SMALL)
    kinds = {s.id: s.kind for s in p.steps}
    assert kinds["start_tracks"] == "fork"
    assert kinds["conference"] == "join"
    events = {(t.source, t.to): t.event for t in p.transitions}
    assert events[("start_tracks", "medical")] == FORK_EVENT == "tracks"
    assert events[("start_tracks", "statement")] == "tracks"
    assert events[("medical", "conference")] == "to_conference"
    assert events[("conference", "closed")] == "close"


def test_fork_event_named_in_file_is_kept() -> None:
    """An event written on a fork exit is kept as written."""
    text = SMALL.read_text(encoding="utf-8").replace(
        "{from: start_tracks, to: medical, kind: handoff}",
        "{from: start_tracks, to: medical, kind: handoff, event: begin}",
    )
    p = loads(text)
    events = [t.event for _, t in p.exits("start_tracks")]
    assert events == ["begin", "tracks"]


def test_schema_accepts_fork_and_join() -> None:
    """The JSON Schema lists the two kinds and accepts the file."""
    schema = json_schema()
    data, _ = parse_document(SMALL.read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    kinds = schema["$defs"]["Step"]["properties"]["kind"]["enum"]
    assert {"fork", "join"} <= set(kinds)


def test_files_without_forks_are_untouched() -> None:
    """A file without fork steps loads to the same document as before (no event filled)."""
    p = pathways.load("tests/data/engine-small.yaml")
    assert all(t.event != FORK_EVENT for t in p.transitions)
    assert all(s.kind not in ("fork", "join") for s in p.steps)
