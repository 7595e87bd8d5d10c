"""Local-file loaders for labelled anomaly-detection data sets.

Every loader reads from a path given to it (nothing is downloaded or bundled) and is a re-iterable
`Stream` of River-style pairs `(x, y)`: `x` maps feature names to floats, `y` is the 0/1 anomaly
label, or None for unlabelled data. Streams have the interface of River `Dataset`s (`take(n)`,
`n_features`, `n_samples`, ...) without importing River's data sets.

- `CreditCard`, `HTTP`, `SMTP`: River's data sets, from local copies of River's CSV files.
- `NABSeries`, `nab_corpus`: the Numenta Anomaly Benchmark, with its anomaly windows.
- `SMD`, `interpretation`: the Server Machine Dataset and its per-anomaly feature labels.
- `SMAPMSL`, `telemetry_channels`: NASA spacecraft telemetry, commands named as context.
- `CSVStream`, `DataFrameStream`: any CSV file or pandas DataFrame.
"""

from __future__ import annotations

from streamad.datasets.base import Sample, Stream
from streamad.datasets.creditcard import CreditCard
from streamad.datasets.csv import CSVStream, DataFrameStream
from streamad.datasets.kdd99 import HTTP, SMTP
from streamad.datasets.nab import NABSeries, nab_corpus, window_labels
from streamad.datasets.smap_msl import SMAPMSL, telemetry_channels
from streamad.datasets.smd import SMD, AnomalySegment, interpretation

__all__ = [
    "AnomalySegment",
    "CSVStream",
    "CreditCard",
    "DataFrameStream",
    "HTTP",
    "NABSeries",
    "SMAPMSL",
    "SMD",
    "SMTP",
    "Sample",
    "Stream",
    "interpretation",
    "nab_corpus",
    "telemetry_channels",
    "window_labels",
]
