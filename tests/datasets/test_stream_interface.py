"""`Stream` has River's `Dataset` interface without importing River's data sets."""

from __future__ import annotations

import pytest
from river import compose, evaluate, linear_model, metrics, preprocessing, stream
from river.datasets import base as river_base

from streamad.datasets import Stream
from streamad.synth import SineWithSpikes

FIELDS = ("task", "n_features", "n_samples", "n_classes", "n_outputs", "sparse")


class Unlabelled(Stream):
    """Three samples without labels.

    Parameters
    ----------
    n
        How many.
    """

    def __init__(self, n: int = 3):
        super().__init__(n_features=1, n_samples=n, labelled=False)
        self.n = n

    def __iter__(self):
        for i in range(self.n):
            yield {"value": float(i)}, None


@pytest.mark.parametrize(
    ("ours", "river_args"),
    [
        (SineWithSpikes(n=200, spikes=((50, 9.0),)), (river_base.BINARY_CLF, 1, 200, 2)),
        (Unlabelled(), ("Unlabelled stream", 1, 3, None)),
    ],
    ids=["labelled", "unlabelled"],
)
def test_the_fields_are_those_of_a_river_dataset(ours, river_args):
    class Theirs(river_base.Dataset):
        def __iter__(self):
            yield from ()

    theirs = Theirs(*river_args)
    assert {f: getattr(ours, f) for f in FIELDS} == {f: getattr(theirs, f) for f in FIELDS}


def test_take_and_desc_as_river_gives_them():
    assert list(Unlabelled().take(2)) == [({"value": 0.0}, None), ({"value": 1.0}, None)]
    assert Unlabelled().desc == "Three samples without labels."


def test_rivers_utilities_take_a_stream():
    model = compose.Pipeline(preprocessing.StandardScaler(), linear_model.LogisticRegression())
    metric = evaluate.progressive_val_score(
        SineWithSpikes(n=300, spikes=((50, 9.0),)), model, metrics.Accuracy()
    )
    assert metric.get() > 0.9  # the label is 0 nearly everywhere
    shuffled = list(stream.shuffle(SineWithSpikes(n=50, spikes=()), buffer_size=10, seed=1))
    assert sorted(x["value"] for x, _ in shuffled) == sorted(
        x["value"] for x, _ in SineWithSpikes(n=50, spikes=())
    )
