"""What is installed: the wheel and sdist build cleanly and hold everything (the licence, every
module, no bare top-level ``nn``); the wheel runs the README's first example from outside the
repository; an unrelated distribution named ``nn`` installed beside ours breaks nothing of
ours, and uninstalling it deletes none of our files.

The wheel is built once per session (without build isolation: no download) from a copy of the
work tree, so the build's own files (egg-info) never land in the repository.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__",
                                    ".*_cache", ".hypothesis", ".benchmarks")


def run(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``command`` in ``cwd`` with this environment plus ``env``; it must succeed."""
    environment = {**os.environ, **env}
    # setuptools reports PYTHONDONTWRITEBYTECODE as "warning: byte-compiling is disabled"
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    result = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


def pip(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "pip", *args], cwd,
               PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")


def python_files(folder: Path) -> set[str]:
    """Every .py file under ``folder``, as paths relative to it."""
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*.py")
            if "__pycache__" not in path.parts}


class Build(NamedTuple):
    wheel: Path
    sdist: Path
    output: str  # what `python -m build` printed


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    work = tmp_path_factory.mktemp("packaging")
    shutil.copytree(ROOT, work / "source", ignore=NOT_SOURCE)
    # sdist first, then the wheel from the unpacked sdist: the sdist is checked to be complete
    result = run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(work / "dist"),
                  str(work / "source")], work)
    wheels, sdists = sorted((work / "dist").glob("*.whl")), sorted((work / "dist").glob("*.tar.gz"))
    assert len(wheels) == len(sdists) == 1, os.listdir(work / "dist")
    return Build(wheels[0], sdists[0], result.stdout + result.stderr)


@pytest.fixture(scope="module")
def wheel_names(build: Build) -> set[str]:
    with zipfile.ZipFile(build.wheel) as wheel:
        return set(wheel.namelist())


def test_the_build_prints_no_warning(build: Build) -> None:
    warnings = [line for line in build.output.splitlines() if "warn" in line.lower()]
    assert not warnings, warnings


def test_the_wheel_holds_every_module_under_autograd_core(wheel_names: set[str]) -> None:
    expected = ({f"autograd_core/{name}" for name in python_files(ROOT / "autograd_core")}
                | {f"autograd_core/nn/{name}" for name in python_files(ROOT / "nn")})
    assert {"autograd_core/nn/module.py", "autograd_core/nn/optim/sgd.py"} <= expected
    assert expected - wheel_names == set()  # a new sub-package must be listed in pyproject.toml
    assert {"autograd_core/py.typed", "autograd_core/nn/py.typed"} <= wheel_names


def test_the_wheel_claims_no_top_level_name_but_autograd_core(build: Build,
                                                              wheel_names: set[str]) -> None:
    dist_info = "autograd_core-0.1.0.dist-info"
    assert {name.split("/")[0] for name in wheel_names} == {"autograd_core", dist_info}
    with zipfile.ZipFile(build.wheel) as wheel:
        assert wheel.read(f"{dist_info}/top_level.txt").decode().split() == ["autograd_core"]


def test_the_wheel_carries_the_mit_licence(build: Build) -> None:
    dist_info = "autograd_core-0.1.0.dist-info"
    with zipfile.ZipFile(build.wheel) as wheel:
        licence = wheel.read(f"{dist_info}/licenses/LICENSE").decode()
        metadata = wheel.read(f"{dist_info}/METADATA").decode()
    assert licence == (ROOT / "LICENSE").read_text()
    assert licence.startswith("MIT License\n\nCopyright (c) 2026 the autograd-core developers\n")
    assert "License-Expression: MIT" in metadata.splitlines()
    assert "License-File: LICENSE" in metadata.splitlines()
    assert "Requires-Dist: safetensors>=0.4" in metadata.splitlines()


def test_the_sdist_holds_the_licence_and_every_source(build: Build) -> None:
    with tarfile.open(build.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    expected = ({"LICENSE", "README.md", "pyproject.toml", "nn/py.typed", "autograd_core/py.typed"}
                | {f"autograd_core/{name}" for name in python_files(ROOT / "autograd_core")}
                | {f"nn/{name}" for name in python_files(ROOT / "nn")})
    assert expected - names == set()


# ---- the installed wheel, used from outside the repository ------------------------------------


def readme_first_example() -> tuple[str, list[str]]:
    """The README's first Python block, and what it must print: each comment line right under
    a ``print(...)`` line."""
    block = re.search(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)
    assert block, "the README has no Python example"
    code = block.group(1)
    return code, re.findall(r"^print\(.*\)\n# (.*)$", code, flags=re.M)


def test_the_readme_example_runs_against_the_installed_wheel(build: Build,
                                                             tmp_path: Path) -> None:
    target, outside = tmp_path / "site", tmp_path / "elsewhere"
    outside.mkdir()
    pip("install", "--no-deps", "--no-index", "--target", str(target), str(build.wheel),
        cwd=outside)
    code, expected = readme_first_example()
    (outside / "example.py").write_text(code)
    script = ("import runpy, autograd_core, autograd_core.nn\n"
              "runpy.run_path('example.py')\n"
              "print('from', autograd_core.__file__, autograd_core.nn.__file__)\n")
    result = run([sys.executable, "-c", script], outside, PYTHONPATH=str(target))
    lines = result.stdout.splitlines()
    assert all(line in lines for line in expected), (expected, lines)
    assert lines[-1] == (f"from {target / 'autograd_core' / '__init__.py'} "
                         f"{target / 'autograd_core' / 'nn' / '__init__.py'}")


# ---- the name `nn`: ours is autograd_core.nn, so no other `nn` can touch it ------------------


def test_the_editable_install_provides_autograd_core_nn_and_no_bare_nn(tmp_path: Path) -> None:
    """As a user of the development install sees it, from a folder of their own."""
    script = ("import importlib.util, autograd_core.nn as nn\n"
              "print(nn.__file__)\n"
              "print(importlib.util.find_spec('nn'))\n")
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=environment,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, ("autograd_core is not installed in this interpreter (`make "
                                    "test` installs it editable): " + result.stderr)
    assert result.stdout.splitlines() == [str(ROOT / "nn" / "__init__.py"), "None"]


def unrelated_nn_wheel(folder: Path) -> Path:
    """A wheel of another distribution called ``nn``, whose top-level ``nn`` package has files
    named as ours are in the repository (nn/__init__.py, nn/module.py)."""
    dist_info = "nn-1.0.dist-info"
    files = {
        "nn/__init__.py": "OWNER = 'the other nn'\n",
        "nn/module.py": "class Module:\n    pass\n",
        f"{dist_info}/METADATA": "Metadata-Version: 2.1\nName: nn\nVersion: 1.0\n",
        f"{dist_info}/WHEEL": ("Wheel-Version: 1.0\nGenerator: test_packaging\n"
                               "Root-Is-Purelib: true\nTag: py3-none-any\n"),
        f"{dist_info}/top_level.txt": "nn\n",
    }
    record = [f"{name},sha256={record_hash(text.encode())},{len(text.encode())}"
              for name, text in files.items()] + [f"{dist_info}/RECORD,,"]
    path = folder / "nn-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, text in files.items():
            wheel.writestr(name, text)
        wheel.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return path


def record_hash(data: bytes) -> str:
    """A file's hash as a wheel's RECORD writes it (urlsafe base64 of sha256, unpadded)."""
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def our_files_are_intact(site: Path) -> None:
    """Every file our RECORD lists is there with the content it was installed with."""
    record = (site / "autograd_core-0.1.0.dist-info" / "RECORD").read_text().splitlines()
    checked = 0
    for line in record:
        name, digest, _size = line.rsplit(",", 2)
        if digest:  # RECORD itself, and the .pyc files pip compiled, have no hash
            algorithm, value = digest.split("=", 1)
            assert algorithm == "sha256"
            assert record_hash((site / name).read_bytes()) == value, name
            checked += 1
    assert checked > 30


def test_an_unrelated_nn_distribution_breaks_nothing_of_ours(build: Build,
                                                             tmp_path: Path) -> None:
    env = tmp_path / "env"  # a bare environment that pip can install into and uninstall from
    run([sys.executable, "-m", "venv", "--without-pip", str(env)], tmp_path)
    env_python = env / "bin" / "python"
    site = Path(run([str(env_python), "-c", "import sysconfig; "
                     "print(sysconfig.get_paths()['purelib'])"], tmp_path).stdout.strip())
    other = unrelated_nn_wheel(tmp_path)
    for wheel in (build.wheel, other):  # theirs second: the install that would overwrite
        pip("--python", str(env_python), "install", "--no-deps", "--no-index", str(wheel),
            cwd=tmp_path)
    our_files_are_intact(site)
    # Ours and theirs side by side (numpy and the rest from this interpreter's site-packages).
    script = ("import nn, autograd_core.nn as ours\n"
              "from autograd_core.nn import Linear\n"
              "print(nn.OWNER, ours.__file__, Linear(2, 1)([1.0, 2.0]).shape)\n")
    result = run([sys.executable, "-c", script], tmp_path, PYTHONPATH=str(site))
    assert result.stdout.split() == ["the", "other", "nn",
                                     str(site / "autograd_core" / "nn" / "__init__.py"), "(1,)"]
    pip("--python", str(env_python), "uninstall", "--yes", "nn", cwd=tmp_path)
    assert not (site / "nn").exists()  # theirs is gone...
    our_files_are_intact(site)  # ...and every file of ours is still there
    run([sys.executable, "-c", "import autograd_core.nn.module"], tmp_path, PYTHONPATH=str(site))

