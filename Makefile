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
# The venv is rebuilt when the pinned requirements change.
VENV_STAMP := $(VENV)/.requirements.txt
LOADTEST_SECONDS ?= 10
# Rows of the synthetic ballots table for `make synth` and `make bench` (100k, 1M, 10M).
SIZES ?= 100k,1M
# Steps `make bench` times (e.g. STEPS=ours,sqlite,parquet,publish skips the slow reference at 10M).
STEPS ?= frictionless,duckdb-read,ours,ours+rules,sqlite,parquet,publish,portal
# The synthetic size whose largest table `make portalbench` loads (generated and published first).
PORTALBENCH_SIZE ?= 1M

.PHONY: help venv validate publish serve test loadtest synth bench portalbench clean distclean

help:
	@echo "make serve     build the release if needed and serve the portal on http://127.0.0.1:8001"
	@echo "make test      run the whole test suite"
	@echo "make validate  check raw/ against schemas/ (report also in build/validation-report.json)"
	@echo "make publish   validate and publish a release to published/ (after editing raw/)"
	@echo "make loadtest  load the portal with wrk on loopback; prints requests/s, p50/p95/p99, errors"
	@echo "make synth     write synthetic national-scale projects to build/synth/ (SIZES=100k,1M; with and without errors)"
	@echo "make bench     time frictionless vs our validation, SQLite, Parquet and publish on synthetic data (SIZES=100k,1M)"
	@echo "make portalbench  our portal vs bare datasette -i under wrk on the synthetic PORTALBENCH_SIZE (1M) project's largest table"
	@echo "make clean     remove generated releases and reports (keeps the venv)"

$(VENV_STAMP): requirements.txt
	@echo "==> Creating $(VENV) with the pinned dependencies of requirements.txt"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	cp requirements.txt $@

venv: $(VENV_STAMP)

validate: $(VENV_STAMP)
	@echo "==> Validating raw/ against schemas/ and metadata/rules.yaml"
	$(PY) -m pipeline validate --report-json build/validation-report.json

# Always runs: an unchanged input gives the same release id and nothing is swapped.
publish: $(VENV_STAMP)
	@echo "==> Publishing raw/ to published/ (atomic; the last good release stays on failure)"
	$(PY) -m pipeline publish --report-json build/validation-report.json

serve: publish
	@echo "==> Serving the portal (Ctrl-C to stop)"
	$(PY) -m pipeline serve

# The browser-side test tools (axe-core), reinstalled when package-lock.json changes.
NODE_STAMP := node_modules/.package-lock.json
$(NODE_STAMP): package-lock.json
	@echo "==> Installing the browser test tools pinned in package-lock.json (axe-core)"
	npm ci --no-audit --no-fund
	touch $@

test: $(VENV_STAMP) $(NODE_STAMP)
	@echo "==> Running the test suite"
	$(PY) -m pytest

loadtest: publish
	@echo "==> Load test of the portal on 127.0.0.1 (wrk; $(LOADTEST_SECONDS) s a page)"
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(PY) -m pipeline loadtest --seconds $(LOADTEST_SECONDS)

synth: $(VENV_STAMP)
	@echo "==> Writing SYNTHETIC national-scale projects ($(SIZES) ballots) to build/synth/"
	$(PY) -m pipeline.synth --sizes $(SIZES)
	$(PY) -m pipeline.synth --sizes $(SIZES) --errors

bench: $(VENV_STAMP)
	@echo "==> Benchmark on SYNTHETIC data ($(SIZES) ballots): wall time, rows/s, peak memory of each step"
	@command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(PY) -m pipeline.bench --sizes $(SIZES) --steps $(STEPS)

portalbench: $(VENV_STAMP)
	@echo "==> Portal under load on the largest table of the synthetic $(PORTALBENCH_SIZE) project, beside bare datasette -i (wrk; its settings head the table)"
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(PY) -m pipeline.bench --sizes $(PORTALBENCH_SIZE) --steps portal

clean:
	@echo "==> Removing generated releases and reports"
	rm -rf published releases build tests/output .pytest_cache

distclean: clean
	@echo "==> Removing the virtual environment"
	rm -rf $(VENV) node_modules
