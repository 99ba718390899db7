# The README's two commands: `make demo` and `make test`. Every other target is a set-up step they
# share; each is a stamp file that only rebuilds when its inputs change, so a second run takes seconds.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
SOLIDITY := $(shell find contracts -name '*.sol' 2>/dev/null)

.PHONY: demo test setup lint typecheck pytest bench clean

demo: setup
	$(BIN)/omniarb demo

test: setup lint typecheck pytest

setup: system-packages $(VENV)/.installed node_modules/.installed build/contracts/.built

# Debian packages the tests run for real: influxd (the InfluxDB sink) and promtool (the alerting
# rules). Installed only when missing; needs root (CI and these machines run as root).
SYSTEM_TOOLS := influxd promtool
.PHONY: system-packages
system-packages:
	@missing=""; for tool in $(SYSTEM_TOOLS); do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages for:$$missing"; \
		if [ "$$(id -u)" -ne 0 ]; then echo "error: installing influxdb and prometheus needs root (apt-get)" >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends influxdb prometheus >/dev/null; \
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

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy omniarb

pytest: setup
	$(BIN)/pytest -n 2 --dist loadgroup -q

bench: setup
	$(BIN)/python benchmarks/devnet.py
	$(BIN)/python benchmarks/sync.py
	$(BIN)/python benchmarks/detect.py
	$(BIN)/python benchmarks/execute.py
	$(BIN)/python benchmarks/signing.py
	$(BIN)/python benchmarks/v3.py

clean:
	rm -rf build .mypy_cache .pytest_cache .ruff_cache
