# The two commands: `make run` (set up and serve the demo) and `make test` (set up and run every test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
WORKERS ?= 2
# Test processes (pytest-xdist): one per core; each has its own SQLite files, PostgreSQL schema and ports.
TEST_WORKERS ?= auto
# Links in emails, calendar files and the feed address use the port served on; production sets PITF_BASE_URL.
ifeq ($(strip $(PITF_BASE_URL)),)
PITF_BASE_URL := http://127.0.0.1:$(PORT)
endif
export PITF_BASE_URL

.PHONY: run test lint install install-test clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed-run
install-test: $(VENV)/.installed-test

## Set up (virtualenv, install, migrate SQLite, demo data) and serve at http://127.0.0.1:$(PORT),
## with the scheduler (reminders, digests, email) in its own process beside gunicorn.
run: $(VENV)/.installed-run
	$(BIN)/pitf db upgrade
	$(BIN)/pitf demo
	@echo "Serving the PITF Coordination Platform at http://127.0.0.1:$(PORT) (scheduler running beside it)"
	@echo "Links in emails, calendar files and feeds use PITF_BASE_URL=$(PITF_BASE_URL)"
	@$(BIN)/pitf scheduler & sched=$$!; \
	trap 'kill $$sched 2>/dev/null; wait $$sched 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn -c config/gunicorn.conf.py --workers $(WORKERS) --bind 127.0.0.1:$(PORT) wsgi:app

## Set up and run the whole suite on SQLite and PostgreSQL, browser tests included
test: $(VENV)/.installed-test
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-oidc-provider.sh
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy

## The benchmark (bench/README.md): pitf demo --scale data, gunicorn as in production, wrk on every page.
## Options: BENCH_DATABASE=sqlite|postgresql BENCH_SCALE=10 BENCH_DURATION=15s BENCH_CONNECTIONS=8 BENCH_ONLY=...
bench: $(VENV)/.installed-run
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
