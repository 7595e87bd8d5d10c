"""Would batching windows speed replay up? The products of one LSTM step, measured three ways.

    python benchmarks/probe_replay_batching.py

Replay scores windows one at a time through the compiled kernel, whose inner products run
along the gates of one window (``cells.add_row``). This probe measures, on one thread:

- multiply-adds per ns of the recurrent product (hidden 30: 120 x 30) for one window, as the
  kernel runs it, and for a batch of windows laid out as lanes (the product over the batch,
  four rows of the weight a pass), at several batch widths;
- torch's own batched forward pass of the Sutskever and Srivastava modules (30 features,
  hidden 30, window 10), in windows per second, as an outside reference for a batched kernel.
"""

from __future__ import annotations

import time

import numba
import numpy as np
import torch

from streamad._kernels._jit import OPTIONS
from streamad._kernels.cells import add_row
from streamad.modules import Srivastava, Sutskever

F32 = np.float32
H, GATES = 30, 120


@numba.njit(**OPTIONS)
def lanes_product(w, hidden, out):
    """out (G, L) += w (G, H) @ hidden (H, L): the product over a batch of L windows."""
    n_h, n_lanes = w.shape[1], out.shape[1]
    for j in range(w.shape[0]):
        row, wj, k = out[j], w[j], 0
        while k + 4 <= n_h:
            w0, w1, w2, w3 = wj[k], wj[k + 1], wj[k + 2], wj[k + 3]
            h0, h1, h2, h3 = hidden[k], hidden[k + 1], hidden[k + 2], hidden[k + 3]
            for m in range(n_lanes):
                row[m] += w0 * h0[m] + w1 * h1[m] + w2 * h2[m] + w3 * h3[m]
            k += 4
        while k < n_h:
            for m in range(n_lanes):
                row[m] += wj[k] * hidden[k, m]
            k += 1


@numba.njit(**OPTIONS)
def repeat_lanes(w, hidden, out, n):
    for _ in range(n):
        lanes_product(w, hidden, out)


@numba.njit(**OPTIONS)
def repeat_row(w_t, h, out, n):
    for _ in range(n):
        add_row(out, h, w_t)


def seconds(run, repeats: int = 5) -> float:
    """Median seconds of ``run()``, after one call to compile and warm up."""
    run()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def main() -> None:
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    n = 100_000
    w_t, h, out = rng.random((H, GATES), F32), rng.random(H, F32), np.zeros(GATES, F32)
    one = GATES * H * n / seconds(lambda: repeat_row(w_t, h, out, n)) / 1e9
    print(f"one window (the kernel's add_row): {one:.1f} multiply-adds/ns")
    w = rng.random((GATES, H), F32)
    for lanes in (16, 32, 64, 128):
        hid, acc, k = rng.random((H, lanes), F32), np.zeros((GATES, lanes), F32), n // lanes
        took = seconds(lambda hid=hid, acc=acc, k=k: repeat_lanes(w, hid, acc, k))
        batched = GATES * H * lanes * k / took / 1e9
        print(f"{lanes} windows as lanes: {batched:.1f} multiply-adds/ns ({batched / one:.2f}x)")
    for module in (Sutskever, Srivastava):
        net = module(n_features=30, hidden_size=30)
        for batch in (256, 1024, 4096):
            x = torch.randn(10, batch, 30)
            with torch.no_grad():
                per_s = batch / seconds(lambda x=x, net=net: net(x))
            print(f"torch {module.__name__}, batch {batch}: {per_s:,.0f} windows/s")


if __name__ == "__main__":
    main()
