PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DB ?= bulletins.db

.PHONY: run test lint install install-dev clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-dev: $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'

run: install
	$(BIN)/bulletin-nlp ingest corpus/ --db $(DB)

test: install-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src

clean:
	rm -rf $(VENV) $(DB) $(DB)-wal $(DB)-shm
