"""The batched compiled demo step on a CUDA device, beside torch's own eager step there.

    .venv/bin/python benchmarks/gpu.py

Not part of CI: prints "no CUDA device" and exits when torch sees no GPU (or is not
installed). The workload is benchmarks/compiled.py's: MLP(2, [16, 16, 1]) over the 100
moons samples, hinge loss + 1e-4 * L2, value, gradients and an SGD update per step.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]

from common import init_weights, make_moons, ours_mlp  # noqa: E402

import autograd  # noqa: E402


def best(fn: Callable[[], Any], repeats: int, sync: Callable[[], None]) -> float:
    fn()
    sync()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    try:
        import torch
    except ImportError:
        print("no CUDA device (torch is not installed)")
        return
    if not torch.cuda.is_available():
        print("no CUDA device")
        return
    X, y = make_moons(100, noise=0.1, seed=0)
    model = ours_mlp(init_weights(2, [16, 16, 1]))
    params = model.parameters()
    step = autograd.compile(
        lambda ps, x, yi: (1 + -yi * model(x)).relu() + 1e-4 * autograd.sum(p * p for p in ps), argnums=0
    ).trace(params, X[0], y[0])
    cols = torch.tensor(X, dtype=torch.float64, device="cuda").T.contiguous()
    ys = torch.tensor(y, dtype=torch.float64, device="cuda")

    def compiled() -> None:
        _, grads = step(params, cols, ys)
        for p, g in zip(params, grads):
            p.data -= 0.01 / len(y) * g

    net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16), torch.nn.ReLU(),
                              torch.nn.Linear(16, 1)).double().cuda()  # fmt: skip
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    Xt = torch.tensor(X, dtype=torch.float64, device="cuda")

    def eager() -> None:
        opt.zero_grad()
        loss = torch.relu(1 - ys * net(Xt)[:, 0]).mean() + 1e-4 * sum((p * p).sum() for p in net.parameters())
        loss.backward()
        opt.step()

    sync = torch.cuda.synchronize
    print(f"CUDA: {torch.cuda.get_device_name()}")
    print(f"  compiled batched step on CUDA   {best(compiled, 200, sync) * 1e3:8.3f} ms")
    print(f"  torch eager step on CUDA        {best(eager, 200, sync) * 1e3:8.3f} ms")


if __name__ == "__main__":
    main()
