# Two commands do all set-up: `make demo` and `make test`. Each provisions what
# it needs (a virtualenv, a CRIU that works on this kernel, the crit oracle).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export CRIU_BIN ?= $(CURDIR)/.criu/bin/criu
export CRIT_ORACLE ?= $(CURDIR)/.criu/bin/crit
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup protos lint test test-fast integration bench demo clean test-vm

setup: $(VENV)/.installed .criu/.provisioned

# torch==2.13.0 first: it is the CPU wheel on this machine's disk; an
# unpinned `torch` from the train extra would fetch a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test,train]'
	touch $@

.criu/.provisioned: scripts/provision-criu.sh scripts/provision-oracle.sh scripts/trixie-apt.sh
	bash scripts/provision-criu.sh
	bash scripts/provision-oracle.sh
	mkdir -p .criu && touch $@

protos: $(VENV)/.installed
	$(BIN)/python scripts/gen_protos.py

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test-fast: $(VENV)/.installed
	$(BIN)/pytest -q tests

integration: setup
	$(BIN)/pytest -q integration

# Everything CI runs: lint, fast tests, real-CRIU integration tests, and the
# soft-dirty pre-dump tests inside a VM (this kernel cannot pre-dump).
test: setup lint .criu/vm/.provisioned
	$(BIN)/pytest -q tests integration
	$(BIN)/python -m integration.vm.run

bench: setup
	$(BIN)/python -m integration.bench

# Pre-dump needs soft-dirty, which this kernel lacks: boot Debian 12's 6.1 kernel
# under qemu TCG with the host's / over 9p and run integration/vm inside (~4 min).
.criu/vm/.provisioned: scripts/provision-vm.sh
	bash scripts/provision-vm.sh
	touch $@

test-vm: setup .criu/vm/.provisioned
	$(BIN)/python -m integration.vm.run

demo: setup
	$(BIN)/python -m examples.demo

clean:
	rm -rf $(VENV) .criu .pytest_cache .mypy_cache .ruff_cache
