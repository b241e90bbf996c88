"""Grad mode and anomaly mode: per thread, reusable as contexts, usable as decorators."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from autograd_core import (
    Tensor,
    Value,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_detect_anomaly,
    set_grad_enabled,
)


def run_in_thread(function: Callable[[], Any]) -> Any:
    """function() in a new thread; its result, or its exception re-raised here."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = function()
        except BaseException as error:  # noqa: BLE001 - handed to the caller
            outcome["error"] = error
    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "the thread did not finish"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


class HeldMode:
    """A second thread that enters ``context`` and stays inside until released."""

    def __init__(self, context: Any) -> None:
        self.inside = threading.Event()
        self.release = threading.Event()
        self.seen_after: list[bool] = []
        self.thread = threading.Thread(target=self._hold, args=(context,))

    def _hold(self, context: Any) -> None:
        with context:
            self.inside.set()
            self.release.wait(timeout=30)
        self.seen_after.append(is_grad_enabled())

    def __enter__(self) -> HeldMode:
        self.thread.start()
        assert self.inside.wait(timeout=30)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release.set()
        self.thread.join(timeout=30)


def test_another_threads_no_grad_does_not_stop_this_thread_recording() -> None:
    with HeldMode(no_grad()):
        assert is_grad_enabled()
        w = Tensor(np.ones(3), requires_grad=True)
        loss = (w * 2.0).sum()
        assert loss.requires_grad and loss._parents
        v = Value(2.0)
        y = v * v
        assert y._parents
        loss.backward()
        y.backward()
    np.testing.assert_array_equal(w.grad, [2.0, 2.0, 2.0])
    assert v.grad == 4.0


def test_backward_overlapping_another_threads_no_grad_leaves_both_modes_alone() -> None:
    """The old engine restored, on leaving backward, the mode it saw on entry: another
    thread's no_grad, which then stuck for the whole process."""
    held = HeldMode(no_grad())
    with held:
        x = Value(3.0)
        y = x * x * x
        y.backward(create_graph=True)  # switches grad mode on for its own thread only
        t = Tensor(np.arange(3.0), requires_grad=True)
        (t * t).sum().backward(create_graph=True)
        assert is_grad_enabled()
    assert held.seen_after == [True]  # the holder's mode after its with block: restored
    assert is_grad_enabled()
    assert (Value(1.0) * 2)._parents


def test_a_new_thread_starts_with_grad_on_and_anomaly_off() -> None:
    with no_grad(), detect_anomaly():
        assert run_in_thread(lambda: (is_grad_enabled(), is_anomaly_enabled())) == (True, False)
        assert not is_grad_enabled() and is_anomaly_enabled()


def test_set_grad_enabled_in_a_thread_changes_only_that_thread() -> None:
    def switch_off() -> bool:
        set_grad_enabled(False)
        set_detect_anomaly(True)
        return is_grad_enabled()
    assert run_in_thread(switch_off) is False
    assert is_grad_enabled() and not is_anomaly_enabled()


def test_anomaly_mode_of_another_thread_does_not_raise_here() -> None:
    with HeldMode(detect_anomaly()):
        with np.errstate(all="ignore"):
            out = Tensor(np.array([-1.0])).log()  # NaN from a finite input
        assert np.isnan(out.data[0])


def test_backward_keeps_the_garbage_collector_on() -> None:
    """gc.disable() is process-wide: a backward pass must not switch it off for every thread."""
    seen: list[bool] = []

    def probe(g: np.ndarray, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        seen.append(gc.isenabled())
        return g
    x = Tensor(np.ones(2), requires_grad=True)
    y = Tensor._record(x.data.copy(), "probe", (x,), (probe,), (probe,))
    assert gc.isenabled()
    y.sum().backward()
    assert seen == [True]


# ---- contexts: reusable, re-entrant, decorators ------------------------------------------------


@pytest.mark.parametrize("make, inside", [
    (no_grad, lambda: not is_grad_enabled()),
    (enable_grad, is_grad_enabled),
    (detect_anomaly, is_anomaly_enabled),
])
def test_a_context_object_can_be_entered_again_and_nested(make: Any, inside: Any) -> None:
    outside = (is_grad_enabled(), is_anomaly_enabled())
    context = make()
    with no_grad() if make is enable_grad else enable_grad():
        for _ in range(2):
            with context:
                assert inside()
                with context:
                    assert inside()
                assert inside()
    assert (is_grad_enabled(), is_anomaly_enabled()) == outside


def test_no_grad_as_a_decorator() -> None:
    @no_grad()
    def evaluate(w: Tensor) -> Tensor:
        """Evaluate without a graph."""
        return w * 2.0
    w = Tensor(np.ones(2), requires_grad=True)
    assert not evaluate(w).requires_grad
    assert not evaluate(w).requires_grad  # the same context, a second time
    assert (w * 2.0).requires_grad
    assert evaluate.__name__ == "evaluate" and evaluate.__doc__ == "Evaluate without a graph."


def test_enable_grad_and_detect_anomaly_as_decorators() -> None:
    @enable_grad()
    def record(v: Value) -> Value:
        return v * 3

    @detect_anomaly()
    def checked(t: Tensor) -> Tensor:
        return t.log()
    with no_grad():
        assert record(Value(1.0))._parents
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match="log"):
        checked(Tensor(np.array([-1.0])))
    assert not is_anomaly_enabled()


def test_a_decorated_function_runs_in_many_threads_at_once() -> None:
    """One decorator object is shared by every call; each thread restores its own mode."""
    barrier = threading.Barrier(4)

    @no_grad()
    def evaluate() -> bool:
        barrier.wait(timeout=30)  # all four threads inside the same context object together
        return is_grad_enabled()

    results: list[tuple[bool, bool]] = []

    def worker() -> None:
        inside = evaluate()
        results.append((inside, is_grad_enabled()))
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == [(False, True)] * 4
    assert is_grad_enabled()


def test_a_mode_is_restored_when_the_block_raises() -> None:
    context = no_grad()
    with pytest.raises(KeyError):
        with context:
            raise KeyError("inside")
    assert is_grad_enabled()
    with context:
        assert not is_grad_enabled()
