"""Root pytest set-up: doctests in src/ run from the repository root with `pw` imported."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

os.chdir(Path(__file__).resolve().parent)


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace: dict[str, Any]) -> None:
    import pathways

    doctest_namespace["pw"] = pathways
