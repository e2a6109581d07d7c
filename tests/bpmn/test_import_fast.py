"""The fast import path gives what the checked path gives, on every file of the test corpus.

Fast: the mapping reads lxml's elements directly, finds positions only when asked, and builds
the pathway once from what the importer vouches for (``_built``). Checked: the same document
through the loader (references, the pydantic model, guards), and the same file through expat
(the fallback for DTDs, other encodings ...). Equal pathways (every field, the fields set, the
field order), equal load findings, equal source maps and PW007 notes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pathways.bpmn import importer as imp
from pathways.bpmn import xml as bpmn_xml
from pathways.errors import LoadError
from pathways.load.loader import load_data
from pathways.model import Pathway

CORPUS = Path("tests/data/bpmn/corpus")
FILES = sorted(CORPUS.rglob("*.bpmn"))


def _models(p: Pathway) -> list[Any]:
    return [*p.agencies, *p.roles, *p.case_fields.values(), *p.steps, *p.transitions]


def _same_pathway(fast: Pathway, checked: Pathway) -> None:
    assert fast == checked
    assert fast.model_fields_set == checked.model_fields_set
    for a, b in zip(_models(fast), _models(checked), strict=True):
        assert type(a) is type(b)
        assert list(a.__dict__.items()) == list(b.__dict__.items())
        assert a.model_fields_set == b.model_fields_set
    assert fast.model_dump(mode="json", exclude_unset=True) == checked.model_dump(
        mode="json", exclude_unset=True
    )


def _positions(smap: Any) -> tuple[Any, ...]:
    return (dict(smap.values.items()), dict(smap.keys.items()), smap.notes)


def test_fast_and_checked_paths_agree_on_every_corpus_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert len(FILES) == 248
    built = 0
    for path in FILES:
        data, file = path.read_bytes(), str(path)
        document, smap, findings, importer = imp._import_bpmn(data, file, None)
        if document is None:
            with pytest.raises(LoadError) as raised:
                imp.loads_bpmn(data, file)
            assert raised.value.findings == findings
            continue
        checked, load_findings = load_data(document, smap)
        fast = imp._built(document, importer) if importer is not None else None
        if fast is not None:
            built += 1
            assert checked is not None, (file, load_findings)
            _same_pathway(fast, checked)
        loaded = imp.loads_bpmn(data, file)
        assert checked is not None
        _same_pathway(loaded, checked)
        assert _positions(loaded.source_map) == _positions(smap)
        # The expat path (rebuilt as an lxml tree) gives the same document and positions.
        with monkeypatch.context() as m:
            m.setattr(bpmn_xml, "_lxml_root", lambda data: None)
            by_expat, expat_smap, _, _ = imp._import_bpmn(data, file, None)
        assert by_expat == document
        assert _positions(expat_smap) == _positions(smap)
    assert built > 200


def test_a_value_the_importer_cannot_vouch_for_goes_to_the_loader() -> None:
    xml = b"""<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">
      <process id="p"><startEvent id="s"/>
        <intermediateCatchEvent id="w"><timerEventDefinition>
          <timeDuration>P99999W</timeDuration></timerEventDefinition></intermediateCatchEvent>
        <endEvent id="e"/>
        <sequenceFlow id="f1" sourceRef="s" targetRef="w"/>
        <sequenceFlow id="f2" sourceRef="w" targetRef="e"/></process></definitions>"""
    document, _, _, importer = imp._import_bpmn(xml, "long.bpmn", None)
    assert document is not None and importer is not None
    assert imp._built(document, importer) is None  # 1,900 years: not a duration the model holds
    with pytest.raises(LoadError) as raised:
        imp.loads_bpmn(xml, "long.bpmn")
    assert [(f.code, f.location.line) for f in raised.value.findings] == [("PW006", 3)]


@pytest.mark.parametrize("ident", ["a\nb", "a\n", "\na"])
def test_built_leaves_a_step_id_holding_a_line_break_to_the_loader(ident: str) -> None:
    """``_built`` checks every step id in one match over the ids one a line: an id holding a
    line break would pass as two clean ids (the check of the tasks' ids counts them, so does
    this one) and make a Step the model refuses. It leaves the document to the loader."""
    data = Path("tests/data/bpmn/referral.bpmn").read_bytes()
    document, smap, _, importer = imp._import_bpmn(data, "referral.bpmn", None)
    assert document is not None and importer is not None
    assert imp._built(document, importer) is not None
    old = document["steps"][1]["id"]
    document["steps"][1]["id"] = ident
    for move in document["transitions"]:
        for end in ("from", "to"):
            if move[end] == old:
                move[end] = ident
    assert imp._built(document, importer) is None
    pathway, findings = load_data(document, smap)
    assert pathway is None and findings


def test_each_model_owns_its_fields_set() -> None:
    """``_built`` checks the keys of each shape once, but every step and transition owns its
    fields set, as ``model_validate`` makes it: ``model_fields_set`` hands out the live set, so
    changing one model's (or copying it with changes) leaves the others' as they were."""
    p = imp.load_bpmn("tests/data/bpmn/referral.bpmn")
    first, second = p.transitions[0], p.transitions[1]
    assert first.model_fields_set == second.model_fields_set
    before = set(second.model_fields_set)
    changed = first.model_copy(update={"probability": 0.5})
    assert "probability" in changed.model_fields_set
    first.model_fields_set.add("guard")
    assert second.model_fields_set == before
    one, other = p.steps[2], p.steps[3]
    assert one.model_fields_set == other.model_fields_set
    one.model_fields_set.add("description")
    assert "description" not in other.model_fields_set


def test_an_imported_pathway_pickles_with_its_positions() -> None:
    """The source map holds elements until asked; a copy (pickle, deepcopy: Dask workers)
    carries the positions themselves."""
    import copy
    import pickle

    p = imp.load_bpmn("tests/data/bpmn/referral.bpmn")
    where = p.source_map.locate(("transitions", 0))
    for again in (pickle.loads(pickle.dumps(p)), copy.deepcopy(p)):
        assert again == p
        assert again.source_map.locate(("transitions", 0)) == where
        assert type(again.source_map.values) is dict


def test_the_source_map_reads_the_rows_of_steps_and_transitions_from_the_lists() -> None:
    """A step's or transition's own path is read from the importer's list of elements when
    asked (no entry stored per step), and the table behaves as the dict it stood for: each
    row found once, nothing past the ends, a path inside a step falling back to its row."""
    data = Path("tests/data/bpmn/referral.bpmn").read_bytes()
    document, smap, _, importer = imp._import_bpmn(data, "referral.bpmn", None)
    assert document is not None and importer is not None
    table = smap.values
    steps, moves = len(document["steps"]), len(document["transitions"])
    rows = [("steps", i) for i in range(steps)] + [("transitions", i) for i in range(moves)]
    assert steps > 5 and moves > 5
    assert all(row in table for row in rows)
    for outside in (("steps", steps), ("steps", -1), ("steps", "0"), ("transitions", moves)):
        assert outside not in table and table.get(outside) is None
    resolved = dict(table.items())
    assert len(table) == len(resolved) == len(list(table)) == len(set(table))
    assert set(rows) <= resolved.keys()
    tree = importer.tree
    assert [table[row] for row in rows] == [
        tree.position(el) for el in (*importer.positions.rows["steps"], *importer.tr_el)
    ]
    assert smap.locate(("steps", 3, "role")).line == table[("steps", 3)][0]


def test_the_source_map_table_lists_its_paths_without_finding_positions() -> None:
    """``keys()`` names every path, rows included, without finding any position in the XML
    text (positions are found only for the paths a finding points at)."""
    data = Path("tests/data/bpmn/referral.bpmn").read_bytes()
    document, smap, _, importer = imp._import_bpmn(data, "referral.bpmn", None)
    assert document is not None and importer is not None
    table = smap.values
    assert table is importer.positions
    keys = table.keys()
    assert not table.found
    assert ("steps", 0) in keys and ("transitions", 0) in keys
    assert list(keys) == list(table) and keys == dict(table.items()).keys()


def test_the_source_map_table_equals_the_dict_of_its_positions() -> None:
    """``==`` and ``!=`` see the rows read from the lists, as every other way of reading the
    table does (dict's own comparison looks only at the entries stored): the table equals the
    dict of its positions, and so does the table of another import of the same file."""
    from operator import eq, ne

    data = Path("tests/data/bpmn/referral.bpmn").read_bytes()
    tables = [imp._import_bpmn(data, "referral.bpmn", None)[1].values for _ in range(2)]
    first, second = tables
    resolved = dict(first.items())
    assert first == resolved and resolved == first and not ne(first, resolved)
    assert first == second and not ne(first, second) and tables.count(second) == 2
    assert first != {**resolved, ("steps", 0): (0, 0)} and first != [] and not eq(first, [])
    del resolved[("steps", 0)]
    assert first != resolved and resolved != first


def _fresh_table() -> Any:
    data = Path("tests/data/bpmn/referral.bpmn").read_bytes()
    return imp._import_bpmn(data, "referral.bpmn", None)[1].values


def test_the_source_map_table_changes_as_the_dict_of_its_positions() -> None:
    """Every way of changing the table (``pop``, ``del``, ``setdefault``, ``update``,
    ``popitem``, ``clear``, a copy then changed) does to it what it does to the dict of its
    positions, rows of steps and transitions included: a dict subclass's own methods acted on
    the entries stored only (``pop(("steps", 0))`` raised KeyError, ``clear()`` left the rows)."""
    table = _fresh_table()
    plain = dict(table.items())
    assert not isinstance(table, dict)

    def same() -> None:
        assert dict(table.items()) == plain and len(table) == len(plain)
        assert list(table) == list(table.keys()) and set(table) == plain.keys()

    assert table.pop(("steps", 0)) == plain.pop(("steps", 0))  # a row's path
    same()
    assert table.pop(("steps", 99), "gone") == plain.pop(("steps", 99), "gone") == "gone"
    with pytest.raises(KeyError):
        table.pop(("steps", 99))
    del table[("transitions", 1)], plain[("transitions", 1)]
    del table[("agencies", 0)], plain[("agencies", 0)]  # a path stored one by one
    same()
    with pytest.raises(KeyError):
        del table[("transitions", 1)]
    assert table.setdefault(("steps", 1), (0, 0)) == plain.setdefault(("steps", 1), (0, 0))
    assert table.setdefault(("new",), (7, 8)) == plain.setdefault(("new",), (7, 8)) == (7, 8)
    same()
    table.update({("steps", 2): (1, 2)}, extra=(3, 4))
    plain.update({("steps", 2): (1, 2)}, extra=(3, 4))
    table[("transitions", 0)] = plain[("transitions", 0)] = (5, 6)
    same()
    copied = table.copy()
    assert copied == table and copied is not table
    copied.pop(("steps", 3))
    assert ("steps", 3) in table and ("steps", 3) not in copied
    key, value = table.popitem()
    assert plain.pop(key) == value
    same()
    table.clear()
    plain.clear()
    same()
    assert table == {} and not table and copied


def test_the_source_map_table_stays_lazy_when_changed() -> None:
    """Taking a path out of the table, or a copy of it, finds only the positions asked for:
    ``pop`` the one it returns, ``del``, ``clear`` and ``copy`` none."""
    import copy
    import dataclasses

    table = _fresh_table()
    del table[("steps", 4)]
    assert ("steps", 4) not in table and ("steps", 5) in table
    table.copy()
    copy.copy(table)

    def asked() -> list[Any]:
        return [path for path, v in table.stored.items() if v.__class__ is tuple] + [*table.found]

    assert asked() == [] and ("steps", 5) in table.stored  # the row stored one by one
    table.pop(("steps", 5))
    assert asked() == []  # the popped position is handed back, not kept
    table.clear()
    assert len(table) == 0
    data = Path("tests/data/bpmn/referral.bpmn").read_bytes()
    smap = imp._import_bpmn(data, "referral.bpmn", None)[1]
    positions = dict(smap.values.items())
    assert copy.deepcopy(smap.values) == positions == dataclasses.asdict(smap)["keys"]
    assert type(copy.deepcopy(smap.values)) is dict  # dict subclass: asdict made an empty one


_GUARDS = [
    *("a == 1", "risk_0 > 12", "x<-1", "x <= -0", "x>=007", " age  !=  2.50 ", "X_9 >= 1.25"),
    *("s == 'low'", 's != "hi"', "x == ''", "b == true", "b != false", "x\t==\n1"),
    *("true == 1", "and == 1", "x == 'a\\'b'", "x == 1.", "x == 1e5", "x == 1x", "x = 1"),
    *("x < = 1", "x == \u0661", "x == 1 and y", "x\u00a0== 1", "x == " + "9" * 400 + ".5"),
]


def _columns(expr: Any) -> list[tuple[Any, ...]]:
    from pathways.guards import iter_nodes

    return [
        (type(n), getattr(n, "column", 0), getattr(n, "op_column", 0), type(getattr(n, "value", 0)))
        for n in iter_nodes(expr)
    ]


@pytest.mark.parametrize("text", _GUARDS)
def test_the_simple_guard_reader_gives_the_parsers_tree(text: str) -> None:
    """``field op literal`` is read by one regular expression: the same tree (nodes, literal
    types, columns) as ``parse_guard``; anything else is left to the parser."""
    from pathways.guards import GuardError, constants, field_names, parse_guard

    fast = imp._simple_guard(text)
    try:
        slow = parse_guard(text)
    except GuardError:
        assert fast is None
        return
    if fast is None:
        assert text in ("true == 1", "x == 'a\\'b'", "x == 1 and y")
        return
    expr, consts, names = fast
    assert expr == slow and _columns(expr) == _columns(slow)
    assert consts == constants(slow) and names == field_names(slow)


def test_a_later_node_of_the_same_id_takes_back_the_default_flow() -> None:
    """Default flows are collected in the reading pass: a later flow node of the same id is
    PW004 (the file does not load); without it the flow is the default, guarded by the
    negation of its siblings. A flow to an unknown id is a note in the single pass used when
    nothing is flattened."""
    xml = b"""<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">
     <process id="p"><startEvent id="s"/>
      <exclusiveGateway id="g" default="f2"/><task id="a"/><task id="b"/>
      <exclusiveGateway id="g"/>
      <endEvent id="e"/>
      <sequenceFlow id="f0" sourceRef="s" targetRef="g"/>
      <sequenceFlow id="f1" sourceRef="g" targetRef="a">
        <conditionExpression>${x == 1}</conditionExpression></sequenceFlow>
      <sequenceFlow id="f2" sourceRef="g" targetRef="b"/>
      <sequenceFlow id="f3" sourceRef="a" targetRef="nowhere"/>
      <sequenceFlow id="f4" sourceRef="b" targetRef="e"/>
     </process></definitions>"""

    def moves(data: bytes) -> list[tuple[Any, ...]]:
        document, smap, _ = imp.import_bpmn(data, "dup.bpmn")
        assert document is not None
        assert [(n.location.line, n.message) for n in smap.notes] == [
            (
                10,
                "sequenceFlow 'f3': it connects unknown id 'nowhere', which is not mapped; "
                "left out",
            )
        ]
        return [
            (t["from"], t["to"], t.get("label"), t.get("when")) for t in document["transitions"]
        ]

    # a second flow node of one id is PW004 (it silently replaced the first before)
    document, _, findings = imp.import_bpmn(xml, "dup.bpmn")
    assert document is None
    assert [(f.code, f.location.line, f.message) for f in findings] == [
        (
            "PW004",
            4,
            "duplicate BPMN id 'g' on lines 3 and 4; ids must be unique: rename one in the "
            "modeller",
        )
    ]
    without = xml.replace(b'<exclusiveGateway id="g"/>', b"")
    assert moves(without)[2] == ("g", "b", "default", "not (x == 1)")


def test_new_ids_follow_the_rule() -> None:
    """``new_id`` keeps a clean, free id as is and otherwise replaces what an id may not hold,
    cuts it to 190 characters, guards a leading '.' or '-' and numbers repeats (an oracle
    written from that rule)."""
    wanted = ["a", "a", "Task_1", "x.y-z", ".x", "-x", "a b", "é", "", "_", "9", "a\n"]
    wanted += ["a" * 190, "a" * 191, "a" * 191, "sid-1", "sid-1", "a_2"]
    importer = imp._Importer(bpmn_xml.parse_tree(b"<a/>"), "x.bpmn", "en", "x")
    used: set[str] = set()
    for text in wanted:
        base = "".join(c if c.isascii() and (c.isalnum() or c in "_.-") else "_" for c in text)
        base = base[:190] or "step"
        base = "_" + base if base[0] in ".-" else base
        out, n = base, 1
        while out in used:
            n += 1
            out = f"{base}_{n}"
        used.add(out)
        assert importer.new_id(text) == out, text


def test_all_ids_clean_in_one_match_is_each_id_clean() -> None:
    """The tasks' ids are checked in one match over all of them (``_ids_clean``): it agrees
    with the check of each (``_ID_CLEAN``) on slices of a list of clean and unclean ids."""
    ids = ["a", "Task_1", "x.y-z", "_", "9", "a" * 190, ".x", "-x", "a b", "é", "a\n", "a" * 191]
    ids += ["", "sid-1", "\n", "a\nb"]
    for end in range(len(ids) + 1):
        for chosen in (ids[:end], ids[end:], ids[end : end + 1]):
            whole = imp._ids_clean(chosen)
            assert whole == (bool(chosen) and all(imp._ID_CLEAN(i) for i in chosen)), chosen
    for path in FILES:  # and on the flow node ids of every corpus file
        _, _, _, importer = imp._import_bpmn(path.read_bytes(), str(path), None)
        if importer is not None:
            ids = list(importer.nodes)
            assert imp._ids_clean(ids) == (bool(ids) and all(map(imp._ID_CLEAN, ids))), path


_NOTED = b"""<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">
  <collaboration id="c"><participant id="a" processRef="p"/><participant id="b"/>
    <messageFlow id="m" sourceRef="t" targetRef="b"/></collaboration>
  <process id="p"><startEvent id="s"/><task id="t"><standardLoopCharacteristics/></task>
    <inclusiveGateway id="g"/><endEvent id="e"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
    <sequenceFlow id="f2" sourceRef="t" targetRef="g"/>
    <sequenceFlow id="f3" sourceRef="g" targetRef="e"/>
    <sequenceFlow id="f4" sourceRef="g" targetRef="nowhere"/>
    <textAnnotation id="x"/></process></definitions>"""


def test_notes_are_made_when_first_read() -> None:
    """The PW007 notes' positions (and the id index their messages need) are found when the
    notes are first read, not during the import; a copy of a pathway whose notes were never
    read carries them made."""
    import pickle

    p = imp.loads_bpmn(_NOTED, "noted.bpmn")
    smap = p.source_map
    assert smap.pending is not None  # nothing found yet
    copied = pickle.loads(pickle.dumps(p)).source_map
    assert type(copied) is not type(smap) and copied.notes == smap.notes
    assert smap.pending is None
    assert [(n.line, n.column, n.step, n.message) for n in smap.notes] == [
        (
            3,
            5,
            None,
            "messageFlow 'm': message flow to or from participant 'b' (a pool "
            "without a process, or an element that is not mapped) is left out",
        ),
        (4, 39, "t", "task 't': its loop or multi-instance marker is not mapped (runs once)"),
        (
            5,
            5,
            "g",
            "inclusiveGateway 'g': an inclusive gateway is mapped as a merge; BPMN may "
            "take or wait for several branches",
        ),
        (
            9,
            5,
            None,
            "sequenceFlow 'f4': it connects unknown id 'nowhere', which is not mapped; left out",
        ),
        (
            10,
            5,
            None,
            "elements with no flow meaning for a pathway are not imported: 1 textAnnotation",
        ),
    ]
    again = imp.import_bpmn(_NOTED, "noted.bpmn")[1]
    assert again.notes == smap.notes
