"""XML attacks on the BPMN reader: each is refused quickly with a PW001 at its line and column."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from pathways.bpmn.xml import MAX_DEPTH, MAX_ELEMENTS, parse_tree, parse_xml
from pathways.load.yaml_walk import MAX_BYTES, DocumentError

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol9;</definitions>
"""

EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&xxe;</definitions>
"""

PARAMETER = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>
"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE definitions SYSTEM "http://127.0.0.1:9/bpmn.dtd">
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>
"""


@pytest.mark.parametrize(
    ("data", "line"),
    [(LAUGHS, 2), (EXTERNAL, 2), (PARAMETER, 2), (EXTERNAL_DTD, 2)],
    ids=["billion-laughs", "external-entity", "parameter-entity", "external-dtd"],
)
def test_dtds_and_entities_are_refused(data: bytes, line: int) -> None:
    started = time.perf_counter()
    with pytest.raises(DocumentError) as info:
        parse_xml(data)
    assert time.perf_counter() - started < 0.5
    assert "refused" in str(info.value)
    assert info.value.line == line


def test_a_50_mb_file_is_refused_before_parsing() -> None:
    data = b"<definitions>" + b" " * (50 * 1024 * 1024) + b"</definitions>"
    started = time.perf_counter()
    with pytest.raises(DocumentError, match="larger than 10 MB"):
        parse_xml(data)
    assert time.perf_counter() - started < 0.5
    assert len(data) > MAX_BYTES


def test_malformed_xml_names_line_and_column() -> None:
    with pytest.raises(DocumentError, match="not well-formed XML: mismatched tag") as info:
        parse_xml(b"<a>\n  <b></c>\n</a>")
    assert (info.value.line, info.value.column) == (2, 8)


def test_namespaced_attributes_and_text() -> None:
    root = parse_xml(b'<a xmlns:x="urn:x"><b x:k="1" id="i"> t <!-- c --> u </b></a>')
    (b,) = root.children
    assert b.attrib == {"{urn:x}k": "1", "id": "i"}
    assert b.text == "t  u"


@pytest.mark.parametrize("parse", [parse_xml, parse_tree], ids=["nodes", "tree"])
def test_deep_nesting_is_refused_quickly(parse: Callable[..., object]) -> None:
    """Audit of issue 14: 200,000 nested elements (1.4 MB) took 415 s in `pathways validate`
    (lxml refuses them, expat built them and the lxml rebuild was quadratic). Now refused at
    the first element past MAX_DEPTH, with its line and column."""
    depth = 200_000
    data = b"<a>\n" + b"<a>" * (depth - 1) + b"</a>" * depth
    started = time.perf_counter()
    with pytest.raises(DocumentError, match=f"nested more than {MAX_DEPTH} levels") as info:
        parse(data)
    assert time.perf_counter() - started < 5  # a sanity bound: it takes milliseconds
    # the first element too deep: level MAX_DEPTH + 1, on line 2 after MAX_DEPTH - 1 others
    assert (info.value.line, info.value.column) == (2, 3 * (MAX_DEPTH - 1) + 1)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_nesting_up_to_the_bound_is_read_by_both_parsers(encoding: str) -> None:
    """MAX_DEPTH levels are read (lxml for UTF-8, expat for UTF-16), one more is refused."""
    head = f'<?xml version="1.0" encoding="{encoding}"?>\n'

    def nested(depth: int) -> bytes:
        return (head + "<a>" * depth + "</a>" * depth).encode(encoding)

    node = parse_xml(nested(MAX_DEPTH))
    assert sum(1 for _ in node.iter()) == MAX_DEPTH
    with pytest.raises(DocumentError, match="nested more than"):
        parse_xml(nested(MAX_DEPTH + 1))
    with pytest.raises(DocumentError, match="nested more than"):
        parse_tree(nested(MAX_DEPTH + 1))


@pytest.mark.parametrize("parse", [parse_xml, parse_tree], ids=["nodes", "tree"])
def test_too_many_elements_are_refused_before_building(parse: Callable[..., object]) -> None:
    """Audit of issue 14: 2.4M elements (9.6 MB) took 11.6 s and 425 MB before the refusal
    (lxml parsed them, gave up, expat built the first million). Now expat counts them and
    stops at the first element past MAX_ELEMENTS, with its line and column, building
    nothing."""
    data = b"<r>\n" + b"<a/>" * (MAX_ELEMENTS + 10) + b"\n</r>"
    started = time.perf_counter()
    with pytest.raises(DocumentError, match="more than 1,000,000 XML elements") as info:
        parse(data)
    assert time.perf_counter() - started < 20  # a sanity bound: about a second
    # <r> is element 1, so the element past the bound is the MAX_ELEMENTS-th <a/>
    assert (info.value.line, info.value.column) == (2, 4 * (MAX_ELEMENTS - 1) + 1)
