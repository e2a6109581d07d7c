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
parsing); a document of more than :data:`MAX_ELEMENTS` elements is refused before anything
is built (expat counts them), and one nested more than :data:`MAX_DEPTH` deep at the first
element too deep. Every problem is a
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
import itertools
import re
from collections.abc import Callable, Iterator
from itertools import accumulate
from typing import Any
from xml.parsers import expat

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from defusedxml.ElementTree import DefusedXMLParser
from lxml import etree  # type: ignore[import-untyped]

from pathways.load.yaml_walk import DocumentError, check_size

__all__ = ["MAX_DEPTH", "MAX_ELEMENTS", "XmlNode", "XmlTree", "parse_tree", "parse_xml"]

MAX_ELEMENTS = 1_000_000
"""Documents with more elements are refused (PW001); a 10 MB file holds far fewer."""

MAX_DEPTH = 256
"""Elements nested deeper are refused (PW001): lxml's own bound without ``huge_tree``, so both
parsers agree; a BPMN model needs a few dozen levels at most. Without it a deeply nested file
(200,000 levels in 1.4 MB) took minutes to build."""


def _too_deep(line: int, column: int) -> DocumentError:
    return DocumentError(
        f"XML elements nested more than {MAX_DEPTH} levels deep; a BPMN model needs a few "
        "dozen at most: export it again from the modeller",
        line,
        column,
    )


def _too_many(line: int, column: int) -> DocumentError:
    return DocumentError(
        f"more than {MAX_ELEMENTS:,} XML elements; a pathway is far smaller", line, column
    )


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
    """Where each element starts (its ``<``), in document order, found on first use; the line
    and column are expat's (lines after ``\\n``, columns in characters).

    The start tags are scanned only up to the furthest element asked about."""

    def __init__(self, data: bytes, count: int | Callable[[], int]) -> None:
        self.data = data
        self.count = count
        self.offsets: list[int] = []
        self.scan: Iterator[re.Match[bytes]] | None = _MARKUP.finditer(data)
        self.lines: list[int] | None = None

    def offset(self, index: int) -> int:
        offsets = self.offsets
        if index >= len(offsets) and self.scan is not None:
            for m in self.scan:
                if m.end() - m.start() == 1:
                    offsets.append(m.start())
                    if len(offsets) > index:
                        break
            else:
                self.scan = None
                count = self.count if isinstance(self.count, int) else self.count()
                if len(offsets) != count:  # pragma: no cover - well-formed XML agrees
                    self.offsets = offsets = _expat_offsets(self.data)
        return offsets[index]

    def position(self, index: int) -> tuple[int, int]:
        offset = self.offset(index)
        data = self.data
        if self.lines is None:  # where each line starts
            self.lines = [0, *accumulate(map((1).__add__, map(len, data.split(b"\n"))))]
        line = bisect.bisect_right(self.lines, offset)
        start = self.lines[line - 1]
        before = data[start:offset]
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
        self.depth = 0
        self.skipping = 0  # depth inside an element of a namespace not kept
        self.texts: list[list[str]] = []

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.count += 1
        self.depth += 1
        if self.count > MAX_ELEMENTS:
            raise _too_many(self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber + 1)
        if self.depth > MAX_DEPTH:
            raise _too_deep(self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber + 1)
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
        self.depth -= 1
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
    _check_count(data)
    root = _parse_lxml(data, keep)
    return root if root is not None else _parse_expat(data, keep)


_PLAIN_ENCODING = re.compile(
    rb"""^<\?xml[^>]*encoding\s*=\s*["'](?:utf-?8|us-ascii|ascii)["']""", re.I
)


def _parse_lxml(data: bytes, keep: frozenset[str] | None) -> XmlNode | None:
    """The fast path: lxml (libxml2) with entities, DTDs and the network off, for a UTF-8
    document without a document type declaration; None sends everything else (a DTD, another
    encoding, lone carriage returns, malformed XML, nesting too deep) to expat, which refuses
    or reports it at its line and column exactly as before."""
    tree = _lxml_root(data)
    return None if tree is None else _wrap(tree, data, keep)


def _lxml_root(data: bytes) -> Any:
    """The lxml root element of a UTF-8 document without a document type declaration and with
    at most :data:`MAX_ELEMENTS` elements, else None (expat's turn)."""
    if data[:3] == b"\xef\xbb\xbf" or _declares(data):
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
    return tree


_BANGS = 64
"""Up to this many ``!`` are looked at one by one for a declaration (a BPMN file has a few, in
comments); a document with more is searched for the two declarations whole."""


def _declares(data: bytes) -> bool:
    """Whether ``<!DOCTYPE`` or ``<!ENTITY`` appears anywhere in the bytes (such a document
    goes to expat, which refuses it). Both searched whole cost a fifth of lxml's parse (a
    two-character ``<!`` prefix in text full of ``<``); a ``!`` is found at memory speed and
    is rare in XML (comments, CDATA, text), so the ``!`` are looked at one by one."""
    bang = data.find(b"!")
    for _ in range(_BANGS):
        if bang < 0:
            return False
        if data[bang - 1 : bang] == b"<" and (
            data.startswith(b"DOCTYPE", bang + 1) or data.startswith(b"ENTITY", bang + 1)
        ):
            return True
        bang = data.find(b"!", bang + 1)
    return bang >= 0 and (b"<!DOCTYPE" in data or b"<!ENTITY" in data)


def _check_count(data: bytes) -> None:
    """Refuse a document of more than :data:`MAX_ELEMENTS` elements at the first element past
    the bound, before any tree is built: expat counts the start tags and stops there (2.4M
    elements in 9.6 MB took 11.6 s and 425 MB when expat built the first million before
    refusing). Each element takes at least four bytes (``<a/>``) and has a ``<``: only a
    document with more ``<`` than the bound is counted."""
    if len(data) < 4 * MAX_ELEMENTS or data.count(b"<") <= MAX_ELEMENTS:
        return
    counter = _defused()
    counted = itertools.count(1)

    def count(name: str, attrs: dict[str, str]) -> None:
        del name, attrs
        if next(counted) > MAX_ELEMENTS:
            raise _too_many(counter.CurrentLineNumber, counter.CurrentColumnNumber + 1)

    counter.StartElementHandler = count
    counter.EndElementHandler = None
    counter.CharacterDataHandler = None
    _run(counter, data)


def _count(tree: Any) -> int:
    return sum(1 for _ in tree.iter(etree.Element))


def _wrap(tree: Any, data: bytes, keep: frozenset[str] | None) -> XmlNode | None:
    """:class:`XmlNode` elements over an lxml tree (attributes, text, position on first use)."""
    starts = _Starts(data, 0)
    built: dict[Any, XmlNode] = {}
    root: XmlNode | None = None
    index = -1
    for index, el in enumerate(tree.iter(etree.Element)):
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


_FEW = 4
_PLACE = etree.XPath("count(preceding::*) + count(ancestor::*)")
"""Elements placed in document order one at a time (libxml2 counts the elements before each)
before every element is numbered in one pass."""


class XmlTree:
    """A parsed document as lxml elements (read directly, no wrapper per element), with the
    line and column of any element found on first use.

    From the lxml fast path it is lxml's own tree; a document expat took (a DTD refused, an
    other encoding ...) is rebuilt as an lxml tree of the elements of the ``keep`` namespaces,
    with expat's positions. Either way :meth:`position` is expat's line and column of the
    ``<`` that opens the element, and :meth:`text` the stripped character data directly
    inside it, as :class:`XmlNode` gives them."""

    def __init__(self, data: bytes, root: Any, positions: dict[Any, tuple[int, int]] | None):
        self.data = data
        self.root = root
        self._positions = positions
        self._starts: _Starts | None = None
        self._asked = 0
        self._index_of: dict[Any, int] | None = None

    def position(self, element: Any) -> tuple[int, int]:
        """Line and column (1-based; the column in characters) of the element's ``<``."""
        if self._positions is not None:
            return self._positions[element]
        if self._starts is None:
            self._starts = _Starts(self.data, lambda: _count(self.root))
        self._asked += 1
        if self._index_of is not None:
            index = self._index_of[element]
        elif self._asked > _FEW:
            self._index_of = dict(zip(self.root.iter(etree.Element), itertools.count()))
            index = self._index_of[element]
        else:  # libxml2 counts the elements before it in document order
            index = int(_PLACE(element))
        return self._starts.position(index)

    @staticmethod
    def text(element: Any) -> str:
        """The character data directly inside the element (not inside its children), stripped."""
        text: str = element.text or ""
        if len(element):
            text += "".join(c.tail or "" for c in element)
        return text.strip()

    def nodes(self, keep: frozenset[str] | None = None) -> XmlNode:
        """The document as :class:`XmlNode` elements (for readers written against them)."""
        if self._positions is None:
            root = _wrap(self.root, self.data, keep)
            assert root is not None
            return root
        return _parse_expat(self.data, keep)


def parse_tree(data: bytes, *, keep: frozenset[str] | None = None) -> XmlTree:
    """Parse an XML document safely into an :class:`XmlTree` (lxml elements).

    The same refusals and findings as :func:`parse_xml`; ``keep`` only matters for a document
    expat took (lxml's tree holds every element: read the namespaces you want).

    Examples
    --------
    >>> from pathways.bpmn.xml import parse_tree
    >>> tree = parse_tree(b'<a xmlns="urn:x">\\n  <b id="1">hi</b>\\n</a>')
    >>> b = tree.root[0]
    >>> b.tag, b.get("id"), tree.text(b), tree.position(b)
    ('{urn:x}b', '1', 'hi', (2, 3))
    """
    check_size(len(data))
    _check_count(data)
    root = _lxml_root(data)
    if root is not None:
        return XmlTree(data, root, None)
    node = _parse_expat(data, keep)
    return XmlTree(data, *_to_lxml(node))


def _to_lxml(top: XmlNode) -> tuple[Any, dict[Any, tuple[int, int]]]:
    """An lxml tree of :class:`XmlNode` elements (text directly inside, no tails), and the
    position of each element."""
    positions: dict[Any, tuple[int, int]] = {}

    def make(node: XmlNode, parent: Any) -> Any:
        tag = f"{{{node.ns}}}{node.tag}" if node.ns else node.tag
        try:
            if parent is None:
                el = etree.Element(tag, node.attrib)
            else:
                el = etree.SubElement(parent, tag, node.attrib)
            el.text = node.text or None
        except ValueError as exc:  # pragma: no cover - expat checked the names and text
            raise DocumentError(
                f"XML element cannot be read: {exc}", node.line, node.column
            ) from None
        positions[el] = (node.line, node.column)
        return el

    root = make(top, None)
    stack = [(top, root)]
    while stack:
        node, el = stack.pop()
        for child in node.children:
            stack.append((child, make(child, el)))
    return root, positions


def _defused() -> expat.XMLParserType:
    """expat, with defusedxml's DTD, entity and external-reference handlers set."""
    defused = DefusedXMLParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    parser: expat.XMLParserType = defused.parser
    return parser


def _parse_expat(data: bytes, keep: frozenset[str] | None) -> XmlNode:
    parser = _defused()
    builder = _Builder(parser, keep)
    # The element handlers are ours (a light tree with positions); the DTD, entity and
    # external-reference handlers stay defusedxml's.
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.buffer_text = True
    parser.ordered_attributes = False
    _run(parser, data)
    if builder.root is None:  # pragma: no cover - expat reports "no element found" first
        raise DocumentError("no XML element found", 1, 1)
    return builder.root


def _run(parser: expat.XMLParserType, data: bytes) -> None:
    """Parse ``data`` to the end; expat's and defusedxml's errors as DocumentError."""
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


def _refusal(exc: DefusedXmlException) -> str:
    if isinstance(exc, DTDForbidden):
        return (
            "XML document type declarations (DTDs) are refused: they allow entity expansion "
            "and external files; BPMN needs none, remove the <!DOCTYPE ...> line"
        )
    if isinstance(exc, EntitiesForbidden):
        return "XML entity declarations are refused (entity expansion); remove them"
    return "XML external references are refused (they would read other files or the network)"
