"""Safe XML for BPMN files: bytes -> a light element tree with lines and columns, or PW001.

Two parsers, one result. A UTF-8 document without a document type declaration (every BPMN
file a modeller writes) is parsed by lxml (libxml2) with entity resolution, DTD loading and the
network off; the tree is wrapped lazily: attributes and text are read from lxml on first use,
and the line and column of an element (expat's: the ``<`` of its start tag, the column in
characters) from one regular-expression pass over the bytes, on first use, by the element's
place in document order. Everything else (a ``<!DOCTYPE``, an ``<!ENTITY``, another encoding,
lone carriage returns, malformed XML, too many elements) goes to expat as :mod:`defusedxml`
configures it (``DefusedXMLParser`` with ``forbid_dtd=True``): a document type declaration, an
entity declaration or an external reference stops the parse at once, so "billion laughs" entity
expansion, external entities (local files, URLs) and DTD tricks are refused before anything is
expanded or fetched, with the line and column expat stopped at. A BPMN file never needs a DTD.
Both give the same tree, lines and columns (a test compares them on every corpus file); lxml is
about 3x faster on large files (bench/bench_bpmn_import.py).

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

import bisect
import re
from collections.abc import Iterator
from typing import Any
from xml.parsers import expat

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from defusedxml.ElementTree import DefusedXMLParser
from lxml import etree  # type: ignore[import-untyped]

from pathways.load.yaml_walk import DocumentError, check_size

__all__ = ["MAX_ELEMENTS", "XmlNode", "parse_xml"]

MAX_ELEMENTS = 1_000_000
"""Documents with more elements are refused (PW001); a 10 MB file holds far fewer."""


class XmlNode:
    """One element: namespace URI, local name, attributes, 1-based line and column, children
    and the text directly inside it (stripped).

    Built from lxml (the fast path), the attributes, the text and the position are read on
    first use: the position from :class:`_Starts`, the others from the lxml element."""

    __slots__ = (
        "_attrib",
        "_column",
        "_element",
        "_index",
        "_line",
        "_starts",
        "_text",
        "children",
        "ns",
        "tag",
    )

    def __init__(
        self,
        ns: str,
        tag: str,
        attrib: dict[str, str] | None,
        line: int,
        column: int,
        children: list[XmlNode] | None = None,
        text: str | None = "",
    ) -> None:
        self.ns = ns
        self.tag = tag
        self._attrib = attrib
        self._line = line
        self._column = column
        self.children: list[XmlNode] = [] if children is None else children
        self._text = text
        self._element: Any = None
        self._starts: _Starts | None = None
        self._index = 0

    @property
    def attrib(self) -> dict[str, str]:
        """The attributes by local name (namespaced ones as ``{uri}name``)."""
        if self._attrib is None:
            self._attrib = dict(self._element.attrib)
        return self._attrib

    @property
    def text(self) -> str:
        """The character data directly inside the element (not inside its children), stripped."""
        if self._text is None:
            el = self._element
            parts = [el.text or ""]
            parts.extend(c.tail or "" for c in el)
            self._text = "".join(parts).strip()
        return self._text

    @text.setter
    def text(self, value: str) -> None:
        self._text = value

    @property
    def line(self) -> int:
        """1-based line of the ``<`` that opens the element."""
        if self._line < 0:
            self._locate()
        return self._line

    @property
    def column(self) -> int:
        """1-based column (in characters) of the ``<`` that opens the element."""
        if self._line < 0:
            self._locate()
        return self._column

    def _locate(self) -> None:
        assert self._starts is not None
        self._line, self._column = self._starts.position(self._index)

    def get(self, name: str, default: str | None = None) -> str | None:
        """An attribute by local name (namespaced attributes are ``{uri}name``)."""
        if self._attrib is None:
            value: str | None = self._element.get(name)
            return default if value is None else value
        return self._attrib.get(name, default)

    def iter(self) -> Iterator[XmlNode]:
        """This element and every element below it, in document order."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))


_MARKUP = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<(?=[^/!?])", re.S)
"""Comments, CDATA sections and processing instructions (skipped whole), or the ``<`` of a
start tag: with no DTD, ``<`` appears nowhere else in well-formed XML."""


class _Starts:
    """Where each element starts (its ``<``), in document order, found on first use by one
    regular-expression pass over the bytes; the line and column are expat's (lines after
    ``\\n``, columns in characters)."""

    def __init__(self, data: bytes, count: int) -> None:
        self.data = data
        self.count = count
        self.offsets: list[int] | None = None
        self.lines: list[int] = []

    def position(self, index: int) -> tuple[int, int]:
        if self.offsets is None:
            self.offsets = [
                m.start() for m in _MARKUP.finditer(self.data) if m.end() - m.start() == 1
            ]
            if len(self.offsets) != self.count:  # pragma: no cover - well-formed XML agrees
                self.offsets = _expat_offsets(self.data)
            self.lines = [0] + [m.end() for m in re.finditer(rb"\n", self.data)]
        offset = self.offsets[index]
        line = bisect.bisect_right(self.lines, offset)
        start = self.lines[line - 1]
        before = self.data[start:offset]
        return line, (len(before) if before.isascii() else len(before.decode("utf-8"))) + 1


def _expat_offsets(data: bytes) -> list[int]:  # pragma: no cover - a safety net
    parser = expat.ParserCreate()
    out: list[int] = []
    parser.StartElementHandler = lambda name, attrs: out.append(parser.CurrentByteIndex)
    parser.Parse(data, True)
    return out


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
    root = _parse_lxml(data, keep)
    return root if root is not None else _parse_expat(data, keep)


_PLAIN_ENCODING = re.compile(
    rb"""^<\?xml[^>]*encoding\s*=\s*["'](?:utf-?8|us-ascii|ascii)["']""", re.I
)


def _parse_lxml(data: bytes, keep: frozenset[str] | None) -> XmlNode | None:
    """The fast path: lxml (libxml2) with entities, DTDs and the network off, for a UTF-8
    document without a document type declaration; None sends everything else (a DTD, another
    encoding, lone carriage returns, malformed XML, too many elements) to expat, which refuses
    or reports it at its line and column exactly as before."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data or data[:3] == b"\xef\xbb\xbf":
        return None
    if data[:5] == b"<?xml" and b"encoding" in data[: data.find(b">")]:
        if not _PLAIN_ENCODING.match(data):
            return None
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:1] == b"\x00":
        return None
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return None
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        collect_ids=False,
        remove_blank_text=False,
    )
    try:
        tree = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return None
    if tree.getroottree().docinfo.doctype:  # pragma: no cover - refused above
        return None
    starts = _Starts(data, 0)
    built: dict[Any, XmlNode] = {}
    root: XmlNode | None = None
    index = -1
    for index, el in enumerate(tree.iter(etree.Element)):
        if index >= MAX_ELEMENTS:
            return None
        parent = None
        if root is not None:
            parent = built.get(el.getparent())
            if parent is None:
                continue
        ns, sep, local = el.tag.rpartition("}")
        ns = ns[1:] if sep else ""
        if parent is not None and keep is not None and ns not in keep:
            continue
        node = XmlNode(ns, local, None, -1, -1, text=None)
        node._element = el
        node._starts = starts
        node._index = index
        built[el] = node
        if parent is None:
            root = node
        else:
            parent.children.append(node)
    starts.count = index + 1
    return root


def _parse_expat(data: bytes, keep: frozenset[str] | None) -> XmlNode:
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
