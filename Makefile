# clout: `make run` runs the nightly job on a generated sample through Airflow;
# `make test` runs every test. Both set themselves up on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy

PYTHON ?= python3
# uv from PATH, or bootstrapped with pip into .tools/ when the machine has none.
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin

DATA_ROOT ?= ./data
USERS ?= 20000
DAYS ?= 30
START ?= 2026-01-01
SEED ?= 7
AIRFLOW_PORT ?= 8080
BENCH_EVENTS ?= 100000000
BENCH_USERS ?= 10000000
BENCH_FORMAT ?= parquet
BENCH_HISTORY_DAYS ?= 1
BENCH_SHARDS ?= 1

.PHONY: help setup run airflow bench sample nights summary test test-fast lint format clean

help:
	@echo "make run    set up, generate a sample ($(USERS) users, $(DAYS) days) and run clout_nightly through Airflow"
	@echo "make airflow   run Airflow's UI, scheduler, dag-processor and triggerer on localhost:$(AIRFLOW_PORT) until Ctrl-C"
	@echo "make bench  time one night of $(BENCH_EVENTS) events, $(BENCH_USERS) users against the engine ceiling"
	@echo "make test   run every test (lint included)"
	@echo "make test-fast   the fast tests only"
	@echo "make clean  remove generated data, Airflow's embedded database and caches"

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet uv

# Re-syncs only when the dependencies change, so it is instant otherwise.
$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

setup: $(VENV)/.synced

sample: setup
	$(BIN)/clout generate --data-root $(DATA_ROOT) --users $(USERS) --days $(DAYS) --start $(START) --seed $(SEED)

nights: setup
	$(BIN)/python scripts/airflow_replay.py --data-root $(DATA_ROOT) --start $(START) --days $(DAYS)

# The same AIRFLOW_HOME as `make run`, so its nights show in the UI.
airflow: setup
	$(BIN)/clout airflow --data-root $(DATA_ROOT) --airflow-home $(CURDIR)/.airflow --port $(AIRFLOW_PORT)

# Generated days are cached in .bench/cache (several GB at the default size).
bench: setup
	$(BIN)/clout bench --events $(BENCH_EVENTS) --users $(BENCH_USERS) --format $(BENCH_FORMAT) --history-days $(BENCH_HISTORY_DAYS) --shards $(BENCH_SHARDS)

summary: setup
	@$(BIN)/clout summary --data-root $(DATA_ROOT)

run: setup
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory sample nights && \
	$(MAKE) --no-print-directory summary && \
	echo "make run took $$(( $$(date +%s) - start )) s"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/pytest

test-fast: lint
	$(BIN)/pytest -m "not slow"

clean:
	rm -rf $(DATA_ROOT) .airflow test-output .pytest_cache .ruff_cache
