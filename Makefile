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

setup: $(VENV)/.installed node_modules/.installed build/contracts/.built

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

clean:
	rm -rf build .mypy_cache .pytest_cache .ruff_cache
