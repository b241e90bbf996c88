"""Benchmark one training step of a wide MLP on the GPU: autograd-core on CuPy vs PyTorch CUDA.

The step (issue 15): a 784-1024-1024-10 ReLU MLP in float32, built from the public API,
``nn.Sequential(nn.Linear, nn.ReLU, nn.Linear, nn.ReLU, nn.Linear)`` moved with
``.to("cuda")``, ``nn.CrossEntropyLoss()`` (the fused ``linear`` and ``cross_entropy`` ops)
and ``nn.optim.SGD``; per step ``zero_grad``, ``loss_fn(model(x), y)``, ``backward``,
``step``. PyTorch runs the same network from the same initial weights with ``torch.nn`` and
``torch.optim.SGD``. Inputs and labels are on the GPU before the clock starts.

Both run interleaved, ``--repeats`` samples of ``--steps`` steps each after ``--warmup``
steps, the GPU synchronised before and after every sample; the table gives each one's median
time per step and the ratio of the two (targets: <= 1.3x PyTorch at batch 1024, <= 1.5x at
8192). The first step's losses must agree to 1e-4 relative.

Without CuPy and a GPU, or without PyTorch built with CUDA, it says what is missing and
exits with status 0.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_core import Tensor, devices, nn

TARGETS = {1024: 1.3, 8192: 1.5}
SIZES = (784, 1024, 1024, 10)


def _missing() -> str | None:
    """Why this machine cannot run the benchmark, or None."""
    if not devices.cuda_is_available():
        try:
            devices.backend_for("cuda")
        except RuntimeError as error:
            return str(error)
    try:
        import torch
    except ImportError:
        return "PyTorch is not installed (the reference)"
    if not torch.cuda.is_available():
        return f"PyTorch {torch.__version__} has no CUDA device (a CPU build, or no GPU)"
    return None


def _ours(weights: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray, y: np.ndarray,
          lr: float) -> tuple[Callable[[], Any], Callable[[], None]]:
    """(one step, returning the loss; a GPU barrier) for autograd-core on CuPy."""
    import cupy

    layers: list[nn.Module] = []
    for i, (w, b) in enumerate(weights):
        linear = nn.Linear(w.shape[1], w.shape[0], dtype=np.float32)
        linear.weight.data[...] = w
        linear.bias.data[...] = b
        layers += [linear, nn.ReLU()] if i < len(weights) - 1 else [linear]
    model = nn.Sequential(*layers).to("cuda")
    optimizer = nn.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    inputs = Tensor(x, device="cuda")
    labels = cupy.asarray(y)

    step = _training_step(model, loss_fn, optimizer, inputs, labels)
    return step, cupy.cuda.get_current_stream().synchronize


def _torch(weights: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray, y: np.ndarray,
           lr: float) -> tuple[Callable[[], Any], Callable[[], None]]:
    import torch

    layers: list[torch.nn.Module] = []
    for i, (w, b) in enumerate(weights):
        linear = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w))
            linear.bias.copy_(torch.from_numpy(b))
        layers += [linear, torch.nn.ReLU()] if i < len(weights) - 1 else [linear]
    model = torch.nn.Sequential(*layers).cuda()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    inputs = torch.from_numpy(x).cuda()
    labels = torch.from_numpy(y).cuda()

    step = _training_step(model, loss_fn, optimizer, inputs, labels)
    return step, torch.cuda.synchronize


def _training_step(model: Any, loss_fn: Any, optimizer: Any, inputs: Any,
                   labels: Any) -> Callable[[], Any]:
    """One step as a user writes it, the same for autograd-core's nn and PyTorch's."""
    def step() -> Any:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), labels)
        loss.backward()
        optimizer.step()
        return loss
    return step


def _sample(step: Callable[[], Any], barrier: Callable[[], None], steps: int) -> float:
    barrier()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    barrier()
    return (time.perf_counter() - start) / steps


def run(batch: int, steps: int, repeats: int, warmup: int, lr: float) -> tuple[float, float]:
    """(ours, PyTorch's) median seconds per step at ``batch``, after checking the losses."""
    rng = np.random.default_rng(0)
    weights = []
    for n_in, n_out in zip(SIZES, SIZES[1:]):
        bound = 1 / np.sqrt(n_in)  # PyTorch's default initialisation's range
        weights.append((rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32),
                        rng.uniform(-bound, bound, n_out).astype(np.float32)))
    x = rng.standard_normal((batch, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], batch)
    ours, ours_barrier = _ours(weights, x, y, lr)
    theirs, theirs_barrier = _torch(weights, x, y, lr)
    first_ours, first_theirs = ours().item(), theirs().item()
    if abs(first_ours - first_theirs) > 1e-4 * abs(first_theirs):
        raise SystemExit(f"batch {batch}: the first losses differ: {first_ours} (ours) vs "
                         f"{first_theirs} (PyTorch)")
    for _ in range(warmup):
        ours()
        theirs()
    times: dict[str, list[float]] = {"ours": [], "torch": []}
    for _ in range(repeats):
        times["ours"].append(_sample(ours, ours_barrier, steps))
        times["torch"].append(_sample(theirs, theirs_barrier, steps))
    return statistics.median(times["ours"]), statistics.median(times["torch"])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, nargs="+", default=[256, 1024, 8192])
    parser.add_argument("--steps", type=int, default=20, help="steps per timed sample")
    parser.add_argument("--repeats", type=int, default=15, help="timed samples per engine")
    parser.add_argument("--warmup", type=int, default=10, help="untimed steps per engine")
    parser.add_argument("--lr", type=float, default=0.01)
    args = parser.parse_args(argv)
    missing = _missing()
    if missing is not None:
        print(f"bench_gpu: skipped, no GPU run possible here: {missing}")
        return 0
    print(f"{'batch':>6} {'autograd-core (CuPy)':>21} {'PyTorch CUDA':>13} {'ratio':>6} target")
    failed = False
    for batch in args.batch:
        ours, theirs = run(batch, args.steps, args.repeats, args.warmup, args.lr)
        ratio = ours / theirs
        target = TARGETS.get(batch)
        verdict = "" if target is None else (f"<= {target}x " + ("ok" if ratio <= target
                                                                  else "MISSED"))
        failed |= target is not None and ratio > target
        print(f"{batch:>6} {ours * 1e3:>18.2f} ms {theirs * 1e3:>10.2f} ms {ratio:>5.2f}x "
              f"{verdict}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
