# The two commands: `make up` runs the whole system with demo data; `make test` sets up and
# runs every check. Both bootstrap uv on a machine that only has Python 3.11+; the staff web UI
# (web/) also needs Node.js >= 20.19 with npm.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never

TOOLS := $(CURDIR)/.tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
PYTEST_WORKERS ?= auto

.PHONY: up test sync lint typecheck pytest schema bench clean node web web-check chromium

# The web UI is installed (npm ci) when its lock file changed and built when a source did.
WEB_SOURCES := $(shell find web/src -type f -not -path '*/__generated__/*' 2>/dev/null) \
	web/index.html web/vite.config.ts web/relay.config.json web/tsconfig.json gateway/schema.graphql
WEB_INSTALLED := web/node_modules/.installed
WEB_BUILT := web/dist/index.html

$(TOOLS)/bin/uv:
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv

sync: | $(UV)
	$(UV) sync --frozen --quiet

up: sync web
	$(UV) run --frozen python -m punte_platform.devserver

test: sync lint typecheck web-check web chromium pytest

node:
	@command -v node >/dev/null && command -v npm >/dev/null || \
		{ echo "The web UI needs Node.js >= 20.19 with npm (https://nodejs.org)" >&2; exit 1; }
	@node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' || \
		{ echo "Node.js $$(node --version) is too old: the web UI needs >= 20.19" >&2; exit 1; }

$(WEB_INSTALLED): web/package.json web/package-lock.json | node
	cd web && npm ci --no-audit --no-fund
	touch $@

$(WEB_BUILT): $(WEB_INSTALLED) $(WEB_SOURCES)
	cd web && npm run build

web: $(WEB_BUILT)

# Relay's compiler fails when a query no longer matches gateway/schema.graphql.
web-check: $(WEB_INSTALLED)
	cd web && npm run relay && npm run typecheck && npm run lint && npm test

# The browser tests drive Debian's Chromium; with CI=true a missing one fails them.
chromium:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "Chromium is missing (sudo apt-get install chromium): browser tests will skip" >&2; \
		fi

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
	rm -rf var .pytest_cache .mypy_cache .ruff_cache web/dist web/src/__generated__
