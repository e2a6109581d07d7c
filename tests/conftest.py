"""Shared test set-up: the repository paths (the Hypothesis profiles are in tests/hyp.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import tests.hyp  # noqa: F401  (registers and loads the Hypothesis profile)
from tests.stores import backend, store  # noqa: F401  (the store fixtures, over SQLite and PostgreSQL)

REPO = Path(__file__).resolve().parent.parent

# Doctests and the bundled-pathway paths are written relative to the repository root.
os.chdir(REPO)


def require(found: object, what: str, fix: str) -> None:
    """Fail (never skip) when a tool the suite needs is missing: a test that cannot run says
    why and how to install it, so a green run means every test ran."""
    if not found:
        pytest.fail(f"{what} is missing, so this test cannot run; {fix}", pytrace=False)


@pytest.fixture
def graphviz_dot() -> str:
    """The path of Graphviz's `dot` (`make setup` installs it)."""
    found = shutil.which("dot")
    require(found, "Graphviz 'dot'", "run `make setup` or apt-get install -y graphviz")
    return str(found)


@pytest.fixture
def french_starter(tmp_path: Path) -> Path:
    """The starter pathway (`pathways new`) labelled in English and French (`locales: [en,
    fr]`, the entry step "Signalement reçu" in French), written as `fr.yaml`: a language the
    tool has no catalogue for but the file declares."""
    import yaml

    from pathways.cli import main

    starter = tmp_path / "starter.yaml"
    assert main(["new", str(starter), "--no-input"]) == 0
    doc = yaml.safe_load(starter.read_text(encoding="utf-8"))
    doc["locales"] = ["en", "fr"]
    entry = next(s for s in doc["steps"] if s["kind"] == "entry")
    entry["label"] = {"en": "Report", "fr": "Signalement reçu"}
    path = tmp_path / "fr.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
