"""``nn``'s random source is the engine's: ``autograd_core.rng`` (kept here so that
``from autograd_core.nn import rng`` and ``nn.manual_seed`` go on working)."""

from autograd_core.rng import get_generator, manual_seed, resolve

__all__ = ["get_generator", "manual_seed", "resolve"]
