"""The documentation as a new user meets it: what README.md and docs/*.md show stays true.

Other tests hold particular pages (test_tutorial, test_cli_docs, test_examples, the doctests
of docs/*.md); these hold whole classes of content on every page: links to anchors of the
generated pages, the commands and options the pages write, the Python names they mention, the
Python blocks that are not doctests, console blocks that show a command's output, the public
API and SPEC section 6 being documented; and a few figures a page states: the bundled
pathways' counts, the BPMN import goal as the last bench run has it, the What-if overrides.
(`mkdocs build --strict`, in `make test`, fails on a link to a missing page or anchor.)
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from pathways.docgen import format_reference

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _slug(heading: str) -> str:
    """The anchor mkdocs' toc extension gives a heading (its default slugify)."""
    text = re.sub(r"[^\w\s-]", "", heading).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def test_format_reference_links_only_to_its_own_headings() -> None:
    """Every `[Type](#type)` of the generated format reference has its section (a link to
    `#duration` once pointed at nothing: the Duration section was left out)."""
    page = format_reference()
    anchors = {_slug(h) for h in re.findall(r"^#+ (.+)$", page, re.M)}
    links = set(re.findall(r"\]\(#([^)]+)\)", page))
    assert links and links <= anchors, sorted(links - anchors)


def _pages() -> list[Path]:
    """README.md and the pages of docs/ a reader follows; the changelog tells history (it names
    commands and options as they were), so it is left out."""
    pages = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
    return [p for p in pages if p.name not in ("changelog.md", "cli.md")]


def _commands(text: str) -> list[tuple[int, str]]:
    """`pathways ...` command lines of a page: in shell and console blocks (a `$ ` prompt,
    `.venv/bin/` and `python -m ` taken off, continued lines joined) and in inline code."""
    found: list[tuple[int, str]] = []
    for block in re.finditer(r"^```(sh|console|bash|text)?\n(.*?)^```", text, re.S | re.M):
        first = text[: block.start()].count("\n") + 2
        lines = block.group(2).split("\n")
        i = 0
        while i < len(lines):
            line, at = lines[i], first + i
            while line.endswith("\\") and i + 1 < len(lines):
                i += 1
                line = line[:-1] + " " + lines[i]
            line = re.sub(r"^\s*(\$ )?(PATHWAYS_LANG=\w+ )?(\.venv/bin/|python -m )?", "", line)
            if line.startswith("pathways "):
                found.append((at, line))
            i += 1
    for code in re.finditer(r"`(?:\.venv/bin/)?(pathways [a-z][^`]*)`", text):
        found.append((text[: code.start()].count("\n") + 1, code.group(1)))
    return found


def test_every_command_and_option_the_docs_write_exists() -> None:
    """Each `pathways COMMAND --option` a page shows names a real command and real options of
    it (docs/bpmn.md once told readers to run `pathways check`, a command that does not
    exist). `pathways COMMAND --help` lists the options; docs/cli.md is generated from them."""
    import typer

    from pathways.cli import app

    commands = getattr(typer.main.get_command(app), "commands", {})
    wrong = []
    seen = 0
    for page in _pages():
        for line, command in _commands(page.read_text(encoding="utf-8")):
            words = command.split(" #", 1)[0].split()
            if words[1].startswith("-"):
                if words[1] not in ("--help", "--version"):
                    wrong.append(f"{page.name}:{line}: {command}")
                continue
            if words[1] not in commands:
                wrong.append(f"{page.name}:{line}: {command} (no command {words[1]!r})")
                continue
            seen += 1
            params = commands[words[1]].params
            options = {o for p in params for o in (*p.opts, *p.secondary_opts)} | {"--help"}
            for word in words[2:]:
                for option in word.strip("[]").split("=", 1)[0].split("/"):
                    if re.match(r"^--?[a-zA-Z]", option) and option not in options:
                        wrong.append(f"{page.name}:{line}: {command} (no option {option})")
    assert seen > 50 and not wrong, "\n".join(wrong)


def _console_runs() -> list[tuple[str, str, str]]:
    """(where, command, output shown) for each `$ pathways ...` line of a console block that
    shows its output below it (up to the next `$ `); a last line `...` means "and more"."""
    runs = []
    for page in _pages():
        text = page.read_text(encoding="utf-8")
        for block in re.finditer(r"^```console\n(.*?)^```", text, re.S | re.M):
            first = text[: block.start()].count("\n") + 2
            parts = re.split(r"^\$ ", block.group(1), flags=re.M)
            at = first + parts[0].count("\n")
            for part in parts[1:]:
                command, _, output = part.partition("\n")
                if output.strip() and re.match(r"^(PATHWAYS_LANG=\w+ )?pathways ", command):
                    runs.append((f"{page.name}:{at}", command, output))
                at += part.count("\n")
    return runs


CONSOLE_RUNS = _console_runs()


@pytest.mark.parametrize(
    ("where", "command", "shown"), CONSOLE_RUNS, ids=[r[0] for r in CONSOLE_RUNS]
)
def test_console_blocks_print_what_they_show(
    where: str, command: str, shown: str, tmp_path: Path
) -> None:
    """A command a console block shows with its output prints that output (stdout and stderr;
    run beside a link to the bundled pathways). docs/languages.md's once drifted from the
    `--lang` error and the Khmer usage line."""
    env = dict(os.environ)
    if command.startswith("PATHWAYS_LANG="):
        setting, command = command.split(" ", 1)
        env["PATHWAYS_LANG"] = setting.split("=", 1)[1]
    env.pop("COLUMNS", None)
    (tmp_path / "pathways").symlink_to(ROOT / "pathways")
    (tmp_path / "out").mkdir()  # the folder the pages draw into, as `make run` leaves it
    argv = [sys.executable, "-m", "pathways", *shlex.split(command)[1:]]
    proc = subprocess.run(
        argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    printed = (proc.stdout + proc.stderr).rstrip("\n")
    expected = shown.rstrip("\n")
    if expected.endswith("\n...") or expected == "...":
        expected = expected[:-3].rstrip("\n")
        assert printed.startswith(expected), (where, printed)
    else:
        assert printed == expected, (where, printed)


def _blocks(language: str) -> list[tuple[str, str]]:
    """(where, text) of each fenced block of `language` on the pages."""
    found = []
    for page in _pages():
        text = page.read_text(encoding="utf-8")
        for block in re.finditer(rf"^```{language}\n(.*?)^```", text, re.S | re.M):
            found.append(
                (f"{page.name}:{text[: block.start()].count(chr(10)) + 1}", block.group(1))
            )
    return found


def test_python_blocks_that_are_not_doctests_compile() -> None:
    """The Python blocks without `>>>` are not run by the doctests (`--doctest-glob=*.md` runs
    only `>>>` lines); each is at least valid Python."""
    blocks = [(where, code) for where, code in _blocks("python") if ">>>" not in code]
    assert blocks
    for where, code in blocks:
        compile(code, where, "exec")


def test_excerpts_match_the_file_they_name() -> None:
    """A block that opens with `# PATH` of a file in the repository shows that file's lines,
    in order, some perhaps left out (docs/plugins.md's plugin rule had a line of its own)."""
    checked = 0
    for language in ("python", "toml", "yaml"):
        for where, code in _blocks(language):
            first, _, rest = code.partition("\n")
            path = ROOT / first.removeprefix("# ").strip()
            if not first.startswith("# ") or not path.is_file():
                continue
            checked += 1
            lines = iter(path.read_text(encoding="utf-8").splitlines())
            for line in rest.rstrip("\n").splitlines():
                assert any(line == other for other in lines), (where, line)
    assert checked >= 2


def test_dotted_names_the_pages_mention_resolve() -> None:
    """Every `pathways.x.y` (or `pw.x.y`) a page names is a module or an attribute (a field of
    a model counts); file names such as `pathways.schema.json` are not names."""
    import importlib

    def resolves(dotted: str) -> bool:
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                obj: object = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            for name in parts[cut:]:
                fields = getattr(obj, "model_fields", {})
                if not hasattr(obj, name):
                    return name in fields
                obj = getattr(obj, name)
            return True
        return False

    wrong = []
    for page in _pages():
        text = page.read_text(encoding="utf-8")
        for found in re.finditer(r"(?<![\w/.-])(?:pathways|pw)(?:\.[A-Za-z_]\w*)+", text):
            name = re.sub(r"^pw\.", "pathways.", found.group(0))
            if re.search(r"\.(ya?ml|json|md|py|svg|html|bpmn|mo|po)$", name):
                continue
            if not resolves(name):
                wrong.append(f"{page.name}:{text[: found.start()].count(chr(10)) + 1}: {name}")
    assert not wrong, "\n".join(wrong)


def test_readme_python_runs(tmp_path: Path) -> None:
    """README's Python block runs as written, from a checkout's root (here: beside a link to
    the bundled pathways)."""
    ((where, code),) = [b for b in _blocks("python") if b[0].startswith("README.md")]
    (tmp_path / "pathways").symlink_to(ROOT / "pathways")
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, (where, proc.stderr)
    assert (tmp_path / "p1.svg").stat().st_size > 0


def _all_docs() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md")))


def test_every_public_name_is_documented() -> None:
    """Each name of `pathways.__all__` appears in docs/ (`Location` once did not: a finding's
    place had no page)."""
    import pathways

    docs = _all_docs()
    missing = [n for n in pathways.__all__ if not re.search(rf"`(pw\.|pathways\.)?{n}\b", docs)]
    assert not missing, missing


# SPEC section 6 (the Python API the contract names), as the docs must show it to be used.
SPEC_API = {
    "load": r"(pw|pathways)\.load\(",
    "check": r"(pw|pathways)\.check\(",
    "simulate": r"(pw|pathways)\.simulate\(",
    "render": r"(pw|pathways)\.render\(",
    "Engine": r"(pw|pathways)\.Engine\(",
    "Actor": r"(pw|pathways)\.Actor\(",
    "LoadError": r"(pw|pathways)\.LoadError\b.*\n?.*\.findings",
    "TransitionNotAllowed": r"(pw|pathways)\.TransitionNotAllowed\b",
    "NotAuthorized": r"(pw|pathways)\.NotAuthorized\b",
    "engine.open": r"engine\.open\(",
    "case.fire": r"case\.fire\(",
    "case.step": r"case\.step\b",
    "case.history": r"case\.history\b",
    "case.overdue": r"\.overdue\(",
    "case.to_dict": r"case\.to_dict\(\)",
    "engine.restore": r"engine\.restore\(",
    "case.accept": r"case\.accept\(",
    "case.decline": r"case\.decline\(",
    "result.to_dict": r"to_dict\(\)",
    "history fields": r"`seq`, `event`, `source`, `target`.*\n.*`actor`, `role`, `at`, `note`",
    "history hash": r"`hash`",
    "graph": r"p\.graph\(\)",
}


@pytest.mark.parametrize("name", sorted(SPEC_API))
def test_spec_python_api_is_documented(name: str) -> None:
    """Every name of SPEC section 6 is shown in docs/ as it is used."""
    assert re.search(SPEC_API[name], _all_docs()), name


def test_bpmn_import_goal_is_stated_as_the_last_bench_run_has_it() -> None:
    """The BPMN import goal (within 2x of `lxml.etree.parse`) is said to be met or not met as
    the last `bench_bpmn_import.py` run (bench/results/bpmn_import.md) has it for the 5,000-task
    model, with that run's ratios: in docs/bpmn.md's "Speed" and at the head of
    docs/performance.md's "BPMN import" (neither once said where it stands)."""
    results = (ROOT / "bench" / "results" / "bpmn_import.md").read_text(encoding="utf-8")
    header = next(line for line in results.splitlines() if line.startswith("| file |"))
    row = next(line for line in results.splitlines() if line.startswith("| generated, 5,000"))
    cells = dict(zip(header.split("|"), row.split("|"), strict=True))
    ratios = [
        cells[f" {name} / lxml.etree.parse "].strip() for name in ("import_bpmn", "loads_bpmn")
    ]
    met = all(float(r.rstrip("x")) <= 2 for r in ratios)
    bpmn = (DOCS / "bpmn.md").read_text(encoding="utf-8")
    performance = (DOCS / "performance.md").read_text(encoding="utf-8")
    for page, heading in ((bpmn, "### Speed\n"), (performance, "## BPMN import (issue 14)\n")):
        text = page.split(heading, 1)[1].strip().split("\n\n", 1)[0]  # its first paragraph
        assert ("not met" in text) != met and all(r in text for r in ratios), (ratios, text)


def test_library_counts_are_the_bundled_files() -> None:
    """docs/library.md's table of steps, agencies, roles, transitions, entry steps and deadlines
    per bundled pathway is what the files hold (three rows had drifted as P1, P2 and P7 grew)."""
    import pathways as pw

    page = (DOCS / "library.md").read_text(encoding="utf-8")
    files = sorted((ROOT / "pathways" / "kh").glob("*.yaml"))
    assert files
    for path in files:
        p = pw.load(path)
        entries = sum(step.kind == "entry" for step in p.steps)
        deadlines = ", ".join(f"`{d.id}`" for d in p.deadlines)
        row = (
            f"| `{p.id}` | {len(p.steps)} | {len(p.agencies)} | {len(p.roles)} "
            f"| {len(p.transitions)} | {entries} | {deadlines} |"
        )
        assert row in page.splitlines(), row


WHAT_IF = """\
format: pathways/1
id: what-if
agencies:
  - {id: a, name: A, sector: social, contacts: [{channel: phone, value: "1", hours: "24/7"}]}
roles: [{id: social_worker, agency: a, title: S}]
case_fields: {risk: {type: enum, values: [low, high]}}
steps:
  - {id: intake, kind: entry, role: social_worker, tags: [consent], duration: 1h}
  - {id: consent, role: social_worker, duration: 1h}
  - {id: assess, kind: decision, role: social_worker, duration: 1h}
  - {id: interview, role: social_worker, tags: [interview], duration: 1h}
  - {id: s1, role: social_worker, duration: 1h}
  - {id: s2, role: social_worker, duration: 1h}
  - {id: s3, kind: decision, role: social_worker, duration: 1h}
  - {id: closed, kind: outcome}
transitions:
  - {from: intake, to: consent}
  - {from: consent, to: assess}
  - {from: assess, to: interview, probability: 0.5}
  - {from: assess, to: closed, probability: 0.5}
  - {from: interview, to: s1}
  - {from: s1, to: s2}
  - {from: s2, to: s3}
  - {from: s3, to: closed, probability: 0.5}
  - {from: s3, to: interview, probability: 0.5}
"""


def test_what_if_overrides_of_simulation_md_apply() -> None:
    """Each `--set` line of docs/simulation.md's What-if block is taken by the override parser
    and applies to a pathway that has the ids it names."""
    import pathways as pw
    from pathways.load.overrides import apply_overrides

    page = (DOCS / "simulation.md").read_text(encoding="utf-8")
    section = page.split("## What-if\n", 1)[1]
    block = re.search(r"```console\n(.*?)```", section, re.S)
    assert block
    lines = [shlex.split(line, comments=True) for line in block.group(1).splitlines()]
    assert len(lines) >= 8
    p = pw.loads(WHAT_IF, file="what-if.yaml")
    for words in lines:
        assert words[0] == "--set" and len(words) == 2, words
        apply_overrides(p, [words[1]])
