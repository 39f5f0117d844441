# Two entry points: `make demo` runs the main job on data/sample/, `make test` runs every test.
# Both create .venv and install the project with its test tools on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_WORKERS ?= auto

.PHONY: demo test lint typecheck bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,sandbox]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/wcsf-recon demo --snapshot data/sample --out out

test: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || { echo "installing Debian's chromium for the report test"; \
		(apt-get update -qq && apt-get install -y -qq chromium) >/dev/null; }
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --cov --cov-report=term --nbmake tests notebooks

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
