# Each target creates .venv when it is missing and installs what it needs (idempotent).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# Oracles (torch, micrograd, onnx, onnxruntime) are installed and required when CI is set or ORACLES=1.
ORACLES ?= $(if $(CI),1,0)
export ORACLES

.PHONY: demo test lint typecheck pytest nox bench oracles docs docs-serve clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[dev,docs]'
	touch $@

oracles: $(VENV)/.installed
ifeq ($(ORACLES),1)
	$(PY) -m pip install -q torch==2.13.0 micrograd==0.1.0 onnx==1.23.2 onnxruntime==1.32.0
endif

demo: $(VENV)/.installed
	$(VENV)/bin/autograd demo

test: lint typecheck nox pytest

lint: $(VENV)/.installed
	$(PY) -m ruff check autograd tests benchmarks noxfile.py conftest.py docs/hooks

typecheck: $(VENV)/.installed
	$(PY) -m mypy

# The tests, the notebooks (executed by nbmake), the >>> sessions in docs/*.md and README.md
# (pyproject's addopts has --doctest-glob=*.md) and the docstrings' examples (--doctest-modules)
# in one run. tests/test_docs.py builds the site and runs the other code blocks.
pytest: oracles
	$(PY) -m pytest -q -p no:cacheprovider --nbmake --nbmake-timeout=120 --doctest-modules \
		tests notebooks docs README.md autograd

# The core tests under every other Python among 3.10 to 3.13 that is installed.
nox: $(VENV)/.installed
	$(PY) -m nox -R -s core

# The documentation site, into site/ (strict: a warning or a broken link fails). Open
# site/index.html; it works offline, from file://.
docs: $(VENV)/.installed
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

docs-serve: $(VENV)/.installed
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs serve

bench: $(VENV)/.installed
	$(PY) -m pip install -q micrograd==0.1.0 torch==2.13.0
	$(PY) benchmarks/run.py
	$(PY) benchmarks/compiled.py

clean:
	rm -rf $(VENV) site .nox .pytest_cache .mypy_cache .ruff_cache .hypothesis
