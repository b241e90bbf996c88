"""The Hessian lesson (notebooks/07): it runs cell by cell, and what it computes is true."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest
from test_drawing import run_cells

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "07_hessian_and_newton.ipynb"


@pytest.fixture(scope="module")
def namespace() -> Iterator[dict[str, Any]]:
    notebook = json.loads(NOTEBOOK.read_text())
    assert notebook["nbformat"] == 4
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code
    matplotlib.use("Agg")  # the lesson's plots are drawn off screen here
    import matplotlib.pyplot as plt

    # One more cell evaluating globals() hands back the namespace the notebook's cells ran in
    # (run_cells gives each cell's value and what it printed).
    namespace, _ = run_cells(["".join(c["source"]) for c in code] + ["globals()"])[-1]
    yield namespace
    plt.close("all")


def test_gradient_and_hessian_match_hand_formulas_and_finite_differences(
        namespace: dict[str, Any]) -> None:
    np.testing.assert_allclose(namespace["g_rosen"], namespace["g_by_hand"], rtol=1e-12)
    np.testing.assert_allclose(namespace["H_rosen"], namespace["H_by_hand"], rtol=1e-12)
    H = namespace["H"]
    assert H.shape == (3, 3)
    np.testing.assert_allclose(H, H.T, rtol=0, atol=1e-15)
    np.testing.assert_allclose(H, namespace["H_fd"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(H, namespace["H_formula"], rtol=0, atol=1e-14)


def test_taylor_errors_shrink_like_t_squared_and_t_cubed(namespace: dict[str, Any]) -> None:
    first, second = namespace["first_errors"], namespace["second_errors"]
    assert len(first) == len(second) >= 5
    assert all(s < f / 10 for f, s in zip(first, second))
    assert first[-2] / first[-1] == pytest.approx(4.0, abs=0.1)
    assert second[-2] / second[-1] == pytest.approx(8.0, abs=0.2)
    np.testing.assert_allclose(namespace["Hu"], namespace["H"] @ namespace["u"], atol=1e-14)


def test_curvature_and_the_gradient_descent_step_limit(namespace: dict[str, Any]) -> None:
    eigenvalues, H, v_max = namespace["eigenvalues"], namespace["H"], namespace["v_max"]
    assert np.all(eigenvalues > 0)
    assert v_max @ H @ v_max == pytest.approx(eigenvalues.max(), rel=1e-12)
    np.testing.assert_allclose(namespace["curvatures"], [1.0, 10.0], rtol=1e-12)
    # lr = 0.19 < 2 / 10 converges, lr = 0.21 > 2 / 10 runs away along the steep direction.
    assert namespace["final_distance"][0.19] < 0.02 < 3.0 < namespace["final_distance"][0.21]


def test_newton_solves_a_quadratic_in_one_step(namespace: dict[str, Any]) -> None:
    assert namespace["newton_valley_error"] < 1e-12


def test_newton_converges_quadratically_and_gradient_descent_linearly(
        namespace: dict[str, Any]) -> None:
    newton, gd = namespace["newton_norms"], namespace["gd_norms"]
    assert len(newton) == len(gd) == 7 and newton[0] == gd[0]
    assert newton[-1] < 1e-14 and gd[-1] > 1e-5 and newton[-1] < 1e-9 * gd[-1]
    # Quadratic convergence: |g| after a step is about the square of |g| before it.
    close = [(a, b) for a, b in zip(newton, newton[1:]) if a < 0.1 and b > 1e-14]
    assert len(close) >= 3 and all(b < 2 * a * a for a, b in close)
    # Gradient descent: a steady fraction per step, far from squaring.
    assert all(0.1 < b / a < 0.7 for a, b in zip(gd[1:], gd[2:]))
    assert namespace["newton_rosenbrock"] == (pytest.approx(1.0, abs=1e-12),
                                              pytest.approx(1.0, abs=1e-12))
    assert abs(namespace["gd_rosenbrock"][0] - 1.0) > 0.5


def test_forward_and_reverse_mode_agree(namespace: dict[str, Any]) -> None:
    assert namespace["directional"] == pytest.approx(namespace["g_rosen"] @ namespace["v"],
                                                     rel=1e-12)
    np.testing.assert_allclose(namespace["pullback"](1.0), namespace["g_rosen"], rtol=1e-12)
    assert namespace["second_derivative"] == pytest.approx(namespace["H_rosen"][0, 0], rel=1e-12)


def test_the_pictures_draw_what_the_tables_print(namespace: dict[str, Any]) -> None:
    first_slope, second_slope = namespace["slopes"]  # of the log-log Taylor error curves
    assert first_slope == pytest.approx(2.0, abs=0.05)
    assert second_slope == pytest.approx(3.0, abs=0.1)
    w_star = namespace["w_star"]
    np.testing.assert_allclose(namespace["newton_step"][1], w_star, rtol=0, atol=1e-12)
    distance = {lr: np.linalg.norm(np.array(path[-1]) - w_star)
                for lr, path in namespace["gd_paths"].items()}
    assert distance[0.19] < 0.05 < 1.0 < distance[0.21]
    assert namespace["newton_path"][-1] == pytest.approx(namespace["newton_rosenbrock"], abs=1e-12)
    assert namespace["gd_path"][-1] == pytest.approx(namespace["gd_rosenbrock"], abs=1e-12)
