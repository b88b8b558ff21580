"""Counts (sizes, epochs, steps) are checked by one helper, so every API refuses the same things alike."""

from __future__ import annotations

import pytest

from autograd import data, nn, optim, train
from autograd._validate import check_count

CALLS = {
    "MLP nin": (lambda n: nn.MLP(n, [1]), 1),
    "MLP layer size": (lambda n: nn.MLP(2, [n]), 1),
    "Layer nout": (lambda n: nn.Layer(2, n), 1),
    "Neuron nin": (lambda n: nn.Neuron(n), 1),
    "make_moons n": (lambda n: data.make_moons(n), 2),
    "make_spiral classes": (lambda n: data.make_spiral(5, classes=n), 2),
    "batches batch_size": (lambda n: data.batches([1, 2], [0, 1], n), 1),
    "linear_decay steps": (lambda n: optim.linear_decay(1.0, 0.1, n), 1),
    "step_decay step_size": (lambda n: optim.step_decay(1.0, n), 1),
    "cosine_decay steps": (lambda n: optim.cosine_decay(1.0, n), 1),
    "fit epochs": (lambda n: train.fit(nn.MLP(1, [1]), nn.mse_loss, [[0.0]], [0.0], n, progress=False), 1),
    "fit batch_size": (lambda n: train.fit(nn.MLP(1, [1]), nn.mse_loss, [[0.0]], [0.0], 1, batch_size=n,
                                           progress=False), 1),
}


BAD = [True, 2.0, "3", None, 0, -1]
CASES = [(name, bad) for name in sorted(CALLS) for bad in BAD
         if not (name == "fit batch_size" and bad is None)]  # batch_size=None means the whole set


@pytest.mark.parametrize(("name", "bad"), CASES)
def test_every_count_refuses_the_same_things_with_the_same_words(name, bad):
    call, minimum = CALLS[name]
    need = "a positive whole number" if minimum == 1 else f"a whole number >= {minimum}"
    with pytest.raises(ValueError, match=f"must be {need}, got {bad!r}"):
        call(bad)
    call(minimum + 1)  # and a good one passes


def test_check_count_returns_its_argument():
    assert check_count(3, "n") == 3 and check_count(2, "n", 2) == 2
    with pytest.raises(ValueError, match=r"^n must be a whole number >= 2, got 1$"):
        check_count(1, "n", 2)
