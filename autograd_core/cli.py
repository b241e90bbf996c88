"""The ``autograd-core`` command line (also ``python -m autograd_core``)::

    autograd-core graph "tanh(w*x + b)" --at w=-2 x=1.5 b=0.5 -o neuron.svg
    autograd-core check "x**3 / y" --at x=2 y=0.5
    autograd-core train --dataset moons --hidden 16 16 --epochs 50
    autograd-core datasets
    autograd-core playground --port 8765

Expressions are read by ``autograd_core.expression.parse_expression``: numbers, variables,
``+ - * / **``, parentheses and a fixed list of functions; nothing is passed to ``eval``.

``main(argv)`` runs one command and returns its exit status: 0 when it did its job, 1 when it
failed (a gradient check disagrees, the formula is undefined at the point, no renderer...),
2 for bad arguments (argparse's usage line and the reason, on stderr).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .drawing import RANKDIRS, draw_graph
from .engine import no_grad
from .expression import FUNCTIONS, Expression, ExpressionError, parse_expression
from .gradcheck import _mismatch, numeric_grad
from .render import RendererNotFound, RenderError
from .tensor import Tensor
from .value import Value

PROG = "autograd-core"
_KINKED = re.compile(r"\b(abs|relu|leaky_relu|elu|max|min)\s*\(")  # functions with a kink
PICTURE_SUFFIXES = (".svg", ".png", ".dot")  # .dot: Graphviz's text, written without a renderer


class UsageError(Exception):
    """Bad arguments found after argparse accepted them: usage line, reason, status 2."""


class CommandError(Exception):
    """The command could not do its job: its reason on stderr, status 1."""


# ---- graph and check ----------------------------------------------------------------------------


def _binding(text: str) -> tuple[str, float]:
    """One ``--at`` item, ``NAME=NUMBER``."""
    name, sign, number = text.partition("=")
    name = name.strip()
    if not sign or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER such as x=1.5, got {text!r}")
    try:
        value = float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name}: {number.strip()!r} is not a number "
                                         f"(in {text!r})") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{name}: the value must be finite, got {value}")
    return name, value


def _expression_at(args: argparse.Namespace) -> tuple[Expression, dict[str, float]]:
    """The parsed expression and its point, after checking that --at binds exactly its
    variables."""
    point: dict[str, float] = {}
    for name, value in args.at:
        if name in point:
            raise UsageError(f"--at gives {name} twice")
        point[name] = value
    try:
        expression = parse_expression(args.expression)
    except ExpressionError as error:
        raise UsageError(f"EXPR: {error}") from None
    if not expression.names:
        raise UsageError(f"EXPR {expression.text!r} has no variables: nothing to differentiate")
    unbound = [name for name in expression.names if name not in point]
    if unbound:
        raise UsageError(f"--at gives no value for {', '.join(map(repr, unbound))} (used in "
                         f"EXPR): add {' '.join(name + '=NUMBER' for name in unbound)}")
    unused = [name for name in point if name not in expression.names]
    if unused:
        raise UsageError(f"--at {', '.join(unused)}: not in EXPR {expression.text!r} (its "
                         f"variables: {', '.join(expression.names)})")
    return expression, point


def _number(x: float) -> str:
    return f"{x:.10g}"


def _forward_backward(expression: Expression, point: dict[str, float]
                      ) -> tuple[Value, dict[str, Value]]:
    """Evaluate at ``point`` on Values labelled with the variables' names, then backward."""
    leaves = {name: Value(value, label=name) for name, value in point.items()}
    try:
        out = expression(**leaves)
        out.backward()
    except (ValueError, ArithmeticError) as error:  # log(-1), 1/0, overflow...
        raise CommandError(f"{expression.text} at {_point_text(point)}: {error}") from None
    return out, leaves


def _point_text(point: dict[str, float]) -> str:
    return ", ".join(f"{name}={_number(value)}" for name, value in point.items())


def run_graph(args: argparse.Namespace) -> int:
    """Draw the expression's graph after backward: every node's data and gradient."""
    output = Path(args.output)
    if output.suffix.lower() not in PICTURE_SUFFIXES:
        raise UsageError(f"--output {str(output)!r}: the file name must end in "
                         f"{', '.join(PICTURE_SUFFIXES)} (the picture's format)")
    expression, point = _expression_at(args)
    out, leaves = _forward_backward(expression, point)
    print(f"{expression.text} = {_number(out.data)}  at {_point_text(point)}")
    for name, leaf in leaves.items():
        print(f"  d/d{name} = {_number(leaf.grad)}")

    drawing = draw_graph(out, rankdir=args.rankdir, title=expression.text)
    try:
        if output.suffix.lower() == ".dot":
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(drawing.source, encoding="utf-8")
            written = str(output)
        else:
            written = drawing.render(output, format=output.suffix[1:].lower())
    except (RendererNotFound, RenderError, OSError) as error:
        raise CommandError(f"cannot write {str(output)!r}: {error}") from None
    print(f"wrote {written}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Compare backward's derivatives with central differences (``gradcheck``'s test)."""
    if not args.eps > 0:
        raise UsageError(f"--eps must be positive, got {args.eps}")
    expression, point = _expression_at(args)
    out, leaves = _forward_backward(expression, point)
    names = list(point)

    def f(*inputs: Value) -> Value:
        return expression(**dict(zip(names, inputs)))

    try:
        numeric = numeric_grad(f, list(point.values()), args.eps)
    except (ValueError, ArithmeticError) as error:  # a shifted point left f's domain
        raise CommandError(f"{expression.text}: central differences with eps={args.eps} "
                           f"failed near {_point_text(point)}: {error}") from None
    print(f"f = {expression.text} = {_number(out.data)}  at {_point_text(point)}")
    width = max(len("input"), *(len(name) for name in names))
    print(f"{'input':<{width}}  {'analytic df/dx':>18}  {'numeric df/dx':>18}  agree")
    failures = 0
    for name, slope in zip(names, numeric):
        analytic = leaves[name].grad
        bad = bool(_mismatch(analytic, slope, args.atol, args.rtol))
        failures += bad
        print(f"{name:<{width}}  {_number(analytic):>18}  {_number(slope):>18}  "
              f"{'NO' if bad else 'yes'}")
    rule = (f"|analytic - numeric| <= {args.atol:g} + {args.rtol:g} |numeric|, "
            f"central differences with eps={args.eps:g}")
    if failures:
        print(f"FAILED: {failures} of {len(names)} derivatives disagree ({rule})")
        if _KINKED.search(expression.text):
            print("note: where the argument of abs, relu, leaky_relu or elu is 0 (or the "
                  "arguments of max or min tie) the function has a kink: there the two "
                  "derivatives differ by nature")
        return 1
    print(f"ok: all {len(names)} derivatives agree ({rule})")
    return 0


# ---- train and datasets -------------------------------------------------------------------------

ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "gelu": "GELU",
               "leaky_relu": "LeakyReLU", "elu": "ELU", "softplus": "Softplus"}  # nn classes
OPTIMIZERS = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop",
              "adagrad": "Adagrad"}  # nn.optim classes
DEFAULT_LR = {"sgd": 0.1, "adagrad": 0.1}  # the others: 0.01
MIN_SAMPLES_TO_SPLIT = 20  # below this (the logic gates), train and report on every sample


def _dataset_info(name: str) -> Any:
    from .nn.datasets import get_dataset

    try:
        return get_dataset(name)
    except ValueError as error:
        raise UsageError(f"--dataset: {error}") from None


def _load_options(args: argparse.Namespace, info: Any) -> dict[str, Any]:
    """The loader's options from --samples, --noise, --seed, --cache-dir, --no-progress."""
    wanted = {"n_samples": args.samples, "noise": args.noise, "seed": args.seed,
              "cache_dir": args.cache_dir, "progress": args.progress}
    flags = {"n_samples": "--samples", "noise": "--noise", "cache_dir": "--cache-dir"}
    options = {}
    for option, value in wanted.items():
        if value is None:
            continue
        if option in info.parameters:
            options[option] = value
        elif option in flags:
            raise UsageError(f"{flags[option]}: data set {info.name!r} takes no {option} (its "
                             f"options: {', '.join(info.parameters)})")
    return options


def _training_data(args: argparse.Namespace, info: Any) -> tuple[np.ndarray, ...]:
    """(X_train, y_train, X_val, y_val), the validation part None when there is none."""
    from .nn.data import train_test_split
    from .nn.datasets import DownloadError

    try:
        arrays = info.load(**_load_options(args, info))
    except ValueError as error:  # an option out of range, e.g. --samples 1
        raise UsageError(f"cannot load {info.name!r}: {error}") from None
    except (DownloadError, OSError) as error:
        raise CommandError(f"cannot load {info.name!r}: {error}") from None
    if info.split:
        return arrays
    X, y = arrays
    if args.test_size == 0 or len(X) < MIN_SAMPLES_TO_SPLIT:
        return X, y, None, None
    stratify = y if info.task == "classification" else None
    try:
        X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=args.test_size,
                                                          seed=args.seed, stratify=stratify)
    except ValueError as error:
        raise UsageError(f"--test-size {args.test_size}: {error}") from None
    return X_train, y_train, X_val, y_val


def _build_model(args: argparse.Namespace, n_features: int, n_outputs: int) -> Any:
    from . import nn

    nn.manual_seed(args.seed)  # the initial weights
    layers, width = [], n_features
    for size in args.hidden:
        layers += [nn.Linear(width, size), getattr(nn, ACTIVATIONS[args.activation])()]
        width = size
    layers.append(nn.Linear(width, n_outputs))
    return nn.Sequential(*layers)


def _output_dir(args: argparse.Namespace) -> Path:
    if args.output_dir is not None:
        return Path(args.output_dir)
    number = 1
    while Path("runs", f"{args.dataset}-{number}").exists():
        number += 1
    return Path("runs", f"{args.dataset}-{number}")


def _scores_text(logs: dict[str, float], prefix: str = "") -> str:
    parts = []
    for name in ("loss", "accuracy", "mae"):
        value = logs.get(prefix + name)
        if value is not None:
            parts.append(f"{name} {value:.1%}" if name == "accuracy" else f"{name} {value:.4g}")
    return "  ".join(parts)


def _check_train_arguments(args: argparse.Namespace) -> None:
    for name, value in (("--epochs", args.epochs), ("--batch-size", args.batch_size)):
        if value < 1:
            raise UsageError(f"{name} must be at least 1, got {value}")
    if any(size < 1 for size in args.hidden):
        raise UsageError(f"--hidden: layer sizes must be at least 1, got {args.hidden}")
    if args.lr is not None and not args.lr > 0:
        raise UsageError(f"--lr must be positive, got {args.lr}")
    if not 0 <= args.test_size < 1:
        raise UsageError(f"--test-size must be in [0, 1), got {args.test_size}")


def run_train(args: argparse.Namespace) -> int:
    """Train an MLP on a data set with ``nn.fit``; save the model, the history and a picture."""
    _check_train_arguments(args)
    info = _dataset_info(args.dataset)
    X_train, y_train, X_val, y_val = _training_data(args, info)

    from . import nn
    from .nn.data import DataLoader, TensorDataset

    classification = info.task == "classification"
    labels = [y for y in (y_train, y_val) if y is not None]
    n_outputs = (max(int(y.max()) for y in labels) + 1 if classification else y_train.shape[1])
    model = _build_model(args, X_train.shape[1], n_outputs)
    lr = args.lr if args.lr is not None else DEFAULT_LR.get(args.optimizer, 0.01)
    optimizer = getattr(nn.optim, OPTIMIZERS[args.optimizer])(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss() if classification else nn.MSELoss()
    train_loader = DataLoader(TensorDataset(X_train, y_train), batch_size=args.batch_size,
                              shuffle=True, generator=np.random.default_rng(args.seed))
    val_loader = (None if X_val is None else
                  DataLoader(TensorDataset(X_val, y_val), batch_size=max(args.batch_size, 256)))

    held_out = (f"{len(X_val)} for validation" if X_val is not None
                else "none held out (--test-size 0)" if args.test_size == 0
                else f"none held out (fewer than {MIN_SAMPLES_TO_SPLIT})")
    kind = f"{n_outputs} classes" if classification else "regression"
    print(f"{info.name}: {len(X_train)} samples for training, {held_out}; "
          f"{_plural(X_train.shape[1], 'feature')}, {kind}")
    n_parameters = sum(p.data.size for p in model.parameters())
    print(f"model: {_layers_text(model)} ({n_parameters} parameters)")
    print(f"{OPTIMIZERS[args.optimizer]}(lr={lr:g}), {_plural(args.epochs, 'epoch')} of "
          f"batches of {args.batch_size}, seed {args.seed}")
    started = time.perf_counter()
    history = nn.fit(model, loss_fn, optimizer, train_loader, args.epochs,
                     val_loader=val_loader, metrics=("accuracy",) if classification else ("mae",),
                     progress=args.progress)
    seconds = time.perf_counter() - started
    last = {name: values[-1] for name, values in history.history.items()}
    summary = (f"after {_plural(len(history.epoch), 'epoch')} ({seconds:.1f} s): "
               f"{_scores_text(last)}")
    if val_loader is not None:
        summary += f"; validation: {_scores_text(last, 'val_')}"
    print(summary)

    settings = {"dataset": info.name, "task": info.task, "hidden": args.hidden,
                "activation": args.activation, "optimizer": args.optimizer, "lr": lr,
                "epochs": args.epochs, "batch_size": args.batch_size, "seed": args.seed,
                "test_size": args.test_size, "n_features": int(X_train.shape[1]),
                "n_outputs": int(n_outputs), "model": _layers_text(model), "final": last}
    X_all = X_train if X_val is None else np.concatenate([X_train, X_val])
    y_all = y_train if y_val is None else np.concatenate([y_train, y_val])
    folder = _output_dir(args)
    written = _save_results(folder, model, history, settings, X_all, y_all, classification)
    print(f"saved in {folder}{os.sep}: {', '.join(written)}")
    return 0


def _save_results(folder: Path, model: Any, history: Any, settings: dict[str, Any],
                  X: np.ndarray, y: np.ndarray, classification: bool) -> list[str]:
    """Write the model, the history, the settings and the picture; return what was written."""
    folder.mkdir(parents=True, exist_ok=True)
    model.save(folder / "model.safetensors")
    columns = {"epoch": [e + 1 for e in history.epoch], **history.history}
    (folder / "history.json").write_text(  # one line per curve: readable, and plot_history's input
        "{\n" + ",\n".join(f" {json.dumps(name)}: {json.dumps(values)}"
                            for name, values in columns.items()) + "\n}\n")
    (folder / "run.json").write_text(json.dumps(settings, indent=1) + "\n")
    written = ["model.safetensors (the weights: Module.load)", "history.json", "run.json"]
    if _draw_training(history, model, X, y, classification, folder / "training.png"):
        written.append("training.png")
    return written


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _layers_text(model: Any) -> str:
    """Linear(2, 16) -> ReLU -> Linear(16, 2)"""
    return " -> ".join(f"Linear({layer.in_features}, {layer.out_features})"
                       if hasattr(layer, "in_features") else type(layer).__name__
                       for layer in model)


def _draw_training(history: Any, model: Any, X: np.ndarray, y: np.ndarray,
                   classification: bool, path: Path) -> bool:
    """Learning curves, and the decision boundary of 2-D data (the fitted curve of 1-D
    regression), into ``path``; False, saying why, when matplotlib is missing."""
    try:
        from matplotlib.figure import Figure  # no pyplot: nothing global changes
    except ImportError:
        print("no picture: matplotlib is not installed (pip install matplotlib, or the "
              "plots extra: pip install 'autograd-core[plots]')")
        return False
    from .plots import plot_decision_boundary, plot_history

    metrics = list(dict.fromkeys(name.removeprefix("val_") for name in history.history))
    extra = (classification and X.shape[1] == 2) or (not classification and X.shape[1] == 1)
    figure = Figure(figsize=(4.5 * (len(metrics) + extra), 4), layout="constrained")
    axes = list(np.atleast_1d(figure.subplots(1, len(metrics) + extra)))
    plot_history(history, metrics=metrics, ax=axes[:len(metrics)] if len(metrics) > 1
                 else axes[0])
    if extra and classification:
        plot_decision_boundary(model, X, y, ax=axes[-1])
        axes[-1].set_title("decision boundary")
    elif extra:
        _draw_fitted_curve(axes[-1], model, X, y)
    figure.savefig(path, dpi=100)
    return True


def _draw_fitted_curve(ax: Any, model: Any, X: np.ndarray, y: np.ndarray) -> None:
    xs = np.linspace(X.min(), X.max(), 200).reshape(-1, 1)
    model.eval()
    with no_grad():
        ys = model(Tensor(xs)).data
    ax.scatter(X[:, 0], y[:, 0], s=8, alpha=0.5, label="data")
    ax.plot(xs[:, 0], ys[:, 0], color="black", label="model")
    ax.set_title("fitted curve")
    ax.legend()


def run_datasets(args: argparse.Namespace) -> int:
    """List the registry's data sets: kind, task, sizes, and for downloads whether cached."""
    from .nn.datasets import list_datasets

    infos = list_datasets()
    width = max(len(info.name) for info in infos)
    print(f"{'name':<{width}}  {'kind':<9}  {'task':<14}  features  classes  cached  "
          "description")
    for info in infos:
        cached = ("yes" if info.is_cached(args.cache_dir) else "no") \
            if info.kind == "download" else "-"
        classes = "-" if info.n_classes is None else str(info.n_classes)
        print(f"{info.name:<{width}}  {info.kind:<9}  {info.task:<14}  {info.n_features:>8}  "
              f"{classes:>7}  {cached:<6}  {info.description}")
    downloads = [info for info in infos if info.kind == "download"]
    if downloads:
        folder = downloads[0].cache_folder(args.cache_dir).parent
        print(f"cached: whether a download is on disk and verified ('-': nothing to "
              f"download); downloads are cached in {folder} (change it with --cache-dir or "
              "the AUTOGRAD_CORE_DATA environment variable)")
    return 0


# ---- playground ---------------------------------------------------------------------------------


def run_playground(args: argparse.Namespace) -> int:
    """Serve the playground page on 127.0.0.1 until Ctrl-C or until its page is closed."""
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be from 0 to 65535 (0: any free port), got {args.port}")
    try:
        from .playground.server import listen, serve
    except ModuleNotFoundError as error:
        if error.name and error.name.split(".")[0] in ("starlette", "uvicorn"):
            raise CommandError(f"the playground needs {error.name}: pip install "
                               "'autograd-core[playground]'") from None
        raise
    try:
        sock = listen(args.port)
    except OSError as error:
        raise CommandError(f"cannot listen on 127.0.0.1:{args.port}: {error.strerror or error} "
                           "(choose another --port, or --port 0 for any free one)") from None
    serve(sock, open_browser=args.browser)
    return 0


# ---- the parser ---------------------------------------------------------------------------------

_EXPR_HELP = ("the formula, quoted, e.g. \"tanh(w*x + b)\": numbers, variables, + - * / **, "
              f"parentheses and the functions {' '.join(FUNCTIONS)} (one that starts with '-' "
              "needs a space in front, \" -x*y\", or to come last, after --)")
_AT_HELP = "the point: a value for every variable of EXPR, e.g. --at w=-2 x=1.5 b=0.5"


def _add_expression_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("expression", metavar="EXPR", help=_EXPR_HELP)
    parser.add_argument("--at", nargs="+", type=_binding, required=True, metavar="NAME=NUMBER",
                        help=_AT_HELP)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command (each subparser's ``run`` does the work)."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="autograd-core: draw and check derivatives of formulas, train "
        "small networks, list data sets, open the playground.",
        epilog=f"'{PROG} COMMAND --help' describes one command. Exit status: 0 done, 1 failed, "
        "2 bad arguments.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    graph = commands.add_parser(
        "graph", help="draw a formula's computation graph with data and gradients",
        description="Evaluate EXPR at the point given by --at, run backward, and draw the "
        "graph: every node's data and gradient. Prints the value and each derivative.")
    _add_expression_arguments(graph)
    graph.add_argument("-o", "--output", default="graph.svg", metavar="FILE",
                       help="where to write the picture; its format from the suffix: .svg, "
                            ".png, or .dot for the Graphviz text (default: graph.svg)")
    graph.add_argument("--rankdir", choices=RANKDIRS, default="LR",
                       help="direction the data flows in the picture (default: LR)")
    graph.set_defaults(run=run_graph, parser=graph)

    check = commands.add_parser(
        "check", help="compare backward's derivatives with finite differences",
        description="Evaluate EXPR at the point given by --at and compare each derivative "
        "from backward with central differences (f(x+eps) - f(x-eps)) / 2 eps. Exit status 1 "
        "when one disagrees.")
    _add_expression_arguments(check)
    check.add_argument("--eps", type=float, default=1e-6, help="step (default: 1e-6)")
    check.add_argument("--atol", type=float, default=1e-5,
                       help="absolute tolerance (default: 1e-5)")
    check.add_argument("--rtol", type=float, default=1e-3,
                       help="relative tolerance (default: 1e-3)")
    check.set_defaults(run=run_check, parser=check)

    train = commands.add_parser(
        "train", help="train a small network on a data set",
        description="Train an MLP (Linear layers with an activation between them) on a data "
        "set with nn.fit, showing a progress bar per epoch, then save the model, its history "
        "and a picture (learning curves; the decision boundary of 2-D data) in a folder named "
        f"at the end. '{PROG} datasets' lists the data sets.")
    train.add_argument("--dataset", default="moons", metavar="NAME",
                       help="the data set (default: moons)")
    train.add_argument("--hidden", nargs="*", type=int, default=[16, 16], metavar="SIZE",
                       help="hidden layer sizes; none for a linear model (default: 16 16)")
    train.add_argument("--activation", choices=ACTIVATIONS, default="relu",
                       help="between the layers (default: relu)")
    train.add_argument("--optimizer", choices=OPTIMIZERS, default="adam",
                       help="(default: adam)")
    train.add_argument("--lr", type=float, help="learning rate (default: 0.1 for sgd and "
                                                "adagrad, 0.01 for the others)")
    train.add_argument("--epochs", type=int, default=30, help="(default: 30)")
    train.add_argument("--batch-size", type=int, default=32, help="(default: 32)")
    train.add_argument("--seed", type=int, default=0,
                       help="seeds the data, the initial weights and the shuffling (default: 0)")
    train.add_argument("--test-size", type=float, default=0.2,
                       help="fraction held out for validation, 0 for none; data sets with a "
                            "split of their own (digits, MNIST) keep it (default: 0.2)")
    train.add_argument("--samples", type=int, help="samples to generate (generated sets)")
    train.add_argument("--noise", type=float, help="noise of a generated set")
    train.add_argument("--cache-dir", help="where downloaded data sets are cached")
    train.add_argument("-o", "--output-dir", metavar="DIR",
                       help="where to save the results (default: runs/<dataset>-<n>, new)")
    train.add_argument("--no-progress", dest="progress", action="store_false",
                       help="no progress bars")
    train.set_defaults(run=run_train, parser=train)

    datasets = commands.add_parser(
        "datasets", help="list the data sets and which are cached",
        description="List the data sets that 'train --dataset' takes; for the downloaded "
        "ones, whether they are cached (complete, with the published SHA-256).")
    datasets.add_argument("--cache-dir", help="the cache folder to look in")
    datasets.set_defaults(run=run_datasets, parser=datasets)

    playground = commands.add_parser(
        "playground", help="train a small network in the browser and look inside it",
        description="Start the playground, a web page on this machine (127.0.0.1 only): pick "
        "a 2-D data set, features, hidden layers, activation and learning rate, press play "
        "and watch the decision boundary and every neuron learn; click a neuron or a weight "
        "to see its computation graph and chain rule. Stops on Ctrl-C or when the page is "
        "closed. Needs the playground extra: pip install 'autograd-core[playground]'.")
    playground.add_argument("--port", type=int, default=8765,
                            help="the port to serve on; 0 for any free one (default: 8765)")
    playground.add_argument("--no-browser", dest="browser", action="store_false",
                            help="do not open the page in a web browser")
    playground.set_defaults(run=run_playground, parser=playground)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command (``argv`` defaults to ``sys.argv[1:]``); return the exit status."""
    try:
        args = build_parser().parse_args(argv)
        return _run(args)
    except SystemExit as leaving:  # argparse's --help, --version and usage errors
        code = leaving.code
        return code if isinstance(code, int) else (0 if code is None else 1)


def _run(args: argparse.Namespace) -> int:
    try:
        return args.run(args)
    except UsageError as error:
        args.parser.error(str(error))  # the command's usage line and the reason; exits with 2
    except CommandError as error:
        print(f"{PROG} {args.command}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG} {args.command}: interrupted", file=sys.stderr)
        return 130
