"""The HTML report opened in a real headless Chromium: no console messages, no network
requests, a visible diagram, and a hostile label shown as text.

Chromium is driven through its command line only (``--dump-dom``, ``--screenshot``,
``--enable-logging=stderr`` and ``--log-net-log``), so no Python browser driver is needed.
Each check first proves on a control page that it would catch the fault it looks for.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from pathways.report import write_report
from tests.conftest import require

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "data" / "report-hostile.yaml"
P1 = ROOT / "pathways" / "kh" / "csa-in-person.yaml"
HOSTILE_TEXT = '<script>alert(1)</script> & "quotes"'
TODAY = dt.date(2026, 11, 28)


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM = _chromium()


@pytest.fixture(autouse=True)
def _chromium_installed() -> None:
    require(CHROMIUM, "headless Chromium", "run `make test-deps` or apt-get install -y chromium")


def run_chromium(url: str, tmp: Path, *extra: str) -> tuple[str, str, list[str]]:
    """Open ``url`` headless; return (stdout, stderr, URLs the page itself requested)."""
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    netlog = profile.with_suffix(".netlog.json")
    cmd = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        f"--log-net-log={netlog}",
        *extra,
        url,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, proc.stderr, page_requests(netlog)


def page_requests(netlog: Path) -> list[str]:
    """URLs of network jobs the page started (the browser's own update pings excluded).

    Chromium's background jobs carry ``initiator: "not an origin"``; jobs started by a page
    carry the page's origin (``null`` for a file:// page).
    """
    data = json.loads(netlog.read_text(encoding="utf-8"))
    start_job = data["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in data.get("events", []):
        params = event.get("params") or {}
        if event.get("type") != start_job or "url" not in params:
            continue
        if params.get("initiator") == "not an origin":
            continue
        if not str(params["url"]).startswith(("file:", "data:")):
            urls.append(str(params["url"]))
    return urls


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


class _Dom(HTMLParser):
    """Collects text, start tags, and whether an <svg> sits inside div.diagram."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.depth_in_diagram = 0
        self.diagram_svg = False
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if self.depth_in_diagram:
            self.depth_in_diagram += 1
            if tag == "svg":
                self.diagram_svg = True
        elif tag == "div" and "diagram" in (a.get("class") or "").split():
            self.depth_in_diagram = 1
        if tag in ("style", "title"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth_in_diagram:
            self.depth_in_diagram -= 1
        if tag in ("style", "title") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def parse_dom(html: str) -> _Dom:
    dom = _Dom()
    dom.feed(html)
    return dom


def read_png(path: Path) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA, non-interlaced PNG (zlib + struct) into a list of RGB pixels.

    None/Sub/Up rows are undone with numpy; Average and Paeth rows byte by byte.
    """
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, "unsupported PNG"
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = width * channels
    image = np.zeros((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        start = y * (stride + 1)
        ftype = raw[start]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=start + 1).copy()
        if ftype == 1:
            line = (
                (line.reshape(-1, channels).astype(np.int64).cumsum(axis=0) % 256)
                .astype(np.uint8)
                .reshape(-1)
            )
        elif ftype == 2:
            line = line + prev  # uint8 arithmetic wraps modulo 256
        elif ftype in (3, 4):
            cur, up = line.tolist(), prev.tolist()
            for i in range(stride):
                left = cur[i - channels] if i >= channels else 0
                if ftype == 3:
                    cur[i] = (cur[i] + (left + up[i]) // 2) & 0xFF
                    continue
                upleft = up[i - channels] if i >= channels else 0
                p = left + up[i] - upleft
                pa, pb, pc = abs(p - left), abs(p - up[i]), abs(p - upleft)
                pred = left if pa <= pb and pa <= pc else (up[i] if pb <= pc else upleft)
                cur[i] = (cur[i] + pred) & 0xFF
            line = np.array(cur, dtype=np.uint8)
        image[y] = line
        prev = line
    rgb = image.reshape(height, width, channels)[:, :, :3].reshape(-1, 3)
    return width, height, [bytes(px) for px in rgb[:: max(1, len(rgb) // 400_000)]]


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    write_report([HOSTILE, P1], out, today=TODAY, cases=500, seed=1)
    return out


@pytest.fixture(scope="module")
def browser_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("chromium")


def test_control_page_shows_that_the_checks_work(browser_tmp: Path) -> None:
    """A page with a script error and an external image is caught by both checks."""
    page = browser_tmp / "control.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en"><body><img src="http://127.0.0.1:9/x.png">'
        '<script>console.error("control")</script></body></html>',
        encoding="utf-8",
    )
    _, stderr, requests = run_chromium(page.as_uri(), browser_tmp, "--dump-dom")
    assert any("control" in line for line in console_lines(stderr))
    assert "http://127.0.0.1:9/x.png" in requests


@pytest.mark.parametrize("page", ["index.html", "report-hostile.html", "kh-csa-in-person.html"])
def test_no_console_messages_and_no_network_requests(
    report_dir: Path, browser_tmp: Path, page: str
) -> None:
    """Opening a page logs nothing to the console and starts no network request."""
    dom, stderr, requests = run_chromium((report_dir / page).as_uri(), browser_tmp, "--dump-dom")
    assert console_lines(stderr) == []
    assert requests == []
    assert "<html" in dom


@pytest.mark.parametrize("page", ["index.html", "report-hostile.html", "kh-csa-in-person.html"])
def test_page_references_no_external_resources(report_dir: Path, page: str) -> None:
    """No src/href of a resource-loading element points anywhere but into the page."""
    dom = parse_dom((report_dir / page).read_text(encoding="utf-8"))
    resource_attrs = {
        "link": "href", "script": "src", "img": "src", "iframe": "src", "embed": "src",
        "source": "src", "audio": "src", "video": "src", "object": "data", "image": "href",
        "use": "href", "track": "src", "input": "src",
    }  # fmt: skip
    for tag, attrs in dom.tags:
        attr = resource_attrs.get(tag)
        if attr is not None:
            value = attrs.get(attr) or attrs.get("xlink:href") or ""
            assert not value or value.startswith(("#", "data:")), (tag, value)
    assert not [t for t, _ in dom.tags if t in ("iframe", "object", "embed", "link")]
    scripts = [a for t, a in dom.tags if t == "script"]  # the trace panel's, inline
    assert scripts in ([], [{"type": "application/json", "id": "trace-data"}, {}])


def test_hostile_label_is_shown_as_text(report_dir: Path, browser_tmp: Path) -> None:
    """The label `<script>alert(1)</script> & "quotes"` is text in the DOM; no script runs."""
    dom_html, stderr, _ = run_chromium(
        (report_dir / "report-hostile.html").as_uri(), browser_tmp, "--dump-dom"
    )
    dom = parse_dom(dom_html)
    text = "".join(dom.text)
    assert HOSTILE_TEXT in text
    # The only scripts are the trace panel's (its JSON holds the label with `<` escaped).
    assert [a for t, a in dom.tags if t == "script"] == [
        {"type": "application/json", "id": "trace-data"},
        {},
    ]
    assert [t for t, _ in dom.tags if t in ("b", "i", "u", "img")] == []
    assert not any("alert" in line for line in console_lines(stderr))
    links = [a.get("href") or "" for t, a in dom.tags if t == "a"]
    assert not [h for h in links if h.lower().startswith("javascript:")]


def test_diagram_is_visible(report_dir: Path, browser_tmp: Path) -> None:
    """The diagram's <svg> is in the DOM and the screenshot shows a varied picture."""
    require(shutil.which("dot"), "Graphviz 'dot' (the report holds no diagram)", "run `make setup`")
    page = (report_dir / "report-hostile.html").as_uri()
    dom_html, _, _ = run_chromium(page, browser_tmp, "--dump-dom")
    assert parse_dom(dom_html).diagram_svg
    shot = browser_tmp / "report-hostile.png"
    run_chromium(page, browser_tmp, f"--screenshot={shot}", "--window-size=1000,1200")
    width, height, pixels = read_png(shot)
    assert (width, height) == (1000, 1200)
    colours = set(pixels)
    non_white = sum(1 for p in pixels if p != b"\xff\xff\xff") / len(pixels)
    assert len(colours) > 50, f"only {len(colours)} colours: a blank page?"
    assert non_white > 0.03


def test_screenshot_of_the_bundled_pathway(report_dir: Path, browser_tmp: Path) -> None:
    """A screenshot of P1's page is saved for people to look at (and is not blank)."""
    shot = browser_tmp / "kh-csa-in-person.png"
    run_chromium(
        (report_dir / "kh-csa-in-person.html").as_uri(),
        browser_tmp,
        f"--screenshot={shot}",
        "--window-size=1000,2000",
    )
    width, _, pixels = read_png(shot)
    assert width == 1000
    assert len(set(pixels[::50])) > 20


def test_printed_report_shows_the_whole_diagram(report_dir: Path, browser_tmp: Path) -> None:
    """Issue 18: the report had no print styles, so printing cut the diagram to its scroll box.
    Printed by Chromium, the print styles apply (the print-only note, hidden on screen, is
    printed; it names the command for legible sheets), the print rules free the diagram from its
    scroll box and keep rows whole, and every step label is printed."""
    from pathways.report.html import CSS

    print_css = " ".join(CSS.split("@media print", 1)[1].split())
    assert ".diagram { overflow: visible; max-height: none;" in print_css
    assert "tr, th, td" in print_css and "break-inside: avoid" in print_css
    require(shutil.which("dot"), "Graphviz 'dot' (the report holds no diagram)", "run `make setup`")
    from pypdf import PdfReader

    import pathways

    pdf = browser_tmp / "p1-print.pdf"
    run_chromium(
        (report_dir / "kh-csa-in-person.html").as_uri(),
        browser_tmp,
        f"--print-to-pdf={pdf}",
        "--no-pdf-header-footer",
    )
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    words = set(" ".join(text.split()).split(" "))
    assert "pathways render kh-csa-in-person.yaml -o kh-csa-in-person.pdf" in " ".join(text.split())
    p = pathways.load(P1)
    for step in p.steps:
        first = p.label(step.id, "en").split()[0]
        assert first in words, f"{step.id}: {first!r} not printed"


def lit_in_dom(dom_html: str) -> tuple[list[str], set[str], set[str]]:
    """(steps listed by the panel, step ids lit on the diagram, step ids greyed on it)."""
    import re

    listed = re.findall(r'<li data-step="([^"]+)"', dom_html)
    return (listed, *lit_on_diagram(dom_html, "node"))


def lit_edges_in_dom(dom_html: str) -> tuple[set[str], set[str]]:
    """(edges lit, edges greyed) of the diagram, each as its title "from->to"."""
    return lit_on_diagram(dom_html, "edge")


def lit_on_diagram(dom_html: str, kind: str) -> tuple[set[str], set[str]]:
    """(titles lit, titles greyed) of the diagram's ``kind`` elements (``node`` or ``edge``)."""
    import re
    from html import unescape

    on: set[str] = set()
    off: set[str] = set()
    for cls, title in re.findall(
        rf'<g id="[^"]*" class="{kind} ([^"]*)">\s*<title>([^<]*)</title>', dom_html
    ):
        if "trace-on" in cls.split():
            on.add(unescape(title))
        elif "trace-off" in cls.split():
            off.add(unescape(title))
    return on, off


@pytest.mark.parametrize(
    "facts",
    [
        {"risk": "low", "hours_since_incident": 100},
        {"risk": "high"},
        {},
    ],
    ids=["low-late", "high-time-unknown", "nothing-known"],
)
def test_trace_panel_lights_what_pathways_trace_prints(
    report_dir: Path, browser_tmp: Path, facts: dict[str, object]
) -> None:
    """Issue 18: picking values in the report's panel (preselected through the page address)
    lights exactly the steps `pathways trace` prints, in the same order, and greys the rest;
    the panel's one script logs nothing and fetches nothing."""
    require(shutil.which("dot"), "Graphviz 'dot' (the report holds no diagram)", "run `make setup`")
    from urllib.parse import quote

    import pathways
    from pathways.trace import trace

    query = "&".join(f"{k}={quote(str(v))}" for k, v in facts.items())
    url = (report_dir / "kh-csa-in-person.html").as_uri() + f"#trace?{query}"
    dom_html, stderr, requests = run_chromium(url, browser_tmp, "--dump-dom")
    assert console_lines(stderr) == [] and requests == []
    p = pathways.load(P1)
    expected = list(trace(p, facts).steps)
    listed, on, off = lit_in_dom(dom_html)
    assert listed == expected
    assert on == set(expected)
    assert off == {s.id for s in p.steps} - set(expected)
    assert f"{len(expected)} of {len(p.steps)} steps can be reached." in dom_html
    # The routes, not only the steps: the edges lit are the transitions (and the declined
    # referrals' fallbacks) that `pathways trace` opens (issue 18 audit: only steps were
    # compared).
    traced = trace(p, facts)
    pairs = {f"{t.source}->{t.to}" for i, t in enumerate(p.transitions) if i in traced.transitions}
    pairs |= {
        f"{t.source}->{t.on_reject}" for i, t in enumerate(p.transitions) if i in traced.fallbacks
    }
    edges_on, edges_off = lit_edges_in_dom(dom_html)
    every = {f"{t.source}->{t.to}" for t in p.transitions}
    every |= {f"{t.source}->{t.on_reject}" for t in p.transitions if t.on_reject}
    assert edges_on == pairs
    assert edges_off == every - pairs


def test_page_without_script_shows_everything_else(report_dir: Path, browser_tmp: Path) -> None:
    """Without its script the page keeps everything else: every section, the diagram, no step
    greyed, the panel's form hidden and a note naming the command. (Headless Chromium cannot
    run with scripting off: its DOM dump and printing stop working; so the page is opened with
    the panel's script element removed, as a browser that runs no script would read it.)"""
    import re

    page = (report_dir / "kh-csa-in-person.html").read_text(encoding="utf-8")
    code = re.compile(r"<script>.*?</script>", flags=re.S)
    assert len(code.findall(page)) == 1
    bare = browser_tmp / "no-script.html"
    bare.write_text(code.sub("", page), encoding="utf-8")
    dom_html, stderr, requests = run_chromium(
        bare.as_uri() + "#trace?risk=high", browser_tmp, "--dump-dom"
    )
    assert console_lines(stderr) == [] and requests == []
    assert lit_in_dom(dom_html) == ([], set(), set())
    assert '<form id="trace-form" hidden="">' in dom_html
    noscript = re.search(r"<noscript>(.*?)</noscript>", page, flags=re.S)
    assert noscript is not None
    assert "needs JavaScript, which is off" in noscript.group(1)
    command = "pathways trace kh-csa-in-person.yaml hours_since_incident=... risk=..."
    assert command in noscript.group(1)
    for section in ("findings", "routes", "simulation", "responsibility", "contacts", "sources"):
        assert f'id="{section}"' in dom_html, section
    assert parse_dom(dom_html).diagram_svg


OBJECT_NAMES = ROOT / "tests" / "data" / "report-object-names.yaml"


@pytest.mark.parametrize(
    "facts",
    [{"constructor": "yes", "__proto__": "true"}, {"constructor": "no"}, {}],
    ids=["yes-true", "no", "nothing-known"],
)
def test_trace_panel_with_ids_named_like_object_properties(
    tmp_path: Path, browser_tmp: Path, facts: dict[str, str]
) -> None:
    """Steps called toString, __proto__ or constructor, and fields called constructor or
    __proto__: the panel looked them up on plain objects (inherited properties), so it
    listed none of them ("0 of 4 steps") and dropped such facts; now it lists what
    `pathways trace` prints."""
    import pathways
    from pathways.trace import trace

    write_report([OBJECT_NAMES], tmp_path, simulation=False)
    query = "&".join(f"{k}={v}" for k, v in facts.items())
    url = (tmp_path / "object-names.html").as_uri() + f"#trace?{query}"
    dom_html, stderr, _ = run_chromium(url, browser_tmp, "--dump-dom")
    assert console_lines(stderr) == []
    p = pathways.load(OBJECT_NAMES)
    typed = {k: (v == "true" if k == "__proto__" else v) for k, v in facts.items()}
    assert lit_in_dom(dom_html)[0] == list(trace(p, typed).steps)
