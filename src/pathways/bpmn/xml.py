"""Safe XML for BPMN files: bytes -> a light element tree with lines and columns, or PW001.

The parser is expat as :mod:`defusedxml` configures it (``DefusedXMLParser`` with
``forbid_dtd=True``): a document type declaration, an entity declaration or an external
reference stops the parse at once, so "billion laughs" entity expansion, external entities
(local files, URLs) and DTD tricks are refused before anything is expanded or fetched. A BPMN
file never needs a DTD. Why defusedxml rather than lxml: it adds one small pure-Python wheel on
top of the expat that ships with Python, and expat reports the *column* of every element (lxml
gives only the line), which findings need to point into the file.

The size bound is the loader's (:data:`pathways.load.yaml_walk.MAX_BYTES`, checked before
parsing), and at most :data:`MAX_ELEMENTS` elements are built. Every problem is a
:class:`~pathways.load.yaml_walk.DocumentError` with the line and column of the bad spot.

Examples
--------
>>> from pathways.bpmn.xml import parse_xml
>>> root = parse_xml(b'<a xmlns="urn:x">\\n  <b id="1">hi</b>\\n</a>')
>>> root.tag, root.ns, [(c.tag, c.line, c.column, c.text) for c in root.children]
('a', 'urn:x', [('b', 2, 3, 'hi')])
>>> [c.tag for c in parse_xml(b'<a xmlns="urn:x"><b/><c xmlns="urn:y"><b/></c></a>',
...                           keep=frozenset({"urn:x"})).children]
['b']
>>> parse_xml(b'<!DOCTYPE a [<!ENTITY x "y">]><a/>')
Traceback (most recent call last):
...
pathways.load.yaml_walk.DocumentError: XML document type declarations (DTDs) are refused: ...
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.parsers import expat

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from defusedxml.ElementTree import DefusedXMLParser

from pathways.load.yaml_walk import DocumentError, check_size

__all__ = ["MAX_ELEMENTS", "XmlNode", "parse_xml"]

MAX_ELEMENTS = 1_000_000
"""Documents with more elements are refused (PW001); a 10 MB file holds far fewer."""


@dataclass(slots=True, eq=False)
class XmlNode:
    """One element: namespace URI, local name, attributes, 1-based line and column, children
    and the text directly inside it (stripped)."""

    ns: str
    tag: str
    attrib: dict[str, str]
    line: int
    column: int
    children: list[XmlNode] = field(default_factory=list)
    text: str = ""

    def get(self, name: str, default: str | None = None) -> str | None:
        """An attribute by local name (namespaced attributes are ``{uri}name``)."""
        return self.attrib.get(name, default)

    def iter(self) -> Iterator[XmlNode]:
        """This element and every element below it, in document order."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))


class _Builder:
    """expat handlers that build :class:`XmlNode` trees and record where each element starts."""

    def __init__(self, parser: expat.XMLParserType, keep: frozenset[str] | None) -> None:
        self.parser = parser
        self.keep = keep
        self.stack: list[XmlNode] = []
        self.root: XmlNode | None = None
        self.count = 0
        self.skipping = 0  # depth inside an element of a namespace not kept
        self.texts: list[list[str]] = []

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.count += 1
        if self.count > MAX_ELEMENTS:
            raise DocumentError(
                f"more than {MAX_ELEMENTS:,} XML elements; a pathway is far smaller",
                self.parser.CurrentLineNumber,
                self.parser.CurrentColumnNumber + 1,
            )
        if self.skipping:
            self.skipping += 1
            return
        ns, sep, local = name.rpartition("}")
        if self.keep is not None and self.stack and ns not in self.keep:
            self.skipping = 1
            return
        if any("}" in k for k in attrs):
            attrs = {"{" + k if "}" in k else k: v for k, v in attrs.items()}
        node = XmlNode(
            ns if sep else "",
            local,
            attrs,
            self.parser.CurrentLineNumber,
            self.parser.CurrentColumnNumber + 1,
        )
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)
        self.texts.append([])

    def end(self, name: str) -> None:
        del name
        if self.skipping:
            self.skipping -= 1
            return
        node = self.stack.pop()
        parts = self.texts.pop()
        if parts:
            node.text = "".join(parts).strip()

    def data(self, text: str) -> None:
        if self.texts and not self.skipping:
            self.texts[-1].append(text)


def parse_xml(data: bytes, *, keep: frozenset[str] | None = None) -> XmlNode:
    """Parse an XML document safely into :class:`XmlNode` elements.

    With ``keep``, an element (below the root) of another namespace is checked and counted but
    not built, nor anything inside it (a BPMN import skips the diagram and vendor extensions).

    Raises
    ------
    DocumentError
        Too large, malformed, or holding a DTD, an entity or an external reference; with the
        line and column expat stopped at.
    """
    check_size(len(data))
    defused = DefusedXMLParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    parser: expat.XMLParserType = defused.parser  # expat, with defusedxml's handlers set
    builder = _Builder(parser, keep)
    # The element handlers are ours (a light tree with positions); the DTD, entity and
    # external-reference handlers stay defusedxml's.
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.buffer_text = True
    parser.ordered_attributes = False
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise DocumentError(
            f"not well-formed XML: {expat.errors.messages[exc.code]}", exc.lineno, exc.offset + 1
        ) from None
    except DefusedXmlException as exc:
        raise DocumentError(
            _refusal(exc), parser.CurrentLineNumber, parser.CurrentColumnNumber + 1
        ) from None
    if builder.root is None:  # pragma: no cover - expat reports "no element found" first
        raise DocumentError("no XML element found", 1, 1)
    return builder.root


def _refusal(exc: DefusedXmlException) -> str:
    if isinstance(exc, DTDForbidden):
        return (
            "XML document type declarations (DTDs) are refused: they allow entity expansion "
            "and external files; BPMN needs none, remove the <!DOCTYPE ...> line"
        )
    if isinstance(exc, EntitiesForbidden):
        return "XML entity declarations are refused (entity expansion); remove them"
    return "XML external references are refused (they would read other files or the network)"
