"""Mermaid output: a flowchart with a subgraph per agency, every label escaped.

The structural tests always run. ``test_real_mermaid_parser`` parses the output with the
``mermaid`` npm package itself (its flowchart grammar, in Node with jsdom standing in for the
browser) when Node and the packages are installed in tests/render/mermaid/:

    cd tests/render/mermaid && npm install

node_modules/ there is not committed.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pathways
from pathways.render import to_mermaid
from pathways.render.extract import extract, wrap
from tests.conftest import require

from ._helpers import BUNDLED, HERE, P1, load

CHECKER = HERE / "mermaid"
NODE_LINE = re.compile(r'^\s*(s\d+)(>|\(\[|\(|\{\{|\{|\[/)"([^"]*)"(\]|\]\)|\)|\}\}|\}|/\])$')
EDGE_LINE = re.compile(r'^\s*(s\d+) (-->|==>|-\.->)(?:\|"([^"]*)"\|)? (s\d+)$')
SUBGRAPH_LINE = re.compile(r'^\s*subgraph (lane\d+)\["([^"]*)"\]$')


def decode(label: str) -> str:
    """Undo the renderer's escaping the way Mermaid does: entity codes, then <br>."""
    text = re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), label)
    return text.replace("<br>", "\n")


def parse_structure(text: str) -> dict[str, object]:
    """Every line of the output is one of the forms the renderer writes; nothing else."""
    lines = text.splitlines()
    assert lines[0] == "flowchart LR" or lines[1] == "flowchart LR"
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str, str, str | None]] = []
    lanes: dict[str, str] = {}
    depth = 0
    for line in lines:
        if line.startswith("%%{init:") or line == "flowchart LR":
            continue
        if m := SUBGRAPH_LINE.match(line):
            lanes[m.group(1)] = decode(m.group(2))
            depth += 1
        elif line.strip() == "end":
            depth -= 1
        elif m := NODE_LINE.match(line):
            nodes[m.group(1)] = decode(m.group(3))
        elif m := EDGE_LINE.match(line):
            edges.append((m.group(1), m.group(2), m.group(4), m.group(3)))
        elif re.match(r"^\s*(style|linkStyle|classDef|class) [\w\d,]+ [\w#:.,\- ]+$", line):
            pass
        else:
            raise AssertionError(f"unexpected Mermaid line: {line!r}")
        assert depth in (0, 1)
    assert depth == 0
    return {"nodes": nodes, "edges": edges, "lanes": lanes}


def test_one_subgraph_per_agency_and_every_step() -> None:
    """P1 gives a subgraph per agency and a node per step, labels intact after decoding."""
    p = pathways.load(P1)
    parsed = parse_structure(to_mermaid(p))
    lanes = parsed["lanes"]
    nodes = parsed["nodes"]
    assert isinstance(lanes, dict) and isinstance(nodes, dict)
    assert len(lanes) == len(p.agencies)
    assert len(nodes) == len(p.steps)
    for node in extract(p).nodes:
        # Fork and join steps (BPMN gateways) are diamonds whose text starts with "+".
        texts = [v.removeprefix("+\n") for v in nodes.values()]
        assert any(v.startswith("\n".join(node.lines(34))) for v in texts), node.id
    edges = parsed["edges"]
    assert isinstance(edges, list)
    kinds = {arrow for _, arrow, _, _ in edges}
    assert kinds == {"-->", "==>", "-.->"}  # plain, referral, declined-referral fallback


def test_hostile_labels_stay_inside_their_quotes() -> None:
    """Quotes, brackets, pipes, #, <script> and newlines come out as entity codes."""
    text = to_mermaid(load("hostile.yaml"))
    parsed = parse_structure(text)  # every line still has its expected shape
    nodes = parsed["nodes"]
    assert isinstance(nodes, dict)
    assert "<script" not in text and "<img" not in text and "<b>" not in text
    labels = "\n".join(nodes.values())
    assert '<script>alert("x")</script>' in labels
    assert "A --> B; end; {{x}} (y) [/z/]" in labels
    assert "Role `tick` #quot; #35;" in labels  # Mermaid's own codes, escaped: shown as typed
    lanes = parsed["lanes"]
    assert isinstance(lanes, dict)
    assert any('Agency "quoted" & <b>bold</b>' in v for v in lanes.values())
    assert any("phone: <img src=x onerror=alert(2)>" in v for v in lanes.values())


def test_khmer_font_directive() -> None:
    """lang='km' asks Mermaid for the Khmer font and writes the Khmer labels."""
    text = to_mermaid(pathways.load(P1), lang="km")
    assert text.startswith('%%{init: {"themeVariables": {"fontFamily": "Khmer OS"}}}%%\n')
    assert "បិទករណី" in text


def _checker() -> list[str]:
    # `make test-deps` installs Node.js and restores node_modules with `npm ci` from the
    # committed lock file before pytest starts, so this test never reaches the network.
    node = shutil.which("node")
    require(node, "Node.js", "run `make test-deps` (apt-get install -y nodejs npm)")
    require(
        (CHECKER / "node_modules" / "mermaid").is_dir(),
        "the mermaid parser (tests/render/mermaid/node_modules)",
        "run `make test-deps` (npm ci in tests/render/mermaid)",
    )
    return [str(node), str(CHECKER / "check.mjs")]


def _unplaceholder(text: str) -> str:
    # Mermaid keeps entity codes as placeholders until it draws: turn them into characters.
    text = re.sub(r"ﬂ°°(\d+)¶ß", lambda m: chr(int(m.group(1))), text)
    text = re.sub(r"ﬂ°(\w+)¶ß", lambda m: html.unescape(f"&{m.group(1)};"), text)
    return text.replace("<br>", "\n")


def test_real_mermaid_parser(tmp_path: Path) -> None:
    """The mermaid package parses every bundled pathway and the hostile fixture as flowcharts
    with the subgraphs, nodes and edge kinds we wrote, and the labels read back unchanged."""
    command = _checker()
    cases = [(pathways.load(path), None) for path in BUNDLED]
    cases += [(pathways.load(P1), "km"), (load("hostile.yaml"), None)]
    everywhere = pathways.load(HERE.parent / "data" / "hostile" / "labels-everywhere.yaml")
    cases += [(everywhere, None), (everywhere, "km")]  # markup of every output in every text
    files = []
    for number, (p, lang) in enumerate(cases):
        out = tmp_path / f"{number}.mmd"
        out.write_text(to_mermaid(p, lang=lang), encoding="utf-8")
        files.append(out)
    done = subprocess.run(
        [*command, *map(str, files)], capture_output=True, text=True, timeout=60, check=False
    )
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(results) == len(cases), done.stderr
    for (p, lang), result in zip(cases, results, strict=True):
        assert result["ok"], f"{p.id}: {result.get('error')}"
        assert result["type"] == "flowchart-v2"
        diagram = extract(p, lang=lang)
        assert len(result["subgraphs"]) == len(diagram.lanes)
        vertices = {k: v for k, v in result["vertices"].items() if k.startswith("s")}
        assert len(vertices) == len(diagram.nodes)
        for number, node in enumerate(diagram.nodes):
            got = _unplaceholder(vertices[f"s{number}"]["text"]).removeprefix("+\n")  # gateways
            assert got.startswith("\n".join(node.lines(34))), (node.id, got)
        strokes = [e["stroke"] for e in result["edges"]]
        kinds = [e.kind for e in diagram.edges]
        expected = {
            "internal": "normal",
            "handoff": "normal",
            "referral": "thick",
            "fallback": "dotted",
        }
        assert strokes == [expected[k] for k in kinds]
        titles = [_unplaceholder(s["title"]).split("\n")[0] for s in result["subgraphs"]]
        assert titles == [wrap(lane.title, 60)[0] for lane in diagram.lanes]


def _traced_mermaid(tmp_path: Path, lang: str | None = None) -> tuple[str, object]:
    """`pathways trace P1 risk=high -o trace.mmd` (the CLI's Mermaid route) and the trace."""
    from pathways.cli import main
    from pathways.trace import trace

    out = tmp_path / "trace.mmd"
    args = ["trace", str(P1), "risk=high", "hours_since_incident=10", "-o", str(out)]
    assert main([*args, *(["--lang", lang] if lang else [])]) == 0
    facts = {"risk": "high", "hours_since_incident": 10}
    return out.read_text(encoding="utf-8"), trace(pathways.load(P1), facts)


def test_trace_lights_the_routes_in_mermaid(tmp_path: Path) -> None:
    """Issue 18: `trace -o trace.mmd` ignored the lighting the SVG has. The traced steps get
    the class lit and the others faded, each transition its linkStyle (bold black on the
    routes, grey off them), and a key node says what was traced, escaped."""
    text, traced = _traced_mermaid(tmp_path)
    diagram = extract(pathways.load(P1))
    ids = {f"s{n}": node.id for n, node in enumerate(diagram.nodes)}
    members: dict[str, set[str]] = {}
    for line in text.splitlines():
        if m := re.fullmatch(r"  class ([\w,]+) (lit|faded|key)", line):
            members[m.group(2)] = set(m.group(1).split(","))
    assert {ids[s] for s in members["lit"]} == set(traced.steps)  # type: ignore[attr-defined]
    assert {ids[s] for s in members["faded"]} == set(ids.values()) - set(traced.steps)  # type: ignore[attr-defined]
    assert members["faded"] and members["key"] == {"trace0"}
    links = dict(re.findall(r"^  linkStyle (\d+) (.*)$", text, re.MULTILINE))
    for number, edge in enumerate(diagram.edges):
        chosen = traced.fallbacks if edge.kind == "fallback" else traced.transitions  # type: ignore[attr-defined]
        lit = edge.transition in chosen
        assert links[str(number)] == (
            "stroke:#000000,stroke-width:3px" if lit else "stroke:#C8C8C8,color:#A0A0A0"
        )
    assert "risk level = high, hours since the incident = 10" in decode(
        re.search(r'trace0\["([^"]*)"\]', text).group(1)  # type: ignore[union-attr]
    )
    # The untraced drawing has none of it.
    plain = to_mermaid(pathways.load(P1))
    assert "classDef" not in plain and "trace0" not in plain


def test_trace_key_is_escaped() -> None:
    from pathways.render.extract import light
    from pathways.render.mermaid import draw

    diagram = extract(pathways.load(P1))
    hostile = 'x = "]; s0 --> s1; click s0 call alert(1) %% <script>'
    text = draw(light(diagram, {diagram.nodes[0].id}, set(), set(), hostile))
    key = re.search(r'^  trace0\["([^"]*)"\]$', text, re.MULTILINE)
    assert (
        key is not None and "<script" not in text and "click" not in text.replace(key.group(1), "")
    )
    assert hostile in decode(key.group(1))


def test_real_mermaid_parser_reads_the_trace(tmp_path: Path) -> None:
    """The mermaid package reads the traced classes and link styles back (km, P1)."""
    command = _checker()
    text, traced = _traced_mermaid(tmp_path, "km")
    assert "sector" not in text  # the lane's "sector:" is the catalogue's word
    done = subprocess.run(
        [*command, str(tmp_path / "trace.mmd")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    result = json.loads(done.stdout.splitlines()[0])
    assert result["ok"], result.get("error")
    assert {"lit", "faded", "key"} <= set(result["classes"])
    diagram = extract(pathways.load(P1), lang="km")
    for number, node in enumerate(diagram.nodes):
        want = "lit" if node.id in traced.steps else "faded"  # type: ignore[attr-defined]
        assert result["vertices"][f"s{number}"]["classes"] == [want], node.id
    assert result["vertices"]["trace0"]["classes"] == ["key"]
    styles = [e["style"] for e in result["edges"]]
    assert len(styles) == len(diagram.edges)
    assert all("stroke:#000000" in s or "stroke:#C8C8C8" in s for s in styles)
    assert any("stroke:#C8C8C8" in s for s in styles)
