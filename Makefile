# Two entry points: `make demo` (set up, replay the seed captures) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

LOCK   := requirements/test.txt

.PHONY: demo test test-sqlite test-postgres services lint lock clean

# The virtualenv gets exactly the pinned, hash-checked set of the lock (runtime and test), then
# planwatch itself, editable, without resolving anything. The venv's own pip does it, not an
# upgraded one: the pip a user has is the pip CI installs with.
$(BIN)/planwatch: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# Refreshes requirements/*.txt from pyproject.toml's ranges, for every platform and Python 3.11+.
# Pins already in the lock are kept when they still fit; `make lock LOCK_FLAGS=--upgrade` takes the
# newest releases. runtime.txt is resolved within test.txt, so its pins are the ones CI tested.
LOCK_FLAGS ?=
UV_COMPILE  = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --quiet $(LOCK_FLAGS)
lock: $(BIN)/planwatch
	$(UV_COMPILE) --extra test -o requirements/test.txt
	$(UV_COMPILE) -c requirements/test.txt -o requirements/runtime.txt

demo: $(BIN)/planwatch
	$(BIN)/planwatch replay seeds/
	$(BIN)/planwatch plans

services:
	scripts/ensure-services

# ruff and mypy run inside the suite (tests/test_lint.py); the dependency audit runs first.
test: $(BIN)/planwatch services
	scripts/audit-dependencies $(BIN)/python
	scripts/check-wheel $(BIN)/python
	$(BIN)/pytest -n 2 -q
	PLANWATCH_TEST_DB=postgresql $(BIN)/pytest -n 2 -q -m "not sqlite_only"

# ruff and mypy fail the build; pip-audit fails it on a known vulnerability, and says in one
# line when its database cannot be reached from here.
lint: $(BIN)/planwatch
	$(BIN)/ruff check .
	$(BIN)/mypy
	scripts/audit-dependencies $(BIN)/python

clean:
	rm -rf $(VENV) planwatch.db planwatch.db-* planwatch.db.service.lock planwatch-web.secret outbox tests/artifacts .pytest_cache build dist
