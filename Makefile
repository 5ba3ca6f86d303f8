# Two commands on a fresh machine: `make demo` and `make test`. Each builds or
# refreshes .venv itself (only when pyproject.toml changed) and then runs.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The demo needs only the runtime; the tests add the dev tools (browser driver,
# property testing, linters). Each stamp is redone when pyproject.toml changes.
RUNTIME := $(VENV)/.runtime-stamp
DEV     := $(VENV)/.dev-stamp

.PHONY: venv demo test lint typecheck check accuracy bench soak fuzz load migration clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME)

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(DEV) $(RUNTIME)

venv: $(DEV)

## make demo [ONCE=1]: the sample district, crawled, checked, scored and alerted on
demo: $(RUNTIME)
	$(BIN)/monitor demo $(if $(ONCE),--once,)

## make test: lint, then the whole suite (needs PostgreSQL and Redis on 127.0.0.1)
test: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make messages: extract the texts to translate (Python, rules, templates), merge
## them into each catalogue (monitor/i18n/locales/*/LC_MESSAGES/messages.po) and
## check them (translated, same fields). The .po files are read at start: no .mo.
LOCALES_DIR := monitor/i18n/locales
messages: venv
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output \
		--project disclosure-monitor -o $(LOCALES_DIR)/messages.pot .
	$(BIN)/pybabel update -i $(LOCALES_DIR)/messages.pot -d $(LOCALES_DIR) --no-wrap \
		--ignore-obsolete --no-fuzzy-matching
	$(BIN)/python -m monitor.i18n.check

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

check: lint typecheck test

## make accuracy [ACCURACY_ARGS=-v]: per-field reading of the labelled platform pages
accuracy: venv
	$(BIN)/python -m tests.parse.platforms $(ACCURACY_ARGS)

## make bench [BENCH_ARGS="--feeds 2000"] [SEARCH_BENCH_ARGS="--items 100000"]: issue 8
## and issue 19 (search) figures, writes bench/RESULTS.md
bench: venv
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m bench.search $(SEARCH_BENCH_ARGS)

## make fuzz [FUZZ_SECONDS=60]: each atheris harness in tests/reliability/fuzz for a fixed time
FUZZ_SECONDS ?= 60
fuzz: venv
	$(BIN)/python -m pip install --quiet -e '.[dev,fuzz]'
	mkdir -p var/fuzz
	set -e; for h in tests/reliability/fuzz/fuzz_*.py; do \
	  echo "== $$h"; \
	  $(BIN)/python $$h -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=var/fuzz/ -print_final_stats=1; \
	done

## make soak [SOAK_MINUTES=30]: distributed mode against a faulty farm, with restarts
SOAK_MINUTES ?= 30
soak: venv
	$(BIN)/python tests/reliability/soak.py --minutes $(SOAK_MINUTES)

## make load [LOAD_SECONDS=60 LOAD_RATE=200]: public pages under wrk while a crawl runs
LOAD_SECONDS ?= 60
LOAD_RATE ?= 200
load: venv
	$(BIN)/python tests/reliability/load.py --seconds $(LOAD_SECONDS) --rate $(LOAD_RATE)

## make migration MSG="what changed": autogenerate an Alembic revision from the models
migration: venv
	$(BIN)/python -m monitor.store.autogen $(MSG)
	$(BIN)/ruff format monitor/store/migrations/versions

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
