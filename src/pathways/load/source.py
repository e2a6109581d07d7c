"""Source maps: from a path in the loaded document to the line and column it came from.

The loader walks PyYAML's node tree once and records, for every mapping key and every value,
where it starts. The user's data stays plain ``dict``/``list``/``str``; the map sits beside it.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field

from pathways.findings import Finding, Location

__all__ = ["DocPath", "SourceMap"]

DocPath = tuple[str | int, ...]


@dataclass
class SourceMap:
    """Line and column (1-based) of every key and value of one document."""

    file: str
    keys: MutableMapping[DocPath, tuple[int, int]] = field(default_factory=dict)
    values: MutableMapping[DocPath, tuple[int, int]] = field(default_factory=dict)
    text: str = field(default="", repr=False)
    notes: list[Finding] = field(default_factory=list, repr=False)
    """Findings made while reading that do not stop loading (a BPMN import's PW007: what
    could not be mapped); :func:`pathways.check` reports them."""

    def locate(self, path: DocPath, *, key: bool = False) -> Location:
        """The location of ``path``'s value (or its key), else of its nearest recorded ancestor.

        Examples
        --------
        >>> from pathways.load.source import SourceMap
        >>> sm = SourceMap("p.yaml", keys={("id",): (2, 1)}, values={(): (1, 1), ("id",): (2, 5)})
        >>> sm.locate(("id",)).line, sm.locate(("id",), key=True).column
        (2, 1)
        >>> sm.locate(("steps", 3, "role")).line
        1
        """
        table = self.keys if key else self.values
        if path in table:
            line, col = table[path]
            return Location(self.file, line, col, path)
        probe = path
        while probe:
            probe = probe[:-1]
            if probe in self.values:
                line, col = self.values[probe]
                return Location(self.file, line, col, path)
        return Location(self.file, 1, 1, path)

    def has(self, path: DocPath) -> bool:
        """Whether ``path`` names a value present in the document."""
        return path in self.values
