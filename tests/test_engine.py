"""Value, its operators, backward semantics, grad modes, copying and memory."""

from __future__ import annotations

import asyncio
import copy
import gc
import inspect
import math
import pickle
import subprocess
import sys
import threading
import weakref
from fractions import Fraction
from typing import Any

import pytest

import autograd
from autograd import Value, gradcheck, gradients, no_grad, numerical_grad
from autograd.engine import topological_order

# ---- construction -----------------------------------------------------------


@pytest.mark.parametrize("x", [3, 3.0, Fraction(3, 1)])
def test_real_numbers_become_floats(x: Any) -> None:
    v = Value(x)
    assert type(v.data) is float and v.data == 3.0
    assert type(v.grad) is float and v.grad == 0.0


def test_numpy_scalars_become_floats() -> None:
    np = pytest.importorskip("numpy")
    for x in (np.float64(2.5), np.float32(2.5), np.int64(2)):
        assert type(Value(x).data) is float


@pytest.mark.parametrize("bad", [True, 1j, "3", None, [1.0], (1.0,), {}, object()])
def test_non_real_inputs_raise_type_error_naming_the_type(bad: Any) -> None:
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


def test_numpy_bool_is_refused() -> None:
    np = pytest.importorskip("numpy")
    with pytest.raises(TypeError, match="bool"):
        Value(np.bool_(True))


def test_huge_int_raises_a_clear_overflow_error() -> None:
    with pytest.raises(OverflowError, match="too large for a float"):
        Value(10**400)


def test_label_and_repr() -> None:
    x = Value(2.0, label="x")
    assert x.label == "x" and repr(x) == "Value(data=2.0, grad=0.0, label='x')"
    assert repr(Value(1.5)) == "Value(data=1.5, grad=0.0)"
    x.label = "renamed"
    assert x.label == "renamed"


# ---- operators ---------------------------------------------------------------


def _both_sides() -> list[tuple[str, Any, float]]:
    a, b = 3.0, 2.0
    return [
        ("add", lambda x, y: x + y, a + b), ("sub", lambda x, y: x - y, a - b),
        ("mul", lambda x, y: x * y, a * b), ("div", lambda x, y: x / y, a / b),
        ("pow", lambda x, y: x**y, a**b),
    ]  # fmt: skip


@pytest.mark.parametrize("name,fn,expected", _both_sides())
def test_operators_take_values_and_numbers_on_either_side(name: str, fn: Any, expected: float) -> None:
    for x, y in [(Value(3.0), Value(2.0)), (Value(3.0), 2.0), (3.0, Value(2.0)), (Value(3.0), 2)]:
        out = fn(x, y)
        assert isinstance(out, Value) and out.data == expected, (name, x, y)
        assert gradcheck(fn, [_data(x), _data(y)])


def _data(x: Any) -> float:
    return x.data if isinstance(x, Value) else float(x)


def test_value_pow_number_is_one_node_with_the_exponent_as_a_constant() -> None:
    x = Value(3.0)
    y = x**2
    assert y.op == "**2" and y.children() == (x,)
    y.backward()
    assert x.grad == 6.0


def test_number_pow_value() -> None:
    y = Value(3.0)
    z = 2**y
    z.backward()
    assert z.data == 8.0 and y.grad == pytest.approx(8.0 * math.log(2.0), rel=1e-15)


def test_unary_neg_abs_pos_and_in_place_rebinding() -> None:
    x = Value(-3.0)
    assert (-x).data == 3.0 and abs(x).data == 3.0 and (+x) is x
    c = x
    c += 1
    c *= 2
    c -= x
    c /= 4
    assert c is not x and c.data == ((-3.0 + 1) * 2 - -3.0) / 4
    c.backward()
    assert x.grad == pytest.approx((2 - 1) / 4)


UNARY_CASES: list[tuple[str, float]] = [
    ("exp", 0.7), ("log", 1.3), ("log1p", 0.4), ("expm1", 0.3), ("sqrt", 2.0), ("tanh", 0.5),
    ("sigmoid", -0.8), ("relu", 1.2), ("relu", -1.2), ("leaky_relu", -1.5), ("softplus", 0.6),
    ("sin", 0.9), ("cos", 0.9), ("clamp", 0.3),
]  # fmt: skip


@pytest.mark.parametrize("name,x", UNARY_CASES)
def test_methods_and_module_functions_agree_and_pass_gradcheck(name: str, x: float) -> None:
    method = getattr(Value(x), name)()
    function = getattr(autograd, name)(x)  # module-level functions accept plain floats
    assert method.data == function.data
    assert gradcheck(lambda v: getattr(v, name)(), [x])
    assert gradcheck(lambda v: getattr(autograd, name)(v), [x])


def test_forward_values_match_math() -> None:
    x = 0.37
    assert Value(x).exp().data == math.exp(x)
    assert Value(x).log().data == math.log(x)
    assert Value(x).tanh().data == math.tanh(x)
    assert Value(x).sigmoid().data == pytest.approx(1 / (1 + math.exp(-x)), rel=1e-15)
    assert Value(x).softplus().data == pytest.approx(math.log1p(math.exp(x)), rel=1e-15)
    assert Value(-2.0).leaky_relu(0.1).data == pytest.approx(-0.2)
    assert Value(5.0).clamp(-1.0, 1.0).data == 1.0
    with pytest.raises(ValueError, match="lo <= hi"):
        Value(0.0).clamp(1.0, -1.0)


def test_maximum_and_minimum() -> None:
    a, b = Value(2.0), Value(5.0)
    assert autograd.maximum(a, b).data == 5.0 and a.minimum(b).data == 2.0
    assert autograd.maximum(1.0, 2.0).data == 2.0
    assert gradcheck(lambda x, y: autograd.maximum(x, y) * autograd.minimum(x, y), [2.0, 5.0])


def test_sum_and_dot_are_single_nodes_with_n_children() -> None:
    xs = [Value(float(i)) for i in range(1, 6)]
    ws = [Value(0.5 * i) for i in range(1, 6)]
    s = autograd.sum(xs)
    assert s.op == "sum" and len(s.children()) == 5 and s.data == 15.0
    d = autograd.dot(ws, xs)
    assert d.op == "dot" and len(d.children()) == 10
    assert d.data == sum(w.data * x.data for w, x in zip(ws, xs))
    d.backward()
    assert [w.grad for w in ws] == [x.data for x in xs] and [x.grad for x in xs] == [w.data for w in ws]
    assert autograd.sum([1.0, Value(2.0)], start=10.0).data == 13.0
    assert autograd.sum([]).data == 0.0
    with pytest.raises(ValueError, match="one length"):
        autograd.dot([1.0, 2.0], [1.0])


def test_logsumexp_is_stable() -> None:
    big = autograd.logsumexp([Value(1000.0), Value(1000.0)])
    assert big.data == pytest.approx(1000.0 + math.log(2.0))
    assert gradcheck(lambda a, b, c: autograd.logsumexp([a, b, c]), [0.1, -2.0, 3.0])
    with pytest.raises(ValueError, match="empty"):
        autograd.logsumexp([])


# ---- comparisons and conversions --------------------------------------------


def test_comparisons_compare_data_and_equality_is_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a < 2 and a <= b and b >= a and Value(3.0) > a
    assert a != b and a == a  # identity
    assert len({a, b, a}) == 2 and {a: 1}[a] == 1
    assert (a == 1.0) is False  # the documented pitfall


def test_bool_float_and_format() -> None:
    v = Value(2.5)
    with pytest.raises(TypeError, match=r"v\.data"):
        bool(v)
    with pytest.raises(TypeError):
        if v:
            pass
    assert float(v) == 2.5 and f"{v:.2f}" == "2.50"


def test_detach_is_a_new_leaf() -> None:
    x = Value(2.0)
    y = (x * 3).detach()
    assert y.is_leaf and y.data == 6.0
    (y * x).backward()
    assert x.grad == 6.0 and y.grad == 2.0


# ---- copying and pickling ----------------------------------------------------


def _chain(n: int) -> tuple[Value, Value]:
    x = Value(1.0, label="x")
    z = x
    for _ in range(n):
        z = z * 1.0000001 + 1e-9
    return x, z


def test_copies_are_detached_leaves_with_data_grad_and_label() -> None:
    x = Value(2.0, label="x")
    y = x * x
    y.backward()
    for clone in (copy.copy(y), copy.deepcopy(y), pickle.loads(pickle.dumps(y))):
        assert clone.is_leaf and clone.data == 4.0 and clone.grad == 1.0 and clone is not y
    cx = pickle.loads(pickle.dumps(x))
    assert (cx.data, cx.grad, cx.label) == (2.0, 4.0, "x")


def test_pickle_and_deepcopy_of_a_100000_deep_chain() -> None:
    _, z = _chain(100_000)
    assert pickle.loads(pickle.dumps(z)).data == z.data
    assert copy.deepcopy([z, z])[0].data == z.data


def test_deepcopy_keeps_shared_references_shared() -> None:
    x = Value(1.0)
    a, b = copy.deepcopy([x, x])
    assert a is b


# ---- backward semantics ------------------------------------------------------


def test_leaves_accumulate_and_intermediates_hold_this_pass() -> None:
    x = Value(3.0)
    t = x * 2.0
    z = t * t
    z.backward()
    assert x.grad == 24.0 and t.grad == 12.0
    z.backward()
    assert x.grad == 48.0  # leaves accumulate across calls, as in PyTorch
    assert t.grad == 12.0 and z.grad == 1.0  # other nodes hold this pass's value
    x.zero_grad()
    assert x.grad == 0.0


def test_backward_seed_and_root_leaf() -> None:
    x = Value(2.0)
    (x * 5).backward(grad=0.5)
    assert x.grad == 2.5
    leaf = Value(1.0)
    leaf.backward()
    leaf.backward(grad=2.0)
    assert leaf.grad == 3.0  # a root that is a leaf gets the seed added


def test_shared_subexpressions_and_repeated_children() -> None:
    x = Value(3.0)
    y = x * x  # the same child twice
    z = y + y * x
    z.backward()
    assert x.grad == pytest.approx(2 * 3.0 + 3 * 3.0**2)


def test_gradients_writes_no_grad_and_handles_unreachable_inputs() -> None:
    x, y, unused = Value(3.0), Value(2.0), Value(7.0)
    z = (x + y) ** 2
    assert gradients(z, [x, y, unused]) == [10.0, 10.0, 0.0]
    assert x.grad == 0.0 and y.grad == 0.0 and z.grad == 0.0
    assert gradients([z, x * 1.0], [x], grad_outputs=[1.0, 2.0]) == [12.0]
    with pytest.raises(TypeError, match="Values"):
        gradients(z, [3.0])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="grad_outputs"):
        gradients(z, [x], grad_outputs=[1.0, 2.0])


def test_create_graph_gives_differentiable_gradients() -> None:
    x = Value(2.0)
    (gx,) = gradients(x**3, [x], create_graph=True)
    assert isinstance(gx, Value) and gx.data == 12.0
    (gxx,) = gradients(gx, [x])
    assert gxx == 12.0
    y = Value(2.0)
    (y**3).backward(create_graph=True)
    assert isinstance(y.grad, Value) and float(y.grad) == 12.0


def test_topological_order_puts_every_node_before_its_inputs() -> None:
    x = Value(1.0)
    a = x * 2
    b = a + x
    c = a * b
    order = topological_order([c])
    assert order == [c, b, a]
    pos = {v: i for i, v in enumerate(order)}
    for v in order:
        for child in v.children():
            if not child.is_leaf:
                assert pos[v] < pos[child]


def test_a_million_deep_graph_backpropagates_without_recursion() -> None:
    limit = sys.getrecursionlimit()
    x = Value(1.0)
    z = x
    for _ in range(1_000_000):
        z = z * 1.0
    z.backward()
    assert x.grad == 1.0 and sys.getrecursionlimit() == limit
    del z


def test_dropping_the_root_frees_the_graph_without_the_cyclic_gc() -> None:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        x = Value(2.0)
        nodes = [x]
        z = x
        for i in range(200):
            z = autograd.tanh(z * 0.5 + i) if i % 2 else autograd.dot([z, x], [x, 1.0])
            nodes.append(z)
        z.backward()
        gradients(z, [x])
        refs = [weakref.ref(v) for v in nodes[1:]]
        del z, nodes
        assert all(r() is None for r in refs), "the graph holds a reference cycle"
    finally:
        if was_enabled:
            gc.enable()


_DETERMINISM_SCRIPT = """
import autograd
from autograd import Value
xs = [Value(0.1 * i - 0.3) for i in range(6)]
h = [autograd.tanh(autograd.dot(xs, xs[::-1]) + x) for x in xs]
out = autograd.logsumexp(h) * autograd.sum(h) + autograd.maximum(h[0], h[1]).sigmoid()
out.backward()
print(repr(out.data), [repr(x.grad) for x in xs])
"""


def test_two_runs_give_identical_floats() -> None:
    runs = [subprocess.run([sys.executable, "-c", _DETERMINISM_SCRIPT], capture_output=True, text=True,
                           check=True, env={"PYTHONHASHSEED": str(seed)}).stdout for seed in (1, 2)]  # fmt: skip
    assert runs[0] == runs[1] and runs[0]


# ---- grad modes --------------------------------------------------------------


def test_no_grad_records_nothing_and_enable_grad_records_again() -> None:
    x = Value(2.0)
    with no_grad():
        y = x * 3
        with autograd.enable_grad():
            z = x * 3
        assert not autograd.is_grad_enabled()
    assert autograd.is_grad_enabled()
    assert y.is_leaf and not z.is_leaf


def test_no_grad_as_decorator() -> None:
    @no_grad()
    def f(v: Value) -> Value:
        return v * 2

    assert f(Value(1.0)).is_leaf


def test_create_graph_under_no_grad_records_nothing() -> None:
    x = Value(2.0)
    y = x**3
    with no_grad():
        (g,) = gradients(y, [x], create_graph=True)
    assert not isinstance(g, Value) or g.is_leaf
    assert float(g) == 12.0


def test_grad_mode_is_per_thread() -> None:
    seen: list[bool] = []
    with no_grad():
        t = threading.Thread(target=lambda: seen.append((Value(1.0) * 2).is_leaf))
        t.start()
        t.join()
    assert seen == [False]


def test_grad_mode_is_per_asyncio_task() -> None:
    async def inside() -> bool:
        with no_grad():
            await asyncio.sleep(0)
            return (Value(1.0) * 2).is_leaf

    async def outside() -> bool:
        await asyncio.sleep(0)
        return (Value(1.0) * 2).is_leaf

    async def main() -> list[bool]:
        return list(await asyncio.gather(inside(), outside()))

    assert asyncio.run(main()) == [True, False]


# ---- anomaly detection -------------------------------------------------------


def test_detect_anomaly_names_op_inputs_and_the_users_line_in_forward() -> None:
    with autograd.detect_anomaly(), pytest.raises(FloatingPointError) as err:
        Value(0.0).log()
    msg = str(err.value)
    assert "log(0.0) = -inf" in msg and "test_engine.py" in msg and "Value(0.0).log()" in msg


def test_detect_anomaly_in_backward_names_the_creating_line() -> None:
    x = Value(0.0)
    with autograd.detect_anomaly():
        y = x.sqrt()  # finite forward; d sqrt / dx = inf at 0
        with pytest.raises(FloatingPointError) as err:
            y.backward()
    msg = str(err.value)
    assert "backward" in msg and "sqrt(0.0)" in msg and "y = x.sqrt()" in msg


def test_without_anomaly_mode_non_finite_values_flow_silently() -> None:
    x = Value(0.0)
    y = x.sqrt()
    y.backward()
    assert y.data == 0.0 and x.grad == math.inf


# ---- user-defined primitives -------------------------------------------------


def test_user_defined_softsign_primitive() -> None:
    softsign = autograd.defop(
        "softsign_test",
        lambda m, x: m.div(x, 1 + m.abs(x)),
        lambda m, x, out: (m.div(1, (1 + m.abs(x)) * (1 + m.abs(x))),),
        symbol="softsign",
    )
    x = Value(0.5)
    y = softsign(x)
    assert y.data == pytest.approx(0.5 / 1.5) and y.op == "softsign"
    assert autograd.ops.REGISTRY["softsign_test"] is softsign
    assert gradcheck(lambda v: softsign(v) * v, [0.5])
    assert gradcheck(lambda v: softsign(v), [-1.7])
    # Higher order comes from the same rule, evaluated on Values.
    second = autograd.grad(autograd.grad(lambda v: softsign(v)))(0.5)
    assert second == pytest.approx(-2 / 1.5**3)
    assert y.local_grads() == (pytest.approx(1 / 1.5**2),)


def test_primitive_decorator_and_registration_errors() -> None:
    @autograd.primitive(deriv=lambda m, x, out: (3 * x * x,))
    def cube_test(m: Any, x: Any) -> Any:
        return x * x * x

    assert cube_test(Value(2.0)).data == 8.0
    assert numerical_grad(lambda v: cube_test(v), 2.0) == pytest.approx(12.0)
    with pytest.raises(ValueError, match="exists already"):
        autograd.defop("mul", lambda m, a, b: a * b, lambda m, a, b, out: (b, a), arity=2)
    with pytest.raises(TypeError, match="branch-free"):
        autograd.defop("branchy_test", lambda m, x: x, lambda m, x, out: (1.0 if x > 0 else 0.0,))
    with pytest.raises(TypeError, match=r"m\.div"):
        autograd.defop("slashy_test", lambda m, x: x, lambda m, x, out: (1 / x,))
    with pytest.raises(TypeError, match="2 local"):
        autograd.defop("short_test", lambda m, a, b: a, lambda m, a, b, out: (1.0,), arity=2)


def test_every_primitive_builds_nodes_from_its_compiled_one_liners() -> None:
    for op in autograd.ops.REGISTRY.values():
        assert inspect.getsource(op.forward_float).strip() == op.forward_source
        assert inspect.getsource(op.local).strip() == op.local_source
        assert op.forward_source in str(op) and op.local_source in str(op)


def test_a_user_defined_op_builds_a_node_and_backpropagates() -> None:
    cube = autograd.defop("cube_test_op", lambda m, x: x * x * x, lambda m, x, out: (3 * x * x,))
    x = Value(2.0)
    y = cube(x) * 2.0
    assert y.children()[0].op == "cube_test_op" and y.children()[0].children() == (x,)
    assert y.data == 16.0
    y.backward()
    assert x.grad == 24.0
    assert autograd.gradients(cube(x), [x]) == [12.0]
    assert autograd.grad(autograd.grad(lambda v: cube(v)))(2.0) == 12.0


def test_compiled_rules_show_in_tracebacks() -> None:
    import traceback

    boom = autograd.defop("boom_test_op", lambda m, x: m.div(1.0, x) + m.log(x),
                          lambda m, x, out: (m.log(m.sqrt(x) - x),))
    assert len(boom(4.0).local_grads()) == 1
    with pytest.raises(AttributeError) as info:
        boom.local(object())  # not a node: the error is raised inside the compiled one-liner
    text = "".join(traceback.format_exception(info.value))
    assert "boom_test_op.local" in text and boom.local_source in text  # the line itself is shown


def test_import_warns_when_hips_autograd_is_installed_too(tmp_path: Any) -> None:
    (tmp_path / "autograd-1.7.0.dist-info").mkdir()
    code = "import warnings; warnings.simplefilter('error'); import autograd"
    env = {"PYTHONPATH": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert run.returncode != 0 and "HIPS 'autograd' is installed" in run.stderr
    clean = subprocess.run([sys.executable, "-W", "error", "-c", "import autograd"], capture_output=True, text=True)
    assert clean.returncode == 0, clean.stderr
