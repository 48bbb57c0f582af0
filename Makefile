# AI News Tracker — developer commands. Each target creates .venv when it is missing or broken.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

CONFIG   ?= config/default.toml
DATA_DIR ?= data

# A venv is made again unless its python imports pip and is at least the version it needs (.venv:
# pyproject.toml's requires-python, its first version number; .venv-sam: the SAM CLI's, SAM_PY_MIN): one
# whose ensurepip failed (Debian without python3-venv) or of an older Python failed every make.
# PYTHON picks the interpreter that makes it. `rm -rf` of a .venv that is a symlink removes the link alone.
comma    := ,
PY_MIN   := $(shell grep -m1 '^requires-python' pyproject.toml | grep -o '[0-9][0-9.]*' | head -n1)
PY_OK     = import sys, pip; sys.exit(sys.version_info < ($(subst .,$(comma),$(1)),))
VENV_OK   = $(1)/bin/python -c '$(call PY_OK,$(2))' >/dev/null 2>&1
MAKE_VENV = if ! $(call VENV_OK,$(1),$(2)); then \
	      if [ -e $(1) ] || [ -L $(1) ]; then echo "$(1): no pip or Python < $(2) in it: made again"; fi; \
	      rm -rf $(1) && $(PYTHON) -m venv $(1) && $(call VENV_OK,$(1),$(2)) || { \
	        echo "$(1): $(PYTHON) made no venv of Python >= $(2) with pip: install python3-venv" \
	             "(Debian), or pick another interpreter: make PYTHON=python3.12 ..." >&2; exit 1; }; \
	    fi

.PHONY: run demo test lint typecheck unit clean sam-check sam-lint sam-build sam-clean

$(STAMP): pyproject.toml layers/deps/requirements.txt requirements-dev.txt
	@$(call MAKE_VENV,$(VENV),$(PY_MIN))
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

# ---------------------------------------------------------------- AWS SAM
# The SAM CLI pins an older boto3 than the project's, so it lives in its own venv, .venv-sam.
SAM_VENV         := .venv-sam
SAM_BIN          := $(SAM_VENV)/bin
SAM_CLI_VERSION  := 1.170.0
CFN_LINT_VERSION := 1.58.0
SAM_STAMP        := $(SAM_VENV)/.installed-sam-$(SAM_CLI_VERSION)-cfn-lint-$(CFN_LINT_VERSION)
SAM_ENV          := SAM_CLI_TELEMETRY=0
SAM_PY_MIN       := 3.10# aws-sam-cli's Requires-Python (the SAM venv never holds the project)

$(SAM_STAMP):
	@$(call MAKE_VENV,$(SAM_VENV),$(SAM_PY_MIN))
	$(SAM_BIN)/python -m pip install --quiet --upgrade pip
	$(SAM_BIN)/python -m pip install --quiet aws-sam-cli==$(SAM_CLI_VERSION) cfn-lint==$(CFN_LINT_VERSION)
	rm -f $(SAM_VENV)/.installed-*
	touch $@

## sam-check: cfn-lint, sam validate --lint, cfn-lint on the translated template and a container-free
## sam build (what .ci/run also calls)
sam-check: sam-lint sam-build

# Linting the SAM template misses what only the generated resources have (a circular dependency
# through an API's body, E3004): tools/sam_translate_lint.py translates the template as a deployment
# would and fails on any cfn-lint error in the result (written to .aws-sam/translated-template.json).
sam-lint: $(SAM_STAMP)
	$(SAM_BIN)/cfn-lint template.yaml
	$(SAM_ENV) $(SAM_BIN)/sam validate --lint
	$(SAM_BIN)/python tools/sam_translate_lint.py template.yaml

# sam build runs pip for Python 3.12 (the Lambda runtime), so python3.12 must run: taken from PATH,
# else the newest 3.12 that pyenv has, its bin folder put first on PATH: through pyenv's shims, the two
# layers' builds each ran `pyenv rehash` after their pip install at once, and the one that found the
# other's lock failed the build. The build goes to .aws-sam/ (gitignored).
sam-build: $(SAM_STAMP)
	@set -e; \
	if python3.12 -c '' >/dev/null 2>&1; then :; \
	elif command -v pyenv >/dev/null 2>&1 && \
	     py312=$$(pyenv versions --bare 2>/dev/null | grep -E '^3\.12\.[0-9]+$$' | sort -t. -k3,3n | tail -n1) && \
	     [ -n "$$py312" ]; then \
	  PYENV_VERSION="$$(pyenv version-name 2>/dev/null || echo system):$$py312"; export PYENV_VERSION; \
	  PATH="$$(pyenv root)/versions/$$py312/bin:$$PATH"; export PATH; \
	  echo "sam-build: python3.12 from pyenv (PYENV_VERSION=$$PYENV_VERSION, its bin first on PATH)"; \
	else \
	  echo "sam-build: sam build needs python3.12 (the Lambda runtime) on PATH; install it," \
	       "e.g. 'pyenv install 3.12', or run this target where python3.12 is available" >&2; \
	  exit 1; \
	fi; \
	echo "$(SAM_ENV) $(SAM_BIN)/sam build --build-in-source"; \
	$(SAM_ENV) $(SAM_BIN)/sam build --build-in-source

sam-clean:
	rm -rf $(SAM_VENV) .aws-sam

# ---------------------------------------------------------------- benchmarks
.PHONY: bench

## bench: every bench/*.py (not part of `make test`): each figure printed with PASS/FAIL against its
## target (bench/RESULTS.md). All of them run; the target exits 1 when any target was missed.
bench: $(STAMP)
	@status=0; for script in bench/[!_]*.py; do \
	  $(BIN)/python $$script || status=1; \
	done; exit $$status
