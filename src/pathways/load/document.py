"""YAML or JSON text -> plain data and a source map: which reader reads a document.

A ``.json`` file is read as JSON by :mod:`pathways.load.json_walk`, so it holds whatever
``json.loads`` reads, with the same values; a ``.yaml`` or ``.yml`` file is read as YAML by
:mod:`pathways.load.yaml_walk`. Text named neither (a string given to :func:`pathways.loads`) is
read as JSON when it opens with ``{`` or ``[`` and parses as JSON, else as YAML.
"""

from __future__ import annotations

from typing import Any

from pathways.errors import LoadError
from pathways.findings import Location
from pathways.load.codes import finding
from pathways.load.json_walk import NotJson, parse_json, read_as_json
from pathways.load.source import SourceMap
from pathways.load.yaml_walk import DocumentError, parse_yaml

__all__ = ["parse_document"]


def parse_document(text: str, file: str = "<string>") -> tuple[Any, SourceMap]:
    """Parse YAML or JSON text into plain data and a source map.

    Raises
    ------
    LoadError
        PW001 when the text is not readable YAML (or JSON, for a ``.json`` file), repeats a
        key, or expands aliases past :data:`~pathways.load.yaml_walk.MAX_NODES`.
    """
    if read_as_json(file, text):
        # YAML refuses some valid JSON (surrogate-pair escapes, a raw U+2028, long keys) and
        # reads some differently (1e5 is text to YAML 1.1): JSON is read as JSON
        try:
            return parse_json(text, file, sniffed=not file.lower().endswith(".json"))
        except NotJson:  # text given to loads that opens with '{' but is YAML
            pass
        except DocumentError as exc:
            raise LoadError(
                [finding("PW001", str(exc), Location(file, exc.line, exc.column))]
            ) from None
    return parse_yaml(text, file)
