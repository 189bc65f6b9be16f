# Trámite Digital — the README's two commands are `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 3000
export REFLEX_USE_NPM := 1
export REFLEX_TELEMETRY_ENABLED := false
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup run test test-unit test-e2e bench audit-verify lint demo-data clean

$(VENV)/.stamp-req: requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

tests/e2e/node_modules/axe-core/axe.min.js: tests/e2e/package.json | $(VENV)/.stamp-req
	cd tests/e2e && npm install --no-audit --no-fund --loglevel=error

setup: $(VENV)/.stamp-req

## Set everything up, create the database with demo data, and serve the production build.
run: setup
	$(PY) -m sgd_app init
	PORT=$(PORT) $(VENV)/bin/reflex run --env prod --single-port --frontend-port $(PORT) --backend-port $(PORT)

## Set everything up and run every test (unit, integration, browser).
test: setup tests/e2e/node_modules/axe-core/axe.min.js
	@command -v chromium >/dev/null || echo "chromium is missing: browser tests need Debian's chromium (apt-get install chromium)"
	$(PY) -m pytest -q

test-unit: setup
	$(PY) -m pytest -q tests/unit tests/integration

bench: setup
	$(PY) -m bench.run

## A realistic year of cases for demos: make demo-data N=100000
N ?= 10000
demo-data: setup
	$(PY) -m sgd_app init
	$(PY) -m sgd_app demo-data --n $(N)

lint: setup
	$(VENV)/bin/ruff check --select F sgd_app tests bench

audit-verify: setup
	$(PY) -m sgd_app audit verify

clean:
	rm -rf .web .states data
