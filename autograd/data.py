"""Small data sets and the plumbing to use them: splits and mini-batches.

Everything here is plain Python lists and seeded: ``make_moons`` and
``make_spiral`` are generated in code (no numpy), ``load_digits`` reads
scikit-learn's bundled 8x8 digits (the optional extra ``[datasets]``).
A ``seed`` is an int (a private ``random.Random(seed)``), a ``random.Random``,
or None (the global ``random`` module).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from typing import Any, Protocol, TypeVar

from ._validate import check_count

__all__ = ["make_moons", "make_spiral", "load_digits", "train_test_split", "batches"]

T = TypeVar("T")
U = TypeVar("U")
Seed = int | random.Random | None


class _Rng(Protocol):
    def gauss(self, mu: float, sigma: float) -> float: ...
    def shuffle(self, x: list[Any]) -> None: ...


def _rng(seed: Seed) -> _Rng:
    if isinstance(seed, random.Random):
        return seed
    if seed is None:
        return random  # the module: the global generator that random.seed() seeds
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, a random.Random or None, got {type(seed).__name__}")
    return random.Random(seed)


def _noise(noise: Any) -> float:
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0 <= noise < math.inf:
        raise ValueError(f"noise must be a number >= 0 (the standard deviation), got {noise!r}")
    return float(noise)


def make_moons(n: int = 100, noise: float = 0.1, seed: Seed = 0) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles, like sklearn's ``make_moons``: ``(X, y)``.

    ``X`` is ``n`` points ``[x0, x1]``, ``y`` their labels 0 (upper moon) and 1
    (lower moon), shuffled. ``noise`` is the standard deviation of Gaussian
    noise added to each coordinate. For hinge loss use labels ``2*y - 1``.

    Examples:
        >>> X, y = make_moons(6, noise=0.0, seed=0)
        >>> len(X), len(X[0]), y
        (6, 2, [1, 0, 0, 0, 1, 1])
    """
    n = check_count(n, "n (the number of points)", 2)
    sd = _noise(noise)
    rng = _rng(seed)
    n_upper = n // 2
    n_lower = n - n_upper
    points: list[tuple[list[float], int]] = []
    for i in range(n_upper):
        t = math.pi * i / (n_upper - 1) if n_upper > 1 else 0.0
        points.append(([math.cos(t), math.sin(t)], 0))
    for i in range(n_lower):
        t = math.pi * i / (n_lower - 1) if n_lower > 1 else 0.0
        points.append(([1.0 - math.cos(t), 0.5 - math.sin(t)], 1))
    rng.shuffle(points)
    X = [[x0 + rng.gauss(0.0, sd), x1 + rng.gauss(0.0, sd)] for (x0, x1), _ in points]
    y = [label for _, label in points]
    return X, y


def make_spiral(
    n_per_class: int = 100, classes: int = 3, seed: Seed = 0, noise: float = 0.2
) -> tuple[list[list[float]], list[int]]:
    """``classes`` interleaved spiral arms (CS231n's toy data set): ``(X, y)``.

    Each arm has ``n_per_class`` points at radius 0..1; ``noise`` jitters the
    angle (in radians). Labels are 0 .. classes-1; points are shuffled.

    Examples:
        >>> X, y = make_spiral(2, classes=3, seed=0)
        >>> len(X), y
        (6, [0, 0, 2, 2, 1, 1])
    """
    n_per_class = check_count(n_per_class, "n_per_class", 2)
    classes = check_count(classes, "classes", 2)
    sd = _noise(noise)
    rng = _rng(seed)
    points: list[tuple[list[float], int]] = []
    for c in range(classes):
        for i in range(n_per_class):
            r = i / (n_per_class - 1)
            t = 4.0 * (c + r) + rng.gauss(0.0, sd)
            points.append(([r * math.sin(t), r * math.cos(t)], c))
    rng.shuffle(points)
    return [p for p, _ in points], [c for _, c in points]


DATASETS_HINT = "pip install 'scalar-autograd[datasets]'"


def load_digits(normalize: bool = True) -> tuple[list[list[float]], list[int]]:
    """scikit-learn's bundled 8x8 handwritten digits: 1797 samples of 64 pixels, labels 0-9.

    Offline: the data ships inside scikit-learn. ``normalize`` scales pixels
    from 0..16 to 0..1. Needs the extra: ``pip install 'scalar-autograd[datasets]'``.

    Examples:
        >>> X, y = load_digits()
        >>> len(X), len(X[0]), y[:5]
        (1797, 64, [0, 1, 2, 3, 4])
    """
    try:
        from sklearn.datasets import load_digits as _sk_load_digits
    except ImportError as e:
        raise ImportError(f"load_digits needs scikit-learn, which is not installed: {DATASETS_HINT}") from e
    bunch = _sk_load_digits()
    scale = 1.0 / 16.0 if normalize else 1.0
    X = [[float(v) * scale for v in row] for row in bunch.data]
    y = [int(t) for t in bunch.target]
    return X, y


def _check_xy(X: Sequence[Any], y: Sequence[Any], who: str) -> None:
    try:
        nx, ny = len(X), len(y)
    except TypeError:
        raise TypeError(f"{who} takes sequences X and y (lists of samples and of labels)") from None
    if nx != ny:
        raise ValueError(f"{who}: X has {nx} samples but y has {ny} labels; they must match one to one")
    if nx == 0:
        raise ValueError(f"{who}: the data set is empty")


def train_test_split(
    X: Sequence[T],
    y: Sequence[U],
    test_size: float = 0.2,
    seed: Seed = 0,
    stratify: Sequence[Any] | bool | None = None,
) -> tuple[list[T], list[T], list[U], list[U]]:
    """Shuffle and split into ``X_train, X_test, y_train, y_test`` (sklearn's order).

    ``test_size`` is the fraction in the test set, strictly between 0 and 1
    (0.2 is an 8:2 split, 0.3 a 7:3 split); the test set gets
    ``ceil(test_size * n)`` samples. ``stratify`` (a list of labels, or True
    for ``y``) keeps each class's share the same on both sides. Every sample
    lands in exactly one side; the same seed gives the same split.

    Examples:
        >>> train_test_split(list(range(10)), list("abcdefghij"), test_size=0.2, seed=0)
        ([9, 4, 6, 0, 1, 2, 3, 5], [7, 8], ['j', 'e', 'g', 'a', 'b', 'c', 'd', 'f'], ['h', 'i'])
    """
    _check_xy(X, y, "train_test_split")
    n = len(X)
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float)) or not 0 < test_size < 1:
        raise ValueError(
            f"test_size is the fraction of samples in the test set, strictly between 0 and 1 "
            f"(e.g. 0.2 for an 8:2 split), got {test_size!r}"
        )
    n_test = math.ceil(test_size * n - 1e-9)
    if not 1 <= n_test <= n - 1:
        raise ValueError(
            f"test_size={test_size} of {n} samples leaves "
            f"{'no test samples' if n_test < 1 else 'no training samples'}; use more data or another test_size"
        )
    rng = _rng(seed)
    if stratify is None or stratify is False:
        order = list(range(n))
        rng.shuffle(order)
        test_idx = order[:n_test]
    else:
        labels = list(y) if stratify is True else list(stratify)
        if len(labels) != n:
            raise ValueError(f"train_test_split: stratify has {len(labels)} labels for {n} samples")
        test_idx = _stratified_test(labels, n_test, rng)
    in_test = [False] * n
    for i in test_idx:
        in_test[i] = True
    train_idx = [i for i in _shuffled(n, rng) if not in_test[i]]
    test_idx = [i for i in _shuffled(n, rng) if in_test[i]]
    return [X[i] for i in train_idx], [X[i] for i in test_idx], [y[i] for i in train_idx], [y[i] for i in test_idx]


def _shuffled(n: int, rng: _Rng) -> list[int]:
    order = list(range(n))
    rng.shuffle(order)
    return order


def _stratified_test(labels: list[Any], n_test: int, rng: _Rng) -> list[int]:
    """Indices for the test side: each class's share as close to n_test/n as whole numbers allow."""
    groups: dict[Any, list[int]] = {}  # insertion order: first appearance, so deterministic
    for i, c in enumerate(labels):
        groups.setdefault(c, []).append(i)
    n = len(labels)
    quotas = {c: n_test * len(idx) / n for c, idx in groups.items()}
    counts = {c: math.floor(q) for c, q in quotas.items()}
    # Largest remainders get the samples still unassigned; ties go to the first class seen.
    left = n_test - sum(counts.values())
    by_remainder = sorted(groups, key=lambda c: -(quotas[c] - counts[c]))
    for c in by_remainder[:left]:
        counts[c] += 1
    test: list[int] = []
    for c, idx in groups.items():
        pick = list(idx)
        rng.shuffle(pick)
        test.extend(pick[: counts[c]])
    return test


def batches(
    X: Sequence[T], y: Sequence[U], batch_size: int, shuffle: bool = True, seed: Seed = 0
) -> Iterator[tuple[list[T], list[U]]]:
    """Yield ``(X_batch, y_batch)`` pairs covering the data once; the last may be smaller.

    ``shuffle`` reorders with ``seed``; pass one ``random.Random`` to get a
    new order every epoch that is still reproducible.

    Examples:
        >>> for Xb, yb in batches([1, 2, 3, 4, 5], "abcde", 2, shuffle=False):
        ...     print(Xb, yb)
        [1, 2] ['a', 'b']
        [3, 4] ['c', 'd']
        [5] ['e']
    """
    _check_xy(X, y, "batches")  # checked now, not at the first next()
    batch_size = check_count(batch_size, "batch_size")
    n = len(X)
    order = _shuffled(n, _rng(seed)) if shuffle else list(range(n))
    return _batches(X, y, order, batch_size)


def _batches(X: Sequence[T], y: Sequence[U], order: list[int], size: int) -> Iterator[tuple[list[T], list[U]]]:
    for start in range(0, len(order), size):
        idx = order[start : start + size]
        yield [X[i] for i in idx], [y[i] for i in idx]
