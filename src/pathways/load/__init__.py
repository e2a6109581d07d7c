"""Loading: YAML or JSON text -> (data, SourceMap) -> Pathway, or PW0xx findings.

1-3. :mod:`pathways.load.yaml_walk`: read with a size bound, decode strict UTF-8, compose the
     YAML and walk its nodes once into plain data and a :class:`~pathways.load.source.SourceMap`
     (PW001).
4-5. :mod:`pathways.load.loader`: references and duplicate ids (PW003, PW004;
     :mod:`pathways.load.references`), the pydantic model with each error mapped to its node
     (PW002, PW006; :mod:`pathways.load.schema_errors`), the guards (PW005); a
     :class:`~pathways.model.Pathway` or :class:`~pathways.errors.LoadError` with every finding.
     A file is never half-loaded.

:mod:`pathways.load.codes` makes the findings. ``pathways.load`` is also the function
:func:`~pathways.load.loader.load` (the package is callable).
"""

from __future__ import annotations

from pathways._callable import make_callable
from pathways.load.loader import SUFFIXES, dump, load, load_findings, loads, pathway_files
from pathways.load.yaml_walk import MAX_BYTES, MAX_NODES, parse_document

__all__ = [
    "MAX_BYTES",
    "MAX_NODES",
    "SUFFIXES",
    "dump",
    "load",
    "load_findings",
    "loads",
    "parse_document",
    "pathway_files",
]

make_callable(__name__, load)  # `pathways.load(path)` works after `import pathways.load.loader`
