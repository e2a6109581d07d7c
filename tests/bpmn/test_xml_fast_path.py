"""The lxml fast path of ``parse_xml`` gives expat's tree: the same names, attributes, text,
lines and columns (columns in characters, after comments, CDATA and processing instructions
holding ``<``), on every BPMN file of the test corpus; documents it does not take go to expat."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.bpmn import xml as bpmn_xml
from pathways.bpmn.importer import _KEEP
from tests.hyp import examples

DATA = Path(__file__).resolve().parents[1] / "data" / "bpmn"
FILES = sorted(p for p in DATA.rglob("*") if p.suffix in (".bpmn", ".xml", ".bpmn2"))

TRICKY = (
    "<a>\r\n  é<b x='1' y=\"a>b\">t<!-- <c> --> u<![CDATA[<d>]]></b>\t<c/>\n"
    "<?pi <e>?><f\n  id='z'/><g:h xmlns:g='urn:g'>ខ្មែរ<i/></g:h></a>"
).encode()


def _flat(root: bpmn_xml.XmlNode) -> list[tuple[object, ...]]:
    return [(n.ns, n.tag, n.attrib, n.line, n.column, n.text) for n in root.iter()]


def _both(data: bytes, keep: frozenset[str] | None) -> None:
    fast = bpmn_xml._parse_lxml(data, keep)
    assert fast is not None
    assert _flat(fast) == _flat(bpmn_xml._parse_expat(data, keep))


def test_tricky_document() -> None:
    _both(TRICKY, None)
    _both(TRICKY, frozenset({""}))
    root = bpmn_xml.parse_xml(TRICKY)
    assert [(c.tag, c.line, c.column) for c in root.children] == [
        ("b", 2, 4),
        ("c", 2, 56),
        ("f", 3, 11),
        ("h", 4, 11),
    ]


@pytest.mark.parametrize("keep", [None, _KEEP], ids=["all", "bpmn-only"])
def test_corpus_files_parse_the_same(keep: frozenset[str] | None) -> None:
    assert len(FILES) > 20
    taken = 0
    for path in FILES:
        data = path.read_bytes()
        if bpmn_xml._parse_lxml(data, keep) is None:
            continue
        taken += 1
        _both(data, keep)
    assert taken > len(FILES) // 2


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
        b'<?xml version="1.0" encoding="ISO-8859-1"?><a/>',
        b"\xef\xbb\xbf<a/>",
        b"<a>\r<b/></a>",
        b"<a><b></a>",
    ],
    ids=["dtd", "latin-1", "bom", "lone-cr", "malformed"],
)
def test_everything_else_goes_to_expat(data: bytes) -> None:
    assert bpmn_xml._parse_lxml(data, None) is None


_PIECES = st.sampled_from(
    [b"<", b"!", b"<!", b"DOCTYPE", b"ENTITY", b"OCTYPE", b"a", b"!--", b"\n"]
)


@settings(max_examples=examples(200))
@given(st.lists(_PIECES, max_size=40), st.integers(0, 70))
def test_declarations_are_found_as_a_search_of_the_whole_bytes(
    pieces: list[bytes], bangs: int
) -> None:
    """``_declares`` (the ``!`` looked at one by one, up to a bound) answers as searching for
    ``<!DOCTYPE`` and ``<!ENTITY`` in the whole bytes does, also past the bound."""
    for data in (b"".join(pieces), b"!" * bangs + b"".join(pieces)):
        assert bpmn_xml._declares(data) == (b"<!DOCTYPE" in data or b"<!ENTITY" in data)
