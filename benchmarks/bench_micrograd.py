"""Benchmark autograd-core's scalar ``Value`` against micrograd (the PyPI package micrograd==0.1.0).

Every comparison runs the same code on both engines, interleaved in one process, and prints
both figures and their ratio against its target:

1. **Node for node, micrograd's own neuron code.** micrograd's ``nn`` module (its installed
   source, unchanged) is loaded a second time with ``Value`` bound to autograd-core's class, so
   both engines run ``Neuron.__call__`` = ``sum((wi*xi for wi, xi in zip(self.w, x)), self.b)``
   then ``relu``: one graph node per multiply and add, the same nodes in both graphs. On
   micrograd's demo (MLP(2, [16, 16, 1]) on 100 two-moons points, hinge loss plus a 1e-4 L2
   penalty, ~66,000 nodes):
   a. ``backward()`` alone, per graph node. Target: autograd-core <= 1.0x micrograd's.
   b. one training step (forward, zero_grad, backward, SGD update). Target: autograd-core
      >= 3x faster.
2. **The fused demo step**: the same step with autograd-core's own ``nn.MLP``, whose neurons
   are one fused ``dot`` node each, against micrograd's. Target: >= 20x faster.
3. **Random expression graphs** of ~10^5 nodes (products, averages and relus of random earlier
   nodes, summed up in a balanced tree), ``backward()`` per node. Target: <= 1.0x micrograd's.
   Their depth is kept small (~50), as micrograd's topological sort is recursive; the
   recursion limit is raised around its backward all the same.
4. **Deep chains** (autograd-core only: micrograd has no ``tanh``, and its recursive sort
   raises ``RecursionError`` beyond ~1,000 nodes deep): ``backward()`` through 1,000,000
   ``tanh`` nodes, target < 1.5 s; through 500,000 steps of ``y = y * c + 0`` (2,000,000 nodes
   with the constants), target < 2.5 s. Building is timed and printed, not a target.

Each engine's gradients or losses are compared with the other's (or, for the chains, with the
derivative computed in plain floats), and a disagreement prints a loud warning.

Run from the repository root with ``make bench`` (which installs the ``bench`` extra), or
``python benchmarks/bench_micrograd.py [--quick] [--check]``. The exit code is 0 whatever the
figures are, unless ``--check`` is given: then 1 if a target is missed. Exit code 2 means
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
import types
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NODE_STEP_TARGET = 3.0  # micrograd's step / ours, on micrograd's neuron code: at least this
FUSED_STEP_TARGET = 20.0  # micrograd's step / ours with nn.MLP's fused neurons: at least this
BACKWARD_PER_NODE_TARGET = 1.0  # our backward time per node / micrograd's: at most this
TANH_CHAIN = 1_000_000  # tanh nodes in the chain that has a target
TANH_CHAIN_TARGET_S = 1.5  # backward through TANH_CHAIN tanh nodes: under this many seconds
AFFINE_STEPS = 500_000  # steps of the `* c + 0` chain that has a target
AFFINE_CHAIN_TARGET_S = 2.5  # backward through AFFINE_STEPS `* c + 0` steps: under this many s
AFFINE_C = 1.0000001  # c of the `* c + 0` chain: c ** 500,000 ~ 1.05, no overflow
# The engines' losses agree to the last bit on the first step (same weights, same forward
# arithmetic), but not always afterwards: micrograd keeps a node's parents in a `set`, so its
# backward pass sums each gradient's contributions in an order set by memory addresses, which
# changes from run to run (its own gradients differ between runs in the last bits). The
# resulting weights drift apart by rounding only: ~1e-16 relative over 20-odd steps. A
# difference above this tolerance (or any difference in accuracy) gets a loud warning.
LOSS_RTOL = 1e-9


@dataclass
class Engines:
    """Both engines' classes and the demo's code, which runs on either."""

    mg_value: type
    mg_mlp: type  # micrograd's nn.MLP on micrograd's Value
    our_value: type
    our_mlp_on_mg_code: type  # micrograd's nn.MLP source on autograd-core's Value
    our_fused_mlp: type  # autograd_core.nn.MLP: one dot node per neuron
    hinge_loss: Callable[..., tuple[Any, float]]
    sgd_step: Callable[[Sequence[Any], float], None]
    moons_data: Callable[..., tuple[list[list[float]], list[float]]]
    topological_order: Callable[[Any], list[Any]]


def micrograd_nn_on(value_class: type) -> types.ModuleType:
    """micrograd's own ``nn`` module, its installed source executed unchanged, with the global
    ``Value`` it builds neurons from bound to ``value_class``: the same neuron code on another
    engine. (Its functions read the global when called, so rebinding after the import works.)"""
    import micrograd.nn

    path = micrograd.nn.__file__
    module = types.ModuleType("micrograd_nn_on_" + value_class.__module__.replace(".", "_"))
    module.__file__ = path
    exec(compile(Path(path).read_text(), path, "exec"), module.__dict__)
    module.Value = value_class  # type: ignore[attr-defined]
    return module


def import_engines() -> Engines:
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
    from autograd_core import Value, topological_order
    from autograd_core.nn import MLP
    from autograd_core.nn.demo import hinge_loss_and_accuracy, moons_data, sgd_step
    return Engines(MicrogradValue, MicrogradMLP, Value, micrograd_nn_on(Value).MLP, MLP,
                   hinge_loss_and_accuracy, sgd_step, moons_data, topological_order)


def count_nodes(root: Any) -> int:
    """Nodes ``root`` depends on, itself included, by micrograd's ``_prev`` (iteratively)."""
    seen = {id(root)}
    stack = [root]
    while stack:
        for parent in stack.pop()._prev:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return len(seen)


@contextmanager
def recursion_limit(limit: int) -> Iterator[None]:
    """Python's recursion limit at least ``limit`` inside the block, restored after."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


@dataclass
class Outcome:
    """One target's verdict, for the summary at the end."""

    what: str
    figure: float
    target: float
    unit: str  # "x faster", "x" (at most) or "s" (under)
    detail: str = ""  # the same ratio estimated otherwise

    @property
    def ok(self) -> bool:  # NaN misses
        if self.unit == "x faster":
            return self.figure >= self.target
        return self.figure <= self.target

    def line(self) -> str:
        if self.unit == "x faster":
            figure, target = f"{self.figure:.1f}x faster", f">= {self.target:g}x"
        elif self.unit == "x":
            figure, target = f"{self.figure:.2f}x", f"<= {self.target:g}x"
        else:
            figure, target = f"{self.figure:.2f} s", f"< {self.target:g} s"
        verdict = f"{self.what}: {figure} (target {target}) {'ok' if self.ok else 'MISSED'}"
        return verdict + (f" [{self.detail}]" if self.detail else "")


def paired_ratio(times: Sequence[float], reference: Sequence[float]) -> float:
    """The median of the ratios of runs taken one after the other (a pair): a load change on the
    shared machine between pairs cancels out, as it would not in a ratio of two medians."""
    return statistics.median(t / r for t, r in zip(times, reference))


def other_estimates(times: Sequence[float], reference: Sequence[float]) -> str:
    of_medians = statistics.median(times) / statistics.median(reference)
    return f"ratio of medians {of_medians:.2f}x, of minima {min(times) / min(reference):.2f}x"


# ---- training steps ----------------------------------------------------------------------------

def make_stepper(model: Any, parameters: Sequence[Any], X: list[list[float]], y: list[float],
                 value: type, engines: Engines) -> Callable[[float], tuple[float, float, float]]:
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
        loss, accuracy = engines.hinge_loss(model, parameters, X, y, value=value)
        model.zero_grad()
        loss.backward()
        engines.sgd_step(parameters, lr)
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


def bench_steps(engines: Engines, our_mlp: type, warmup: int, repeats: int, seed: int,
                samples: int) -> tuple[list[float], list[float], Agreement]:
    """Interleaved micrograd/ours training steps of the demo: (micrograd times, our times,
    agreement). ``our_mlp`` is the model class run on autograd-core's Value."""
    X, y = engines.moons_data(samples, seed)
    random.seed(seed)  # the MLPs draw their weights from Python's global `random`
    mg_model = engines.mg_mlp(2, [16, 16, 1])
    random.seed(seed)
    our_model = our_mlp(2, [16, 16, 1])
    mg_params, our_params = mg_model.parameters(), our_model.parameters()
    assert [p.data for p in mg_params] == [p.data for p in our_params], "different initial weights"

    mg_step = make_stepper(mg_model, mg_params, X, y, engines.mg_value, engines)
    our_step = make_stepper(our_model, our_params, X, y, engines.our_value, engines)
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


def report_steps(what: str, mg_times: list[float], our_times: list[float],
                 agreement: Agreement, target: float) -> Outcome:
    mg_med, our_med = statistics.median(mg_times), statistics.median(our_times)
    outcome = Outcome(what, paired_ratio(mg_times, our_times), target, "x faster",
                      other_estimates(mg_times, our_times))
    print(f"  engines agree: {agreement.summary()}")
    print(f"  micrograd {mg_med * 1e3:.1f} ms/step, autograd-core {our_med * 1e3:.1f} ms/step")
    print(f"  {outcome.line()}")
    if agreement.bad:
        print(f"!!! WARNING: the engines disagreed at {agreement.bad} of {agreement.steps} "
              "steps: they are not computing the same thing, so the ratio is suspect !!!")
    return outcome


# ---- backward alone ----------------------------------------------------------------------------

def max_rel_diff(a: Sequence[float], b: Sequence[float]) -> float:
    """max |a_i - b_i| relative to max |b_i| (gradients near 0 make elementwise ratios noisy)."""
    scale = max((abs(x) for x in b), default=0.0) or 1.0
    worst = max((abs(x - r) for x, r in zip(a, b)), default=0.0) / scale
    return math.inf if math.isnan(worst) else worst


def timed_backward(build: Callable[[], tuple[Any, Sequence[Any]]], limit: int,
                   ) -> tuple[float, int, list[float]]:
    """Build a graph (untimed), then time ``root.backward()`` alone: (seconds, nodes, the
    gradients of the leaves ``build`` names)."""
    root, leaves = build()
    gc.collect()  # the build's garbage is not backward's to collect
    with recursion_limit(limit):
        start = time.perf_counter()
        root.backward()
        seconds = time.perf_counter() - start
    return seconds, count_nodes(root), [leaf.grad for leaf in leaves]


def bench_backward(builders: dict[str, Callable[[], tuple[Any, Sequence[Any]]]], limit: int,
                   warmup: int, repeats: int) -> tuple[dict[str, list[float]], dict[str, int],
                                                       float]:
    """Interleaved backward passes over fresh graphs from each engine's builder: (times by
    engine, nodes by engine, max relative difference of the leaves' gradients)."""
    times: dict[str, list[float]] = {name: [] for name in builders}
    nodes: dict[str, int] = {}
    grads: dict[str, list[float]] = {}
    for k in range(warmup + repeats):
        for name, build in builders.items():
            seconds, nodes[name], grads[name] = timed_backward(build, limit)
            gc.collect()  # micrograd's graph is cyclic garbage: free it before the next build
            if k >= warmup:
                times[name].append(seconds)
    mg, ours = grads.values()
    return times, nodes, max_rel_diff(ours, mg)


def report_backward(what: str, times: dict[str, list[float]], nodes: dict[str, int],
                    grad_diff: float) -> Outcome:
    per_node = {name: statistics.median(t) / nodes[name] for name, t in times.items()}
    (mg_name, mg_times), (our_name, our_times) = times.items()
    for name in times:
        print(f"  {name:13s} {nodes[name]:,} nodes, backward {statistics.median(times[name]):.3f} s"
              f" = {per_node[name] * 1e6:.2f} us per node (min {min(times[name]):.3f} s)")
    print(f"  gradients of the leaves: max difference {grad_diff:.1e} relative to the largest")
    if nodes[mg_name] != nodes[our_name]:
        print(f"!!! WARNING: the graphs differ in size ({nodes[mg_name]} against "
              f"{nodes[our_name]} nodes): the per-node figures are not node for node !!!")
    if not grad_diff <= LOSS_RTOL:
        print(f"!!! WARNING: the engines' gradients differ by {grad_diff:.1e} (more than "
              f"{LOSS_RTOL:g}): they are not computing the same thing !!!")
    # per node: each engine's time over its own node count (the same count, unless warned above)
    our_per_node = [t / nodes[our_name] for t in our_times]
    mg_per_node = [t / nodes[mg_name] for t in mg_times]
    outcome = Outcome(what, paired_ratio(our_per_node, mg_per_node), BACKWARD_PER_NODE_TARGET,
                      "x", other_estimates(our_per_node, mg_per_node))
    print(f"  {outcome.line()}")
    return outcome


def demo_graph_builder(engines: Engines, mlp: type, value: type, seed: int, samples: int,
                       ) -> Callable[[], tuple[Any, Sequence[Any]]]:
    """A function building the demo's loss graph (fixed weights): (loss, parameters)."""
    X, y = engines.moons_data(samples, seed)
    random.seed(seed)
    model = mlp(2, [16, 16, 1])
    parameters = model.parameters()

    def build() -> tuple[Any, Sequence[Any]]:
        loss, _ = engines.hinge_loss(model, parameters, X, y, value=value)
        model.zero_grad()
        return loss, parameters

    return build


# Random expression graphs: each step applies one of these to random earlier results.
MUL, AVERAGE, RELU = range(3)
Recipe = list[tuple[int, int, int]]  # (op, first operand, second operand) by result index


def random_recipe(ops: int, leaves: int, seed: int) -> tuple[Recipe, list[int], int]:
    """(recipe, results no step uses, longest path in nodes): a random expression DAG over
    ``leaves`` inputs, each operand drawn uniformly from all earlier results (which keeps the
    depth logarithmic). The same recipe builds the same graph on either engine."""
    rng = random.Random(seed)
    recipe: Recipe = []
    depth = [1] * leaves
    used = [False] * (leaves + ops)
    for _ in range(ops):
        u = rng.random()
        op = MUL if u < 0.4 else AVERAGE if u < 0.8 else RELU
        a, b = rng.randrange(len(depth)), rng.randrange(len(depth))
        recipe.append((op, a, b))
        used[a] = True
        used[b] = used[b] or op != RELU
        below = depth[a] if op == RELU else max(depth[a], depth[b])
        depth.append(below + (2 if op == AVERAGE else 1))  # an average is an add and a multiply
    dangling = [i for i, u in enumerate(used) if not u]
    return recipe, dangling, max(depth) + math.ceil(math.log2(len(dangling) or 1)) + 1


def graph_builder(value: type, recipe: Recipe, dangling: list[int], leaves: int, seed: int,
                  ) -> Callable[[], tuple[Any, Sequence[Any]]]:
    """A function building the recipe's graph on ``value``: (root, inputs). Every value stays
    in [-1, 1]: products, averages and relus of numbers in [-1, 1]; the root sums the results
    no step used, pairwise in a balanced tree so that its depth stays small."""
    rng = random.Random(seed + 1)
    data = [rng.uniform(-1.0, 1.0) for _ in range(leaves)]

    def build() -> tuple[Any, Sequence[Any]]:
        inputs = [value(x) for x in data]
        half = value(0.5)
        results = list(inputs)
        for op, a, b in recipe:
            if op == MUL:
                results.append(results[a] * results[b])
            elif op == AVERAGE:
                results.append((results[a] + results[b]) * half)
            else:
                results.append(results[a].relu())
        terms = [results[i] for i in dangling]
        while len(terms) > 1:
            pairs = [terms[i] + terms[i + 1] for i in range(0, len(terms) - 1, 2)]
            terms = pairs + terms[len(pairs) * 2:]
        return terms[0], [*inputs, half]

    return build


# ---- deep chains -------------------------------------------------------------------------------

def bench_chain(value: type, steps: int, kind: str) -> tuple[float, float, float]:
    """Build a chain of ``steps`` steps from x = 0.5, then time y.backward().

    ``tanh``: y = tanh(y), one node a step. ``affine``: y = y * c + 0, four nodes a step (the
    constants c and 0 are nodes too). Returns (build seconds, backward seconds, relative error of
    x.grad against the same derivative computed with plain floats)."""
    x = value(0.5)
    gc.collect()
    start = time.perf_counter()
    y = x
    if kind == "tanh":
        for _ in range(steps):
            y = y.tanh()
    else:
        for _ in range(steps):
            y = y * AFFINE_C + 0
    build_s = time.perf_counter() - start

    gc.collect()  # as above: backward should not pay for collecting the build's garbage
    start = time.perf_counter()
    y.backward()
    backward_s = time.perf_counter() - start

    # d tanh^n(x) / dx = prod (1 - t_i^2); d (c^n x) / dx = c^n: computed without any graph.
    t, expected = 0.5, 1.0
    for _ in range(steps):
        if kind == "tanh":
            t = math.tanh(t)
            expected *= 1.0 - t * t
        else:
            expected *= AFFINE_C
    rel_err = abs(x.grad - expected) / abs(expected)
    del y  # free the chain before returning
    return build_s, backward_s, rel_err


def report_chain(what: str, nodes: int, build_s: float, backward_s: float, rel_err: float,
                 target: float | None) -> list[Outcome]:
    """Print a chain's figures; its outcome, if it has a target (none: another length)."""
    print(f"  {nodes:,} nodes: build {build_s:.2f} s (not a target), backward {backward_s:.2f} s"
          f" = {backward_s / nodes * 1e6:.2f} us per node; x.grad relative error {rel_err:.1e}")
    if not rel_err <= 1e-9:
        print("!!! WARNING: the chain's gradient disagrees with the plain-float derivative !!!")
    if target is None:
        print("  (no target at this length: the targets are for the default lengths)")
        return []
    outcome = Outcome(what, backward_s, target, "s")
    print(f"  {outcome.line()}")
    return [outcome]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed micrograd/autograd-core pairs of steps and of backward "
                             "passes over the demo (default 15, --quick 5)")
    parser.add_argument("--warmup", type=int, default=None,
                        help="untimed pairs first (default 2, --quick 1)")
    parser.add_argument("--graph-repeats", type=int, default=None,
                        help="timed backward pairs over random graphs (default 5, --quick 2)")
    parser.add_argument("--graph-ops", type=int, default=60_000,
                        help="operations in a random graph (default 60,000: ~107,000 nodes)")
    parser.add_argument("--chain", type=int, default=TANH_CHAIN,
                        help=f"length of the tanh chain (default {TANH_CHAIN:,}; the target "
                             "holds at that length only)")
    parser.add_argument("--affine-steps", type=int, default=AFFINE_STEPS,
                        help=f"steps of the `* c + 0` chain (default {AFFINE_STEPS:,}: "
                             f"{4 * AFFINE_STEPS:,} nodes; the target holds at that length only)")
    parser.add_argument("--quick", action="store_true",
                        help="fewer repeats (the chains keep their lengths): a rough figure fast")
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a target is missed (default: always exit 0)")
    args = parser.parse_args(argv)
    repeats = args.repeats if args.repeats is not None else (5 if args.quick else 15)
    warmup = args.warmup if args.warmup is not None else (1 if args.quick else 2)
    graph_repeats = (args.graph_repeats if args.graph_repeats is not None
                     else (2 if args.quick else 5))
    if min(repeats, graph_repeats, args.graph_ops, args.chain, args.affine_steps) < 1 or warmup < 0:
        parser.error("--repeats, --graph-repeats, --graph-ops, --chain and --affine-steps must "
                     "be >= 1, --warmup >= 0")

    engines = import_engines()
    print(f"Python {platform.python_version()} ({platform.python_implementation()}) "
          f"on {platform.machine()}; gc.collect() before every timed region; medians of "
          f"interleaved runs")
    outcomes: list[Outcome] = []

    print(f"\n1a. backward() alone on micrograd's demo graph, micrograd's neuron code on both "
          f"engines: median of {repeats} pairs after {warmup} warm-up")
    builders = {name: demo_graph_builder(engines, mlp, value, args.seed, samples=100)
                for name, mlp, value in (("micrograd", engines.mg_mlp, engines.mg_value),
                                         ("autograd-core", engines.our_mlp_on_mg_code,
                                          engines.our_value))}
    times, nodes, grad_diff = bench_backward(builders, 10_000, warmup, repeats)
    outcomes.append(report_backward("backward per node, micrograd's neuron code", times, nodes,
                                    grad_diff))

    print(f"\n1b. training step on micrograd's neuron code (forward, zero_grad, backward, SGD), "
          f"both engines: median of {repeats} pairs after {warmup} warm-up")
    mg_times, our_times, agreement = bench_steps(engines, engines.our_mlp_on_mg_code, warmup,
                                                 repeats, args.seed, samples=100)
    outcomes.append(report_steps("step on micrograd's neuron code", mg_times, our_times,
                                 agreement, NODE_STEP_TARGET))

    print(f"\n2. the demo step with autograd-core's nn.MLP (one fused dot node per neuron) "
          f"against micrograd's: median of {repeats} pairs after {warmup} warm-up")
    mg_times, our_times, agreement = bench_steps(engines, engines.our_fused_mlp, warmup,
                                                 repeats, args.seed, samples=100)
    outcomes.append(report_steps("fused demo step", mg_times, our_times, agreement,
                                 FUSED_STEP_TARGET))

    leaves = 1000
    recipe, dangling, depth = random_recipe(args.graph_ops, leaves, args.seed)
    print(f"\n3. backward() over a random expression graph ({args.graph_ops:,} random products, "
          f"averages and relus of {leaves} inputs, longest path {depth} nodes): median of "
          f"{graph_repeats} pairs after 1 warm-up")
    builders = {name: graph_builder(value, recipe, dangling, leaves, args.seed)
                for name, value in (("micrograd", engines.mg_value),
                                    ("autograd-core", engines.our_value))}
    times, nodes, grad_diff = bench_backward(builders, 2 * depth + 1000, 1, graph_repeats)
    outcomes.append(report_backward("backward per node, random graph", times, nodes, grad_diff))

    print("\n4. deep chains, autograd-core alone (micrograd: no tanh, and RecursionError past "
          "~1,000 nodes deep)")
    print(f"  y = tanh(y), {args.chain:,} times:")
    outcomes += report_chain(f"tanh chain backward ({args.chain:,} nodes)", args.chain + 1,
                             *bench_chain(engines.our_value, args.chain, "tanh"),
                             TANH_CHAIN_TARGET_S if args.chain == TANH_CHAIN else None)
    print(f"  y = y * {AFFINE_C!r} + 0, {args.affine_steps:,} times:")
    affine_nodes = 4 * args.affine_steps + 1
    outcomes += report_chain(f"`* c + 0` chain backward ({affine_nodes:,} nodes)", affine_nodes,
                             *bench_chain(engines.our_value, args.affine_steps, "affine"),
                             AFFINE_CHAIN_TARGET_S if args.affine_steps == AFFINE_STEPS else None)

    print("\ntargets:")
    for outcome in outcomes:
        print(f"  {outcome.line()}")
    if args.check and not all(outcome.ok for outcome in outcomes):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
