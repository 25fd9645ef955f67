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

# ruff and mypy run inside the suite (tests/test_lint.py); the dependency audit runs first.
test: $(BIN)/planwatch services
	scripts/audit-dependencies $(BIN)/python
	$(BIN)/pytest -n 2 -q
	PLANWATCH_TEST_DB=postgresql $(BIN)/pytest -n 2 -q -m "not sqlite_only"

# ruff and mypy fail the build; pip-audit fails it on a known vulnerability, and says in one
# line when its database cannot be reached from here.
lint: $(BIN)/planwatch
	$(BIN)/ruff check .
	$(BIN)/mypy
	scripts/audit-dependencies $(BIN)/python

clean:
	rm -rf $(VENV) planwatch.db planwatch.db-* planwatch.db.service.lock planwatch-web.secret outbox tests/artifacts .pytest_cache
