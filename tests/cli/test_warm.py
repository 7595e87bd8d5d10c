"""`streamad warm` compiles the kernel into numba's cache now, or waits for the compile running."""

from __future__ import annotations

import contextlib

import pytest

from streamad.cli import main

pytest.importorskip("numba")
from streamad._kernels import build, warm  # noqa: E402  (imports numba)
from streamad.cli import warm as command  # noqa: E402


@pytest.fixture
def cache(monkeypatch, tmp_path):
    """numba's cache and the lock played by the test: ``where`` answers in turn (the last
    stays), ``held`` says whether another process holds the lock."""
    state = {"where": ["none"], "held": False, "loaded": 0}

    def where(compiled=None):
        answers = state["where"]
        return answers.pop(0) if len(answers) > 1 else answers[0]

    @contextlib.contextmanager
    def exclusive(folder):
        yield not state["held"]

    monkeypatch.setattr(warm, "where", where)
    monkeypatch.setattr(build, "cache_dir", lambda: tmp_path)
    monkeypatch.setattr(build, "exclusive", exclusive)
    monkeypatch.setattr(build, "load", lambda: state.__setitem__("loaded", state["loaded"] + 1))
    monkeypatch.setattr(command, "POLL_S", 0.0)
    return state


def test_it_compiles_when_nothing_is_cached(cache, capsys, tmp_path):
    assert main(["warm"]) == 0
    out, err = capsys.readouterr()
    assert cache["loaded"] == 1 and "compiling streamad's kernel" in err
    assert out.strip() == f"streamad's kernel is cached in {tmp_path}"


def test_it_waits_for_the_compile_another_process_runs(cache, capsys):
    cache.update(held=True, where=["none", "none", "none", "disk"])
    assert main(["warm"]) == 0
    assert cache["loaded"] == 0 and "another process is compiling" in capsys.readouterr().err


def test_a_cached_kernel_is_left_as_it_is(cache, capsys):
    cache["where"] = ["disk"]
    assert main(["warm"]) == 0
    assert cache["loaded"] == 0 and "cached in" in capsys.readouterr().out


def test_nowhere_to_cache_is_an_error(cache, monkeypatch, capsys):
    monkeypatch.setattr(build, "cache_dir", lambda: None)
    assert main(["warm"]) == 2
    assert "no writable cache directory" in capsys.readouterr().err
