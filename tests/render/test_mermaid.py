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
        elif re.match(r"^\s*(style|linkStyle) [\w\d]+ [\w#:.,\- ]+$", line):
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
