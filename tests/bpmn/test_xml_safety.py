"""XML attacks on the BPMN reader: each is refused quickly with a PW001 at its line and column."""

from __future__ import annotations

import time

import pytest

from pathways.bpmn.xml import parse_xml
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
