# The README's two commands: `make demo` and `make test`. Every other target is a set-up step they
# share; each is a stamp file that only rebuilds when its inputs change, so a second run takes seconds.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# The test tools that get their own virtualenv (see its target below).
TOOLS_VENV := .venv-tools
CHECKOV_VERSION := 3.3.30
SOLIDITY := $(shell find contracts -name '*.sol' -not -path 'contracts/test/*' 2>/dev/null)

.PHONY: demo test setup setup-core lint typecheck pytest bench clean

demo: setup-core
	$(BIN)/omniarb demo

test: setup lint typecheck pytest

# What the demo needs; the tests also need the Debian packages below.
setup-core: $(VENV)/.installed node_modules/.installed build/contracts/.built build/v2-forks/.built \
	dashboard/dist/.built

setup: system-packages setup-core $(TOOLS_VENV)/.installed build/debian-kubectl/.unpacked

# Debian packages the tests run for real: influxd (the InfluxDB sink), promtool (the alerting
# rules), chromium (the dashboard's browser tests), softhsm2 (the PKCS#11 signer's token), kubectl
# (package kubernetes-client: `kubectl kustomize` renders deploy/k8s; bookworm's is 1.20, whose
# kustomize v2 reads the same kustomization files as a current kubectl's v5), and PostgreSQL's
# initdb/pg_ctl and redis-server, for the private servers tests/_servers.py starts when none
# answers at OMNIARB_TEST_PG_URL / OMNIARB_TEST_REDIS_URL. Installed only when missing; needs root
# (CI and these machines run as root). Debian keeps initdb off the PATH, under
# /usr/lib/postgresql/*/bin.
# tool:package pairs; only the packages of missing tools are installed, so a machine whose
# kubectl (say) comes from another package keeps it rather than failing on a file conflict.
SYSTEM_TOOLS := influxd:influxdb promtool:prometheus chromium:chromium redis-server:redis-server \
	softhsm2-util:softhsm2 kubectl:kubernetes-client
.PHONY: system-packages
system-packages:
	@missing=""; packages=""; for pair in $(SYSTEM_TOOLS); do tool=$${pair%%:*}; \
		command -v $$tool >/dev/null || { missing="$$missing $$tool"; packages="$$packages $${pair#*:}"; }; done; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { missing="$$missing initdb"; packages="$$packages postgresql"; }; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages for:$$missing"; \
		if [ "$$(id -u)" -ne 0 ]; then echo "error: installing$$packages needs root (apt-get)" >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$packages >/dev/null; \
	fi

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; omni-arb needs Python 3.11" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# checkov (the Dockerfile's and the rendered manifests' checks, tests/deploy) in a virtualenv of
# its own: it pins many packages exactly, and must not move the project's. Pinned, so a new
# release's new checks land by a deliberate change here.
$(TOOLS_VENV)/.installed: Makefile
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; omni-arb needs Python 3.11" >&2; exit 1; }
	test -x $(TOOLS_VENV)/bin/python || $(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(TOOLS_VENV)/bin/python -m pip install --quiet checkov==$(CHECKOV_VERSION)
	touch $@

# Debian's kubectl (package kubernetes-client; bookworm's is 1.20, with kustomize v2), unpacked
# here rather than installed: tests/deploy render the overlays with it as well as with the kubectl
# on the PATH, so the kustomization files keep to what both accept.
build/debian-kubectl/.unpacked:
	rm -rf build/debian-kubectl && mkdir -p build/debian-kubectl
	cd build/debian-kubectl && { apt-get download kubernetes-client 2>/dev/null \
		|| { apt-get update -qq && apt-get download kubernetes-client; }; } \
		&& dpkg-deb -x kubernetes-client_*.deb root && rm kubernetes-client_*.deb
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
