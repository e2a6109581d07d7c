"""Pathway versions: the fingerprint, the semantic diff and ``pathways diff``.

The properties: ``diff(p, p)`` is empty; the fingerprint ignores comments, key and step order,
labels and the version string, and changes with every semantic edit; ``diff(p, mutate(p))``
reports each kind of mutation, a guard change with a case that really changed its route.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import pathways as pw
from pathways.cli import main
from pathways.guards import evaluate, parse_guard
from pathways.testing.strategies import pathway_documents
from pathways.versions import KINDS, diff, fingerprint, format_diff, load_version
from tests.hyp import examples

TODAY = dt.date(2026, 11, 28)
BUNDLED = sorted(Path("pathways/kh").glob("*.yaml"))
P1 = Path("pathways/kh/csa-in-person.yaml")
SMALL = """
format: pathways/1
id: small
agencies: [{id: a, name: A, sector: social}]
roles: [{id: r, agency: a, title: R}, {id: q, agency: a, title: Q}]
steps:
  - {id: start, kind: entry, role: r}
  - {id: work, role: r}
  - {id: done, kind: outcome}
transitions:
  - {from: start, to: work}
  - {from: work, to: done}
deadlines: [{id: d1, to: done, within: 3d}]
"""

Doc = dict[str, Any]
# Fingerprints of two fixed documents, recorded before the fingerprint was made faster.
PINNED_SMALL = "sha256:ffb916643ade3d3e94fe8246c7ee642f4c9473e533b08b8017873e3047fef424"
PINNED_RICH = "sha256:9fa3d07ecb6f45be496d79b7236b7cd225bf84cf3c0263207b88092ea0f4709c"


def _doc(path: Path = P1) -> Doc:
    data: Doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _load(doc: Doc) -> pw.Pathway:
    return pw.loads(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))


# ------------------------------------------------------------------------------ fingerprint


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_diff_of_a_pathway_with_itself_is_empty(path: Path) -> None:
    p = pw.load(path)
    result = diff(p, p, today=TODAY)
    assert not result
    assert result.changes == ()
    assert format_diff(result).endswith("no changes\n")


def test_fingerprint_ignores_comments_order_wording_and_version() -> None:
    text = P1.read_text(encoding="utf-8")
    base = fingerprint(pw.loads(text))
    commented = "# a new comment\n" + text.replace("\n", "  # trailing\n", 3)
    assert fingerprint(pw.loads(commented)) == base
    doc = _doc()
    doc["version"] = "9.9.9"
    doc["title"] = "Another title"
    doc["steps"] = list(reversed(doc["steps"]))
    doc["roles"] = list(reversed(doc["roles"]))
    for step in doc["steps"]:
        if "label" in step:
            step["label"] = {"en": "Reworded", "km": "ពាក្យថ្មី"}
        step.pop("description", None)
    for agency in doc["agencies"]:
        agency["name"] = "Renamed agency"
        agency.pop("contacts", None)
    doc.pop("sources", None)
    doc["steps"][0] = {k: doc["steps"][0][k] for k in reversed(list(doc["steps"][0]))}
    assert fingerprint(_load(doc)) == base


def test_fingerprint_ignores_guard_spacing_but_not_guard_meaning() -> None:
    doc = _doc()
    (t,) = [t for t in doc["transitions"] if t.get("when") == "hours_since_incident <= 72"]
    base = fingerprint(_load(doc))
    t["when"] = "(hours_since_incident<=72)"
    assert fingerprint(_load(doc)) == base
    t["when"] = "hours_since_incident <= 71"
    assert fingerprint(_load(doc)) != base


def _first_action(doc: Doc) -> Doc:
    step: Doc = next(s for s in doc["steps"] if s.get("kind", "action") == "action")
    return step


def _other_role(doc: Doc, role: str) -> str:
    return str(next(r["id"] for r in doc["roles"] if r["id"] != role))


def _move_role(doc: Doc) -> None:
    step = _first_action(doc)
    step["role"] = _other_role(doc, step["role"])


def _retag(doc: Doc) -> None:
    step = _first_action(doc)
    step["tags"] = [*step.get("tags", []), "newtag"]


def _add_step(doc: Doc) -> None:
    step = _first_action(doc)
    doc["steps"].append({"id": "zz_new", "role": step["role"], "label": "New"})
    outcome = next(s["id"] for s in doc["steps"] if s.get("kind") == "outcome")
    doc["transitions"].append({"from": step["id"], "to": "zz_new"})
    doc["transitions"].append({"from": "zz_new", "to": outcome})


def _remove_transition(doc: Doc) -> None:
    sources = [t["from"] for t in doc["transitions"]]
    i = next(i for i, t in enumerate(doc["transitions"]) if sources.count(t["from"]) > 1)
    del doc["transitions"][i]


def _change_by(doc: Doc) -> None:
    t = doc["transitions"][0]
    src = next(s for s in doc["steps"] if s["id"] == t["from"])
    t["by"] = [_other_role(doc, src["role"])]


def _tighten(doc: Doc) -> None:
    doc["deadlines"][0]["within"] = "1h"


def _loosen(doc: Doc) -> None:
    doc["deadlines"][0]["within"] = "52w"


def _guard(doc: Doc) -> None:
    t = next(t for t in doc["transitions"] if t.get("when") == "hours_since_incident <= 72")
    t["when"] = "hours_since_incident <= 48"


def _add_deadline(doc: Doc) -> None:
    step = _first_action(doc)
    doc["deadlines"].append({"id": "zz-new", "to": step["id"], "within": "5d"})


def _add_field(doc: Doc) -> None:
    doc["case_fields"]["zz_flag"] = {"type": "boolean"}


def _policy(doc: Doc) -> None:
    doc.setdefault("policies", {})["max_interviews"] = 3


def _clearance(doc: Doc) -> None:
    role = doc["roles"][0]
    role["clearance"] = "public" if role.get("clearance") != "public" else "restricted"


def _sector(doc: Doc) -> None:
    agency = doc["agencies"][0]
    agency["sector"] = "media" if agency["sector"] != "media" else "ngo"


def _add_calendar(doc: Doc) -> None:  # beside the file's own calendars
    doc.setdefault("calendars", {})["zz_day"] = {
        "timezone": "Asia/Phnom_Penh",
        "hours": ["08:00-17:00"],
    }


def _role_calendar(doc: Doc) -> None:
    _add_calendar(doc)
    doc["roles"][0]["calendar"] = "zz_day"


def _sectors(doc: Doc) -> None:
    doc["sectors"] = [*doc.get("sectors", []), "zz-sector"]


def _pathway_id(doc: Doc) -> None:
    doc["id"] = "zz-other-id"


def _duration(doc: Doc) -> None:
    _first_action(doc)["duration"] = "17h"


def _probability(doc: Doc) -> None:
    t = next(t for t in doc["transitions"] if t.get("to") != t.get("from"))
    t["delay"] = "13h"


def _severity(doc: Doc) -> None:
    d = doc["deadlines"][0]
    d["severity"] = "info" if d.get("severity") != "info" else "warning"


MUTATIONS: list[tuple[str, Callable[[Doc], None], str]] = [
    ("calendar added", _add_calendar, "calendar-added"),
    ("role works to a calendar", _role_calendar, "role-changed"),
    ("pathway sectors", _sectors, "pathway-changed"),
    ("pathway id", _pathway_id, "pathway-changed"),
    ("step duration", _duration, "step-changed"),
    ("transition delay", _probability, "transition-changed"),
    ("deadline severity", _severity, "deadline-changed"),
    ("step moved to another role", _move_role, "step-moved"),
    ("step tags", _retag, "step-changed"),
    ("step added", _add_step, "step-added"),
    ("transition removed", _remove_transition, "transition-removed"),
    ("who may fire", _change_by, "transition-changed"),
    ("deadline tightened", _tighten, "deadline-tightened"),
    ("deadline loosened", _loosen, "deadline-loosened"),
    ("guard", _guard, "guard-changed"),
    ("deadline added", _add_deadline, "deadline-added"),
    ("case field added", _add_field, "field-added"),
    ("policy", _policy, "policy-changed"),
    ("role clearance", _clearance, "role-changed"),
    ("agency sector", _sector, "agency-changed"),
]


@pytest.mark.parametrize(("name", "mutate", "kind"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_every_semantic_edit_changes_the_fingerprint_and_is_reported(
    name: str, mutate: Callable[[Doc], None], kind: str
) -> None:
    doc = _doc()
    old = _load(doc)
    changed = copy.deepcopy(doc)
    mutate(changed)
    new = _load(changed)
    assert fingerprint(new) != fingerprint(old), name
    result = diff(old, new, today=TODAY)
    assert kind in {c.kind for c in result.changes}, format_diff(result)
    assert all(c.kind in KINDS for c in result.changes)
    assert result.semantic_changes and result.changes_meaning
    # and back: the inverse edit is reported too, and the round trip is empty
    assert diff(new, old, today=TODAY)
    assert not diff(new, new, today=TODAY)


_ENGLISH = (
    "changed from",
    "was removed",
    "reworded",
    "new move",
    "tightened",
    "loosened",
    "no changes",
    "that matter",
    "wording only",
    "Moves between steps",
    "Deadlines",
    "is now done by",
    "instead of",
    "took it before",
    "takes it now",
    "new deadline",
    "Findings",
    "new finding",
)


def test_the_diff_text_is_khmer_with_lang_km() -> None:
    """Every sentence of the diff is in the catalogue: --lang km leaves no English words of
    the tool's own (ids, field names, values and the file's English labels aside)."""
    doc = _doc()
    old = _load(doc)
    for name, mutate, _ in MUTATIONS:
        changed = copy.deepcopy(doc)
        mutate(changed)
        text = format_diff(diff(old, _load(changed), lang="km", today=TODAY))
        assert "ការផ្លាស់ប្តូរ" in text.splitlines()[0], name
        # finding messages are translated by pathways.messages where a template covers them
        lines = [line for line in text.splitlines() if "[" not in line]
        left = [w for w in _ENGLISH for line in lines if w in line]
        assert not left, (name, left, text)
    assert "គ្មានការផ្លាស់ប្តូរ" in format_diff(diff(old, old, lang="km", today=TODAY))
    # catalogues merged from parallel work must not hold a message twice
    po = Path("src/pathways/locale/km/LC_MESSAGES/pathways.po").read_text(encoding="utf-8")
    ids = re.findall(r'^msgid "(.+)"$', po, flags=re.M)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_a_changed_guard_comes_with_a_case_whose_route_really_changed() -> None:
    doc = _doc()
    old = _load(doc)
    _guard(doc)
    new = _load(doc)
    (change,) = diff(old, new, today=TODAY).of_kind("guard-changed")
    assert change.case is not None
    before, after = parse_guard(str(change.old)), parse_guard(str(change.new))
    assert evaluate(before, change.case) and not evaluate(after, change.case)
    assert "took it before and does not now" in change.message


def test_a_reworded_guard_with_the_same_meaning_says_so() -> None:
    doc = _doc()
    t = next(t for t in doc["transitions"] if t.get("when") == "hours_since_incident <= 72")
    old = _load(doc)
    t["when"] = "not (hours_since_incident > 72)"
    (change,) = diff(old, _load(doc), today=TODAY).of_kind("guard-changed")
    assert change.case is None
    assert "the same cases take it" in change.message


def test_wording_changes_are_apart_and_keep_the_fingerprint() -> None:
    doc = _doc()
    old = _load(doc)
    _first_action(doc)["label"] = {"en": "A new name", "km": "ឈ្មោះថ្មី"}
    new = _load(doc)
    result = diff(old, new, today=TODAY)
    assert [c.kind for c in result.changes] == ["wording"]
    assert not result.semantic_changes
    assert result.old_fingerprint == result.new_fingerprint
    assert "wording only" in format_diff(result)


def _rename(doc: Doc, old_id: str, new_id: str) -> None:
    for step in doc["steps"]:
        if step["id"] == old_id:
            step["id"] = new_id
    for t in doc["transitions"]:
        for key in ("from", "to", "on_reject"):
            if t.get(key) == old_id:
                t[key] = new_id
    for d in doc.get("deadlines", []):
        for key in ("from", "to"):
            if d.get(key) == old_id:
                d[key] = new_id


def test_a_rename_is_suggested_and_once_confirmed_is_one_change() -> None:
    doc = _doc()
    old = _load(doc)
    sid = _first_action(doc)["id"]
    _rename(doc, sid, "zz_renamed")
    new = _load(doc)
    guessed = diff(old, new, today=TODAY)
    assert guessed.suggested_renames == {sid: "zz_renamed"}
    assert {"step-added", "step-removed"} <= {c.kind for c in guessed.changes}
    assert f"--rename {sid}=zz_renamed" in format_diff(guessed)
    confirmed = diff(old, new, renames={sid: "zz_renamed"}, today=TODAY)
    kinds = [c.kind for c in confirmed.changes]
    assert kinds.count("step-renamed") == 1
    assert "step-added" not in kinds and "step-removed" not in kinds
    assert "transition-added" not in kinds and "transition-removed" not in kinds


def test_a_rename_of_a_step_that_does_not_exist_is_refused() -> None:
    p = pw.load(P1)
    with pytest.raises(ValueError, match="has no step 'nope'"):
        diff(p, p, renames={"nope": "x"})


def test_findings_and_route_properties_that_change_are_reported() -> None:
    doc = _doc()
    old = _load(doc)
    _policy(doc)
    doc["policies"]["max_interviews"] = 0
    new = _load(doc)
    result = diff(old, new, today=TODAY)
    appeared = result.of_kind("finding-appeared")
    assert appeared and all(c.new["code"] in ("PW301", "PW302") for c in appeared)
    gone = diff(new, old, today=TODAY).of_kind("finding-disappeared")
    assert {c.subject for c in gone} == {c.subject for c in appeared}
    # a pathway with a finite number of routes: one more step on a branch is one more route
    doc = yaml.safe_load(SMALL)
    old = _load(doc)
    _add_step(doc)
    (count,) = [
        c
        for c in diff(old, _load(doc), today=TODAY).of_kind("route-changed")
        if c.subject == "count"
    ]
    assert int(count.new) == int(count.old) + 1


@settings(max_examples=25, deadline=None)
@given(doc=pathway_documents(), data=st.data())
def test_generated_pathways_diff_empty_with_themselves_and_see_a_moved_step(
    doc: Doc, data: st.DataObject
) -> None:
    p = pw.loads(json.dumps(doc))
    assert not diff(p, p, today=TODAY)
    movable = [s for s in doc["steps"] if s.get("role") is not None]
    roles = [r["id"] for r in doc["roles"]]
    if not movable or len(roles) < 2:
        return
    step = data.draw(st.sampled_from(movable))
    step["role"] = data.draw(st.sampled_from([r for r in roles if r != step["role"]]))
    q = pw.loads(json.dumps(doc))
    assert fingerprint(q) != fingerprint(p)
    moved = diff(p, q, findings=False, today=TODAY).of_kind("step-moved")
    assert [c.subject for c in moved] == [step["id"]]


def _edits(doc: Doc) -> list[tuple[str, Callable[[Doc], None]]]:
    """Edits that apply to any generated document: some change its meaning, some only words."""
    steps, roles = doc["steps"], [r["id"] for r in doc["roles"]]

    def label(d: Doc) -> None:
        d["steps"][0]["label"] = "Renamed for the meeting"

    def title(d: Doc) -> None:
        d["title"] = "A new title"

    def duration(d: Doc) -> None:
        d["steps"][-1]["duration"] = "11h"

    def policy(d: Doc) -> None:
        d.setdefault("policies", {})["max_interviews"] = 7

    def field(d: Doc) -> None:
        d.setdefault("case_fields", {})["zz_flag"] = {"type": "boolean"}

    def deadline(d: Doc) -> None:
        d.setdefault("deadlines", []).append({"id": "zz", "to": steps[-1]["id"], "within": "9d"})

    def sector(d: Doc) -> None:
        d["agencies"][0]["sector"] = "media" if d["agencies"][0]["sector"] != "media" else "ngo"

    def calendar(d: Doc) -> None:
        d.setdefault("calendars", {})["zz_office"] = {"days": ["mon", "tue"]}
        d["roles"][-1]["calendar"] = "zz_office"

    edits = [
        ("label", label),
        ("title", title),
        ("duration", duration),
        ("policy", policy),
        ("field", field),
        ("deadline", deadline),
        ("sector", sector),
        ("calendar", calendar),
    ]
    if any(s.get("role") is not None for s in steps) and len(roles) > 1:

        def move(d: Doc) -> None:
            step = next(s for s in d["steps"] if s.get("role") is not None)
            step["role"] = next(r for r in roles if r != step["role"])

        edits.append(("move", move))
    return edits


@settings(max_examples=examples(10), deadline=None)
@given(doc=pathway_documents())
def test_the_diff_reports_a_change_of_meaning_exactly_when_the_fingerprint_changes(
    doc: Doc,
) -> None:
    """The text's "wording only" rests on this: it reads the changes instead of hashing."""
    p = pw.loads(json.dumps(doc))
    for name, edit in _edits(doc):
        new = copy.deepcopy(doc)
        edit(new)
        q = pw.loads(json.dumps(new))
        result = diff(p, q, findings=False, routes=False, today=TODAY)
        assert result.changes_meaning == (fingerprint(p) != fingerprint(q)), (name, result)
        assert result.changes_meaning == (name not in ("label", "title")), name
        assert result.new_fingerprint == fingerprint(q)


def test_fingerprints_of_a_fixed_document_do_not_move() -> None:
    """Snapshots store fingerprints: a faster or refactored hash must give the same values."""
    doc = yaml.safe_load(SMALL)
    doc["case_fields"] = {"age": {"type": "integer", "min": 0, "max": 17}}
    doc["transitions"][1]["when"] = "age < 12"
    doc["transitions"].append({"from": "work", "to": "done", "when": "age >= 12", "delay": "2h"})
    doc["steps"][1]["duration"] = {"min": "1h", "mode": "2h", "max": "4h"}
    doc["calendars"] = {"office": {"timezone": "Asia/Phnom_Penh", "hours": ["08:00-17:00"]}}
    doc["roles"][0]["calendar"] = "office"
    assert fingerprint(pw.loads(SMALL)) == PINNED_SMALL
    assert fingerprint(_load(doc)) == PINNED_RICH


# ------------------------------------------------------------------------------------- CLI


def test_cli_diff_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = _doc()
    old_file = tmp_path / "old.yaml"
    old_file.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert main(["diff", str(old_file), str(old_file), "--today", "2026-11-28"]) == 0
    assert "no changes" in capsys.readouterr().out
    _tighten(doc)
    new_file = tmp_path / "new.yaml"
    new_file.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    code = main(["diff", str(old_file), str(new_file), "--format", "json", "--today", "2026-11-28"])
    assert code == 1
    data = json.loads(capsys.readouterr().out)
    assert data["same_semantics"] is False
    kinds = [c["kind"] for c in data["changes"]]
    assert kinds[0] == "deadline-tightened" and set(kinds) <= {
        "deadline-tightened",
        "finding-appeared",
    }
    assert data["old"]["fingerprint"].startswith("sha256:")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rename", "nonsense"], "--rename: 'nonsense'; write OLD_ID=NEW_ID"),
        (["--rename", "nope=x"], "has no step 'nope'"),
        (["--format", "xml"], "choose one of text, json"),
        (["--today", "tomorrow"], "is not a date"),
    ],
)
def test_cli_diff_usage_errors_are_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", str(P1), str(P1), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_cli_diff_reads_a_file_at_a_git_revision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    doc = _doc()
    target = tmp_path / "p1.yaml"
    target.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "add", "p1.yaml")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "v1")
    _loosen(doc)
    target.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert (
        load_version("git:HEAD:p1.yaml").deadlines[0].within != pw.load(target).deadlines[0].within
    )
    assert main(["diff", "git:HEAD:p1.yaml", "p1.yaml", "--today", "2026-11-28"]) == 1
    assert "loosened" in capsys.readouterr().out
    assert main(["diff", "git:HEAD:missing.yaml", "p1.yaml"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: 'git:HEAD:missing.yaml':") and len(err.splitlines()) == 1
    assert main(["diff", "git:HEAD", "p1.yaml"]) == 2
    assert "write git:REVISION:PATH" in capsys.readouterr().err


def test_cli_diff_of_a_file_that_does_not_load_names_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: pathways/1\nid: x\nsteps: 3\n", encoding="utf-8")
    assert main(["diff", str(bad), str(P1)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:3:" in err


# ------------------------------------------------------------------------- report --since

SECRET = """
format: pathways/1
id: secret
version: "1"
visibility: public
agencies:
  - {id: a, name: Social affairs, sector: social}
  - {id: zs, name: ZETA-SECRET-SHELTER, sector: ngo, visibility: restricted}
roles:
  - {id: worker, agency: a, title: Worker}
  - {id: keeper, agency: zs, title: ZETA-SECRET-KEEPER}
steps:
  - {id: intake, kind: entry, role: worker, label: Intake}
  - {id: place, role: worker, label: Placement}
  - {id: closed, kind: outcome, label: Closed}
transitions:
  - {from: intake, to: place}
  - {from: place, to: closed}
"""


def test_report_since_lists_changes_from_the_readers_view(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old_file, new_file = tmp_path / "v1.yaml", tmp_path / "v2.yaml"
    old_file.write_text(SECRET, encoding="utf-8")
    doc = yaml.safe_load(SECRET)
    doc["version"] = "2"
    doc["steps"][1]["role"] = "keeper"  # placement moves into the restricted shelter
    doc["deadlines"] = [{"id": "placed", "to": "place", "within": "2d"}]
    new_file.write_text(yaml.safe_dump(doc), encoding="utf-8")
    out = tmp_path / "out"
    args = ["report", str(new_file), "-o", str(out), "--no-simulation", "--today", "2026-11-28"]
    assert main([*args, "--since", str(old_file), "--visibility", "public"]) == 0
    page = (out / "secret.html").read_text(encoding="utf-8")
    assert 'id="changes"' in page and "Changes since version 1" in page
    assert "placed" in page and "Placement" in page
    assert "ZETA" not in page  # the moved step's new role is named by its stand-in only
    assert main([*args, "--since", str(old_file), "--visibility", "restricted"]) == 0
    page = (out / "secret.html").read_text(encoding="utf-8")
    assert "ZETA-SECRET-KEEPER" in page  # a restricted reader sees who the step moved to
    assert main([*args, "--since", "no-such-revision"]) == 0
    page = (out / "secret.html").read_text(encoding="utf-8")
    assert "No earlier version" in page
    capsys.readouterr()


def test_route_and_deadline_changes_read_as_routes_and_the_report_write_them() -> None:
    """Issue 18 audit: `pathways diff` wrote "longest expected time to an outcome: 1845m ->
    2085m", "number of routes ...: 3 -> infinite" and "deadline 'd1' tightened from 3d to 2d",
    where `routes` and the report write "30.8 h (1.3 days)" and "no limit (a loop can
    repeat)". The text now says it as they do; JSON keeps its values."""
    doc = yaml.safe_load(SMALL)
    doc["steps"][1]["duration"] = "30h"
    old = _load(doc)
    doc["steps"][1]["duration"] = "34h"
    doc["deadlines"][0]["within"] = "2d"
    doc["transitions"].append({"from": "work", "to": "start", "probability": 0.1})
    doc["transitions"][1]["probability"] = 0.9
    result = diff(old, _load(doc), today=TODAY)
    said = {c.subject: c.message for c in result.changes}
    assert said["count"].endswith(": 1 -> no limit (a loop can repeat)"), said["count"]
    assert said["longest"].endswith(
        ": 30 h (1.2 days) -> no limit (a loop on the route takes time)"
    ), said["longest"]
    assert "tightened from 72 h (3 days) to 48 h (2 days)" in said["d1"]
    longest = next(c for c in result.changes if c.subject == "longest")
    assert (longest.old, longest.new) == ("30h", "unbounded")  # JSON as before
    doc["transitions"].pop()
    doc["transitions"][1].pop("probability")
    (bounded,) = [c for c in diff(old, _load(doc), today=TODAY).changes if c.subject == "longest"]
    assert bounded.message.endswith(": 30 h (1.2 days) -> 34 h (1.4 days)"), bounded.message


RELABELLED = """
format: pathways/1
id: relabelled
agencies: [{id: a, name: A, sector: social}]
roles: [{id: r, agency: a, title: R}]
case_fields:
  risk: {type: enum, values: [low, medium, high], label: %s,
    value_labels: {low: Low, medium: Medium, high: %s}}
steps:
  - {id: start, kind: entry, role: r}
  - {id: work, role: r}
  - {id: done, kind: outcome}
transitions:
  - {from: start, to: work, when: "%s"}
  - {from: start, to: done}
  - {from: work, to: done}
"""


def test_a_changed_guard_is_worded_in_each_versions_own_labels() -> None:
    """When a guard and the labels of its field both change, the old guard reads in the old
    version's labels and the new guard (and the case whose route changed) in the new one's."""
    old = pw.loads(RELABELLED % ("risk level", "High", "risk == 'high'"))
    new = pw.loads(RELABELLED % ("danger", "Severe", "risk != 'low'"))
    (change,) = diff(old, new, today=TODAY).of_kind("guard-changed")
    assert "from “if risk level is High” to “if danger is not Low”" in change.message
    assert "a case with danger = Medium takes it now" in change.message
