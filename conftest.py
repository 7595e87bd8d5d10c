"""Settings for the whole test run, doctests included."""

from __future__ import annotations

import torch

# One torch thread: the test machines have two shared cores, and torch's second thread makes
# small LSTM steps up to ten times slower when the other core is busy.
torch.set_num_threads(1)
