"""Every docstring example runs when pasted into a fresh session (house rule 9).

`pytest --doctest-modules` runs each example with its module's globals, which hides an example
that forgets to import the names it uses. Here each example runs with empty globals instead, as
if pasted into a new Python session, with the same option flags as pyproject's
`doctest_optionflags` (NUMBER comes from pytest's own doctest checker).
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import io
import pkgutil

import pytest
from _pytest.doctest import _get_checker, _get_number_flag

import streamad

# The modules that import Ray; conftest.py leaves them out of the doctests when Ray is missing.
RAY_MODULES = {"streamad.ray", "streamad.distributed.sharded", "streamad.distributed.replay"}
HAS_RAY = importlib.util.find_spec("ray") is not None

# pyproject.toml: doctest_optionflags = ["NORMALIZE_WHITESPACE", "ELLIPSIS", "NUMBER"]
OPTIONFLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS | _get_number_flag()

# Examples known to fail in a fresh session, each with why it is not fixed yet.
KNOWN_FAILURES: dict[str, str] = {}


def _modules():
    """Yield every importable module of the package, skipping what this machine cannot import."""
    names = [streamad.__name__]
    names += [
        info.name
        for info in pkgutil.walk_packages(streamad.__path__, prefix=f"{streamad.__name__}.")
    ]
    for name in sorted(names):
        # `__main__` runs the command line when imported; pytest skips it for doctests too.
        if name.endswith(".__main__") or (name in RAY_MODULES and not HAS_RAY):
            continue
        try:
            yield importlib.import_module(name)
        except Exception:
            # The exact-mode kernels may need a compiler or an optional extra; nothing else may
            # fail to import.
            if name.startswith(f"{streamad.__name__}._kernels"):
                continue
            raise


def _examples():
    # The finder only looks at objects defined in the module it searches, so a name that a
    # package re-exports is found once, under the module that defines it.
    finder = doctest.DocTestFinder()
    return [test for module in _modules() for test in finder.find(module) if test.examples]


EXAMPLES = _examples()


def test_examples_were_found():
    assert len(EXAMPLES) > 50


def _param(test: doctest.DocTest):
    reason = KNOWN_FAILURES.get(test.name)
    marks = [pytest.mark.xfail(reason=reason)] if reason else []
    return pytest.param(test, id=test.name, marks=marks)


@pytest.mark.parametrize("test", [_param(test) for test in EXAMPLES])
def test_example_runs_in_a_fresh_session(test: doctest.DocTest):
    if all(example.options.get(doctest.SKIP, False) for example in test.examples):
        pytest.skip("every line is marked +SKIP")
    test.globs = {}  # a fresh session: nothing is imported, not even the object's own name
    runner = doctest.DocTestRunner(checker=_get_checker(), optionflags=OPTIONFLAGS)
    report = io.StringIO()
    try:
        result = runner.run(test, out=report.write, clear_globs=True)
    finally:
        test.globs = {}
    if result.failed:
        pytest.fail(f"{test.name} fails in a fresh session:\n{report.getvalue()}", pytrace=False)
