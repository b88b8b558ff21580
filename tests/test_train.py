"""autograd.train: fit, accuracy, evaluate, predict; and autograd.plots."""

from __future__ import annotations

import math

import pytest

from autograd import Value, nn, optim, plots, train
from autograd.data import make_moons, make_spiral, train_test_split


def _moons(n=80, seed=0):
    X, y = make_moons(n, noise=0.1, seed=seed)
    return train_test_split(X, y, 0.25, seed=seed, stratify=True)


def _fit(seed=0, epochs=3, **kw):
    Xtr, Xte, ytr, yte = _moons()
    model = nn.MLP(2, [8, 1], seed=seed)
    opt = optim.Adam(model.parameters(), lr=0.05)
    hist = train.fit(model, nn.binary_cross_entropy_with_logits, Xtr, ytr, epochs, opt, 16, Xte, yte,
                     progress=False, seed=seed, **kw)  # fmt: skip
    return model, hist


def test_fit_returns_a_history_and_learns():
    _, hist = _fit(epochs=12)
    assert len(hist) == 12 and all(len(v) == 12 for v in hist.as_dict().values())
    assert hist.loss[-1] < hist.loss[0] * 0.7
    assert hist["val_acc"] is hist.val_acc and hist.val_acc[-1] >= 0.8
    assert all(0.0 <= a <= 1.0 for a in hist.train_acc + hist.val_acc)
    with pytest.raises(KeyError, match="'loss', 'train_acc'"):
        hist["acc"]


def test_same_seed_gives_identical_weights_and_history():
    (m1, h1), (m2, h2) = _fit(seed=4), _fit(seed=4)
    assert m1.state_dict() == m2.state_dict()
    assert h1 == h2
    m3, h3 = _fit(seed=5)
    assert m3.state_dict() != m1.state_dict() and h3 != h1


def test_fit_history_loss_is_the_mean_over_the_epoch():
    X, y = [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]], [1, 0, 1]
    model = nn.MLP(2, [1], seed=0)
    before = nn.binary_cross_entropy_with_logits([model(x) for x in X], y).data
    hist = train.fit(model, nn.binary_cross_entropy_with_logits, X, y, 1,
                     optim.SGD(model.parameters(), lr=0.0), None, progress=False)  # fmt: skip
    assert hist.loss == [pytest.approx(before, abs=1e-15)] and hist.val_acc == []


def test_fit_trains_multiclass_with_cross_entropy():
    X, y = make_spiral(30, classes=3, seed=0)
    model = nn.MLP(2, [12, 3], seed=0)
    hist = train.fit(model, nn.cross_entropy, X, y, 8, optim.Adam(model.parameters(), lr=0.05),
                     batch_size=30, progress=False)  # fmt: skip
    assert hist.loss[-1] < hist.loss[0]
    assert train.accuracy(model, X, y) == pytest.approx(hist.train_acc[-1], abs=0.15)


def test_fit_shows_a_progress_bar_with_loss_and_accuracy(capsys):
    Xtr, _, ytr, _ = _moons(40)
    model = nn.MLP(2, [4, 1], seed=0)
    train.fit(model, nn.binary_cross_entropy_with_logits, Xtr, ytr, 2, batch_size=10, progress=True)
    err = capsys.readouterr().err
    assert "epoch 2/2" in err and "loss=" in err and "acc=" in err and "batch" in err
    train.fit(model, nn.binary_cross_entropy_with_logits, Xtr, ytr, 1, progress=False)
    assert capsys.readouterr().err == ""


def test_step_function_can_be_swapped():
    calls = []

    def step(model, loss_fn, Xb, yb):
        calls.append(len(Xb))
        return train.loss_and_grad(model, loss_fn, Xb, yb)

    Xtr, _, ytr, _ = _moons(40)
    model = nn.MLP(2, [4, 1], seed=0)
    train.fit(model, nn.binary_cross_entropy_with_logits, Xtr, ytr, 2, batch_size=7, progress=False, step=step)
    assert calls == [7, 7, 7, 7, 2] * 2


def test_fit_stops_with_a_clear_error_when_training_diverges():
    X, y = [[1.0, 1.0]] * 4, [1.0, 2.0, 3.0, 4.0]
    model = nn.MLP(2, [4, 1], seed=0)
    with pytest.raises(FloatingPointError, match=r"diverged.*Lower the learning rate"):
        train.fit(model, nn.mse_loss, X, y, 50, optim.SGD(model.parameters(), lr=1e6), progress=False)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"epochs": 0}, "epochs must be a positive"),
        ({"batch_size": 0}, "batch_size must be a positive"),
        ({"X_val": [[0.0, 0.0]]}, "pass both X_val and y_val"),
        ({"X_val": [[0.0, 0.0]], "y_val": []}, "validation data.*1 samples but y has 0"),
        ({"y": [0]}, "X has 2 samples but y has 1"),
    ],
)
def test_fit_errors(kwargs, pattern):
    model = nn.MLP(2, [1], seed=0)
    args = {"X": [[0.0, 1.0], [1.0, 0.0]], "y": [0, 1], "epochs": 1, **kwargs}
    with pytest.raises(ValueError, match=pattern):
        train.fit(model, nn.binary_cross_entropy_with_logits, progress=False, **args)


def test_loss_fn_must_return_a_value():
    model = nn.MLP(2, [1], seed=0)
    with pytest.raises(TypeError, match="loss_fn must return a Value"):
        train.fit(model, lambda o, t: 0.0, [[0.0, 1.0]], [1], 1, progress=False)


def test_accuracy_predict_and_evaluate():
    class Fixed:
        def __init__(self, outs):
            self.outs = outs

        def __call__(self, x):
            return self.outs[x]

    binary = Fixed({0: Value(2.0), 1: Value(-1.0), 2: Value(0.5)})
    assert train.accuracy(binary, [0, 1, 2], [1, 0, 0]) == pytest.approx(2 / 3)
    assert train.accuracy(binary, [0, 1, 2], [1, -1, 1]) == 1.0  # -1/+1 labels work too
    multi = Fixed({0: [Value(0.1), Value(3.0), Value(1.0)], 1: [Value(5.0), Value(5.0), Value(1.0)]})
    assert train.accuracy(multi, [0, 1], [1, 0]) == 1.0  # ties go to the first class
    assert train.predict([1.0, 3.0, 2.0]) == 1 and train.predict(Value(-0.1)) == 0
    assert train.predict(0.7, threshold=0.5) == 1
    loss, acc = train.evaluate(multi, nn.cross_entropy, [0, 1], [1, 2])
    expected = ((math.log(math.exp(0.1) + math.exp(3) + math.e) - 3) + (math.log(2 * math.exp(5) + math.e) - 1)) / 2
    assert loss == pytest.approx(expected, rel=1e-12) and acc == 0.5
    with pytest.raises(ValueError, match="empty"):
        train.accuracy(binary, [], [])


def test_plots_write_pngs(tmp_path):
    pytest.importorskip("matplotlib")
    model, hist = _fit(epochs=2)
    Xtr, Xte, ytr, yte = _moons()
    plots.plot_history(hist, str(tmp_path / "loss.png"))
    plots.plot_decision_boundary(model, Xtr, ytr, str(tmp_path / "db.png"), Xte, yte, resolution=20)
    for name in ("loss.png", "db.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="2-dimensional"):
        plots.plot_decision_boundary(model, [[1.0, 2.0, 3.0]], [0], str(tmp_path / "x.png"))


def test_decision_boundary_draws_into_given_axes_with_labelled_axes(tmp_path):
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    model, _ = _fit(epochs=1)
    Xtr, _, ytr, _ = _moons()
    fig = Figure()
    left, right = fig.subplots(1, 2)
    assert plots.plot_decision_boundary(model, Xtr, ytr, ax=right, resolution=10) is right
    assert (right.get_xlabel(), right.get_ylabel()) == ("x0", "x1")
    assert left.get_xlabel() == "" and not list(tmp_path.iterdir())  # only the given axes, and no file
    named = plots.plot_decision_boundary(model, Xtr, ytr, str(tmp_path / "db.png"), resolution=10,
                                         feature_names=("width", "height"))  # fmt: skip
    assert (named.get_xlabel(), named.get_ylabel()) == ("width", "height")
    assert (tmp_path / "db.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="needs a path to write a PNG to, or ax="):
        plots.plot_decision_boundary(model, Xtr, ytr)
