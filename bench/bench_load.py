"""Loading: ``pathways.loads`` against PyYAML's ``compose`` of the same text, side by side.

``compose`` (with the C parser when libyaml is there) is the floor for any YAML tool that keeps
line numbers: it builds the node tree with marks and nothing else. Our load composes, walks the
tree into plain data with a source map, checks references, validates with pydantic and parses
the guards, with Python's cyclic garbage collector paused (it would otherwise rescan the growing
node tree again and again). ``compose`` is timed both as a user calls it (collector on) and
with the collector paused too, the strictest floor. Run: ``python bench/bench_load.py [--quick]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, md_table, median_time, shared_module, to_document

import pathways as pw
from pathways._gc import gc_paused


def main() -> None:
    quick = "--quick" in sys.argv
    gen = shared_module("gen")
    sizes = [100, 1000] if quick else [100, 1000, 10_000]
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    rows = []
    for size in sizes:
        doc = to_document(gen.layered(size, 0))
        text = yaml.safe_dump(doc, sort_keys=False)
        compose = median_time(lambda text=text: yaml.compose(text, Loader=loader))
        with gc_paused():
            floor = median_time(lambda text=text: yaml.compose(text, Loader=loader))
        pure = median_time(lambda text=text: yaml.compose(text, Loader=yaml.SafeLoader), repeats=3)
        ours = median_time(lambda text=text: pw.loads(text))
        rows.append(
            [
                f"{size:,}",
                f"{len(text) / 1024:,.0f} KiB",
                f"{compose * 1000:,.1f} ms",
                f"{floor * 1000:,.1f} ms",
                f"{pure * 1000:,.1f} ms",
                f"{ours * 1000:,.1f} ms",
                f"{ours / compose:.2f}x",
                f"{ours / floor:.2f}x",
                f"{ours / pure:.2f}x",
            ]
        )
    table = md_table(
        [
            "steps",
            "file",
            "compose (C)",
            "compose (C, GC paused)",
            "compose (pure Python)",
            "pathways.loads",
            "ratio to C compose",
            "ratio to C compose, GC paused",
            "ratio to pure compose",
        ],
        rows,
    )
    print(table)
    out = REPO / "bench" / "results" / "load.md"
    if not quick:
        out.write_text(
            "# Loading: pathways.loads vs yaml.compose\n\n"
            f"Parser: {loader.__name__}; generated layered pathways (shared/bench/gen.py).\n\n"
            + table
            + "\n"
        )
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
