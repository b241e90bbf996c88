"""Benchmark autograd-core's ``Tensor`` training a small MLP, against hand-written numpy.

The task: epochs of minibatch SGD on the 8x8 digits (1,797 images, from scikit-learn, bundled
in autograd_core.nn.datasets, nothing downloaded), pixels scaled to [0, 1], a fixed seeded split of
1,437 training and 360 test images. The model: a 64-128-64-10 ReLU MLP with softmax
cross-entropy in float64, batches of 32 (45 steps per epoch), learning rate 0.2.

The implementations start from the same initial weights (He/Kaiming-uniform weights drawn once
from a seeded numpy Generator, zero biases) and see the same batches in the same order:

(a) autograd-core: the network written with plain ``Tensor`` ops (``x @ W.T + b``,
    ``.relu()``, ``.log_softmax(axis=-1)``, the loss as the mean negative log-likelihood of
    the true class via a one-hot mask, ``-(logp * onehot).sum() / n``, which is faster here
    than integer-array indexing, ``--loss index``), ``loss.backward()``, then
    the same in-place SGD update as (b) for every parameter, then ``p.grad = None``.
(b) the same network in plain numpy with the backward pass written by hand: the floor for
    any engine that computes with numpy.
(c) PyTorch on the CPU (``F.linear``, ``F.relu``, ``F.cross_entropy``, the same manual SGD
    update), only if ``import torch`` works. PyTorch is not a dependency of this project.
(d) autograd-core with its fused ``linear`` (x W^T + b) and ``cross_entropy`` ops: 6 graph
    ops per step instead of 16, the graph that layers built on them (nn.Linear,
    nn.CrossEntropyLoss) record.

Each implementation keeps training its own copy of the weights. Epochs run interleaved in one
process (an epoch of each implementation in turn, repeated; each epoch reshuffles the
batches, the same way for all): ``--warmup`` untimed epochs, then ``--repeats`` timed ones.
The report gives each one's median epoch time and the ratios of (a) and (d) to (b), against
the target of at most 1.5x the hand-written numpy epoch (``--check`` takes the better one).
It also checks that the implementations compute the same thing:
batch losses and weights against (b) after the first epoch (from the common initial weights)
and after the last, and test accuracy (from the same numpy evaluation code) for each. One
epoch of plain SGD reaches 74-94% test accuracy depending on the seeds (85% on average over
20 seeds, 88.6% with the default one; no learning rate tried, 0.05 to 0.7, reaches 95%);
after the default 16 epochs it is ~97%.

Everything runs single-threaded, for all alike: unless they are already set, this script
sets ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` and ``MKL_NUM_THREADS`` to 1 before numpy
is imported, and calls ``torch.set_num_threads`` with the value of ``OMP_NUM_THREADS``.

Run from the repository root with ``make bench`` (which installs the ``bench`` extra), or
``python benchmarks/bench_digits.py [--repeats N] [--check] [--profile]``. The exit code is 0
whatever the figures are, unless ``--check`` is given: then 1 if the target is missed.
"""

from __future__ import annotations

import os

# Before numpy (or torch) is imported: its BLAS reads these once, when it loads.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import cProfile  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import pstats  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

RATIO_TARGET = 1.5  # autograd-core's epoch at most this many times the hand-written numpy one
SIZES = (64, 128, 64, 10)
N_TRAIN = 1437  # the remaining 360 images are the test set
# The implementations do the same arithmetic in slightly different orders (e.g. the softmax
# gradient as g - softmax * sum(g) against softmax - onehot), so they differ by rounding only:
# ~1e-16 relative after one epoch, growing slowly as training goes on. Beyond this tolerance
# after the first epoch, the script prints a loud warning.
AGREE_RTOL = 1e-12

Params = list[np.ndarray]  # [W1, b1, W2, b2, W3, b3], W of shape (out, in) as in PyTorch
Batch = tuple[np.ndarray, np.ndarray, np.ndarray]  # (x, integer labels, one-hot labels)
Epoch = Callable[[int], list[float]]  # epoch number -> the batch losses of that epoch


# ---- data and initial weights --------------------------------------------------------------

def load_digits_split(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X_train, y_train, X_test, y_test): the digits / 16, shuffled once with ``seed``."""
    from autograd_core.nn.datasets import load_digits

    return load_digits(N_TRAIN, seed)


def initial_params(seed: int) -> Params:
    """He/Kaiming-uniform weights, U(-sqrt(6 / fan_in), +sqrt(6 / fan_in)), and zero biases."""
    rng = np.random.default_rng(seed)
    params: Params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        bound = np.sqrt(6.0 / fan_in)
        params += [rng.uniform(-bound, bound, size=(fan_out, fan_in)), np.zeros(fan_out)]
    return params


def epoch_batches(X: np.ndarray, y: np.ndarray, batch: int, seed: int, epoch: int,
                  ) -> list[Batch]:
    """The minibatches of one epoch, reshuffled per epoch (the same for every implementation).

    Gathered before the clock starts: the benchmark times training, not data loading."""
    order = np.random.default_rng([seed, epoch]).permutation(len(y))
    eye = np.eye(SIZES[-1])
    batches = []
    for start in range(0, len(y), batch):
        rows = order[start:start + batch]
        batches.append((X[rows], y[rows], eye[y[rows]]))
    return batches


def accuracy(params: Params, X: np.ndarray, y: np.ndarray) -> float:
    """Fraction of ``X`` classified right; the same numpy code for every implementation."""
    W1, b1, W2, b2, W3, b3 = params
    h = np.maximum(X @ W1.T + b1, 0)
    h = np.maximum(h @ W2.T + b2, 0)
    return float(np.mean(np.argmax(h @ W3.T + b3, axis=1) == y))


# ---- (a) autograd-core -----------------------------------------------------------------------

def _import_autograd_core() -> Any:
    try:
        import autograd_core
    except ImportError:  # not installed: fall back to the checkout this script lives in
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        import autograd_core
    return autograd_core


def autograd_core_loss(ag: Any, params: Sequence[Any], batch: Batch, variant: str) -> Any:
    """The mean NLL of one batch, as an autograd-core graph.

    ``mask`` and ``index`` are the network of the task, written with plain ``Tensor`` ops:
    the true class's log-probability is picked by a one-hot multiply and sum, or by
    integer-array indexing. ``fused`` uses the library's fused ``linear`` and
    ``cross_entropy`` nodes instead (the graph layers built on them record)."""
    W1, b1, W2, b2, W3, b3 = params
    xb, yb, onehot = batch
    x = ag.Tensor(xb)
    if variant == "fused":
        h = ag.linear(x, W1, b1).relu()
        h = ag.linear(h, W2, b2).relu()
        return ag.cross_entropy(ag.linear(h, W3, b3), yb)
    h = (x @ W1.T + b1).relu()
    h = (h @ W2.T + b2).relu()
    logp = (h @ W3.T + b3).log_softmax(axis=-1)
    if variant == "mask":
        return -(logp * onehot).sum() / len(yb)
    return -logp[np.arange(len(yb)), yb].mean()


def autograd_core_trainer(init: Params, batches_of: Callable[[int], list[Batch]], lr: float,
                          variant: str) -> tuple[Epoch, Callable[[], Params]]:
    """(epoch function, current weights) for autograd-core's ``Tensor``."""
    ag = _import_autograd_core()
    params = [ag.Tensor(p.copy(), requires_grad=True) for p in init]

    def epoch(k: int) -> list[float]:
        losses = []
        for batch in batches_of(k):
            loss = autograd_core_loss(ag, params, batch, variant)
            loss.backward()
            for p in params:  # the same in-place update as the hand-written version
                p.grad *= lr
                p.data -= p.grad
                p.grad = None
            losses.append(loss.item())
        return losses

    return epoch, lambda: [p.data for p in params]


# ---- (b) hand-written numpy --------------------------------------------------------------------

def numpy_trainer(init: Params, batches_of: Callable[[int], list[Batch]], lr: float,
                  ) -> tuple[Epoch, Callable[[], Params]]:
    """(epoch function, current weights) for the network with its backward pass by hand."""
    params = [p.copy() for p in init]
    W1, b1, W2, b2, W3, b3 = params

    def epoch(k: int) -> list[float]:
        losses = []
        for x, _, onehot in batches_of(k):
            n = len(x)
            # forward, in place where the array is new anyway
            h1 = x @ W1.T
            h1 += b1
            np.maximum(h1, 0, out=h1)
            h2 = h1 @ W2.T
            h2 += b2
            np.maximum(h2, 0, out=h2)
            z = h2 @ W3.T
            z += b3
            z -= z.max(axis=1, keepdims=True)  # the shift cancels in log-softmax
            e = np.exp(z)
            s = e.sum(axis=1, keepdims=True)
            # mean NLL = mean(log sum e^z - z_true)
            losses.append(float(np.log(s).sum() - np.vdot(z, onehot)) / n)
            # backward: dL/dz = (softmax - onehot) / n
            e /= s
            e -= onehot
            e *= 1.0 / n
            dz = e
            dh2 = dz @ W3
            dh2 *= h2 > 0
            dh1 = dh2 @ W2
            dh1 *= h1 > 0
            grads = (dh1.T @ x, dh1.sum(axis=0), dh2.T @ h1, dh2.sum(axis=0),
                     dz.T @ h2, dz.sum(axis=0))
            for p, g in zip(params, grads):
                g *= lr
                p -= g
        return losses

    return epoch, lambda: params


# ---- (c) PyTorch -----------------------------------------------------------------------------

def import_torch() -> tuple[Any, str]:
    """(torch or None, a note for the report)."""
    try:
        import torch
    except Exception as error:  # ImportError, or a broken install (OSError loading its libs)
        return None, f"PyTorch skipped: `import torch` failed ({type(error).__name__}: {error})"
    threads = os.environ.get("OMP_NUM_THREADS", "1")
    torch.set_num_threads(int(threads) if threads.isdigit() and int(threads) > 0 else 1)
    return torch, f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s)"


def torch_trainer(torch: Any, init: Params, batches_of: Callable[[int], list[Batch]],
                  lr: float) -> tuple[Epoch, Callable[[], Params]]:
    """(epoch function, current weights) for PyTorch on the CPU, float64."""
    import torch.nn.functional as F

    params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in init]
    W1, b1, W2, b2, W3, b3 = params
    cache: dict[int, list[tuple[Any, Any]]] = {}

    def prepare(k: int) -> None:  # untimed: share the epoch's numpy batches (no copy)
        cache.clear()
        cache[k] = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y, _ in batches_of(k)]

    def epoch(k: int) -> list[float]:
        losses = []
        for x, y in cache[k]:
            h = F.relu(F.linear(x, W1, b1))
            h = F.relu(F.linear(h, W2, b2))
            loss = F.cross_entropy(F.linear(h, W3, b3), y)
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= lr * p.grad
                    p.grad = None
            losses.append(loss.item())
        return losses

    epoch.prepare = prepare  # type: ignore[attr-defined]
    return epoch, lambda: [p.detach().numpy() for p in params]


# ---- measuring -------------------------------------------------------------------------------

def timed(epoch: Epoch, k: int) -> tuple[float, list[float]]:
    """(seconds, batch losses) of epoch ``k``. ``gc.collect()`` first, outside the timing, so
    that a collection inside the epoch is paid for by that implementation's own garbage."""
    prepare = getattr(epoch, "prepare", None)
    if prepare is not None:
        prepare(k)
    gc.collect()
    start = time.perf_counter()
    losses = epoch(k)
    return time.perf_counter() - start, losses


def max_rel_diff(a: Sequence[Any], b: Sequence[Any]) -> float:
    """Largest relative difference of the arrays of ``a`` from those of ``b``, each relative to
    the largest magnitude in its array of ``b`` (weights near 0 make elementwise ratios noisy)."""
    worst = 0.0
    for x, ref in zip(a, b):
        x, ref = np.asarray(x), np.asarray(ref)
        scale = float(np.max(np.abs(ref))) or 1.0
        worst = max(worst, float(np.max(np.abs(x - ref))) / scale)
    return worst


def graph_size(init: Params, batch: Batch, variant: str) -> tuple[int, int]:
    """(ops, leaves) in the graph of one autograd-core training step."""
    ag = _import_autograd_core()
    params = [ag.Tensor(p.copy(), requires_grad=True) for p in init]
    nodes = ag.topological_order(autograd_core_loss(ag, params, batch, variant))
    ops = sum(1 for node in nodes if node._parents)
    return ops, len(nodes) - ops


def blas_threads() -> str:
    """numpy's BLAS library and thread count, as threadpoolctl (the bench extra) sees them."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "BLAS threads unknown (no threadpoolctl)"
    pools = [p for p in threadpool_info() if "numpy" in p.get("filepath", "")]
    if not pools:
        return "BLAS threads unknown"
    return ", ".join(f"{p['internal_api']} {p['num_threads']} thread(s)" for p in pools)


def profile_autograd_core(init: Params, batches_of: Callable[[int], list[Batch]], lr: float,
                          variant: str, epochs: int, top: int) -> None:
    """cProfile over ``epochs`` autograd-core epochs, top functions by self time."""
    epoch, _ = autograd_core_trainer(init, batches_of, lr, variant)
    batches_of(0)
    profiler = cProfile.Profile()
    gc.collect()
    profiler.enable()
    for _ in range(epochs):
        epoch(0)  # the same batches every time, gathered before the profiler starts
    profiler.disable()
    print(f"\ncProfile of {epochs} autograd-core epochs ({variant}; cProfile's own overhead "
          f"inflates small Python functions), top {top} by self time:")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15,
                        help="timed epochs of each implementation (default 15)")
    parser.add_argument("--warmup", type=int, default=1,
                        help="untimed epochs of each first (default 1)")
    parser.add_argument("--lr", type=float, default=0.2, help="SGD learning rate (default 0.2)")
    parser.add_argument("--batch", type=int, default=32, help="minibatch size (default 32)")
    parser.add_argument("--loss", choices=("mask", "index"), default="mask",
                        help="how autograd-core picks the true class's log-probability: one-hot "
                             "mask multiply and sum (default, the faster), or integer-array "
                             "indexing")
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if present")
    parser.add_argument("--profile", action="store_true",
                        help="afterwards, profile 20 autograd-core epochs with cProfile")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if the target is missed (default: always exit 0)")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.warmup < 0 or args.batch < 1 or not args.lr > 0:
        parser.error("--repeats and --batch must be >= 1, --warmup >= 0, --lr > 0")

    X_train, y_train, X_test, y_test = load_digits_split(args.seed)
    init = initial_params(args.seed + 1)
    batch_cache: dict[int, list[Batch]] = {}

    def batches_of(k: int) -> list[Batch]:
        if k not in batch_cache:
            batch_cache.clear()
            batch_cache[k] = epoch_batches(X_train, y_train, args.batch, args.seed + 2, k)
        return batch_cache[k]

    ag = _import_autograd_core()
    has_fused = hasattr(ag, "linear") and hasattr(ag, "cross_entropy")
    torch, torch_note = (None, "PyTorch skipped: --no-torch") if args.no_torch else import_torch()
    # (name, (epoch, weights)); numpy by hand is the reference for agreement and ratios.
    AG, NP, FUSED, TORCH = "autograd-core", "numpy by hand", "autograd-core fused", "PyTorch"
    impls = {AG: autograd_core_trainer(init, batches_of, args.lr, args.loss),
             NP: numpy_trainer(init, batches_of, args.lr)}
    if has_fused:
        impls[FUSED] = autograd_core_trainer(init, batches_of, args.lr, "fused")
    if torch is not None:
        impls[TORCH] = torch_trainer(torch, init, batches_of, args.lr)

    steps = len(batches_of(0))
    ops, leaves = graph_size(init, batches_of(0)[0], args.loss)
    print(f"Python {platform.python_version()} ({platform.python_implementation()}) on "
          f"{platform.machine()}, numpy {np.__version__} ({blas_threads()})"
          + (f"; {torch_note}" if torch is not None else ""))
    print(f"digits: {len(y_train)} train / {len(y_test)} test images; MLP "
          f"{'-'.join(map(str, SIZES))} ReLU, softmax cross-entropy, float64; SGD lr {args.lr:g},"
          f" batch {args.batch} ({steps} steps per epoch)")
    graphs = f"{AG}: {ops} ops + {leaves} leaves per step (x @ W.T + b, relu, log_softmax, " \
             f"NLL by {'one-hot mask' if args.loss == 'mask' else 'integer indexing'})"
    if has_fused:
        fused_ops, _ = graph_size(init, batches_of(0)[0], "fused")
        graphs += f"; {FUSED}: {fused_ops} ops (linear, relu, cross_entropy)"
    print(graphs)

    names = list(impls)
    times: dict[str, list[float]] = {name: [] for name in names}
    losses: dict[str, list[float]] = {}
    first: dict[str, tuple[list[float], Params]] = {}  # losses and weights after epoch 1
    for k in range(args.warmup + args.repeats):
        for name, (epoch, _) in impls.items():
            seconds, losses[name] = timed(epoch, k)
            if k >= args.warmup:
                times[name].append(seconds)
            if k == 0:
                first[name] = (losses[name], [p.copy() for p in impls[name][1]()])
    epochs = args.warmup + args.repeats

    print("agreement with numpy by hand (max relative difference of batch losses | of weights, "
          "each array relative to its largest entry) and test accuracy:")
    bad = []
    for name in names:
        weights = impls[name][1]()
        accuracies = (f"test accuracy {accuracy(first[name][1], X_test, y_test):.1%} after 1 "
                      f"epoch, {accuracy(weights, X_test, y_test):.1%} after {epochs}")
        if name == NP:
            print(f"  {name:19s}  (the reference)                              {accuracies}")
            continue
        loss_d1 = max_rel_diff(first[name][0], first[NP][0])
        w_d1 = max_rel_diff(first[name][1], first[NP][1])
        loss_d = max_rel_diff(losses[name], losses[NP])
        w_d = max_rel_diff(weights, impls[NP][1]())
        print(f"  {name:19s}  epoch 1: {loss_d1:.1e} | {w_d1:.1e}; epoch {epochs}: "
              f"{loss_d:.1e} | {w_d:.1e}; {accuracies}")
        if not max(loss_d1, w_d1) <= AGREE_RTOL:  # NaN counts as disagreement
            bad.append(name)
            print(f"!!! WARNING: {name} disagrees with numpy by hand after one epoch by more "
                  f"than {AGREE_RTOL:g} relative: they do not compute the same thing !!!")

    medians = {name: statistics.median(t) for name, t in times.items()}
    print(f"epoch times: median of {args.repeats} interleaved epochs after {args.warmup} "
          "warm-up, gc.collect() before each:")
    for name in names:
        t = times[name]
        print(f"  {name:19s} {medians[name] * 1e3:7.2f} ms/epoch {medians[name] / steps * 1e6:6.1f}"
              f" us/step (min {min(t) * 1e3:.2f}, max {max(t) * 1e3:.2f} ms)")
    ratio = medians[AG] / medians[NP]
    per_op = (medians[AG] - medians[NP]) / (steps * ops) * 1e6
    print(f"{AG} / {NP}: {ratio:.2f}x (target <= {RATIO_TARGET:g}x) "
          f"{'ok' if ratio <= RATIO_TARGET else 'MISSED'}; the difference is "
          f"~{per_op:.1f} us per graph op")
    ok = ratio <= RATIO_TARGET
    if has_fused:
        fused_ratio = medians[FUSED] / medians[NP]
        ok = ok or fused_ratio <= RATIO_TARGET
        print(f"{FUSED} / {NP}: {fused_ratio:.2f}x (target <= {RATIO_TARGET:g}x) "
              f"{'ok' if fused_ratio <= RATIO_TARGET else 'MISSED'}; the network as layers "
              "built on linear and cross_entropy run it")
    if torch is not None:
        print(f"{AG} / {TORCH}: {medians[AG] / medians[TORCH]:.2f}x; {TORCH} / {NP}: "
              f"{medians[TORCH] / medians[NP]:.2f}x")
    else:
        print(torch_note)
    if bad:
        print(f"!!! WARNING: {', '.join(bad)} disagreed with numpy by hand (see above): the "
              "ratios are suspect !!!")

    if args.profile:
        profile_autograd_core(init, batches_of, args.lr, args.loss, epochs=20, top=20)

    if args.check and not ok:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
