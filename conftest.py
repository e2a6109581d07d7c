"""Root pytest set-up: doctests in src/ run from the repository root with `pw` imported.

The Hypothesis profiles load here, before any test module or doctest is collected, so the
doctests of src/ and docs/ run derandomized and without an example database too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import tests.hyp  # noqa: F401  (registers and loads the Hypothesis profile)

os.chdir(Path(__file__).resolve().parent)


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace: dict[str, Any]) -> None:
    import pathways

    doctest_namespace["pw"] = pathways
