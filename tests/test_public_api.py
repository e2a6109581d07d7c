"""The public API: `__all__` lists exactly the public names, and `import pathways` stays light."""

from __future__ import annotations

import subprocess
import sys
import types

import pathways

NOT_API = {"annotations", "importlib", "TYPE_CHECKING", "Any"}


def test_all_is_sorted_and_complete() -> None:
    """`__all__` is sorted and names every public attribute that is not a submodule."""
    assert pathways.__all__ == sorted(pathways.__all__)
    public = {
        name
        for name in dir(pathways)
        if not name.startswith("_")
        and name not in NOT_API
        and not isinstance(getattr(pathways, name), types.ModuleType)
    }
    assert public <= set(pathways.__all__), public - set(pathways.__all__)


def test_every_exported_name_resolves() -> None:
    """Each name in `__all__` can be imported from the package."""
    for name in pathways.__all__:
        assert getattr(pathways, name) is not None, name


def test_spec_names_exist() -> None:
    """The names SPEC section 6 promises exist with those exact names."""
    for name in (
        "load", "check", "simulate", "render", "Engine", "Actor", "LoadError",
        "TransitionNotAllowed", "NotAuthorized",
    ):  # fmt: skip
        assert name in pathways.__all__, name


def test_functions_stay_callable_after_subpackage_imports() -> None:
    """`pathways.render(...)`, `pathways.simulate(...)` and `pathways.load(...)` stay callable
    once their subpackages are imported (a subpackage import rebinds the package attribute)."""
    code = (
        "import pathways, pathways.render, pathways.simulate\n"
        "import pathways.render.dot, pathways.simulate.walk, pathways.load.loader\n"
        "assert callable(pathways.load), type(pathways.load)\n"
        "assert callable(pathways.render), type(pathways.render)\n"
        "assert callable(pathways.simulate), type(pathways.simulate)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_import_is_light() -> None:
    """`import pathways` loads no numpy, networkx, graphviz or transitions (fast `--help`)."""
    code = (
        "import sys, pathways, pathways.cli\n"
        "heavy = {'numpy', 'networkx', 'graphviz', 'transitions', 'distributed'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"


def test_pathway_graph_is_the_networkx_graph() -> None:
    """SPEC section 6's ``g = p.graph()``: a networkx.DiGraph with the steps as nodes, the same
    nodes, edges and attributes as ``pathways.graph.to_networkx`` (it was removed once, in
    issue 11, and outside tests written against the SPEC failed)."""
    import networkx as nx

    from pathways.graph import to_networkx

    p = pathways.load("pathways/kh/csa-in-person.yaml")
    g = p.graph()
    assert isinstance(g, nx.DiGraph)
    assert list(g.nodes) == [s.id for s in p.steps]
    expected = to_networkx(p)
    assert dict(g.nodes(data=True)) == dict(expected.nodes(data=True))
    assert list(g.edges(data=True)) == list(expected.edges(data=True))


def test_pathway_graph_needs_no_import_of_the_package_first() -> None:
    """A program that imports only ``pathways.model`` (the package runs first) has it too."""
    code = (
        "from pathways.model import Pathway\n"
        "from pathways.load import load\n"
        "p = load('pathways/kh/csa-in-person.yaml')\n"
        "assert isinstance(p, Pathway)\n"
        "print(p.graph().number_of_nodes())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "28"
