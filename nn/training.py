"""``fit``: the training loop everyone writes, as one call; ``evaluate`` beside it.

The body of ``fit``'s loop is the one of every PyTorch script::

    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()

Around it ``fit`` does what each hand-written loop does again: epochs, the means of the loss
and of ``metrics`` per epoch (a ``History``), validation in eval mode without a graph, a
progress bar, a learning-rate scheduler stepped once per epoch, and callbacks such as
``EarlyStopping``. It is a shortcut, not a framework: when a model needs something else,
copy the loop and change it.

Means over an epoch weight each batch by its number of samples (as Keras does), so a smaller
last batch counts for what it holds: for a loss with ``reduction="mean"`` the recorded loss is
the mean loss per sample, and ``accuracy`` is the fraction of the epoch's samples that were
right. The training values are measured on the fly, while the weights change (as Keras and
the usual PyTorch loop do); the validation values after the epoch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from numbers import Integral
from typing import Any

import numpy as np

from autograd_core import Tensor, no_grad

from . import functional as F
from .losses import BCEWithLogitsLoss
from .module import Module
from .optim import GD, LBFGS, Newton, Optimizer
from .optim.lr_scheduler import LRScheduler

__all__ = ["Callback", "EarlyStopping", "History", "accuracy", "evaluate", "fit", "mae", "mse"]

Metric = Callable[[np.ndarray, np.ndarray], float]
Metrics = Sequence[str | Metric] | Mapping[str, str | Metric] | str | None


# ---- metrics: functions of (outputs, targets) as numpy arrays ----------------------------------

def _targets_of(targets: Any) -> np.ndarray:
    return targets.data if isinstance(targets, Tensor) else np.asarray(targets)


def accuracy(output: np.ndarray, target: np.ndarray, *, threshold: float | None = None
             ) -> float:
    """The fraction of samples whose predicted class is the target's.

    ``output`` of shape (N, C), C >= 2: class scores; the prediction is the argmax, and
    ``target`` holds N class indices (or (N, C) one-hot rows or probabilities: their argmax).
    ``output`` of shape (N,) or (N, 1): one score per sample, ``target`` labels in {0, 1} or
    {-1, +1}; positive means output > ``threshold``, by default 0.5 for 0/1 labels
    (probabilities) and 0 for -1/+1 labels (signs). For logits and 0/1 labels pass
    ``threshold=0`` (``fit`` and ``evaluate`` do so for ``BCEWithLogitsLoss``).
    """
    output, target = np.asarray(output), np.asarray(target)
    n = len(output) if output.ndim else 0
    if output.ndim == 2 and output.shape[1] >= 2:
        if target.shape == output.shape:
            return float(np.mean(output.argmax(axis=1) == target.argmax(axis=1)))
        if target.size != n:
            raise ValueError(f"accuracy: outputs of shape {output.shape} need {n} class "
                             f"labels, got targets of shape {target.shape}")
        return float(np.mean(output.argmax(axis=1) == target.reshape(n)))
    if output.ndim not in (1, 2) or output.size != n or target.size != n:
        raise ValueError(f"accuracy: expected outputs of shape (N, C) (class scores) or (N,) / "
                         f"(N, 1) (one score) and N labels, got outputs of shape {output.shape} "
                         f"and targets of shape {target.shape}")
    labels = target.reshape(n)
    signs = bool(np.any(labels < 0))
    allowed = (-1, 1) if signs else (0, 1)
    if not np.all(np.isin(labels, allowed)):
        odd = labels[~np.isin(labels, allowed)][0]
        raise ValueError(f"accuracy: one output per sample needs labels in {{0, 1}} or "
                         f"{{-1, +1}}, got {odd!r}; for regression use metrics=('mse',) or "
                         "('mae',), or metrics=() for none")
    if threshold is None:
        threshold = 0.0 if signs else 0.5
    return float(np.mean((output.reshape(n) > threshold) == (labels > 0)))


def _same_size(name: str, output: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``target`` in ``output``'s shape: (N,) and (N, 1) pair up, nothing is broadcast."""
    output, target = np.asarray(output), np.asarray(target)
    if target.size != output.size:
        raise ValueError(f"{name}: outputs of shape {output.shape} and targets of shape "
                         f"{target.shape} do not have the same number of elements")
    return target.reshape(output.shape)


def mse(output: np.ndarray, target: np.ndarray) -> float:
    """Mean squared error, mean of (output - target)^2 over all elements."""
    return float(np.mean((np.asarray(output) - _same_size("mse", output, target)) ** 2))


def mae(output: np.ndarray, target: np.ndarray) -> float:
    """Mean absolute error, mean of |output - target| over all elements."""
    return float(np.mean(np.abs(np.asarray(output) - _same_size("mae", output, target))))


_BUILT_IN: dict[str, Metric] = {"accuracy": accuracy, "mse": mse, "mae": mae}


def _takes_logits(loss_fn: Any) -> bool:
    """Whether ``loss_fn`` reads a single output as a logit (class boundary at 0, not 0.5)."""
    return isinstance(loss_fn, BCEWithLogitsLoss) or loss_fn is F.binary_cross_entropy_with_logits


def _metric_functions(metrics: Metrics, loss_fn: Any, op: str) -> dict[str, Metric]:
    """name -> function(outputs, targets) for ``metrics``: built-in names, named functions,
    or a dict name -> either."""
    if metrics is None:
        return {}
    if isinstance(metrics, str):
        metrics = (metrics,)
    if isinstance(metrics, Mapping):
        named = list(metrics.items())
    elif isinstance(metrics, Iterable):
        named = [(m if isinstance(m, str) else getattr(m, "__name__", None), m) for m in metrics]
    else:
        raise TypeError(f"{op}: metrics must be a sequence of names or functions, or a dict "
                        f"name -> function, got {type(metrics).__name__}")
    functions: dict[str, Metric] = {}
    for name, metric in named:
        if isinstance(metric, str):
            if metric not in _BUILT_IN:
                raise ValueError(f"{op}: unknown metric {metric!r}; the built-in ones are "
                                 f"{', '.join(_BUILT_IN)}, or pass a function "
                                 "f(outputs, targets) -> float")
            metric = _BUILT_IN[metric]
            if metric is accuracy and _takes_logits(loss_fn):
                metric = partial(accuracy, threshold=0.0)
        elif not callable(metric):
            raise TypeError(f"{op}: a metric must be a name or a function f(outputs, targets) "
                            f"-> float, got {type(metric).__name__}")
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"{op}: metric {metric!r} has no usable name ({name!r}); define "
                             "it with def, or pass a dict such as {'f1': f1}")
        if name in functions or name in ("loss", "lr") or name.startswith("val_"):
            raise ValueError(f"{op}: metric name {name!r} is taken (repeated, or 'loss', "
                             "'lr', 'val_...')")
        functions[name] = metric
    return functions


# ---- small pieces of the loop -----------------------------------------------------------------

class _EpochMeans:
    """Means of per-batch values over an epoch, each batch weighted by its sample count."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self.count = 0

    def add(self, values: Mapping[str, float], batch_size: int) -> None:
        for name, value in values.items():
            self.totals[name] = self.totals.get(name, 0.0) + value * batch_size
        self.count += batch_size

    def means(self) -> dict[str, float]:
        return {name: total / self.count for name, total in self.totals.items()}


def _pairs(loader: Iterable[Any], op: str, name: str) -> Iterator[tuple[Any, Any]]:
    """The loader's batches, each checked to be a pair (inputs, targets)."""
    for batch in loader:
        if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
            shape = f"a {type(batch).__name__}" + (f" of {len(batch)}" if isinstance(
                batch, (tuple, list)) else "")
            raise TypeError(f"{op}: each batch of {name} must be a pair (inputs, targets), "
                            f"got {shape}")
        yield batch[0], batch[1]


def _batch_size(targets: Any, op: str) -> int:
    if np.ndim(targets) == 0:
        raise ValueError(f"{op}: targets must have one entry per sample (a batch axis), got "
                         f"a 0-d {type(targets).__name__}")
    return len(targets)


def _batch_values(loss: Any, outputs: Any, targets: Any, metrics: Mapping[str, Metric],
                  op: str) -> dict[str, float]:
    """The batch's loss (if any) and metrics, as floats."""
    values = {}
    if loss is not None:
        values["loss"] = loss.item()
    if metrics:
        if not isinstance(outputs, Tensor):
            raise TypeError(f"{op}: the model must return a Tensor to compute metrics, got "
                            f"{type(outputs).__name__}")
        target_array = _targets_of(targets)
        for name, metric in metrics.items():
            values[name] = float(metric(outputs.data, target_array))
    return values


def _checked_loss(loss: Any, op: str) -> Tensor:
    if not isinstance(loss, Tensor) or loss.size != 1:
        got = f"shape {loss.shape}" if isinstance(loss, Tensor) else type(loss).__name__
        raise TypeError(f"{op}: loss_fn must return a one-element Tensor (a loss with "
                        f"reduction 'mean' or 'sum'), got {got}")
    return loss


@contextmanager
def _restoring_modes(model: Module) -> Iterator[None]:
    """Give every sub-module back its own training flag afterwards, whatever happens inside."""
    saved = [(module, module.training) for module in model.modules()]
    try:
        yield
    finally:
        for module, training in saved:
            module.training = training


def _progress_bar(total: int | None, description: str, enabled: bool) -> Any:
    # Imported here: tqdm.auto pulls in asyncio (0.1 s), which importing nn should not cost.
    # A disabled bar comes from plain tqdm: tqdm.auto would warn in a Jupyter kernel without
    # ipywidgets even when nothing is shown.
    if not enabled:
        from tqdm import tqdm as silent

        return silent(total=total, disable=True)
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=description, unit="batch", dynamic_ncols=True)


def _formatted(logs: Mapping[str, float]) -> dict[str, str]:
    return {name: f"{value:.4g}" for name, value in logs.items()}


# ---- evaluate ---------------------------------------------------------------------------------

def evaluate(model: Module, loader: Iterable[Any], metrics: Metrics = ("accuracy",),
             loss_fn: Callable[[Any, Any], Tensor] | None = None) -> dict[str, float]:
    """The model's ``metrics`` (and loss, with ``loss_fn``) over every batch of ``loader``.

    Runs in eval mode (dropout off, batch norm on running statistics) under ``no_grad`` (no
    graph is recorded), and gives every module back its mode afterwards. Returns
    {"loss": ..., "accuracy": ...}: means over the samples (each batch weighted by its size).
    ``loss_fn`` also tells ``accuracy`` whether a single output is a logit
    (``BCEWithLogitsLoss``: class boundary at 0).
    """
    _check_model(model, "evaluate")
    _check_loader(loader, "evaluate", "loader")
    if loss_fn is not None and not callable(loss_fn):
        raise TypeError(f"evaluate: loss_fn must be callable, got {type(loss_fn).__name__}")
    functions = _metric_functions(metrics, loss_fn, "evaluate")
    means = _EpochMeans()
    with _restoring_modes(model), no_grad():
        model.eval()
        for inputs, targets in _pairs(loader, "evaluate", "loader"):
            outputs = model(inputs)
            loss = None if loss_fn is None else _checked_loss(loss_fn(outputs, targets),
                                                              "evaluate")
            values = _batch_values(loss, outputs, targets, functions, "evaluate")
            means.add(values, _batch_size(targets, "evaluate"))
    if means.count == 0:
        raise ValueError("evaluate: loader gave no samples")
    return means.means()


# ---- History and callbacks ----------------------------------------------------------------------

class History:
    """What ``fit`` recorded, epoch by epoch (as Keras's ``History``).

    ``history`` maps each name to one float per epoch: "loss" and the metrics on the
    training data, "val_loss" and "val_<metric>" with a validation loader, "lr" (the rate the
    epoch trained with) with a scheduler. ``epoch`` lists the epochs' 0-based numbers;
    ``history["loss"]`` is ``history.history["loss"]``. ``autograd_core.plots.plot_history``
    draws it, and ``json.dump(history.history, file)`` saves it.
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def _record(self, epoch: int, logs: Mapping[str, float]) -> None:
        self.epoch.append(epoch)
        for name, value in logs.items():
            self.history.setdefault(name, []).append(value)

    def __getitem__(self, name: str) -> list[float]:
        try:
            return self.history[name]
        except KeyError:
            raise KeyError(f"History: nothing recorded as {name!r}; recorded: "
                           f"{sorted(self.history)}") from None

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, names={list(self.history)})"


class Callback:
    """The hooks ``fit`` calls; override any (here they do nothing).

    A callback may be any object with some of these methods, or a plain function
    ``f(epoch, logs)``, which is called as ``on_epoch_end``.
    """

    def on_train_begin(self, model: Module) -> None:
        """Before the first epoch."""

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float]) -> bool | None:
        """After each epoch (0-based ``epoch``), with what it recorded; True stops training."""
        return None

    def on_train_end(self, model: Module) -> None:
        """After the last epoch, or after a callback stopped training."""


def _mode_for(monitor: str) -> str:
    """'max' for an accuracy, 'min' for a loss or an error; others must say."""
    name = monitor.removeprefix("val_")
    if "acc" in name:
        return "max"
    if name in ("loss", "mse", "mae") or name.endswith("loss"):
        return "min"
    raise ValueError(f"EarlyStopping: cannot tell whether {monitor!r} should go up or down; "
                     "pass mode='min' or mode='max'")


class EarlyStopping(Callback):
    """Stop training once ``monitor`` has not improved for ``patience`` epochs in a row.

    An epoch improves on the best so far when its value is below best - ``min_delta``
    (``mode="min"``) or above best + ``min_delta`` (``mode="max"``); ``mode="auto"`` takes
    "max" for accuracies and "min" for losses and errors. With ``restore_best_weights`` the
    model gets back its parameters and buffers from the best epoch when training ends,
    stopped early or not (the optimizer's state is not restored). Afterwards ``best``,
    ``best_epoch`` (0-based) and ``stopped_epoch`` (None if every epoch ran) tell what
    happened.
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 3, mode: str = "auto",
                 min_delta: float = 0.0, restore_best_weights: bool = True) -> None:
        if not isinstance(monitor, str):
            raise TypeError(f"EarlyStopping: monitor must be a name such as 'val_loss', got "
                            f"{type(monitor).__name__}")
        if not isinstance(patience, Integral) or isinstance(patience, bool) or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be an int >= 0, got {patience!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}")
        if not (isinstance(min_delta, (int, float)) and min_delta >= 0):
            raise ValueError(f"EarlyStopping: min_delta must be a number >= 0, got "
                             f"{min_delta!r}")
        self.monitor = monitor
        self.patience = int(patience)
        self.mode = _mode_for(monitor) if mode == "auto" else mode
        self.min_delta = float(min_delta)
        self.restore_best_weights = bool(restore_best_weights)
        self.on_train_begin(None)

    def on_train_begin(self, model: Module | None) -> None:
        self.model = model
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self.wait = 0
        self.best_state: dict[str, np.ndarray] | None = None

    def _improves(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta  # NaN never improves, either way

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float]) -> bool:
        if self.monitor not in logs:
            hint = (" (pass val_loader to fit for validation values)"
                    if self.monitor.startswith("val_") else "")
            raise ValueError(f"EarlyStopping: monitor {self.monitor!r} is not among the "
                             f"recorded values {sorted(logs)}{hint}")
        value = logs[self.monitor]
        if self._improves(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights and self.model is not None:
                self.best_state = self.model.state_dict()  # copies
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def on_train_end(self, model: Module) -> None:
        if self.restore_best_weights and self.best_state is not None:
            model.load_state_dict(self.best_state)

    def __repr__(self) -> str:
        return (f"EarlyStopping(monitor={self.monitor!r}, patience={self.patience}, "
                f"mode={self.mode!r}, min_delta={self.min_delta}, "
                f"restore_best_weights={self.restore_best_weights})")


_HOOKS = ("on_train_begin", "on_epoch_end", "on_train_end")


def _call(callback: Any, name: str, *args: Any) -> Any:
    """Call the callback's hook ``name`` if it has one; a plain function is on_epoch_end."""
    hook = getattr(callback, name, None)
    if hook is None and name == "on_epoch_end" and not any(hasattr(callback, h)
                                                            for h in _HOOKS):
        hook = callback
    return None if hook is None else hook(*args)


def _check_callbacks(callbacks: Any) -> list[Any]:
    if isinstance(callbacks, (str, bytes)) or not isinstance(callbacks, Iterable) \
            or isinstance(callbacks, Callback):
        raise TypeError(f"fit: callbacks must be a list of callbacks, got "
                        f"{type(callbacks).__name__} (wrap a single one in a list)")
    callbacks = list(callbacks)
    for i, callback in enumerate(callbacks):
        if not (callable(callback) or any(hasattr(callback, h) for h in _HOOKS)):
            raise TypeError(f"fit: callbacks[{i}] is a {type(callback).__name__}, not a "
                            "callback (an object with on_epoch_end etc., or a function "
                            "f(epoch, logs))")
    return callbacks


# ---- argument checks --------------------------------------------------------------------------

def _check_model(model: Any, op: str) -> None:
    if not isinstance(model, Module):
        raise TypeError(f"{op}: model must be an nn.Module (it needs train() and eval()), got "
                        f"{type(model).__name__}")


def _check_loader(loader: Any, op: str, name: str) -> None:
    if not isinstance(loader, Iterable):
        raise TypeError(f"{op}: {name} must be a DataLoader or another iterable of "
                        f"(inputs, targets) batches, got {type(loader).__name__}")
    if iter(loader) is loader:
        raise TypeError(f"{op}: {name} is an iterator, which is used up after one pass; pass "
                        "a DataLoader or a list of batches")


def _check_fit_arguments(model: Any, loss_fn: Any, optimizer: Any, train_loader: Any,
                         epochs: Any, val_loader: Any, progress: Any, scheduler: Any) -> None:
    _check_model(model, "fit")
    if not callable(loss_fn):
        raise TypeError(f"fit: loss_fn must be callable (e.g. nn.CrossEntropyLoss()), got "
                        f"{type(loss_fn).__name__}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"fit: optimizer must be an nn.optim optimizer, got "
                        f"{type(optimizer).__name__}")
    if isinstance(optimizer, (GD, LBFGS, Newton)):
        raise TypeError(f"fit: {type(optimizer).__name__} needs a closure in step(), and fit "
                        "calls step() without one; write the loop by hand (see the "
                        f"{type(optimizer).__name__} docstring)")
    _check_loader(train_loader, "fit", "train_loader")
    if val_loader is not None:
        _check_loader(val_loader, "fit", "val_loader")
    if not isinstance(epochs, Integral) or isinstance(epochs, bool) or epochs < 1:
        raise ValueError(f"fit: epochs must be an int >= 1, got {epochs!r}")
    if not isinstance(progress, bool):
        raise TypeError(f"fit: progress must be True or False, got {progress!r}")
    if scheduler is not None:
        if not isinstance(scheduler, LRScheduler):
            raise TypeError(f"fit: scheduler must be an nn.optim.lr_scheduler scheduler, got "
                            f"{type(scheduler).__name__}")
        if scheduler.optimizer is not optimizer:
            raise ValueError("fit: scheduler was built for another optimizer than the one "
                             "given; its steps would change nothing here")


# ---- fit --------------------------------------------------------------------------------------

def fit(model: Module, loss_fn: Callable[[Any, Any], Tensor], optimizer: Optimizer,
        train_loader: Iterable[Any], epochs: int, val_loader: Iterable[Any] | None = None,
        metrics: Metrics = ("accuracy",), callbacks: Sequence[Any] = (),
        progress: bool = True, scheduler: LRScheduler | None = None) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_loader``; return the ``History``.

    Each batch (inputs, targets) takes the usual four steps: ``optimizer.zero_grad()``,
    ``loss = loss_fn(model(inputs), targets)``, ``loss.backward()``, ``optimizer.step()``,
    in training mode (``model.train()``). After each epoch: ``evaluate`` on ``val_loader``
    (eval mode, no graph), one ``scheduler.step()``, then the callbacks' ``on_epoch_end``.

    ``metrics``: "accuracy" (class scores or one score per sample; see ``accuracy``), "mse",
    "mae", or functions f(outputs, targets) -> float of numpy arrays, named by their
    ``__name__`` (or a dict name -> metric); for regression pass ("mse",) or (). ``progress``:
    a bar per epoch (``tqdm.auto``: a widget in Jupyter, text on stderr in a terminal), False
    prints nothing. The model's modules get their modes back at the end.
    """
    _check_fit_arguments(model, loss_fn, optimizer, train_loader, epochs, val_loader,
                         progress, scheduler)
    functions = _metric_functions(metrics, loss_fn, "fit")
    callbacks = _check_callbacks(callbacks)
    total = len(train_loader) if hasattr(train_loader, "__len__") else None
    history = History()
    for callback in callbacks:
        _call(callback, "on_train_begin", model)
    with _restoring_modes(model):
        for epoch in range(epochs):
            lr = optimizer.param_groups[0]["lr"]
            bar = _progress_bar(total, f"Epoch {epoch + 1}/{epochs}", progress)
            try:
                model.train()
                means = _EpochMeans()
                for inputs, targets in _pairs(train_loader, "fit", "train_loader"):
                    optimizer.zero_grad()
                    outputs = model(inputs)
                    loss = _checked_loss(loss_fn(outputs, targets), "fit")
                    loss.backward()
                    optimizer.step()
                    means.add(_batch_values(loss, outputs, targets, functions, "fit"),
                              _batch_size(targets, "fit"))
                    bar.update()
                    bar.set_postfix(loss=f"{means.means()['loss']:.4g}", refresh=False)
                if means.count == 0:
                    raise ValueError(f"fit: train_loader gave no samples in epoch {epoch}")
                logs = means.means()
                if val_loader is not None:
                    scores = evaluate(model, val_loader, functions, loss_fn)
                    logs.update({f"val_{name}": value for name, value in scores.items()})
                if scheduler is not None:
                    logs["lr"] = lr
                bar.set_postfix(_formatted(logs))
            finally:
                bar.close()
            history._record(epoch, logs)
            if scheduler is not None:
                scheduler.step()
            # A list, not any(...): every callback sees every epoch, even after a stop vote.
            if any([_call(callback, "on_epoch_end", epoch, dict(logs))
                    for callback in callbacks]):
                break
    for callback in callbacks:
        _call(callback, "on_train_end", model)
    return history

