# autograd-core: set-up and everyday tasks.
#
# Quick start on a fresh machine that has only python3 and make:
#     make demo      # build .venv, install the package, run the demo
#     make test      # build .venv, install the dev tools, run ruff and pytest
#
# Every target does its own set-up. Installs are recorded by stamp files in
# .venv/ and re-run when pyproject.toml changes. Choose the interpreter with
# e.g. `make PYTHON=python3.12 test` (run `make clean` first to switch).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# -q keeps pip short but still prints warnings and errors. The one filtered out is setuptools'
# note that an editable install maps packages (nn/ is installed as autograd_core.nn).
PIP    := PYTHONWARNINGS="ignore:Editable installation" $(BIN)/python -m pip install -q

.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
.PHONY: help demo test lint bench notebook notebooks playground clean

help:
	@echo "autograd-core make targets:"
	@echo "  make demo    train micrograd's two-moons demo, write demo.png (installs the plots extra)"
	@echo "  make test    ruff check, then pytest (installs the dev extra, PyTorch included)"
	@echo "  make lint    ruff check only"
	@echo "  make bench   run every benchmarks/bench_*.py (installs the bench extra, PyTorch included;"
	@echo "               BENCH_ARGS=--quick for fewer repeats, BENCH_ARGS=--check to fail on a missed target)"
	@echo "  make notebook    start JupyterLab on notebooks/ (installs the notebook extra)"
	@echo "  make notebooks   re-execute every notebook in place, refreshing its outputs"
	@echo "  make playground  open the playground in the browser (installs the playground extra;"
	@echo "                   PLAYGROUND_ARGS='--port 9000 --no-browser' to change its options)"
	@echo "  make clean   remove .venv and caches"
	@echo "  make help    this list"
	@echo "Each target creates .venv ($(PYTHON) -m venv) and installs what it needs."
	@echo "Interpreter: PYTHON=$(PYTHON)  (override: make PYTHON=/path/to/python3 test)"

demo: $(VENV)/.stamp-plots
	$(BIN)/python -m autograd_core.nn.demo

# The dev extra installs PyTorch, so here a test that needs it fails rather than skips.
test: $(VENV)/.stamp-dev
	$(BIN)/ruff check .
	AUTOGRAD_CORE_REQUIRE_TORCH=1 $(BIN)/python -m pytest

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check .

# Arguments for every benchmark script: `make bench BENCH_ARGS=--quick` (fewer repeats),
# `make bench BENCH_ARGS=--check` (fail when a target is missed). Every script runs even when
# an earlier one fails; make fails at the end, naming them.
BENCH_ARGS ?=
bench: $(VENV)/.stamp-bench
	@found=0; failed=""; \
	for f in benchmarks/bench_*.py; do \
	    [ -e "$$f" ] || continue; \
	    found=1; echo ">> $$f $(BENCH_ARGS)"; \
	    $(BIN)/python "$$f" $(BENCH_ARGS) || failed="$$failed $$f"; \
	done; \
	[ "$$found" = 1 ] || echo "no benchmarks/bench_*.py scripts found"; \
	if [ -n "$$failed" ]; then echo "failed (or missed a target with --check):$$failed"; exit 1; fi

notebook: $(VENV)/.stamp-notebook
	$(BIN)/jupyter lab --notebook-dir=notebooks

# The notebooks are committed with their outputs; run this after changing one or the code it
# shows, so that what a reader sees is what the code produces (CI re-executes them too).
notebooks: $(VENV)/.stamp-notebook
	cd notebooks && OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
	    ../$(BIN)/jupyter execute --inplace [0-9][0-9]_*.ipynb solutions/[0-9][0-9]_*.ipynb

# Options of `autograd-core playground`, e.g. PLAYGROUND_ARGS='--port 9000 --no-browser'.
PLAYGROUND_ARGS ?=
playground: $(VENV)/.stamp-playground
	$(BIN)/autograd-core playground $(PLAYGROUND_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build dist *.egg-info
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

# --- installs ----------------------------------------------------------------
# The dev and bench extras include the base install, so they refresh its stamp too (and the
# dev extra includes matplotlib, the plots extra's one package, and the playground extra).

$(VENV)/.stamp-base: pyproject.toml $(VENV)/.stamp-venv
	$(PIP) -e .
	@touch $@

$(VENV)/.stamp-dev: pyproject.toml $(VENV)/.stamp-venv
	$(PIP) -e '.[dev]'
	@touch $@ $(VENV)/.stamp-base $(VENV)/.stamp-plots $(VENV)/.stamp-playground

$(VENV)/.stamp-bench: pyproject.toml $(VENV)/.stamp-venv
	$(PIP) -e '.[bench]'
	@touch $@ $(VENV)/.stamp-base

$(VENV)/.stamp-notebook: pyproject.toml $(VENV)/.stamp-venv
	$(PIP) -e '.[notebook]'
	@touch $@ $(VENV)/.stamp-base

$(VENV)/.stamp-playground: pyproject.toml $(VENV)/.stamp-venv
	$(PIP) -e '.[playground]'
	@touch $@ $(VENV)/.stamp-base

$(VENV)/.stamp-plots: pyproject.toml $(VENV)/.stamp-venv
	$(PIP) -e '.[plots]'
	@touch $@ $(VENV)/.stamp-base

# --- the virtual environment ---------------------------------------------------
# Debian ships venv's ensurepip in a separate apt package (python3-venv). When it
# is missing: as root with apt-get, install it and retry; otherwise say what to
# install and stop. A half-made .venv (python but no pip) is removed on failure.

$(VENV)/.stamp-venv:
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
	    echo "error: '$(PYTHON)' not found: install Python >= 3.10 or run make PYTHON=/path/to/python3" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || { \
	    echo "error: $(PYTHON) is $$($(PYTHON) -V 2>&1); autograd-core needs Python >= 3.10 (make PYTHON=...)" >&2; exit 1; }
	@if ! $(PYTHON) -m venv $(VENV); then \
	    rm -rf $(VENV); \
	    if $(PYTHON) -c 'import venv, ensurepip' >/dev/null 2>&1; then \
	        echo "error: '$(PYTHON) -m venv $(VENV)' failed (see above)" >&2; exit 1; \
	    fi; \
	    pkg="python$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv"; \
	    if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then \
	        echo "error: $(PYTHON) lacks the venv/ensurepip module: install it (Debian/Ubuntu: sudo apt-get install python3-venv $$pkg) and re-run make" >&2; \
	        exit 1; \
	    fi; \
	    echo ">> $(PYTHON) lacks venv/ensurepip: installing python3-venv with apt-get"; \
	    apt-get update -qq || exit 1; \
	    pkgs=python3-venv; \
	    if apt-cache show "$$pkg" >/dev/null 2>&1; then pkgs="$$pkgs $$pkg"; fi; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$pkgs || exit 1; \
	    $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	        echo "error: '$(PYTHON) -m venv $(VENV)' still fails after installing $$pkgs" >&2; exit 1; }; \
	fi
	$(PIP) --upgrade pip
	@touch $@
