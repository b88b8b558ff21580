"""autograd.data: generated data sets, load_digits, train_test_split, batches."""

from __future__ import annotations

import math
import random
import sys
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import data


def test_make_moons_shape_labels_and_seed():
    X, y = data.make_moons(101, noise=0.1, seed=3)
    assert len(X) == len(y) == 101 and all(len(p) == 2 for p in X)
    assert Counter(y) == {0: 50, 1: 51}
    assert all(isinstance(v, float) for p in X for v in p)
    assert data.make_moons(101, noise=0.1, seed=3) == (X, y)
    assert data.make_moons(101, noise=0.1, seed=4) != (X, y)
    assert y != sorted(y)  # shuffled


def test_make_moons_without_noise_lies_on_the_two_arcs():
    X, y = data.make_moons(40, noise=0.0, seed=0)
    for (a, b), label in zip(X, y):
        cx, cy = (0.0, 0.0) if label == 0 else (1.0, 0.5)
        assert math.hypot(a - cx, b - cy) == pytest.approx(1.0, abs=1e-12)
        assert (b >= -1e-12) if label == 0 else (b <= 0.5 + 1e-12)


def test_seed_none_follows_the_global_random_module():
    random.seed(11)
    a = data.make_moons(20, seed=None)
    random.seed(11)
    assert data.make_moons(20, seed=None) == a
    rng = random.Random(11)
    assert data.make_spiral(5, 3, seed=rng) != data.make_spiral(5, 3, seed=rng)  # one generator advances


def test_make_spiral():
    X, y = data.make_spiral(50, classes=4, seed=1)
    assert len(X) == 200 and Counter(y) == {0: 50, 1: 50, 2: 50, 3: 50}
    assert max(math.hypot(*p) for p in X) == pytest.approx(1.0)
    assert data.make_spiral(50, classes=4, seed=1) == (X, y)


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: data.make_moons(1), "n .* >= 2"),
        (lambda: data.make_moons(10, noise=-0.1), "noise must be a number >= 0"),
        (lambda: data.make_moons(10, seed="x"), "seed must be an int"),
        (lambda: data.make_spiral(10, classes=1), "classes must be a whole number >= 2"),
    ],
)
def test_generator_errors(call, pattern):
    with pytest.raises((ValueError, TypeError), match=pattern):
        call()


def test_load_digits():
    pytest.importorskip("sklearn")
    X, y = data.load_digits()
    assert len(X) == len(y) == 1797 and len(X[0]) == 64
    assert min(min(r) for r in X) == 0.0 and max(max(r) for r in X) == 1.0
    assert sorted(set(y)) == list(range(10))
    X16, _ = data.load_digits(normalize=False)
    assert max(max(r) for r in X16) == 16.0


def test_load_digits_without_scikit_learn_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install 'scalar-autograd\[datasets\]'"):
        data.load_digits()


# ---------------------------------------------------------------------------
# train_test_split
# ---------------------------------------------------------------------------


def _ids(n):
    return [f"s{i}" for i in range(n)], list(range(n))


@pytest.mark.parametrize(("test_size", "n_test"), [(0.2, 20), (0.3, 30), (0.25, 25), (0.01, 1), (0.99, 99)])
def test_split_sizes_and_partition(test_size, n_test):
    X, y = _ids(100)
    Xtr, Xte, ytr, yte = data.train_test_split(X, y, test_size=test_size, seed=0)
    assert (len(Xte), len(Xtr)) == (n_test, 100 - n_test)
    assert sorted(ytr + yte) == y  # every sample exactly once
    assert all(x == f"s{t}" for x, t in zip(Xtr + Xte, ytr + yte))  # pairs stay together


def test_split_is_seeded():
    X, y = _ids(50)
    a = data.train_test_split(X, y, seed=1)
    assert data.train_test_split(X, y, seed=1) == a
    assert data.train_test_split(X, y, seed=2) != a


def test_stratified_split_keeps_class_shares():
    y = [0] * 60 + [1] * 30 + [2] * 10
    X = list(range(100))
    _, _, ytr, yte = data.train_test_split(X, y, test_size=0.2, seed=0, stratify=y)
    assert Counter(yte) == {0: 12, 1: 6, 2: 2} and Counter(ytr) == {0: 48, 1: 24, 2: 8}
    assert data.train_test_split(X, y, 0.2, seed=0, stratify=True) == data.train_test_split(X, y, 0.2, 0, y)
    _, _, _, yte = data.train_test_split(X, y, test_size=0.3, seed=5, stratify=True)
    assert Counter(yte) == {0: 18, 1: 9, 2: 3}


@given(
    n=st.integers(2, 200),
    frac=st.floats(0.01, 0.99),
    k=st.integers(1, 5),
    seed=st.integers(0, 2**32),
    stratify=st.booleans(),
)
def test_split_property_every_sample_lands_once(n, frac, k, seed, stratify):
    X = list(range(n))
    y = [i % k for i in range(n)]
    n_test = math.ceil(frac * n - 1e-9)
    if not 1 <= n_test <= n - 1:
        with pytest.raises(ValueError, match="leaves no"):
            data.train_test_split(X, y, frac, seed)
        return
    Xtr, Xte, ytr, yte = data.train_test_split(X, y, frac, seed, stratify=stratify or None)
    assert sorted(Xtr + Xte) == X and len(Xte) == n_test
    assert [X[i] % k for i in Xtr] == ytr and [i % k for i in Xte] == yte
    if stratify:
        for c, count in Counter(y).items():
            assert abs(Counter(yte)[c] - count * n_test / n) < 1.0 + 1e-9


@pytest.mark.parametrize(
    ("args", "kwargs", "pattern"),
    [
        (([1, 2, 3], [1, 2]), {}, "X has 3 samples but y has 2 labels"),
        (([], []), {}, "the data set is empty"),
        (([1, 2, 3], [1, 2, 3]), {"test_size": 0}, "strictly between 0 and 1"),
        (([1, 2, 3], [1, 2, 3]), {"test_size": 1.0}, "strictly between 0 and 1"),
        (([1, 2, 3], [1, 2, 3]), {"test_size": -0.2}, "strictly between 0 and 1"),
        (([1, 2, 3], [1, 2, 3]), {"test_size": 20}, "strictly between 0 and 1"),
        (([1, 2, 3], [1, 2, 3]), {"test_size": True}, "strictly between 0 and 1"),
        (([1, 2, 3], [1, 2, 3]), {"test_size": 0.9}, "0.9 of 3 samples leaves no training samples"),
        (([1, 2, 3], [1, 2, 3]), {"stratify": [0, 1]}, "stratify has 2 labels for 3 samples"),
    ],
)
def test_split_errors(args, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        data.train_test_split(*args, **kwargs)


# ---------------------------------------------------------------------------
# batches
# ---------------------------------------------------------------------------


def test_batches_cover_the_data_once():
    X, y = _ids(10)
    out = list(data.batches(X, y, 4, seed=0))
    assert [len(b[0]) for b in out] == [4, 4, 2]
    assert sorted(t for _, yb in out for t in yb) == y
    assert all(x == f"s{t}" for xb, yb in out for x, t in zip(xb, yb))
    assert list(data.batches(X, y, 4, seed=0)) == out
    assert [t for _, yb in data.batches(X, y, 3, shuffle=False) for t in yb] == y


def test_batches_with_one_generator_reshuffle_each_epoch():
    X, y = _ids(20)
    rng = random.Random(0)
    first = [yb for _, yb in data.batches(X, y, 5, seed=rng)]
    second = [yb for _, yb in data.batches(X, y, 5, seed=rng)]
    assert first != second


def test_batches_check_their_input_at_the_call():
    with pytest.raises(ValueError, match="batch_size must be a positive whole number"):
        data.batches([1, 2], [1, 2], 0)  # no next() needed to see the error
    with pytest.raises(ValueError, match="X has 2 samples but y has 1"):
        data.batches([1, 2], [1], 1)
    with pytest.raises(ValueError, match="empty"):
        data.batches([], [], 1)
