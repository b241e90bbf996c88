"""The one random source: a default ``numpy.random.Generator`` and its seed.

Everything that draws random numbers (``rand``, ``randn``, and in ``nn`` the initialisers,
``Linear``, ``Dropout``) takes an optional ``generator=``; without one it draws from the
default generator here, so a single ``manual_seed(seed)`` at the top of a script makes the
whole run repeatable (PyTorch's ``torch.manual_seed``).
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

# Unseeded until manual_seed is called, like PyTorch's default generator before a seed.
_default = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the default generator (in place) and return it: draws are then repeatable.

    Afterwards it produces exactly what ``numpy.random.default_rng(seed)`` would.
    """
    if not isinstance(seed, Integral) or isinstance(seed, bool):
        raise TypeError(f"manual_seed: seed must be an int, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"manual_seed: seed must be >= 0, got {seed}")
    # Reseeding the same object (not replacing it) keeps any reference from get_generator()
    # valid; the fresh state also clears PCG64's buffered half-word.
    _default.bit_generator.state = np.random.PCG64(int(seed)).state
    return _default


def get_generator() -> np.random.Generator:
    """The default generator, drawn from when no ``generator=`` is given."""
    return _default


def resolve(generator: np.random.Generator | None, op: str) -> np.random.Generator:
    """``generator`` if given (checked), else the default one; ``op`` names the caller."""
    if generator is None:
        return _default
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"{op}: generator must be a numpy.random.Generator (e.g. "
                        f"numpy.random.default_rng(seed)), got {type(generator).__name__}")
    return generator
