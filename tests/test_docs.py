"""The documentation as a new user meets it: what README.md and docs/*.md show stays true.

Other tests hold particular pages (test_tutorial, test_cli_docs, test_examples, the doctests
of docs/*.md); these hold whole classes of content on every page: links to anchors of the
generated pages, the commands and options the pages write, the Python names they mention, the
Python blocks that are not doctests, and console blocks that show a command's output.
"""

from __future__ import annotations

import re
from pathlib import Path

from pathways.docgen import format_reference

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _slug(heading: str) -> str:
    """The anchor mkdocs' toc extension gives a heading (its default slugify)."""
    text = re.sub(r"[^\w\s-]", "", heading).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def test_format_reference_links_only_to_its_own_headings() -> None:
    """Every `[Type](#type)` of the generated format reference has its section (a link to
    `#duration` once pointed at nothing: the Duration section was left out)."""
    page = format_reference()
    anchors = {_slug(h) for h in re.findall(r"^#+ (.+)$", page, re.M)}
    links = set(re.findall(r"\]\(#([^)]+)\)", page))
    assert links and links <= anchors, sorted(links - anchors)
