# Two entry points: `make run` (check the bundled examples) and `make test`
# (the whole suite). Both build their own virtual environment from pyproject.toml.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test docs bench bench-traffic bench-cluster fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The stamp is rebuilt whenever pyproject.toml changes, so a stale environment never hides a missing dependency.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet ".[dev]"
	touch $@

run: $(VENV)/.installed
	@# Exit status 1 means the examples hold contract violations, which they are meant to.
	$(BIN)/ciba-contracts validate examples/payloads || [ $$? -eq 1 ]

test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --no-deps --force-reinstall .
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -p no:cacheprovider -q

docs: $(VENV)/.installed
	$(BIN)/ciba-contracts rules --format markdown > docs/rules.md

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/throughput.py

bench-traffic: $(VENV)/.installed
	$(BIN)/python benchmarks/traffic.py

bench-cluster: $(VENV)/.installed
	$(BIN)/python benchmarks/cluster.py

# The long fuzz pass (about 15 minutes on one core): FUZZ_ARGS="--minutes 5" shortens it.
fuzz: $(VENV)/.installed
	$(BIN)/python -m fuzz $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) dist build
