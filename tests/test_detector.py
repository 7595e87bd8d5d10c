"""RollingDetector: deep-river equivalence, one forward per sample, blocks, warm-up, attribution."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from deep_river.anomaly import RollingAutoencoder
from river import preprocessing

from streamad import RollingDetector, _kernels
from streamad.detector import SCORE_MODES
from streamad.modules import Cho, Srivastava, Stacked, Sutskever


def stream(n: int, n_features: int = 30, seed: int = 0) -> list[dict[str, float]]:
    rng = np.random.default_rng(seed)
    t = np.arange(n)[:, None]
    values = np.sin(t / (5 + np.arange(n_features))) + 0.1 * rng.normal(size=(n, n_features))
    values[::97] += 4.0  # sparse anomalies
    return [{f"V{j}": float(v) for j, v in enumerate(row)} for row in values]


def run(model, xs):
    scaler, scores = preprocessing.StandardScaler(), []
    for x in xs:
        scaler.learn_one(x)
        x = scaler.transform_one(x)
        scores.append(model.score_one(x))
        model.learn_one(x)
    return np.array(scores)


def test_same_scores_as_deep_river_rolling_autoencoder():
    """The seed's example: StandardScaler, Sutskever(30 features), lr 0.005, same weights."""
    torch.manual_seed(7)
    module = Sutskever(n_features=30)
    xs = stream(1200)
    ref = run(RollingAutoencoder(module=copy.deepcopy(module), lr=0.005), xs)
    ours = run(RollingDetector(module=module, lr=0.005), xs)
    warm = 10  # deep-river scores 0.0 until its window is full
    assert np.all(ref[:warm] == 0.0) and np.all(ours[:warm] > 0.0)
    np.testing.assert_allclose(ours[warm:], ref[warm:], rtol=1e-5)


@pytest.mark.parametrize("module", [Cho, Srivastava, Stacked, Sutskever])
def test_each_module_learns_and_scores(module):
    det = RollingDetector(module=module, window_size=5, seed=1)
    scores = run(det, stream(120, n_features=4))
    assert np.all(np.isfinite(scores)) and det.n_learned == 120 and det.is_ready


@pytest.mark.parametrize("path", ["kernel", "autograd"])
def test_one_forward_per_sample_in_score_then_learn(path, monkeypatch):
    det = RollingDetector(window_size=4, hidden_size=4)
    xs = stream(30, n_features=3)
    det.score_one(xs[0])
    calls = []
    if path == "kernel":
        forward = _kernels.Kernel.forward
        monkeypatch.setattr(
            _kernels.Kernel, "forward", lambda *a: (calls.append(1), forward(*a))[1]
        )
    else:  # a hooked module runs through torch autograd
        det.module_.register_forward_hook(lambda *_: calls.append(1))
    for x in xs[1:]:
        det.score_one(x)
        det.score_one(x)  # scored again, as River's AnomalyFilter.learn_one does
        det.learn_one(x)
    assert len(calls) == len(xs) - 1


def test_score_one_changes_nothing_learned():
    det = RollingDetector(window_size=4, hidden_size=4)
    xs = stream(20, n_features=3)
    for x in xs[:10]:
        det.learn_one(x)
    before = det.get_state()
    det.score_one(xs[10])
    after = det.get_state()
    for key in before["module_state"]:
        assert torch.equal(before["module_state"][key], after["module_state"][key])
    assert torch.equal(before["window"]["buffer"], after["window"]["buffer"])
    assert before["counters"] == after["counters"]


@pytest.mark.parametrize("learned", [1, 2, 3, 4, 7])  # window still filling, full, moved on
def test_score_many_matches_score_one_row_by_row(learned):
    xs = stream(60, n_features=3)
    det = RollingDetector(window_size=5, hidden_size=4)
    for x in xs[:learned]:  # a window still filling: partial windows included
        det.learn_one(x)
    many = det.score_many(xs[learned:])
    frozen = RollingDetector(window_size=5, hidden_size=4, lr=0.0)
    for x in xs[:learned]:
        frozen.learn_one(x)
    frozen.module_.load_state_dict(det.module_.state_dict())
    one = []
    for x in xs[learned:]:
        one.append(frozen.score_one(x))
        frozen.learn_one(x)  # lr 0: only the window moves
    np.testing.assert_allclose(many, one, rtol=1e-5)
    assert det.n_learned == learned  # score_many learned nothing
    assert det.score_many(xs[learned : learned + 1])[0] == pytest.approx(
        det.score_one(xs[learned]), rel=1e-6
    )


def test_learn_many_of_one_row_is_learn_one():
    xs = stream(40, n_features=3)
    a, b = (
        RollingDetector(window_size=4, hidden_size=4),
        RollingDetector(window_size=4, hidden_size=4),
    )
    for x in xs:
        a.learn_one(x)
        b.learn_many([x])
    for key, value in a.module_.state_dict().items():
        torch.testing.assert_close(b.module_.state_dict()[key], value)


def test_block_update_learns_every_window_of_the_block():
    xs = stream(64, n_features=3)
    det = RollingDetector(window_size=4, hidden_size=4)
    for start in range(0, 64, 16):
        det.score_many(xs[start : start + 16])
        det.learn_many(xs[start : start + 16])
    assert det.n_learned == 64 and det.is_ready
    np.testing.assert_array_equal(det._window.last(4)[-1], np.float32(list(xs[-1].values())))


@pytest.mark.parametrize("path", ["kernel", "autograd"])
def test_a_block_step_is_as_long_as_one_step_per_window(path):
    """learn_many of k windows: SGD at k * lr on their mean loss, i.e. lr times the sum of
    the k windows' gradients (exact mode's k steps, taken from the same weights)."""
    from streamad._window import block_windows

    xs = stream(30, n_features=3)
    mse = torch.nn.functional.mse_loss
    loss = "mse" if path == "kernel" else lambda a, b, **kw: mse(a, b, **kw)
    det = RollingDetector(window_size=4, hidden_size=4, lr=0.05, loss_fn=loss)
    for x in xs[:10]:
        det.learn_one(x)
    assert (det._fast_kernel() is not None) == (path == "kernel")
    module = copy.deepcopy(det.module_)
    rows = np.array([list(x.values()) for x in xs[10:18]], dtype=np.float32)
    windows = block_windows(det._window.last(3), rows, 4).transpose(1, 0, 2)
    windows = torch.from_numpy(windows.copy())
    total = ((module(windows) - windows) ** 2).mean(dim=(0, 2)).sum()  # each window's mean loss
    grads = torch.autograd.grad(total, list(module.parameters()))
    det.learn_many(xs[10:18])
    for (name, before), grad in zip(module.named_parameters(), grads, strict=True):
        expected = before.detach() - 0.05 * grad
        torch.testing.assert_close(det.module_.state_dict()[name], expected, rtol=1e-4, atol=1e-6)


def test_warm_up_scores_partial_windows():
    det = RollingDetector(window_size=6, hidden_size=4)
    xs = stream(8, n_features=3)
    for i, x in enumerate(xs):
        assert det.is_ready == (i >= 5)
        score = det.score_one(x)
        assert np.isfinite(score) and score > 0.0
        det.learn_one(x)


def test_feature_errors_explain_the_score():
    det = RollingDetector(window_size=5, hidden_size=4)
    xs = stream(200, n_features=3)
    run(det, xs)
    spike = {"V0": 0.0, "V1": 25.0, "V2": 0.0}
    score = det.score_one(spike)
    errors = det.feature_errors
    assert list(errors) == ["V0", "V1", "V2"]
    assert np.mean(list(errors.values())) == pytest.approx(score, rel=1e-5)
    assert max(errors, key=errors.get) == "V1"


def test_module_class_is_built_under_its_seed_without_touching_global_state():
    state = torch.random.get_rng_state()
    a = RollingDetector(seed=3, hidden_size=4)
    b = RollingDetector(seed=3, hidden_size=4)
    x = stream(1, n_features=3)[0]
    assert a.score_one(x) == b.score_one(x)
    assert torch.equal(state, torch.random.get_rng_state())


def test_a_ready_module_is_copied_and_checked():
    module = Sutskever(n_features=3, hidden_size=4)
    original = copy.deepcopy(module.state_dict())
    det = RollingDetector(module=module, window_size=3)
    run(det, stream(20, n_features=3))
    for key, value in module.state_dict().items():
        assert torch.equal(value, original[key])  # the given instance stays untouched
    with pytest.raises(ValueError, match="built for 3 features"):
        RollingDetector(module=module).score_one({"a": 1.0})
    with pytest.raises(ValueError, match="need a module class"):
        RollingDetector(module=module, hidden_size=8).score_one(stream(1, n_features=3)[0])


def test_other_optimizers_and_losses():
    det = RollingDetector(optimizer_fn=torch.optim.Adam, loss_fn="l1", window_size=4, hidden_size=4)
    scores = run(det, stream(50, n_features=3))
    assert np.all(np.isfinite(scores))
    with pytest.raises(ValueError, match="unknown loss"):
        RollingDetector(loss_fn="nope")


def test_plugs_into_river_progressive_val_score_and_filters():
    from river import anomaly, evaluate, metrics

    xs = stream(400, n_features=3)
    labelled = [(x, int(i > 0 and i % 97 == 0)) for i, x in enumerate(xs)]
    detector = RollingDetector(Stacked, window_size=5, lr=0.05, encoder_sizes=(8, 4))
    model = preprocessing.StandardScaler() | detector
    result = evaluate.progressive_val_score(labelled, model, metrics.ROCAUC())
    assert result.get() > 0.6  # the spikes every 97 samples rank high
    assert detector.n_learned == 400

    filtered = anomaly.QuantileFilter(RollingDetector(window_size=5, hidden_size=4), q=0.95)
    alarms = 0
    for x, _ in labelled:
        alarms += filtered.classify(filtered.score_one(x))
        filtered.learn_one(x)
    assert 0 < alarms < 30


def test_last_reconstruction_gives_the_score():
    det = RollingDetector(window_size=4, hidden_size=4)
    assert det.last_reconstruction is None
    xs = stream(10, n_features=3)
    for x in xs:
        score = det.score_one(x)
        det.learn_one(x)
    window, reconstruction = det.last_reconstruction
    assert window.shape == reconstruction.shape == (4, 3)
    assert np.mean((window - reconstruction) ** 2) == pytest.approx(score, rel=1e-5)
    np.testing.assert_allclose(window[-1], [xs[-1][k] for k in sorted(xs[-1])], rtol=1e-6)


def test_skip_one_puts_the_reconstruction_in_the_window_and_learns_nothing():
    xs = stream(30, n_features=3)
    det = RollingDetector(window_size=4, hidden_size=4)
    for x in xs[:20]:
        det.learn_one(x)
    weights = {k: v.clone() for k, v in det.module_.state_dict().items()}
    det.score_one(xs[20])
    _, reconstruction = det.last_reconstruction
    det.skip_one(xs[20])
    for key, value in weights.items():
        assert torch.equal(det.module_.state_dict()[key], value)
    assert det.n_protected == 1 and det.n_learned == 20
    np.testing.assert_array_equal(det._window.last(1)[0], reconstruction[-1])
    assert not np.allclose(reconstruction[-1], [xs[20][k] for k in sorted(xs[20])])


def test_a_skipped_row_in_a_block_enters_the_window_as_its_reconstruction():
    xs = stream(30, n_features=3)
    det = RollingDetector(window_size=4, hidden_size=4)
    for x in xs[:20]:
        det.learn_one(x)
    frozen = copy.deepcopy(det)  # the weights a block is scored and reconstructed with
    frozen.optimizer_.param_groups[0]["lr"] = 0.0
    frozen.learn_one(xs[20])
    frozen.score_one(xs[21])
    expected = frozen.last_reconstruction[1][-1]
    det.learn_many(xs[20:24], skip=[False, True, False, False])
    np.testing.assert_allclose(det._window.last(3)[0], expected, rtol=1e-6)
    assert det.n_protected == 1 and det.n_learned == 23
    with pytest.raises(ValueError, match="one flag per row"):
        det.learn_many(xs[24:26], skip=[True])


def test_score_many_leaves_the_last_window_for_attribution():
    xs = stream(60, n_features=3)
    a, b = (RollingDetector(window_size=4, hidden_size=4) for _ in range(2))
    for x in xs[:40]:
        a.learn_one(x)
        b.learn_one(x)
    a.score_many(xs[40:50])
    b.learn_many(xs[40:49])  # lr aside, b's window now ends where a's last scored window does
    b.module_.load_state_dict(a.module_.state_dict())
    b.score_one(xs[49])
    assert a.feature_errors == pytest.approx(b.feature_errors, rel=1e-5)


def test_score_modes_come_from_one_forward_pass():
    from streamad.synth import SineWithSpikes

    xs = [x for x, _ in SineWithSpikes()][:200]
    dets = {m: RollingDetector(window_size=5, hidden_size=4, score_mode=m) for m in SCORE_MODES}
    for x in xs:
        scores = {m: d.score_one(x) for m, d in dets.items()}
        det = dets["max"]
        means = det._score_sums / det._score_count
        newest_errors = dets["newest"].feature_errors
        for d in dets.values():
            d.learn_one(x)
    window, reconstruction = dets["newest"].last_reconstruction
    assert scores["newest"] == pytest.approx(float(np.mean((window[-1] - reconstruction[-1]) ** 2)))
    assert scores["window"] == pytest.approx(float(np.mean((window - reconstruction) ** 2)))
    assert scores["max"] == pytest.approx(
        max(scores["window"] / means[0], scores["newest"] / means[1])
    )
    assert np.mean(list(newest_errors.values())) == pytest.approx(scores["newest"], rel=1e-5)


def test_a_point_anomaly_stands_out_more_in_newest_and_max_modes():
    import random

    rng = random.Random(0)
    xs = [{"a": rng.gauss(0, 0.1), "b": rng.gauss(0, 0.1)} for _ in range(400)]
    xs[350] = {"a": 3.0, "b": 0.0}
    ratio = {}
    for mode in SCORE_MODES:
        det = RollingDetector(window_size=10, hidden_size=4, score_mode=mode)
        scores = []
        for x in xs:
            scores.append(det.score_one(x))
            det.learn_one(x)
        after = scores[351:360]  # the windows that still hold the spike
        ratio[mode] = scores[350] / np.median(after)
    assert ratio["newest"] > 3 * ratio["window"]
    assert ratio["max"] > 3 * ratio["window"]


def test_score_mode_is_checked_and_saved(tmp_path):
    with pytest.raises(ValueError, match="score_mode"):
        RollingDetector(score_mode="mean")
    det = RollingDetector(window_size=3, hidden_size=2, score_mode="max")
    for i in range(20):
        det.learn_one({"a": float(i % 3)})
    det.save(tmp_path / "d.ckpt")
    loaded = RollingDetector.load(tmp_path / "d.ckpt")
    assert loaded.score_mode == "max" and loaded._score_count == det._score_count
    assert loaded.score_one({"a": 1.0}) == det.score_one({"a": 1.0})


def test_plain_sgd_builds_no_torch_optimizer_until_asked():
    """The kernel's SGD step needs only the learning rate; a torch optimizer, built when asked
    for, is honoured from then on (here a learning rate set to 0 freezes the weights)."""
    xs = stream(12, n_features=3)
    det = RollingDetector(window_size=3, hidden_size=4)
    for x in xs[:8]:
        det.score_one(x)
        det.learn_one(x)
    assert det._optimizer is None and det._fast_kernel() is not None
    det.optimizer_.param_groups[0]["lr"] = 0.0
    before = copy.deepcopy(det.module_.state_dict())
    for x in xs[8:]:
        det.learn_one(x)
    for name, value in det.module_.state_dict().items():
        assert torch.equal(value, before[name])


def test_the_first_sample_does_not_import_torch_dynamo():
    """Building a torch optimizer imports torch._dynamo (about a second): not on the fast path."""
    import subprocess
    import sys

    code = (
        "import sys; from streamad import RollingDetector; d = RollingDetector(window_size=3);"
        "x = {'a': 1.0, 'b': 2.0}; d.score_one(x); d.learn_one(x);"
        "assert d._fast_kernel() is not None; print('torch._dynamo' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
