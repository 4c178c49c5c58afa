# The two commands in the README: `make run` and `make test`. Both set up what they need and are
# safe to run again.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run test lint typecheck unit services web bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

web: $(STAMP)
	scripts/build-web

run: $(STAMP) web
	$(BIN)/townhall serve

services:
	@scripts/ensure-services

lint: $(STAMP)
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/ruff format --check src tests $(wildcard bench)

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) services web
	$(MAKE) --no-print-directory lint typecheck
	scripts/ensure-js-deps
	scripts/ensure-chromium
	scripts/ensure-clamav
	scripts/ensure-janus
	scripts/ensure-coturn
	cd web && node_modules/.bin/vitest run
	scripts/ensure-python-bots
	$(BIN)/pytest -p no:cacheprovider -n 2 --durations=40  # two at a time: many tests wait on servers, browsers, clocks; the slowest named, to keep the run under 30 minutes

bench: $(STAMP) services
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache src/townhall/web_dist web/node_modules
