"""``Optimizer``: parameter groups, per-parameter state, and the loop that applies an update rule.

As in PyTorch, ``params`` is an iterable of parameters or of dicts ("parameter groups"), each
dict holding ``"params"`` and any hyper-parameters that override the optimizer's defaults.

Parameters may be ``Tensor``s and ``Value``s, mixed. A subclass writes its update rule once,
as the formulas of its docstring on numpy arrays, updating the parameter's array and its
buffers in place (``m *= beta1``, ``p -= lr * g``), in the parameter's own dtype. For a
Tensor the rule runs on ``p.data`` itself, so that anything holding that array sees the
update (as with PyTorch's in-place ``param.add_``), and the write is counted in the Tensor's
version. The floats of a group's Values are packed into one array each, the rule runs on
those, and the results are copied back as Python floats (element by element the arithmetic
is the same, so a Value follows exactly the trajectory of the corresponding Tensor element);
a Value's buffers are floats too.

A gradient of None means "no gradient", for a Value as for a Tensor: ``step`` skips such a
parameter (it neither moves nor gets state), as PyTorch does. A gradient built by
``backward(create_graph=True)`` is a node: the rule gets its numbers (the gradient-penalty
pattern: backward through loss + penalty, then step).

The arithmetic follows PyTorch's order of operations where that reads naturally; PyTorch's
CPU kernels round some multiply-adds once where numpy rounds twice, so trajectories agree
with ``torch.optim`` to about 1e-11 relative after hundreds of steps, not bit for bit.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from numbers import Real
from typing import Any

import numpy as np

from autograd_core import Tensor, Value, devices
from autograd_core.engine import enable_grad

from ..utils import _grad_values, _reset_grad

Array = np.ndarray | float  # a Tensor's data, or a Value's
Parameter = Tensor | Value
ParamGroup = dict[str, Any]
Params = Iterable[Parameter] | Iterable[Mapping[str, Any]]
State = dict[str, Any]


def _write(p: Parameter, new: Array) -> None:
    """Store a rule's result: in place for a Tensor (references stay valid, and the write is
    counted, so that a graph recorded before the step cannot be differentiated after it), a
    float for a Value."""
    if isinstance(p, Value):
        p.data = float(new)
    else:
        p._overwrite(new)


def _plain_numbers(state: State) -> None:
    """A Value's buffers come back from numpy as 0-d arrays or numpy floats: make them floats."""
    for key, item in state.items():
        if isinstance(item, (np.ndarray, np.floating)):
            state[key] = float(item)


def _signature(state: State) -> tuple[Any, ...]:
    """What must agree for Values to be updated as one array: the same buffers (floats, one per
    Value, packed into arrays) and the same counters (e.g. the step number)."""
    return tuple((key, float if isinstance(item, float) else item) for key, item in state.items())


def _copy(item: Any) -> Any:
    return item.copy() if devices.is_array(item) else item


class Optimizer:
    """Base class: holds ``param_groups``, ``defaults`` and per-parameter ``state``.

    A subclass defines ``_init_state`` (its buffers for a new parameter), ``_update`` (the
    rule for one parameter) and ``_check`` (the hyper-parameter checks, run on the defaults
    and on every group).
    """

    def __init__(self, params: Params, defaults: Mapping[str, Any]) -> None:
        self.defaults: dict[str, Any] = dict(defaults)
        self._check(self.defaults)
        # Keyed by the parameter itself: Tensor and Value hash by identity.
        self.state: defaultdict[Parameter, State] = defaultdict(dict)
        self.param_groups: list[ParamGroup] = []
        if isinstance(params, (Tensor, Value)):
            raise TypeError(f"{self._name}: params should be an iterable of Tensors, Values or "
                            f"dicts, but got a single {type(params).__name__}; wrap it in a list")
        groups = self._parameter_list(params) if isinstance(params, (set, frozenset)) else \
            list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], Mapping):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    @property
    def _name(self) -> str:
        return type(self).__name__

    # ---- parameter groups -------------------------------------------------------------------

    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        """Add a group of parameters; hyper-parameters it leaves out take the defaults."""
        if not isinstance(param_group, Mapping):
            raise TypeError(f"{self._name}: a parameter group must be a dict, "
                            f"got {type(param_group).__name__}")
        group = dict(param_group)
        if "params" not in group:
            raise ValueError(f"{self._name}: a parameter group needs a 'params' entry, got "
                             f"keys {sorted(group)}")
        group["params"] = self._parameter_list(group["params"])
        for key, default in self.defaults.items():
            group.setdefault(key, default)
        self._check(group)
        existing = {p for g in self.param_groups for p in g["params"]}
        if not existing.isdisjoint(group["params"]):
            raise ValueError(f"{self._name}: some parameters appear in more than one "
                             "parameter group")
        self.param_groups.append(group)

    def _parameter_list(self, params: Any) -> list[Parameter]:
        if isinstance(params, (Tensor, Value)):
            return [params]
        if isinstance(params, (set, frozenset)):  # a set's order changes from run to run
            raise TypeError(f"{self._name}: parameters need to be in an ordered collection "
                            "(a list), not a set, whose order changes between runs")
        params = list(params)
        for p in params:
            if not isinstance(p, (Tensor, Value)):
                raise TypeError(f"{self._name}: can only optimize Tensors and Values, but one "
                                f"of the params is a {type(p).__name__}")
            if isinstance(p, Tensor) and p._parents:
                raise ValueError(f"{self._name}: can't optimize a non-leaf Tensor (the result "
                                 f"of an operation, op {p._op!r}); pass the leaves instead")
        if len({id(p) for p in params}) != len(params):
            warnings.warn(f"{self._name}: a parameter group has duplicate parameters; remove "
                          "them (PyTorch will make this an error)", stacklevel=3)
        return params

    # ---- hyper-parameter checks (used by subclasses' ``_check``) ------------------------------

    def _invalid(self, argument: str, value: Any, rule: str) -> ValueError:
        return ValueError(f"{self._name}: invalid {argument} {value!r}: {rule}")

    def _require_real(self, group: Mapping[str, Any], *arguments: str) -> None:
        for argument in arguments:
            value = group[argument]
            if not isinstance(value, Real) or isinstance(value, bool):
                raise TypeError(f"{self._name}: {argument} must be a real number, "
                                f"got {type(value).__name__} {value!r}")

    def _require_non_negative(self, group: Mapping[str, Any], *arguments: str) -> None:
        self._require_real(group, *arguments)
        for argument in arguments:
            if not 0.0 <= group[argument]:  # written this way round so that NaN fails too
                raise self._invalid(argument, group[argument], "must be >= 0")

    def _check(self, group: Mapping[str, Any]) -> None:
        """Raise ValueError (or TypeError) for an invalid hyper-parameter in ``group``."""
        self._require_non_negative(group, "lr")

    # ---- gradients and steps ----------------------------------------------------------------

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every gradient: to None ("no gradient"; the next ``step`` skips a parameter
        that no backward reaches meanwhile), or with ``set_to_none=False`` to zero: 0.0 for a
        Value, a Tensor's array filled in place (a Tensor without gradient stays None). A
        gradient that is a node (from ``backward(create_graph=True)``) is replaced by plain
        zeros, leaving the node alone."""
        for group in self.param_groups:
            if set_to_none:  # the default, once per step: without a call per parameter
                for p in group["params"]:
                    p.grad = None
            else:
                for p in group["params"]:
                    _reset_grad(p, set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()`` (called first) if
        given, else None. A parameter (Tensor or Value) whose grad is None is skipped, as in
        PyTorch; a grad that is a node (from ``backward(create_graph=True)``) gives its
        numbers."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            values = []
            for p in group["params"]:
                grad = _grad_values(p)
                if grad is None:
                    continue
                if isinstance(p, Value):
                    values.append((p, grad))
                else:
                    self._step_tensor(p, grad, group)
            if values:
                self._step_values(values, group)
        return loss

    def _step_tensor(self, p: Tensor, grad: Array, group: ParamGroup) -> None:
        """Run the rule on ``p.data`` itself, and count the write in p's version as
        ``Tensor._overwrite`` does: a graph recorded before the step then refuses backward."""
        state = self.state[p]
        if not state:
            state.update(self._init_state(p.data, group))
        self._update(p.data, grad, state, group)
        p._version += 1

    def _step_values(self, values: list[tuple[Value, float]], group: ParamGroup) -> None:
        """Update scalar parameters (with their gradients) together: their floats are packed
        into arrays, so that the rule runs once on numpy arrays rather than once per Value (the
        same arithmetic, element by element, so the results are those of separate updates),
        and the results are copied back as floats."""
        batches: dict[tuple[Any, ...], list[tuple[Value, float]]] = {}
        for p, grad in values:
            state = self.state[p]
            if not state:
                state.update(self._init_state(p.data, group))
                _plain_numbers(state)
            batches.setdefault(_signature(state), []).append((p, grad))
        for pairs in batches.values():
            batch = [p for p, _ in pairs]
            states = [self.state[p] for p in batch]
            packed = {key: np.array([s[key] for s in states]) if isinstance(item, float) else item
                      for key, item in states[0].items()}
            param = np.array([p.data for p in batch])
            self._update(param, np.array([grad for _, grad in pairs]), packed, group)
            for p, number in zip(batch, param.tolist()):
                p.data = number
            for key, item in packed.items():
                numbers = item.tolist() if isinstance(item, np.ndarray) else [item] * len(batch)
                for state, number in zip(states, numbers):
                    state[key] = number

    def _init_state(self, param: Array, group: ParamGroup) -> State:
        """The buffers a parameter starts with (none by default): arrays shaped and typed like
        ``param`` (for a Value's float, 0-d arrays, which become floats)."""
        return {}

    def _update(self, param: np.ndarray, grad: np.ndarray, state: State,
                group: ParamGroup) -> None:
        """Apply the rule to one parameter: update ``param`` and the arrays in ``state`` in
        place (``state`` may gain new buffers); ``grad`` is read only (it may be the user's
        array or a node's data)."""
        raise NotImplementedError(f"{self._name} must define _update()")

    # ---- saving and loading -----------------------------------------------------------------

    def _parameters(self) -> list[Parameter]:
        return [p for group in self.param_groups for p in group["params"]]

    def state_dict(self) -> dict[str, Any]:
        """{'state': {index: buffers}, 'param_groups': [hyper-parameters, 'params': indices]}.

        Parameters are numbered in group order, as in PyTorch. Unlike PyTorch, arrays are
        copies, so the dict is a snapshot that later steps do not change.
        """
        index = {}
        for p in self._parameters():
            index.setdefault(p, len(index))
        groups = [{**{k: v for k, v in group.items() if k != "params"},
                   "params": [index[p] for p in group["params"]]} for group in self.param_groups]
        state = {index[p]: {key: _copy(item) for key, item in buffers.items()}
                 for p, buffers in self.state.items() if p in index and buffers}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore hyper-parameters and buffers saved by ``state_dict`` (from an optimizer built
        on parameters of the same shapes, in the same order)."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{self._name}: loaded state dict has a different number of "
                             "parameter groups")
        index: dict[int, Parameter] = {}
        for saved, group in zip(saved_groups, self.param_groups):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{self._name}: loaded state dict contains a parameter group "
                                 "that doesn't match the size of optimizer's group")
            index.update(zip(saved["params"], group["params"]))
        state: defaultdict[Parameter, State] = defaultdict(dict)
        for i, buffers in state_dict["state"].items():
            if i not in index:
                raise ValueError(f"{self._name}: loaded state dict has state for parameter "
                                 f"index {i}, but the optimizer has {len(index)} parameters")
            p = index[i]
            state[p] = {key: self._restore(p, i, key, item) for key, item in buffers.items()}
        self.state = state
        self.param_groups = [{**{k: v for k, v in saved.items() if k != "params"},
                              "params": group["params"]}
                             for saved, group in zip(saved_groups, self.param_groups)]

    def _restore(self, p: Parameter, i: int, key: str, item: Any) -> Any:
        """A saved buffer in the form this parameter's buffers take (a copy)."""
        if not devices.is_array(item):
            return item
        shape = p.data.shape if isinstance(p, Tensor) else ()
        if item.shape != shape:
            raise ValueError(f"{self._name}: loaded state {key!r} of parameter {i} has shape "
                             f"{item.shape}, but the parameter has shape {shape}")
        if isinstance(p, Value):
            return float(devices.to_host(item))
        return devices.to_device(devices.to_host(item), p.device).astype(p.data.dtype)

    def __repr__(self) -> str:
        lines = [f"{self._name} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        return "\n".join(lines) + "\n)"
