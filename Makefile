# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
# Reinstall whenever pyproject.toml changes.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run test lint bench assets install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	$(FLASK) db upgrade
	$(FLASK) charter seed-demo --if-empty
	$(FLASK) charter dev-server

# Style and bugs (ruff), and the package's shape (import-linter contracts in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Runs on SQLite always, and again on PostgreSQL when TEST_DATABASE_URL is set.
test: lint
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		(apt-get update -qq && apt-get install -y -qq chromium >/dev/null); } || \
		echo "Chromium is not installed (apt-get install chromium): browser tests will be skipped."
	$(BIN)/pytest --db sqlite
	@if [ -n "$$TEST_DATABASE_URL" ]; then $(BIN)/pytest --db postgres; fi

bench: install
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/run.py

assets:
	bash scripts/build_assets.sh

clean:
	rm -rf $(VENV) instance test-artifacts .pytest_cache .ruff_cache
