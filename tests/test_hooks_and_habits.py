"""Value.register_hook (PyTorch's semantics), item(), int(), round(), and autograd --version."""

from __future__ import annotations

from typing import Any

import pytest

import autograd
from autograd import Value, gradients


def test_a_hook_sees_the_whole_gradient_once_and_can_replace_it(torch: Any) -> None:
    def build(lib: Any, x: Any) -> tuple[Any, Any]:
        y = x * x  # y is used twice: its hook sees the sum of both contributions
        z = y * 3.0 + (y.tanh() if lib is None else torch.tanh(y))
        return y, z

    seen: list[float] = []
    x = Value(0.7)
    y, z = build(None, x)
    y.register_hook(lambda g: seen.append(g) or g * 2.0)
    z.backward()

    t_seen: list[float] = []
    tx = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    ty, tz = build(torch, tx)
    ty.register_hook(lambda g: t_seen.append(g.item()) or g * 2.0)
    tz.backward()
    assert seen == pytest.approx(t_seen) and len(seen) == 1
    assert x.grad == pytest.approx(tx.grad.item(), rel=1e-15)


def test_a_leaf_hook_runs_before_the_gradient_is_accumulated() -> None:
    x = Value(2.0)
    x.grad = 100.0  # from an earlier pass
    seen: list[float] = []
    x.register_hook(lambda g: seen.append(g))
    x.register_hook(lambda g: g * 10)  # registration order: this one sees what the first returned
    (x * x).backward()
    assert seen == [4.0] and x.grad == 100.0 + 40.0


def test_hooks_run_in_gradients_and_with_create_graph() -> None:
    x = Value(3.0)
    y = x * x
    calls: list[Any] = []
    h = y.register_hook(lambda g: calls.append(g))
    z = y * 2.0
    assert gradients(z, [x]) == [12.0] and calls == [2.0]
    (gx,) = gradients(z, [x], create_graph=True)
    assert isinstance(calls[-1], Value) and gx.data == 12.0
    h.remove()
    h.remove()  # twice is harmless
    z.backward()
    assert len(calls) == 2 and x.grad == 12.0
    assert not autograd.hooks.HOOKS  # nothing left registered: backward() is on its fast path


def test_a_hook_that_returns_a_new_gradient_changes_what_flows_on() -> None:
    a, b = Value(1.0), Value(2.0)
    s = a + b
    s.register_hook(lambda g: 0.0)
    (s * 5.0).backward()
    assert (a.grad, b.grad) == (0.0, 0.0)


def test_hooks_on_unrelated_nodes_leave_closure_graphs_alone() -> None:
    unrelated = Value(1.0)
    unrelated.register_hook(lambda g: None)
    x = Value(2.0)
    out = Value(x.data * 2, (x,), "double")

    def step() -> None:
        x.grad += 2 * out.grad

    out._backward = step
    out.backward()
    assert x.grad == 2.0 and unrelated in autograd.hooks.HOOKS


def test_item_int_and_round_read_the_number() -> None:
    v = Value(2.75)
    assert v.item() == 2.75 and int(v) == 2 and round(v) == 3 and round(v, 1) == 2.8
    assert isinstance(v.item(), float) and isinstance(int(v), int)
    assert autograd.__version__ == __import__("importlib.metadata").metadata.version("scalar-autograd")


def test_the_cli_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    from autograd import cli

    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"scalar-autograd {autograd.__version__}"


def test_int_and_round_become_guards_of_the_compiled_tape() -> None:
    import numpy as np

    fc = autograd.compile(lambda x: x * 2.0 if int(x) > 1 else x * 3.0)
    assert fc(2.5) == (5.0, (2.0,)) and any("same_int" in g for g in fc.guards)
    assert fc(0.5) == (1.5, (3.0,))  # int(0.5) = 0: the guard fails and f is traced again
    fr = autograd.compile(lambda x: x * round(x))
    assert fr(2.4) == (2.4 * 2, (2.0,)) and fr(2.6) == (2.6 * 3, (3.0,))
    values, (grads,) = fr(np.array([2.4, 2.3]))
    assert values.tolist() == [2.4 * 2, 2.3 * 2] and grads.tolist() == [2.0, 2.0]
