"""nn.fit, nn.evaluate, History, EarlyStopping and the metrics: the loop learns, records what
it says, stops and restores exactly, steps schedulers per epoch, and shows (or hides) progress."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from autograd_core import Tensor, is_grad_enabled, nn
from autograd_core.nn.data import DataLoader, TensorDataset
from autograd_core.nn.training import accuracy, mae, mse


def target_mean(output: np.ndarray, target: np.ndarray) -> float:
    """A metric that only reads the targets."""
    return float(np.mean(target))


def quadrants(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """XOR of the signs of two coordinates (kept 0.1 away from the axes): a problem no linear
    model solves."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.1, 1, size=(n, 2)) * rng.choice([-1.0, 1.0], size=(n, 2))
    return X, ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(np.int64)


def small_model(seed: int = 0, outputs: int = 2) -> nn.Module:
    nn.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, outputs))


def loaders(n: int = 200, batch_size: int = 20) -> tuple[DataLoader, DataLoader]:
    X, y = quadrants(n, seed=0)
    X_val, y_val = quadrants(n // 2, seed=1)
    train = DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=True,
                       generator=np.random.default_rng(0))
    return train, DataLoader(TensorDataset(X_val, y_val), batch_size=50)


class Recorder(nn.Module):
    """A loss that records each batch's loss, batch size and the learning rate in use."""

    def __init__(self, loss_fn: Any, optimizer: Any = None) -> None:
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.batches: list[tuple[float, int, bool]] = []
        self.lrs: list[float] = []

    def forward(self, output: Tensor, target: Any) -> Tensor:
        loss = self.loss_fn(output, target)
        self.batches.append((loss.item(), len(target), is_grad_enabled()))
        if self.optimizer is not None:
            self.lrs.append(self.optimizer.param_groups[0]["lr"])
        return loss


# ---- learning and History ------------------------------------------------------------------------

def test_fit_learns_xor_quadrants_to_high_accuracy() -> None:
    train, val = loaders()
    model = small_model()
    optimizer = nn.optim.Adam(model.parameters(), lr=0.05)
    history = nn.fit(model, nn.CrossEntropyLoss(), optimizer, train, epochs=40,
                     val_loader=val, progress=False)
    assert history["val_accuracy"][-1] >= 0.98
    assert history["loss"][-1] < 0.25 * history["loss"][0]
    scores = nn.evaluate(model, val, loss_fn=nn.CrossEntropyLoss())
    assert scores["accuracy"] == history["val_accuracy"][-1]
    assert scores["loss"] == history["val_loss"][-1]


def test_fit_learns_with_a_single_logit_and_bce_with_logits() -> None:
    X, y = quadrants(200, seed=0)
    loader = DataLoader(TensorDataset(X, y[:, None].astype(np.float64)), batch_size=20,
                        shuffle=True, generator=np.random.default_rng(0))
    model = small_model(outputs=1)
    history = nn.fit(model, nn.BCEWithLogitsLoss(), nn.optim.Adam(model.parameters(), lr=0.05),
                     loader, epochs=40, progress=False)
    assert history["accuracy"][-1] >= 0.95


def test_history_has_one_value_per_epoch_under_keras_names() -> None:
    train, val = loaders()
    model = small_model()
    history = nn.fit(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.1),
                     train, epochs=3, val_loader=val, metrics=("accuracy", target_mean),
                     progress=False)
    assert isinstance(history, nn.History)
    assert list(history.history) == ["loss", "accuracy", "target_mean", "val_loss",
                                     "val_accuracy", "val_target_mean"]
    assert history.epoch == [0, 1, 2]
    assert all(len(values) == 3 for values in history.history.values())
    assert all(isinstance(v, float) for values in history.history.values() for v in values)
    assert history["loss"] is history.history["loss"]
    with pytest.raises(KeyError, match="nothing recorded as 'lr'"):
        history["lr"]


def test_recorded_loss_and_metrics_are_the_epoch_means_over_samples() -> None:
    # 10 samples in batches of 4, 4, 2: the batches are weighted by their sizes.
    X, y = quadrants(10, seed=3)
    loader = DataLoader(TensorDataset(X, y), batch_size=4)
    model = small_model()
    correct: list[float] = []

    def hits(output: np.ndarray, target: np.ndarray) -> float:
        correct.append(float(np.sum(output.argmax(axis=1) == target)))
        return float(np.mean(output.argmax(axis=1) == target))

    recorder = Recorder(nn.CrossEntropyLoss())
    history = nn.fit(model, recorder, nn.optim.SGD(model.parameters(), lr=0.5), loader,
                     epochs=2, metrics=("accuracy", hits), progress=False)
    for epoch in range(2):
        losses, sizes, _ = zip(*recorder.batches[3 * epoch:3 * epoch + 3])
        assert sizes == (4, 4, 2)
        expected = sum(loss * size for loss, size in zip(losses, sizes)) / 10
        assert history["loss"][epoch] == pytest.approx(expected, rel=1e-15)
        assert history["hits"][epoch] == pytest.approx(sum(correct[3 * epoch:3 * epoch + 3])
                                                       / 10, rel=1e-15)
    assert history["accuracy"] == history["hits"]


def test_with_equal_batches_the_recorded_loss_is_the_plain_mean_of_batch_losses() -> None:
    X, y = quadrants(12, seed=4)
    recorder = Recorder(nn.CrossEntropyLoss())
    model = small_model()
    history = nn.fit(model, recorder, nn.optim.SGD(model.parameters(), lr=0.5),
                     DataLoader(TensorDataset(X, y), batch_size=4), epochs=1, metrics=(),
                     progress=False)
    assert list(history.history) == ["loss"]
    assert history["loss"][0] == pytest.approx(np.mean([b[0] for b in recorder.batches]),
                                               rel=1e-15)


def test_regression_with_mse_and_mae_metrics() -> None:
    x = np.linspace(-1, 1, 40)[:, None]
    loader = DataLoader(TensorDataset(x, x ** 2), batch_size=8)
    model = nn.Sequential(nn.Linear(1, 16, generator=np.random.default_rng(0)), nn.Tanh(),
                          nn.Linear(16, 1, generator=np.random.default_rng(1)))
    history = nn.fit(model, nn.MSELoss(), nn.optim.Adam(model.parameters(), lr=0.02), loader,
                     epochs=60, metrics=("mse", "mae"), progress=False)
    assert history["mse"] == pytest.approx(history["loss"], rel=1e-12)  # the same quantity
    assert history["mse"][-1] < 0.01 < history["mse"][0]
    assert history["mae"][-1] < history["mae"][0]


def test_the_default_accuracy_refuses_regression_targets_with_a_hint() -> None:
    x = np.linspace(-1, 1, 8)[:, None]
    model = nn.Linear(1, 1, generator=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"labels in \{0, 1\}.*metrics=\('mse',\)"):
        nn.fit(model, nn.MSELoss(), nn.optim.SGD(model.parameters(), lr=0.1),
               DataLoader(TensorDataset(x, 0.3 * x), batch_size=4), epochs=1, progress=False)


# ---- modes and graphs ----------------------------------------------------------------------------

class ModeSpy(nn.Module):
    """Records (training?, recording a graph?) at every call, and the outputs."""

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.calls: list[tuple[bool, bool]] = []
        self.outputs: list[Tensor] = []

    def forward(self, x: Tensor) -> Tensor:
        self.calls.append((self.training, is_grad_enabled()))
        out = self.model(x)
        self.outputs.append(out)
        return out


def test_fit_trains_in_train_mode_validates_in_eval_mode_and_restores_modes() -> None:
    train, val = loaders(n=40, batch_size=20)
    spy = ModeSpy(nn.Sequential(nn.Linear(2, 8), nn.Dropout(0.5), nn.Linear(8, 2)))
    spy.eval()
    nn.fit(spy, nn.CrossEntropyLoss(), nn.optim.SGD(spy.parameters(), lr=0.1), train,
           epochs=2, val_loader=val, progress=False)
    # per epoch: 2 training batches (train mode, graph), 1 validation batch (eval, no graph)
    assert spy.calls == [(True, True)] * 2 + [(False, False)] + [(True, True)] * 2 + \
        [(False, False)]
    assert not any(m.training for m in spy.modules())  # given back as it came: eval


def test_evaluate_restores_each_modules_mode_and_records_no_graph() -> None:
    inner = nn.Sequential(nn.Linear(2, 4), nn.Dropout(0.9), nn.Linear(4, 2))
    spy = ModeSpy(inner)
    inner[1].eval()  # a mixed state, kept as it is
    _, val = loaders(n=40)
    before = [m.training for m in spy.modules()]
    nn.evaluate(spy, val, loss_fn=nn.CrossEntropyLoss())
    assert [m.training for m in spy.modules()] == before
    assert spy.calls == [(False, False)]
    assert all(not out.requires_grad and not out._parents for out in spy.outputs)
    assert all(p.grad is None for p in spy.parameters())


def test_evaluate_turns_dropout_off() -> None:
    model = nn.Sequential(nn.Linear(2, 64), nn.Dropout(0.5), nn.Linear(64, 2))
    _, val = loaders(n=40)
    scores = [nn.evaluate(model, val, loss_fn=nn.CrossEntropyLoss()) for _ in range(3)]
    assert scores[0] == scores[1] == scores[2]
    assert model.training


def test_evaluate_loss_is_the_loss_over_the_whole_set() -> None:
    X, y = quadrants(23, seed=5)  # batches of 10, 10, 3
    model = small_model()
    scores = nn.evaluate(model, DataLoader(TensorDataset(X, y), batch_size=10),
                         metrics=("accuracy",), loss_fn=nn.CrossEntropyLoss())
    logits = model(Tensor(X))
    assert scores["loss"] == pytest.approx(nn.CrossEntropyLoss()(logits, y).item(), rel=1e-13)
    assert scores["accuracy"] == np.mean(logits.data.argmax(axis=1) == y)
    assert list(scores) == ["loss", "accuracy"]


# ---- metrics -------------------------------------------------------------------------------------

def test_accuracy_of_class_scores_labels_and_one_hot_targets() -> None:
    scores = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [0.0, 1.0, 5.0], [1.0, 0.0, 0.0]])
    assert accuracy(scores, np.array([0, 1, 1, 2])) == 0.5
    assert accuracy(scores, np.array([[0], [1], [2], [0]])) == 1.0
    assert accuracy(scores, np.eye(3)[[0, 1, 2, 1]]) == 0.75


def test_accuracy_of_one_output_per_sample_thresholds_by_label_kind() -> None:
    probabilities = np.array([[0.9], [0.4], [0.6], [0.2]])
    assert accuracy(probabilities, np.array([1, 0, 0, 0])) == 0.75  # threshold 0.5
    scores = np.array([0.3, -2.0, 0.1, -0.1])
    assert accuracy(scores, np.array([1, -1, -1, 1])) == 0.5  # -1/+1 labels: by sign
    assert accuracy(scores, np.array([1, 0, 1, 0]), threshold=0.0) == 1.0
    assert accuracy(scores, np.array([1, 0, 1, 0])) == 0.5


def test_evaluate_reads_one_output_as_a_logit_for_bce_with_logits() -> None:
    class Passthrough(nn.Module):
        def forward(self, x: Tensor) -> Tensor:
            return x

    logits = np.array([[0.3], [-2.0], [0.1], [-0.1]])
    loader = DataLoader(TensorDataset(logits, np.array([[1.0], [0.0], [1.0], [0.0]])),
                        batch_size=4)
    assert nn.evaluate(Passthrough(), loader)["accuracy"] == 0.5  # read as probabilities
    with_logits = nn.evaluate(Passthrough(), loader, loss_fn=nn.BCEWithLogitsLoss())
    assert with_logits["accuracy"] == 1.0
    plain = nn.evaluate(Passthrough(), loader, metrics=("mse", "mae"))
    assert plain["mse"] == pytest.approx(np.mean((logits[:, 0] - [1, 0, 1, 0]) ** 2))
    assert plain["mae"] == pytest.approx(np.mean(np.abs(logits[:, 0] - [1, 0, 1, 0])))


def test_mse_and_mae_pair_n_with_n_by_1_but_never_broadcast() -> None:
    assert mse(np.array([[1.0], [3.0]]), np.array([0.0, 1.0])) == 2.5
    assert mae(np.array([1.0, 3.0]), np.array([[0.0], [1.0]])) == 1.5
    with pytest.raises(ValueError, match="mse: outputs of shape \\(2, 1\\) and targets of shape"):
        mse(np.zeros((2, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="accuracy: outputs of shape \\(2, 3\\) need 2 class"):
        accuracy(np.zeros((2, 3)), np.zeros(3))


# ---- early stopping ------------------------------------------------------------------------------

class ScriptedValues:
    """A validation 'loader' whose targets each epoch carry the next scripted value: the metric
    target_mean then reads exactly that value as val_target_mean."""

    def __init__(self, values: list[float]) -> None:
        self.values = iter(values)

    def __iter__(self) -> Iterator[tuple[Tensor, np.ndarray]]:
        yield Tensor(np.zeros((4, 2))), np.full((4, 2), next(self.values))


class Snapshots(nn.Callback):
    """The model's state at the end of every epoch."""

    def __init__(self) -> None:
        self.states: list[dict[str, np.ndarray]] = []

    def on_train_begin(self, model: nn.Module) -> None:
        self.model = model

    def on_epoch_end(self, epoch: int, logs: Any) -> None:
        self.states.append(self.model.state_dict())


def stopped_run(values: list[float], **kwargs: Any) -> tuple[nn.History, nn.EarlyStopping,
                                                             Snapshots, nn.Module]:
    X, _ = quadrants(40, seed=0)
    train = DataLoader(TensorDataset(X, X[:, ::-1]), batch_size=20)  # regression onto 2 outputs
    model = small_model()
    stopper = nn.EarlyStopping(monitor="val_target_mean", **{"mode": "min", **kwargs})
    snapshots = Snapshots()
    history = nn.fit(model, nn.MSELoss(), nn.optim.SGD(model.parameters(), lr=0.1),
                     train, epochs=len(values), val_loader=ScriptedValues(values),
                     metrics={"target_mean": target_mean}, callbacks=[snapshots, stopper],
                     progress=False)
    return history, stopper, snapshots, model


def test_early_stopping_stops_after_patience_and_restores_the_best_weights_exactly() -> None:
    values = [5.0, 3.0, 4.0, 2.0, 2.5, 2.6, 2.7, 1.0]
    history, stopper, snapshots, model = stopped_run(values, patience=2, mode="min")
    # best at epoch 3 (2.0); epochs 4 and 5 do not improve: stop after epoch 5
    assert history.epoch == [0, 1, 2, 3, 4, 5]
    assert history["val_target_mean"] == values[:6]
    assert (stopper.best, stopper.best_epoch, stopper.stopped_epoch) == (2.0, 3, 5)
    state = model.state_dict()
    assert state.keys() == snapshots.states[3].keys()
    assert all(np.array_equal(state[k], snapshots.states[3][k]) for k in state)
    assert not np.array_equal(state["2.weight"], snapshots.states[5]["2.weight"])


def test_early_stopping_in_max_mode_with_min_delta_and_without_restoring() -> None:
    values = [0.5, 0.6, 0.605, 0.61, 0.9]
    history, stopper, snapshots, model = stopped_run(values, patience=2, mode="max",
                                                     min_delta=0.05,
                                                     restore_best_weights=False)
    # 0.605 and 0.61 are within min_delta of 0.6: two epochs without improvement
    assert history.epoch == [0, 1, 2, 3]
    assert (stopper.best, stopper.best_epoch, stopper.stopped_epoch) == (0.6, 1, 3)
    last = snapshots.states[-1]
    assert all(np.array_equal(v, last[k]) for k, v in model.state_dict().items())


def test_early_stopping_restores_the_best_weights_when_no_stop_happens() -> None:
    values = [3.0, 1.0, 2.0, 2.5]
    history, stopper, snapshots, model = stopped_run(values, patience=5)
    assert len(history.epoch) == 4 and stopper.stopped_epoch is None
    assert all(np.array_equal(v, snapshots.states[1][k]) for k, v in model.state_dict().items())


def test_nan_never_counts_as_an_improvement() -> None:
    _, stopper, _, _ = stopped_run([1.0, float("nan"), float("nan")], patience=2)
    assert (stopper.best, stopper.best_epoch, stopper.stopped_epoch) == (1.0, 0, 2)


def test_early_stopping_mode_auto_and_its_arguments() -> None:
    assert nn.EarlyStopping().mode == "min"
    assert nn.EarlyStopping(monitor="val_accuracy").mode == "max"
    assert nn.EarlyStopping(monitor="mae").mode == "min"
    with pytest.raises(ValueError, match="EarlyStopping: cannot tell whether 'val_f1'"):
        nn.EarlyStopping(monitor="val_f1")
    with pytest.raises(ValueError, match="EarlyStopping: patience must be an int >= 0"):
        nn.EarlyStopping(patience=-1)
    with pytest.raises(ValueError, match="EarlyStopping: mode must be"):
        nn.EarlyStopping(mode="up")
    with pytest.raises(ValueError, match="EarlyStopping: min_delta must be"):
        nn.EarlyStopping(min_delta=-0.1)


def test_early_stopping_on_a_value_that_is_not_recorded_says_what_is() -> None:
    train, _ = loaders(n=40)
    model = small_model()
    with pytest.raises(ValueError, match=r"monitor 'val_loss' is not among the recorded "
                                         r"values \['accuracy', 'loss'\] \(pass val_loader"):
        nn.fit(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.1), train,
               epochs=2, callbacks=[nn.EarlyStopping()], progress=False)


def test_a_plain_function_is_an_epoch_end_callback_and_can_stop_training() -> None:
    train, _ = loaders(n=40)
    model = small_model()
    seen: list[tuple[int, list[str]]] = []

    def stop_after_two(epoch: int, logs: dict[str, float]) -> bool:
        seen.append((epoch, sorted(logs)))
        return epoch == 1

    history = nn.fit(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.1),
                     train, epochs=10, callbacks=[stop_after_two], progress=False)
    assert seen == [(0, ["accuracy", "loss"]), (1, ["accuracy", "loss"])]
    assert history.epoch == [0, 1]


# ---- schedulers ----------------------------------------------------------------------------------

def test_the_scheduler_steps_once_per_epoch_and_the_lr_is_recorded() -> None:
    train, _ = loaders(n=40)  # 2 batches per epoch
    model = small_model()
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    scheduler = nn.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    recorder = Recorder(nn.CrossEntropyLoss(), optimizer)
    history = nn.fit(model, recorder, optimizer, train, epochs=5, scheduler=scheduler,
                     progress=False)
    assert history["lr"] == [0.1, 0.1, 0.05, 0.05, 0.025]
    assert recorder.lrs == [lr for lr in history["lr"] for _ in range(2)]
    # after the 5th epoch's step the rate is epoch 5's: 0.1 * 0.5 ** (5 // 2)
    assert scheduler.last_epoch == 5 and optimizer.param_groups[0]["lr"] == 0.025


def test_a_scheduler_of_another_optimizer_is_refused() -> None:
    train, _ = loaders(n=40)
    model = small_model()
    other = nn.optim.SGD(model.parameters(), lr=0.1)
    scheduler = nn.optim.lr_scheduler.ExponentialLR(other, gamma=0.9)
    with pytest.raises(ValueError, match="fit: scheduler was built for another optimizer"):
        nn.fit(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.1), train,
               epochs=1, scheduler=scheduler, progress=False)


# ---- progress ------------------------------------------------------------------------------------

def test_progress_shows_a_bar_per_epoch_on_stderr(capsys: Any) -> None:
    train, val = loaders(n=40)
    model = small_model()
    nn.fit(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.1), train,
           epochs=2, val_loader=val)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Epoch 1/2" in captured.err and "Epoch 2/2" in captured.err
    assert "2/2" in captured.err and "val_accuracy=" in captured.err


def test_progress_false_prints_nothing(capsys: Any) -> None:
    train, val = loaders(n=40)
    model = small_model()
    nn.fit(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.1), train,
           epochs=2, val_loader=val, progress=False)
    assert capsys.readouterr() == ("", "")


def test_the_bar_comes_from_tqdm_auto(monkeypatch: Any) -> None:
    import tqdm.auto

    made: list[dict[str, Any]] = []
    real = tqdm.auto.tqdm

    def recording(*args: Any, **kwargs: Any) -> Any:
        made.append(kwargs)
        return real(*args, **{**kwargs, "disable": True})

    monkeypatch.setattr(tqdm.auto, "tqdm", recording)
    train, _ = loaders(n=40)
    model = small_model()
    nn.fit(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.1), train,
           epochs=3)
    assert [(k["desc"], k["total"], k.get("disable", False)) for k in made] == \
        [(f"Epoch {e}/3", 2, False) for e in (1, 2, 3)]


def test_without_progress_tqdm_auto_is_not_used(monkeypatch: Any) -> None:
    """tqdm.auto warns in a Jupyter kernel without ipywidgets, even for a hidden bar."""
    import tqdm.auto

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("tqdm.auto used although progress=False")

    monkeypatch.setattr(tqdm.auto, "tqdm", refuse)
    train, _ = loaders(n=40)
    model = small_model()
    history = nn.fit(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.1),
                     train, epochs=2, progress=False)
    assert len(history.history["loss"]) == 2


# ---- bad arguments -------------------------------------------------------------------------------

def fit_with(**changes: Any) -> nn.History:
    train, _ = loaders(n=40)
    model = small_model()
    arguments: dict[str, Any] = {
        "model": model, "loss_fn": nn.CrossEntropyLoss(),
        "optimizer": nn.optim.SGD(model.parameters(), lr=0.1), "train_loader": train,
        "epochs": 1, "progress": False}
    return nn.fit(**{**arguments, **changes})


@pytest.mark.parametrize(("changes", "error", "message"), [
    ({"model": lambda x: x}, TypeError, "model must be an nn.Module"),
    ({"loss_fn": "cross_entropy"}, TypeError, "loss_fn must be callable"),
    ({"optimizer": None}, TypeError, "optimizer must be an nn.optim optimizer"),
    ({"optimizer": nn.optim.LBFGS([Tensor(1.0, requires_grad=True)])}, TypeError,
     "LBFGS needs a closure"),
    ({"train_loader": 5}, TypeError, "train_loader must be a DataLoader or another iterable"),
    ({"train_loader": iter([])}, TypeError, "train_loader is an iterator, which is used up"),
    ({"val_loader": (b for b in [])}, TypeError, "val_loader is an iterator"),
    ({"epochs": 0}, ValueError, "epochs must be an int >= 1, got 0"),
    ({"epochs": 2.0}, ValueError, "epochs must be an int >= 1, got 2.0"),
    ({"progress": "no"}, TypeError, "progress must be True or False"),
    ({"scheduler": 0.5}, TypeError, "scheduler must be an nn.optim.lr_scheduler scheduler"),
    ({"metrics": ("accuracy", "f1")}, ValueError, "unknown metric 'f1'"),
    ({"metrics": (lambda o, t: 0.0,)}, ValueError, "metric .* has no usable name .*pass a dict"),
    ({"metrics": {"loss": mse}}, ValueError, "metric name 'loss' is taken"),
    ({"metrics": ("mse", "mse")}, ValueError, "metric name 'mse' is taken"),
    ({"metrics": 3}, TypeError, "metrics must be a sequence of names or functions"),
    ({"metrics": (3,)}, TypeError, "a metric must be a name or a function"),
    ({"callbacks": nn.EarlyStopping()}, TypeError, "callbacks must be a list of callbacks"),
    ({"callbacks": [3]}, TypeError, r"callbacks\[0\] is a int, not a callback"),
    ({"train_loader": []}, ValueError, "train_loader gave no samples in epoch 0"),
    ({"train_loader": [(np.zeros((2, 2)), np.zeros(2), 1)]}, TypeError,
     "each batch of train_loader must be a pair \\(inputs, targets\\), got a tuple of 3"),
    ({"loss_fn": nn.CrossEntropyLoss(reduction="none")}, TypeError,
     "loss_fn must return a one-element Tensor .* got shape \\(20,\\)"),
])
def test_fit_names_the_bad_argument(changes: dict[str, Any], error: type, message: str) -> None:
    with pytest.raises(error, match=f"fit: {message}"):
        fit_with(**changes)


def test_evaluate_names_the_bad_argument() -> None:
    model = small_model()
    _, val = loaders(n=40)
    with pytest.raises(TypeError, match="evaluate: model must be an nn.Module"):
        nn.evaluate(print, val)
    with pytest.raises(TypeError, match="evaluate: loader must be a DataLoader"):
        nn.evaluate(model, None)
    with pytest.raises(TypeError, match="evaluate: loss_fn must be callable"):
        nn.evaluate(model, val, loss_fn="mse")
    with pytest.raises(ValueError, match="evaluate: loader gave no samples"):
        nn.evaluate(model, [])
