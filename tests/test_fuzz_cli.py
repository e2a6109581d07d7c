"""Odd command-line values: each one a one-line error and exit 1 or 2, never a traceback.

Found by mutating one argument or option of every command at a time (values: negative, zero
and huge numbers, NaN, long and odd Unicode text, missing files, folders, pipes, binary and
empty files, symbolic-link loops, names too long for the file system); the cases below are
those that once raised, plus a control of each kind.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pathways.cli import main

SMALL = Path(__file__).parent / "data" / "engine-small.yaml"
BPMN = Path(__file__).parent / "data" / "bpmn" / "referral.bpmn"
LONG = "x" * 300  # longer than a file name may be (255 bytes)


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    out = capsys.readouterr()
    err = out.err.strip()
    assert "Traceback" not in out.out + out.err
    assert err.startswith("error:") and "\n" not in err, err
    return err


@pytest.mark.parametrize(
    "args",
    [
        ["trace", str(SMALL), "age=5", "--lang", LONG],
        ["new", "NEW", "--no-input", "--lang", LONG],
        ["validate", str(SMALL), "--lang", LONG],
        ["trace", str(SMALL), "age=5", "--lang", "../../../etc"],
    ],
)
def test_a_long_or_odd_lang_is_a_usage_error(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --lang too long to be a file name once raised OSError (File name too long) looking
    for its catalogue; now it is 'unknown language', its value cut to 40 characters."""
    argv = [str(tmp_path / "new.yaml") if a == "NEW" else a for a in args]
    assert main(argv) == 2
    err = _one_line_error(capsys)
    assert "unknown language 'xxx" in err or "unknown language '../" in err
    assert len(err) < 200


def test_translations_of_an_odd_language_code_are_the_english_words() -> None:
    from pathways.i18n import tr

    for code in (LONG, "a\x00b", "../../..", "km/../km"):
        assert tr("Legend", code) == "Legend"
    assert tr("Legend", "km") != "Legend"


def _loop(tmp_path: Path) -> Path:
    os.symlink(tmp_path / "b", tmp_path / "a")
    os.symlink(tmp_path / "a", tmp_path / "b")
    return tmp_path / "a"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["import", str(BPMN), "-o", "LONG.yaml"], "longer than the file system allows"),
        (["import", str(BPMN), "-o", "LOOP"], "loop of symbolic links"),
        (["new", "LONG.yaml", "--no-input"], "longer than the file system allows"),
        (["new", "LOOP", "--no-input"], "loop of symbolic links"),
        (["render", str(SMALL), "-o", "LONG.dot"], "longer than the file system allows"),
        (["export", str(SMALL), "-o", "LOOP.bpmn"], "loop of symbolic links"),
        (["validate", "LOOP"], "loop of symbolic links"),
        (["report", str(SMALL), "-o", "LOOP", "--no-simulation"], "loop of symbolic links"),
        (
            ["simulate", str(SMALL), "--cases", "10", "-o", "LONG.json"],
            "longer than the file system allows",
        ),
    ],
)
def test_an_output_the_file_system_refuses_is_a_usage_error(
    args: list[str], words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An output name longer than the file system allows, or a symbolic-link loop, once raised
    OSError from pathlib (is_dir/exists raise for these): now a one-line usage error."""
    loop = _loop(tmp_path)
    names = {"LONG.yaml": LONG + ".yaml", "LONG.dot": LONG + ".dot", "LONG.json": LONG + ".json"}
    names |= {"LOOP": str(loop), "LOOP.bpmn": str(tmp_path / "l.bpmn")}
    if "LOOP.bpmn" in args:
        os.symlink(tmp_path / "l.bpmn", tmp_path / "l.bpmn")
    argv = [names.get(a, a) for a in args]
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        code = main(argv)
    finally:
        os.chdir(cwd)
    assert code in (1, 2)
    err = _one_line_error(capsys)
    assert words in err, err


def test_new_refuses_a_folder_before_asking_for_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new", str(tmp_path), "--no-input"]) == 2
    assert "is a folder; give a file name" in _one_line_error(capsys)


def test_a_loop_of_symbolic_links_is_said_in_khmer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loop = _loop(tmp_path)
    assert main(["import", str(BPMN), "-o", str(loop), "--lang", "km"]) == 2
    err = capsys.readouterr().err
    assert "ជារង្វិលនៃតំណនិមិត្តសញ្ញា" in err and "\n" not in err.strip()


GOOD = Path(__file__).parents[1] / "pathways" / "kh" / "csa-in-person.yaml"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["render", str(SMALL), "-o", "OUT.dot", "--since", LONG], "No earlier version at xxx"),
        (["report", str(SMALL), "-o", "OUT", "--no-simulation", "--since", LONG], None),
        (["simulate", str(GOOD), "--cases", "10", "--compare", LONG], "--compare xxx"),
        (["migrate", LONG, "--from", str(SMALL), "--to", str(SMALL)], "no such file: 'xxx"),
    ],
)
def test_a_name_too_long_to_be_a_file_is_not_a_file(
    args: list[str], words: str | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--since, --compare and migrate's STORE may each name a file or something else (a git
    revision, a scenario); Path.is_file() raised OSError (File name too long) on a long value
    instead of answering False."""
    argv = [a.replace("OUT", str(tmp_path / "out")) for a in args]
    code = main(argv)
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    if words is None:  # the report notes it on the page
        assert code == 0
        return
    assert code in (1, 2)
    assert words in out.err.strip().splitlines()[-1], out.err


@pytest.mark.parametrize("rate", ["nan", "inf", "1e400", "-1"])
def test_odd_arrivals_are_refused_before_the_saturation_pilot(
    rate: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a pathway with capacities, simulate's saturation pilot ran before the rate was
    checked: NaN raised ValueError/IndexError in the calendar clock, inf OverflowError."""
    from pathways.simulate import saturation_before_run

    assert main(["simulate", str(GOOD), "--cases", "10", "--arrivals-per-day", rate]) == 1
    err = _one_line_error(capsys)
    assert "arrivals per day must be a number from 0.001 to 1,000,000" in err
    import pathways as pw

    with pytest.raises(pw.SimulationError, match="arrivals per day"):
        saturation_before_run(pw.load(GOOD), arrivals_per_day=float(rate))


def test_a_store_that_is_not_a_database_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """migrate STORE given a pathway file raised sqlite3.DatabaseError ('file is not a
    database') with a traceback."""
    assert main(["migrate", str(SMALL), "--from", str(SMALL), "--to", str(SMALL)]) == 2
    assert "is not a SQLite case store" in _one_line_error(capsys)


@pytest.mark.parametrize("kind", ["empty", "another database"])
def test_migrate_refuses_a_file_that_is_not_a_case_store_and_leaves_it_alone(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """migrate STORE given an empty file made it a SQLite case store (and gave another
    database our tables) and reported 0 open cases: migrate only moves the cases of an
    existing store, so it refuses the file in one line, naming it, and changes nothing."""
    import sqlite3

    store = tmp_path / "cases.sqlite"
    store.touch()
    if kind == "another database":
        with sqlite3.connect(store) as db:
            db.execute("CREATE TABLE notes (text TEXT)")
        db.close()
    before = store.read_bytes()
    assert main(["migrate", str(store), "--from", str(SMALL), "--to", str(SMALL)]) == 2
    err = _one_line_error(capsys)
    assert str(store) in err and "give the SQLite file the cases are saved in" in err
    assert store.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.sqlite"]


@pytest.mark.parametrize("command", ["diff", "render", "report"])
def test_a_git_revision_is_never_read_as_a_git_option(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`git:--output=FILE:x` (diff) and `--since --output=FILE` (render, report) ran
    `git show --output=FILE...`, which wrote FILE: a revision starting with '-' is refused."""
    target = tmp_path / "written"
    argv = {
        "diff": ["diff", str(GOOD), f"git:--output={target}:x"],
        "render": ["render", str(GOOD), "-o", str(tmp_path / "a.dot"), "--since"],
        "report": ["report", str(GOOD), "-o", str(tmp_path / "r"), "--no-simulation", "--since"],
    }[command]
    if command != "diff":
        argv.append(f"--output={target}")
    code = main(argv)
    out = capsys.readouterr()
    assert not list(tmp_path.glob("written*")), "git wrote a file"
    assert "Traceback" not in out.out + out.err
    if command != "report":  # the report notes it on the page
        assert code == 2 and "a revision does not start with '-'" in out.err


@pytest.mark.parametrize("option", ["FILE", "--title", "--intake", "--lead"])
def test_new_refuses_command_line_bytes_that_are_not_utf8(
    option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bytes such as 0xff in a file name or a title reach Python as lone surrogates (PEP 383):
    `new` raised UnicodeEncodeError writing the starter and left an empty file (a title wrote
    a file that did not load)."""
    odd = "x\udcff\udcfe"
    out = tmp_path / (f"{odd}.yaml" if option == "FILE" else "p.yaml")
    argv = ["new", str(out), "--no-input"] + ([] if option == "FILE" else [option, odd])
    assert main(argv) == 2
    assert "not UTF-8 text" in _one_line_error(capsys)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--seed", "-1", "--seed must be 0 or more"),
        ("--cases", "0", "--cases"),
        ("--workers", "0", "--workers"),
    ],
)
def test_report_refuses_the_simulation_options_simulate_refuses(
    option: str, value: str, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`report` takes simulate's options (SPEC section 5) and refuses what simulate refuses:
    `--seed -1` once ran a report that `simulate` would not."""
    for command in (["simulate", str(SMALL)], ["report", str(SMALL), "-o", str(tmp_path)]):
        assert main([*command, option, value]) == 2, command
        assert said in _one_line_error(capsys), command
    assert not (tmp_path / "index.html").exists()
