"""The documentation site: ``mkdocs build --strict`` succeeds; the docs say what the README says.

Strict mode fails the build on any warning: a broken link or anchor, a page left out of the nav,
a cross-reference the API reference cannot resolve, a docstring mkdocstrings cannot render.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = ("getting-started", "concepts", "input-policy", "live", "distributed", "checkpoints")


def _load_roles():
    spec = importlib.util.spec_from_file_location("sphinx_roles", DOCS / "_ext" / "sphinx_roles.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mkdocs_build_strict(tmp_path):
    if importlib.util.find_spec("mkdocs") is None:
        pytest.skip("mkdocs is not installed: pip install -e '.[test]' installs it")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # Material's banner, not a build warning
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"]
        + ["--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(tmp_path / "site")],
        cwd=tmp_path,  # the build must not depend on the current folder
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, f"mkdocs build --strict failed:\n{build.stdout}\n{build.stderr}"
    site = tmp_path / "site"
    for page in PAGES:
        assert (site / page / "index.html").is_file(), page
    monitor = (site / "api" / "monitor" / "index.html").read_text(encoding="utf-8")
    assert 'id="streamad.Monitor.process_one"' in monitor  # the API reference was generated
    assert ":class:" not in monitor  # Sphinx roles in docstrings are rewritten as code


def _readme_commands() -> list[str]:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip().startswith("python3 -m venv .venv &&")]


def test_getting_started_has_the_two_readme_commands_verbatim():
    commands = _readme_commands()
    assert len(commands) == 2, commands
    page = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    for command in commands:
        assert f"    {command}\n" in page, f"docs/getting-started.md lacks: {command}"


def test_sphinx_roles_become_code_spans():
    roles = _load_roles()
    text = "See :class:`~streamad.Monitor` and :func:`streamad.calibrate.percentile_rank`."
    assert roles.markdown(text) == "See `Monitor` and `streamad.calibrate.percentile_rank`."
    assert roles.markdown(":meth:`the step <streamad.Monitor.process_one>`") == "`the step`"
    assert roles.markdown("a ratio 3:1 and ``code``") == "a ratio 3:1 and ``code``"
