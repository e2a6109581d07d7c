"""mkdocs hook: generate reference pages from the code before the build reads docs/.

Each generator writes Markdown into docs/ (those files are git-ignored), so the pages cannot
drift from the schema, the rules and the command line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent.parent


def on_pre_build(config: Any, **kwargs: Any) -> None:
    from pathways.docgen import write_all

    write_all(DOCS)
