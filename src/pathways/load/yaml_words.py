"""YAML syntax errors in words a coordinator understands, with the usual fix.

The parser's own words ("mapping values are not allowed here", "found character that cannot
start any token") name its grammar, not the mistake. :func:`plain_problem` reads the parser's
problem and the offending line and says what is probably wrong and how to fix it; the
parser's words stay at the end, in brackets, for whoever needs them.

Examples
--------
>>> from pathways.load.yaml_words import plain_problem
>>> words = plain_problem("mapping values are not allowed here", "  label: Report: received")
>>> print(words.split(" (parser")[0])
a colon inside a value: put the value in quotes, e.g. label: "Report: received"
>>> print(plain_problem("found character '\\t' that cannot start any token").split(" (")[0])
a tab in the indentation: indent with spaces, never tabs
"""

from __future__ import annotations

import re

__all__ = ["escape_column", "plain_problem"]

# JSON writes a character past U+FFFF as a UTF-16 surrogate pair of \u escapes; YAML has
# \U and 8 hex digits for it, and libyaml refuses a \u escape that is half a pair.
_PAIR = re.compile(r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", re.IGNORECASE)
_HALF = re.compile(r"\\ud[89a-f][0-9a-f]{2}", re.IGNORECASE)


def escape_column(line: str, column: int) -> int:
    """The 1-based column of the backslash of the escape libyaml refused at ``column`` (it
    points after ``\\u``, at the first hex digit); ``column`` if no escape ends there."""
    at = column - 3
    if at >= 0 and line[at : at + 1] == "\\" and line[at + 1 : at + 2] in ("u", "U"):
        return at + 1
    return column


def _quote_hint(line: str) -> str:
    key, sep, value = line.strip().lstrip("- ").partition(":")
    value = value.strip()
    if sep and value and not value.startswith(('"', "'")):
        escaped = value.replace('"', '\\"')
        return f', e.g. {key.strip()}: "{escaped}"'
    return ""


def plain_problem(problem: str, line: str = "", column: int = 0, context: str = "") -> str:
    """A sentence for the parser's ``problem`` (and ``context``) at ``line`` (the text of the
    offending line) and 1-based ``column``, ending with the parser's words in brackets."""
    p = f"{problem} {context}".lower()
    raw = f" (parser: {problem})"
    if "mapping values are not allowed" in p:
        return "a colon inside a value: put the value in quotes" + _quote_hint(line) + raw
    if "tab character" in p:  # libyaml: "found a tab character that violates indentation"
        return "a tab in the indentation: indent with spaces, never tabs" + raw
    if "cannot start any token" in p:
        if "\\t" in problem or "\t" in problem or "\t" in line[: max(column, 1)]:
            return "a tab in the indentation: indent with spaces, never tabs" + raw
        char = re.search(r"character '([^']*)'", problem)
        at = line[column - 1] if 0 < column <= len(line) else ""
        shown = f" {char.group(1)}" if char else (f" {at}" if at.strip() else "")
        return (
            f"a value starts with{shown}, which YAML keeps for itself: put the value in quotes"
            + _quote_hint(line)
            + raw
        )
    if "did not find expected '-' indicator" in p or "expected <block end>" in p:
        return (
            "the indentation does not match the lines above: indent every item of a list "
            "(the lines starting with -) the same, under its key" + raw
        )
    if "did not find expected key" in p:
        return (
            "this line is not lined up with the keys around it (or a quote above is not "
            "closed): indent the keys of one block the same" + raw
        )
    if "could not find expected ':'" in p:
        return (
            "a line without 'key:' inside a block, or a text broken over lines: add the key, "
            "or put the whole text in quotes on one line" + raw
        )
    if "end of stream" in p and "quoted" in p:
        return "a quote is opened and never closed: close it at the end of the value" + raw
    if "expected ',' or '}'" in p or "expected ',' or ']'" in p:
        start = line.rfind(",", 0, column) + 1
        ends = [i for i in (line.find(",", column), line.find("}", column)) if i >= 0]
        segment = line[start : min(ends, default=len(line))].lstrip(" -{")
        if segment.count(": ") >= 2:
            return "a colon inside a value: put the value in quotes" + _quote_hint(segment) + raw
        return (
            "a { ... } or [ ... ] list is not closed, or misses a comma between its items: "
            "close the bracket on the same line" + raw
        )
    if "found undefined alias" in p or "found unhashable key" in p:
        return "a value starts with * or a key is a list: put the value in quotes" + raw
    if "invalid unicode character escape" in p:
        if (pair := _PAIR.match(line, column - 1)) is not None:
            high, low = int(pair.group(1), 16), int(pair.group(2), 16)
            code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            return (
                f"the escape {pair.group()} is a surrogate pair, which YAML does not read: "
                f"write the character itself, or YAML's 8-digit escape \\U{code:08X}" + raw
            )
        if (half := _HALF.match(line, column - 1)) is not None:
            return (
                f"the escape {half.group()} is half of a surrogate pair, not a character: write "
                "the character itself, or YAML's 8-digit escape (e.g. \\U0001F600)" + raw
            )
    if "found duplicate anchor" in p or "found unknown escape character" in p:
        return "a special character in a double-quoted text: use single quotes instead" + raw
    return "the file is not valid YAML here: check the quotes and the indentation" + raw
