"""curve_shift against a pandas rendering of the rare-event seed's curve_shift."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from streamad.synth import curve_shift


def _seed_curve_shift(df: pd.DataFrame, shift_by: int) -> pd.DataFrame:
    """The seed's semantics: add the label column shifted by 1..|shift_by| rows (repeatedly),
    drop the original event rows, and make the summed label binary."""
    vector = df["y"].copy()
    for _ in range(abs(shift_by)):
        vector += vector.shift(-1 if shift_by < 0 else 1).fillna(0)
    out = df.assign(y_shifted=vector)
    out = out[out["y"] != 1].drop(columns="y").rename(columns={"y_shifted": "y"})
    out["y"] = (out["y"] > 0).astype(int)
    return out


def test_hand_made_example():
    labels = [0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0]
    stream = [({"t": float(i)}, y) for i, y in enumerate(labels)]
    out = [(int(x["t"]), y) for x, y in curve_shift(stream, 2)]
    assert out == [(0, 0), (1, 0), (2, 1), (3, 1), (5, 1), (6, 1), (9, 0), (10, 0), (11, 0)]


@pytest.mark.parametrize("shift", [0, 1, 2, 3, 5])
def test_matches_the_seed_on_random_labels(shift):
    rng = np.random.default_rng(shift)
    labels = (rng.random(400) < 0.05).astype(int)
    df = pd.DataFrame({"t": np.arange(400.0), "y": labels})
    expected = _seed_curve_shift(df, -shift)
    out = list(curve_shift((({"t": t}, y) for t, y in zip(df["t"], labels, strict=True)), shift))
    assert [x["t"] for x, _ in out] == expected["t"].tolist()
    assert [y for _, y in out] == expected["y"].tolist()


def test_streaming_holds_back_at_most_shift_samples():
    seen = []

    def source():
        for i in range(20):
            seen.append(i)
            yield {"t": float(i)}, int(i == 10)

    for x, _ in curve_shift(source(), 3):
        assert seen[-1] - x["t"] <= 3


def test_bad_input():
    with pytest.raises(ValueError, match="shift must be an integer >= 0"):
        curve_shift([], -2)
    with pytest.raises(ValueError, match="sample 1 has no label"):
        list(curve_shift([({"a": 1.0}, 0), ({"a": 1.0}, None)], 1))
