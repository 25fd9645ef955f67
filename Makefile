# Two entry points: `make demo` (set up, replay the seed captures) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test test-sqlite test-postgres services lint clean

$(BIN)/planwatch: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/planwatch
	$(BIN)/planwatch replay seeds/
	$(BIN)/planwatch plans

services:
	scripts/ensure-services

test: $(BIN)/planwatch services
	$(BIN)/pytest -n 2 -q
	PLANWATCH_TEST_DB=postgresql $(BIN)/pytest -n 2 -q -m "not sqlite_only"

lint: $(BIN)/planwatch
	$(BIN)/ruff check .
	$(BIN)/mypy planwatch storage extractors alerts crawler

clean:
	rm -rf $(VENV) planwatch.db planwatch.db-* outbox tests/artifacts .pytest_cache
