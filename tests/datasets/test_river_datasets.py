"""CreditCard, HTTP and SMTP against the data README's counts and River's own readers."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from river import datasets as river_datasets

from streamad.datasets import HTTP, SMTP, CreditCard

CASES = [
    # loader, River class, file under the data folder, rows, positives
    (CreditCard, river_datasets.CreditCard, "creditcard/creditcard.csv.gz", 284_807, 492),
    (HTTP, river_datasets.HTTP, "river_http/kdd99_http.csv.gz", 567_498, 2_211),
    (SMTP, river_datasets.SMTP, "river_smtp/smtp.csv.gz", 95_156, 30),
]
IDS = [case[0].__name__ for case in CASES]


def _river_rows(river_cls, path: Path, n: int):
    """The first n samples of River's own dataset class, reading our local file (no download)."""

    class Local(river_cls):
        @property
        def path(self):
            return path

    return list(itertools.islice(Local()._iter(), n))


@pytest.mark.parametrize(("loader", "river_cls", "file", "rows", "positives"), CASES, ids=IDS)
def test_counts_match_the_data_readme(data_dir, loader, river_cls, file, rows, positives):
    stream = loader(data_dir / file)
    n = n_pos = 0
    for _, y in stream:
        n += 1
        n_pos += y
    assert (n, n_pos) == (rows, positives)
    assert stream.n_samples == rows == river_cls().n_samples


@pytest.mark.parametrize(("loader", "river_cls", "file", "rows", "positives"), CASES, ids=IDS)
def test_first_rows_equal_rivers(data_dir, loader, river_cls, file, rows, positives):
    ours = list(loader(data_dir / file).take(2000))
    theirs = _river_rows(river_cls, data_dir / file, 2000)
    assert ours == theirs
    assert list(ours[0][0]) == list(theirs[0][0])  # same keys in the same order
    assert all(type(v) is float for v in ours[0][0].values()) and type(ours[0][1]) is int
    assert loader(data_dir / file).n_features == river_cls().n_features == len(ours[0][0])


def test_wrong_file_names_the_missing_column(tmp_path):
    path = tmp_path / "smtp.csv"
    path.write_text("duration,src_bytes,dst_bytes,label\n0.1,7.1,5.8,0\n")
    message = r"no label column 'service'; available columns: .*'label'"
    with pytest.raises(ValueError, match=message):
        SMTP(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="creditcard.csv.gz"):
        CreditCard(tmp_path / "creditcard.csv.gz")
