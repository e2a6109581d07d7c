"""BPMN import side by side with parsing the same bytes (the floor), and validation of the
imported pathway side by side with the same pathway loaded from YAML.

Files: the largest BPMN file of ``../shared/corpus`` and a generated model of 5,000 tasks (two
pools with lanes, an exclusive gateway every ten tasks, parallel blocks, diagram shapes as
modellers write them). Peers in one run: ``lxml.etree.parse`` (when lxml is installed:
``pip install -e '.[bench]'``), ``xml.etree.ElementTree`` (C) and ``defusedxml``'s
``fromstring``. Ours: ``parse_tree`` (what the import parses with: lxml with entities, DTDs and
network off; lines and columns found only when asked), the expat path alone (what documents
with a DTD or another encoding go through), ``import_bpmn`` (parse and mapping: the plain
data and source map) and ``loads_bpmn`` (a ``Pathway``).
Beside them, the BPMN Analyzer's state-space sizes from the corpus's expected.json (it
publishes no times) and our time to the same verdicts. Run:
``python bench/bench_bpmn_import.py [--quick]``.
"""

from __future__ import annotations

import gc
import io
import json
import random
import statistics
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import defusedxml.ElementTree as DET
from common import REPO, md_table

import pathways as pw
from pathways.bpmn.importer import import_bpmn, loads_bpmn, to_yaml
from pathways.bpmn.xml import _parse_expat, parse_tree

CORPUS = REPO.parent / "shared" / "corpus"
LOCAL = REPO / "tests" / "data" / "bpmn" / "corpus"

try:
    from lxml import etree as lxml_etree
except ImportError:  # pragma: no cover - the bench extra installs it
    lxml_etree = None


def generated(tasks: int) -> bytes:
    """A two-pool model of ``tasks`` tasks, with lanes, gateways and diagram shapes."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
        'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="gen">',
        '<bpmn:collaboration id="c"><bpmn:participant id="a1" name="Agency 1" processRef="p1"/>'
        '<bpmn:participant id="a2" name="Agency 2" processRef="p2"/>'
        '<bpmn:messageFlow id="m" sourceRef="p1_last" targetRef="p2_start"/></bpmn:collaboration>',
    ]
    shapes: list[str] = []
    half = tasks // 2
    for pool, count in (("p1", half), ("p2", tasks - half)):
        nodes: list[str] = []
        flows: list[str] = []
        lanes: dict[str, list[str]] = {f"{pool}_lane{i}": [] for i in range(4)}
        start = f"{pool}_start"
        nodes.append(f'<bpmn:startEvent id="{start}" name="Start {pool}"/>')
        lanes[f"{pool}_lane0"].append(start)
        prev, n = start, 0
        for i in range(count):
            task = f"{pool}_t{i}"
            kind = ("userTask", "serviceTask", "manualTask", "task")[i % 4]
            nodes.append(
                f'<bpmn:{kind} id="{task}" name="Task {i} of {pool}">'
                f"<bpmn:documentation>What happens at task {i}.</bpmn:documentation>"
                f"</bpmn:{kind}>"
            )
            lanes[f"{pool}_lane{i % 4}"].append(task)
            shapes.append(
                f'<bpmndi:BPMNShape id="{task}_di" bpmnElement="{task}">'
                f'<dc:Bounds x="{i * 150}" y="100" width="100" height="80"/></bpmndi:BPMNShape>'
            )
            if i % 10 == 9:
                gw, skip = f"{pool}_g{i}", f"{pool}_s{i}"
                nodes.append(f'<bpmn:exclusiveGateway id="{gw}" name="Risk?"/>')
                nodes.append(f'<bpmn:task id="{skip}" name="Short way {i}"/>')
                lanes[f"{pool}_lane0"].extend([gw, skip])
                flows.append(
                    f'<bpmn:sequenceFlow id="{pool}_f{n}" sourceRef="{prev}" targetRef="{gw}"/>'
                )
                flows.append(
                    f'<bpmn:sequenceFlow id="{pool}_f{n + 1}" sourceRef="{gw}" targetRef="{task}">'
                    f"<bpmn:conditionExpression>${{risk_{i % 3} &gt; {i}}}"
                    "</bpmn:conditionExpression>"
                    "</bpmn:sequenceFlow>"
                )
                flows.append(
                    f'<bpmn:sequenceFlow id="{pool}_f{n + 2}" sourceRef="{gw}" targetRef="{skip}"/>'
                )
                flows.append(
                    f'<bpmn:sequenceFlow id="{pool}_f{n + 3}" sourceRef="{skip}" '
                    f'targetRef="{task}"/>'
                )
                n += 4
            else:
                flows.append(
                    f'<bpmn:sequenceFlow id="{pool}_f{n}" sourceRef="{prev}" targetRef="{task}"/>'
                )
                n += 1
            prev = task
        last = f"{pool}_last"
        nodes.append(f'<bpmn:sendTask id="{last}" name="Refer"/>' if pool == "p1" else "")
        nodes.append(f'<bpmn:endEvent id="{pool}_end" name="Done"/>')
        if pool == "p1":
            flows.append(
                f'<bpmn:sequenceFlow id="{pool}_f{n}" sourceRef="{prev}" targetRef="{last}"/>'
            )
            prev = last
            lanes[f"{pool}_lane0"].append(last)
        flows.append(
            f'<bpmn:sequenceFlow id="{pool}_fe" sourceRef="{prev}" targetRef="{pool}_end"/>'
        )
        lanes[f"{pool}_lane0"].append(f"{pool}_end")
        lane_xml = "".join(
            f'<bpmn:lane id="{lane}" name="Role {lane}">'
            + "".join(f"<bpmn:flowNodeRef>{r}</bpmn:flowNodeRef>" for r in refs)
            + "</bpmn:lane>"
            for lane, refs in lanes.items()
        )
        out.append(
            f'<bpmn:process id="{pool}"><bpmn:laneSet id="{pool}_ls">{lane_xml}</bpmn:laneSet>'
            + "\n".join(nodes + flows)
            + "</bpmn:process>"
        )
    out.append(
        '<bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="pl" bpmnElement="c">'
        + "\n".join(shapes)
        + "</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>"
    )
    return "\n".join(out).encode()


def interleaved(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median CPU time of each function, timed in rounds (one call of each per round), so a
    change of load on the shared machine falls on all of them alike. Every call is timed the
    same way: the cyclic collector run before it, untimed, and paused while it runs (the
    import pauses it itself; a parser's tree holds no Python objects, so it is alike for all),
    and its result dropped inside the timing (freeing a tree is part of making one)."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    order = list(fns.items())
    shuffle = random.Random(14).shuffle
    for _ in range(repeats):
        # Each round in its own order (seeded), so every function follows each other one about
        # equally often: what the previous call left in the allocator and caches changes a
        # parse by a fifth or more. Rounds that only started one further along kept every
        # function behind the same one (lxml's parse always after defusedxml's, ours always
        # after lxml's: 1.5x-1.6x of it; in random order 0.9x-1.0x).
        shuffle(order)
        for name, fn in order:
            gc.collect()  # the collector's debt of the previous call is not charged to this one
            gc.disable()
            started = time.process_time()
            fn()
            times[name].append(time.process_time() - started)
            gc.enable()
    return {name: statistics.median(ts) for name, ts in times.items()}


def largest_corpus_file() -> Path:
    root = CORPUS if CORPUS.is_dir() else LOCAL
    files = [*root.rglob("*.bpmn"), *root.rglob("*.bpmn20.xml")]
    return max(files, key=lambda p: p.stat().st_size)


def main() -> None:
    quick = "--quick" in sys.argv
    big = largest_corpus_file()
    cases = [(str(big.relative_to(big.parents[2])), big.read_bytes())]
    cases.append(("generated, 5,000 tasks", generated(500 if quick else 5000)))
    rows = []
    for name, data in cases:
        fns: dict[str, Callable[[], object]] = {
            "ElementTree (C)": lambda d=data: ET.fromstring(d),
            "defusedxml": lambda d=data: DET.fromstring(d),
        }
        if lxml_etree is not None:
            fns["lxml.etree.parse"] = lambda d=data: lxml_etree.parse(io.BytesIO(d))
        fns["parse"] = lambda d=data: parse_tree(d)
        fns["expat"] = lambda d=data: _parse_expat(d, None)
        fns["import"] = lambda d=data, n=name: import_bpmn(d, n)
        fns["loads"] = lambda d=data, n=name: loads_bpmn(d, n)
        times = interleaved(fns, repeats=3 if quick else 21)
        peers = {
            k: times[k] for k in ("ElementTree (C)", "defusedxml", "lxml.etree.parse") if k in times
        }
        floor_name = "lxml.etree.parse" if lxml_etree is not None else "ElementTree (C)"
        floor = peers[floor_name]
        parse, parse_expat = times["parse"], times["expat"]
        imported, loaded = times["import"], times["loads"]
        document, _, _ = import_bpmn(data, name)
        assert document is not None
        pathway = loads_bpmn(data, name)
        yaml_text = to_yaml(document)
        from_yaml = pw.loads(yaml_text)
        # The first check of each finds the positions of its findings (lazily, for the import);
        # a check of a third copy first, so neither pays for the modules imported on first use.
        pw.check(pw.loads(yaml_text), select=["PW1", "PW2"])
        gc.collect()
        started = time.perf_counter()
        pw.check(pathway, select=["PW1", "PW2"])
        first_bpmn = time.perf_counter() - started
        gc.collect()
        started = time.perf_counter()
        pw.check(from_yaml, select=["PW1", "PW2"])
        first_yaml = time.perf_counter() - started
        checks = interleaved(
            {
                "bpmn": lambda p=pathway: pw.check(p, select=["PW1", "PW2"]),
                "yaml": lambda p=from_yaml: pw.check(p, select=["PW1", "PW2"]),
                "load_yaml": lambda t=yaml_text: pw.loads(t),
            },
            repeats=3 if quick else 21,
        )
        check_bpmn, check_yaml, load_yaml = checks["bpmn"], checks["yaml"], checks["load_yaml"]
        rows.append(
            [
                name,
                f"{len(data) / 1024:,.0f} KiB",
                f"{len(pathway.steps):,}",
                *(f"{t * 1000:,.1f} ms" for t in peers.values()),
                f"{parse_expat * 1000:,.1f} ms",
                f"{parse * 1000:,.1f} ms",
                f"{imported * 1000:,.1f} ms",
                f"{loaded * 1000:,.1f} ms",
                f"{parse_expat / floor:.2f}x",
                f"{parse / floor:.2f}x",
                f"{imported / floor:.2f}x",
                f"{loaded / floor:.2f}x",
                f"{load_yaml * 1000:,.1f} ms",
                f"{check_bpmn * 1000:,.1f} / {check_yaml * 1000:,.1f} ms "
                f"({check_bpmn / check_yaml:.2f}x)",
                f"{first_bpmn * 1000:,.1f} / {first_yaml * 1000:,.1f} ms",
            ]
        )
    headers = [
        "file",
        "size",
        "steps",
        *peers,
        "expat path alone",
        "parse_tree (ours)",
        "import_bpmn",
        "loads_bpmn (Pathway)",
        f"expat path / {floor_name}",
        f"parse_tree / {floor_name}",
        f"import_bpmn / {floor_name}",
        f"loads_bpmn / {floor_name}",
        "pw.loads of the same pathway as YAML",
        "check PW1+PW2: imported / from YAML (median)",
        "first check: imported / from YAML",
    ]
    table = md_table(headers, rows)
    print(table)
    verdicts = analyzer_table()
    print(verdicts)
    out = REPO / "bench" / "results" / "bpmn_import.md"
    if not quick:
        out.write_text(
            "# BPMN import: pathways vs XML parsers of the same bytes\n\n"
            "Median CPU time of interleaved rounds (21 for the parsers and imports, each\n"
            "round in its own seeded random order, the collector paused alike for every\n"
            "call; 21 for the checks).\n\n"
            + table
            + "\n\n## Verdicts beside the BPMN Analyzer's state spaces\n\n"
            + verdicts
            + "\n"
        )
        print(f"wrote {out}")


def analyzer_table() -> str:
    """Our time to the rules' verdicts on the analyzer's fixtures, beside its state-space sizes
    (expected.json publishes no times)."""
    root = LOCAL / "bpmn-analyzer-soundness"
    expected = json.loads((root / "expected.json").read_text("utf-8"))["files"]
    rows = []
    for rel, v in sorted(expected.items()):
        if not v.get("fulfilled") or "states" not in v:
            continue
        pathway = pw.load(root / rel)
        started = time.perf_counter()
        found = pw.check(pathway, select=["PW103", "PW105", "PW110", "PW111", "PW114"])
        took = time.perf_counter() - started
        codes = ", ".join(sorted({f.code for f in found})) or "none"
        failed = ", ".join(k for k, ok in v["fulfilled"].items() if not ok) or "none"
        rows.append(
            [
                rel,
                f"{v['states']:,}",
                f"{v['transitions']:,}",
                failed,
                codes,
                f"{took * 1000:,.0f} ms",
            ]
        )
    return md_table(
        [
            "file",
            "analyzer states",
            "analyzer transitions",
            "analyzer: violated",
            "pathways",
            "pathways time",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
