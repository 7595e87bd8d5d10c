"""``streamad warm``: compile streamad's kernel into numba's cache now, and wait for it.

For an image or a machine set up ahead of its first run (``pip install ... && streamad warm``):
every later run then loads the kernel from the cache. Where another process is compiling it
already, this waits for that compile instead of starting a second one.
"""

from __future__ import annotations

import argparse
import time

from streamad.cli.errors import fail, note

__all__ = ["warm"]

POLL_S = 1.0


def warm(args: argparse.Namespace) -> int:
    """Run ``streamad warm``; return the exit status (0: the kernel is cached)."""
    from streamad._kernels import build
    from streamad._kernels import warm as background

    folder = build.cache_dir()
    if folder is None:
        fail(
            "numba has no writable cache directory here (set NUMBA_CACHE_DIR): "
            "every run would compile the kernel again"
        )
    said = False
    while background.where() not in ("disk", "memory"):
        with build.exclusive(folder) as mine:
            if mine:
                note("compiling streamad's kernel (about 20 s on two cores)")
                build.load()
                break
        if not said:
            note("another process is compiling streamad's kernel: waiting for it")
            said = True
        time.sleep(POLL_S)
    print(f"streamad's kernel is cached in {folder}")
    return 0
