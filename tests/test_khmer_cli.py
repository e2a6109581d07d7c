"""Issue 18: the command line's own words in Khmer. Usage errors and ``--help`` were English
because typer and click write them before a command reads its ``--lang``; now
:func:`pathways.cli.main` reads the language first (``--lang``, ``--lang=``, ``PATHWAYS_LANG``).

Every check runs the real command line and holds the same rule as ``test_khmer_outputs``: an
ASCII word in the Khmer output must be typed by the reader (the arguments, option names, the
example command lines), be a value to type or a name of a format or program, or a number; the
English run is the control.
"""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

import pytest
import yaml

from pathways.cli import main
from pathways.cli.new import starter
from pathways.messages import _NESTED, USAGE, USAGE_PARTS, _compile
from tests.test_khmer_outputs import ALLOWED, _words

P1 = "pathways/kh/csa-in-person.yaml"
COMMANDS = [
    "", "audit", "diff", "export", "import", "migrate", "new", "render", "report", "routes",
    "rules", "schema", "simulate", "trace", "validate", "watch",
]  # fmt: skip

# ASCII a Khmer help page may hold: values to type (formats, levels, sheet sizes, layouts,
# sectors of the examples), names of formats, programs and standards, and the bits of the
# git and Dask addresses and of the audit line's JSON keys.
HELP_ALLOWED = {
    *["text", "json", "sarif", "github", "public", "partners", "restricted", "all", "set"],
    *["LR", "TB", "A", "none", "landscape", "portrait", "dot", "layered", "auto", "km", "en"],
    *["hotline", "police", "social", "ngo", "field", "value", "case_fields"],
    *["BPMN", "XML", "JSON", "HTML", "PDF", "SARIF", "GitHub", "URL", "CI", "Schema", "DSN"],
    *["Graphviz", "Dask", "Poisson", "SQLite", "PostgreSQL", "Camunda", "Modeler", "Signavio"],
    *["Bizagi", "bpmn", "io", "git", "REV", "PATH", "VALUE", "HEAD", "v", "tcp", "host", "port"],
    "STORE",  # migrate's argument, as a usage error names it (like PATH)
    *["hex", "hash", "stderr", "pt", "pw", "label", "xml", "lang", "index", "html", "site"],
    *["make", "docs", "Case", "to_dict", "OLD_ID", "NEW_ID", "ID", "ROLE", "ISO", "N"],
    *["case", "entries", "verified", "problem", "true", "false", "YYYY", "MM", "DD", "a", "z"],
    *["roles", "social_worker", "capacity", "scenarios", "format"],
    *["PATHWAYS", "LANG", "OLD", "NEW", "migration", "administrator", "out"],
    *["Ctrl", "C"],  # watch: stop with Ctrl+C
    *COMMANDS,  # command names to type
}


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _typed(text: str) -> str:
    """The text without what a reader types: example command lines, option names, paths."""
    lines = [line for line in text.splitlines() if not line.strip().startswith("pathways ")]
    text = "\n".join(lines)
    text = re.sub(r"(?<![\w])--?[A-Za-z][\w-]*", " ", text)  # option names
    return re.sub(r"\S*[./]\S*", " ", text)  # file names, suffixes, paths, addresses


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c or "pathways")
def test_help_in_khmer(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`pathways COMMAND --help --lang km`: the help page, its headings, option texts, value
    names and defaults are Khmer."""
    args = [command] if command else []
    code, km = _run([*args, "--help", "--lang", "km"], capsys)
    assert code == 0
    _, en = _run([*args, "--help"], capsys)
    leaks = _words(_typed(km)) - ALLOWED - HELP_ALLOWED
    assert leaks == set(), km
    assert {"Usage", "Options", "Show", "message"} <= _words(en)  # the control
    # Help that assumed a programmer (issue 18): typer's {paths}..., <list[Path]>, <int range>
    assert re.findall(r"\{\w+\}|<\w+(?: range)?>|list\[", en + km) == [], en
    assert "របៀបប្រើ៖" in km and "ជម្រើស" in km


def test_help_language_from_the_environment_and_equals_form(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, km = _run(["validate", "--help", "--lang=km"], capsys)
    assert "របៀបប្រើ៖" in km
    monkeypatch.setenv("PATHWAYS_LANG", "km")
    _, env = _run(["validate", "--help"], capsys)
    assert env == km
    _, en = _run(["validate", "--help", "--lang", "en"], capsys)  # --lang wins
    assert "Usage:" in en
    # PATHWAYS_LANG is also the default --lang of the commands
    _, out = _run(["routes", P1], capsys)
    assert "shortest" not in out and re.search("[\u1780-\u17ff]", out)


def _usage_cases(tmp: Path) -> list[list[str]]:
    """Command lines with one usage mistake each: every template of USAGE and USAGE_PARTS is
    made by at least one of them (checked below)."""
    empty = tmp / "empty"
    empty.mkdir()
    fifo = tmp / "fifo.yaml"
    os.mkfifo(fifo)
    a_file = tmp / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    svg = str(tmp / "x.svg")
    not_json, not_utf8, deep = tmp / "a.json", tmp / "b.json", tmp / "c.json"
    not_json.write_text("nope", encoding="utf-8")
    not_utf8.write_bytes(b"\xff\xfe")
    deep.write_text("[" * 70 + "]" * 70, encoding="utf-8")
    loop = tmp / "loop.yaml"
    os.symlink(loop, loop)
    empty_store, other_db = tmp / "empty.sqlite", tmp / "other.sqlite"
    empty_store.touch()
    with sqlite3.connect(other_db) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    db.close()
    return [
        ["nope"],
        ["validate", "--ignor", P1],
        ["validate", "--zzz-nothing", P1],
        ["validate"],
        ["render", P1],
        ["validate", P1, "--max-per-rule"],
        ["simulate", P1, "--quiet=1"],
        ["rules", "PW001", "extra"],
        ["validate", P1, "--max-per-rule", "abc"],
        ["validate", P1, "--max-per-rule", "-1"],
        ["simulate", P1, "--arrivals-per-day", "z"],
        ["validate", P1, "--visibility", "secret"],
        ["validate", P1, "--format", "xml"],
        ["validate", P1, "--today", "2020"],
        ["validate", "no-such-file.yaml"],
        ["validate", str(fifo)],
        ["render", P1, "-o", "x.foo"],
        ["render", P1, "-o", svg, "--direction", "XY"],
        ["render", P1, "-o", svg, "--page", "A5"],
        ["render", P1, "-o", svg, "--orientation", "round"],
        ["render", str(empty), "-o", svg],
        ["render", P1, "-o", svg, "--simulation", str(empty)],
        ["render", P1, "-o", svg, "--simulation", str(not_json)],
        ["render", P1, "-o", svg, "--simulation", str(not_utf8)],
        ["render", P1, "-o", svg, "--simulation", str(deep)],
        ["import", str(empty)],
        ["diff", P1, P1, "--rename", "x"],
        ["migrate", "s.sqlite", "--from", P1, "--to", P1, "--actor", "nobody"],
        ["migrate", "s.sqlite", "--from", P1, "--to", P1, "--at", "noon"],
        ["migrate", P1, "--from", P1, "--to", P1],
        ["migrate", str(empty_store), "--from", P1, "--to", P1],
        ["migrate", str(other_db), "--from", P1, "--to", P1],
        ["report", P1, "-o", str(tmp / "r"), "--cases", "0"],
        ["report", P1, "-o", str(tmp / "r"), "--arrivals-per-day", "0"],
        ["report", str(empty), "-o", str(tmp / "r")],
        ["report", P1, "-o", str(a_file)],
        ["new", str(empty), "--force", "--no-input"],
        ["new", str(fifo), "--force", "--no-input"],
        ["new", str(tmp / "missing" / "x.yaml"), "--no-input"],
        ["new", str(tmp / ("x" * 300)), "--no-input"],
        ["new", str(loop), "--no-input"],
        ["watch", P1, "-o", "x.foo"],
        ["watch", "no-such-file.yaml"],
    ]


# Templates no command line can make here: root may write into any folder (CI runs as root).
UNMADE = {"folder {path} is not writable"}


def test_usage_errors_in_khmer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each usage mistake is one line `កំហុស៖ ...` in Khmer (exit 2), whole: no English word
    of the tool's own; in English it is the usual `error: ...`; and every usage template is
    one that a real mistake makes."""
    used: set[str] = set()
    patterns = [(t, _compile(t)) for t in (*USAGE, *USAGE_PARTS)]
    for args in _usage_cases(tmp_path):
        typed = {w for arg in args for w in re.findall(r"[A-Za-z]+", arg)}
        code, en = _run(args, capsys)
        km_code, km = _run([*args, "--lang", "km"], capsys)
        assert code == km_code == 2, (args, en, km)
        assert en.startswith("error: ") and len(en.splitlines()) == 1, (args, en)
        assert km.startswith("កំហុស៖ ") and len(km.splitlines()) == 1, (args, km)
        message = en[len("error: ") :].strip()
        assert _used(message, patterns, used), f"no template for {message!r}"
        leaks = _words(_typed(km.replace(str(tmp_path), " "))) - typed - ALLOWED - HELP_ALLOWED
        assert leaks == set(), (args, km)
        assert _words(_typed(en.replace(str(tmp_path), " "))) - typed  # the control
    assert sorted((set(USAGE) | set(USAGE_PARTS)) - used - UNMADE) == [], "templates none makes"


def _used(
    message: str,
    patterns: list[tuple[str, re.Pattern[str]]],
    used: set[str],
    parts: list[tuple[str, re.Pattern[str]]] | None = None,
) -> bool:
    """Add the template that reads ``message`` (as the translator does: the first whose
    nested pieces all match a part) and those of its pieces to ``used``."""
    parts = parts if parts is not None else [(t, p) for t, p in patterns if t in USAGE_PARTS]
    for template, pattern in patterns:
        match = pattern.fullmatch(message)
        if match is None:
            continue
        found: set[str] = {template}
        nested = [v for name, v in match.groupdict().items() if name in _NESTED]
        if all(_used(value, parts, found, parts) for value in nested):
            used |= found
            return True
    return False


def test_pathways_alone_prints_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    """`pathways` with no command printed its help squashed into one 'error:' line."""
    code, text = _run([], capsys)
    assert code == 2
    assert text.startswith("Usage: pathways") and "\nCommands:\n" in text
    code, km = _run(["--lang", "km"], capsys)
    assert code == 2 and km.startswith("របៀបប្រើ៖ pathways")


def test_lang_is_accepted_by_commands_without_output_in_a_language(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`rules`, `schema` have no --lang of their own: it sets their help and errors."""
    code, km = _run(["rules", "--lang", "km", "--help"], capsys)
    assert code == 0 and "របៀបប្រើ៖" in km
    code, _ = _run(["rules", "PW301", "--lang=km"], capsys)
    assert code == 0
    # --lang before the command name is the command's --lang too
    code, before = _run(["--lang", "km", "routes", P1], capsys)
    assert code == 0 and before == _run(["routes", P1, "--lang", "km"], capsys)[1]
    assert "shortest" not in before


def _simulate_mistakes(tmp: Path) -> list[list[str]]:
    """`simulate` lines with one mistake each in --set, --scenario or --compare: with
    tests/test_khmer_interface.py's SET_MISTAKES, every template of ERRORS is made."""
    from tests.test_khmer_interface import SET_MISTAKES

    text = Path(P1).read_text(encoding="utf-8")
    broken = tmp / "broken-scenario.yaml"
    broken.write_text(
        text.replace("roles.social_worker.calendar=office", "roles.social_workr.calendar=office"),
        encoding="utf-8",
    )
    bad = tmp / "bad.yaml"
    bad.write_text("format: pathways/1\nid: bad\nsteps: []\n", encoding="utf-8")
    none = "pathways/kh/compensation-claim.yaml"  # a pathway without scenarios
    # pathways simulate refuses before the run: a capacity without an arrival rate, a loop
    # left too rarely (issue 18, left by the audit: these were English)
    no_rate = tmp / "no-rate.yaml"
    no_rate.write_text(_REFUSED.replace("title: Counsellor", "title: Counsellor, capacity: 2"))
    rare = tmp / "rare.yaml"
    rare.write_text(
        _REFUSED.replace("to: closed}", "to: closed, probability: 0.00001}").replace(
            "to: intake}", "to: intake, probability: 0.99999}"
        )
    )
    sets = [
        *SET_MISTAKES,
        "transitions.0.probability=2",
        "roles.doctor.capacity=-1",
        "roles.doctor.capacity=abc",
        "roles.doctor.capacity=1.5",
        "simulation.arrivals_per_day=abc",
        "simulation.population.risk=x",
        "steps.interview.kind=bogus",
        "steps.interview.duration=-1h",
        "roles.doctor.foo=1",
        "roles.doctor.agency=null",
        "roles.doctor.capacity=" + "9" * 2001,
        "transitions.from=risk_assessment.probability=0.5",
        "transitions.from=intervew,to=x.probability=0.5",
        "transitions.from=zzzzzzzz,to=x.probability=0.5",
        "transitions.from=interview,to=interview.probability=0.5",
    ]
    return [
        *[[P1, "--set", s] for s in sets],
        [P1, "--scenario", "front-line-office-hour"],
        [P1, "--scenario", "zzzzzzzz"],
        [none, "--scenario", "zzzzzzzz"],
        [P1, "--compare", "front-line-office-hour"],
        [P1, "--compare", "zzzzzzzz"],
        [none, "--compare", "zzzzzzzz"],
        [P1, "--compare", "set"],
        [P1, "--compare", str(bad)],
        [none, "--compare", "all"],
        [str(broken), "--scenario", "front-line-office-hours"],
        [P1, "--max-cases", "5"],  # 10 cases over the ceiling
        ["tests/data/hostile/endless-loop.yaml", "--seed", "1"],  # a loop never left
        ["tests/data/report-hostile.yaml", "--seed", "1"],  # a field the population lacks
        [str(no_rate), "--seed", "1"],
        [str(rare), "--seed", "1"],
        [str(rare), "--set", "simulation.population.zzzzzz={fixed: 1}"],  # no case fields at all
    ]


_REFUSED = """\
format: pathways/1
id: refused
agencies:
  - {id: hotline, name: Hotline, sector: hotline}
roles:
  - {id: counsellor, agency: hotline, title: Counsellor}
steps:
  - {id: intake, kind: entry, role: counsellor, duration: 1h}
  - {id: review, kind: decision, role: counsellor, duration: 1h}
  - {id: closed, kind: outcome}
transitions:
  - {from: intake, to: review}
  - {from: review, to: intake}
  - {from: review, to: closed}
"""


def test_simulate_errors_in_khmer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`simulate --set` on transitions (from=..,to=..), a changed pathway that no longer
    validates (pydantic's words), `--scenario` and `--compare` names: in Khmer, whole, with
    what the reader typed and the file's names; every template of ERRORS is made."""
    import pathways
    from pathways.errors import SimulationError
    from pathways.messages import ERRORS, _error_patterns, _part_patterns, error_message
    from pathways.simulate.overrides import apply_overrides

    used: set[str] = set()
    patterns = list(_error_patterns())
    p = pathways.load(P1)
    for i, args in enumerate(_simulate_mistakes(tmp_path)):
        if args[1] == "--set" and args[0] == P1 and i % 5:  # most: the overrides alone (cheap)
            with pytest.raises(SimulationError) as caught:
                apply_overrides(p, [args[2]])
            message = str(caught.value)
            km_line = "កំហុស៖ " + error_message(message, "km")
        elif args[0].endswith("broken-scenario.yaml"):
            # a scenario whose change names nothing: loading refuses the file (PW003, in
            # tests/test_loader.py); a pathway built without the loader meets it when it runs
            built = pathways.Pathway.model_validate(yaml.safe_load(Path(args[0]).read_text()))
            with pytest.raises(SimulationError) as caught:
                pathways.simulate(built, scenario=args[2], cases=10)
            message = str(caught.value)
            km_line = "កំហុស៖ " + error_message(message, "km")
        else:  # the real command line, in both languages
            argv = ["simulate", *args, "--cases", "10"]
            code, en = _run(argv, capsys)
            km_code, km = _run([*argv, "--lang", "km"], capsys)
            assert code == km_code == 1, (args, en)
            en_line, km_line = en.splitlines()[-1], km.splitlines()[-1]
            assert en_line.startswith("error: "), en_line
            message = en_line[len("error: ") :]
        assert km_line.startswith("កំហុស៖ "), (args, km_line)
        assert _used(message, patterns, used, patterns + list(_part_patterns())), message
        typed = {w for arg in args for w in re.findall(r"[A-Za-z]+", arg)}
        file_words = set(re.findall(r"[A-Za-z]+", Path(args[0]).read_text(encoding="utf-8")))
        rest = km_line.replace(str(tmp_path), " ")
        leaks = _words(rest) - typed - file_words - ALLOWED - HELP_ALLOWED - {"STEP", "to", "key"}
        assert leaks == set(), (args, km_line)
    assert sorted(set(ERRORS) - used) == [], "templates no mistake makes"


def test_new_writes_a_khmer_starter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`pathways new --lang km`: the starter's comments are Khmer and its example labels are
    Khmer beside English (locales [km, en]); it still validates clean and simulates; in
    English the file is as before (locales [en], English comments)."""
    import pathways
    from tests.test_khmer_outputs import _format_keys

    km_file, en_file = tmp_path / "km.yaml", tmp_path / "en.yaml"
    assert _run(["new", str(km_file), "--no-input", "--lang", "km"], capsys)[0] == 0
    assert _run(["new", str(en_file), "--no-input"], capsys)[0] == 0
    km_text, en_text = km_file.read_text("utf-8"), en_file.read_text("utf-8")
    km_comments = "\n".join(line for line in km_text.splitlines() if line.startswith("#"))
    en_comments = "\n".join(line for line in en_text.splitlines() if line.startswith("#"))
    # what a comment may keep: the commands and files to type, keys and values of the format
    keep = ALLOWED | _format_keys() | HELP_ALLOWED | {"km", "yaml", "pdf", "svg", "m", "h", "d"}
    assert _words(_typed(km_comments)) - keep == set(), km_comments
    assert _words(_typed(en_comments)) - keep  # the control: English comments
    p = pathways.load(km_file)
    assert tuple(p.locales) == ("km", "en") and pathways.check(p) == []
    assert tuple(pathways.load(en_file).locales) == ("en",)
    labels = [s.label for s in p.steps]
    assert all(isinstance(lab, dict) and re.search("[\u1780-\u17ff]", lab["km"]) for lab in labels)
    assert pathways.simulate(p, cases=50, seed=0).to_dict()["cases"] == 50


def test_a_file_that_does_not_load_in_khmer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The load findings every command prints for a file that does not load, and the line
    after them, were English in a Khmer run (load_or_report had no language); so was the
    'details withheld' finding of a reader who may not see the file."""
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "format: pathways/1\nid: x\nsteps:\n  - id: a\n    label: Report: received\n",
        encoding="utf-8",
    )
    b = str(broken)
    hidden = tmp_path / "hidden.yaml"  # loads, but is for restricted readers only
    hidden.write_text(starter() + "visibility: restricted\n", encoding="utf-8")
    typed = {"Report", "received", "label", "my", "referral", "pathway"}  # the files' ids
    for args in (
        ["render", b, "-o", str(tmp_path / "x.svg")],
        ["export", b, "-o", str(tmp_path / "x.bpmn")],
        ["routes", b],
        ["trace", b],
        ["diff", b, b],
        ["simulate", b],
        ["simulate", str(hidden), "--visibility", "public"],
    ):
        code, en = _run(args, capsys)
        km_code, km = _run([*args, "--lang", "km"], capsys)
        assert code == km_code != 0, (args, en)
        km = km.replace(str(tmp_path), " ")
        # the YAML parser's own words are left out of the Khmer message (messages.OMITTED)
        km = re.sub(r"\(parser: [^)]*\)", " ", km)
        leaks = _words(_typed(km)) - typed - ALLOWED - HELP_ALLOWED
        assert leaks == set(), (args, km)
        assert _words(_typed(en.replace(str(tmp_path), " "))) - typed - ALLOWED  # control


def test_import_lang_km(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`pathways import --lang km`: what could not be mapped (PW007) is Khmer around the BPMN
    names and ids the file holds, and so is 'wrote FILE'."""
    from tests.test_khmer_interface import BPMN_NOTES, KEYWORDS

    source = tmp_path / "notes.bpmn"
    source.write_text(BPMN_NOTES, encoding="utf-8")
    args = ["import", str(source), "-o", str(tmp_path / "out.yaml")]
    code, en = _run(args, capsys)
    km_code, km = _run([*args, "--lang", "km"], capsys)
    assert code == km_code and "PW007" in km and "wrote" in en and "wrote" not in km
    file_words = set(re.findall(r"[A-Za-z]+", BPMN_NOTES))
    km = km.replace(str(tmp_path), " ")
    leaks = _words(_typed(km)) - file_words - KEYWORDS - ALLOWED - HELP_ALLOWED
    assert leaks == set(), km
    assert _words(_typed(en.replace(str(tmp_path), " "))) - file_words - ALLOWED  # control


@pytest.mark.parametrize(
    ("args", "en", "km"),
    [
        (["simulate", "--cases", "0"], "--cases must be 1 or more", "--cases ត្រូវតែ 1 ឬច្រើនជាងនេះ"),
        (
            ["simulate", "--time-limit", "0"],
            "--time-limit must be 0.001 or more",
            "--time-limit ត្រូវតែ 0.001 ឬច្រើនជាងនេះ",
        ),
        (
            ["validate", "--max-per-rule", "-1"],
            "--max-per-rule must be 0 or more",
            "--max-per-rule ត្រូវតែ 0 ឬច្រើនជាងនេះ",
        ),
    ],
)
def test_out_of_range_numbers_in_plain_words(
    args: list[str], en: str, km: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Audit of issue 18: `--cases 0` said pydantic's "Invalid value for '--cases': Input
    should be greater than or equal to 1"; now "--cases must be 1 or more", in km too."""
    command, *options = args
    example = "tests/data/engine-small.yaml"
    code, out = _run([command, example, *options], capsys)
    assert (code, out.strip()) == (2, f"error: {en}")
    code, out = _run([command, example, *options, "--lang", "km"], capsys)
    assert (code, out.strip()) == (2, f"កំហុស៖ {km}")


@pytest.mark.parametrize("command", ["simulate", "validate", "watch"])
def test_help_says_ranges_in_plain_words(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Audit of issue 18: `--help` showed typer's `[default: 50; x>=0]`; now `0 or more`."""
    _, en = _run([command, "--help"], capsys)
    _, km = _run([command, "--help", "--lang", "km"], capsys)
    assert re.findall(r"x\s*[<>]=?|[<>]=?\s*x", en + km) == [], en + km
    assert re.search(r"\d or\s+more\]", en), en
    assert re.search(r"\d\s+ឬច្រើនជាងនេះ\]", km), km


def test_fix_it_or_fix_them_by_count(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Audit of issue 18: `render` on a file with one error said "not drawn: 1 error; fix
    them"; render, simulate and report now say "fix it" for one error, "fix them" for more,
    in Khmer too."""
    one = "tests/data/engine-small.yaml"  # one error: PW305
    two = tmp_path / "two.yaml"
    two.write_text(
        Path(one)
        .read_text(encoding="utf-8")
        .replace("  - {from: kin, to: closed, event: close}\n", ""),
        encoding="utf-8",
    )
    svg = str(tmp_path / "x.svg")
    for path, en, km in [
        (one, "1 error; fix it, or pass --findings to draw it on the diagram (--force to draw "
         "without it)", "កំហុស 1; សូមកែវា"),
        (str(two), "errors; fix them, or pass --findings to draw them on", "; សូមកែវា"),
    ]:  # fmt: skip
        code, out = _run(["render", path, "-o", svg], capsys)
        assert code == 1 and en in out.splitlines()[-1], out
        code, out = _run(["render", path, "-o", svg, "--lang", "km"], capsys)
        last = out.splitlines()[-1].replace(str(tmp_path), "")
        assert code == 1 and km in last and "fix" not in last, out
    _, out = _run(["simulate", one], capsys)
    assert out.splitlines()[-1] == f"{one}: 1 error; fix it before simulating"
    _, out = _run(["simulate", one, "--lang", "km"], capsys)
    assert out.splitlines()[-1] == f"{one}៖ កំហុស 1; កែវាមុនពេលក្លែងធ្វើ"
    _run(["report", one, "-o", str(tmp_path / "en"), "--cases", "50"], capsys)
    html = (tmp_path / "en" / "engine-small.html").read_text(encoding="utf-8")
    assert "Not simulated: the pathway has 1 error; fix it first." in html
    _run(["report", one, "-o", str(tmp_path / "km"), "--cases", "50", "--lang", "km"], capsys)
    html = (tmp_path / "km" / "engine-small.html").read_text(encoding="utf-8")
    html = html.replace("\u200b", "")  # Khmer line-break points
    assert "មិនបានក្លែងធ្វើ៖ ផ្លូវបញ្ជូនមានកំហុស 1; សូមកែវាជាមុនសិន។" in html


def test_one_spelling_of_utilisation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Audit of issue 18: `simulate` said "utilisation", the report "utilization" and
    "Utilization of roles ...": the project writes British English, so "utilisation" in both
    (the JSON key ``utilization`` of the SPEC is kept)."""
    _, out = _run(["simulate", P1, "--cases", "50"], capsys)
    assert "utilisation" in out and "utiliz" not in out.lower(), out
    _run(["report", P1, "-o", str(tmp_path / "en"), "--cases", "50"], capsys)
    html = (tmp_path / "en" / "kh-csa-in-person.html").read_text(encoding="utf-8")
    words = re.sub(r"<[^>]*>|\"utilization\"", " ", html)  # tags, the data's JSON key
    assert "utilisation" in words and "Utilisation of roles" in words
    assert "tiliz" not in words
    _run(["report", P1, "-o", str(tmp_path / "km"), "--cases", "50", "--lang", "km"], capsys)
    html = (tmp_path / "km" / "kh-csa-in-person.html").read_text(encoding="utf-8")
    words = re.sub(r"<[^>]*>|\"utilization\"", " ", html).replace("\u200b", "")
    assert "ការប្រើប្រាស់" in words and "tilis" not in words and "tiliz" not in words


def test_report_says_why_not_simulated_in_khmer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Audit of issue 18: the report's "Not simulated: {why}" (a run refused, a scenario
    that cannot run) was English in a Khmer report; now through the catalogue, whole."""
    for lang, words in [
        ("en", "Not simulated: 2,000,000 cases is over the ceiling of 1,000,000; raise it"),
        ("km", "មិនបានក្លែងធ្វើ៖ ករណី 2,000,000 លើសពីដែនកំណត់ 1,000,000; បង្កើនវាដោយ"),
    ]:
        out = tmp_path / lang
        _run(["report", P1, "-o", str(out), "--cases", "2000000", "--lang", lang], capsys)
        html = (out / "kh-csa-in-person.html").read_text(encoding="utf-8").replace("\u200b", "")
        assert words in html, html
        if lang == "km":
            assert "Not simulated" not in html and "ceiling" not in html
