"""The ULB credit-card fraud data set, read from a local copy of River's `creditcard.csv`."""

from __future__ import annotations

from streamad.datasets import _reader
from streamad.datasets.csv import CSVStream

__all__ = ["CreditCard"]

#: The features of River's `datasets.CreditCard`, in its order.
FEATURES = ("Time", *(f"V{i}" for i in range(1, 29)), "Amount")


class CreditCard(CSVStream):
    """Credit-card transactions of September 2013 (ULB), 492 frauds among 284,807 rows.

    Reads River's `creditcard.csv` (or a gzipped copy) from `path` and yields exactly what River's
    `datasets.CreditCard` yields: `x` holds 'Time', 'V1'..'V28' and 'Amount' as floats, in that
    order, and `y` is the 'Class' column as an int (1 = fraud). Rows come in file order, which is
    ordered by 'Time'. `n_samples` is the published size (284,807); it is not checked against the
    file.

    Parameters
    ----------
    path
        The file `creditcard.csv` or `creditcard.csv.gz`.

    Examples
    --------
    A two-row file in the same format:

    >>> import pathlib, tempfile
    >>> from streamad.datasets import CreditCard
    >>> from streamad.datasets.creditcard import FEATURES
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "creditcard.csv"
    >>> header = ",".join(f'"{c}"' for c in [*FEATURES, "Class"])
    >>> rows = [",".join(["0"] * 30 + ['"0"']), ",".join(["1"] * 29 + ["2.5", '"1"'])]
    >>> _ = path.write_text("\\n".join([header, *rows]) + "\\n")
    >>> cards = CreditCard(path)
    >>> cards
    CreditCard(path=...)
    >>> x, y = list(cards)[1]
    >>> len(x), x["Time"], x["Amount"], y
    (30, 1.0, 2.5, 1)
    >>> sum(y for _, y in cards)
    1

    """

    def __init__(self, path: _reader.StrPath):
        super().__init__(path, label="Class", features=FEATURES)
        self.n_samples = 284_807
