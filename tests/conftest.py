"""Shared fixtures: where the real data sets live; the kernel every test runs on."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The compiled kernel in the foreground, as in a run with numba's cache warm: every test sees the
# same kernel whatever the cache holds (the background compile has its own tests).
os.environ.setdefault("STREAMAD_KERNEL", "compiled")

DATA = Path(
    os.environ.get("STREAMAD_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data")
)


@pytest.fixture(autouse=True)
def no_checkpoint_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Checkpoints unsigned unless a test sets a key: a key in the shell changes no test."""
    monkeypatch.delenv("STREAMAD_CHECKPOINT_KEY", raising=False)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared data folder; tests that use it skip with a message when it is absent."""
    if not DATA.is_dir():
        pytest.skip(f"data folder {DATA} is absent: set STREAMAD_DATA to the shared data sets")
    return DATA.resolve()


@pytest.fixture(scope="session")
def river_data(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A River data home holding River's CreditCard file, made from the shared copy.

    River's check suite streams ``river.datasets.CreditCard``, which River would download; the
    shared data set is the same CSV, gzipped, so it is unpacked once into a temporary folder.
    """
    import gzip
    import shutil

    source = data_dir / "creditcard" / "creditcard.csv.gz"
    if not source.exists():
        pytest.skip(f"{source} is absent: River's anomaly checks need the CreditCard data set")
    home = tmp_path_factory.mktemp("river_data")
    (home / "CreditCard").mkdir()
    with gzip.open(source, "rb") as src, open(home / "CreditCard" / "creditcard.csv", "wb") as dst:
        shutil.copyfileobj(src, dst)
    os.environ["RIVER_DATA"] = str(home)
    return home
