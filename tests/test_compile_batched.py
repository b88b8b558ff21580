"""The batched replay: weighted sums in every form as matrix products, and any array library."""

from __future__ import annotations

import itertools
import math
import re
import warnings
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, gradients, nn
from autograd.data import make_moons

from .strategies import Program, programs

np = pytest.importorskip("numpy")

RTOL = 1e-12


def close(a: float, b: float, scale: float = 1.0) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= RTOL * (scale + abs(b))


# ---- a neuron, however it is written ------------------------------------------------


def left_fold(w: list[Value], x: list[Value], b: Value) -> Value:
    return sum((wi * xi for wi, xi in zip(w, x)), b)  # micrograd's Neuron


def loop(w: list[Value], x: list[Value], b: Value) -> Value:
    s: Any = 0.0
    for j in range(len(w)):
        s = s + w[j] * x[j]
    return s + b


def right_fold(w: list[Value], x: list[Value], b: Value) -> Value:
    s: Any = b
    for wi, xi in reversed(list(zip(w, x))):
        s = xi * wi + s  # products either way round
    return s


def tree(w: list[Value], x: list[Value], b: Value) -> Value:
    terms: list[Any] = [wi * xi for wi, xi in zip(w, x)] + [b]
    while len(terms) > 1:
        terms = [terms[i] + terms[i + 1] if i + 1 < len(terms) else terms[i] for i in range(0, len(terms), 2)]
    return terms[0]


def with_dot(w: list[Value], x: list[Value], b: Value) -> Value:
    return autograd.dot(w, x) + b


FORMS = [left_fold, loop, right_fold, tree, with_dot]


def mlp(form: Any, sizes: list[int]) -> Any:
    """A micrograd-style MLP whose neurons use ``form``; returns (params, forward)."""
    rng = np.random.default_rng(3)
    layers = [[([Value(float(v)) for v in rng.uniform(-1, 1, nin)], Value(float(rng.uniform(-0.1, 0.1))))
               for _ in range(nout)] for nin, nout in itertools.pairwise(sizes)]  # fmt: skip
    params = [p for layer in layers for w, b in layer for p in (*w, b)]

    def forward(x: list[Any]) -> Any:
        for k, layer in enumerate(layers):
            x = [form(w, x, b) for w, b in layer]
            if k < len(layers) - 1:
                x = [v.relu() for v in x]
        return x[0]

    return params, forward


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.__name__)
def test_every_form_of_weighted_sum_replays_batched_as_a_matrix_product(form: Any) -> None:
    params, forward = mlp(form, [2, 5, 4, 1])
    loss = lambda ps, x, y: (1 + -y * forward(x)).relu() + 1e-3 * autograd.sum(p * p for p in ps)
    X, y = make_moons(12, noise=0.1, seed=2)
    y = [2.0 * t - 1.0 for t in y]
    c = autograd.compile(loss, argnums=0).trace(params, X[0], y[0])
    values, grads = c(params, np.array(X).T, np.array(y))
    src = c.batched_source
    assert len(re.findall(r"Z_\d+ = \(?N\.matmul\(W_", src)) == 3, src  # one matrix product per layer
    total = [0.0] * len(params)
    for j, (x, t) in enumerate(zip(X, y)):
        out = loss(params, [Value(a) for a in x], t)
        assert close(float(values[j]), out.data)
        total = [a + b for a, b in zip(total, gradients(out, params))]
    scale = max(abs(g) for g in total)
    assert all(close(a, b, scale) for a, b in zip(grads, total))
    # The scalar replay does not fuse: it is backward(), bit for bit.
    one = [Value(a) for a in X[0]]
    out = loss(params, one, y[0])
    for p in params:
        p.grad = 0.0
    out.backward()
    value, g = c(params, X[0], y[0])
    assert value == out.data and g == [p.grad for p in params]
    for p in params:
        p.grad = 0.0


def test_the_batched_demo_step_is_one_product_per_layer_with_nn_mlp() -> None:
    model = nn.MLP(2, [16, 16, 1], seed=0)
    params = model.parameters()
    c = autograd.compile(lambda ps, x, y: (1 + -y * model(x)).relu() + 1e-4 * autograd.sum(p * p for p in ps),
                         argnums=0).trace(params, [0.5, 0.5], 1.0)  # fmt: skip
    c(params, np.zeros((2, 4)), np.ones(4))
    src = c.batched_source
    assert len(re.findall(r"Z_\d+ = \(?N\.matmul\(W_", src)) == 3
    assert src.count("N.relu(Z_") == 2  # activations over whole layers
    assert "N.vdot(" in src  # the L2 penalty: one dot of the weights with themselves


# ---- any array library -------------------------------------------------------------


torch = pytest.importorskip("torch")


def _as_numpy(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return type(x)(_as_numpy(e) for e in x)
    return x.numpy() if isinstance(x, torch.Tensor) else x


@settings(max_examples=40, deadline=None)
@given(programs(), st.integers(0, 10))
def test_torch_tensors_replay_like_numpy_arrays(prog: Program, which: int) -> None:
    k = which % len(prog.inputs)
    points = [prog.inputs[k] * (1.0 + 1e-3 * j) for j in range(3)]
    c = autograd.compile(lambda *v: prog.run(v))
    args: list[Any] = list(prog.inputs)
    args[k] = np.array(points)
    v_np, g_np = c(*args)
    args[k] = torch.tensor(points, dtype=torch.float64)
    v_t, g_t = c(*args)
    assert isinstance(v_t, torch.Tensor) and v_t.dtype == torch.float64 and isinstance(g_t[k], torch.Tensor)
    np.testing.assert_allclose(v_t.numpy(), v_np, rtol=1e-12, atol=1e-12)
    for a, b in zip(g_t, g_np):
        np.testing.assert_allclose(_as_numpy(a), b, rtol=1e-12, atol=1e-12)


def test_the_moons_demo_step_on_torch_equals_numpy() -> None:
    X, y = make_moons(40, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=1)
    params = model.parameters()
    c = autograd.compile(lambda ps, x, t: (1 + -t * model(x)).relu() + 1e-4 * autograd.sum(p * p for p in ps),
                         argnums=0).trace(params, X[0], 1.0)  # fmt: skip
    cols, ys = np.array(X).T, np.array([2.0 * t - 1.0 for t in y])
    v_np, g_np = c(params, cols, ys)
    v_t, g_t = c(params, torch.tensor(cols), torch.tensor(ys))
    assert isinstance(v_t, torch.Tensor) and all(isinstance(g, float) for g in g_t)  # shared: floats, summed
    np.testing.assert_allclose(v_t.numpy(), v_np, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(g_t, g_np, rtol=1e-12, atol=1e-14)


def test_float32_batches_warn_and_compute_in_float32() -> None:
    c = autograd.compile(lambda x, w: (x * w).tanh())
    with pytest.warns(RuntimeWarning, match="float32"):
        value, (gx, _gw) = c(torch.tensor([0.1, 0.2], dtype=torch.float32), 0.5)
    assert value.dtype == torch.float32 and gx.dtype == torch.float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c(np.array([0.1, 0.2]), 0.5)  # float64: no warning


def test_mixed_libraries_are_refused() -> None:
    c = autograd.compile(lambda x, y: x * y)
    with pytest.raises(TypeError, match="one library and dtype"):
        c(np.array([1.0, 2.0]), torch.tensor([1.0, 2.0], dtype=torch.float64))


def test_fit_compiled_on_torch_trains_like_numpy_and_falls_back_without_cuda() -> None:
    from autograd.train import fit

    X, y = make_moons(40, noise=0.1, seed=0)
    y = [2 * t - 1 for t in y]
    a, b = nn.MLP(2, [8, 1], seed=5), nn.MLP(2, [8, 1], seed=5)
    h1 = fit(a, nn.hinge_loss, X, y, epochs=3, batch_size=16, progress=False, compiled=True)
    if torch.cuda.is_available():  # pragma: no cover - no GPU here
        h2 = fit(b, nn.hinge_loss, X, y, epochs=3, batch_size=16, progress=False, compiled=True,
                 backend="torch", device="cuda")  # fmt: skip
    else:
        with pytest.warns(RuntimeWarning, match="no CUDA device is available"):
            h2 = fit(b, nn.hinge_loss, X, y, epochs=3, batch_size=16, progress=False, compiled=True,
                     backend="torch", device="cuda")  # fmt: skip
    assert all(close(p, q) for p, q in zip(h1.loss, h2.loss)) and h1.train_acc == h2.train_acc
    assert all(close(p.data, q.data, 10.0) for p, q in zip(a.parameters(), b.parameters()))
    with pytest.raises(ValueError, match="backend must be"):
        fit(a, nn.hinge_loss, X, y, epochs=1, progress=False, compiled=True, backend="jax")
