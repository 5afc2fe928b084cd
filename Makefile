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

# Single sign-on beside the demo: `make sso-dev` in one terminal, `make run SSO=dev` in another (README, Sign-in).
SSO_DEV_PORT ?= 5556
ifeq ($(SSO),dev)
export PITF_OIDC_PROVIDERS := dev
export PITF_OIDC_DEV_ISSUER := http://127.0.0.1:$(SSO_DEV_PORT)
export PITF_OIDC_DEV_CLIENT_ID := pitf-dev
export PITF_OIDC_DEV_CLIENT_SECRET := pitf-dev-secret-only-for-the-local-provider
export PITF_OIDC_DEV_LABEL := the local test provider
endif

.PHONY: run test lint install install-test clean bench sso-dev

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

## A local OpenID provider (oidc-provider) at http://127.0.0.1:$(SSO_DEV_PORT) knowing the demo's accounts, each
## with the password sso-demo (config/sso-dev.json); `make run SSO=dev` shows "Sign in with the local test provider".
sso-dev:
	bash scripts/ensure-oidc-provider.sh
	@echo "Local OpenID provider at http://127.0.0.1:$(SSO_DEV_PORT): sign in as a demo account's email, password sso-demo"
	OIDC_PROVIDER_PORT=$(SSO_DEV_PORT) node tests/oidc/provider.mjs config/sso-dev.json

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
