"""The docs gallery: every pathway of a library drawn to SVG, embedded in a generated page."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pathways.render.gallery import render_library, write_gallery

from ._helpers import DATA, requires_dot


@requires_dot
def test_gallery_draws_every_pathway_for_public_readers(tmp_path: Path) -> None:
    """Each file becomes <id>.svg linked from diagrams/index.md; titles are escaped."""
    library = tmp_path / "pathways"
    library.mkdir()
    for name in ("restricted.yaml", "hostile.yaml"):
        shutil.copy(DATA / name, library / name)
    docs = tmp_path / "docs"
    written = write_gallery(docs, library)
    assert sorted(p.name for p in written) == ["hostile-labels.svg", "visibility-levels.svg"]
    page = (docs / "diagrams" / "index.md").read_text(encoding="utf-8")
    assert "[![visibility-levels](visibility-levels.svg)](visibility-levels.svg)" in page
    assert "<script>" not in page
    assert "Title &lt;/title&gt;&lt;script&gt;" in page
    svg = (docs / "diagrams" / "visibility-levels.svg").read_text(encoding="utf-8")
    assert "PARTNER&#45;LINE&#45;2222" not in svg and "PUBLIC&#45;LINE&#45;1111" in svg


def test_render_library_names_files_by_id_and_skips_broken_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """make run's helper writes out/<id>.<suffix> and names a file that does not load."""
    library = tmp_path / "lib"
    library.mkdir()
    shutil.copy(DATA / "restricted.yaml", library / "a.yaml")
    (library / "broken.yaml").write_text("format: pathways/1\nid: [\n", encoding="utf-8")
    written = render_library(library, tmp_path / "out", ".mmd")
    assert [p.name for p in written] == ["visibility-levels.mmd"]
    assert "broken.yaml: not drawn:" in capsys.readouterr().err


@requires_dot
def test_gallery_titles_are_not_markdown(tmp_path: Path) -> None:
    """A title holding a Markdown link to javascript:, emphasis, or a newline and a heading
    was written into the page as Markdown (html.escape alone leaves those), so the docs site
    drew a link, bold text and a heading of the file's making; now it shows the title."""
    import re

    import markdown

    library = tmp_path / "pathways"
    library.mkdir()
    title = "[click](javascript:alert(1)) **bold**\n# Forged heading"
    text = (DATA / "hostile.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^title: .*$", "title: " + json.dumps(title), text)
    (library / "t.yaml").write_text(text, encoding="utf-8")
    write_gallery(tmp_path / "docs", library)
    page = (tmp_path / "docs" / "diagrams" / "index.md").read_text(encoding="utf-8")
    html = markdown.markdown(page, extensions=["admonition", "tables", "toc"])
    assert "javascript" not in "".join(re.findall(r'href="([^"]*)"', html))
    assert "<strong>bold" not in html and html.count("<h1") == 1  # the page's own heading
    assert re.search(r"<h2[^>]*>\[click\]\(javascript:alert\(1\)\) \*\*bold\*\* # Forged", html)
