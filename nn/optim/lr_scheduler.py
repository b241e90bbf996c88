"""Learning-rate schedulers: ``StepLR``, ``ExponentialLR``, ``CosineAnnealingLR``.

PyTorch's semantics: building a scheduler records each group's ``initial_lr`` (the base
rate) and performs step 0, which leaves the rates unchanged; each ``step()`` (call it after
``optimizer.step()``, once per epoch) increments ``last_epoch`` and writes the rate for that
epoch into ``optimizer.param_groups[i]["lr"]``; ``get_last_lr()`` returns those rates.

Resuming (PyTorch 2.13's rule): built with ``last_epoch=k`` >= 0, every group must hold
``initial_lr`` (the base rate), and the construction step moves to epoch k + 1.
``ExponentialLR`` and ``CosineAnnealingLR`` keep the groups' current rates for it, and go on
from them; ``StepLR`` applies its own rule at epoch k + 1 (a decay if k + 1 is a multiple of
``step_size``), so with epoch k's rate in the groups it follows its closed form exactly.

Recursive or closed form? Each schedule has a closed form in the epoch (``closed_form_lr``).
Like PyTorch, ``step()`` instead computes the new rate from the group's current one (times
gamma; for the cosine, the ratio of consecutive cosine factors). The two agree up to rounding
while nothing else changes the rates, and this choice gives PyTorch's numbers exactly and
composes with rates changed by hand between steps.
"""

from __future__ import annotations

import math
from typing import Any

from .optimizer import Optimizer


class LRScheduler:
    """Base class: ``step()`` sets every group's lr to ``get_lr()`` for the next epoch."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: {type(optimizer).__name__} is not an "
                            "Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"{type(self).__name__}: param 'initial_lr' is not specified "
                                   f"in param_groups[{i}] when resuming an optimizer")
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True  # most schedules keep the current rates at this step
        self.step()
        self._is_initial = False

    def get_lr(self) -> list[float]:
        """The rates for epoch ``last_epoch``, from the groups' current rates (recursive form)."""
        raise NotImplementedError(f"{type(self).__name__} must define get_lr()")

    def closed_form_lr(self) -> list[float]:
        """The rates for epoch ``last_epoch`` from the base rates alone (the closed form)."""
        raise NotImplementedError(f"{type(self).__name__} must define closed_form_lr()")

    def step(self) -> None:
        """Advance one epoch and write its learning rates into the optimizer."""
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates the last ``step()`` set, one per parameter group."""
        return list(self._last_lr)

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (which has its own state_dict)."""
        return {key: value for key, value in vars(self).items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        vars(self).update(state_dict)


def _positive_int(scheduler: str, argument: str, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{scheduler}: invalid {argument} {value!r}: must be an int >= 1")


class StepLR(LRScheduler):
    """lr_epoch = base_lr * gamma^(epoch // step_size): decay by gamma every step_size epochs.

    Each step multiplies the current rate by gamma when the new epoch is a non-zero multiple of
    step_size, the construction step included (so resuming at last_epoch=k with epoch k's rate
    gives epoch k + 1's).
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        _positive_int("StepLR", "step_size", step_size)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        # No exception for the construction step (unlike the other schedulers, as in PyTorch):
        # resumed with last_epoch=k, it moves to epoch k + 1 and decays there if k + 1 is a
        # multiple of step_size; from scratch it reaches epoch 0, which never decays.
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size)
                for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr_epoch = base_lr * gamma^epoch: decay by gamma every epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr_epoch = eta_min + (base_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2.

    Half a cosine from base_lr down to eta_min over T_max epochs; past T_max it rises again
    (PyTorch's behaviour: no restarts, the cosine simply continues).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        _positive_int("CosineAnnealingLR", "T_max", T_max)
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def _cosine_factor(self, epoch: int) -> float:
        return 1 + math.cos(math.pi * epoch / self.T_max)

    def get_lr(self) -> list[float]:
        epoch, eta_min, T_max = self.last_epoch, self.eta_min, self.T_max
        if self._is_initial:
            return self._current_lrs()
        if (epoch - 1 - T_max) % (2 * T_max) == 0:
            # The last epoch sat at the bottom, where the ratio below would divide by zero:
            # climb by the first increment of the next half-period instead.
            return [lr + (base - eta_min) * (1 - math.cos(math.pi / T_max)) / 2
                    for lr, base in zip(self._current_lrs(), self.base_lrs)]
        ratio = self._cosine_factor(epoch) / self._cosine_factor(epoch - 1)
        return [ratio * (lr - eta_min) + eta_min for lr in self._current_lrs()]

    def closed_form_lr(self) -> list[float]:
        return [self.eta_min + (base - self.eta_min) * self._cosine_factor(self.last_epoch) / 2
                for base in self.base_lrs]
