"""Outputs the README and the docs quote are the outputs their code prints today.

A quoted output follows a ``<!-- quoted: NAME -->`` marker as a fenced ``text`` block; the code
that prints it is the last fenced ``python`` block before the marker. Each is run here, in a
temporary directory, and its printed lines must equal the quoted ones: a new default cannot
leave a quoted figure stale.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MARKER = re.compile(r"<!-- quoted: ([\w-]+) -->\s*```text\n(.*?)```", re.S)
CODE = re.compile(r"```python\n(.*?)```", re.S)


def quotes() -> list[tuple[str, str, str]]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in MARKER.finditer(text):
            code = CODE.findall(text[: match.start()])
            assert code, f"{page.name}: no python block before the quote {match.group(1)!r}"
            found.append((f"{page.name}:{match.group(1)}", code[-1], match.group(2)))
    return found


def test_the_pages_quote_something():
    names = [name for name, _, _ in quotes()]
    assert "README.md:quick-start" in names and "getting-started.md:first-loop" in names


@pytest.mark.parametrize(("name", "code", "expected"), quotes(), ids=[q[0] for q in quotes()])
def test_a_quoted_output_is_what_its_code_prints(name, code, expected, tmp_path):
    printed = io.StringIO()
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(code, name, "exec"), {"__name__": "__quoted__"})
    finally:
        os.chdir(here)
    assert printed.getvalue().splitlines() == expected.splitlines()
