# The README's two commands: `make demo` and `make test`. Every other target is a set-up step they
# share; each is a stamp file that only rebuilds when its inputs change, so a second run takes seconds.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
SOLIDITY := $(shell find contracts -name '*.sol' -not -path 'contracts/test/*' 2>/dev/null)

.PHONY: demo test setup setup-core lint typecheck pytest bench clean

demo: setup-core
	$(BIN)/omniarb demo

test: setup lint typecheck pytest

# What the demo needs; the tests also need the Debian packages below.
setup-core: $(VENV)/.installed node_modules/.installed build/contracts/.built build/v2-forks/.built \
	dashboard/dist/.built

setup: system-packages setup-core

# Debian packages the tests run for real: influxd (the InfluxDB sink), promtool (the alerting
# rules), chromium (the dashboard's browser tests), softhsm2 (the PKCS#11 signer's token), and PostgreSQL's initdb/pg_ctl and
# redis-server, for the private servers tests/_servers.py starts when none answers at
# OMNIARB_TEST_PG_URL / OMNIARB_TEST_REDIS_URL. Installed only when missing; needs root (CI and
# these machines run as root). Debian keeps initdb off the PATH, under /usr/lib/postgresql/*/bin.
SYSTEM_TOOLS := influxd promtool chromium redis-server softhsm2-util
SYSTEM_PACKAGES := influxdb prometheus chromium redis-server postgresql softhsm2
.PHONY: system-packages
system-packages:
	@missing=""; for tool in $(SYSTEM_TOOLS); do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing initdb"; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages for:$$missing"; \
		if [ "$$(id -u)" -ne 0 ]; then echo "error: installing $(SYSTEM_PACKAGES) needs root (apt-get)" >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; \
	fi

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; omni-arb needs Python 3.11" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "error: npm not found; omni-arb needs Node 20 with npm" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

build/contracts/.built: $(VENV)/.installed node_modules/.installed $(SOLIDITY) omniarb/contracts/build.py
	$(BIN)/python -m omniarb.contracts.build --out build/contracts
	touch $@

# The devnet's V2 forks (SushiSwap's V2, a 25 bps Uniswap V2), compiled from the npm packages'
# sources with the solc-js versions they pin; the module documents each source change.
build/v2-forks/.built: $(VENV)/.installed node_modules/.installed omniarb/contracts/v2_forks.py \
		omniarb/contracts/build.py
	$(BIN)/python -m omniarb.contracts.v2_forks --out build/v2-forks
	touch $@

# The web dashboard (React + TypeScript, its own npm project): type-checked and bundled by Vite
# into dashboard/dist/, which the API serves at `/`.
DASHBOARD_SOURCES := $(shell find dashboard/src -type f 2>/dev/null) \
	dashboard/index.html dashboard/package.json dashboard/tsconfig.json dashboard/vite.config.ts
dashboard/dist/.built: dashboard/package-lock.json $(DASHBOARD_SOURCES)
	@command -v npm >/dev/null || { echo "error: npm not found; omni-arb needs Node 20 with npm" >&2; exit 1; }
	cd dashboard && npm ci --no-audit --no-fund --loglevel=error && npm run build
	touch $@

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy omniarb

pytest: setup
	$(BIN)/pytest -n 2 --dist loadgroup -q

bench: setup
	$(BIN)/python benchmarks/devnet.py
	$(BIN)/python benchmarks/sync.py
	$(BIN)/python benchmarks/detect.py
	$(BIN)/python benchmarks/sizing.py
	$(BIN)/python benchmarks/execute.py
	$(BIN)/python benchmarks/allocate.py
	$(BIN)/python benchmarks/signing.py
	$(BIN)/python benchmarks/v3.py
	$(BIN)/python benchmarks/protocols.py
	$(BIN)/python benchmarks/rpc.py
	$(BIN)/python benchmarks/loop.py

clean:
	rm -rf build dashboard/dist .mypy_cache .pytest_cache .ruff_cache
