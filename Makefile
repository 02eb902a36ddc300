# The README's two commands: `make demo` and `make test`. Each installs what it needs.
PY      ?= python3.11
VENV    := .venv
VPY     := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
NODE_STAMP := edge/node_modules/.installed
ARTIFACT := dist/edge/tailor_core-0.1.0-py3-none-any.whl

.PHONY: demo test setup node chromium artifact lint typecheck spec clean

$(STAMP): pyproject.toml
	test -x $(VPY) || $(PY) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q -e '.[test]'
	touch $(STAMP)

$(NODE_STAMP): edge/package.json edge/package-lock.json
	cd edge && npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

setup: $(STAMP) $(NODE_STAMP)

chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium)

artifact: setup
	$(VPY) -m build.edge_artifact

lint: setup
	$(VENV)/bin/ruff check core origin edge build bench tests
	$(VENV)/bin/mypy

test: setup chromium artifact
	$(VENV)/bin/ruff check core origin edge build bench tests
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest

demo: setup chromium artifact
	$(VENV)/bin/tailor demo

clean:
	rm -rf dist .pytest_cache .mypy_cache
