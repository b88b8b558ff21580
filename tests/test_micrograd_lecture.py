"""Code from micrograd's video lecture, run unchanged against autograd.Value.

The lecture builds nodes with ``Value(data, _children, _op, label)`` and gives each one a
backward closure; its diagram code walks ``v._prev`` and prints ``v._op``; it calls
``o._backward()`` by hand, node by node. Each block below is the lecture's code, pasted.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from graphviz import Digraph

import autograd
from autograd import Value, draw_dot, grad, gradients

# ---- the lecture's Value ops, written as closures (its second half), as functions ---------


def add(self, other):  # type: ignore[no-untyped-def]
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data + other.data, (self, other), '+')

    def _backward():  # type: ignore[no-untyped-def]
        self.grad += 1.0 * out.grad
        other.grad += 1.0 * out.grad
    out._backward = _backward
    return out


def mul(self, other):  # type: ignore[no-untyped-def]
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data * other.data, (self, other), '*')

    def _backward():  # type: ignore[no-untyped-def]
        self.grad += other.data * out.grad
        other.grad += self.data * out.grad
    out._backward = _backward
    return out


def power(self, other):  # type: ignore[no-untyped-def]
    assert isinstance(other, (int, float)), "only supporting int/float powers for now"
    out = Value(self.data**other, (self,), f'**{other}')

    def _backward():  # type: ignore[no-untyped-def]
        self.grad += other * (self.data ** (other - 1)) * out.grad
    out._backward = _backward
    return out


def tanh(self):  # type: ignore[no-untyped-def]
    x = self.data
    t = (math.exp(2*x) - 1)/(math.exp(2*x) + 1)
    out = Value(t, (self, ), 'tanh')

    def _backward():  # type: ignore[no-untyped-def]
        self.grad += (1 - t**2) * out.grad
    out._backward = _backward
    return out


def exp(self):  # type: ignore[no-untyped-def]
    x = self.data
    out = Value(math.exp(x), (self, ), 'exp')

    def _backward():  # type: ignore[no-untyped-def]
        self.grad += out.data * out.grad
    out._backward = _backward
    return out


# ---- the lecture's diagram code -----------------------------------------------------


def trace(root):  # type: ignore[no-untyped-def]
    # builds a set of all nodes and edges in a graph
    nodes, edges = set(), set()

    def build(v):  # type: ignore[no-untyped-def]
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)
    build(root)
    return nodes, edges


def lecture_draw_dot(root):  # type: ignore[no-untyped-def]
    dot = Digraph(format='svg', graph_attr={'rankdir': 'LR'})  # LR = left to right

    nodes, edges = trace(root)
    for n in nodes:
        uid = str(id(n))
        # for any value in the graph, create a rectangular ('record') node for it
        dot.node(name = uid, label = "{ %s | data %.4f | grad %.4f }" % (n.label, n.data, n.grad), shape='record')
        if n._op:
            # if this value is a result of some operation, create an op node for it
            dot.node(name = uid + n._op, label = n._op)
            # and connect this node to it
            dot.edge(uid + n._op, uid)

    for n1, n2 in edges:
        # connect n1 to the op node of n2
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)

    return dot


def neuron(make_tanh: Any) -> tuple[Value, ...]:
    # inputs x1,x2
    x1 = Value(2.0, label='x1')
    x2 = Value(0.0, label='x2')
    # weights w1,w2
    w1 = Value(-3.0, label='w1')
    w2 = Value(1.0, label='w2')
    # bias of the neuron
    b = Value(6.8813735870195432, label='b')
    # x1*w1 + x2*w2 + b
    x1w1 = x1*w1; x1w1.label = 'x1*w1'
    x2w2 = x2*w2; x2w2.label = 'x2*w2'
    x1w1x2w2 = x1w1 + x2w2; x1w1x2w2.label = 'x1*w1 + x2*w2'
    n = x1w1x2w2 + b; n.label = 'n'
    o = make_tanh(n); o.label = 'o'
    return o, n, x1w1x2w2, x1w1, x2w2, b, x1, x2, w1, w2


@pytest.mark.parametrize("make_tanh", [lambda n: n.tanh(), tanh], ids=["built-in tanh", "closure tanh"])
def test_the_hand_built_neuron_gives_the_lectures_numbers(make_tanh: Any) -> None:
    o, n, *_, x1, x2, w1, w2 = neuron(make_tanh)
    o.backward()
    assert round(o.data, 4) == 0.7071
    assert (x1.grad, w1.grad, x2.grad, w2.grad) == pytest.approx((-1.5, 1.0, 0.5, 0.0))
    assert o._op == 'tanh' and o._prev == {n} and n._op == '+'


def test_backward_node_by_node_by_hand() -> None:
    o, n, x1w1x2w2, x1w1, x2w2, b, x1, x2, w1, w2 = neuron(lambda n: n.tanh())
    o.grad = 1.0
    o._backward()
    assert n.grad == pytest.approx(1 - o.data**2)
    n._backward()
    b._backward()  # a leaf: nothing to do
    x1w1x2w2._backward()
    x2w2._backward()
    x1w1._backward()
    assert (x1.grad, w1.grad, x2.grad, w2.grad) == pytest.approx((-1.5, 1.0, 0.5, 0.0))


def test_tanh_from_exp_closures_and_the_diagram() -> None:
    o1, *_ = neuron(lambda n: n.tanh())
    o1.backward()
    # e = (2*n).exp(); o = (e - 1) / (e + 1), with closure ops mixed into built-in ones
    _, n, *_rest, x1, x2, w1, w2 = neuron(lambda n: n)
    e = exp(mul(n, 2))
    o = (e - 1) / (e + 1)
    o.backward()
    assert (x1.grad, w1.grad, x2.grad, w2.grad) == pytest.approx((-1.5, 1.0, 0.5, 0.0))
    dot = lecture_draw_dot(o)
    assert "exp" in dot.source and "grad -1.5000" in dot.source
    # autograd's own diagram marks closure nodes and leaves their edges unlabelled
    assert "exp" in draw_dot(o).source


def test_the_closure_ops_agree_with_the_built_in_ones() -> None:
    a, b = Value(-2.0, label='a'), Value(3.0, label='b')
    d = mul(a, b); e = add(a, b); f = mul(d, e); g = power(f, 2)
    g.backward()
    a2, b2 = Value(-2.0), Value(3.0)
    (((a2 * b2) * (a2 + b2)) ** 2).backward()
    assert (a.grad, b.grad) == (a2.grad, b2.grad)
    # the lecture's bug fix: a node used twice accumulates (b = a + a)
    a = Value(3.0, label='a')
    b = add(a, a); b.label = 'b'
    b.backward()
    assert a.grad == 2.0


class Neuron:
    def __init__(self, nin):  # type: ignore[no-untyped-def]
        self.w = [Value(random.uniform(-1,1)) for _ in range(nin)]
        self.b = Value(random.uniform(-1,1))

    def __call__(self, x):  # type: ignore[no-untyped-def]
        # w * x + b
        act = sum((wi*xi for wi, xi in zip(self.w, x)), self.b)
        out = act.tanh()
        return out

    def parameters(self):  # type: ignore[no-untyped-def]
        return self.w + [self.b]


class Layer:
    def __init__(self, nin, nout):  # type: ignore[no-untyped-def]
        self.neurons = [Neuron(nin) for _ in range(nout)]

    def __call__(self, x):  # type: ignore[no-untyped-def]
        outs = [n(x) for n in self.neurons]
        return outs[0] if len(outs) == 1 else outs

    def parameters(self):  # type: ignore[no-untyped-def]
        return [p for neuron in self.neurons for p in neuron.parameters()]


class MLP:
    def __init__(self, nin, nouts):  # type: ignore[no-untyped-def]
        sz = [nin] + nouts
        self.layers = [Layer(sz[i], sz[i+1]) for i in range(len(nouts))]

    def __call__(self, x):  # type: ignore[no-untyped-def]
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):  # type: ignore[no-untyped-def]
        return [p for layer in self.layers for p in layer.parameters()]


def test_the_lectures_mlp_loop_trains() -> None:
    random.seed(1337)
    n = MLP(3, [4, 4, 1])
    xs = [
      [2.0, 3.0, -1.0],
      [3.0, -1.0, 0.5],
      [0.5, 1.0, 1.0],
      [1.0, 1.0, -1.0],
    ]
    ys = [1.0, -1.0, -1.0, 1.0] # desired targets
    losses = []
    for k in range(20):
        # forward pass
        ypred = [n(x) for x in xs]
        loss = sum((yout - ygt)**2 for ygt, yout in zip(ys, ypred))
        # backward pass
        for p in n.parameters():
            p.grad = 0.0
        loss.backward()
        # update
        for p in n.parameters():
            p.data += -0.1 * p.grad
        losses.append(loss.data)
    assert losses[-1] < 0.1 * losses[0]


def test_micrograds_trace_graph_notebook_code() -> None:
    # micrograd's demo notebook (trace_graph.ipynb), unchanged
    def trace(root):  # type: ignore[no-untyped-def]
        nodes, edges = set(), set()

        def build(v):  # type: ignore[no-untyped-def]
            if v not in nodes:
                nodes.add(v)
                for child in v._prev:
                    edges.add((child, v))
                    build(child)
        build(root)
        return nodes, edges

    def draw_dot(root, format='svg', rankdir='LR'):  # type: ignore[no-untyped-def]
        assert rankdir in ['LR', 'TB']
        nodes, edges = trace(root)
        dot = Digraph(format=format, graph_attr={'rankdir': rankdir})
        for n in nodes:
            dot.node(name=str(id(n)), label = "{ data %.4f | grad %.4f }" % (n.data, n.grad), shape='record')
            if n._op:
                dot.node(name=str(id(n)) + n._op, label=n._op)
                dot.edge(str(id(n)) + n._op, str(id(n)))
        for n1, n2 in edges:
            dot.edge(str(id(n1)), str(id(n2)) + n2._op)
        return dot

    x = Value(1.0)
    y = (x * 2 + 1).relu()
    y.backward()
    dot = draw_dot(y)
    assert "ReLU" in dot.source and "grad 2.0000" in dot.source and dot.source.count("->") == 8


def test_closure_nodes_are_refused_where_local_derivatives_are_needed() -> None:
    x = Value(0.5)
    y = tanh(x)
    with pytest.raises(TypeError, match="defop"):
        gradients(y, [x])
    with pytest.raises(TypeError, match="defop"):
        grad(lambda v: tanh(v))(0.5)
    with pytest.raises(TypeError, match="defop"):
        y.backward(create_graph=True)
    assert y.local_grads() == () and y.children() == (x,)


def test_assigning_a_backward_to_a_built_in_node_makes_it_a_closure_node() -> None:
    a = Value(2.0)
    b = a * 3.0
    calls: list[float] = []
    b._backward = lambda: calls.append(b.grad)
    b.backward()
    assert calls == [1.0] and a.grad == 0.0 and b._op == '*'


def test_value_still_takes_the_label_second() -> None:
    v = Value(3.0, "x")
    assert v.label == "x" and v.is_leaf and v._prev == set() and v._op == ''
    assert Value(1.0, (), '', 'y').label == 'y'
    assert autograd.Value(2.0, [v], '+')._prev == {v}
