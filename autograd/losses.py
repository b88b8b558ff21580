"""Losses and functions on Values: mse, cross-entropy, binary cross-entropy, hinge, softmax.

Each is built from the primitives (so gradcheck passes on each, and every
derivative comes from ops.py) and matches PyTorch's function of the same
name in float64. All take a batch (lists of outputs and targets) or one
sample. Reachable as ``autograd.nn.mse_loss`` etc. Guide: docs/nn.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .engine import Value, _to_float
from .functions import dot, logsumexp
from .functions import sum as vsum

__all__ = ["mse_loss", "cross_entropy", "binary_cross_entropy_with_logits", "hinge_loss", "softmax", "log_softmax"]

Operand = Value | int | float

_REDUCTIONS = ("mean", "sum")


def _check_reduction(reduction: str, who: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{who}: reduction must be 'mean' or 'sum', got {reduction!r}")


def _reduce(losses: list[Value], reduction: str, who: str) -> Value:
    _check_reduction(reduction, who)
    if len(losses) == 1:
        return losses[0]
    total = vsum(losses)
    return total / len(losses) if reduction == "mean" else total


def _as_batch(pred: Any, target: Any, who: str) -> tuple[list[Any], list[Any]]:
    """(predictions, targets) as two lists of one length; a single sample becomes a batch of 1."""
    if isinstance(pred, (Value, int, float)) and not isinstance(pred, bool):
        preds, targets = [pred], [target]
    else:
        preds = list(pred)
        if isinstance(target, (int, float, Value)):
            if len(preds) != 1:
                raise ValueError(f"{who}: {len(preds)} predictions but one target; pass a list of targets")
            targets = [target]
        else:
            targets = list(target)
    if len(preds) != len(targets):
        raise ValueError(f"{who}: {len(preds)} predictions but {len(targets)} targets")
    if not preds:
        raise ValueError(f"{who}: no predictions (an empty batch)")
    return preds, targets


def _target(t: Any, who: str) -> float:
    if isinstance(t, Value):
        return t.data
    try:
        return _to_float(t)
    except TypeError:
        raise TypeError(f"{who}: a target must be a number, got {type(t).__name__}") from None


def mse_loss(pred: Any, target: Any, reduction: str = "mean") -> Value:
    """Mean (or sum) of ``(pred - target)**2`` over a batch; a Value and a number give one square.

    Examples:
        >>> from autograd import Value
        >>> mse_loss([Value(1.0), Value(3.0)], [0.0, 1.0])    # ((1 - 0)**2 + (3 - 1)**2) / 2
        Value(data=2.5, grad=0.0)
    """
    preds, targets = _as_batch(pred, target, "mse_loss")
    _check_reduction(reduction, "mse_loss")
    diffs = [p - _target(t, "mse_loss") if not isinstance(t, Value) else p - t for p, t in zip(preds, targets)]
    diffs = [d if isinstance(d, Value) else Value(d) for d in diffs]
    total = dot(diffs, diffs)  # sum of squares in one node
    return total / len(diffs) if reduction == "mean" else total


def log_softmax(logits: Sequence[Operand]) -> list[Value]:
    """``x_i - logsumexp(x)`` for each i: stable for any magnitude.

    Examples:
        >>> [round(p.data, 4) for p in log_softmax([1.0, 2.0, 3.0])]
        [-2.4076, -1.4076, -0.4076]
    """
    xs = [v if isinstance(v, Value) else Value(v) for v in logits]
    lse = logsumexp(xs)
    return [x - lse for x in xs]


def softmax(logits: Sequence[Operand]) -> list[Value]:
    """``exp(log_softmax(x))``: probabilities that sum to 1, stable for any magnitude.

    Examples:
        >>> [round(p.data, 4) for p in softmax([1.0, 2.0, 3.0])]
        [0.09, 0.2447, 0.6652]
    """
    return [v.exp() for v in log_softmax(logits)]


def _class_index(t: Any, k: int) -> int:
    if isinstance(t, Value):
        t = t.data
    if isinstance(t, bool) or not isinstance(t, (int, float)) or t != int(t):
        raise TypeError(f"cross_entropy: a target is a class index (an int), got {t!r}")
    i = int(t)
    if not 0 <= i < k:
        raise IndexError(f"cross_entropy: class index {i} is out of range for {k} logits")
    return i


def cross_entropy(logits: Any, target: Any, reduction: str = "mean") -> Value:
    """``logsumexp(logits) - logits[target]``, like ``torch.nn.functional.cross_entropy``.

    ``logits`` is one sample's list of Values with ``target`` an int, or a
    batch (a list of such lists) with a list of ints. Stable for any magnitude.

    Examples:
        >>> from autograd import Value
        >>> loss = cross_entropy([Value(2.0), Value(0.0)], 0)   # one sample: logits, class index
        >>> round(loss.data, 6)                                 # -log(softmax(logits)[0])
        0.126928
        >>> round(cross_entropy([[2.0, 0.0], [0.0, 0.0]], [0, 1]).data, 6)   # a batch: the mean
        0.410038
    """
    if not isinstance(logits, (list, tuple)) or not logits:
        raise TypeError("cross_entropy takes a list of logits (or a list of such lists) and class indices")
    if isinstance(logits[0], (list, tuple)):
        batch, targets = list(logits), list(target)
        if len(batch) != len(targets):
            raise ValueError(f"cross_entropy: {len(batch)} samples but {len(targets)} targets")
    else:
        if isinstance(target, (list, tuple)):
            raise TypeError(
                "cross_entropy got one sample's logits but a list of targets; for a batch pass a list "
                "of logit lists (a model with one output wants binary_cross_entropy_with_logits)"
            )
        batch, targets = [logits], [target]
    losses = []
    for row, t in zip(batch, targets):
        xs = [v if isinstance(v, Value) else Value(v) for v in row]
        losses.append(logsumexp(xs) - xs[_class_index(t, len(xs))])
    return _reduce(losses, reduction, "cross_entropy")


def binary_cross_entropy_with_logits(logit: Any, target: Any, reduction: str = "mean") -> Value:
    """``softplus(x) - t*x``: binary cross-entropy on a logit, stable, no clipping.

    Targets are probabilities in [0, 1] (usually the labels 0 and 1).
    Matches ``torch.nn.functional.binary_cross_entropy_with_logits``.

    Examples:
        >>> from autograd import Value
        >>> binary_cross_entropy_with_logits(Value(0.0), 1.0)   # log(2): a logit of 0 is p = 0.5
        Value(data=0.6931471805599453, grad=0.0)
    """
    preds, targets = _as_batch(logit, target, "binary_cross_entropy_with_logits")
    losses = []
    for x, t in zip(preds, targets):
        tf = _target(t, "binary_cross_entropy_with_logits")
        if not 0.0 <= tf <= 1.0:
            raise ValueError(f"binary_cross_entropy_with_logits: targets are in [0, 1], got {tf}")
        x = x if isinstance(x, Value) else Value(x)
        losses.append(x.softplus() - tf * x if tf else x.softplus())
    return _reduce(losses, reduction, "binary_cross_entropy_with_logits")


def hinge_loss(score: Any, target: Any, reduction: str = "mean") -> Value:
    """``relu(1 - y*score)`` with labels y in {-1, +1}: micrograd's SVM loss.

    For 0/1 labels pass ``2*y - 1``.

    Examples:
        >>> from autograd import Value
        >>> hinge_loss([Value(2.0), Value(0.5)], [1, 1])        # (relu(1 - 2) + relu(1 - 0.5)) / 2
        Value(data=0.25, grad=0.0)
    """
    preds, targets = _as_batch(score, target, "hinge_loss")
    losses = []
    for s, t in zip(preds, targets):
        y = _target(t, "hinge_loss")
        if y not in (-1.0, 1.0):
            raise ValueError(f"hinge_loss: labels are -1 or +1, got {t!r}; for 0/1 labels pass 2*y - 1")
        s = s if isinstance(s, Value) else Value(s)
        losses.append((1.0 - s if y > 0 else 1.0 + s).relu())
    return _reduce(losses, reduction, "hinge_loss")
