"""NASA spacecraft telemetry (SMAP and MSL, the Telemanom data): one channel's train or test
split, with its command columns named as context."""

from __future__ import annotations

from pathlib import Path

from streamad.datasets import _reader
from streamad.datasets.csv import CSVStream

__all__ = ["SMAPMSL", "telemetry_channels"]

SPLITS = ("train", "test")


def telemetry_channels(root: _reader.StrPath) -> list[str]:
    """The channel folders under ``root`` (``msl-C-1``, ``smap-A-2``...), sorted by name.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from streamad.datasets import telemetry_channels
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("smap-A-2", "msl-C-1"):
    ...     (root / name).mkdir()
    ...     _ = (root / name / "test.csv").write_text("value,cmd_1,label\\n0.5,0,0\\n")
    >>> telemetry_channels(root)
    ['msl-C-1', 'smap-A-2']
    """
    folder = Path(root)
    if not folder.is_dir():
        raise FileNotFoundError(f"SMAP/MSL folder not found: {folder}")
    return sorted(
        p.name
        for p in folder.iterdir()
        if p.is_dir() and any((p / f"test.csv{ext}").is_file() for ext in (".gz", ""))
    )


class SMAPMSL(CSVStream):
    """One telemetry channel: the telemetry ``value`` (scaled to [-1, 1]) and the one-hot
    commands sent, ``cmd_1``..``cmd_k`` (k = 24 or 54).

    The commands are context: they tell the model what the spacecraft was asked to do, but an
    anomaly is a telemetry value that does not fit (Hundman et al. 2018 predict only
    ``value``). :attr:`context` names them, ready for ``Monitor(context=...)``. The train split
    is unlabelled (normal); the test split yields the 0/1 ``label`` column.

    Parameters
    ----------
    root
        The SMAP/MSL folder, holding one folder per channel with ``train.csv(.gz)`` and
        ``test.csv(.gz)``.
    channel
        The channel's folder name, e.g. ``msl-C-1``.
    split
        ``'train'`` or ``'test'``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from streamad.datasets import SMAPMSL
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "msl-X-1").mkdir()
    >>> _ = (root / "msl-X-1" / "test.csv").write_text(
    ...     "value,cmd_1,cmd_2,label\\n0.1,0,0,0\\n0.9,1,0,1\\n")
    >>> channel = SMAPMSL(root, "msl-X-1")
    >>> channel.context, channel.n_samples
    (('cmd_1', 'cmd_2'), 2)
    >>> [y for _, y in channel]
    [0, 1]
    """

    def __init__(self, root: _reader.StrPath, channel: str, split: str = "test"):
        if split not in SPLITS:
            raise ValueError(f"split must be 'train' or 'test', not {split!r}")
        folder = Path(root) / channel
        if not folder.is_dir():
            raise FileNotFoundError(f"SMAP/MSL channel folder not found: {folder}")
        path = next(
            (p for p in (folder / f"{split}.csv.gz", folder / f"{split}.csv") if p.is_file()),
            folder / f"{split}.csv.gz",
        )
        super().__init__(path, label="label" if split == "test" else None)
        self.n_samples = _reader.count_rows(path)
        self.root = root
        self.channel = channel
        self.split = split
        self.context = tuple(c for c in self.columns if c != "value")
