"""Validate every pathway in a folder and write a SARIF 2.1.0 log for code scanning.

    python examples/ci_sarif.py [FOLDER] [-o pathways.sarif] [--today YYYY-MM-DD] [--strict]

GitHub code scanning (``github/codeql-action/upload-sarif``), GitLab and Azure DevOps show the
SARIF results on the pull request. The script always writes the log; with ``--strict`` it exits 1
when any error was found, so a CI job can upload the log first and fail after.
The same log comes from the command line: ``pathways validate FOLDER --format sarif``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from pathways.findings import Severity
from pathways.validate import render_findings, validate_files

DEFAULT = Path(__file__).resolve().parent.parent / "pathways"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("-o", "--output", type=Path, default=Path("pathways.sarif"))
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--strict", action="store_true", help="exit 1 when an error is found")
    args = parser.parse_args(argv)

    files = sorted(
        p for p in args.folder.rglob("*") if p.suffix in (".yaml", ".yml", ".json") and p.is_file()
    )
    findings = validate_files(files, today=args.today)
    sarif, summary = render_findings(findings, "sarif", files=len(files))
    args.output.write_text(sarif, encoding="utf-8")

    results = json.loads(sarif)["runs"][0]["results"]
    print(summary)
    print(f"wrote {len(results)} SARIF results to {args.output}")
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    return 1 if args.strict and errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
