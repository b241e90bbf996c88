"""Benchmark autograd-core against micrograd (the PyPI package ``micrograd==0.1.0``).

Two figures, each printed against its target:

1. One full training step of micrograd's own demo -- MLP(2, [16, 16, 1]) on 100 two-moons
   points, hinge loss plus a 1e-4 L2 penalty, SGD update -- timed for micrograd and for
   autograd-core, interleaved in one process and running literally the same code
   (``nn.demo.hinge_loss_and_accuracy`` / ``sgd_step`` / ``moons_data``). Target: autograd-core
   at least 5x faster (ratio of median step times).
2. ``backward()`` through a chain of 1,000,000 scalar ``tanh`` nodes with autograd-core
   (micrograd is not timed: it has no ``tanh``, and its recursive topological sort raises
   ``RecursionError`` beyond about 1,000 nodes deep). Target: <= 5 s.
   Building the chain is timed and reported separately; only ``backward`` counts.

Run from the repository root with ``make bench`` (which installs the ``bench`` extra), or
``python benchmarks/bench_micrograd.py [--repeats N] [--check]``. The exit code is 0 whatever
the figures are, unless ``--check`` is given: then 1 if a target is missed. Exit code 2 means
micrograd is not installed.
"""

from __future__ import annotations

import argparse
import gc
import math
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

STEP_TARGET = 5.0  # autograd-core's demo step at least this many times faster than micrograd's
BACKWARD_TARGET_S = 5.0  # backward over the 1,000,000-node chain within this many seconds
# The engines' losses agree to the last bit on the first step (same weights, same forward
# arithmetic), but not always afterwards: micrograd keeps a node's parents in a `set`, so its
# backward pass sums each gradient's contributions in an order set by memory addresses, which
# changes from run to run (its own gradients differ between runs in the last bits). The
# resulting weights drift apart by rounding only: ~1e-16 relative over 20-odd steps. A
# difference above this tolerance (or any difference in accuracy) gets a loud warning.
LOSS_RTOL = 1e-9


def _import_engines() -> tuple[Any, ...]:
    """(micrograd Value, micrograd MLP, our Value, our MLP, hinge_loss, sgd_step, moons_data)."""
    try:
        from micrograd.engine import Value as MicrogradValue
        from micrograd.nn import MLP as MicrogradMLP
    except ImportError as error:
        print(f"bench_micrograd: micrograd is not installed ({error}).\n"
              "Run `make bench`, which installs the `bench` extra (micrograd==0.1.0), or\n"
              "`pip install micrograd==0.1.0` into this interpreter "
              f"({sys.executable}).", file=sys.stderr)
        sys.exit(2)
    try:
        import autograd_core  # noqa: F401
    except ImportError:  # not installed: fall back to the checkout this script lives in
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from autograd_core import Value
    from autograd_core.nn import MLP
    from autograd_core.nn.demo import hinge_loss_and_accuracy, moons_data, sgd_step
    return (MicrogradValue, MicrogradMLP, Value, MLP,
            hinge_loss_and_accuracy, sgd_step, moons_data)


def make_stepper(model: Any, parameters: Sequence[Any], X: list[list[float]], y: list[float],
                 value: type, hinge_loss: Callable[..., tuple[Any, float]],
                 sgd: Callable[[Sequence[Any], float], None],
                 ) -> Callable[[float], tuple[float, float, float]]:
    """A function running one timed forward + backward + update: (seconds, loss, accuracy)."""

    def step(lr: float) -> tuple[float, float, float]:
        # Python's cyclic GC adds noisy pauses. Collecting before each timed step (outside
        # the timing) empties the collector, so any collection that fires *inside* a step was
        # triggered by that step's own allocations: each engine pays for its own garbage and
        # not the other's. This matters: micrograd's nodes are reference cycles (each one's
        # `_backward` closure refers back to it), so its graphs are only ever freed by the
        # cyclic GC, which would otherwise tend to fire during whichever step came next.
        gc.collect()
        start = time.perf_counter()
        loss, accuracy = hinge_loss(model, parameters, X, y, value=value)
        model.zero_grad()
        loss.backward()
        sgd(parameters, lr)
        elapsed = time.perf_counter() - start
        # The graph is released when this returns, after the clock has stopped, for both
        # engines (ours by reference counting, micrograd's by the next gc.collect()).
        return elapsed, loss.data, accuracy

    return step


class Agreement:
    """Tallies how closely the two engines' losses and accuracies agree, step by step."""

    def __init__(self) -> None:
        self.steps = 0
        self.identical = 0  # steps whose losses were bit-identical
        self.max_rel = 0.0  # largest relative loss difference seen
        self.bad = 0  # steps beyond LOSS_RTOL or with different accuracies

    def record(self, k: int, mg_loss: float, mg_acc: float, our_loss: float,
               our_acc: float) -> None:
        self.steps += 1
        if mg_loss == our_loss:
            self.identical += 1
            rel = 0.0
        else:
            rel = abs(mg_loss - our_loss) / max(abs(mg_loss), abs(our_loss))
            if math.isnan(rel):
                rel = math.inf
        self.max_rel = max(self.max_rel, rel)
        if rel > LOSS_RTOL or mg_acc != our_acc:
            self.bad += 1
            print(f"!!! WARNING: step {k}: the engines disagree: micrograd loss {mg_loss!r} "
                  f"accuracy {mg_acc}, autograd-core loss {our_loss!r} accuracy {our_acc} "
                  f"(relative difference {rel:.1e}) !!!", file=sys.stderr)

    def summary(self) -> str:
        if self.identical == self.steps:
            return f"losses bit-identical at all {self.steps} steps"
        text = f"losses bit-identical at {self.identical} of {self.steps} steps"
        if self.bad:
            return (f"{text}; {self.bad} step(s) DISAGREE beyond {LOSS_RTOL:g} relative "
                    f"(largest difference {self.max_rel:.1e})")
        return (f"{text}, the rest within {self.max_rel:.0e} relative (rounding: micrograd "
                "sums gradients in set order)")


def bench_demo_step(engines: tuple[Any, ...], warmup: int, repeats: int, seed: int,
                    samples: int) -> tuple[list[float], list[float], Agreement]:
    """Interleaved micrograd/ours training steps: (micrograd times, our times, agreement)."""
    mg_value, mg_mlp, our_value, our_mlp, hinge_loss, sgd, moons_data = engines
    X, y = moons_data(samples, seed)

    random.seed(seed)  # both MLPs draw their weights from Python's global `random`
    mg_model = mg_mlp(2, [16, 16, 1])
    random.seed(seed)
    our_model = our_mlp(2, [16, 16, 1])
    mg_params, our_params = mg_model.parameters(), our_model.parameters()
    assert [p.data for p in mg_params] == [p.data for p in our_params], "different initial weights"

    mg_step = make_stepper(mg_model, mg_params, X, y, mg_value, hinge_loss, sgd)
    our_step = make_stepper(our_model, our_params, X, y, our_value, hinge_loss, sgd)
    total = warmup + repeats
    mg_times: list[float] = []
    our_times: list[float] = []
    agreement = Agreement()
    for k in range(total):
        lr = 1.0 - 0.9 * k / total  # micrograd's demo schedule
        mg_s, mg_loss, mg_acc = mg_step(lr)
        our_s, our_loss, our_acc = our_step(lr)
        agreement.record(k, mg_loss, mg_acc, our_loss, our_acc)
        if k >= warmup:
            mg_times.append(mg_s)
            our_times.append(our_s)
    return mg_times, our_times, agreement


def bench_chain(value: type, length: int) -> tuple[float, float, float]:
    """Build y = tanh(tanh(...tanh(x))) ``length`` deep, then time y.backward().

    Returns (build seconds, backward seconds, relative error of x.grad against the same
    derivative computed with plain floats).
    """
    x = value(0.5)
    gc.collect()
    start = time.perf_counter()
    y = x
    for _ in range(length):
        y = y.tanh()
    build_s = time.perf_counter() - start

    gc.collect()  # as above: backward should not pay for collecting the build's garbage
    start = time.perf_counter()
    y.backward()
    backward_s = time.perf_counter() - start

    # Sanity check: d tanh^n(x) / dx = prod (1 - t_i^2), computed without any graph.
    t, expected = 0.5, 1.0
    for _ in range(length):
        t = math.tanh(t)
        expected *= 1.0 - t * t
    rel_err = abs(x.grad - expected) / abs(expected)
    del y  # free the chain before returning
    return build_s, backward_s, rel_err


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20,
                        help="timed micrograd/autograd-core step pairs (default 20)")
    parser.add_argument("--warmup", type=int, default=3,
                        help="untimed step pairs first (default 3)")
    parser.add_argument("--chain", type=int, default=10**6,
                        help="length of the tanh chain for the backward figure (default 10**6)")
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a target is missed (default: always exit 0)")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.warmup < 0 or args.chain < 1:
        parser.error("--repeats and --chain must be >= 1, --warmup >= 0")

    engines = _import_engines()
    print(f"Python {platform.python_version()} ({platform.python_implementation()}) "
          f"on {platform.machine()}; GC collected before every timed region")

    mg_times, our_times, agreement = bench_demo_step(
        engines, args.warmup, args.repeats, args.seed, samples=100)
    mg_med, our_med = statistics.median(mg_times), statistics.median(our_times)
    ratio = mg_med / our_med
    step_ok = ratio >= STEP_TARGET
    print(f"demo step (MLP(2, [16, 16, 1]), 100 moons, hinge + 1e-4 L2, SGD): median of "
          f"{args.repeats} interleaved pairs after {args.warmup} warm-up")
    print(f"engines agree: {agreement.summary()}")
    print(f"micrograd step {mg_med:.3f} s, autograd-core step {our_med:.3f} s: "
          f"{ratio:.1f}x faster (target >= {STEP_TARGET:g}x) {'ok' if step_ok else 'MISSED'}")
    if agreement.bad:
        print(f"!!! WARNING: the engines disagreed at {agreement.bad} of {agreement.steps} "
              "steps: they are not computing the same thing, so the ratio is suspect !!!")

    build_s, backward_s, rel_err = bench_chain(engines[2], args.chain)
    backward_ok = backward_s <= BACKWARD_TARGET_S
    print(f"chain of {args.chain:,} tanh nodes (y = x; y = y.tanh() repeated): "
          f"build {build_s:.2f} s (not a target); x.grad rel. error {rel_err:.1e}")
    print(f"backward over {args.chain:,} nodes {backward_s:.2f} s "
          f"(target <= {BACKWARD_TARGET_S:g} s) {'ok' if backward_ok else 'MISSED'}")
    if rel_err > 1e-9:
        print("!!! WARNING: the chain's gradient disagrees with the plain-float derivative !!!")

    if args.check and not (step_ok and backward_ok):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
