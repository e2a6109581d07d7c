"""The DOT text pagination writes directly (issue 18, performance): the same bytes as the
`graphviz` package writes for the same calls, and every label escaped."""

from __future__ import annotations

import graphviz
import pytest
from hypothesis import given
from hypothesis import strategies as st

import pathways
from pathways.render.dot import _Writer, draw, draw_source, quote
from pathways.render.extract import extract

from ._helpers import BUNDLED, DATA

# Ids as the model allows them, and the ids and values the drawing code makes from them
# (markers "@to-lane3-a.b", colours, numbers, keywords, HTML-like labels, quotes).
_IDS = st.builds(str.__add__, st.sampled_from("aZ0_"), st.text(alphabet="abZ09_.-", max_size=8))
_VALUES = st.one_of(
    _IDS,
    _IDS.map(lambda i: f"@to-lane3-{i}"),
    st.sampled_from(["node", "Edge", "graph", "strict", "", "0.25", "-1", ".5", "#404040"]),
    st.sampled_from(["filled,dashed", "0.08,0.04", 'a"b', 'say "hi"', "x y"]),
    st.text(st.characters(blacklist_characters='\\\n\r"'), max_size=12),
    st.text(max_size=12).map(lambda t: f"<<B>{t}</B>>"),
)
_ENDS = st.one_of(_IDS, _IDS.map(lambda i: f"@to-lane3-{i}"), st.sampled_from(["node", "0.5"]))
"""Edge ends: ids (never a ":", which the package would read as a port)."""
_ATTRS = st.dictionaries(st.sampled_from(["style", "color", "label", "width", "shape"]), _VALUES)


@given(
    st.lists(
        st.tuples(st.sampled_from(["node", "edge", "attr", "sub"]), _ENDS, _ENDS, _ATTRS),
        max_size=12,
    )
)
def test_the_writer_writes_what_the_graphviz_package_writes(
    calls: list[tuple[str, str, str, dict[str, str]]],
) -> None:
    ours = _Writer()
    theirs = graphviz.Digraph()

    def apply(ours: _Writer, theirs: graphviz.Digraph, depth: int) -> None:
        for kind, a, b, attrs in calls[depth::2]:
            if kind == "node":
                ours.node(a, **attrs)
                theirs.node(a, **attrs)
            elif kind == "edge":
                ours.edge(a, b, **attrs)
                theirs.edge(a, b, **attrs)
            elif kind == "attr":
                ours.attr(**attrs)
                theirs.attr(**attrs)
            elif depth == 0:
                name = f"cluster_{a}" if b else None
                with ours.subgraph(name=name) as inner, theirs.subgraph(name=name) as other:
                    apply(inner, other, 1)

    apply(ours, theirs, 0)
    assert ours.body == theirs.body


@given(st.text(max_size=20))
def test_a_plain_value_is_quoted_or_refused_never_broken(value: str) -> None:
    """What `dot` reads back is the value itself: no quote ends the string early, and a
    backslash or line break (which DOT cannot quote faithfully) is refused."""
    try:
        written = quote(value)
    except ValueError:
        assert any(c in value for c in "\\\n\r")
        return
    if written == value:
        return
    assert written.startswith('"') and written.endswith('"')
    inner = written[1:-1]
    assert inner.replace('\\"', "").count('"') == 0
    assert inner.replace('\\"', '"') == value


@pytest.mark.parametrize("path", [*BUNDLED[:2], DATA / "hostile.yaml"], ids=lambda p: p.stem)
@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_draw_source_is_the_drawing_of_draw(path: object, direction: str) -> None:
    diagram = extract(pathways.load(path), lang="km")
    for compact in (False, True):
        assert draw_source(diagram, direction, compact=compact) == (
            draw(diagram, direction, compact=compact).source
        )
