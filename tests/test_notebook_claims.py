"""Every number a notebook in notebooks/ claims, asserted with the library.

The notebooks are executed in CI (``pytest --nbmake notebooks``), which proves that they run,
not that their prose is right. This module recomputes what the prose states: the setups are
mirrored here as functions with the notebooks' code, and ``test_mirrored_code_is_in_the_notebook``
checks that each mirrored function still appears verbatim in its notebook, so a notebook's code
and this module cannot drift apart.
"""

from __future__ import annotations

import inspect
import json
import math
from pathlib import Path

import pytest

import autograd
from autograd import Value, grad, nn, numerical_grad
from autograd.data import load_digits, make_moons, train_test_split
from autograd.engine import topological_order
from autograd.functional import jacfwd, jacobian, jvp
from autograd.optim import SGD, Adam, linear_decay
from autograd.train import accuracy, fit

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def notebook_code(name: str) -> str:
    cells = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")

# --------------------------------------------------------------------------
# 01_data_driven_learning.ipynb (mirrored code)
# --------------------------------------------------------------------------


def overfit_data():
    X, y = make_moons(60, noise=0.35, seed=0)
    return train_test_split(X, y, test_size=0.3, seed=0)


def train(model, X_train, y_train, progress=True):
    optimizer = Adam(model.parameters(), lr=0.01)
    return fit(model, nn.binary_cross_entropy_with_logits, X_train, y_train,
               epochs=300, optimizer=optimizer, progress=progress)


def test_nb1_splits() -> None:
    X_digits, y_digits = load_digits()
    assert (len(X_digits), len(X_digits[0])) == (1797, 64)
    for test_size, sizes in [(0.2, (1437, 360)), (0.3, (1257, 540))]:
        X_train, X_test, _, _ = train_test_split(X_digits, y_digits, test_size=test_size, seed=0)
        assert (len(X_train), len(X_test)) == sizes
    _, _, y_train, y_test = train_test_split(X_digits, y_digits, test_size=0.2, seed=0, stratify=True)
    for d in range(10):  # 'every digit keeps the same share on both sides (here about 10% each)'
        assert y_test.count(d) / len(y_test) == pytest.approx(y_train.count(d) / len(y_train), abs=0.005)
        assert 0.09 < y_test.count(d) / len(y_test) < 0.11


@pytest.fixture(scope="module")
def nb1_models():
    X_train, X_test, y_train, y_test = overfit_data()
    big = nn.MLP(2, [32, 32, 1], seed=0)
    train(big, X_train, y_train, progress=False)
    small = nn.MLP(2, [4, 1], seed=0)
    train(small, X_train, y_train, progress=False)
    return big, small, (X_train, X_test, y_train, y_test)


def test_nb1_train_accuracy_above_test_accuracy(nb1_models) -> None:
    big, small, (X_train, X_test, y_train, y_test) = nb1_models
    assert (len(X_train), len(X_test)) == (42, 18)
    assert (big.num_parameters(), small.num_parameters()) == (1185, 17)
    big_train, big_test = accuracy(big, X_train, y_train), accuracy(big, X_test, y_test)
    # 'A perfect score on the training set, and much less on the test set.'
    assert big_train == 1.0
    assert big_test <= big_train - 0.2
    # The small network 'does as well on the test data as on the training data, and better on the
    # test data than the big network.'
    small_train, small_test = accuracy(small, X_train, y_train), accuracy(small, X_test, y_test)
    assert small_test >= small_train
    assert small_test > big_test


# --------------------------------------------------------------------------
# 02_loss_functions.ipynb (mirrored code)
# --------------------------------------------------------------------------

X, labels = make_moons(40, noise=0.1, seed=0)
W1, B = -2.0, 0.5


def classifier(w0):
    return lambda x: w0 * x[0] + W1 * x[1] + B


def accuracy_at(w0):
    return accuracy(classifier(w0), X, labels)


def loss_at(w0):
    scores = [classifier(w0)(x) for x in X]
    return nn.binary_cross_entropy_with_logits(scores, labels)


w0s = [-4 + 8 * i / 299 for i in range(300)]  # 300 sample points


def test_nb2_mse_by_hand_and_nn() -> None:
    y_pred, y_true = [2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0]
    by_hand = sum((p - t) ** 2 for p, t in zip(y_pred, y_true)) / len(y_pred)
    preds = [Value(p) for p in y_pred]
    loss = nn.mse_loss(preds, y_true)
    loss.backward()
    assert by_hand == loss.data == 0.375
    assert [p.grad for p in preds] == [-0.25, 0.25, 0.0, 0.5]


BOOK_T = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
BOOK_Y = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
BOOK_Y_WRONG = [0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0]


def test_nb2_sum_of_squares_and_the_books_comparison() -> None:
    sse = 0.5 * sum((yk - tk) ** 2 for yk, tk in zip(BOOK_Y, BOOK_T))
    assert sse == pytest.approx(0.0975)
    assert 0.5 * nn.mse_loss([Value(v) for v in BOOK_Y], BOOK_T, reduction="sum").data == pytest.approx(0.0975)
    sse_wrong = 0.5 * sum((yk - tk) ** 2 for yk, tk in zip(BOOK_Y_WRONG, BOOK_T))
    assert sse_wrong == pytest.approx(0.5975)
    assert -math.log(BOOK_Y[2]) == pytest.approx(0.5108, abs=5e-5)
    assert -math.log(BOOK_Y_WRONG[2]) == pytest.approx(2.3026, abs=5e-5)


def test_nb2_cross_entropy_by_hand_and_nn() -> None:
    logits, target = [2.0, 1.0, 0.1], 0
    exps = [math.exp(z) for z in logits]
    by_hand = [e / sum(exps) for e in exps]
    z = [Value(v) for v in logits]
    probs = nn.softmax(z)
    ce = nn.cross_entropy(z, target)
    ce.backward()
    assert [p.data for p in probs] == pytest.approx(by_hand, rel=1e-12)
    assert [round(p, 4) for p in by_hand] == [0.659, 0.2424, 0.0986]
    assert ce.data == pytest.approx(-math.log(by_hand[0]), rel=1e-12)
    assert round(ce.data, 4) == 0.417
    # d CE / d logits = p - one-hot
    assert [v.grad for v in z] == pytest.approx([by_hand[0] - 1, by_hand[1], by_hand[2]], rel=1e-9)


def test_nb2_accuracy_has_derivative_zero_at_every_sample() -> None:
    h = 1e-4
    d_acc = [(accuracy_at(w0 + h) - accuracy_at(w0 - h)) / (2 * h) for w0 in w0s]
    assert all(d == 0 for d in d_acc)
    d_loss = [grad(loss_at)(w0) for w0 in w0s]
    assert all(d != 0 for d in d_loss)
    d_loss_numerical = [(float(loss_at(w0 + h)) - float(loss_at(w0 - h))) / (2 * h) for w0 in w0s]
    assert max(abs(a - b) for a, b in zip(d_loss, d_loss_numerical)) < 1e-9
    # The sign says which way to go: negative left of the minimum, positive right of it.
    losses = [float(loss_at(w0)) for w0 in w0s]
    best = losses.index(min(losses))
    assert all(d < 0 for d in d_loss[:best]) and all(d > 0 for d in d_loss[best + 1 :])
    # 'the loss is lowest near w0 = 1, while the accuracy peaks near w0 = 0.5'
    accs = [accuracy_at(w0) for w0 in w0s]
    assert 0.8 <= w0s[best] <= 1.2
    assert 0.3 <= w0s[accs.index(max(accs))] <= 0.7
    # A staircase with steps of 1/40 = 0.025.
    assert all(round(a * 40, 9).is_integer() for a in accs)


def test_nb2_sigmoid_derivative() -> None:
    assert grad(autograd.sigmoid)(0.0) == 0.25
    xs = [-6 + 12 * i / 600 for i in range(601)]
    d = [grad(autograd.sigmoid)(x) for x in xs]
    assert all(0 < v <= 0.25 for v in d)
    s = autograd.sigmoid(1.3).data
    assert grad(autograd.sigmoid)(1.3) == pytest.approx(s * (1 - s))


# --------------------------------------------------------------------------
# 03_derivatives.ipynb (mirrored code)
# --------------------------------------------------------------------------


def forward_diff(f, x, h):
    return (f(x + h) - f(x)) / h


def central_diff(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


def function_1(x):
    return 0.01 * x**2 + 0.1 * x


def diff_errors(f, df, x, hs):
    """Absolute errors of the forward and the central difference at each h."""
    fwd = [abs(forward_diff(f, x, h) - df(x)) for h in hs]
    cen = [abs(central_diff(f, x, h) - df(x)) for h in hs]
    return fwd, cen


def f2(x0, x1):
    return x0**2 + x1**2


def gradient_descent(f, init, lr=0.1, steps=100):
    x = list(init)
    path = [tuple(x)]
    for _ in range(steps):
        g = grad(f, argnums=tuple(range(len(x))))(*x)
        x = [xi - lr * gi for xi, gi in zip(x, g)]
        path.append(tuple(x))
    return path


HS = [10 ** (-k / 4) for k in range(4, 53)]  # 1e-1 ... 1e-13, four steps per decade


def test_nb3_tiny_h_rounds_to_zero() -> None:
    assert 5.0 + 1e-50 == 5.0
    assert forward_diff(function_1, 5.0, 1e-50) == 0.0


def test_nb3_central_beats_forward_at_h_1e_4() -> None:
    """'The central difference is far closer: a million times, here.'"""
    fwd = abs(forward_diff(function_1, 5.0, 1e-4) - 0.2)
    cen = abs(central_diff(function_1, 5.0, 1e-4) - 0.2)
    assert fwd == pytest.approx(1e-6, rel=0.01)
    assert cen < fwd / 1e6


def test_nb3_central_beats_forward_over_the_sweep() -> None:
    fwd, cen = diff_errors(math.exp, math.exp, 1.0, HS)
    # 'at every h from 1e-1 to 1e-7 it is more accurate'
    assert all(c < f for h, f, c in zip(HS, fwd, cen) if h >= 1e-7)
    # 'its best error is a couple of hundred times smaller than the forward difference's best'
    assert min(cen) * 100 < min(fwd)
    # the best h: near sqrt(eps) ~ 1e-8 (forward) and near cbrt(eps) ~ 6e-6 (central)
    best_fwd = HS[fwd.index(min(fwd))]
    best_cen = HS[cen.index(min(cen))]
    assert 1e-9 <= best_fwd <= 1e-7
    assert 1e-6 <= best_cen <= 1e-5
    # truncation error: forward ~ h/2 f'', central ~ h^2/6 f''' while h is large
    for h, f, c in zip(HS, fwd, cen):
        if h >= 1e-3:
            assert f == pytest.approx(math.e / 2 * h, rel=0.2)
            assert c == pytest.approx(math.e / 6 * h**2, rel=0.2)


@pytest.mark.parametrize("point", [(3.0, 4.0), (0.0, 2.0), (3.0, 0.0)])
def test_nb3_partial_derivatives_agree(point: tuple[float, float]) -> None:
    by_hand = (2 * point[0], 2 * point[1])
    assert grad(f2, argnums=(0, 1))(*point) == by_hand  # exact
    assert numerical_grad(f2, list(point)) == pytest.approx(list(by_hand), abs=1e-6)


def test_nb3_numerical_grad_is_central_with_h_1e_6() -> None:
    """'numerical_grad uses the central difference with h = 1e-6 * max(1, |x|)'."""
    assert inspect.signature(numerical_grad).parameters["eps"].default == 1e-6
    x = 2.5
    h = 1e-6 * max(1.0, abs(x))
    assert numerical_grad(math.exp, x) == ((math.exp(x + h) - math.exp(x - h)) / ((x + h) - (x - h)))


def test_nb3_partial_derivatives_by_central_difference() -> None:
    assert central_diff(lambda x0: f2(x0, 4.0), 3.0, 1e-4) == pytest.approx(6.0, abs=1e-9)
    assert central_diff(lambda x1: f2(3.0, x1), 4.0, 1e-4) == pytest.approx(8.0, abs=1e-9)


def test_nb3_gradient_descent() -> None:
    path = gradient_descent(f2, [-3.0, 4.0], lr=0.1, steps=100)
    x0, x1 = path[-1]
    # 'after 100 steps x is 0.8**100 ~ 2e-10 of where it started: (-6.1e-10, 8.1e-10)'
    assert x0 == pytest.approx(-6.1e-10, rel=0.01) and x1 == pytest.approx(8.1e-10, rel=0.01)
    assert path[1] == pytest.approx((-2.4, 3.2))

    def f_after_20(lr: float) -> float:
        return f2(*gradient_descent(f2, [-3.0, 4.0], lr=lr, steps=20)[-1])

    f0 = f2(-3.0, 4.0)
    assert 0.4 < f_after_20(0.01) / f0 < 0.6  # 'f has only halved'
    assert f_after_20(0.1) < f_after_20(0.95) < f_after_20(0.01)  # 0.1 fastest, 0.95 slowly
    assert f_after_20(1.05) > f0  # 'grows without bound'
    path_095 = gradient_descent(f2, [-3.0, 4.0], lr=0.95, steps=2)
    assert path_095[1][0] > 0 > path_095[2][0]  # overshoots to the other side, every step


# --------------------------------------------------------------------------
# 04_chain_rule.ipynb
# --------------------------------------------------------------------------


def test_nb4_chain_rule_three_ways() -> None:
    """dz/dx = dz/dt * dt/dx = 2t * 1 = 2(x+y) = 10 at x=3, y=2: by hand, backward, numerical_grad."""
    x, y = 3.0, 2.0
    t = x + y
    assert 2 * t * 1.0 == 10.0
    xv, yv = Value(3.0, label="x"), Value(2.0, label="y")
    z = (xv + yv) ** 2
    z.backward()
    assert (xv.grad, yv.grad) == (10.0, 10.0)
    assert numerical_grad(lambda x, y: (x + y) ** 2, [3.0, 2.0]) == pytest.approx([10.0, 10.0], abs=1e-6)


def test_nb4_fan_out_adds_up() -> None:
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0


def test_nb4_two_layer_backward_matches_numerical() -> None:
    def loss(w1, b1, w2, b2, x=0.5):
        return (w2 * autograd.tanh(w1 * x + b1) + b2 - 1.0) ** 2

    assert autograd.gradcheck(loss, [1.2, -0.3, 1.5, 0.2])


def forward_sweep(root, leaf):
    tangent = {leaf: 1.0}  # leaf moves at speed 1; every other input stays
    for node in reversed(topological_order([root])):  # each node after its inputs
        tangent[node] = sum(local * tangent.get(child, 0.0)  # the chain rule
                            for child, local in zip(node.children(), node.local_grads()))
    return tangent


def spiral(s):  # one input, three outputs
    return [autograd.cos(s), autograd.sin(s), 0.5 * s]


def test_nb4_forward_mode() -> None:
    """dz/dx = 10 by forward mode; the sweep seeded at w1 ends at backward()'s dL/dw1; jacfwd == jacobian."""
    x, y = 3.0, 2.0
    dx, dy = 1.0, 0.0
    t = x + y
    assert 2 * t * (1.0 * dx + 1.0 * dy) == 10.0
    assert jvp(lambda x, y: (x + y) ** 2, (3.0, 2.0), (1.0, 0.0)) == (25.0, 10.0)
    xv = Value(0.5)
    w1, b1, w2, b2 = Value(1.2), Value(-0.3), Value(1.5), Value(0.2)
    L = (w2 * autograd.tanh(w1 * xv + b1) + b2 - 1.0) ** 2
    L.backward()
    order = list(reversed(topological_order([L])))
    tangent = forward_sweep(L, w1)
    assert tangent[order[0]] == 0.5  # 'the first line is dp/dw1 = x = 0.5'
    assert tangent[L] == pytest.approx(w1.grad, rel=1e-15)  # 'the last one is backward()'s dL/dw1'
    for w in (b1, w2, b2):  # 'three more sweeps, one per input'
        assert forward_sweep(L, w)[L] == pytest.approx(w.grad, rel=1e-15)
    expected = [-math.sin(1.0), math.cos(1.0), 0.5]  # '(-sin 1, cos 1, 0.5), either way'
    assert jacfwd(spiral)(1.0) == jacobian(spiral)(1.0) == expected


# --------------------------------------------------------------------------
# 05_backprop_and_training.ipynb (mirrored code)
# --------------------------------------------------------------------------


def backprop(root):
    grads = {root: 1.0}
    for node in topological_order([root]):  # the output first, each node after its users
        for child, local in zip(node.children(), node.local_grads()):
            grads[child] = grads.get(child, 0.0) + local * grads[node]  # the chain rule
    return grads


def moons_setup():
    X, y = make_moons(100, noise=0.1, seed=1337)
    y = [2 * t - 1 for t in y]  # labels -1 and +1, for the hinge loss
    model = nn.MLP(2, [16, 16, 1], seed=1337, init="uniform")
    return X, y, model


def moons_loss(model, X, y):
    scores = [model(x) for x in X]
    params = model.parameters()
    return nn.hinge_loss(scores, y) + 1e-4 * autograd.dot(params, params)  # data loss + L2 penalty


def digits_setup():
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=0, stratify=True)
    model = nn.MLP(64, [32, 10], seed=0)
    return model, X_train, X_test, y_train, y_test


def train_digits(model, X_train, y_train, X_test, y_test, progress=True):
    optimizer = Adam(model.parameters(), lr=0.01)
    return fit(model, nn.cross_entropy, X_train, y_train, epochs=5, optimizer=optimizer,
               batch_size=32, X_val=X_test, y_val=y_test, progress=progress)


def test_nb5_backprop_by_hand_is_backward() -> None:
    """Karpathy's neuron: o = tanh(x1*w1 + x2*w2 + b)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = autograd.tanh(x1 * w1 + x2 * w2 + b)
    grads = backprop(o)
    mine = [grads[v] for v in (x1, w1, x2, w2, b)]
    assert mine == pytest.approx([-1.5, 1.0, 0.5, 0.0, 0.5], abs=1e-9)
    o.backward()
    assert [v.grad for v in (x1, w1, x2, w2, b)] == mine


def test_nb5_moons_demo_reaches_100_percent() -> None:
    X, y, model = moons_setup()
    assert model.num_parameters() == 337  # '337 weights, that is 674 forward passes per step'
    optimizer = SGD(model.parameters(), lr=linear_decay(1.0, 0.1, 100))
    for _ in range(100):
        loss = moons_loss(model, X, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert accuracy(model, X, y) == 1.0


def test_nb5_digits_test_accuracy_at_least_90_percent() -> None:
    model, X_train, X_test, y_train, y_test = digits_setup()
    assert len(X_test) == 360
    history = train_digits(model, X_train, y_train, X_test, y_test, progress=False)
    assert accuracy(model, X_test, y_test) >= 0.90
    assert history.val_acc[-1] == accuracy(model, X_test, y_test)
    assert history.loss[-1] < history.loss[0]  # the loss curve falls


def test_nb5_higher_order() -> None:
    def f(x):
        return x**3

    assert (grad(f)(2.0), grad(grad(f))(2.0), grad(grad(grad(f)))(2.0)) == (12.0, 12.0, 6.0)  # x**3
    t = math.tanh(0.5)
    assert grad(grad(autograd.tanh))(0.5) == pytest.approx(-2 * t * (1 - t**2), rel=1e-12)


def test_nb5_compiled_tape() -> None:
    def f(x, y):
        t = x + y
        t.label = "t"
        z = t**2
        z.label = "z"
        return z

    compiled = autograd.compile(f)
    assert compiled(3.0, 2.0) == (25.0, (10.0, 10.0))
    for line in ("g_z = 1.0", "g_t = 0.0 + 2.0 * t * g_z", "g_x = g_t", "g_y = g_t"):
        assert line in compiled.source


# --------------------------------------------------------------------------
# The mirrored code is the notebooks' code
# --------------------------------------------------------------------------

MIRRORED = {
    "01_data_driven_learning.ipynb": [
        overfit_data, train, "big = nn.MLP(2, [32, 32, 1], seed=0)", "small = nn.MLP(2, [4, 1], seed=0)",
    ],
    "02_loss_functions.ipynb": [
        classifier, accuracy_at, loss_at,
        "X, labels = make_moons(40, noise=0.1, seed=0)\nW1, B = -2.0, 0.5",
        "w0s = [-4 + 8 * i / 299 for i in range(300)]  # 300 sample points",
    ],
    "03_derivatives.ipynb": [
        forward_diff, central_diff, function_1, diff_errors, f2, gradient_descent,
        "hs = [10 ** (-k / 4) for k in range(4, 53)]  # 1e-1 ... 1e-13, four steps per decade",
    ],
    "04_chain_rule.ipynb": [forward_sweep, spiral],
    "05_backprop_and_training.ipynb": [
        backprop, moons_setup, moons_loss, digits_setup, train_digits,
        "optimizer = SGD(model.parameters(), lr=linear_decay(1.0, 0.1, 100))",
    ],
}


@pytest.mark.parametrize("name", sorted(MIRRORED))
def test_mirrored_code_is_in_the_notebook(name: str) -> None:
    code = notebook_code(name)
    for item in MIRRORED[name]:
        text = item if isinstance(item, str) else inspect.getsource(item)
        assert text in code, f"this code differs from its copy in notebooks/{name}:\n{text}"
