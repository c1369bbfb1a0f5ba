# sm_teamkit: `make demo` runs JupyterLab with the extension on the local emulator;
# `make test` runs every test. Both install what they need on a fresh machine.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
CHROMIUM ?= /usr/bin/chromium
STAMP := $(VENV)/.installed
LAB_STAMP := sm_teamkit/labextension/package.json
TS_SOURCES := $(shell find src style schema -type f 2>/dev/null) package.json tsconfig.json

.PHONY: demo test lint bench install system-deps build clean

demo: install build
	sm-teamkit demo --port $${PORT:-8888}

test: install system-deps build lint
	pytest tests

lint: install
	ruff check sm_teamkit tests benchmarks
	npm run --silent lint

bench: install system-deps build
	@for b in benchmarks/bench_*.py; do echo "== $$b"; python $$b || exit 1; done

install: $(STAMP)

$(STAMP): pyproject.toml package.json package-lock.json
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q hatchling editables "hatch-jupyter-builder>=0.9.1" "jupyterlab>=4.6,<5"
	# `npm ci` refuses this lock: the registry here lacks some optional platform binaries.
	npm install --no-audit --no-fund
	# A develop link from an earlier install: pip must not write through it into the source tree.
	[ ! -L $(VENV)/share/jupyter/labextensions/sm-teamkit ] || rm $(VENV)/share/jupyter/labextensions/sm-teamkit
	rm -f sm_teamkit/labextension/install.json
	$(BIN)/pip install -q --no-build-isolation -e ".[test,demo,mlflow,spark]"
	# Editable installs copy the built labextension; link it instead so rebuilds show up.
	jupyter labextension develop --overwrite . >/dev/null
	touch $@

# Debian packages the tests need: the browser for the panel tests, shellcheck for lifecycle,
# Java for the real Spark sessions.
system-deps:
	@missing=""; \
	  [ -x "$(CHROMIUM)" ] || missing="$$missing chromium"; \
	  command -v shellcheck >/dev/null || missing="$$missing shellcheck"; \
	  command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	  if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  fi

build: install $(LAB_STAMP)

$(LAB_STAMP): $(TS_SOURCES)
	npm run --silent build
	@touch $@

clean:
	rm -rf lib sm_teamkit/labextension tsconfig.tsbuildinfo .demo
