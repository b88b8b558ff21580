"""autograd.optim: update rules and schedules against torch.optim (float64), and errors."""

from __future__ import annotations

import math

import pytest

from autograd import Value, nn, optim

START = [0.8, -1.3, 0.05, 2.2]
CENTERS = [0.1, 0.4, -0.7, 1.0]


def _loss(ps, m):
    """A smooth non-quadratic loss, written once for Values (m=math-ish on Values) and torch."""
    total = 0.0
    for i, (p, c) in enumerate(zip(ps, CENTERS)):
        total = total + (i + 1) * (p - c) ** 2
    return total + m.tanh(ps[0] * ps[1]) + 0.3 * m.exp(0.5 * ps[2] * ps[3])


class _V:
    tanh = staticmethod(lambda v: v.tanh())
    exp = staticmethod(lambda v: v.exp())


def _run_ours(make_opt, steps=10, frozen=()):
    ps = [nn.Parameter(x) for x in START]
    for i in frozen:
        ps[i].requires_grad = False
    opt = make_opt(ps)
    trace = []
    for _ in range(steps):
        opt.zero_grad()
        _loss(ps, _V).backward()
        opt.step()
        trace.append([p.data for p in ps])
    return trace


def _run_torch(torch, make_opt, steps=10, frozen=(), scheduler=None):
    ps = [torch.tensor(x, requires_grad=i not in frozen) for i, x in enumerate(START)]
    opt = make_opt([p for p in ps if p.requires_grad])
    sched = scheduler(opt) if scheduler else None
    trace = []
    for _ in range(steps):
        opt.zero_grad()
        _loss(ps, torch).backward()
        opt.step()
        if sched:
            sched.step()
        trace.append([p.item() for p in ps])
    return trace


def _assert_traces_agree(ours, theirs, tol=1e-12):
    for k, (a, b) in enumerate(zip(ours, theirs)):
        for x, y in zip(a, b):
            assert abs(x - y) <= tol * max(1.0, abs(y)), f"step {k + 1}: {x} != {y}"


SGD_CASES = [
    {"lr": 0.05},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1},
    {"lr": 0.02, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
]


@pytest.mark.parametrize("kw", SGD_CASES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_sgd_matches_torch(torch, kw):
    ours = _run_ours(lambda ps: optim.SGD(ps, **kw))
    theirs = _run_torch(torch, lambda ps: torch.optim.SGD(ps, **kw))
    _assert_traces_agree(ours, theirs)


ADAM_CASES = [
    {"lr": 0.1},
    {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6},
    {"lr": 0.1, "weight_decay": 0.1},
]


@pytest.mark.parametrize("kw", ADAM_CASES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_adam_and_adamw_match_torch(torch, name, kw):
    ours = _run_ours(lambda ps: getattr(optim, name)(ps, **kw))
    theirs = _run_torch(torch, lambda ps: getattr(torch.optim, name)(ps, **kw))
    _assert_traces_agree(ours, theirs)


def test_adamw_default_weight_decay_matches_torch(torch):
    _assert_traces_agree(
        _run_ours(lambda ps: optim.AdamW(ps, lr=0.1)), _run_torch(torch, lambda ps: torch.optim.AdamW(ps, lr=0.1))
    )


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_frozen_parameters_are_skipped(torch, name):
    kw = {"lr": 0.05, "momentum": 0.9} if name == "SGD" else {"lr": 0.1}
    ours = _run_ours(lambda ps: getattr(optim, name)(ps, **kw), frozen=(1,))
    theirs = _run_torch(torch, lambda ps: getattr(torch.optim, name)(ps, **kw), frozen=(1,))
    _assert_traces_agree(ours, theirs)
    assert all(step[1] == START[1] for step in ours)


# ---------------------------------------------------------------------------
# schedules
# ---------------------------------------------------------------------------


def test_linear_decay_is_microgradss_schedule():
    s = optim.linear_decay(1.0, 0.1, 100)
    for k in range(100):
        assert s(k) == pytest.approx(1.0 - 0.9 * k / 100, abs=1e-15)
    assert s(100) == s(500) == pytest.approx(0.1)


def _torch_lrs(torch, make_sched, lr, n):
    p = torch.tensor(1.0, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    sched = make_sched(opt)
    lrs = []
    for _ in range(n):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return lrs


@pytest.mark.parametrize(
    ("ours", "theirs", "lr"),
    [
        (optim.linear_decay(1.0, 0.1, 100),
         lambda t: lambda o: t.optim.lr_scheduler.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=100), 1.0),
        (optim.linear_decay(0.5, 0.05, 30),
         lambda t: lambda o: t.optim.lr_scheduler.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=30), 0.5),
        (optim.step_decay(0.3, step_size=7, gamma=0.5),
         lambda t: lambda o: t.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5), 0.3),
        (optim.cosine_decay(0.2, steps=50, min_lr=0.01),
         lambda t: lambda o: t.optim.lr_scheduler.CosineAnnealingLR(o, T_max=50, eta_min=0.01), 0.2),
    ],
    ids=["linear-micrograd", "linear", "step", "cosine"],
)  # fmt: skip
def test_schedules_match_torch(torch, ours, theirs, lr):
    n = 51 if isinstance(ours, optim.cosine_decay) else 120
    for k, expected in enumerate(_torch_lrs(torch, theirs(torch), lr, n)):
        assert ours(k) == pytest.approx(expected, rel=1e-12, abs=1e-15), k


def test_optimizer_follows_its_schedule_like_a_torch_scheduler(torch):
    sched = optim.cosine_decay(0.1, steps=10)
    ours = _run_ours(lambda ps: optim.SGD(ps, lr=sched, momentum=0.9))
    theirs = _run_torch(torch, lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9),
                        scheduler=lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10))  # fmt: skip
    _assert_traces_agree(ours, theirs)


def test_current_lr_steps_and_values():
    p = Value(1.0)
    opt = optim.SGD([p], lr=optim.step_decay(1.0, step_size=2, gamma=0.5))
    seen = []
    for _ in range(5):
        seen.append(opt.current_lr())
        opt.step()
    assert seen == [1.0, 1.0, 0.5, 0.5, 0.25] and opt.steps == 5
    assert optim.linear_decay(1.0, 0.0, 4).values(5) == [1.0, 0.75, 0.5, 0.25, 0.0]
    opt.lr = 0.01  # a plain number can replace a schedule at any time
    assert opt.current_lr() == 0.01


def test_reads_grad_as_float_after_create_graph():
    x = Value(2.0)
    (x * x * x).backward(create_graph=True)
    assert isinstance(x.grad, Value)
    optim.SGD([x], lr=0.1).step()
    assert isinstance(x.data, float) and x.data == pytest.approx(2.0 - 0.1 * 12.0)


def test_zero_grad():
    ps = [Value(1.0), Value(2.0)]
    (ps[0] * ps[1]).backward()
    optim.Adam(ps).zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]


def test_errors_are_clear():
    p = Value(1.0)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="not one Value"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="parameter 1 is a float"):
        optim.SGD([p, 2.0], lr=0.1)
    with pytest.raises(ValueError, match="parameter 1 appears twice"):
        optim.Adam([p, p])
    with pytest.raises(ValueError, match="nesterov=True needs a momentum"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="lr must be"):
        optim.SGD([p], lr=-1.0)
    with pytest.raises(ValueError, match="lr must be a number"):
        optim.SGD([p], lr="0.1")
    with pytest.raises(ValueError, match=r"betas\[1\] must be in \[0, 1\)"):
        optim.Adam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="betas must be a pair"):
        optim.Adam([p], betas=0.9)
    with pytest.raises(ValueError, match="steps must be a positive"):
        optim.cosine_decay(0.1, steps=0)
    with pytest.raises(ValueError, match="momentum must be a number"):
        optim.SGD([p], momentum=math.nan)
