"""autograd.nn: Parameter, Module, Neuron/Layer/MLP, state dicts and files, losses."""

from __future__ import annotations

import copy
import json
import math
import os
import pickle
import random

import pytest

import autograd
from autograd import Value, _atomic, gradcheck, nn
from autograd.data import make_moons

# ---------------------------------------------------------------------------
# Parameter
# ---------------------------------------------------------------------------


def test_parameter_is_a_value_and_carries_its_flag_through_copy_and_pickle():
    p = nn.Parameter(0.5, "w", requires_grad=False)
    p.tag = "L0.N1"
    assert isinstance(p, Value) and p.is_leaf and p.label == "w"
    for q in (copy.copy(p), copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(q) is nn.Parameter and q is not p
        assert (q.data, q.label, q.requires_grad, q.tag) == (0.5, "w", False, "L0.N1")
    assert "requires_grad=False" in repr(p)
    y = p * 3.0
    y.backward()
    assert p.grad == 3.0  # frozen only means optimizers skip it


# ---------------------------------------------------------------------------
# Neuron, Layer, MLP
# ---------------------------------------------------------------------------


def test_neuron_weighted_sum_is_one_fused_dot_node_tagged_with_its_scope():
    n = nn.Neuron(3, activation="tanh", seed=1, scope="L2.N7")
    out = n([0.5, -1.0, 2.0])
    assert out.op == "tanh" and out.tag == "L2.N7"
    (z,) = out.children()
    assert z.op == "dot" and z.tag == "L2.N7"
    kids = z.children()  # the weights and bias, dotted with the inputs and 1
    assert len(kids) == 8
    assert all(any(k is p for k in kids) for p in n.parameters())
    assert sorted(k.data for k in kids if not isinstance(k, nn.Parameter)) == [-1.0, 0.5, 1.0, 2.0]
    expected = math.tanh(sum(w.data * x for w, x in zip(n.w, [0.5, -1.0, 2.0])) + n.b.data)
    assert out.data == pytest.approx(expected, abs=1e-15)
    assert all(p.tag == "L2.N7" for p in n.parameters())


def test_mlp_nodes_are_tagged_by_layer_and_neuron_and_match_the_neurons():
    model = nn.MLP(2, [3, 2], seed=0, activation="tanh")
    x = [0.5, -0.5]
    outs = model(x)
    assert [o.tag for o in outs] == ["L1.N0", "L1.N1"] and all(o.op == "dot" for o in outs)
    hidden = [c for c in outs[0].children() if c.op == "tanh"]
    assert sorted(h.tag for h in hidden) == ["L0.N0", "L0.N1", "L0.N2"]
    assert all(h.children()[0].op == "dot" and h.children()[0].tag == h.tag for h in hidden)
    for h in hidden:
        j = int(h.tag[-1])
        assert h.data == model.layers[0].neurons[j](x).data


@pytest.mark.parametrize(
    ("kwargs", "op"),
    [({}, "ReLU"), ({"nonlin": False}, "dot"), ({"activation": "sigmoid"}, "sigmoid"),
     ({"nonlin": False, "activation": "tanh"}, "tanh"), ({"nonlin": True, "activation": "linear"}, "dot")],
)  # fmt: skip
def test_activation_wins_over_nonlin(kwargs, op):
    assert nn.Neuron(2, seed=0, **kwargs)([1.0, 2.0]).op == op


def test_neuron_and_model_input_errors_are_clear():
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        nn.Neuron(2, activation="gelu")
    with pytest.raises(ValueError, match="unknown init"):
        nn.MLP(2, [3], init="xavier")
    with pytest.raises(ValueError, match="expects 2 input"):
        nn.MLP(2, [3, 1], seed=0)([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="nouts must be a non-empty list"):
        nn.MLP(2, 16)
    with pytest.raises(ValueError, match="positive whole number"):
        nn.MLP(2, [16, 0])
    with pytest.raises(TypeError, match="list of 2 numbers or Values"):
        nn.Layer(2, 3, seed=0)(["a", "b"])
    with pytest.raises(TypeError, match=r"not a list of samples.*\[model\(x\) for x in X\]"):
        nn.MLP(2, [3, 1], seed=0)([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])


def test_layer_returns_one_value_for_one_neuron_and_mlp_handles_width_one_layers():
    assert isinstance(nn.Layer(2, 1, seed=0)([1.0, 2.0]), Value)
    assert len(nn.Layer(2, 3, seed=0)([1.0, 2.0])) == 3
    model = nn.MLP(2, [16, 1, 1], seed=0)  # micrograd crashes on this
    out = model([0.3, -0.7])
    assert isinstance(out, Value)
    out.backward()
    assert any(p.grad != 0.0 for p in model.layers[0].neurons[0].parameters()) or out.data == 0.0
    # a width-1 layer's single Value feeds the next layer, and a 1-input model takes a number
    assert isinstance(nn.Layer(1, 2, seed=0)(Value(1.0)), list)
    assert isinstance(nn.MLP(1, [4, 1], seed=0)(0.5), Value)


def test_named_parameters_order_and_names():
    model = nn.MLP(2, [4, 3, 1], seed=0)
    names = [n for n, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert "layers.0.neurons.3.w.1" in names and names[-1] == "layers.2.neurons.0.b"
    assert len(names) == len(set(names)) == model.num_parameters() == 4 * 3 + 3 * 5 + 1 * 4
    assert [p for _, p in model.named_parameters()] == model.parameters()
    assert list(model.state_dict())[:2] == ["layers.0.neurons.0.w", "layers.0.neurons.0.b"]


def test_micrograd_order_and_weights_with_uniform_init(micrograd_nn):
    random.seed(1337)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    random.seed(1337)
    ours = nn.MLP(2, [16, 16, 1], init="uniform")
    assert [p.data for p in ours.parameters()] == [float(p.data) for p in theirs.parameters()]
    x = [0.7, -0.4]
    assert ours(x).data == pytest.approx(theirs(x).data, rel=1e-12, abs=1e-12)


def test_seeds_none_and_int():
    random.seed(3)
    a = nn.MLP(2, [5, 1])
    random.seed(3)
    b = nn.MLP(2, [5, 1])
    assert a.state_dict() == b.state_dict()  # seed=None follows the global random module
    state = random.getstate()
    c, d = nn.MLP(2, [5, 1], seed=7), nn.MLP(2, [5, 1], seed=7)
    assert random.getstate() == state  # an int seed leaves the global generator alone
    assert c.state_dict() == d.state_dict() != nn.MLP(2, [5, 1], seed=8).state_dict()


def test_kaiming_init_is_fan_in_scaled_and_biases_start_at_zero():
    model = nn.MLP(64, [32, 10], seed=0)
    hidden, out = model.layers
    bound_h, bound_o = math.sqrt(2.0) * math.sqrt(3 / 64), math.sqrt(3 / 32)
    ws = [w.data for n in hidden.neurons for w in n.w]
    assert max(map(abs, ws)) <= bound_h and max(map(abs, ws)) > 0.9 * bound_h
    assert max(abs(w.data) for n in out.neurons for w in n.w) <= bound_o
    assert all(n.b.data == 0.0 for layer in model.layers for n in layer.neurons)


def test_zero_grad_and_repr():
    model = nn.MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    assert repr(model) == "MLP(2, [3, 1], activation='relu')"
    assert repr(model.layers[0]) == "Layer(2, 3, activation='relu')"


def test_micrograd_style_subclass_works():
    class Affine(nn.Module):
        def __init__(self):
            self.a = Value(2.0)
            self.bs = [Value(1.0), Value(-1.0)]
            self.inner = nn.Neuron(2, seed=0)

        def __call__(self, x):
            return self.a * x + self.bs[0] + self.inner([x, x])

    m = Affine()
    assert [n for n, _ in m.named_parameters()] == ["a", "bs.0", "bs.1", "inner.w.0", "inner.w.1", "inner.b"]
    state = m.state_dict()
    assert state["bs"] == [1.0, -1.0] and state["a"] == 2.0
    m(3.0).backward()
    assert m.a.grad == 3.0
    m.again = [m.a, Value(5.0), Value(5.0)]  # a Value reachable twice counts once
    m.twice = [m.bs[1]] * 2
    assert [n for n, _ in m.named_parameters()][-2:] == ["again.1", "again.2"]
    m.zero_grad()
    assert m.a.grad == 0.0


# ---------------------------------------------------------------------------
# state dicts, copies, files
# ---------------------------------------------------------------------------


def _outputs(model, xs=((0.1, 0.2), (-1.0, 0.5), (2.0, -3.0))):
    return [model(list(x)).data for x in xs]


def test_state_dict_round_trip():
    a, b = nn.MLP(2, [8, 8, 1], seed=1), nn.MLP(2, [8, 8, 1], seed=2)
    assert _outputs(a) != _outputs(b)
    b.load_state_dict(a.state_dict())
    assert _outputs(a) == _outputs(b) and a.state_dict() == b.state_dict()
    state = json.loads(json.dumps(a.state_dict()))  # JSON-ready
    assert state == a.state_dict()


def test_deepcopy_and_pickle_of_a_model_are_independent():
    model = nn.MLP(2, [4, 1], seed=0, activation="tanh")
    model.layers[0].neurons[0].w[0].requires_grad = False
    model([1.0, 1.0]).backward()
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert _outputs(clone) == _outputs(model)
        assert [p.grad for p in clone.parameters()] == [p.grad for p in model.parameters()]
        assert clone.layers[0].neurons[0].w[0].requires_grad is False
        assert clone.layers[0].neurons[0].w[0].tag == "L0.N0"
        clone.parameters()[0].data += 1.0
        assert clone.parameters()[0].data != model.parameters()[0].data
        assert clone([0.5, 0.5]).op == "dot"  # the linear output neuron


def test_load_state_dict_names_every_problem_and_changes_nothing():
    model = nn.MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    bad = dict(nn.MLP(2, [3, 1], seed=5).state_dict())
    del bad["layers.0.neurons.1.w"]
    del bad["layers.1.neurons.0.b"]
    bad["layers.0.neurons.0.w"] = [1.0, 2.0, 3.0]
    bad["layers.0.neurons.2.b"] = [0.0]
    bad["layers.0.neurons.0.b"] = float("nan")
    bad["layers.0.neurons.2.w"] = [1.0, "x"]
    bad["layers.7.neurons.0.b"] = 1.0
    bad["extra"] = 2.0
    with pytest.raises(ValueError) as info:
        model.load_state_dict(bad)
    msg = str(info.value)
    for needle in [
        "missing key: 'layers.0.neurons.1.w'", "missing key: 'layers.1.neurons.0.b'",
        "unexpected key: 'layers.7.neurons.0.b'", "unexpected key: 'extra'",
        "'layers.0.neurons.0.w' needs 2 numbers, got 3", "'layers.0.neurons.2.b' needs one number",
        "'layers.0.neurons.0.b' must be a finite number", "'layers.0.neurons.2.w[1]' must be a finite number",
        "2 missing, 2 unexpected, 4 wrong", "nothing was loaded",
    ]:  # fmt: skip
        assert needle in msg
    assert model.state_dict() == before


def test_save_and_load_file(tmp_path):
    a, b = nn.MLP(2, [6, 1], seed=1), nn.MLP(2, [6, 1], seed=2)
    path = tmp_path / "w.json"
    a.save(path)
    doc = json.loads(path.read_text())
    assert doc["format"] == nn.FORMAT and doc["version"] == nn.FORMAT_VERSION
    assert doc["model"] == repr(a)
    assert b.load(path) is b
    assert _outputs(a) == _outputs(b)
    assert [p for p in os.listdir(tmp_path)] == ["w.json"]


def test_save_refuses_non_finite_weights_and_keeps_the_old_file(tmp_path):
    model = nn.MLP(2, [3, 1], seed=0)
    path = tmp_path / "w.json"
    model.save(path)
    old = path.read_bytes()
    model.layers[1].neurons[0].b.data = math.inf
    with pytest.raises(ValueError, match=r"non-finite weights .*'layers.1.neurons.0.b'.*diverged"):
        model.save(path)
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["w.json"]


@pytest.mark.parametrize("where", ["json.dump", "os.replace", "os.fsync"])
def test_interrupted_save_leaves_old_file_and_no_temp_file(tmp_path, monkeypatch, where):
    model = nn.MLP(2, [3, 1], seed=0)
    path = tmp_path / "w.json"
    model.save(path)
    old = path.read_bytes()
    model.parameters()[0].data = 123.0

    real_dump = json.dump

    def dump_half(obj, f, **kw):  # writes part of the file, then dies
        f.write(json.dumps(obj, **kw)[:50])
        raise KeyboardInterrupt

    def boom(*args, **kw):
        raise OSError(28, "No space left on device")

    target = {"json.dump": (_atomic.json, "dump", dump_half), "os.replace": (_atomic.os, "replace", boom),
              "os.fsync": (_atomic.os, "fsync", boom)}[where]  # fmt: skip
    monkeypatch.setattr(*target)
    with pytest.raises((KeyboardInterrupt, OSError)):
        model.save(path)
    monkeypatch.setattr(_atomic.json, "dump", real_dump)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["w.json"]  # the temp file is gone
    fresh = nn.MLP(2, [3, 1], seed=9).load(path)
    assert fresh.parameters()[0].data != 123.0


def test_bad_load_fails_clearly_and_changes_nothing(tmp_path):
    model = nn.MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    other = tmp_path / "other.json"
    nn.MLP(3, [3, 1], seed=0).save(other)
    with pytest.raises(ValueError, match=r"(?s)saved from MLP\(3, \[3, 1\].*wrong size"):
        model.load(other)
    cases = {
        "garbage.json": ("{not json", "not a weights file"),
        "list.json": ("[1, 2]", "not a weights file"),
        "newer.json": (json.dumps({"format": nn.FORMAT, "version": 99, "state": {}}), "version 99.*Upgrade"),
        "nan.json": ('{"format": "' + nn.FORMAT + '", "version": 1, "state": {"a": NaN}}', "non-finite"),
        "nostate.json": (json.dumps({"format": nn.FORMAT, "version": 1}), "no 'state'"),
    }
    for name, (text, pattern) in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(ValueError, match=pattern):
            model.load(tmp_path / name)
    with pytest.raises(FileNotFoundError):
        model.load(tmp_path / "missing.json")
    assert model.state_dict() == before


# ---------------------------------------------------------------------------
# losses and functions, against torch (float64)
# ---------------------------------------------------------------------------

LOGIT_ROWS = [[0.5, -1.2, 3.0], [1000.0, -1000.0, 0.0], [-1000.0, -999.0, -1001.0], [2.0, 2.0, 2.0]]
TARGETS = [2, 1, 0, 1]


def _vals(rows):
    return [[Value(x) for x in row] for row in rows]


def _close(a, b, tol=1e-12):
    assert abs(a - b) <= tol * (1 + abs(b)), (a, b)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_matches_torch(torch, reduction):
    rows = _vals(LOGIT_ROWS)
    loss = nn.cross_entropy(rows, TARGETS, reduction=reduction)
    loss.backward()
    t = torch.tensor(LOGIT_ROWS, requires_grad=True)
    tl = torch.nn.functional.cross_entropy(t, torch.tensor(TARGETS), reduction=reduction)
    tl.backward()
    _close(loss.data, tl.item())
    for row, trow in zip(rows, t.grad.tolist()):
        for v, g in zip(row, trow):
            _close(v.grad, g)
    single = nn.cross_entropy([Value(x) for x in LOGIT_ROWS[1]], 1)
    _close(single.data, torch.nn.functional.cross_entropy(torch.tensor([LOGIT_ROWS[1]]), torch.tensor([1])).item())


def test_softmax_and_log_softmax_match_torch(torch):
    for row in LOGIT_ROWS:
        xs = [Value(x) for x in row]
        ls, sm = nn.log_softmax(xs), nn.softmax(xs)
        t = torch.tensor(row)
        for a, b in zip(ls, torch.log_softmax(t, 0).tolist()):
            _close(a.data, b)
        for a, b in zip(sm, torch.softmax(t, 0).tolist()):
            _close(a.data, b)
        assert all(math.isfinite(v.data) for v in ls + sm)
        # gradient of one softmax output
        sm[0].backward()
        tt = torch.tensor(row, requires_grad=True)
        torch.softmax(tt, 0)[0].backward()
        for v, g in zip(xs, tt.grad.tolist()):
            _close(v.grad, g)


BCE_LOGITS = [0.3, -2.0, 1000.0, -1000.0, 1000.0, -1000.0, 0.0]
BCE_TARGETS = [1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.25]


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_bce_with_logits_matches_torch_at_extremes(torch, reduction):
    xs = [Value(x) for x in BCE_LOGITS]
    loss = nn.binary_cross_entropy_with_logits(xs, BCE_TARGETS, reduction=reduction)
    loss.backward()
    t = torch.tensor(BCE_LOGITS, requires_grad=True)
    tl = torch.nn.functional.binary_cross_entropy_with_logits(t, torch.tensor(BCE_TARGETS), reduction=reduction)
    tl.backward()
    _close(loss.data, tl.item())
    for v, g in zip(xs, t.grad.tolist()):
        _close(v.grad, g)
    assert math.isfinite(loss.data)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_mse_and_hinge_match_torch(torch, reduction):
    preds, targets = [0.5, -1.5, 1000.0, 0.0], [1.0, -1.0, -1.0, 1.0]
    xs = [Value(x) for x in preds]
    loss = nn.mse_loss(xs, targets, reduction=reduction)
    loss.backward()
    t = torch.tensor(preds, requires_grad=True)
    tl = torch.nn.functional.mse_loss(t, torch.tensor(targets), reduction=reduction)
    tl.backward()
    _close(loss.data, tl.item())
    for v, g in zip(xs, t.grad.tolist()):
        _close(v.grad, g)

    xs = [Value(x) for x in preds]
    loss = nn.hinge_loss(xs, targets, reduction=reduction)
    loss.backward()
    t = torch.tensor(preds, requires_grad=True)
    per = torch.clamp(1 - torch.tensor(targets) * t, min=0)
    tl = per.mean() if reduction == "mean" else per.sum()
    tl.backward()
    _close(loss.data, tl.item())
    for v, g in zip(xs, t.grad.tolist()):
        _close(v.grad, g)


def test_every_loss_passes_gradcheck():
    assert gradcheck(lambda a, b, c: nn.mse_loss([a, b, c], [0.5, -1.0, 2.0]), [0.3, 0.7, -1.1])
    assert gradcheck(lambda a, b, c: nn.mse_loss([a, b, c], [0.5, -1.0, 2.0], reduction="sum"), [0.3, 0.7, -1.1])
    assert gradcheck(lambda a, b, c: nn.cross_entropy([a, b, c], 1), [0.3, 0.7, -1.1])
    assert gradcheck(lambda a, b, c, d: nn.cross_entropy([[a, b], [c, d]], [0, 1]), [0.3, 0.7, -1.1, 2.0])
    assert gradcheck(lambda a, b, c: nn.binary_cross_entropy_with_logits([a, b, c], [1, 0, 0.3]), [0.3, 0.7, -1.1])
    assert gradcheck(lambda a, b, c: nn.hinge_loss([a, b, c], [1, -1, 1]), [0.3, 0.7, -1.1])  # away from the kink
    assert gradcheck(lambda a, b, c: nn.softmax([a, b, c])[1], [0.3, 0.7, -1.1])
    assert gradcheck(lambda a, b, c: nn.log_softmax([a, b, c])[2], [0.3, 0.7, -1.1])


def test_single_sample_losses_and_plain_numbers():
    assert nn.mse_loss(Value(3.0), 1.0).data == 4.0
    assert nn.hinge_loss(Value(0.25), -1).data == 1.25
    assert nn.binary_cross_entropy_with_logits(Value(0.0), 1).data == pytest.approx(math.log(2), abs=1e-15)
    assert nn.cross_entropy([1.0, 1.0], 0).data == pytest.approx(math.log(2), abs=1e-15)


def test_loss_errors_are_clear():
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum'"):
        nn.mse_loss([Value(1.0)], [1.0], reduction="avg")
    with pytest.raises(ValueError, match="reduction must be"):
        nn.cross_entropy([1.0, 2.0], 0, reduction="none")
    with pytest.raises(ValueError, match=r"labels are -1 or \+1, got 0.*2\*y - 1"):
        nn.hinge_loss([Value(1.0), Value(2.0)], [0, 1])
    with pytest.raises(ValueError, match="3 predictions but 2 targets"):
        nn.mse_loss([Value(1.0)] * 3, [1.0, 2.0])
    with pytest.raises(ValueError, match="one target"):
        nn.mse_loss([Value(1.0)] * 3, 1.0)
    with pytest.raises(IndexError, match="class index 3 is out of range for 3 logits"):
        nn.cross_entropy([1.0, 2.0, 3.0], 3)
    with pytest.raises(TypeError, match="class index"):
        nn.cross_entropy([1.0, 2.0, 3.0], 0.5)
    with pytest.raises(TypeError, match="one sample's logits but a list of targets"):
        nn.cross_entropy([Value(1.0), Value(-1.0)], [0, 1])
    with pytest.raises(ValueError, match=r"targets are in \[0, 1\]"):
        nn.binary_cross_entropy_with_logits(Value(1.0), 2.0)
    with pytest.raises(ValueError, match="empty batch"):
        nn.mse_loss([], [])


# ---------------------------------------------------------------------------
# micrograd compatibility: its demo loop, unchanged apart from the import
# ---------------------------------------------------------------------------


def _micrograd_demo(X, y):
    """micrograd's demo.ipynb training loop, verbatim but for the import at the top of this file."""
    from autograd import Value  # micrograd: from micrograd.engine import Value
    from autograd.nn import MLP  # micrograd: from micrograd.nn import Neuron, Layer, MLP

    random.seed(1337)
    model = MLP(2, [16, 16, 1])  # 2-layer neural network

    def loss(batch_size=None):
        # inline DataLoader :)
        if batch_size is None:
            Xb, yb = X, y
        else:
            ri = random.sample(range(len(X)), batch_size)
            Xb, yb = [X[i] for i in ri], [y[i] for i in ri]
        inputs = [list(map(Value, xrow)) for xrow in Xb]
        # forward the model to get scores
        scores = list(map(model, inputs))
        # svm "max-margin" loss
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        # L2 regularization
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        # also get accuracy
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    for k in range(100):
        # forward
        total_loss, acc = loss()
        # backward
        model.zero_grad()
        total_loss.backward()
        # update (sgd)
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
    return acc, total_loss.data


def test_micrograd_demo_loop_reaches_100_percent_on_moons():
    X, y01 = make_moons(100, noise=0.1, seed=0)
    y = [2 * t - 1 for t in y01]
    acc, final_loss = _micrograd_demo(X, y)
    assert acc == 1.0 and final_loss < 0.05


def test_micrograd_demo_loop_reaches_100_percent_on_micrograds_own_data():
    np = pytest.importorskip("numpy")
    datasets = pytest.importorskip("sklearn.datasets")
    np.random.seed(1337)
    X, y = datasets.make_moons(n_samples=100, noise=0.1)
    y = y * 2 - 1  # make y be -1 or 1
    acc, _ = _micrograd_demo(X.tolist(), [int(t) for t in y])
    assert acc == 1.0


def test_nn_does_not_import_viz():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(nn))
    imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not any("viz" in m or "train" in m or "optim" in m or "cli" in m for m in imported)
    assert autograd.nn is nn


def test_losses_live_in_their_own_module_and_stay_reachable_from_nn():
    from autograd import losses

    for name in losses.__all__:
        assert getattr(nn, name) is getattr(losses, name) and name in nn.__all__


def test_submodules_load_lazily_from_the_package():
    import subprocess
    import sys

    code = (
        "import sys, autograd; assert 'autograd.nn' not in sys.modules; "
        "assert autograd.nn.MLP and autograd.optim.SGD and autograd.data.make_moons and autograd.train.fit"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        autograd.nope
