"""Every lesson in notebooks/ is committed with its outputs and runs top to bottom from a clean
kernel (CI re-executes each one: an error or a failed assert in any cell fails the test)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

FOLDER = Path(__file__).resolve().parent.parent / "notebooks"
LESSONS = sorted(FOLDER.glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = sorted((FOLDER / "solutions").glob("[0-9][0-9]_*.ipynb"))


def outputs(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]


def test_the_lessons_are_numbered_in_order_and_listed_in_the_readme() -> None:
    assert len(LESSONS) >= 10
    numbers = [int(path.name[:2]) for path in LESSONS]
    assert numbers == list(range(1, len(LESSONS) + 1))
    readme = (FOLDER / "README.md").read_text()
    for path in LESSONS + SOLUTIONS:
        assert path.name in readme, f"{path.name} is not listed in notebooks/README.md"


def test_every_lesson_has_its_solutions() -> None:
    lessons = {path.name[:2] for path in LESSONS}
    assert {path.name[:2] for path in SOLUTIONS} == lessons


@pytest.mark.parametrize("path", LESSONS, ids=[path.stem for path in LESSONS])
def test_committed_with_outputs_and_pictures(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    shown = outputs(notebook)
    assert shown, f"{path.name} is committed without outputs"
    assert not [out for out in shown if out.output_type == "error"]
    pictures = [out for out in shown if out.output_type in ("display_data", "execute_result")
                and {"image/png", "image/svg+xml"} & set(out.get("data", {}))]
    assert pictures, f"{path.name} shows no plot or drawing"
    for out in pictures:  # a drawing is SVG only: a PNG beside it doubles the file for nothing
        assert not {"image/png", "image/svg+xml"} <= set(out.data), path.name


@pytest.mark.parametrize("path", LESSONS + SOLUTIONS,
                         ids=[path.relative_to(FOLDER).as_posix() for path in LESSONS + SOLUTIONS])
def test_runs_top_to_bottom(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # One BLAS thread in the kernel: on a busy 2-core machine numpy's threads fight each other
    # (a lesson took 4 s with one thread and 25 s with the default); the numbers are the same.
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(variable, "1")
    notebook = nbformat.read(path, as_version=4)
    assert outputs(notebook), f"{path.name} is committed without outputs"
    client = NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError, naming the cell, at the first failure
