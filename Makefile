# The two commands: `make up` runs the whole system with demo data; `make test` sets up and
# runs every check. Both bootstrap uv on a machine that only has Python 3.11+.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never

TOOLS := $(CURDIR)/.tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
PYTEST_WORKERS ?= auto

.PHONY: up test sync lint typecheck pytest schema bench clean

$(TOOLS)/bin/uv:
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv

sync: | $(UV)
	$(UV) sync --frozen --quiet

up: sync
	$(UV) run --frozen python -m punte_platform.devserver

test: sync lint typecheck pytest

lint: sync
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen lint-imports

typecheck: sync
	$(UV) run --frozen mypy .

pytest: sync
	$(UV) run --frozen pytest -n $(PYTEST_WORKERS) --dist loadfile

schema: sync
	$(UV) run --frozen python -m punte_gateway.graphql.schema

bench: sync
	$(UV) run --frozen python bench/run_all.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
