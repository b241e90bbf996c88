"""Benchmark ``autograd_core.hessian`` against ``torch.func.hessian`` on an MLP's loss.

The function: the mean squared error of a one-hidden-layer tanh MLP (8 inputs, h hidden units,
one output without bias) on 100 fixed random points (``--points``), as a function of all its
n = 10 h parameters packed into one vector theta (W1 of shape (h, 8), then b1, then the output
weights):

    loss(theta) = mean_i ((tanh(x_i W1^T + b1) . w2) - y_i)^2

It is written once, with operations that autograd-core's ``Tensor`` and PyTorch's tensors both
have (slicing, ``reshape``, ``@``, ``.T``, ``.tanh()``, ``**``, ``.mean()``), and the full
n x n Hessian is computed by ``autograd_core.hessian(loss)(theta)`` from a numpy array and by
``torch.func.hessian(loss)(theta)`` from a float64 torch tensor sharing it, for n = 50, 100,
200 and 400. The two run interleaved in one process, single-threaded (``OMP_NUM_THREADS``,
``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` set to 1 unless already set, and
``torch.set_num_threads``), ``--warmup`` untimed calls of each, then ``--repeats`` timed pairs;
the report gives each one's median time, the ratio (the median of the pairs' ratios), and the
largest difference between the two Hessians relative to the largest entry (rounding: ~1e-16).

Target: at n = 200, autograd-core no slower than ``torch.func.hessian`` (ratio <= 1.0x).

Both compute all n rows together: autograd-core in two reverse passes (one recording the
gradient, one pulling back n stacked unit vectors), torch.func forward over reverse,
vectorised with vmap. The ratio depends on the number of points: with few, every op is cheap
and the figure measures each library's fixed cost per op; with many, the arithmetic on the
batched arrays dominates. 100 points, the size of the micrograd demo's data, sits in between.

Without PyTorch the script times autograd-core alone, checks its Hessian against central
differences of its own gradient instead, and says the comparison was skipped (``--check``
then has no target to miss). PyTorch is not a dependency of the project: ``make bench``
installs it with the ``bench`` extra.

Run from the repository root with ``make bench``, or
``python benchmarks/bench_hessian.py [--quick] [--sizes 50 100 200 400] [--check]``. The exit
code is 0 whatever the figures are, unless ``--check`` is given: then 1 if the target is missed.
"""

from __future__ import annotations

import os

# Before numpy (or torch) is imported: its BLAS reads these once, when it loads.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

TARGET_N = 200
TARGET = 1.0  # autograd-core's time / torch.func.hessian's at n = TARGET_N: at most this
INPUTS = 8  # the MLP's input width: n = (INPUTS + 2) * hidden
POINTS = 100  # data points, by default
AGREE_RTOL = 1e-10  # beyond this (relative to the largest entry), a loud warning
FD_RTOL = 1e-6  # the finite-difference check without PyTorch (central differences: ~1e-9)


def mlp_loss(theta: Any, x: Any, y: Any, hidden: int) -> Any:
    """Mean squared error of tanh(x W1^T + b1) . w2 against y, theta = (W1, b1, w2) packed."""
    W1 = theta[:hidden * INPUTS].reshape(hidden, INPUTS)
    b1 = theta[hidden * INPUTS:hidden * (INPUTS + 1)]
    w2 = theta[hidden * (INPUTS + 1):]
    prediction = (x @ W1.T + b1).tanh() @ w2
    return ((prediction - y) ** 2).mean()


def problem(n: int, points: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(theta, x, y, hidden) for n parameters and ``points`` points, from a seeded Generator."""
    if n % (INPUTS + 2):
        raise ValueError(f"bench_hessian: n must be a multiple of {INPUTS + 2}, got {n}")
    hidden = n // (INPUTS + 2)
    rng = np.random.default_rng([seed, n])
    theta = rng.normal(scale=1 / np.sqrt(INPUTS), size=n)
    return theta, rng.normal(size=(points, INPUTS)), rng.normal(size=points), hidden


def _import_autograd_core() -> Any:
    try:
        import autograd_core
    except ImportError:  # not installed: fall back to the checkout this script lives in
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        import autograd_core
    return autograd_core


def import_torch() -> tuple[Any, str]:
    """(torch or None, a note for the report)."""
    try:
        import torch
        import torch.func  # noqa: F401
    except Exception as error:  # ImportError, or a broken install (OSError loading its libs)
        return None, (f"torch.func.hessian skipped: `import torch` failed "
                      f"({type(error).__name__}: {error}); install the bench extra")
    threads = os.environ.get("OMP_NUM_THREADS", "1")
    torch.set_num_threads(int(threads) if threads.isdigit() and int(threads) > 0 else 1)
    return torch, f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s)"


def timed(compute: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    result = compute()
    return time.perf_counter() - start, result


def finite_difference_hessian(ag: Any, f: Callable[[Any], Any], theta: np.ndarray) -> np.ndarray:
    """Central differences of autograd-core's gradient, column by column."""
    gradient = ag.grad(f)
    columns = []
    for j in range(len(theta)):
        step = np.zeros_like(theta)
        step[j] = 1e-5
        columns.append((gradient(theta + step) - gradient(theta - step)) / 2e-5)
    return np.stack(columns, axis=1)


def relative_difference(a: np.ndarray, reference: np.ndarray) -> float:
    return float(np.max(np.abs(a - reference)) / (np.max(np.abs(reference)) or 1.0))


def bench_size(ag: Any, torch: Any, n: int, points: int, seed: int, warmup: int, repeats: int,
               ) -> tuple[list[float], list[float], float]:
    """(our times, torch's times or [], max relative difference of the Hessians)."""
    theta, x, y, hidden = problem(n, points, seed)
    x_ours, y_ours = ag.Tensor(x), ag.Tensor(y)

    def ours() -> np.ndarray:
        return ag.hessian(lambda t: mlp_loss(t, x_ours, y_ours, hidden))(theta)

    computations = {"ours": ours}
    if torch is not None:
        theta_t, x_t, y_t = (torch.from_numpy(a) for a in (theta, x, y))
        hessian_t = torch.func.hessian(lambda t: mlp_loss(t, x_t, y_t, hidden))
        computations["torch"] = lambda: hessian_t(theta_t).numpy()

    times: dict[str, list[float]] = {name: [] for name in computations}
    results: dict[str, np.ndarray] = {}
    for k in range(warmup + repeats):
        for name, compute in computations.items():
            seconds, results[name] = timed(compute)
            if k >= warmup:
                times[name].append(seconds)
    if torch is not None:
        difference = relative_difference(results["ours"], results["torch"])
    else:
        f = lambda t: mlp_loss(t, x_ours, y_ours, hidden)
        difference = relative_difference(results["ours"], finite_difference_hessian(ag, f, theta))
    return times["ours"], times.get("torch", []), difference


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, TARGET_N, 400],
                        help=f"numbers of parameters n, multiples of {INPUTS + 2} "
                             f"(default 50 100 {TARGET_N} 400)")
    parser.add_argument("--points", type=int, default=POINTS,
                        help=f"data points of the loss (default {POINTS})")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed pairs per size (default 15, --quick 5)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed pairs first (default 2)")
    parser.add_argument("--quick", action="store_true", help="fewer repeats: a rough figure")
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if present")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if the target is missed (default: always exit 0)")
    args = parser.parse_args(argv)
    repeats = args.repeats if args.repeats is not None else (5 if args.quick else 15)
    if repeats < 1 or args.points < 1 or args.warmup < 0:
        parser.error("--repeats and --points must be >= 1, --warmup >= 0")
    bad_sizes = [n for n in args.sizes if n < 1 or n % (INPUTS + 2)]
    if bad_sizes:
        parser.error(f"--sizes must be positive multiples of {INPUTS + 2}, got {bad_sizes}")

    ag = _import_autograd_core()
    torch, torch_note = (None, "torch.func.hessian skipped: --no-torch") if args.no_torch \
        else import_torch()
    print(f"Python {platform.python_version()} ({platform.python_implementation()}) on "
          f"{platform.machine()}, numpy {np.__version__}; {torch_note}")
    print(f"the Hessian of an MLP's MSE loss ({INPUTS} inputs, n/10 tanh units, 1 output; "
          f"{args.points} points), float64: median of {repeats} interleaved calls after "
          f"{args.warmup} warm-up, gc.collect() before each")
    against = "torch.func.hessian" if torch is not None else "central differences"
    print(f"  {'n':>4s}  {'autograd-core':>14s}  {'torch.func':>11s}  {'ratio':>6s}  "
          f"max relative difference from {against}")

    ratio_at_target = None
    detail = ""
    disagree = []
    for n in args.sizes:
        ours, theirs, difference = bench_size(ag, torch, n, args.points, args.seed,
                                             args.warmup, repeats)
        our_s = statistics.median(ours)
        if theirs:
            their_s = statistics.median(theirs)
            # the median of the pairs' ratios: a load change between pairs cancels out
            ratio = statistics.median(o / t for o, t in zip(ours, theirs))
            if n == TARGET_N:
                ratio_at_target = ratio
                detail = (f"ratio of medians {our_s / their_s:.2f}x, of minima "
                          f"{min(ours) / min(theirs):.2f}x")
            figures = f"{their_s * 1e3:8.2f} ms  {ratio:5.2f}x"
        else:
            figures = f"{'-':>11s}  {'-':>6s}"
        print(f"  {n:4d}  {our_s * 1e3:11.2f} ms  {figures}  {difference:.1e}")
        tolerance = AGREE_RTOL if theirs else FD_RTOL
        if not difference <= tolerance:
            disagree.append(n)

    ok = True
    if ratio_at_target is not None:
        ok = ratio_at_target <= TARGET
        print(f"target: n = {TARGET_N}, autograd-core / torch.func.hessian {ratio_at_target:.2f}x "
              f"(target <= {TARGET:g}x) {'ok' if ok else 'MISSED'} [{detail}]")
    elif torch is None:
        print(f"target not measured: {torch_note}")
    else:
        print(f"target not measured: n = {TARGET_N} is not among --sizes")
    if disagree:
        print(f"!!! WARNING: the Hessians disagree at n = {disagree} (beyond "
              f"{AGREE_RTOL if torch is not None else FD_RTOL:g} relative): the timings are "
              "suspect !!!")
    if args.check and not ok:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
