# Two commands on a fresh machine: `make build` and `make test`. Everything they need is
# installed here: the virtualenv and Python packages, the npm test peers, and (for tests)
# Debian's chromium and postgresql when missing; `make build` only the libraries and fonts
# of the PDF handbook.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.qser-runtime
DEV_STAMP     := $(VENV)/.qser-dev
NODE_STAMP    := node_modules/.qser-installed
PYTEST_ARGS   ?=

.PHONY: build test bench serve check preview setup system-deps build-deps clean acceptance

build: $(RUNTIME_STAMP) build-deps
	$(BIN)/qser build content --out build

check: $(RUNTIME_STAMP)
	$(BIN)/qser check content --strict

preview: $(RUNTIME_STAMP)
	$(BIN)/qser preview content

serve: $(RUNTIME_STAMP)
	$(BIN)/qser lti serve --host 127.0.0.1 --port 9001

test: $(DEV_STAMP) $(NODE_STAMP) system-deps
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(DEV_STAMP) build-deps
	$(BIN)/python -m benchmarks

# Against a real Moodle, never part of `make test`: restores the backup and imports the
# cartridges into the site named by QSER_MOODLE_DIR, MOODLE_URL and HARNESS_DIR (README,
# "Checking in a real Moodle"); without them it says so and skips.
acceptance: $(DEV_STAMP)
	$(BIN)/python -m acceptance

setup: $(DEV_STAMP) $(NODE_STAMP) system-deps

system-deps:
	@bash scripts/system-deps.sh

build-deps:
	@bash scripts/system-deps.sh build

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(DEV_STAMP): pyproject.toml $(RUNTIME_STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

clean:
	rm -rf build .pytest_cache .hypothesis
