"""Rule pages written beside the report (``rules/PW305.html``), so its links work offline.

A report is emailed or copied to a USB stick; a link into a docs build (``../site/rules/...``)
is dead there. Each page is the rule's documentation (:meth:`pathways.rules.Rule.page`, the
Markdown of its docstring) turned into plain HTML by the few constructs rule pages use:
headings, paragraphs, lists, fenced code and inline code. Everything is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from html import escape
from pathlib import Path

__all__ = ["markdown_html", "write_rule_pages"]


def _inline(text: str) -> str:
    parts = re.split(r"(`[^`]+`)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(f"<code>{escape(part[1:-1])}</code>")
        else:
            bold = re.split(r"(\*\*[^*]+\*\*)", part)
            out.append(
                "".join(
                    f"<strong>{escape(b[2:-2])}</strong>" if b.startswith("**") else escape(b)
                    for b in bold
                )
            )
    return "".join(out)


def markdown_html(text: str) -> str:
    """The HTML of a rule page's Markdown (headings, paragraphs, lists, code), escaped.

    >>> print(markdown_html("# PW1 x\\n\\nSee `a < b`.\\n\\n```yaml\\nk: <v>\\n```"))
    <h1>PW1 x</h1>
    <p>See <code>a &lt; b</code>.</p>
    <pre><code>k: &lt;v&gt;</code></pre>
    """
    out: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    code: list[str] | None = None

    def flush() -> None:
        if paragraph:
            out.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for line in text.splitlines():
        if code is not None:
            if line.strip().startswith("```"):
                out.append(f"<pre><code>{escape(chr(10).join(code))}</code></pre>")
                code = None
            else:
                code.append(line)
            continue
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            code = []
        elif stripped.startswith("#"):
            flush()
            level = min(len(stripped) - len(stripped.lstrip("#")), 4)
            out.append(f"<h{level}>{_inline(stripped[level:].strip())}</h{level}>")
        elif stripped.startswith(("- ", "* ")):
            if paragraph:
                flush()
            items.append(stripped[2:])
        elif not stripped:
            flush()
        elif items and line.startswith("  "):
            items[-1] += " " + stripped
        else:
            paragraph.append(stripped)
    if code is not None:
        out.append(f"<pre><code>{escape(chr(10).join(code))}</code></pre>")
    flush()
    return "\n".join(out)


def write_rule_pages(out_dir: Path, codes: Iterable[str], page: Callable[..., str]) -> list[Path]:
    """Write ``rules/CODE.html`` under ``out_dir`` for each known code; return the files.

    ``page`` wraps a body into a whole page: ``page(body, title=...)``.
    """
    from pathways.rules import get_rule

    written = []
    folder = out_dir / "rules"
    for code in sorted(set(codes)):
        found = get_rule(code)
        if found is None or not re.fullmatch(r"[A-Za-z0-9_-]+", code):
            continue
        folder.mkdir(parents=True, exist_ok=True)
        body = '<p><a href="../index.html">← all pathways</a></p>\n' + markdown_html(found.page())
        target = folder / f"{code}.html"
        target.write_text(page(body, title=f"{code} {found.name}"), encoding="utf-8")
        written.append(target)
    return written
