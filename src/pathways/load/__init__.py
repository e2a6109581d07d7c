"""Loading: YAML or JSON text -> (data, SourceMap) -> Pathway, or PW0xx findings.

A BPMN file (``.bpmn``) is read by :mod:`pathways.bpmn.importer` into the same plain data and a
source map into the XML, then checked from step 4 on.

1-3. :mod:`pathways.load.yaml_walk`: read with a size bound, decode strict UTF-8, compose the
     YAML and walk its nodes once into plain data and a :class:`~pathways.load.source.SourceMap`
     (PW001); a ``.json`` file is read as JSON instead (:mod:`pathways.load.json_walk`, the
     values ``json.loads`` gives; :mod:`pathways.load.document` chooses).
4-5. :mod:`pathways.load.loader`: references and duplicate ids (PW003, PW004;
     :mod:`pathways.load.references`), the pydantic model with each error mapped to its node
     (PW002, PW006; :mod:`pathways.load.schema_errors`), the guards (PW005); a
     :class:`~pathways.model.Pathway` or :class:`~pathways.errors.LoadError` with every finding.
     A file is never half-loaded.

:mod:`pathways.load.codes` makes the findings. ``pathways.load`` is also the function
:func:`~pathways.load.loader.load` (the package is callable).
"""

from __future__ import annotations

import os

from pathways._callable import make_callable
from pathways.load import loader
from pathways.load.document import parse_document
from pathways.load.loader import SUFFIXES, dump, load_findings, loads, pathway_files
from pathways.load.yaml_walk import MAX_BYTES, MAX_NODES
from pathways.model import Pathway

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


def load(path: str | os.PathLike[str]) -> Pathway:
    """Load a pathway file: YAML or JSON, or BPMN 2.0 XML (``.bpmn``, ``.bpmn2``,
    ``.bpmn20.xml``; :mod:`pathways.bpmn.importer`, findings point into the XML).

    Raises
    ------
    LoadError
        When the file has any PW0xx error; ``.findings`` lists them all.

    Examples
    --------
    >>> import pathways as pw
    >>> p = pw.load("tests/data/bpmn/referral.bpmn")
    >>> p.entry_steps(), p.source_map.file
    (['report_received'], 'tests/data/bpmn/referral.bpmn')
    """
    from pathways.bpmn import is_bpmn_path

    if is_bpmn_path(os.fspath(path)):
        from pathways.bpmn.importer import load_bpmn

        return load_bpmn(path)
    return loader.load(path)


make_callable(__name__, load)  # `pathways.load(path)` works after `import pathways.load.loader`
