# compute-forecast: `make run` regenerates every output, `make test` runs the tests.
# Both first make sure .venv/ exists and matches pyproject.toml + requirements.lock.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
KERNEL := compute-forecast

.PHONY: all setup git-filter run test test-fast test-order lab bench docs lock clean

all: run

setup: $(STAMP) git-filter

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "compute-forecast needs Python >= 3.11; set PYTHON=python3.11")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[test]'
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (compute-forecast)" >/dev/null
	touch $(STAMP)

# every scenario (bear/base/bull) and their comparison page, then the notebooks (which also
# refreshes what the first step left stale); one change report for both: outputs/changes.md;
# every page in English (outputs/) and Simplified Chinese (outputs/zh/)
run: $(STAMP)
	$(VENV)/bin/compute-forecast run --all-scenarios --no-report --lang all
	$(VENV)/bin/compute-forecast run --lang all

# Tiers (docs/testing.md): `test` is the whole suite, `test-fast` the unit tier (no kernel,
# notebook, server or browser), both spread over the cores by pytest-xdist, one test file per
# worker at a time (a file's module fixtures are made once); the workers share one executed
# copy of the project (tests/conftest.py).
XDIST := -n auto --dist loadfile

test: $(STAMP)
	$(PY) -m pytest $(XDIST)

test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow" $(XDIST)

# the fast tests in reverse order, then shuffled (seed printed): no test may depend on order
# (one process each, so that the order is the one given)
test-order: $(STAMP)
	$(PY) -m pytest -m "not slow" --reverse -q
	$(PY) -m pytest -m "not slow" -p randomly -q

# Notebooks are committed without outputs: git strips outputs and widget state from *.ipynb
# (nbstripout as a clean filter, .gitattributes), so saving in JupyterLab leaves git status clean.
# --keep-id: the cells' ids stay as committed.
NBSTRIP := "$(abspath $(PY))" -m nbstripout --keep-id
git-filter:
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  $(VENV)/bin/nbstripout --install --attributes .gitattributes && \
	  git config filter.nbstripout.clean '$(NBSTRIP)' && \
	  git config diff.ipynb.textconv '$(NBSTRIP) -t' && \
	  echo "git strips notebook outputs on commit (nbstripout filter installed)"; \
	else echo "not a git clone: notebook outputs are not stripped by git"; fi

# root (as in containers) needs --allow-root; the widget extension comes with jupyterlab_widgets.
# Notebooks are saved without outputs or widget state (forecast/pipeline/cleansave.py), as committed.
lab: $(STAMP) git-filter
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks \
	  --ContentsManager.pre_save_hook=forecast.pipeline.cleansave.pre_save \
	  $$([ "$$(id -u)" -eq 0 ] && echo --allow-root)

bench: $(STAMP)
	$(PY) benchmarks/run.py

# the documentation site (docs/, mkdocs.yml) into site/; any warning fails the build
docs: $(VENV)/.docs-installed
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

$(VENV)/.docs-installed: $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[test,docs]'
	touch $@

# Re-resolve the newest versions allowed by pyproject.toml and pin them.
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet --upgrade pip
	.lockenv/bin/pip install --quiet '.[dev]'
	.lockenv/bin/pip freeze --exclude compute-forecast | sort > requirements.lock
	rm -rf .lockenv

# everything generated: the venv and outputs/ (but its README), keeping nothing stale
clean:
	rm -rf $(VENV)
	find outputs -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
