"""replay: evaluate many series in parallel Ray tasks, each through the prequential evaluator.

Imports Ray: use it through :mod:`streamad.ray`, which says what to install when Ray is absent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import ray
import torch

__all__ = ["replay"]


def _evaluate(source: Any, model: Any, kwargs: dict[str, Any]) -> Any:
    from streamad.evaluate import prequential

    torch.set_num_threads(1)
    return prequential(source, model.clone(), **{"progress": False, **kwargs})


def replay(sources: Iterable[Any], model: Any, **kwargs: Any) -> list[Any]:
    """Evaluate a fresh clone of ``model`` on each source in parallel Ray tasks, in order.

    Each task runs :func:`streamad.evaluate.prequential` (``kwargs`` are its options) with torch
    held to one thread, so the reports equal ``[prequential(s, model.clone(), **kwargs) for s in
    sources]`` (timings aside). Sources travel by pickle: a NAB series is a path, so the files
    must be readable on every node. Ray must be initialised (``ray.init``).

    Examples
    --------
    Ray is needed, so the example is skipped in the doctests (``tests/test_ray.py`` runs it):

    >>> from streamad import RollingDetector                                # doctest: +SKIP
    >>> from streamad.datasets import nab_corpus                            # doctest: +SKIP
    >>> reports = replay(nab_corpus("data/nab"), RollingDetector())         # doctest: +SKIP
    >>> len(reports)                                                        # doctest: +SKIP
    58
    """
    task = ray.remote(num_cpus=1)(_evaluate)
    model_ref = ray.put(model)
    return ray.get([task.remote(source, model_ref, kwargs) for source in sources])
