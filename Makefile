PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DB ?= bulletins.db

.PHONY: run test lint install install-dev clean train-model

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e '.[serve]'

install-dev: $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'

run: install
	$(BIN)/bulletin-nlp ingest corpus/ --db $(DB)
	$(BIN)/bulletin-nlp report --db $(DB) --out report.html

test: install-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src

# Retrain the model stage's NER from ../shared/data/ner (CPU, ~40 min; see docs/model.md).
train-model: install
	nice -n 5 $(BIN)/python scripts/train_model.py

clean:
	rm -rf $(VENV) $(DB) $(DB)-wal $(DB)-shm report.html
