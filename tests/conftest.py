"""Fixtures shared by several test modules."""

from __future__ import annotations

import os
from typing import Any

import pytest


@pytest.fixture(scope="module")
def torch() -> Any:
    """PyTorch, for comparisons; skipped without it, but a failure under
    AUTOGRAD_CORE_REQUIRE_TORCH=1 (``make test`` and CI set it and install PyTorch)."""
    try:
        import torch
    except ImportError:
        reason = "PyTorch is not installed: pip install 'autograd-core[torch]'"
        if os.environ.get("AUTOGRAD_CORE_REQUIRE_TORCH") == "1":
            pytest.fail(f"{reason} (AUTOGRAD_CORE_REQUIRE_TORCH=1: make test installs it)")
        pytest.skip(reason)
    return torch
