# tlsbench: `make run` measures, `make test` checks. Both set up .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
THREADS ?= 8

.PHONY: run test lint bench clean

$(BIN)/tlsbench: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/tlsbench
	$(BIN)/tlsbench run --threads $(THREADS)

test: $(BIN)/tlsbench
	$(BIN)/python -m pytest -q

lint: $(BIN)/tlsbench
	$(BIN)/ruff check tlsbench tests benchmarks
	$(BIN)/mypy

bench: $(BIN)/tlsbench
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
