# Trámite Digital — the README's two commands are `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 3000
export REFLEX_USE_NPM := 1
export REFLEX_TELEMETRY_ENABLED := false
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup sysdeps run scale test test-unit test-e2e bench bench-peak bench-search lighthouse audit-verify lint format demo-data migrate clean

$(VENV)/.stamp-req: requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

tests/e2e/node_modules/axe-core/axe.min.js: tests/e2e/package.json | $(VENV)/.stamp-req
	cd tests/e2e && npm install --no-audit --no-fund --loglevel=error

## The real OpenID provider the single sign-on tests start on loopback (npm oidc-provider, tests/oidc_provider.py).
OIDC_PROVIDER := tests/oidc/node_modules/oidc-provider/package.json
$(OIDC_PROVIDER): tests/oidc/package.json tests/oidc/package-lock.json | $(VENV)/.stamp-req
	cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.stamp-req

## Debian packages the app and its tests call, installed when missing (as root; otherwise the one
## apt-get line to run is printed and make stops): OCR (tesseract + Spanish), pdftotext (poppler),
## Chromium (browser tests), Ghostscript (PDF tests), redis-server (the tests start their own), nginx
## with its brotli_static module (`make scale` and tests/e2e/test_proxy.py; its service is never used).
SYSDEPS := tesseract-ocr tesseract-ocr-spa poppler-utils chromium ghostscript redis-server nginx libnginx-mod-http-brotli-static
sysdeps:
	@missing=""; \
	command -v tesseract >/dev/null || missing="$$missing tesseract-ocr"; \
	tesseract --list-langs 2>/dev/null | grep -qx spa || missing="$$missing tesseract-ocr-spa"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v gs >/dev/null || missing="$$missing ghostscript"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	test -x /usr/sbin/nginx || missing="$$missing nginx"; \
	test -f /usr/lib/nginx/modules/ngx_http_brotli_static_module.so || missing="$$missing libnginx-mod-http-brotli-static"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Instalando$$missing…"; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$$missing >/dev/null; \
	  else echo "Faltan paquetes del sistema; instálelos como root con:"; \
	    echo "  sudo apt-get install$$missing"; exit 1; fi; \
	fi

## Set everything up, create the database with demo data, and serve the production build.
run: setup sysdeps
	$(PY) -m sgd_app init
	PORT=$(PORT) $(VENV)/bin/reflex run --env prod --single-port --frontend-port $(PORT) --backend-port $(PORT)

## The scaled set-up on this machine (docs/deploy.md): $(WORKERS) workers sharing state through Redis
## (REFLEX_REDIS_URL, or a redis-server started here), DATABASE_URL (PostgreSQL), behind nginx on
## https://localhost:$(HTTPS_PORT) (HTTP $(HTTP_PORT) redirects). Ctrl+C stops; kill -HUP restarts the workers one by one.
WORKERS ?= 2
HTTPS_PORT ?= 8443
HTTP_PORT ?= 8080
scale: setup sysdeps
	$(PY) -m sgd_app init
	$(PY) -m sgd_app scale --workers $(WORKERS) --port $(HTTPS_PORT) --http-port $(HTTP_PORT)

## Set everything up and run every test: unit and integration on $(TEST_WORKERS) processes, then
## the browser tests (production build + Chromium) alone, so nothing else competes for the CPU.
TEST_WORKERS ?= 2
test: setup sysdeps tests/e2e/node_modules/axe-core/axe.min.js $(OIDC_PROVIDER)
	$(MAKE) --no-print-directory lint
	$(PY) -m pytest -q -n $(TEST_WORKERS) -m "not browser" --durations=15
	$(PY) -m pytest -q -m browser --durations=15

test-unit: setup $(OIDC_PROVIDER)
	$(PY) -m pytest -q tests/unit tests/integration

## Browser tests only (Playwright on Debian's chromium against the production build).
test-e2e: setup sysdeps tests/e2e/node_modules/axe-core/axe.min.js $(OIDC_PROVIDER)
	$(PY) -m pytest -q tests/e2e

bench: setup sysdeps
	$(PY) -m bench.run

## 1,000 citizens at /mesa-de-partes at once, this app vs a bare Reflex app (bench/bare), one worker and
## two workers + Redis (about 12 minutes; BENCH_PEAK_CITIZENS, BENCH_PEAK_WORKERS=1 for a shorter run).
bench-peak: setup sysdeps
	$(PY) -m bench.peak

## Search over a generated corpus (default 1,000,000 documents of ~2 KB; BENCH_SEARCH_DOCS=20000 for a quick run).
bench-search: setup
	$(PY) -m bench.search

## Lighthouse 13 (mobile) on every citizen page of the production build with demo data: prints
## lighthouse_<page>_perf / _a11y / _bp / _cls / _kib (median of LH_RUNS=3). LIGHTHOUSE=path of the
## offline set-up script (default ../shared/tools/lighthouse.sh).
lighthouse: setup
	$(PY) -m bench.lighthouse

## A realistic year of cases for demos: make demo-data N=100000
N ?= 10000
demo-data: setup
	$(PY) -m sgd_app init
	$(PY) -m sgd_app demo-data --n $(N)

## Rules (ruff.toml), formatting, the layers and no cycles (.importlinter), types of the domain (mypy.ini).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Upgrade the database schema in place (make run does it too); new revisions: python -m sgd_app makemigration "msg"
migrate: setup
	$(PY) -m sgd_app migrate

audit-verify: setup
	$(PY) -m sgd_app audit verify

clean:
	rm -rf .web .states data
