# The two commands of the README: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

.PHONY: install serve test lint bench
install: $(STAMP)

serve: $(STAMP)  ## install, then run the service on the embedded SQLite file ./ledger.db
	$(BIN)/ledger serve --host $${HOST:-127.0.0.1} --port $${PORT:-8000}

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: $(STAMP) lint  ## install, start PostgreSQL if it is down, install Chromium and Go if missing, lint, run every test
	scripts/ensure-postgres
	scripts/ensure-chromium
	scripts/ensure-go
	$(BIN)/pytest -n auto --durations=15  # each test has its own database, files and port; the slowest named

bench: $(STAMP)  ## install, start PostgreSQL if it is down, run every benchmark (long: BENCH_ARGS=--quick for a smoke test)
	scripts/ensure-postgres
	PYTHONPATH=. $(BIN)/python -m bench $(BENCH_ARGS)
