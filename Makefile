# AI News Tracker — developer commands. Each target creates .venv when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

CONFIG   ?= config/default.toml
DATA_DIR ?= data

.PHONY: run demo test lint typecheck unit clean

$(STAMP): pyproject.toml layers/deps/requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r layers/deps/requirements.txt -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## run: the live run on config/default.toml (needs internet), writing under ./data
run: $(STAMP)
	$(BIN)/ai-news-tracker run --config $(CONFIG) --data-dir $(DATA_DIR)

## demo: the same pipeline offline, on the bundled demo feeds served from loopback
demo: $(STAMP)
	$(BIN)/python demo/run_demo.py --data-dir demo-data

## test: lint, type-check and the whole test suite (what .ci/run calls)
test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info layers/core/*.egg-info
