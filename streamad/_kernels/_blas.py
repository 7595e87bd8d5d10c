"""NumPy's BLAS follows torch's thread count while a kernel runs.

NumPy's OpenBLAS starts as many threads as there are cores for any product above a small size.
On shared cores those threads wait on each other and a batch of LSTM steps gets many times
slower, so while a kernel runs, the BLAS libraries get ``torch.get_num_threads()`` threads (one
under streamad's discipline) and their own count back afterwards.
"""

from __future__ import annotations

from typing import Any

import torch

_libraries: list[Any] | None = None


def _blas_libraries() -> list[Any]:
    global _libraries
    if _libraries is None:
        import threadpoolctl

        _libraries = threadpoolctl.ThreadpoolController().select(user_api="blas").lib_controllers
    return _libraries


class torch_threads:
    """Context manager: BLAS libraries use torch's thread count inside, their own outside."""

    __slots__ = ("_restore",)

    def __enter__(self) -> None:
        wanted = torch.get_num_threads()
        self._restore = []
        for library in _blas_libraries():
            if library.num_threads != wanted:
                self._restore.append((library, library.num_threads))
                library.set_num_threads(wanted)

    def __exit__(self, *exc: object) -> None:
        for library, count in self._restore:
            library.set_num_threads(count)
