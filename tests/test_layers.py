"""The house as drawn: the imports of src/ follow the layer table of docs/development.md.

The import graph is read with ``ast`` from every module of ``src/pathways`` (imports inside
functions and under ``if TYPE_CHECKING:`` included: a circle through a lazy import is still a
circle, and a lazy import that goes up is still an import that goes up). Two checks: no module
reaches itself through its imports, and no module imports from a layer with a higher number
than its own (1 foundations ... 7 interface; a module may import its own layer and those with
lower numbers), but for the edges of ``DISPATCH``. A module missing from the table fails with
the row to add it to.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path("src")
TABLE = Path("docs/development.md")


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted((SRC / "pathways").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _owner(name: str) -> str | None:
    """The module ``name`` refers to: itself, or the nearest package or module that holds it."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, source: str | None = None) -> set[str]:
    """The modules ``module`` imports (its file, or ``source`` read as its text), at any depth."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str | None] = set()
    text = path.read_text(encoding="utf-8") if source is None else source
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found.update(_owner(a.name) for a in node.names if a.name.startswith("pathways"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the package
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            if base == "pathways" or base.startswith("pathways."):
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    found.add(full if full in MODULES else _owner(base))
    found.discard(None)
    found.discard(module)
    return {m for m in found if m is not None}


GRAPH = {module: _imports(module) for module in MODULES}


DISPATCH = {
    ("pathways.load", "bpmn"): "pathways.load(path) hands a .bpmn file to the BPMN "
    "importer, which reads the XML into plain data and then runs the loader's own checks",
}
"""The only imports allowed to go up, each with why: (importing module, row of the table)."""


def _unit(module: str) -> str:
    """The row of the table a module belongs to: its top-level module or subpackage."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "pathways"


def _layers() -> dict[str, int]:
    rows = re.findall(r"^\|\s*(\d+) [^|]*\|([^|]+)\|\s*$", TABLE.read_text("utf-8"), re.M)
    assert rows, f"{TABLE} has no layer table"
    return {unit: int(n) for n, cell in rows for unit in re.findall(r"`([^`]+)`", cell)}


def test_the_graph_is_read() -> None:
    """The reader sees the imports it must (a guard against a reader that finds nothing)."""
    assert "pathways.model" in GRAPH["pathways.graph"]  # under TYPE_CHECKING
    assert "pathways.load" in GRAPH["pathways.report"]  # inside a function
    assert "pathways.guards.tree" in GRAPH["pathways.guards.syntax"]
    assert sum(map(len, GRAPH.values())) > 200


def test_no_import_circles() -> None:
    """No module reaches itself through imports (Tarjan's components of size > 1)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:  # recursive Tarjan; the graph is ~100 modules deep at most
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(GRAPH[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert circles == [], "import circles (break each with a Protocol or a move): " + "; ".join(
        " <-> ".join(c) for c in circles
    )


def test_every_module_has_a_layer() -> None:
    """Each top-level module and subpackage is in the table (and the table names no ghosts)."""
    layers = _layers()
    units = {_unit(m) for m in MODULES}
    missing = sorted(units - set(layers))
    assert not missing, (
        f"add {', '.join(f'`{u}`' for u in missing)} to the layer table of {TABLE} "
        "(the row of the lowest layer it imports from, or higher)"
    )
    assert not set(layers) - units, f"{TABLE} names modules that do not exist"


def _upward(graph: dict[str, set[str]], layers: dict[str, int], unit: str) -> dict[str, set[str]]:
    """The imports of ``unit``'s modules that go to a layer above its own (DISPATCH aside)."""
    upward: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph.items():
        if _unit(module) != unit:
            continue
        for target in targets:
            other = _unit(target)
            if other in layers and layers[other] > layers[unit] and (module, other) not in DISPATCH:
                upward[module].add(f"{target} (layer {layers[other]})")
    return upward


@pytest.mark.parametrize("unit", sorted({_unit(m) for m in MODULES}))
def test_imports_go_down_the_layers(unit: str) -> None:
    """A module imports only from its own layer or lower ones (1 foundations ... 7 interface),
    inside a function too (the loader once imported the simulator's override parser there)."""
    layers = _layers()
    if unit not in layers:
        pytest.skip(f"{unit} has no layer yet (test_every_module_has_a_layer says where)")
    upward = _upward(GRAPH, layers, unit)
    assert not upward, f"{unit} is in layer {layers[unit]} but imports from above: " + "; ".join(
        f"{m} -> {', '.join(sorted(t))}" for m, t in sorted(upward.items())
    )


def test_a_lazy_import_that_goes_up_fails() -> None:
    """The loader as it was: the override parser imported inside a function, from the
    simulator, a layer above. The check sees it (and the same import at the top)."""
    lazy = (
        "def _scenario_findings():\n    from pathways.simulate.overrides import check_overrides\n"
    )
    eager = "import pathways.simulate.overrides\n"
    for source in (lazy, eager):
        graph = {**GRAPH, "pathways.load.loader": _imports("pathways.load.loader", source)}
        assert _upward(graph, _layers(), "load") == {
            "pathways.load.loader": {"pathways.simulate.overrides (layer 5)"}
        }


def test_dispatch_edges_are_real() -> None:
    """Each allowed upward import exists (an edge that went away leaves the list)."""
    for module, unit in DISPATCH:
        assert unit in map(_unit, GRAPH[module]), f"{module} no longer imports {unit}: drop it"


def test_no_two_public_classes_share_a_name() -> None:
    """A public class name says which one is meant: there were two ``Compiled`` (the engine's
    machine and the simulator's arrays; issue 11)."""
    where: dict[str, list[str]] = defaultdict(list)
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                where[node.name].append(module)
    twice = {name: places for name, places in where.items() if len(places) > 1}
    assert not twice, f"classes defined in more than one module: {twice}"
