# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
# Links in emails and open data follow the port unless BASE_URL is set: in the environment,
# on the command line (make run BASE_URL=...) or in .env, which the app reads itself.
DEV_BASE_URL := $(or $(BASE_URL),$(if $(shell grep -s '^ *BASE_URL *=' .env),,http://127.0.0.1:$(PORT)))

# uv installs exactly the tree that uv.lock pins (the one CI tested); the Makefile brings its own uv.
UV_VERSION := 0.13.9
UV_DIR := .uv
UV := $(UV_DIR)/bin/uv
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
# --locked: stop, rather than quietly re-resolve, when pyproject.toml and uv.lock disagree.
SYNC := $(UV) sync --locked --quiet

# What WeasyPrint loads to lay out PDFs (charter_app/pdf.py); `make run` works without them.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core

.PHONY: run test lint bench assets install install-run lock clean cluster-test

$(UV_DIR)/.version-$(UV_VERSION):
	rm -rf $(UV_DIR)
	$(PYTHON) -m pip install --quiet --root-user-action=ignore --target $(UV_DIR) uv==$(UV_VERSION)
	touch $@

# What running needs, and nothing else; --inexact keeps test tools an earlier `make test` added.
# Compiled once here, so each of the three commands `make run` starts need not compile the
# libraries again (they would, every time, where PYTHONDONTWRITEBYTECODE is set).
install-run: $(UV_DIR)/.version-$(UV_VERSION)
	$(SYNC) --inexact --compile-bytecode

# Everything, test tools included (what `make test` and development use).
install: $(UV_DIR)/.version-$(UV_VERSION)
	$(SYNC) --extra test

# After changing a pin in pyproject.toml: re-resolve and commit uv.lock with it.
lock: $(UV_DIR)/.version-$(UV_VERSION)
	$(UV) lock

run: install-run
	$(FLASK) db upgrade
	$(FLASK) charter seed-demo --if-empty
	$(if $(DEV_BASE_URL),BASE_URL='$(DEV_BASE_URL)') $(FLASK) charter dev-server --port $(PORT)

# Style and bugs (ruff), and the package's shape (import-linter contracts in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Runs on SQLite always, and again on PostgreSQL when TEST_DATABASE_URL is set.
test: lint
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		(apt-get update -qq && apt-get install -y -qq chromium >/dev/null); } || \
		echo "Chromium is not installed (apt-get install chromium): browser tests will be skipped."
	@ldconfig -p | grep -q libpangoft2-1.0 && ldconfig -p | grep -q libharfbuzz-subset || \
		{ [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		(apt-get update -qq && apt-get install -y -qq $(PDF_PACKAGES) >/dev/null); } || \
		echo "PDF libraries missing (apt-get install $(PDF_PACKAGES)): PDF tests will fail."
	@PATH="$$PATH:/usr/sbin" command -v redis-server >/dev/null || \
		{ [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		(apt-get update -qq && apt-get install -y -qq redis-server >/dev/null); } || \
		echo "redis-server is not installed (apt-get install redis-server): Redis tests will be skipped."
	$(BIN)/pytest --db sqlite
	@if [ -n "$$TEST_DATABASE_URL" ]; then $(BIN)/pytest --db postgres; fi
	$(MAKE) --no-print-directory cluster-test CLUSTER_PROFILE=short

# The real servers from deploy/ on loopback under load and failure (README, "The cluster test").
# CLUSTER_PROFILE=short is what `make test` runs; the default is the full one.
CLUSTER_PROFILE ?= full
CLUSTER_PACKAGES := redis-server nginx-light supervisor gettext-base openssl
cluster-test: install
	@missing=""; for tool in redis-server nginx supervisord envsubst openssl; do \
		PATH="$$PATH:/usr/sbin" command -v $$tool >/dev/null || missing=1; done; \
		if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq $(CLUSTER_PACKAGES) >/dev/null; fi
	$(BIN)/python -m tests.cluster --profile $(CLUSTER_PROFILE) $(if $(CHARTER_REQUIRE_CLUSTER),--require)

bench: install
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/run.py

assets:
	bash scripts/build_assets.sh

clean:
	rm -rf $(VENV) $(UV_DIR) instance test-artifacts .pytest_cache .ruff_cache
