"""The KDD Cup 1999 `http` and `smtp` subsets, read from local copies of River's CSV files."""

from __future__ import annotations

from streamad.datasets import _reader
from streamad.datasets.csv import CSVStream

__all__ = ["HTTP", "SMTP"]

#: The features of River's `datasets.HTTP` and `datasets.SMTP`, in their order.
FEATURES = ("duration", "src_bytes", "dst_bytes")


class HTTP(CSVStream):
    """KDD Cup 1999 HTTP connections: 2,211 attacks among 567,498 rows.

    Reads River's `kdd99_http.csv` (or a gzipped copy) from `path` and yields what River's
    `datasets.HTTP` yields: `x` holds 'duration', 'src_bytes' and 'dst_bytes' as floats (already
    log-transformed in the file) and `y` is the column named 'service' as an int (1 = attack).
    `n_samples` is the published size; it is not checked against the file.

    Parameters
    ----------
    path
        The file `kdd99_http.csv` or `kdd99_http.csv.gz`.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from streamad.datasets import HTTP
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "kdd99_http.csv"
    >>> rows = ["duration,src_bytes,dst_bytes,service", "-2.3,5.4,10.7,0", "-2.3,9.9,0.1,1"]
    >>> _ = path.write_text("\\n".join(rows))
    >>> http = HTTP(path)
    >>> next(iter(http))
    ({'duration': -2.3, 'src_bytes': 5.4, 'dst_bytes': 10.7}, 0)
    >>> sum(y for _, y in http)
    1

    """

    def __init__(self, path: _reader.StrPath):
        super().__init__(path, label="service", features=FEATURES)
        self.n_samples = 567_498


class SMTP(CSVStream):
    """KDD Cup 1999 SMTP connections: 30 attacks among 95,156 rows.

    Reads River's `smtp.csv` (or a gzipped copy) from `path` and yields what River's
    `datasets.SMTP` yields: `x` holds 'duration', 'src_bytes' and 'dst_bytes' as floats and `y`
    is the column named 'service' as an int (1 = attack). `n_samples` is the published size; it
    is not checked against the file.

    Parameters
    ----------
    path
        The file `smtp.csv` or `smtp.csv.gz`.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from streamad.datasets import SMTP
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "smtp.csv"
    >>> rows = ["duration,src_bytes,dst_bytes,service", "0.1,7.1,5.8,0", "0.1,7.4,5.8,0"]
    >>> _ = path.write_text("\\n".join(rows))
    >>> smtp = SMTP(path)
    >>> smtp.n_features, smtp.n_samples
    (3, 95156)
    >>> sum(y for _, y in smtp)
    0

    """

    def __init__(self, path: _reader.StrPath):
        super().__init__(path, label="service", features=FEATURES)
        self.n_samples = 95_156
