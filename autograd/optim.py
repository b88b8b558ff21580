"""Optimizers (SGD, Adam, AdamW) and learning-rate schedules.

An optimizer holds a list of parameters and updates their ``.data`` from
their ``.grad`` (read as ``float(p.grad)``) in ``step()``; ``zero_grad()``
resets the grads. Frozen parameters (``requires_grad=False``) are skipped.
The update rules are PyTorch's (``torch.optim``), step for step.

``lr`` is a number or a schedule: any callable ``step -> lr``, such as
``linear_decay(1.0, 0.1, 100)`` (micrograd's demo), ``step_decay`` or
``cosine_decay``. The optimizer evaluates it at its own step count (0 for the
first step), like calling a PyTorch scheduler's ``step()`` after each
``optimizer.step()``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from ._validate import check_count
from .engine import Value

__all__ = [
    "Optimizer", "SGD", "Adam", "AdamW", "Schedule", "linear_decay", "step_decay", "cosine_decay",
]  # fmt: skip

LR = float | Callable[[int], float]


def _check_number(x: Any, name: str, lo: float = 0.0, hi: float = math.inf, hi_open: bool = False) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or math.isnan(x):
        raise ValueError(f"{name} must be a number, got {x!r}")
    if x < lo or x > hi or (hi_open and x == hi):
        bracket = ")" if hi_open else "]"
        raise ValueError(f"{name} must be in [{lo:g}, {hi:g}{bracket}, got {x!r}")
    return float(x)


class Optimizer:
    """Base class: the parameter list, ``zero_grad``, the learning rate and the step count.

    Examples:
        >>> from autograd import Value
        >>> w = Value(1.0)
        >>> opt = SGD([w], lr=0.1)          # every optimizer: zero_grad(), then backward(), then step()
        >>> opt.zero_grad(); (w * w).backward(); opt.step()
        >>> w.data, opt.steps, opt.current_lr()
        (0.8, 1, 0.1)
    """

    def __init__(self, params: Iterable[Value], lr: LR) -> None:
        if isinstance(params, Value):
            raise TypeError("an optimizer takes a list of parameters, e.g. model.parameters(), not one Value")
        self.params: list[Value] = list(params)
        if not self.params:
            raise ValueError("the optimizer got an empty parameter list; pass model.parameters()")
        seen: set[int] = set()  # membership only
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"parameter {i} is a {type(p).__name__}, not a Value; pass model.parameters()")
            if id(p) in seen:
                raise ValueError(f"parameter {i} appears twice in the list; each must be updated once per step")
            seen.add(id(p))
        if not callable(lr):
            lr = _check_number(lr, "lr")
        self.lr: LR = lr
        self.steps = 0  # steps taken; the schedule's argument

    def current_lr(self) -> float:
        """The learning rate the next ``step()`` uses."""
        lr = self.lr
        return float(lr(self.steps)) if callable(lr) else lr

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.0."""
        for p in self.params:
            p.grad = 0.0

    def _trainable(self) -> list[tuple[int, Value]]:
        return [(i, p) for i, p in enumerate(self.params) if getattr(p, "requires_grad", True)]

    def step(self) -> None:
        lr = self.current_lr()
        self._update(lr)
        self.steps += 1

    def _update(self, lr: float) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.params)} parameters, lr={self.lr!r})"


class SGD(Optimizer):
    """Stochastic gradient descent, as ``torch.optim.SGD`` (dampening 0).

    ``g = grad + weight_decay * p``; with momentum, ``buf = momentum * buf + g``
    (``buf = g`` on the first step) and the step direction is ``buf``, or
    ``g + momentum * buf`` with ``nesterov``; then ``p -= lr * direction``.

    Examples:
        >>> from autograd import Value
        >>> w = Value(1.0)
        >>> opt = SGD([w], lr=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     opt.zero_grad(); (w * w).backward(); opt.step()
        >>> round(w.data, 6)                # 1 - 0.1*2, then 0.8 - 0.1*(1.6 + 0.9*2)
        0.46
    """

    def __init__(
        self, params: Iterable[Value], lr: LR = 0.01, momentum: float = 0.0,
        nesterov: bool = False, weight_decay: float = 0.0,
    ) -> None:  # fmt: skip
        super().__init__(params, lr)
        self.momentum = _check_number(momentum, "momentum")
        self.nesterov = bool(nesterov)
        self.weight_decay = _check_number(weight_decay, "weight_decay")
        if self.nesterov and self.momentum == 0.0:
            raise ValueError("nesterov=True needs a momentum > 0")
        self._buf: list[float | None] = [None] * len(self.params)

    def _update(self, lr: float) -> None:
        mu, wd, nesterov, buf = self.momentum, self.weight_decay, self.nesterov, self._buf
        for i, p in self._trainable():
            g = float(p.grad)
            if wd:
                g += wd * p.data
            if mu:
                b = buf[i]
                b = g if b is None else mu * b + g
                buf[i] = b
                g = g + mu * b if nesterov else b
            p.data -= lr * g


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam``; ``weight_decay`` adds ``weight_decay * p`` to the gradient (L2).

    ``m = b1*m + (1-b1)*g``, ``v = b2*v + (1-b2)*g*g``, then
    ``p -= lr / (1 - b1**t) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)``.

    Examples:
        >>> from autograd import Value
        >>> w = Value(1.0)
        >>> opt = Adam([w], lr=0.1)
        >>> opt.zero_grad(); (w * w).backward(); opt.step()
        >>> round(w.data, 6)                # Adam's first step moves by about lr, whatever the gradient's size
        0.9
    """

    _decoupled = False

    def __init__(
        self, params: Iterable[Value], lr: LR = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8, weight_decay: float = 0.0,
    ) -> None:  # fmt: skip
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (
            _check_number(betas[0], "betas[0]", 0.0, 1.0, hi_open=True),
            _check_number(betas[1], "betas[1]", 0.0, 1.0, hi_open=True),
        )
        self.eps = _check_number(eps, "eps")
        self.weight_decay = _check_number(weight_decay, "weight_decay")
        n = len(self.params)
        self._m = [0.0] * n
        self._v = [0.0] * n
        self._t = [0] * n  # per parameter: a frozen one does not advance

    def _update(self, lr: float) -> None:
        b1, b2 = self.betas
        eps, wd, decoupled = self.eps, self.weight_decay, self._decoupled
        m, v, ts = self._m, self._v, self._t
        for i, p in self._trainable():
            g = float(p.grad)
            if wd:
                if decoupled:
                    p.data *= 1.0 - lr * wd
                else:
                    g += wd * p.data
            t = ts[i] + 1
            ts[i] = t
            # m = b1*m + (1-b1)*g, written as torch's lerp so the floats agree
            mi = m[i] = m[i] + (1.0 - b1) * (g - m[i])
            vi = v[i] = b2 * v[i] + (1.0 - b2) * (g * g)
            step_size = lr / (1.0 - b1**t)
            denom = math.sqrt(vi) / math.sqrt(1.0 - b2**t) + eps
            p.data -= step_size * (mi / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay, as ``torch.optim.AdamW``: ``p *= 1 - lr*weight_decay``
    before the Adam step, which then sees the plain gradient. Default weight_decay 0.01 (PyTorch's).

    Examples:
        >>> from autograd import Value
        >>> w = Value(1.0)
        >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
        >>> opt.zero_grad(); (w * w).backward(); opt.step()
        >>> round(w.data, 6)                # decay first (1 * (1 - 0.1*0.5)), then Adam's step of about lr
        0.85
    """

    _decoupled = True

    def __init__(
        self, params: Iterable[Value], lr: LR = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8, weight_decay: float = 0.01,
    ) -> None:  # fmt: skip
        super().__init__(params, lr, betas, eps, weight_decay)


# --------------------------------------------------------------------------
# Learning-rate schedules: callables step -> lr
# --------------------------------------------------------------------------


class Schedule:
    """A learning rate as a function of the step number (0 for the first step).

    Examples:
        >>> step_decay(0.1, step_size=10).values(3)    # a schedule is passed as lr=...
        [0.1, 0.1, 0.1]
    """

    def __call__(self, step: int) -> float:
        raise NotImplementedError

    def values(self, n: int) -> list[float]:
        """The first ``n`` learning rates: handy for a plot."""
        return [self(k) for k in range(n)]


class linear_decay(Schedule):
    """From ``start`` to ``end`` in a straight line over ``steps`` steps, then ``end``.

    ``linear_decay(1.0, 0.1, 100)`` is micrograd's demo ``1.0 - 0.9*k/100``, and
    ``torch.optim.lr_scheduler.LinearLR`` with factors start/lr and end/lr.

    Examples:
        >>> s = linear_decay(0.1, 0.0, steps=10)
        >>> s(0), s(5), s(20)
        (0.1, 0.05, 0.0)
    """

    def __init__(self, start: float, end: float, steps: int) -> None:
        self.start = _check_number(start, "start")
        self.end = _check_number(end, "end")
        self.steps = check_count(steps, "steps")

    def __call__(self, step: int) -> float:
        k = min(max(step, 0), self.steps)
        return self.start + (self.end - self.start) * k / self.steps

    def __repr__(self) -> str:
        return f"linear_decay({self.start}, {self.end}, steps={self.steps})"


class step_decay(Schedule):
    """``lr * gamma ** (step // step_size)``, as ``torch.optim.lr_scheduler.StepLR``.

    Examples:
        >>> s = step_decay(0.1, step_size=10, gamma=0.5)
        >>> s(0), s(10), s(25)
        (0.1, 0.05, 0.025)
    """

    def __init__(self, lr: float, step_size: int, gamma: float = 0.1) -> None:
        self.lr = _check_number(lr, "lr")
        self.step_size = check_count(step_size, "step_size")
        self.gamma = _check_number(gamma, "gamma")

    def __call__(self, step: int) -> float:
        return self.lr * self.gamma ** (max(step, 0) // self.step_size)

    def __repr__(self) -> str:
        return f"step_decay({self.lr}, step_size={self.step_size}, gamma={self.gamma})"


class cosine_decay(Schedule):
    """Half a cosine from ``lr`` down to ``min_lr`` over ``steps`` steps, then ``min_lr``.

    ``min_lr + (lr - min_lr) * (1 + cos(pi * step / steps)) / 2``: the first
    half-period of ``torch.optim.lr_scheduler.CosineAnnealingLR(T_max=steps, eta_min=min_lr)``.

    Examples:
        >>> s = cosine_decay(0.1, steps=10)
        >>> s(0), round(s(5), 6), s(10)
        (0.1, 0.05, 0.0)
    """

    def __init__(self, lr: float, steps: int, min_lr: float = 0.0) -> None:
        self.lr = _check_number(lr, "lr")
        self.steps = check_count(steps, "steps")
        self.min_lr = _check_number(min_lr, "min_lr")

    def __call__(self, step: int) -> float:
        k = min(max(step, 0), self.steps)
        return self.min_lr + (self.lr - self.min_lr) * (1.0 + math.cos(math.pi * k / self.steps)) / 2.0

    def __repr__(self) -> str:
        return f"cosine_decay({self.lr}, steps={self.steps}, min_lr={self.min_lr})"
