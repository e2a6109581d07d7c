"""The HTML report: pages, escaping, visibility, missing parts as notes, the CLI, the charts."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest

import pathways as pw
from pathways.cli import main
from pathways.report import build_parts, pathway_report, write_report
from pathways.report.charts import bar_chart, histogram, histogram_from_quantiles
from pathways.report.html import rule_link, safe_href

ROOT = Path(__file__).resolve().parent.parent
P1 = ROOT / "pathways" / "kh" / "csa-in-person.yaml"
HOSTILE = ROOT / "tests" / "data" / "report-hostile.yaml"
HOSTILE_TEXT = '<script>alert(1)</script> & "quotes"'
TODAY = dt.date(2026, 11, 28)
needs_dot = pytest.mark.usefixtures("graphviz_dot")  # fails, with the fix, without dot


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Tags:
    t = Tags()
    t.feed(html)
    return t


@pytest.fixture(scope="module")
def p1_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("p1")
    return write_report(P1, out, today=TODAY, cases=300, seed=3)


def test_write_report_writes_an_index_and_one_page_per_pathway(p1_report: Path) -> None:
    """index.html links to the pathway's page; both declare their language."""
    assert p1_report.name == "index.html"
    page = p1_report.parent / "kh-csa-in-person.html"
    assert page.exists()
    index = parse(p1_report.read_text(encoding="utf-8"))
    assert ("a", {"href": "kh-csa-in-person.html", "lang": "en"}) in index.tags
    html = page.read_text(encoding="utf-8")
    assert html.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert "Child sexual abuse: in-person report" in html


def test_page_holds_every_section(p1_report: Path) -> None:
    """Title, metadata, sources, diagram, findings, routes, simulation, responsibility."""
    html = (p1_report.parent / "kh-csa-in-person.html").read_text(encoding="utf-8")
    for anchor in ("diagram", "findings", "routes", "simulation", "responsibility", "contacts",
                   "sources"):  # fmt: skip
        assert f'<h2 id="{anchor}">' in html
    p = pw.load(P1)
    for step in p.steps:
        if step.kind != "outcome":
            assert f"<code>{step.id}</code>" in html
    assert "PEP window: within 72 h (3 days) of the report (entry step)" in html
    assert 'href="https://aplecambodia.org/court_support/"' in html


def only_the_trace_script(html: str) -> None:
    """The page's scripts are exactly the trace panel's: a JSON data block (never run, with no
    ``<`` that could end it) and one inline script, allowed by its hash in the CSP."""
    import base64
    import hashlib
    import re

    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert [attrs for attrs, _ in scripts] == [
        ' type="application/json" id="trace-data"',
        "",
    ]
    assert "<" not in scripts[0][1]
    digest = base64.b64encode(hashlib.sha256(scripts[1][1].encode()).digest()).decode()
    csp = re.search(r'Content-Security-Policy" content="([^"]*)"', html)
    assert csp is not None
    assert f"script-src 'sha256-{digest}'" in csp.group(1)
    assert "'unsafe-inline'" not in csp.group(1).split("script-src")[1]


def test_page_is_self_contained(p1_report: Path) -> None:
    """No stylesheet link, image or frame, and no script but the trace panel's (allowed by
    its hash); a CSP that forbids every fetch."""
    html = (p1_report.parent / "kh-csa-in-person.html").read_text(encoding="utf-8")
    tags = parse(html).tags
    assert not [t for t, _ in tags if t in ("link", "img", "iframe", "object")]
    only_the_trace_script(html)
    csp = [a for t, a in tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in (csp[0]["content"] or "")
    assert "Khmer OS" in html  # a Khmer-capable system font stack


@needs_dot
def test_diagram_is_inlined_svg(p1_report: Path) -> None:
    """The renderer's SVG is inlined without its XML prolog or doctype."""
    html = (p1_report.parent / "kh-csa-in-person.html").read_text(encoding="utf-8")
    start = html.index('<div class="diagram">') + len('<div class="diagram">')
    assert html[start:].startswith("<svg")
    assert "<?xml" not in html and "<!DOCTYPE svg" not in html
    assert '<input type="checkbox" id="fit-diagram">' in html  # CSS-only zoom, no script


def test_simulation_summary_and_charts(p1_report: Path) -> None:
    """With a simulator present, the page shows outcomes, deadlines and SVG charts."""
    html = (p1_report.parent / "kh-csa-in-person.html").read_text(encoding="utf-8")
    assert "300 (seed 3)" in html
    assert html.count('class="chart"') >= 3
    assert "Deadline breach rate" in html
    index = p1_report.read_text(encoding="utf-8")
    assert "median" in index and "to outcome" in index


def test_hostile_labels_are_escaped_everywhere(tmp_path: Path) -> None:
    """Hostile titles, labels, names and URLs become text; javascript: never becomes a link."""
    index = write_report(HOSTILE, tmp_path, today=TODAY, simulation=False)
    html = (index.parent / "report-hostile.html").read_text(encoding="utf-8")
    page = parse(html)
    assert [t for t, _ in page.tags if t in ("img", "b", "i", "u")] == []
    only_the_trace_script(html)
    assert HOSTILE_TEXT in "".join(page.text)
    hrefs = [a.get("href") or "" for t, a in page.tags if t == "a"]
    assert not [h for h in hrefs if "javascript" in h.lower()]
    assert "https://example.org/guideline" in hrefs
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;" in html
    assert HOSTILE_TEXT not in html
    index_html = index.read_text(encoding="utf-8")
    assert HOSTILE_TEXT not in index_html and "&lt;script&gt;" in index_html


def test_khmer_urls_keep_their_address(tmp_path: Path) -> None:
    """A link's address was escaped with the line-break hints of Khmer text: a zero-width
    space between Khmer words inside the href sent the reader to another page."""
    url = "https://km.wikipedia.org/wiki/ព្រះរាជាណាចក្រកម្ពុជា"
    text = HOSTILE.read_text(encoding="utf-8").replace("https://example.org/guideline", url)
    source = tmp_path / "report-hostile.yaml"
    source.write_text(text, encoding="utf-8")
    index = write_report(source, tmp_path / "out", today=TODAY, simulation=False)
    page = parse((index.parent / "report-hostile.html").read_text(encoding="utf-8"))
    assert url in [a.get("href") for t, a in page.tags if t == "a"]


@pytest.mark.parametrize(
    ("visibility", "shown", "hidden"),
    [
        ("partners", ["+855 PUBLIC 1", "+855 PARTNER 2"],
         ["+855 RESTRICTED 3", "Secret Safehouse Zeta", "17 Hidden Lane"]),
        ("restricted", ["+855 PUBLIC 1", "+855 PARTNER 2", "+855 RESTRICTED 3",
                        "Secret Safehouse Zeta", "17 Hidden Lane"], []),
    ],
)  # fmt: skip
def test_visibility_leaves_out_contacts_and_agencies_above_it(
    tmp_path: Path, visibility: str, shown: list[str], hidden: list[str]
) -> None:
    """A contact or agency above --visibility never appears, not even in the diagram."""
    index = write_report(HOSTILE, tmp_path, visibility=visibility, today=TODAY, simulation=False)
    html = (index.parent / "report-hostile.html").read_text(encoding="utf-8")
    for text in shown:
        assert text in html
    for text in hidden:
        assert text not in html


def test_pathway_above_the_visibility_is_withheld(tmp_path: Path) -> None:
    """At `public`, a `partners` pathway shows only its id and a note."""
    index = write_report(HOSTILE, tmp_path, visibility="public", today=TODAY, simulation=False)
    html = (index.parent / "report-hostile.html").read_text(encoding="utf-8")
    assert "it is not shown at visibility" in html
    assert "+855 PUBLIC 1" not in html and "Counsellor" not in html and "<svg" not in html
    assert "alert" not in index.read_text(encoding="utf-8")


def test_missing_graphviz_becomes_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without `dot` on PATH the page says so and every other section is still there."""
    monkeypatch.setenv("PATH", str(tmp_path))
    html = pathway_report(pw.load(P1), today=TODAY, simulation=False)
    assert '<p class="note">No diagram' in html
    assert "apt-get install" in html or "graphviz" in html.lower()
    assert '<h2 id="responsibility">' in html


def test_file_that_does_not_load_gets_a_page_with_its_findings(tmp_path: Path) -> None:
    """A broken file is listed in the index as not loaded; its page shows the PW0xx finding."""
    bad = tmp_path / "in" / "broken.yaml"
    bad.parent.mkdir()
    bad.write_text("format: pathways/1\nid: [unclosed\n", encoding="utf-8")
    index = write_report(bad.parent, tmp_path / "out", today=TODAY, simulation=False)
    assert "did not load" in index.read_text(encoding="utf-8")
    page = (index.parent / "broken.html").read_text(encoding="utf-8")
    assert "PW001" in page and 'href="rules/PW001.html"' in page
    # Issue 18: the rule page is beside the report, so the link works in an emailed folder.
    rule_page = (index.parent / "rules" / "PW001.html").read_text(encoding="utf-8")
    assert "<h1>PW001 yaml-syntax</h1>" in rule_page and "What it does" in rule_page


def test_findings_table_links_rules_and_shows_witness_routes() -> None:
    """Each finding row links to its rule page and shows its route as step labels."""
    p = pw.load(P1)
    finding = pw.Finding(
        code="PW301",
        rule="too-many-interviews",
        severity=pw.Severity.ERROR,
        message="route interviews the child <twice>",
        location=pw.Location("p.yaml", 3, 4),
        step="interview",
        route=("report_police", "notify", "interview"),
        case={"age": 12},
    )
    parts = build_parts(p, today=TODAY, simulation=False, diagram=False,
                        docs_base="https://example.org/docs")  # fmt: skip
    parts.findings = [finding]
    from pathways.report.html import pathway_page

    html = pathway_page(parts, date=TODAY, version="test")
    assert 'href="https://example.org/docs/rules/PW301/"' in html
    assert "route interviews the child &lt;twice&gt;" in html
    # Issue 18: the route is written with the steps' labels (the ids in a tooltip).
    p_labels = [p.label(s) for s in ("report_police", "notify", "interview")]
    assert (
        " → ".join(
            f'<span title="{s}">{label}</span>'
            for s, label in zip(("report_police", "notify", "interview"), p_labels, strict=True)
        )
        in html
    )
    assert '<span title="age">age</span> = 12' in html
    # Issue 18: the witness case names its fields by their labels (ids in a tooltip) and an
    # enum value by its label, in the reader's language (was "hours_since_incident = 49")
    parts.findings = [replace(finding, case={"hours_since_incident": 49, "risk": "high"})]
    parts.lang = "km"
    html = pathway_page(parts, date=TODAY, version="test").replace("\u200b", "")  # wrap hints
    assert '<span title="hours_since_incident">ចំនួនម៉ោងចាប់តាំងពីហេតុការណ៍</span> = 49' in html
    assert '<span title="risk">កម្រិតហានិភ័យ</span> = ខ្ពស់' in html


def test_report_is_deterministic(tmp_path: Path) -> None:
    """The same inputs and date give byte-identical pages."""
    a = write_report(HOSTILE, tmp_path / "a", today=TODAY, simulation=False)
    b = write_report(HOSTILE, tmp_path / "b", today=TODAY, simulation=False)
    for name in ("index.html", "report-hostile.html"):
        assert (a.parent / name).read_bytes() == (b.parent / name).read_bytes()


def test_cli_report_prints_the_index_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`pathways report PATH -o DIR` exits 0 and prints DIR/index.html."""
    code = main(["report", str(HOSTILE), "-o", str(tmp_path), "--no-simulation",
                 "--today", "2026-11-28", "--visibility", "restricted"])  # fmt: skip
    assert code == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "index.html")
    assert "+855 RESTRICTED 3" in (tmp_path / "report-hostile.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--visibility", "secret"], "--visibility"),
        (["--today", "2026-13-01"], "--today"),
        (["--cases", "0"], "--cases"),
    ],
)
def test_cli_report_usage_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    """Bad options exit 2 with one line naming the option, never a traceback."""
    code = main(["report", str(HOSTILE), "-o", str(tmp_path), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


def test_cli_report_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", str(tmp_path / "nope.yaml"), "-o", str(tmp_path)])
    assert code == 2
    assert "nope.yaml" in capsys.readouterr().err


def test_safe_href_keeps_only_web_and_mail_links() -> None:
    assert safe_href("https://x.org") == "https://x.org"
    assert safe_href("mailto:a@b.org") == "mailto:a@b.org"
    assert safe_href("javascript:alert(1)") is None
    assert safe_href(" JavaScript:alert(1)") is None
    assert safe_href("data:text/html,x") is None
    assert rule_link("PW104", "") == "rules/PW104.html"  # the page written beside the report
    assert rule_link("PW104", "../site/") == "../site/rules/PW104/index.html"
    assert rule_link("PW002", "https://x.org/docs") == "https://x.org/docs/rules/PW002/"


def test_inline_svg_refuses_active_content() -> None:
    """The second lock: an SVG with scripts, handlers or external references is not inlined."""
    from pathways.report import _inline_svg

    ok = '<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg xmlns="http://www.w3.org/2000/svg"><g/></svg>'
    assert _inline_svg(ok) == '<svg xmlns="http://www.w3.org/2000/svg"><g/></svg>'
    svg = '<svg xmlns="http://www.w3.org/2000/svg">{}</svg>'
    for bad in (
        "<script>alert(1)</script>",
        '<g onload="alert(1)"/>',
        '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>',
        '<image href="https://example.org/x.png"/>',
        '<a href="javascript:alert(1)"><text>x</text></a>',
        '<rect style="fill: url(https://example.org/p)"/>',
    ):
        assert _inline_svg(svg.format(bad)) is None, bad
    assert _inline_svg("not svg") is None


def test_charts_are_valid_svg_with_escaped_labels() -> None:
    svg = bar_chart([("<b>&", 0.5), ("ok", 1.0)], title='a "title"')
    root = ElementTree.fromstring(svg)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "<b>&" in texts and "50.0%" in texts
    hist = histogram([0, 1, 2], [3, 1], title="t")
    assert len(list(ElementTree.fromstring(hist).iter("{http://www.w3.org/2000/svg}rect"))) == 2


def test_histogram_from_quantiles_matches_the_quantiles() -> None:
    """Approximate bins hold half the cases below p50 and 90% below p90."""
    edges, counts = histogram_from_quantiles({"p50": 10, "p90": 50, "p99": 100}, cases=1000)
    assert len(edges) == len(counts) + 1 and edges[0] == 0 and edges[-1] == 100
    below = sum(c for c, right in zip(counts, edges[1:], strict=True) if right <= 10)
    assert below == pytest.approx(500)
    assert sum(counts) == pytest.approx(990)


def test_finding_messages_never_leak_hidden_agencies_or_contacts() -> None:
    """A message naming a hidden agency or contact (one not built from the reader's view, as
    build_parts builds them) is withheld whole, never patched by string replacement."""
    from pathways.report.html import pathway_page

    p = pw.load(HOSTILE)
    finding = pw.Finding(
        code="PW502",
        rule="stale-contact",
        severity=pw.Severity.WARNING,
        message="contact '17 Hidden Lane' of 'Secret Safehouse Zeta' (safehouse) is stale; "
        "so is '+855 RESTRICTED 3'",
        location=pw.Location("p.yaml", 1, 1),
    )
    parts = build_parts(p, today=TODAY, simulation=False, diagram=False)
    parts.findings = [finding]
    html = pathway_page(parts, date=TODAY, version="test")
    for secret in ("17 Hidden Lane", "Secret Safehouse Zeta", "+855 RESTRICTED 3"):
        assert secret not in html
    assert "(details withheld at this visibility)" in html


def test_time_histogram_is_drawn_as_given_or_sketched_from_quantiles() -> None:
    """A `histogram` under time_to_outcome_hours is drawn as is; without one, a sketch."""
    from pathways.report.charts import simulation_charts

    sim = {
        "cases": 10,
        "outcomes": {"closed": {"count": 10, "share": 1.0}},
        "time_to_outcome_hours": {"mean": 5, "p50": 4, "p90": 9, "p99": 12},
    }
    sketched = simulation_charts(sim, role_names={})[0]
    assert "approximated from the median" in sketched
    sim["time_to_outcome_hours"]["histogram"] = {"edges": [0, 5, 10, 15], "counts": [4, 5, 1]}
    drawn = simulation_charts(sim, role_names={})[0]
    assert "approximated" not in drawn
    rects = list(ElementTree.fromstring(drawn).iter("{http://www.w3.org/2000/svg}rect"))
    assert len(rects) == 3


def test_saturated_role_gets_a_red_banner() -> None:
    """A role whose offered load reaches its capacity is shown in a red banner (issue 13)."""
    html = pathway_report(pw.load(P1), today=TODAY, cases=500, arrivals_per_day=40, diagram=False)
    assert '<p class="danger" role="alert">Saturated: ' in html
    assert "would make it stable" in html
    calm = pathway_report(pw.load(P1), today=TODAY, cases=500, diagram=False)
    assert 'class="danger"' not in calm


def test_scenarios_side_by_side_with_differences_noise_and_escaped_labels() -> None:
    """The file's scenarios are run like the baseline and shown as a table of KPI by scenario:
    the value, the difference with its interval, "within noise" where the run cannot tell it
    from no change; a saturated scenario gets its banner; every label is escaped."""
    from tests.simulate._pathways import build, move, step

    hostile = "<script>alert(1)</script> & co"
    p = build(
        [step("s", "entry", duration="2h", label=f"Intake {hostile}"), step("done", "outcome")],
        [move("s", "done")],
        roles=[{"id": "r", "agency": "a", "title": "Worker", "capacity": 3}],
        deadlines=[{"id": "seen", "to": "s", "within": "1h"}],
        simulation={"arrivals_per_day": 12},
        scenarios=[
            {"name": "one-worker", "description": f"1 worker {hostile}",
             "set": ["roles.r.capacity=1"]},
            {"name": "renamed", "description": "a new title only",
             "set": ["roles.r.title=Caseworker"]},
        ],
    )  # fmt: skip
    parts = build_parts(p, today=TODAY, cases=2000, seed=1, diagram=False)
    assert [s["name"] for s in parts.scenarios] == ["one-worker", "renamed"]
    html = pathway_report(p, today=TODAY, cases=2000, seed=1, diagram=False)
    section = html.split('<h3 id="scenarios">', 1)[1]
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in section
    assert "<th>KPI</th><th>baseline</th><th>one-worker</th><th>renamed</th>" in section
    table = section.split("<th>KPI</th>", 1)[1].split("</tbody>", 1)[0]
    rows = {
        r.split("</td>", 1)[0].removeprefix("<tr><td>"): r
        for r in table.split("\n")
        if r.startswith("<tr>")
    }
    seen = rows["deadline seen missed"]
    cells = seen.split("<td>")[3:]
    assert "within noise" not in cells[0] and "%" in cells[0] and " to " in cells[0]
    assert "within noise" in cells[1] and "+0.0%" in cells[1]
    assert "Worker: mean wait" in rows
    assert "share ending at done" in rows
    assert 'role="alert">one-worker: Saturated: ' in section
    assert "with 1 worker &lt;script&gt;" in section  # the plain sentence, escaped
    # the changes in words with the role's label (issue 18 audit; ids stay in JSON)
    assert "Worker: capacity 1" in section and "Worker: title Caseworker" in section
    assert "roles.r.capacity=1" not in section


def test_a_scenario_that_cannot_run_is_a_note() -> None:
    from tests.simulate._pathways import build, move, step

    p = build(
        [step("s", "entry", duration="2h"), step("done", "outcome")],
        [move("s", "done")],
        scenarios=[{"name": "bad", "set": ["roles.nobody.capacity=1"]}],
    )
    html = pathway_report(p, today=TODAY, cases=200, diagram=False)
    assert '<p class="note">bad: Not simulated: ' in html and "no role &#x27;nobody&#x27;" in html


def test_scenarios_name_nothing_the_reader_may_not_see() -> None:
    """A scenario whose changes or description name a hidden agency's role is shown with those
    texts withheld; its figures come from the reader's view (a stand-in for the role)."""
    from tests.simulate._pathways import build, move, step

    p = build(
        [step("s", "entry", duration="2h"), step("z", role="zeta_worker", duration="3h"),
         step("done", "outcome")],
        [move("s", "z", consent="not-needed", reason="mandatory report"), move("z", "done")],
        agencies=[
            {"id": "a", "name": "A", "sector": "social"},
            {"id": "zeta", "name": "Zeta Safehouse", "sector": "shelter",
             "visibility": "restricted"},
        ],
        roles=[
            {"id": "r", "agency": "a", "title": "R"},
            {"id": "zeta_worker", "agency": "zeta", "title": "Zeta keeper", "capacity": 3},
        ],
        simulation={"arrivals_per_day": 6},
        scenarios=[{"name": "fewer", "description": "Zeta Safehouse with 2 keepers",
                    "set": ["roles.zeta_worker.capacity=2"]}],
    )  # fmt: skip
    html = pathway_report(p, today=TODAY, cases=600, diagram=False, visibility="partners")
    section = html.split('<h3 id="scenarios">', 1)[1].split('<h2 id="responsibility">')[0]
    assert "zeta" not in section.lower()
    assert section.count("(details withheld at this visibility)") >= 2
    assert "<th>fewer</th>" in section  # the scenario itself is still compared
    full = pathway_report(p, today=TODAY, cases=600, diagram=False, visibility="restricted")
    assert "Zeta keeper: capacity 2" in full and "Zeta Safehouse with 2 keepers" in full
